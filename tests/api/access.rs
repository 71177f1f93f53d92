//! Who may do what: the role matrix of tokens, bad tokens over real HTTP, and that
//! no read path — queries and the delta-sync feed — shows a caller without a token
//! anything that exists only in drafts (subscriptions: see `subscriptions.rs`).

use reqwest::header::{AUTHORIZATION, HeaderValue, WWW_AUTHENTICATE};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{As, TestApp, error_code, prolotherapy_id};
use crate::seed_content::PAGE_QUERY;

// ---------------------------------------------------------------------------
// Shared helpers
// ---------------------------------------------------------------------------

/// The message of a header that is not `Bearer <token>` (see `auth::AuthError::Malformed`).
const MALFORMED: &str = "the Authorization header must be `Bearer <token>`";
/// The message of a well-formed token that is unknown or revoked.
const REJECTED: &str = "the token is unknown or has been revoked";

/// Whether a response carries no data at all: `data` is null, or every root field is null.
fn no_data(data: &Value) -> bool {
    data.is_null()
        || data
            .as_object()
            .is_some_and(|fields| fields.values().all(Value::is_null))
}

/// Asserts a response failed with `code` and served nothing.
fn assert_refused(what: &str, response: &Value, code: &str) {
    assert_eq!(error_code(response), code, "{what}: {response:#}");
    assert!(
        no_data(&response["data"]),
        "{what} served data despite the error: {response:#}"
    );
}

/// The whole body of a request refused before execution for a bad token.
fn unauthenticated_body(message: &str) -> Value {
    // Refused before execution: no `data` entry, as GraphQL over HTTP asks.
    json!({ "errors": [{ "message": message, "extensions": { "code": "UNAUTHENTICATED" } }] })
}

fn bearer(secret: &str) -> String {
    format!("Bearer {secret}")
}

/// Every `stage` value anywhere in a JSON value.
fn stages(value: &Value) -> Vec<String> {
    match value {
        Value::Object(fields) => fields
            .iter()
            .flat_map(|(key, v)| match (key.as_str(), v) {
                ("stage", Value::String(s)) => vec![s.clone()],
                _ => stages(v),
            })
            .collect(),
        Value::Array(items) => items.iter().flat_map(stages).collect(),
        _ => Vec::new(),
    }
}

/// Everything an editor and an admin can see: both stages of all content, and the token list.
const SNAPSHOT: &str = r#"
fragment TherapyState on Therapy {
  id stage slug name version updatedAt publishedAt summary { markdown }
  sections { id heading position version updatedAt }
  benefits { id title position version updatedAt }
  faqs { id question answer { markdown } position version updatedAt }
  conditions { id suitability note position version condition { slug } }
  practitioners { id slug }
}
query Snapshot {
  draftTherapies: therapies(stage: DRAFT, first: 100) { totalCount nodes { ...TherapyState } }
  publishedTherapies: therapies(first: 100) { totalCount nodes { ...TherapyState } }
  draftConditions: conditions(stage: DRAFT, first: 100) {
    totalCount nodes { id slug name version updatedAt publishedAt }
  }
  publishedConditions: conditions(first: 100) { totalCount nodes { id slug name version updatedAt publishedAt } }
  draftPractitioners: practitioners(stage: DRAFT, first: 100) { totalCount nodes { id slug name version updatedAt } }
  draftFaqs: faqs(stage: DRAFT, first: 100) { totalCount nodes { id question version updatedAt } }
}"#;

async fn snapshot(app: &TestApp) -> Value {
    let content = app.data(As::Editor, SNAPSHOT, json!({})).await;
    let tokens = app
        .data(As::Admin, "{ apiTokens { id name role revokedAt } }", json!({}))
        .await;
    json!({ "content": content, "tokens": tokens })
}

async fn token_id(app: &TestApp, name: &str) -> String {
    let tokens = app.data(As::Admin, "{ apiTokens { id name } }", json!({})).await;
    let token = tokens["apiTokens"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == name)
        .expect("token exists");
    token["id"].as_str().unwrap().to_owned()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    Content,
    Tokens,
}

/// One mutation, with valid arguments, that would change something if it ran.
struct Mutation {
    name: &'static str,
    family: Family,
    query: &'static str,
    variables: Value,
}

/// What `one_of_each_mutation` set up and aims at.
struct MutationTargets {
    mutations: Vec<Mutation>,
    /// The seeded benefit titles, in their current order.
    benefit_titles: Vec<String>,
    /// The id of the condition `deleteCondition` deletes (knee-pain).
    knee_id: Value,
}

/// One mutation of every family, aimed at the seeded content. As an editor it first
/// renames the prolotherapy draft (so that publishing would change the public page)
/// and creates an unlinked condition "whiplash" (so that linking is possible).
async fn one_of_each_mutation(app: &TestApp) -> MutationTargets {
    let therapy = prolotherapy_id(app).await;
    app.data(
        As::Editor,
        r#"mutation($id: ID!) { updateTherapy(id: $id, expectedVersion: 1, input: { name: "Prolotherapy (pending)" }) { id } }"#,
        json!({ "id": therapy }),
    )
    .await;
    let spare = app
        .data(
            As::Editor,
            r#"mutation { createCondition(input: { slug: "whiplash", name: "Whiplash" }) { id } }"#,
            json!({}),
        )
        .await["createCondition"]["id"]
        .clone();
    let draft = app
        .data(
            As::Editor,
            r#"query($id: ID!) {
                 therapy(id: $id, stage: DRAFT) { benefits { id title } faqs { id version } }
                 knee: condition(slug: "knee-pain", stage: DRAFT) { id }
               }"#,
            json!({ "id": therapy }),
        )
        .await;
    let benefits = draft["therapy"]["benefits"].as_array().unwrap();
    let reversed: Vec<Value> = benefits.iter().rev().map(|b| b["id"].clone()).collect();
    let benefit_titles = benefits
        .iter()
        .map(|b| b["title"].as_str().unwrap().to_owned())
        .collect();
    let faq = &draft["therapy"]["faqs"][0];
    let knee_id = draft["knee"]["id"].clone();
    let admin_token = token_id(app, "test admin").await;
    let mutations = vec![
        Mutation {
            name: "createTherapy",
            family: Family::Content,
            query: r#"mutation { createTherapy(input: { slug: "intruder", name: "Intruder" }) { slug name stage version } }"#,
            variables: json!({}),
        },
        Mutation {
            name: "updateFaq",
            family: Family::Content,
            query: r#"mutation($id: ID!, $version: Int!) {
                        updateFaq(id: $id, expectedVersion: $version, input: { question: "Changed?" }) { question version }
                      }"#,
            variables: json!({ "id": faq["id"], "version": faq["version"] }),
        },
        Mutation {
            name: "publishTherapy",
            family: Family::Content,
            query: "mutation($id: ID!) { publishTherapy(id: $id, withChildren: true) { name stage } }",
            variables: json!({ "id": therapy }),
        },
        Mutation {
            name: "linkCondition",
            family: Family::Content,
            query: r#"mutation($therapyId: ID!, $conditionId: ID!) {
                        linkCondition(input: { therapyId: $therapyId, conditionId: $conditionId, suitability: RESPONDS_WELL }) {
                          suitability condition { slug } therapy { slug }
                        }
                      }"#,
            variables: json!({ "therapyId": therapy, "conditionId": spare }),
        },
        Mutation {
            name: "reorderBenefits",
            family: Family::Content,
            query: "mutation($therapyId: ID!, $ids: [ID!]!) { reorderBenefits(therapyId: $therapyId, ids: $ids) { title position } }",
            variables: json!({ "therapyId": therapy, "ids": reversed }),
        },
        Mutation {
            name: "deleteCondition",
            family: Family::Content,
            query: "mutation($id: ID!) { deleteCondition(id: $id) }",
            variables: json!({ "id": knee_id }),
        },
        Mutation {
            name: "createApiToken",
            family: Family::Tokens,
            query: r#"mutation { createApiToken(name: "intruder", role: ADMIN) { secret } }"#,
            variables: json!({}),
        },
        Mutation {
            name: "revokeApiToken",
            family: Family::Tokens,
            query: "mutation($id: ID!) { revokeApiToken(id: $id) { id revokedAt } }",
            variables: json!({ "id": admin_token }),
        },
    ];
    MutationTargets {
        mutations,
        benefit_titles,
        knee_id,
    }
}

/// A read at `stage: DRAFT` through every root field, each aliased `r`, each selecting
/// a `stage` somewhere; ids are those of seeded, published documents.
async fn draft_reads(app: &TestApp) -> Vec<(&'static str, &'static str, Value)> {
    let page = app
        .data(
            As::Public,
            r#"{ therapy(slug: "prolotherapy") { id sections { id } benefits { id } faqs { id } conditions { id } } }"#,
            json!({}),
        )
        .await;
    let t = &page["therapy"];
    vec![
        (
            "therapy",
            r#"{ r: therapy(slug: "prolotherapy", stage: DRAFT) { stage } }"#,
            json!({}),
        ),
        (
            "therapies",
            "{ r: therapies(stage: DRAFT) { nodes { stage } } }",
            json!({}),
        ),
        (
            "condition",
            r#"{ r: condition(slug: "knee-pain", stage: DRAFT) { stage } }"#,
            json!({}),
        ),
        (
            "conditions",
            "{ r: conditions(stage: DRAFT) { nodes { stage } } }",
            json!({}),
        ),
        (
            "practitioner",
            r#"{ r: practitioner(slug: "dr-heather", stage: DRAFT) { stage } }"#,
            json!({}),
        ),
        (
            "practitioners",
            "{ r: practitioners(stage: DRAFT) { nodes { stage } } }",
            json!({}),
        ),
        (
            "therapySection",
            "query($id: ID!) { r: therapySection(id: $id, stage: DRAFT) { stage } }",
            json!({ "id": t["sections"][0]["id"] }),
        ),
        (
            "therapySections",
            "{ r: therapySections(stage: DRAFT) { nodes { stage } } }",
            json!({}),
        ),
        (
            "benefit",
            "query($id: ID!) { r: benefit(id: $id, stage: DRAFT) { stage } }",
            json!({ "id": t["benefits"][0]["id"] }),
        ),
        (
            "benefits",
            "{ r: benefits(stage: DRAFT) { nodes { stage } } }",
            json!({}),
        ),
        (
            "faq",
            "query($id: ID!) { r: faq(id: $id, stage: DRAFT) { stage } }",
            json!({ "id": t["faqs"][0]["id"] }),
        ),
        ("faqs", "{ r: faqs(stage: DRAFT) { nodes { stage } } }", json!({})),
        (
            "therapyCondition",
            "query($id: ID!) { r: therapyCondition(id: $id, stage: DRAFT) { therapy { stage } condition { stage } } }",
            json!({ "id": t["conditions"][0]["id"] }),
        ),
    ]
}

// ---------------------------------------------------------------------------
// 1. The role matrix
// ---------------------------------------------------------------------------

#[tokio::test]
async fn without_a_token_published_content_is_readable() {
    // Arrange
    let app = TestApp::new().await;

    // Act
    let data = app
        .data(
            As::Public,
            r#"{
              therapy(slug: "prolotherapy") { stage slug name }
              therapies { totalCount }
              conditions { totalCount }
              practitioners { nodes { slug stage } }
              therapySections { totalCount }
              benefits { totalCount }
              faqs { totalCount }
            }"#,
            json!({}),
        )
        .await;

    // Assert
    assert_eq!(
        data,
        json!({
            "therapy": { "stage": "PUBLISHED", "slug": "prolotherapy", "name": "Prolotherapy" },
            "therapies": { "totalCount": 1 },
            "conditions": { "totalCount": 20 },
            "practitioners": { "nodes": [{ "slug": "dr-heather", "stage": "PUBLISHED" }] },
            "therapySections": { "totalCount": 6 },
            "benefits": { "totalCount": 3 },
            "faqs": { "totalCount": 4 },
        })
    );
}

#[tokio::test]
async fn without_a_token_asking_for_drafts_is_unauthenticated_at_every_root_field() {
    // Arrange
    let app = TestApp::new().await;
    let reads = draft_reads(&app).await;

    for (field, query, variables) in reads {
        // Act
        let response = app.call(As::Public, query, variables).await;

        // Assert
        assert_refused(field, &response, "UNAUTHENTICATED");
    }
}

#[tokio::test]
async fn every_token_role_reads_drafts_at_every_root_field() {
    // Arrange
    let app = TestApp::new().await;
    let reads = draft_reads(&app).await;

    for who in [As::Preview, As::Editor, As::Admin] {
        for (field, query, variables) in &reads {
            // Act
            let data = app.data(who, query, variables.clone()).await;

            // Assert
            let seen = stages(&data["r"]);
            assert!(
                !seen.is_empty() && seen.iter().all(|s| s == "DRAFT"),
                "{who:?} {field}: {data:#}"
            );
        }
    }
}

#[tokio::test]
async fn without_a_token_every_kind_of_mutation_is_unauthenticated_and_writes_nothing() {
    // Arrange
    let app = TestApp::new().await;
    let targets = one_of_each_mutation(&app).await;
    let before = snapshot(&app).await;

    for m in &targets.mutations {
        // Act
        let response = app.call(As::Public, m.query, m.variables.clone()).await;

        // Assert
        assert_refused(m.name, &response, "UNAUTHENTICATED");
    }
    assert_eq!(snapshot(&app).await, before, "a refused mutation wrote something");
}

#[tokio::test]
async fn with_a_preview_token_every_kind_of_mutation_is_forbidden_and_writes_nothing() {
    // Arrange
    let app = TestApp::new().await;
    let targets = one_of_each_mutation(&app).await;
    let before = snapshot(&app).await;

    for m in &targets.mutations {
        // Act
        let response = app.call(As::Preview, m.query, m.variables.clone()).await;

        // Assert
        assert_refused(m.name, &response, "FORBIDDEN");
    }
    assert_eq!(snapshot(&app).await, before, "a refused mutation wrote something");
}

#[tokio::test]
async fn an_editor_token_changes_content_but_cannot_manage_tokens() {
    // Arrange
    let app = TestApp::new().await;
    let targets = one_of_each_mutation(&app).await;
    let tokens_before = snapshot(&app).await["tokens"].clone();

    // Act
    let mut answers = serde_json::Map::new();
    for m in targets.mutations.iter().filter(|m| m.family == Family::Content) {
        let before = snapshot(&app).await;
        let data = app.data(As::Editor, m.query, m.variables.clone()).await;
        answers.insert(m.name.to_owned(), data[m.name].clone());
        // The snapshot the refusal tests compare notices this mutation.
        assert_ne!(
            snapshot(&app).await,
            before,
            "{} changed nothing the snapshot shows",
            m.name
        );
    }
    let mut refusals = Vec::new();
    for m in targets.mutations.iter().filter(|m| m.family == Family::Tokens) {
        refusals.push((m.name, app.call(As::Editor, m.query, m.variables.clone()).await));
    }
    refusals.push((
        "apiTokens",
        app.call(As::Editor, "{ apiTokens { id } }", json!({})).await,
    ));

    // Assert: every content mutation did its work…
    let id = prolotherapy_id(&app).await;
    let reordered: Vec<Value> = targets
        .benefit_titles
        .iter()
        .rev()
        .enumerate()
        .map(|(position, title)| json!({ "title": title, "position": position }))
        .collect();
    assert_eq!(
        Value::Object(answers),
        json!({
            "createTherapy": { "slug": "intruder", "name": "Intruder", "stage": "DRAFT", "version": 1 },
            "updateFaq": { "question": "Changed?", "version": 2 },
            "publishTherapy": { "name": "Prolotherapy (pending)", "stage": "PUBLISHED" },
            "linkCondition": {
                "suitability": "RESPONDS_WELL",
                "condition": { "slug": "whiplash" },
                "therapy": { "slug": "prolotherapy" }
            },
            "reorderBenefits": reordered,
            "deleteCondition": targets.knee_id,
        })
    );
    let after = app
        .data(
            As::Editor,
            r#"query($id: ID!) {
                 public: therapy(id: $id) { name faqs { question } }
                 draft: therapy(id: $id, stage: DRAFT) { benefits { title } conditions { condition { slug } } }
                 intruder: therapy(slug: "intruder", stage: DRAFT) { name stage }
                 knee: condition(slug: "knee-pain", stage: DRAFT) { id }
               }"#,
            json!({ "id": id }),
        )
        .await;
    assert_eq!(after["public"]["name"], "Prolotherapy (pending)");
    assert_eq!(after["public"]["faqs"][0]["question"], "Changed?");
    let titles: Vec<&str> = after["draft"]["benefits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["title"].as_str().unwrap())
        .collect();
    let reversed: Vec<&str> = targets.benefit_titles.iter().rev().map(String::as_str).collect();
    assert_eq!(titles, reversed);
    let linked: Vec<&str> = after["draft"]["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["condition"]["slug"].as_str().unwrap())
        .collect();
    assert_eq!(
        linked.len(),
        20,
        "knee-pain unlinked by its deletion, whiplash linked: {linked:?}"
    );
    assert_eq!(linked.last(), Some(&"whiplash"));
    assert!(!linked.contains(&"knee-pain"));
    assert_eq!(after["intruder"], json!({ "name": "Intruder", "stage": "DRAFT" }));
    assert_eq!(after["knee"], Value::Null);

    // …and every token operation was forbidden, leaving the tokens as they were.
    for (name, response) in &refusals {
        assert_refused(name, response, "FORBIDDEN");
    }
    assert_eq!(snapshot(&app).await["tokens"], tokens_before);
}

#[tokio::test]
async fn an_admin_creates_tokens_whose_secrets_act_with_their_role() {
    // Arrange
    let app = TestApp::new().await;
    let mut secrets = Vec::new();

    for (role, may_edit, may_manage_tokens) in [
        ("PREVIEW", false, false),
        ("EDITOR", true, false),
        ("ADMIN", true, true),
    ] {
        // Act
        let created = app
            .data(
                As::Admin,
                "mutation($name: String!, $role: Role!) {
                   createApiToken(name: $name, role: $role) { secret token { name role revokedAt } }
                 }",
                json!({ "name": format!("ci {role}"), "role": role }),
            )
            .await["createApiToken"]
            .clone();
        let secret = created["secret"].as_str().unwrap().to_owned();
        let header = bearer(&secret);
        let draft_read = app
            .call_with_header(
                Some(&header),
                r#"{ therapy(slug: "prolotherapy", stage: DRAFT) { stage } }"#,
                json!({}),
            )
            .await;
        let edit = app
            .call_with_header(
                Some(&header),
                "mutation($slug: String!) { createTherapy(input: { slug: $slug, name: \"New\" }) { stage } }",
                json!({ "slug": format!("new-{}", role.to_lowercase()) }),
            )
            .await;
        let list = app
            .call_with_header(Some(&header), "{ apiTokens { name } }", json!({}))
            .await;

        // Assert
        assert_eq!(
            created["token"],
            json!({ "name": format!("ci {role}"), "role": role, "revokedAt": null })
        );
        assert!(secret.starts_with("cca_") && secret.len() > 40, "{secret}");
        assert_eq!(
            draft_read,
            json!({ "data": { "therapy": { "stage": "DRAFT" } } }),
            "{role}"
        );
        if may_edit {
            assert_eq!(
                edit,
                json!({ "data": { "createTherapy": { "stage": "DRAFT" } } }),
                "{role}"
            );
        } else {
            assert_refused(role, &edit, "FORBIDDEN");
        }
        if may_manage_tokens {
            assert!(list.get("errors").is_none(), "{list:#}");
        } else {
            assert_refused(role, &list, "FORBIDDEN");
        }
        secrets.push(secret);
    }

    // The list shows every token, never a secret.
    let listed = app
        .data(As::Admin, "{ apiTokens { name role revokedAt } }", json!({}))
        .await;
    assert_eq!(
        listed["apiTokens"],
        json!([
            { "name": "test preview", "role": "PREVIEW", "revokedAt": null },
            { "name": "test editor", "role": "EDITOR", "revokedAt": null },
            { "name": "test admin", "role": "ADMIN", "revokedAt": null },
            { "name": "ci PREVIEW", "role": "PREVIEW", "revokedAt": null },
            { "name": "ci EDITOR", "role": "EDITOR", "revokedAt": null },
            { "name": "ci ADMIN", "role": "ADMIN", "revokedAt": null },
        ])
    );
    let everything = app
        .data(
            As::Admin,
            "{ apiTokens { id name role createdAt revokedAt } }",
            json!({}),
        )
        .await
        .to_string();
    for secret in &secrets {
        assert!(!everything.contains(secret.as_str()));
    }
}

#[tokio::test]
async fn a_revoked_token_is_refused_from_then_on_even_for_published_reads() {
    // Arrange
    let app = TestApp::new().await;
    let created = app
        .data(
            As::Admin,
            r#"mutation { createApiToken(name: "leaving", role: EDITOR) { secret token { id } } }"#,
            json!({}),
        )
        .await["createApiToken"]
        .clone();
    let header = bearer(created["secret"].as_str().unwrap());
    let id = created["token"]["id"].clone();
    let published_read = r#"{ therapy(slug: "prolotherapy") { name } }"#;
    assert_eq!(
        app.call_with_header(Some(&header), published_read, json!({}))
            .await,
        json!({ "data": { "therapy": { "name": "Prolotherapy" } } })
    );

    // Act
    let revoked = app
        .data(
            As::Admin,
            "mutation($id: ID!) { revokeApiToken(id: $id) { id name revokedAt } }",
            json!({ "id": id }),
        )
        .await["revokeApiToken"]
        .clone();
    let read = app
        .call_with_header(Some(&header), published_read, json!({}))
        .await;
    let write = app
        .call_with_header(
            Some(&header),
            r#"mutation { createTherapy(input: { slug: "late", name: "Late" }) { id } }"#,
            json!({}),
        )
        .await;
    let again = app
        .data(
            As::Admin,
            "mutation($id: ID!) { revokeApiToken(id: $id) { revokedAt } }",
            json!({ "id": id }),
        )
        .await["revokeApiToken"]
        .clone();

    // Assert
    assert_eq!(revoked["id"], id);
    assert_eq!(revoked["name"], "leaving");
    assert!(revoked["revokedAt"].is_string(), "{revoked:#}");
    assert_eq!(read, unauthenticated_body(REJECTED));
    assert_eq!(write, unauthenticated_body(REJECTED));
    assert_eq!(
        again["revokedAt"], revoked["revokedAt"],
        "revoking twice keeps the first time"
    );
    let late = app
        .data(
            As::Editor,
            r#"{ therapy(slug: "late", stage: DRAFT) { id } }"#,
            json!({}),
        )
        .await;
    assert_eq!(late, json!({ "therapy": null }));
    // The other tokens are untouched.
    let still = app
        .data(
            As::Editor,
            r#"{ therapy(slug: "prolotherapy", stage: DRAFT) { stage } }"#,
            json!({}),
        )
        .await;
    assert_eq!(still, json!({ "therapy": { "stage": "DRAFT" } }));
}

#[tokio::test]
async fn token_management_without_a_token_is_unauthenticated_and_with_a_preview_token_forbidden() {
    // Arrange
    let app = TestApp::new().await;

    // Act
    let public = app.call(As::Public, "{ apiTokens { id } }", json!({})).await;
    let preview = app.call(As::Preview, "{ apiTokens { id } }", json!({})).await;

    // Assert
    assert_refused("apiTokens as the public", &public, "UNAUTHENTICATED");
    assert_refused("apiTokens with a preview token", &preview, "FORBIDDEN");
}

// ---------------------------------------------------------------------------
// 2. Bad tokens over real HTTP
// ---------------------------------------------------------------------------

const PUBLISHED_NAME: &str = r#"{ therapy(slug: "prolotherapy") { name } }"#;

/// Posts `PUBLISHED_NAME` with an `Authorization` header of any bytes; returns the
/// status, the `WWW-Authenticate` header and the body.
async fn post_with_authorization(app: &TestApp, authorization: HeaderValue) -> (u16, Option<String>, Value) {
    let url = format!("{}/graphql", app.address.as_ref().expect("spawned app"));
    let response = reqwest::Client::new()
        .post(url)
        .header(AUTHORIZATION, authorization)
        .json(&json!({ "query": PUBLISHED_NAME }))
        .send()
        .await
        .expect("HTTP request");
    let status = response.status().as_u16();
    let challenge = response
        .headers()
        .get(WWW_AUTHENTICATE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    (status, challenge, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn bad_authorization_headers_over_http_are_answered_401_and_never_served_as_the_public() {
    // Arrange
    let app = TestApp::spawn().await;
    let editor_secret = app.tokens.editor.clone();
    let without_prefix = editor_secret.strip_prefix("cca_").unwrap().to_owned();
    let cases: Vec<(&str, HeaderValue, &str)> = vec![
        (
            "unknown token",
            HeaderValue::from_str(&format!("Bearer cca_{}", "x".repeat(43))).unwrap(),
            REJECTED,
        ),
        ("Basic scheme", HeaderValue::from_static("Basic abc"), MALFORMED),
        (
            "Bearer without a token",
            HeaderValue::from_static("Bearer"),
            MALFORMED,
        ),
        (
            "Bearer and a space only",
            HeaderValue::from_static("Bearer "),
            MALFORMED,
        ),
        (
            "a real secret without the cca_ prefix",
            HeaderValue::from_str(&bearer(&without_prefix)).unwrap(),
            MALFORMED,
        ),
        (
            "a real secret without the Bearer scheme",
            HeaderValue::from_str(&editor_secret).unwrap(),
            MALFORMED,
        ),
        (
            "an overlong token",
            HeaderValue::from_str(&format!("Bearer cca_{}", "a".repeat(300))).unwrap(),
            MALFORMED,
        ),
        (
            "a header that is not text",
            HeaderValue::from_bytes(b"Bearer cca_\xe9\xe9").unwrap(),
            MALFORMED,
        ),
    ];

    for (what, header, message) in cases {
        // Act
        let (status, challenge, body) = post_with_authorization(&app, header).await;

        // Assert
        assert_eq!(status, 401, "{what}: {body:#}");
        assert_eq!(challenge.as_deref(), Some("Bearer"), "{what}");
        assert_eq!(body, unauthenticated_body(message), "{what}");
        assert_eq!(error_code(&body), "UNAUTHENTICATED", "{what}");
    }
}

#[tokio::test]
async fn a_revoked_token_over_http_is_answered_401() {
    // Arrange
    let app = TestApp::spawn().await;
    let admin = bearer(&app.tokens.admin);
    let (_, created) = app
        .post(
            Some(&admin),
            r#"mutation { createApiToken(name: "short-lived", role: PREVIEW) { secret token { id } } }"#,
            json!({}),
        )
        .await;
    let header = bearer(created["data"]["createApiToken"]["secret"].as_str().unwrap());
    let id = created["data"]["createApiToken"]["token"]["id"].clone();
    let (status_before, body_before) = app.post(Some(&header), PUBLISHED_NAME, json!({})).await;
    let (revoke_status, _) = app
        .post(
            Some(&admin),
            "mutation($id: ID!) { revokeApiToken(id: $id) { id } }",
            json!({ "id": id }),
        )
        .await;

    // Act
    let (status, body) = app.post(Some(&header), PUBLISHED_NAME, json!({})).await;

    // Assert
    assert_eq!(
        (status_before, body_before),
        (200, json!({ "data": { "therapy": { "name": "Prolotherapy" } } }))
    );
    assert_eq!(revoke_status, 200);
    assert_eq!(status, 401, "{body:#}");
    assert_eq!(body, unauthenticated_body(REJECTED));
}

#[tokio::test]
async fn good_tokens_and_no_token_over_http_are_served() {
    // Arrange
    let app = TestApp::spawn().await;
    let draft_name = r#"{ therapy(slug: "prolotherapy", stage: DRAFT) { stage } }"#;

    // Act
    let public = app.post(None, PUBLISHED_NAME, json!({})).await;
    let public_draft = app.post(None, draft_name, json!({})).await;
    let preview = app
        .post(Some(&bearer(&app.tokens.preview)), draft_name, json!({}))
        .await;
    let lowercase_scheme = app
        .post(
            Some(&format!("bearer {}", app.tokens.preview)),
            draft_name,
            json!({}),
        )
        .await;

    // Assert
    assert_eq!(
        public,
        (200, json!({ "data": { "therapy": { "name": "Prolotherapy" } } }))
    );
    assert_eq!(
        public_draft.0, 200,
        "a draft read without a token is a GraphQL error, not an HTTP one"
    );
    assert_refused("draft read without a token", &public_draft.1, "UNAUTHENTICATED");
    assert_eq!(
        preview,
        (200, json!({ "data": { "therapy": { "stage": "DRAFT" } } }))
    );
    assert_eq!(lowercase_scheme, preview);
}

// ---------------------------------------------------------------------------
// 3. No read path shows the public what exists only in drafts
// ---------------------------------------------------------------------------

/// In every name and text of the draft-only content; compared case-insensitively.
const MARKER: &str = "DRAFTONLY";

/// The whole page with every nested path, at a stage.
const FULL_PAGE: &str = r#"
fragment FullPage on Therapy {
  id stage slug name version publishedAt
  summary { markdown html plainText }
  facts { typicalSessions insuranceCoverage insuranceNote }
  sections { id stage heading body { markdown html plainText } therapy { id name } }
  benefits { id stage title body { markdown html plainText } therapy { id name } }
  faqs { id stage question answer { markdown html plainText } therapy { id name } }
  respondsWell: conditions(suitability: RESPONDS_WELL) {
    id note condition { id slug name description { markdown } therapies { id note therapy { id slug name } } }
  }
  respondsPoorly: conditions(suitability: RESPONDS_POORLY) { id note condition { id slug name } }
  conditions { id suitability note therapy { id name } condition { id name bodyRegion } }
  practitioners { id slug name title techniques bio { markdown html plainText } therapies { id slug name } }
}
"#;

/// Ids of the seeded documents, and of the draft-only ones (random, absent ids
/// before those are created).
#[derive(Debug, Clone)]
struct Ids {
    prolotherapy: String,
    heather: String,
    knee: String,
    therapy: String,
    condition: String,
    practitioner: String,
    benefit: String,
    own_benefit: String,
    faq: String,
    clinic_faq: String,
    section: String,
    prolotherapy_link: String,
    own_link: String,
    knee_link: String,
}

impl Ids {
    fn draft_only(&self) -> Vec<&str> {
        [
            &self.therapy,
            &self.condition,
            &self.practitioner,
            &self.benefit,
            &self.own_benefit,
            &self.faq,
            &self.clinic_faq,
            &self.section,
            &self.prolotherapy_link,
            &self.own_link,
            &self.knee_link,
        ]
        .into_iter()
        .map(String::as_str)
        .collect()
    }
}

async fn seeded_ids(app: &TestApp) -> Ids {
    let data = app
        .data(
            As::Public,
            r#"{ therapy(slug: "prolotherapy") { id }
                 practitioner(slug: "dr-heather") { id }
                 condition(slug: "knee-pain") { id } }"#,
            json!({}),
        )
        .await;
    let absent = || Uuid::new_v4().to_string();
    Ids {
        prolotherapy: data["therapy"]["id"].as_str().unwrap().to_owned(),
        heather: data["practitioner"]["id"].as_str().unwrap().to_owned(),
        knee: data["condition"]["id"].as_str().unwrap().to_owned(),
        therapy: absent(),
        condition: absent(),
        practitioner: absent(),
        benefit: absent(),
        own_benefit: absent(),
        faq: absent(),
        clinic_faq: absent(),
        section: absent(),
        prolotherapy_link: absent(),
        own_link: absent(),
        knee_link: absent(),
    }
}

/// Runs an editor mutation and returns `data[field].id`.
async fn created_id(app: &TestApp, field: &str, query: &str, variables: Value) -> String {
    let data = app.data(As::Editor, query, variables).await;
    data[field]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{field}: {data:#}"))
        .to_owned()
}

/// As an editor, creates draft-only content marked `DRAFTONLY` and ties it to the
/// published page, without publishing anything.
async fn create_draft_only_content(app: &TestApp, seeded: &Ids) -> Ids {
    let prolotherapy = json!({ "t": seeded.prolotherapy });
    let therapy = created_id(
        app,
        "createTherapy",
        r#"mutation { createTherapy(input: {
             slug: "draftonly-therapy", name: "DRAFTONLY Therapy", summary: "DRAFTONLY summary",
             facts: { insuranceNote: "DRAFTONLY insurance" } }) { id } }"#,
        json!({}),
    )
    .await;
    let condition = created_id(
        app,
        "createCondition",
        r#"mutation { createCondition(input: {
             slug: "draftonly-condition", name: "DRAFTONLY Condition",
             description: "DRAFTONLY description", bodyRegion: "DRAFTONLY region" }) { id } }"#,
        json!({}),
    )
    .await;
    let practitioner = created_id(
        app,
        "createPractitioner",
        r#"mutation { createPractitioner(input: {
             slug: "draftonly-practitioner", name: "DRAFTONLY Practitioner", title: "DRAFTONLY title",
             bio: "DRAFTONLY bio", techniques: ["DRAFTONLY technique"] }) { id } }"#,
        json!({}),
    )
    .await;
    let benefit = created_id(
        app,
        "createBenefit",
        r#"mutation($t: ID!) { createBenefit(input: { therapyId: $t, title: "DRAFTONLY benefit", body: "DRAFTONLY body" }) { id } }"#,
        prolotherapy.clone(),
    )
    .await;
    let own_benefit = created_id(
        app,
        "createBenefit",
        r#"mutation($t: ID!) { createBenefit(input: { therapyId: $t, title: "DRAFTONLY own benefit", body: "DRAFTONLY body" }) { id } }"#,
        json!({ "t": therapy }),
    )
    .await;
    let faq = created_id(
        app,
        "createFaq",
        r#"mutation($t: ID!) { createFaq(input: { therapyId: $t, question: "DRAFTONLY question?", answer: "DRAFTONLY answer" }) { id } }"#,
        prolotherapy.clone(),
    )
    .await;
    let clinic_faq = created_id(
        app,
        "createFaq",
        r#"mutation { createFaq(input: { question: "DRAFTONLY clinic question?", answer: "DRAFTONLY answer" }) { id } }"#,
        json!({}),
    )
    .await;
    let section = created_id(
        app,
        "createTherapySection",
        r#"mutation($t: ID!) { createTherapySection(input: { therapyId: $t, heading: "DRAFTONLY heading", body: "DRAFTONLY body" }) { id } }"#,
        prolotherapy.clone(),
    )
    .await;
    let link = r#"mutation($t: ID!, $c: ID!, $s: Suitability!) {
                    linkCondition(input: { therapyId: $t, conditionId: $c, suitability: $s, note: "DRAFTONLY note" }) { id }
                  }"#;
    let prolotherapy_link = created_id(
        app,
        "linkCondition",
        link,
        json!({ "t": seeded.prolotherapy, "c": condition, "s": "RESPONDS_WELL" }),
    )
    .await;
    let own_link = created_id(
        app,
        "linkCondition",
        link,
        json!({ "t": therapy, "c": condition, "s": "RESPONDS_POORLY" }),
    )
    .await;
    let knee_link = created_id(
        app,
        "linkCondition",
        link,
        json!({ "t": therapy, "c": seeded.knee, "s": "RESPONDS_POORLY" }),
    )
    .await;
    let link_practitioner =
        "mutation($t: ID!, $p: ID!) { linkPractitioner(therapyId: $t, practitionerId: $p) { id } }";
    for (t, p) in [
        (&seeded.prolotherapy, &practitioner),
        (&therapy, &practitioner),
        (&therapy, &seeded.heather),
    ] {
        app.data(As::Editor, link_practitioner, json!({ "t": t, "p": p }))
            .await;
    }
    let version = crate::helpers::therapy_version(app, &seeded.prolotherapy).await;
    app.data(
        As::Editor,
        r#"mutation($t: ID!, $v: Int!) {
             updateTherapy(id: $t, expectedVersion: $v, input: { name: "Prolotherapy DRAFTONLY", summary: "DRAFTONLY summary" }) { id }
           }"#,
        json!({ "t": seeded.prolotherapy, "v": version }),
    )
    .await;
    Ids {
        therapy,
        condition,
        practitioner,
        benefit,
        own_benefit,
        faq,
        clinic_faq,
        section,
        prolotherapy_link,
        own_link,
        knee_link,
        ..seeded.clone()
    }
}

/// One read path. Its query takes an optional `$stage`; `public` is its whole
/// expected `data` for the public, where that is short enough to write down.
struct Probe {
    what: &'static str,
    query: String,
    variables: Value,
    public: Option<Value>,
}

fn empty(list: &str) -> Option<Value> {
    Some(json!({ list: { "totalCount": 0, "nodes": [] } }))
}

fn only_prolotherapy() -> Option<Value> {
    Some(
        json!({ "therapies": { "totalCount": 1, "nodes": [{ "slug": "prolotherapy", "name": "Prolotherapy" }] } }),
    )
}

fn null(field: &str) -> Option<Value> {
    Some(json!({ field: null }))
}

/// Every read path, aimed at the draft-only content and at the published content it is tied to.
fn probes(ids: &Ids) -> Vec<Probe> {
    let probe = |what: &'static str, query: &str, variables: Value, public: Option<Value>| Probe {
        what,
        query: query.to_owned(),
        variables,
        public,
    };
    let page = |query: &str| [FULL_PAGE, query].concat();
    let therapies = "query($stage: Stage, $filter: TherapyFilter) {
                       therapies(filter: $filter, first: 100, stage: $stage) { totalCount nodes { slug name } }
                     }";
    let conditions = "query($stage: Stage, $filter: ConditionFilter) {
                        conditions(filter: $filter, first: 100, stage: $stage) {
                          totalCount nodes { slug name bodyRegion description { markdown } }
                        }
                      }";
    let practitioners = "query($stage: Stage, $filter: PractitionerFilter) {
                           practitioners(filter: $filter, first: 100, stage: $stage) {
                             totalCount nodes { slug name therapies { slug name } }
                           }
                         }";
    let benefits = "query($stage: Stage, $filter: OwnedItemFilter) {
                      benefits(filter: $filter, first: 100, stage: $stage) { totalCount nodes { title } }
                    }";
    let faqs = "query($stage: Stage, $filter: OwnedItemFilter) {
                  faqs(filter: $filter, first: 100, stage: $stage) { totalCount nodes { question } }
                }";
    let sections = "query($stage: Stage, $filter: OwnedItemFilter) {
                      therapySections(filter: $filter, first: 100, stage: $stage) { totalCount nodes { heading } }
                    }";
    let seeded_benefits = json!({ "benefits": { "totalCount": 3, "nodes": [
        { "title": "Long-term results" },
        { "title": "Better pain, function and range of motion" },
        { "title": "Less need for surgery" },
    ] } });
    let seeded_faqs = json!({ "faqs": { "totalCount": 4, "nodes": [
        { "question": "Will the injections hurt?" },
        { "question": "How long does the procedure take?" },
        { "question": "How many treatments will I need?" },
        { "question": "How long will the treatment last?" },
    ] } });
    let seeded_sections = json!({ "therapySections": { "totalCount": 6, "nodes": [
        { "heading": "What is Prolotherapy?" },
        { "heading": "Is Prolotherapy right for you?" },
        { "heading": "Do you want a natural solution for acute or chronic joint pain?" },
        { "heading": "Why prolotherapy heals joints" },
        { "heading": "How prolotherapy works" },
        { "heading": "Precautions" },
    ] } });
    let heather_with_prolotherapy = json!({
        "slug": "dr-heather", "name": "Dr. Heather", "therapies": [{ "slug": "prolotherapy", "name": "Prolotherapy" }]
    });
    let link = "query($stage: Stage, $id: ID!) {
                  therapyCondition(id: $id, stage: $stage) {
                    id suitability note condition { slug name } therapy { slug name }
                  }
                }";
    let practitioner = "query($stage: Stage, $id: ID, $slug: String) {
                          practitioner(id: $id, slug: $slug, stage: $stage) {
                            id slug name title techniques bio { markdown html plainText } therapies { id slug name }
                          }
                        }";
    let condition = "query($stage: Stage, $id: ID, $slug: String) {
                       condition(id: $id, slug: $slug, stage: $stage) {
                         id slug name bodyRegion description { markdown html plainText }
                         therapies { id suitability note therapy { id slug name } condition { name } }
                       }
                     }";
    let therapy = "query($stage: Stage, $id: ID, $slug: String) {
                     therapy(id: $id, slug: $slug, stage: $stage) { ...FullPage }
                   }";
    vec![
        // therapy(…)
        probe(
            "therapy by slug, draft-only",
            &page(therapy),
            json!({ "slug": "draftonly-therapy" }),
            null("therapy"),
        ),
        probe(
            "therapy by id, draft-only",
            &page(therapy),
            json!({ "id": ids.therapy }),
            null("therapy"),
        ),
        probe(
            "the page by slug",
            &page(therapy),
            json!({ "slug": "prolotherapy" }),
            None,
        ),
        probe(
            "the page by id",
            &page(therapy),
            json!({ "id": ids.prolotherapy }),
            None,
        ),
        // therapies(…)
        probe("therapies", therapies, json!({}), only_prolotherapy()),
        probe(
            "therapies, slugIn",
            therapies,
            json!({ "filter": { "slugIn": ["draftonly-therapy", "prolotherapy"] } }),
            only_prolotherapy(),
        ),
        probe(
            "therapies, nameContains",
            therapies,
            json!({ "filter": { "nameContains": "draftonly" } }),
            empty("therapies"),
        ),
        probe(
            "therapies, nameEquals",
            therapies,
            json!({ "filter": { "nameEquals": "DRAFTONLY Therapy" } }),
            empty("therapies"),
        ),
        probe(
            "therapies, conditionId draft-only",
            therapies,
            json!({ "filter": { "conditionId": ids.condition } }),
            empty("therapies"),
        ),
        probe(
            "therapies, conditionId knee-pain",
            therapies,
            json!({ "filter": { "conditionId": ids.knee } }),
            only_prolotherapy(),
        ),
        probe(
            "therapies, suitability",
            therapies,
            json!({ "filter": { "suitability": "RESPONDS_POORLY" } }),
            only_prolotherapy(),
        ),
        probe(
            "therapies, practitionerId draft-only",
            therapies,
            json!({ "filter": { "practitionerId": ids.practitioner } }),
            empty("therapies"),
        ),
        probe(
            "therapies, practitionerId dr-heather",
            therapies,
            json!({ "filter": { "practitionerId": ids.heather } }),
            only_prolotherapy(),
        ),
        // condition(…) and conditions(…)
        probe(
            "condition by slug, draft-only",
            condition,
            json!({ "slug": "draftonly-condition" }),
            null("condition"),
        ),
        probe(
            "condition by id, draft-only",
            condition,
            json!({ "id": ids.condition }),
            null("condition"),
        ),
        probe(
            "condition knee-pain and its therapies",
            condition,
            json!({ "slug": "knee-pain" }),
            None,
        ),
        probe("conditions", conditions, json!({}), None),
        probe(
            "conditions, nameContains",
            conditions,
            json!({ "filter": { "nameContains": "draftonly" } }),
            empty("conditions"),
        ),
        probe(
            "conditions, slugIn",
            conditions,
            json!({ "filter": { "slugIn": ["draftonly-condition"] } }),
            empty("conditions"),
        ),
        probe(
            "conditions, bodyRegion",
            conditions,
            json!({ "filter": { "bodyRegion": "DRAFTONLY region" } }),
            empty("conditions"),
        ),
        probe(
            "conditions, therapyId prolotherapy",
            conditions,
            json!({ "filter": { "therapyId": ids.prolotherapy } }),
            None,
        ),
        probe(
            "conditions, therapyId draft-only",
            conditions,
            json!({ "filter": { "therapyId": ids.therapy } }),
            empty("conditions"),
        ),
        probe(
            "conditions, RESPONDS_WELL",
            conditions,
            json!({ "filter": { "suitability": "RESPONDS_WELL" } }),
            None,
        ),
        probe(
            "conditions, RESPONDS_POORLY",
            conditions,
            json!({ "filter": { "suitability": "RESPONDS_POORLY" } }),
            None,
        ),
        probe(
            "every condition's therapies",
            "query($stage: Stage) {
               conditions(first: 100, stage: $stage) {
                 nodes { slug therapies { id suitability note therapy { id slug name } condition { name } } }
               }
             }",
            json!({}),
            None,
        ),
        // practitioner(…) and practitioners(…)
        probe(
            "practitioner by slug, draft-only",
            practitioner,
            json!({ "slug": "draftonly-practitioner" }),
            null("practitioner"),
        ),
        probe(
            "practitioner by id, draft-only",
            practitioner,
            json!({ "id": ids.practitioner }),
            null("practitioner"),
        ),
        probe(
            "dr-heather and her therapies",
            practitioner,
            json!({ "slug": "dr-heather" }),
            None,
        ),
        probe(
            "practitioners",
            practitioners,
            json!({}),
            Some(json!({ "practitioners": { "totalCount": 1, "nodes": [heather_with_prolotherapy] } })),
        ),
        probe(
            "practitioners, nameContains",
            practitioners,
            json!({ "filter": { "nameContains": "draftonly" } }),
            empty("practitioners"),
        ),
        probe(
            "practitioners, therapyId prolotherapy",
            practitioners,
            json!({ "filter": { "therapyId": ids.prolotherapy } }),
            Some(json!({ "practitioners": { "totalCount": 1, "nodes": [heather_with_prolotherapy] } })),
        ),
        probe(
            "practitioners, therapyId draft-only",
            practitioners,
            json!({ "filter": { "therapyId": ids.therapy } }),
            empty("practitioners"),
        ),
        // benefits, FAQ entries, sections
        probe("benefits", benefits, json!({}), Some(seeded_benefits.clone())),
        probe(
            "benefits, therapyId prolotherapy",
            benefits,
            json!({ "filter": { "therapyId": ids.prolotherapy } }),
            Some(seeded_benefits),
        ),
        probe(
            "benefits, therapyId draft-only",
            benefits,
            json!({ "filter": { "therapyId": ids.therapy } }),
            empty("benefits"),
        ),
        probe(
            "benefits, textContains",
            benefits,
            json!({ "filter": { "textContains": "draftonly" } }),
            empty("benefits"),
        ),
        probe(
            "benefit by id, on the page",
            "query($stage: Stage, $id: ID!) { benefit(id: $id, stage: $stage) { id title body { markdown } therapy { name } } }",
            json!({ "id": ids.benefit }),
            null("benefit"),
        ),
        probe(
            "benefit by id, on the draft-only therapy",
            "query($stage: Stage, $id: ID!) { benefit(id: $id, stage: $stage) { id title body { markdown } therapy { name } } }",
            json!({ "id": ids.own_benefit }),
            null("benefit"),
        ),
        probe("faqs", faqs, json!({}), Some(seeded_faqs.clone())),
        probe(
            "faqs, therapyId prolotherapy",
            faqs,
            json!({ "filter": { "therapyId": ids.prolotherapy } }),
            Some(seeded_faqs),
        ),
        probe(
            "faqs, clinicWide",
            faqs,
            json!({ "filter": { "clinicWide": true } }),
            empty("faqs"),
        ),
        probe(
            "faqs, textContains",
            faqs,
            json!({ "filter": { "textContains": "draftonly" } }),
            empty("faqs"),
        ),
        probe(
            "faq by id, on the page",
            "query($stage: Stage, $id: ID!) { faq(id: $id, stage: $stage) { id question answer { markdown } therapy { name } } }",
            json!({ "id": ids.faq }),
            null("faq"),
        ),
        probe(
            "faq by id, clinic-wide",
            "query($stage: Stage, $id: ID!) { faq(id: $id, stage: $stage) { id question answer { markdown } therapy { name } } }",
            json!({ "id": ids.clinic_faq }),
            null("faq"),
        ),
        probe(
            "therapySections",
            sections,
            json!({}),
            Some(seeded_sections.clone()),
        ),
        probe(
            "therapySections, therapyId prolotherapy",
            sections,
            json!({ "filter": { "therapyId": ids.prolotherapy } }),
            Some(seeded_sections),
        ),
        probe(
            "therapySections, textContains",
            sections,
            json!({ "filter": { "textContains": "draftonly" } }),
            empty("therapySections"),
        ),
        probe(
            "therapySection by id",
            "query($stage: Stage, $id: ID!) { therapySection(id: $id, stage: $stage) { id heading body { markdown } therapy { name } } }",
            json!({ "id": ids.section }),
            null("therapySection"),
        ),
        // therapyCondition(…)
        probe(
            "the page's link to the draft-only condition",
            link,
            json!({ "id": ids.prolotherapy_link }),
            null("therapyCondition"),
        ),
        probe(
            "the draft-only therapy's own link",
            link,
            json!({ "id": ids.own_link }),
            null("therapyCondition"),
        ),
        probe(
            "the draft-only therapy's link to knee-pain",
            link,
            json!({ "id": ids.knee_link }),
            null("therapyCondition"),
        ),
    ]
}

async fn public_view(app: &TestApp, ids: &Ids) -> Vec<(&'static str, Value)> {
    let mut view = Vec::new();
    for probe in probes(ids) {
        view.push((
            probe.what,
            app.data(As::Public, &probe.query, probe.variables).await,
        ));
    }
    view
}

#[tokio::test]
async fn no_read_path_shows_the_public_what_exists_only_in_drafts() {
    // Arrange: the public view before any draft exists (absent ids stand in for the
    // draft-only ones), then draft-only content tied to the published page.
    let app = TestApp::new().await;
    let seeded = seeded_ids(&app).await;
    let before = public_view(&app, &seeded).await;
    let ids = create_draft_only_content(&app, &seeded).await;
    let secrets: Vec<String> = std::iter::once(MARKER.to_lowercase())
        .chain(ids.draft_only().into_iter().map(str::to_owned))
        .collect();

    // Act
    let after = public_view(&app, &ids).await;
    let page = app.data(As::Public, PAGE_QUERY, json!({})).await;

    // Assert: nothing of the drafts shows, and the public view is exactly what it was.
    for (probe, ((what, data), (_, data_before))) in probes(&ids).iter().zip(after.iter().zip(&before)) {
        let text = data.to_string().to_lowercase();
        for secret in &secrets {
            assert!(
                !text.contains(secret.as_str()),
                "{what} shows the public {secret:?}: {data:#}"
            );
        }
        assert_eq!(data, data_before, "{what}: the public view changed");
        if let Some(expected) = &probe.public {
            assert_eq!(data, expected, "{what}");
        }
    }
    let page_text = page.to_string().to_lowercase();
    assert!(
        secrets.iter().all(|s| !page_text.contains(s.as_str())),
        "the page query leaks: {page:#}"
    );
    let page = &page["therapy"];
    let count = |field: &str| page[field].as_array().unwrap().len();
    assert_eq!(page["name"], "Prolotherapy");
    assert_eq!(
        page["summary"]["plainText"],
        before[2].1["therapy"]["summary"]["plainText"]
    );
    assert_eq!(
        (
            count("respondsWell"),
            count("respondsPoorly"),
            count("benefits"),
            count("faqs"),
            count("sections")
        ),
        (13, 7, 3, 4, 6)
    );
    assert_eq!(
        page["practitioners"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| &p["slug"])
            .collect::<Vec<_>>(),
        ["dr-heather"]
    );
}

#[tokio::test]
async fn every_read_path_shows_the_draft_only_content_to_a_preview_token_at_the_draft_stage() {
    // Arrange
    let app = TestApp::new().await;
    let seeded = seeded_ids(&app).await;
    let ids = create_draft_only_content(&app, &seeded).await;

    for probe in probes(&ids) {
        // Act
        let mut variables = probe.variables.clone();
        variables["stage"] = json!("DRAFT");
        let data = app.data(As::Preview, &probe.query, variables).await;

        // Assert: the probe reaches the drafts, so its silence for the public means something.
        assert!(
            data.to_string().contains(MARKER),
            "{} does not reach the drafts: {data:#}",
            probe.what
        );
        assert!(
            stages(&data).iter().all(|s| s == "DRAFT"),
            "{}: {data:#}",
            probe.what
        );
    }
    let page = app
        .data(
            As::Preview,
            &[
                FULL_PAGE,
                "query($id: ID!) { therapy(id: $id, stage: DRAFT) { ...FullPage } }",
            ]
            .concat(),
            json!({ "id": ids.prolotherapy }),
        )
        .await;
    let page = &page["therapy"];
    let count = |field: &str| page[field].as_array().unwrap().len();
    assert_eq!(page["name"], "Prolotherapy DRAFTONLY");
    assert_eq!(
        (
            count("respondsWell"),
            count("respondsPoorly"),
            count("benefits"),
            count("faqs"),
            count("sections")
        ),
        (14, 7, 4, 5, 7)
    );
    assert_eq!(
        page["practitioners"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| &p["slug"])
            .collect::<Vec<_>>(),
        ["dr-heather", "draftonly-practitioner"]
    );
}

/// A published therapy "cupping" linked to a condition and a practitioner that exist
/// only as drafts (publishing a therapy publishes its links, not their targets).
struct PublishedWithDraftLinks {
    ids: Ids,
    therapy: String,
    link: String,
}

async fn publish_therapy_linked_to_draft_only_documents(app: &TestApp) -> PublishedWithDraftLinks {
    let seeded = seeded_ids(app).await;
    let ids = create_draft_only_content(app, &seeded).await;
    let therapy = created_id(
        app,
        "createTherapy",
        r#"mutation { createTherapy(input: { slug: "cupping", name: "Cupping" }) { id } }"#,
        json!({}),
    )
    .await;
    let link = created_id(
        app,
        "linkCondition",
        r#"mutation($t: ID!, $c: ID!) {
             linkCondition(input: { therapyId: $t, conditionId: $c, suitability: RESPONDS_POORLY, note: "DRAFTONLY note" }) { id }
           }"#,
        json!({ "t": therapy, "c": ids.condition }),
    )
    .await;
    app.data(
        As::Editor,
        "mutation($t: ID!, $p: ID!) { linkPractitioner(therapyId: $t, practitionerId: $p) { id } }",
        json!({ "t": therapy, "p": ids.practitioner }),
    )
    .await;
    app.data(
        As::Editor,
        "mutation($t: ID!) { publishTherapy(id: $t) { id } }",
        json!({ "t": therapy }),
    )
    .await;
    PublishedWithDraftLinks { ids, therapy, link }
}

#[tokio::test]
async fn a_published_page_hides_its_links_to_draft_only_documents_from_the_public() {
    // Arrange
    let app = TestApp::new().await;
    let arranged = publish_therapy_linked_to_draft_only_documents(&app).await;
    let query = r#"query($stage: Stage, $therapy: ID!, $link: ID!) {
      page: therapy(slug: "cupping", stage: $stage) {
        name conditions { id note condition { name } } practitioners { name }
      }
      link: therapyCondition(id: $link, stage: $stage) { id note condition { name } }
      conditionsOfTherapy: conditions(filter: { therapyId: $therapy }, stage: $stage) { nodes { name } }
      practitionersOfTherapy: practitioners(filter: { therapyId: $therapy }, stage: $stage) { nodes { name } }
    }"#;
    let variables = json!({ "therapy": arranged.therapy, "link": arranged.link });

    // Act
    let public = app.data(As::Public, query, variables.clone()).await;
    let mut draft_variables = variables;
    draft_variables["stage"] = json!("DRAFT");
    let preview = app.data(As::Preview, query, draft_variables).await;

    // Assert: the public sees the page without the draft-only ends of its links…
    assert_eq!(
        public,
        json!({
            "page": { "name": "Cupping", "conditions": [], "practitioners": [] },
            "link": null,
            "conditionsOfTherapy": { "nodes": [] },
            "practitionersOfTherapy": { "nodes": [] },
        })
    );
    // …which the drafts have.
    assert_eq!(
        preview,
        json!({
            "page": {
                "name": "Cupping",
                "conditions": [{ "id": arranged.link, "note": "DRAFTONLY note", "condition": { "name": "DRAFTONLY Condition" } }],
                "practitioners": [{ "name": "DRAFTONLY Practitioner" }]
            },
            "link": { "id": arranged.link, "note": "DRAFTONLY note", "condition": { "name": "DRAFTONLY Condition" } },
            "conditionsOfTherapy": { "nodes": [{ "name": "DRAFTONLY Condition" }] },
            "practitionersOfTherapy": { "nodes": [{ "name": "DRAFTONLY Practitioner" }] },
        })
    );
}

#[tokio::test]
async fn therapy_list_filters_ignore_published_links_to_documents_the_public_cannot_see() {
    // Arrange
    let app = TestApp::new().await;
    let arranged = publish_therapy_linked_to_draft_only_documents(&app).await;
    let query = r#"query($stage: Stage, $condition: ID!, $practitioner: ID!) {
      byCondition: therapies(filter: { conditionId: $condition }, stage: $stage) { nodes { slug } }
      byPractitioner: therapies(filter: { practitionerId: $practitioner }, stage: $stage) { nodes { slug } }
      respondingPoorly: therapies(filter: { suitability: RESPONDS_POORLY }, stage: $stage) { nodes { slug } }
    }"#;
    let variables = json!({ "condition": arranged.ids.condition, "practitioner": arranged.ids.practitioner });

    // Act
    let public = app.data(As::Public, query, variables.clone()).await;
    let mut draft_variables = variables;
    draft_variables["stage"] = json!("DRAFT");
    let preview = app.data(As::Preview, query, draft_variables).await;

    // Assert: "cupping" links to them only through links its public page does not show,
    // so it must not be listed for them (nor for a suitability only such a link has)…
    assert_eq!(
        public,
        json!({
            "byCondition": { "nodes": [] },
            "byPractitioner": { "nodes": [] },
            "respondingPoorly": { "nodes": [{ "slug": "prolotherapy" }] },
        })
    );
    // …while in the drafts it is.
    let slugs = |list: &str| -> Vec<String> {
        preview[list]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["slug"].as_str().unwrap().to_owned())
            .collect()
    };
    assert!(
        slugs("byCondition").contains(&"cupping".to_owned()),
        "{preview:#}"
    );
    assert!(
        slugs("byPractitioner").contains(&"cupping".to_owned()),
        "{preview:#}"
    );
    assert!(
        slugs("respondingPoorly").contains(&"cupping".to_owned()),
        "{preview:#}"
    );
}

/// Every change the public feed gives from `since` onwards, and the cursor it ends at.
async fn public_feed(app: &TestApp, since: Option<String>) -> (Vec<Value>, String) {
    let query = "query($since: String) { changes(since: $since, first: 7) { cursor hasMore changes { seq kind documentType documentId data } } }";
    let (mut changes, mut cursor) = (Vec::new(), since);
    loop {
        let page = app.data(As::Public, query, json!({ "since": cursor })).await["changes"].clone();
        changes.extend(page["changes"].as_array().unwrap().iter().cloned());
        cursor = Some(page["cursor"].as_str().unwrap().to_owned());
        if page["hasMore"] == false {
            return (changes, cursor.unwrap());
        }
    }
}

#[tokio::test]
async fn the_feed_shows_the_public_nothing_that_exists_only_in_drafts() {
    // Arrange: a client synced before any draft exists; then draft-only content
    // tied to the page, a published therapy linked to a draft-only condition and
    // practitioner, and a published benefit of a therapy that is a draft only.
    let app = TestApp::new().await;
    let (_, checkpoint) = public_feed(&app, None).await;
    let arranged = publish_therapy_linked_to_draft_only_documents(&app).await;
    let ids = &arranged.ids;
    app.data(
        As::Editor,
        "mutation($id: ID!) { publishBenefit(id: $id) { id } }",
        json!({ "id": ids.own_benefit }),
    )
    .await;
    let secrets: Vec<String> = std::iter::once(MARKER.to_lowercase())
        .chain(ids.draft_only().into_iter().map(str::to_owned))
        .chain([arranged.link.clone()])
        .collect();

    // Act
    let (from_start, _) = public_feed(&app, None).await;
    let (caught_up, _) = public_feed(&app, Some(checkpoint)).await;

    // Assert: the published therapy is there, nothing of the drafts is, not even an id.
    let has_cupping = |changes: &[Value]| {
        changes
            .iter()
            .any(|c| c["documentId"] == arranged.therapy.as_str() && c["kind"] == "UPSERT")
    };
    assert!(has_cupping(&from_start) && has_cupping(&caught_up));
    for (what, changes) in [("from the start", &from_start), ("catching up", &caught_up)] {
        let text = serde_json::to_string(changes).unwrap().to_lowercase();
        for secret in &secrets {
            assert!(
                !text.contains(secret.as_str()),
                "the feed {what} shows the public {secret:?}: {changes:#?}"
            );
        }
    }
}

#[tokio::test]
async fn the_role_is_checked_before_any_argument_is_looked_at() {
    let app = TestApp::new().await;
    let mutation =
        "mutation { updateFaq(id: \"not-an-id\", expectedVersion: 1, input: { answer: \"x\" }) { id } }";

    let public = app.call(As::Public, mutation, json!({})).await;
    let preview = app.call(As::Preview, mutation, json!({})).await;
    let editor = app.call(As::Editor, mutation, json!({})).await;

    assert_eq!(error_code(&public), "UNAUTHENTICATED");
    assert_eq!(error_code(&preview), "FORBIDDEN");
    assert_eq!(error_code(&editor), "BAD_USER_INPUT");
}
