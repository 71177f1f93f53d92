//! Query limits over real HTTP: the reported attacks are refused at once with
//! HTTP 400 and a code naming the limit, the README's queries pass, answers over
//! the size cap are replaced by an error, and refused queries leave the server's
//! memory where it was.

use std::time::{Duration, Instant};

use clinic_content_api::graphql::limits::QueryLimits;
pub use clinic_content_api::graphql::limits::attacks::fragment_bomb;
use clinic_content_api::graphql::limits::attacks::{nested_aliases, nested_aliases_two_hops};
use clinic_content_api::graphql::samples::THERAPY_PAGE;
use clinic_content_api::server::HttpSettings;
use serde_json::{Value, json};

use crate::helpers::{ServerProcess, TestApp, TestDatabase};

async fn post_raw(base: &str, body: &Value) -> (u16, Value, Duration) {
    let started = Instant::now();
    let response = reqwest::Client::new()
        .post(format!("{base}/graphql"))
        .header("content-type", "application/json")
        .json(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let body = response.json().await.unwrap_or(Value::Null);
    (status, body, started.elapsed())
}

#[tokio::test]
async fn the_reported_heavy_queries_are_refused_with_400_within_a_second() {
    let app = TestApp::spawn().await;
    let base = app.address.clone().unwrap();
    let cases = [
        (nested_aliases(200), "QUERY_TOO_DEEP"),
        (nested_aliases(600), "QUERY_TOO_DEEP"),
        (nested_aliases_two_hops(200), "QUERY_TOO_COMPLEX"),
        (fragment_bomb(10), "QUERY_TOO_MANY_FRAGMENTS"),
    ];
    for (query, code) in cases {
        let (status, body, took) = post_raw(&base, &json!({ "query": query })).await;
        assert_eq!(status, 400, "{body}");
        assert!(
            body.get("data").is_none(),
            "a refused document has no data: {body}"
        );
        let errors = body["errors"].as_array().unwrap();
        assert_eq!(errors.len(), 1, "{body}");
        assert_eq!(errors[0]["extensions"]["code"], code, "{body}");
        assert!(errors[0]["extensions"]["measured"].as_u64() > errors[0]["extensions"]["limit"].as_u64());
        assert!(took < Duration::from_secs(1), "took {took:?}");
    }
}

#[tokio::test]
async fn the_readme_queries_fit_the_default_limits() {
    let app = TestApp::spawn().await;
    let base = app.address.clone().unwrap();
    let page = THERAPY_PAGE;
    let conditions = r#"query Conditions {
      conditions(first: 5, filter: { nameContains: "pain" }, orderBy: { field: NAME }) {
        totalCount
        pageInfo { hasNextPage endCursor }
        edges { cursor node { slug name bodyRegion therapies { suitability therapy { slug } } } }
      }
    }"#;
    let feed = "{ changes(first: 100) { cursor hasMore changes { kind documentType documentId data } } }";
    for query in [page, conditions, feed] {
        let (status, body, _) = post_raw(&base, &json!({ "query": query })).await;
        assert_eq!(status, 200, "{body}");
        assert!(body.get("errors").is_none(), "{body}");
    }
}

#[tokio::test]
async fn an_answer_over_the_size_cap_is_replaced_by_an_error() {
    let app = TestApp::spawn_with(HttpSettings {
        limits: QueryLimits {
            max_response_bytes: 2_000,
            ..QueryLimits::default()
        },
        ..HttpSettings::default()
    })
    .await;
    let base = app.address.clone().unwrap();
    let small = json!({ "query": "{ therapy(slug: \"prolotherapy\") { name } }" });
    let large =
        json!({ "query": "{ therapy(slug: \"prolotherapy\") { sections { body { markdown html } } } }" });

    let (status, body, _) = post_raw(&base, &small).await;
    assert_eq!(
        (status, &body["data"]["therapy"]["name"]),
        (200, &json!("Prolotherapy"))
    );
    let (status, body, _) = post_raw(&base, &large).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"], Value::Null, "{body}");
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "RESPONSE_TOO_LARGE",
        "{body}"
    );
}

#[tokio::test]
async fn memory_stays_bounded_across_fifty_refused_heavy_queries() {
    let database = TestDatabase::new().await;
    let server = ServerProcess::start(&database);
    let base = server.base();
    let heavy = [nested_aliases(600), fragment_bomb(10), nested_aliases(200)];
    // Warm up: allocator arenas, pools and caches settle first.
    for query in &heavy {
        let (status, _, _) = post_raw(&base, &json!({ "query": query })).await;
        assert_eq!(status, 400);
    }
    let before = server.rss_kib();

    let mut most = before;
    for round in 0..50 {
        let query = &heavy[round % heavy.len()];
        let (status, _, _) = post_raw(&base, &json!({ "query": query })).await;
        assert_eq!(status, 400);
        most = most.max(server.rss_kib());
    }

    // Each refusal costs kilobytes at most; the report saw gigabytes.
    assert!(
        most < before + 16 * 1024,
        "resident memory grew from {before} KiB to {most} KiB"
    );
}
