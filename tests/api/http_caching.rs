//! Public answers are cacheable at the edge: `Cache-Control`, a strong `ETag`, 304
//! on `If-None-Match`; token holders' answers and writes are never stored.

use serde_json::json;

use crate::helpers::TestApp;

const NAME: &str = "{ therapy(slug: \"prolotherapy\") { name } }";

fn get(app: &TestApp, query: &str) -> reqwest::RequestBuilder {
    reqwest::Client::new()
        .get(format!("{}/graphql", app.address.as_ref().unwrap()))
        .query(&[("query", query)])
}

fn header(response: &reqwest::Response, name: &str) -> String {
    response
        .headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

#[tokio::test]
async fn a_public_query_is_cacheable_and_revalidated_with_304() {
    let app = TestApp::spawn().await;

    let first = get(&app, NAME).send().await.unwrap();
    let tag = header(&first, "etag");
    assert_eq!(first.status(), 200);
    assert_eq!(
        header(&first, "cache-control"),
        "public, max-age=30, stale-while-revalidate=60"
    );
    assert_eq!(header(&first, "vary"), "Accept, Authorization, X-CSRF-Token");
    assert!(tag.starts_with('"') && tag.len() == 34, "{tag}");

    let again = get(&app, NAME)
        .header("if-none-match", &tag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
    assert_eq!(header(&again, "etag"), tag);
    assert!(again.bytes().await.unwrap().is_empty());

    // POST answers carry the same validators.
    let posted = reqwest::Client::new()
        .post(format!("{}/graphql", app.address.as_ref().unwrap()))
        .json(&json!({ "query": NAME }))
        .send()
        .await
        .unwrap();
    assert_eq!(header(&posted, "etag"), tag);
}

#[tokio::test]
async fn a_published_change_changes_the_tag() {
    let app = TestApp::spawn().await;
    let before = header(&get(&app, NAME).send().await.unwrap(), "etag");
    let therapy = crate::helpers::prolotherapy_id(&app).await;
    let version = crate::helpers::therapy_version(&app, &therapy).await;
    app.data(
        crate::helpers::As::Editor,
        "mutation($id: ID!, $v: Int!) { updateTherapy(id: $id, expectedVersion: $v, input: { name: \"Prolotherapy injections\" }) { version } }",
        json!({ "id": therapy, "v": version }),
    )
    .await;
    app.data(
        crate::helpers::As::Editor,
        "mutation($id: ID!) { publishTherapy(id: $id) { version } }",
        json!({ "id": therapy }),
    )
    .await;

    let after = get(&app, NAME)
        .header("if-none-match", &before)
        .send()
        .await
        .unwrap();
    assert_eq!(after.status(), 200);
    assert_ne!(header(&after, "etag"), before);
}

#[tokio::test]
async fn token_holders_writes_and_errors_are_never_stored() {
    let app = TestApp::spawn().await;
    let with_token = get(&app, NAME)
        .bearer_auth(&app.tokens.preview)
        .send()
        .await
        .unwrap();
    assert_eq!(header(&with_token, "cache-control"), "private, no-store");
    assert!(header(&with_token, "etag").is_empty());

    let failing = get(&app, "{ therapy(id: \"not-an-id\") { name } }")
        .send()
        .await
        .unwrap();
    assert_eq!(header(&failing, "cache-control"), "no-store");

    let write = reqwest::Client::new()
        .post(format!("{}/graphql", app.address.as_ref().unwrap()))
        .json(&json!({ "query": "mutation { deleteTherapy(id: \"x\") }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(header(&write, "cache-control"), "no-store");
}
