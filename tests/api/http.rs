//! The real HTTP server: health, GraphiQL, limits, CORS, and the page over the wire.

use serde_json::json;

use crate::helpers::{As, TestApp};
use crate::seed_content::PAGE_QUERY;

#[tokio::test]
async fn health_check_answers_ok_when_the_database_answers() {
    let app = TestApp::spawn().await;
    let response = reqwest::get(format!("{}/healthz", app.address.as_ref().unwrap()))
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.json::<serde_json::Value>().await.unwrap(),
        json!({ "status": "ok" })
    );
}

#[tokio::test]
async fn get_on_the_endpoint_serves_graphiql_to_a_browser() {
    let app = TestApp::spawn().await;
    let response = reqwest::Client::new()
        .get(format!("{}/graphql", app.address.as_ref().unwrap()))
        .header("accept", "text/html,application/xhtml+xml,*/*;q=0.8")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.text().await.unwrap().to_lowercase().contains("graphiql"));
}

#[tokio::test]
async fn the_whole_page_comes_back_in_one_round_trip() {
    let app = TestApp::spawn().await;
    let (status, body) = app.post(None, PAGE_QUERY, json!({})).await;
    assert_eq!(status, 200);
    let page = &body["data"]["therapy"];
    assert_eq!(page["name"], "Prolotherapy");
    assert_eq!(page["sections"].as_array().unwrap().len(), 6);
    assert_eq!(page["benefits"].as_array().unwrap().len(), 3);
    assert_eq!(page["respondsWell"].as_array().unwrap().len(), 13);
    assert_eq!(page["respondsPoorly"].as_array().unwrap().len(), 7);
    assert_eq!(page["faqs"].as_array().unwrap().len(), 4);
    assert_eq!(page["practitioners"][0]["name"], "Dr. Heather");
}

#[tokio::test]
async fn a_body_over_the_limit_is_refused_with_413() {
    let app = TestApp::spawn().await;
    let padding = "x".repeat(100 * 1024);
    let response = reqwest::Client::new()
        .post(format!("{}/graphql", app.address.as_ref().unwrap()))
        .json(&json!({ "query": "{ therapies { totalCount } }", "variables": { "padding": padding } }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);
}

#[tokio::test]
async fn browsers_may_call_from_other_origins_with_a_token() {
    let app = TestApp::spawn().await;
    let response = reqwest::Client::new()
        .request(
            reqwest::Method::OPTIONS,
            format!("{}/graphql", app.address.as_ref().unwrap()),
        )
        .header("Origin", "https://clinic.example")
        .header("Access-Control-Request-Method", "POST")
        .header("Access-Control-Request-Headers", "authorization, content-type")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["access-control-allow-origin"], "*");
    let allowed = response.headers()["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .to_lowercase();
    assert!(allowed.contains("authorization"), "{allowed}");
}

#[tokio::test]
async fn an_editor_token_over_http_can_edit() {
    let app = TestApp::spawn().await;
    let (status, body) = app
        .post(
            app.header(As::Editor).as_deref(),
            "mutation { createCondition(input: { slug: \"neck-pain\", name: \"Neck pain\" }) { slug stage version } }",
            json!({}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        body["data"]["createCondition"],
        json!({ "slug": "neck-pain", "stage": "DRAFT", "version": 1 })
    );
}
