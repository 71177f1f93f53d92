//! Bad input gets a stable code and a clear message; nothing panics, nothing is
//! half-written, and no database text reaches a client.

use clinic_content_api::seed;
use sea_orm::ConnectionTrait;
use serde_json::json;

use crate::helpers::{As, TestApp, error_code, prolotherapy_id};

const CREATE_CONDITION: &str =
    "mutation($input: CreateConditionInput!) { createCondition(input: $input) { id slug } }";

#[tokio::test]
async fn a_slug_with_anything_but_lowercase_letters_digits_and_hyphens_is_refused() {
    let app = TestApp::new().await;
    for slug in [
        "Knee-Pain",
        "knee pain",
        "knee--pain",
        "-knee",
        "knee_pain",
        "",
        "knée",
    ] {
        let response = app
            .call(
                As::Editor,
                CREATE_CONDITION,
                json!({ "input": { "slug": slug, "name": "Knee" } }),
            )
            .await;
        assert_eq!(error_code(&response), "BAD_USER_INPUT", "slug {slug:?}");
        assert_eq!(
            response["errors"][0]["extensions"]["field"], "slug",
            "slug {slug:?}"
        );
    }
}

#[tokio::test]
async fn a_slug_already_in_use_is_refused_naming_the_field() {
    let app = TestApp::new().await;
    let response = app
        .call(
            As::Editor,
            CREATE_CONDITION,
            json!({ "input": { "slug": "knee-pain", "name": "Knee again" } }),
        )
        .await;
    assert_eq!(error_code(&response), "BAD_USER_INPUT");
    assert_eq!(response["errors"][0]["extensions"]["field"], "slug");
    assert_eq!(
        response["errors"][0]["message"],
        "slug: is already used by another condition"
    );
}

#[tokio::test]
async fn malformed_and_unknown_ids_are_told_apart() {
    let app = TestApp::new().await;
    let malformed = app
        .call(
            As::Editor,
            "mutation { updateFaq(id: \"nope\", expectedVersion: 1, input: { answer: \"x\" }) { id } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&malformed), "BAD_USER_INPUT");
    assert_eq!(malformed["errors"][0]["extensions"]["field"], "id");

    let unknown = app
        .call(
            As::Editor,
            "mutation { updateFaq(id: \"01900000-0000-7000-8000-000000000000\", expectedVersion: 1, input: { answer: \"x\" }) { id } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&unknown), "NOT_FOUND");
}

#[tokio::test]
async fn inconsistent_treatment_facts_are_refused_and_nothing_is_written() {
    let app = TestApp::new().await;
    let id = prolotherapy_id(&app).await;
    let response = app
        .call(
            As::Editor,
            "mutation($id: ID!) { updateTherapy(id: $id, expectedVersion: 1, input: { name: \"Changed\", facts: { minSessions: 6, maxSessions: 2 } }) { id } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(error_code(&response), "BAD_USER_INPUT");
    assert_eq!(response["errors"][0]["extensions"]["field"], "facts.maxSessions");
    let draft = app
        .data(
            As::Editor,
            "{ therapy(slug: \"prolotherapy\", stage: DRAFT) { name version facts { minSessions } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        draft["therapy"],
        json!({ "name": "Prolotherapy", "version": 1, "facts": { "minSessions": 2 } })
    );
}

#[tokio::test]
async fn empty_names_and_overlong_text_are_refused() {
    let app = TestApp::new().await;
    let empty = app
        .call(
            As::Editor,
            CREATE_CONDITION,
            json!({ "input": { "slug": "x", "name": "   " } }),
        )
        .await;
    assert_eq!(empty["errors"][0]["extensions"]["field"], "name");
    let long = app
        .call(
            As::Editor,
            CREATE_CONDITION,
            json!({ "input": { "slug": "x", "name": "n".repeat(301) } }),
        )
        .await;
    assert_eq!(long["errors"][0]["extensions"]["field"], "name");
    let huge = app
        .call(
            As::Editor,
            CREATE_CONDITION,
            json!({ "input": { "slug": "x", "name": "X", "description": "d".repeat(100_001) } }),
        )
        .await;
    assert_eq!(huge["errors"][0]["extensions"]["field"], "description");
}

#[tokio::test]
async fn a_script_in_an_answer_never_reaches_a_client_as_markup() {
    let app = TestApp::new().await;
    let id = prolotherapy_id(&app).await;
    let created = app
        .data(
            As::Editor,
            "mutation($id: ID!) { createFaq(input: { therapyId: $id, question: \"Safe?\", answer: \"Yes <script>alert('x')</script> **really** <a href=\\\"javascript:alert(1)\\\" onclick=\\\"x()\\\">link</a>\" }) { answer { html plainText } } }",
            json!({ "id": id }),
        )
        .await;
    let html = created["createFaq"]["answer"]["html"].as_str().unwrap();
    assert!(!html.contains("<script"), "{html}");
    assert!(!html.contains("javascript:"), "{html}");
    assert!(!html.contains("onclick"), "{html}");
    assert!(html.contains("<strong>really</strong>"), "{html}");
}

#[tokio::test]
async fn a_content_file_that_fails_half_way_leaves_nothing_behind() {
    let app = TestApp::empty().await;
    let file = seed::parse(
        r#"{ "format": "clinic-content/1",
             "conditions": [ { "slug": "knee-pain", "name": "Knee pain" } ],
             "therapies": [
               { "slug": "one", "name": "One", "conditions": [ { "condition": "knee-pain", "suitability": "RESPONDS_WELL" } ] },
               { "slug": "two", "name": "Two", "conditions": [ { "condition": "missing", "suitability": "RESPONDS_WELL" } ] }
             ] }"#,
    )
    .unwrap();

    let result = seed::load(app.db(), &file).await;

    assert!(
        matches!(result, Err(seed::SeedError::UnknownSlug { .. })),
        "{result:?}"
    );
    let counts = app
        .data(
            As::Editor,
            "{ therapies(stage: DRAFT) { totalCount } conditions(stage: DRAFT) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(
        counts,
        json!({ "therapies": { "totalCount": 0 }, "conditions": { "totalCount": 0 } })
    );
}

#[tokio::test]
async fn a_reorder_naming_the_wrong_items_changes_nothing() {
    let app = TestApp::new().await;
    let id = prolotherapy_id(&app).await;
    let before = app
        .data(
            As::Editor,
            "{ therapy(slug: \"prolotherapy\", stage: DRAFT) { faqs { id version } } }",
            json!({}),
        )
        .await;
    let faqs = before["therapy"]["faqs"].as_array().unwrap();
    let ids = [&faqs[3]["id"], &faqs[2]["id"], &faqs[1]["id"]];

    let response = app
        .call(
            As::Editor,
            "mutation($t: ID!, $ids: [ID!]!) { reorderFaqs(therapyId: $t, ids: $ids) { id } }",
            json!({ "t": id, "ids": ids }),
        )
        .await;

    assert_eq!(error_code(&response), "BAD_USER_INPUT");
    assert_eq!(response["errors"][0]["extensions"]["field"], "ids");
    let after = app
        .data(
            As::Editor,
            "{ therapy(slug: \"prolotherapy\", stage: DRAFT) { faqs { id version } } }",
            json!({}),
        )
        .await;
    assert_eq!(before, after);
}

#[tokio::test]
async fn a_database_failure_is_internal_and_shows_no_database_text() {
    let app = TestApp::new().await;
    app.db()
        .conn()
        .execute_unprepared("DROP TABLE benefit")
        .await
        .unwrap();

    let response = app
        .call(As::Public, "{ benefits { totalCount } }", json!({}))
        .await;

    assert_eq!(error_code(&response), "INTERNAL");
    let text = response.to_string().to_lowercase();
    for leak in ["benefit\"", "no such table", "relation", "sql", "select"] {
        assert!(!text.contains(leak), "{leak:?} leaked in {response}");
    }
}

#[tokio::test]
async fn a_query_nested_too_deeply_is_refused() {
    let app = TestApp::new().await;
    let mut query = String::from("{ therapy(slug: \"prolotherapy\") { ");
    for _ in 0..9 {
        query.push_str("practitioners { therapies { ");
    }
    query.push_str("slug");
    query.push_str(&" } }".repeat(9));
    query.push_str(" } }");
    let response = app.call(As::Public, &query, json!({})).await;
    assert_eq!(
        response["errors"][0]["extensions"]["code"], "QUERY_TOO_DEEP",
        "{response}"
    );
    assert_eq!(response["errors"][0]["extensions"]["limit"], 15, "{response}");
}

#[tokio::test]
async fn a_publish_that_fails_half_way_leaves_the_published_copy_as_it_was() {
    let app = TestApp::new().await;
    let drafts = app
        .data(
            As::Editor,
            "{ knee: condition(slug: \"knee-pain\", stage: DRAFT) { id } fractures: condition(slug: \"fractures\", stage: DRAFT) { id } }",
            json!({}),
        )
        .await;
    let id = drafts["knee"]["id"].clone();
    // The draft takes a slug that another condition's published copy still uses,
    // so publishing it fails after the old published copy was taken away.
    app.data(
        As::Editor,
        "mutation($id: ID!) { updateCondition(id: $id, expectedVersion: 1, input: { slug: \"broken-bones\" }) { slug } }",
        json!({ "id": drafts["fractures"]["id"] }),
    )
    .await;
    app.data(
        As::Editor,
        "mutation($id: ID!) { updateCondition(id: $id, expectedVersion: 1, input: { slug: \"fractures\", name: \"Renamed\" }) { slug } }",
        json!({ "id": id }),
    )
    .await;

    let response = app
        .call(
            As::Editor,
            "mutation($id: ID!) { publishCondition(id: $id) { id } }",
            json!({ "id": id }),
        )
        .await;

    assert_eq!(error_code(&response), "BAD_USER_INPUT");
    assert_eq!(response["errors"][0]["extensions"]["field"], "slug");
    let public = app
        .data(
            As::Public,
            "query($id: ID!) { condition(id: $id) { slug name } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        public["condition"],
        json!({ "slug": "knee-pain", "name": "Knee pain" })
    );
}
