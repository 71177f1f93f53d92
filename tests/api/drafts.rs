//! Editors change drafts; the public sees a change only after publish.

use serde_json::json;

use crate::helpers::{As, TestApp, error_code, prolotherapy_id, therapy_version};

const NAME_AT: &str =
    "query($stage: Stage) { therapy(slug: \"prolotherapy\", stage: $stage) { name version } }";

#[tokio::test]
async fn an_edit_stays_in_the_draft_until_it_is_published() {
    let app = TestApp::new().await;
    let id = prolotherapy_id(&app).await;

    let updated = app
        .data(
            As::Editor,
            "mutation($id: ID!) { updateTherapy(id: $id, expectedVersion: 1, input: { name: \"Prolotherapy (renamed)\" }) { name version stage } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        updated["updateTherapy"],
        json!({ "name": "Prolotherapy (renamed)", "version": 2, "stage": "DRAFT" })
    );

    let public = app.data(As::Public, NAME_AT, json!({})).await;
    assert_eq!(public["therapy"], json!({ "name": "Prolotherapy", "version": 1 }));
    let preview = app.data(As::Preview, NAME_AT, json!({ "stage": "DRAFT" })).await;
    assert_eq!(
        preview["therapy"],
        json!({ "name": "Prolotherapy (renamed)", "version": 2 })
    );

    app.data(
        As::Editor,
        "mutation($id: ID!) { publishTherapy(id: $id) { id } }",
        json!({ "id": id }),
    )
    .await;

    let public = app.data(As::Public, NAME_AT, json!({})).await;
    assert_eq!(
        public["therapy"],
        json!({ "name": "Prolotherapy (renamed)", "version": 2 })
    );
}

#[tokio::test]
async fn a_new_benefit_reaches_the_public_page_only_with_its_therapy_published_with_children() {
    let app = TestApp::new().await;
    let id = prolotherapy_id(&app).await;
    let benefits = "{ therapy(slug: \"prolotherapy\") { benefits { title } } }";

    app.data(
        As::Editor,
        "mutation($id: ID!) { createBenefit(input: { therapyId: $id, title: \"Natural\", body: \"Uses the body's own healing.\" }) { id position } }",
        json!({ "id": id }),
    )
    .await;
    assert_eq!(
        app.data(As::Public, benefits, json!({})).await["therapy"]["benefits"]
            .as_array()
            .unwrap()
            .len(),
        3
    );

    app.data(
        As::Editor,
        "mutation($id: ID!) { publishTherapy(id: $id) { id } }",
        json!({ "id": id }),
    )
    .await;
    assert_eq!(
        app.data(As::Public, benefits, json!({})).await["therapy"]["benefits"]
            .as_array()
            .unwrap()
            .len(),
        3,
        "publishing without children leaves owned items alone"
    );

    app.data(
        As::Editor,
        "mutation($id: ID!) { publishTherapy(id: $id, withChildren: true) { id } }",
        json!({ "id": id }),
    )
    .await;
    let titles = app.data(As::Public, benefits, json!({})).await;
    assert_eq!(titles["therapy"]["benefits"][3], json!({ "title": "Natural" }));
}

#[tokio::test]
async fn unpublishing_hides_the_page_and_keeps_the_draft() {
    let app = TestApp::new().await;
    let id = prolotherapy_id(&app).await;

    let draft = app
        .data(
            As::Editor,
            "mutation($id: ID!) { unpublishTherapy(id: $id) { stage name } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        draft["unpublishTherapy"],
        json!({ "stage": "DRAFT", "name": "Prolotherapy" })
    );

    assert_eq!(
        app.data(As::Public, NAME_AT, json!({})).await["therapy"],
        json!(null)
    );
    let faqs = app
        .data(
            As::Public,
            "{ faqs { totalCount } benefits { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(
        faqs,
        json!({ "faqs": { "totalCount": 0 }, "benefits": { "totalCount": 0 } })
    );
    assert_eq!(
        app.data(As::Preview, NAME_AT, json!({ "stage": "DRAFT" })).await["therapy"]["name"],
        "Prolotherapy"
    );
}

#[tokio::test]
async fn deleting_a_therapy_removes_both_stages_and_everything_it_owns() {
    let app = TestApp::new().await;
    let id = prolotherapy_id(&app).await;

    let deleted = app
        .data(
            As::Editor,
            "mutation($id: ID!) { deleteTherapy(id: $id) }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(deleted["deleteTherapy"], json!(id));

    for stage in ["PUBLISHED", "DRAFT"] {
        let data = app
            .data(
                As::Preview,
                "query($id: ID!, $stage: Stage) { therapy(id: $id, stage: $stage) { id } benefits(stage: $stage) { totalCount } faqs(stage: $stage) { totalCount } therapySections(stage: $stage) { totalCount } condition(slug: \"knee-pain\", stage: $stage) { therapies { id } } }",
                json!({ "id": id, "stage": stage }),
            )
            .await;
        assert_eq!(
            data,
            json!({
                "therapy": null,
                "benefits": { "totalCount": 0 },
                "faqs": { "totalCount": 0 },
                "therapySections": { "totalCount": 0 },
                "condition": { "therapies": [] }
            }),
            "at stage {stage}"
        );
    }
    let again = app
        .call(
            As::Editor,
            "mutation($id: ID!) { deleteTherapy(id: $id) }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(error_code(&again), "NOT_FOUND");
}

#[tokio::test]
async fn a_published_page_shows_a_condition_link_only_once_the_condition_is_published() {
    let app = TestApp::new().await;
    let id = prolotherapy_id(&app).await;
    let created = app
        .data(
            As::Editor,
            "mutation { createCondition(input: { slug: \"neck-pain\", name: \"Neck pain\", bodyRegion: \"neck\" }) { id } }",
            json!({}),
        )
        .await;
    let condition_id = created["createCondition"]["id"].as_str().unwrap().to_owned();
    app.data(
        As::Editor,
        "mutation($t: ID!, $c: ID!) { linkCondition(input: { therapyId: $t, conditionId: $c, suitability: RESPONDS_WELL, note: \"Often\" }) { id } }",
        json!({ "t": id, "c": condition_id }),
    )
    .await;
    app.data(
        As::Editor,
        "mutation($id: ID!) { publishTherapy(id: $id) { id } }",
        json!({ "id": id }),
    )
    .await;
    let well = "{ therapy(slug: \"prolotherapy\") { conditions(suitability: RESPONDS_WELL) { condition { slug } note } } }";
    assert_eq!(
        app.data(As::Public, well, json!({})).await["therapy"]["conditions"]
            .as_array()
            .unwrap()
            .len(),
        13
    );

    app.data(
        As::Editor,
        "mutation($id: ID!) { publishCondition(id: $id) { stage } }",
        json!({ "id": condition_id }),
    )
    .await;

    let links = app.data(As::Public, well, json!({})).await;
    assert_eq!(
        links["therapy"]["conditions"][13],
        json!({ "condition": { "slug": "neck-pain" }, "note": "Often" })
    );
}

#[tokio::test]
async fn unlinking_changes_the_draft_and_the_public_page_only_after_publish() {
    let app = TestApp::new().await;
    let id = prolotherapy_id(&app).await;
    let poorly = "query($stage: Stage) { therapy(slug: \"prolotherapy\", stage: $stage) { conditions(suitability: RESPONDS_POORLY) { id condition { slug } } } }";
    let links = app.data(As::Editor, poorly, json!({ "stage": "DRAFT" })).await;
    let fractures = links["therapy"]["conditions"][4].clone();
    assert_eq!(fractures["condition"]["slug"], "fractures");

    app.data(
        As::Editor,
        "mutation($id: ID!) { unlinkCondition(id: $id) { id } }",
        json!({ "id": fractures["id"] }),
    )
    .await;

    let count = |v: serde_json::Value| v["therapy"]["conditions"].as_array().unwrap().len();
    assert_eq!(
        count(app.data(As::Editor, poorly, json!({ "stage": "DRAFT" })).await),
        6
    );
    assert_eq!(count(app.data(As::Public, poorly, json!({})).await), 7);
    app.data(
        As::Editor,
        "mutation($id: ID!) { publishTherapy(id: $id) { id } }",
        json!({ "id": id }),
    )
    .await;
    assert_eq!(count(app.data(As::Public, poorly, json!({})).await), 6);
}

#[tokio::test]
async fn publishing_a_named_version_fails_once_the_draft_has_moved_on() {
    let app = TestApp::new().await;
    let id = prolotherapy_id(&app).await;
    app.data(
        As::Editor,
        "mutation($id: ID!) { updateTherapy(id: $id, expectedVersion: 1, input: { summary: \"New summary\" }) { version } }",
        json!({ "id": id }),
    )
    .await;
    assert_eq!(therapy_version(&app, &id).await, 2);

    let stale = app
        .call(
            As::Editor,
            "mutation($id: ID!) { publishTherapy(id: $id, expectedVersion: 1) { id } }",
            json!({ "id": id }),
        )
        .await;

    assert_eq!(error_code(&stale), "CONFLICT");
    assert_eq!(stale["errors"][0]["extensions"]["currentVersion"], 2);
    let public = app
        .data(
            As::Public,
            "{ therapy(slug: \"prolotherapy\") { summary { markdown } } }",
            json!({}),
        )
        .await;
    assert_ne!(public["therapy"]["summary"]["markdown"], "New summary");
}

#[tokio::test]
async fn a_draft_slug_may_not_be_published_over_another_published_document() {
    let app = TestApp::new().await;
    let knee = app
        .data(
            As::Editor,
            "{ condition(slug: \"knee-pain\", stage: DRAFT) { id version } }",
            json!({}),
        )
        .await;
    // Knee pain's draft takes a new slug; a new condition takes the old one.
    app.data(
        As::Editor,
        "mutation($id: ID!) { updateCondition(id: $id, expectedVersion: 1, input: { slug: \"knee-ache\" }) { slug } }",
        json!({ "id": knee["condition"]["id"] }),
    )
    .await;
    let created = app
        .data(
            As::Editor,
            "mutation { createCondition(input: { slug: \"knee-pain\", name: \"Knee pain 2\" }) { id } }",
            json!({}),
        )
        .await;

    let clash = app
        .call(
            As::Editor,
            "mutation($id: ID!) { publishCondition(id: $id) { id } }",
            json!({ "id": created["createCondition"]["id"] }),
        )
        .await;

    assert_eq!(error_code(&clash), "BAD_USER_INPUT");
    assert_eq!(clash["errors"][0]["extensions"]["field"], "slug");
}
