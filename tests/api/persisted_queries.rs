//! Automatic persisted queries: a hash alone is a miss until the document is sent
//! once with it; then the short GET runs and is cacheable like any public query.

use clinic_content_api::server::GRAPHQL_RESPONSE_JSON;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::helpers::TestApp;

const PAGE: &str = "query Page { therapy(slug: \"prolotherapy\") { name } }";

fn extensions(hash: &str) -> String {
    json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } }).to_string()
}

fn sha256(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

async fn get(app: &TestApp, hash: &str, accept: &str) -> (u16, reqwest::header::HeaderMap, Value) {
    let response = reqwest::Client::new()
        .get(format!("{}/graphql", app.address.as_ref().unwrap()))
        .header("accept", accept)
        .query(&[("extensions", extensions(hash))])
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    (status, headers, response.json().await.unwrap())
}

#[tokio::test]
async fn a_hash_is_a_miss_until_registered_then_a_cacheable_get() {
    let app = TestApp::spawn().await;
    let hash = sha256(PAGE);

    let (status, _, miss) = get(&app, &hash, "application/json").await;
    assert_eq!(status, 200, "{miss}");
    assert_eq!(
        miss["errors"][0]["extensions"]["code"],
        "PERSISTED_QUERY_NOT_FOUND"
    );
    assert_eq!(miss["errors"][0]["message"], "PersistedQueryNotFound");
    let (status, _, _) = get(&app, &hash, GRAPHQL_RESPONSE_JSON).await;
    assert_eq!(status, 400);

    // Register: the document with its hash, as Apollo's link sends it after a miss.
    let registered = reqwest::Client::new()
        .post(format!("{}/graphql", app.address.as_ref().unwrap()))
        .json(&json!({ "query": PAGE, "extensions": { "persistedQuery": { "version": 1, "sha256Hash": hash } } }))
        .send()
        .await
        .unwrap();
    assert_eq!(registered.status(), 200);

    let (status, headers, hit) = get(&app, &hash, "application/json").await;
    assert_eq!(status, 200, "{hit}");
    assert_eq!(hit, json!({ "data": { "therapy": { "name": "Prolotherapy" } } }));
    assert!(headers["cache-control"].to_str().unwrap().starts_with("public"));
    assert!(headers.contains_key("etag"));
}

#[tokio::test]
async fn a_document_that_does_not_match_its_hash_is_refused() {
    let app = TestApp::spawn().await;
    let response = reqwest::Client::new()
        .post(format!("{}/graphql", app.address.as_ref().unwrap()))
        .json(&json!({ "query": PAGE, "extensions": { "persistedQuery": { "version": 1, "sha256Hash": sha256("{ other }") } } }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_REQUEST");

    let (status, _, bad) = get(&app, "not-a-hash", "application/json").await;
    assert_eq!(status, 400, "{bad}");
}

#[tokio::test]
async fn in_allow_list_mode_the_public_runs_the_manifests_operations_only() {
    use clinic_content_api::server::{HttpSettings, Manifest};
    let manifest = json!({
        "format": "apollo-persisted-query-manifest",
        "version": 1,
        "operations": [{ "id": sha256(PAGE), "name": "Page", "type": "query", "body": PAGE }]
    });
    let app = TestApp::spawn_with(HttpSettings {
        persisted_manifest: Manifest::parse(&manifest.to_string()).unwrap(),
        registered_operations_only: true,
        ..HttpSettings::default()
    })
    .await;
    let url = format!("{}/graphql", app.address.as_ref().unwrap());

    // The registered operation, by hash alone: a short, cacheable GET.
    let (status, headers, answer) = get(&app, &sha256(PAGE), "application/json").await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["data"]["therapy"]["name"], "Prolotherapy");
    assert!(headers["cache-control"].to_str().unwrap().starts_with("public"));

    // Any other document from the public is refused, sent plainly or as an APQ registration.
    let other = "{ therapies { totalCount } }";
    for body in [
        json!({ "query": other }),
        json!({ "query": other, "extensions": { "persistedQuery": { "version": 1, "sha256Hash": sha256(other) } } }),
    ] {
        let refused: Value = reqwest::Client::new()
            .post(&url)
            .json(&body)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(
            refused["errors"][0]["extensions"]["code"], "PERSISTED_QUERY_NOT_ALLOWED",
            "{refused}"
        );
        assert!(refused.get("data").is_none());
    }
    let (_, _, miss) = get(&app, &sha256(other), "application/json").await;
    assert_eq!(
        miss["errors"][0]["extensions"]["code"],
        "PERSISTED_QUERY_NOT_FOUND"
    );

    // Editors' tools (a token) still send any document.
    let (status, answer) = app
        .post(
            app.header(crate::helpers::As::Editor).as_deref(),
            other,
            json!({}),
        )
        .await;
    assert_eq!(status, 200);
    assert!(answer["data"]["therapies"]["totalCount"].as_u64().unwrap() >= 1);
}
