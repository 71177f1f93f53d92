//! The GraphQL-over-HTTP specification's server checks, each MUST and SHOULD:
//! media types by `Accept`, request parsing and its status codes, GET for
//! queries only, and the CSRF, CORS, authorization-scheme and production rules.

use clinic_content_api::server::HttpSettings;
use reqwest::header::{HeaderMap, HeaderValue};
use serde_json::{Value, json};

use crate::helpers::TestApp;

const NAME: &str = "{ therapy(slug: \"prolotherapy\") { name } }";
const GRAPHQL_JSON: &str = "application/graphql-response+json";

struct Answer {
    status: u16,
    content_type: String,
    headers: HeaderMap,
    body: Value,
}

async fn send(request: reqwest::RequestBuilder) -> Answer {
    let response = request.send().await.expect("HTTP request");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let content_type = headers
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let text = response.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    Answer {
        status,
        content_type,
        headers,
        body,
    }
}

fn post(
    app: &TestApp,
    accept: Option<&str>,
    content_type: Option<&str>,
    body: &str,
) -> reqwest::RequestBuilder {
    let mut request = reqwest::Client::new()
        .post(format!("{}/graphql", app.address.as_ref().unwrap()))
        .body(body.to_owned());
    if let Some(accept) = accept {
        request = request.header("accept", accept);
    }
    if let Some(content_type) = content_type {
        request = request.header("content-type", content_type);
    }
    request
}

fn get(app: &TestApp, accept: Option<&str>, params: &[(&str, &str)]) -> reqwest::RequestBuilder {
    let mut request = reqwest::Client::new()
        .get(format!("{}/graphql", app.address.as_ref().unwrap()))
        .query(params);
    if let Some(accept) = accept {
        request = request.header("accept", accept);
    }
    request
}

fn json_body(query: &str) -> String {
    json!({ "query": query }).to_string()
}

#[tokio::test]
async fn the_media_type_follows_accept_and_is_utf8() {
    let app = TestApp::spawn().await;
    let cases = [
        (Some("application/json"), "application/json; charset=utf-8"),
        (
            Some(GRAPHQL_JSON),
            "application/graphql-response+json; charset=utf-8",
        ),
        (
            Some("application/graphql-response+json, application/json;q=0.9"),
            "application/graphql-response+json; charset=utf-8",
        ),
        (Some("*/*"), "application/json; charset=utf-8"),
        (None, "application/json; charset=utf-8"),
    ];
    for (accept, expected) in cases {
        let answer = send(post(&app, accept, Some("application/json"), &json_body(NAME))).await;
        assert_eq!(answer.status, 200, "{accept:?}: {}", answer.body);
        assert_eq!(answer.content_type, expected, "{accept:?}");
        assert_eq!(
            answer.body,
            json!({ "data": { "therapy": { "name": "Prolotherapy" } } })
        );
    }
    let refused = send(post(
        &app,
        Some("text/html"),
        Some("application/json"),
        &json_body(NAME),
    ))
    .await;
    assert_eq!(refused.status, 406);
}

#[tokio::test]
async fn posts_must_be_json_so_cross_site_simple_requests_are_refused() {
    let app = TestApp::spawn().await;
    let body = json_body("mutation { deleteTherapy(id: \"x\") { id } }");
    for content_type in [
        None,
        Some("text/plain"),
        Some("text/plain;charset=UTF-8"),
        Some("application/x-www-form-urlencoded"),
        Some("multipart/form-data; boundary=x"),
        Some("application/json; charset=latin1"),
    ] {
        let answer = send(post(&app, None, content_type, &body)).await;
        assert_eq!(answer.status, 415, "{content_type:?}: {}", answer.body);
        assert_eq!(answer.body["errors"][0]["extensions"]["code"], "BAD_REQUEST");
    }
    let utf8 = send(post(
        &app,
        None,
        Some("application/json; charset=utf-8"),
        &json_body(NAME),
    ))
    .await;
    assert_eq!(utf8.status, 200);
}

#[tokio::test]
async fn malformed_requests_are_answered_400() {
    let app = TestApp::spawn().await;
    let bodies = [
        "",
        "{ not json",
        "[]",
        r#"[{"query": "{ __typename }"}]"#,
        "{}",
        r#"{"query": null}"#,
        r#"{"query": 1}"#,
        r#"{"query": {}}"#,
        r#"{"query": true}"#,
        r#"{"query": []}"#,
        r#"{"query": "{ __typename }", "operationName": 1}"#,
        r#"{"query": "{ __typename }", "operationName": []}"#,
        r#"{"query": "{ __typename }", "variables": "x"}"#,
        r#"{"query": "{ __typename }", "variables": 1}"#,
        r#"{"query": "{ __typename }", "variables": []}"#,
        r#"{"query": "{ __typename }", "extensions": "x"}"#,
        r#"{"query": "{ __typename }", "extensions": false}"#,
    ];
    for accept in ["application/json", GRAPHQL_JSON] {
        for body in bodies {
            let answer = send(post(&app, Some(accept), Some("application/json"), body)).await;
            assert_eq!(answer.status, 400, "{accept} {body}: {}", answer.body);
            assert!(answer.content_type.starts_with(accept), "{}", answer.content_type);
            assert_eq!(
                answer.body["errors"][0]["extensions"]["code"], "BAD_REQUEST",
                "{body}"
            );
        }
    }
    // Null optional parameters and maps are taken.
    let fine = r#"{"query": "{ __typename }", "operationName": null, "variables": null, "extensions": null}"#;
    assert_eq!(
        send(post(&app, None, Some("application/json"), fine))
            .await
            .status,
        200
    );
    let maps = r#"{"query": "{ __typename }", "variables": {}, "extensions": {}}"#;
    assert_eq!(
        send(post(&app, None, Some("application/json"), maps))
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn documents_that_do_not_parse_or_validate_are_400_without_data_under_the_graphql_type() {
    let app = TestApp::spawn().await;
    let cases = [
        ("{", "GRAPHQL_PARSE_FAILED", json!(null)),
        ("{ noSuchField }", "GRAPHQL_VALIDATION_FAILED", json!(null)),
        (
            "query($n: Int!) { therapies(first: $n) { totalCount } }",
            "GRAPHQL_VALIDATION_FAILED",
            json!({ "n": "many" }),
        ),
    ];
    for (query, code, variables) in cases {
        let body = json!({ "query": query, "variables": variables }).to_string();
        let strict = send(post(&app, Some(GRAPHQL_JSON), Some("application/json"), &body)).await;
        assert_eq!(strict.status, 400, "{query}: {}", strict.body);
        assert!(strict.body.get("data").is_none(), "{}", strict.body);
        assert_eq!(
            strict.body["errors"][0]["extensions"]["code"], code,
            "{}",
            strict.body
        );

        // The legacy type keeps 200 for a well-formed request, as the spec asks.
        let legacy = send(post(
            &app,
            Some("application/json"),
            Some("application/json"),
            &body,
        ))
        .await;
        assert_eq!(legacy.status, 200, "{query}: {}", legacy.body);
        assert_eq!(legacy.body["errors"][0]["extensions"]["code"], code);
    }
}

#[tokio::test]
async fn get_runs_queries_and_refuses_mutations_with_405() {
    let app = TestApp::spawn().await;
    let answer = send(get(&app, None, &[("query", NAME)])).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(
        answer.body,
        json!({ "data": { "therapy": { "name": "Prolotherapy" } } })
    );

    let with_variables = send(get(
        &app,
        Some(GRAPHQL_JSON),
        &[
            (
                "query",
                "query Page($slug: String!) { therapy(slug: $slug) { name } }",
            ),
            ("operationName", "Page"),
            ("variables", r#"{"slug": "prolotherapy"}"#),
        ],
    ))
    .await;
    assert_eq!(with_variables.status, 200);
    assert_eq!(with_variables.body["data"]["therapy"]["name"], "Prolotherapy");

    let mutation = send(get(
        &app,
        None,
        &[("query", "mutation { deleteTherapy(id: \"x\") { id } }")],
    ))
    .await;
    assert_eq!(mutation.status, 405, "{}", mutation.body);
    assert_eq!(mutation.headers["allow"], "POST");

    let missing = send(get(&app, Some("application/json"), &[("operationName", "x")])).await;
    assert_eq!(missing.status, 400);
    let bad_variables = send(get(&app, None, &[("query", NAME), ("variables", "{not json")])).await;
    assert_eq!(bad_variables.status, 400);
}

#[tokio::test]
async fn the_bearer_scheme_is_matched_in_any_case() {
    let app = TestApp::spawn().await;
    let query = json_body("{ therapy(slug: \"prolotherapy\", stage: DRAFT) { name } }");
    for scheme in ["Bearer", "bearer", "BEARER", "bEaReR"] {
        let answer = send(
            post(&app, None, Some("application/json"), &query)
                .header("authorization", format!("{scheme} {}", app.tokens.preview)),
        )
        .await;
        assert_eq!(answer.status, 200, "{scheme}: {}", answer.body);
        assert_eq!(answer.body["data"]["therapy"]["name"], "Prolotherapy", "{scheme}");
    }
    let basic = send(
        post(&app, None, Some("application/json"), &query).header("authorization", "Basic dXNlcjpwYXNz"),
    )
    .await;
    assert_eq!(basic.status, 401);
}

#[tokio::test]
async fn cors_allows_only_the_configured_origins_and_never_credentials() {
    let app = TestApp::spawn_with(HttpSettings {
        cors_allowed_origins: vec!["https://clinic.example".to_owned()],
        ..HttpSettings::default()
    })
    .await;
    let preflight = |origin: &str| {
        reqwest::Client::new()
            .request(
                reqwest::Method::OPTIONS,
                format!("{}/graphql", app.address.as_ref().unwrap()),
            )
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "authorization, content-type, apollo-require-preflight",
            )
    };
    let allowed = send(preflight("https://clinic.example")).await;
    assert_eq!(
        allowed.headers.get("access-control-allow-origin"),
        Some(&HeaderValue::from_static("https://clinic.example"))
    );
    assert!(allowed.headers.get("access-control-allow-credentials").is_none());
    let allowed_headers = allowed.headers["access-control-allow-headers"].to_str().unwrap();
    assert!(
        allowed_headers.contains("apollo-require-preflight"),
        "{allowed_headers}"
    );
    let other = send(preflight("https://evil.example")).await;
    assert!(other.headers.get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn every_response_carries_a_request_id() {
    let app = TestApp::spawn().await;
    let first = send(post(&app, None, Some("application/json"), &json_body(NAME))).await;
    let second = send(post(&app, None, Some("text/plain"), "x")).await;
    let id = |a: &Answer| a.headers["x-request-id"].to_str().unwrap().to_owned();
    assert_eq!(id(&first).len(), 36);
    assert_ne!(id(&first), id(&second));
    // A caller's own id is kept, so logs on both sides match.
    let mine =
        send(post(&app, None, Some("application/json"), &json_body(NAME)).header("x-request-id", "abc-123"))
            .await;
    assert_eq!(id(&mine), "abc-123");
}

#[tokio::test]
async fn production_mode_turns_off_introspection_suggestions_and_graphiql() {
    let app = TestApp::spawn_with(HttpSettings {
        production: true,
        ..HttpSettings::default()
    })
    .await;
    let introspection = send(post(
        &app,
        None,
        Some("application/json"),
        &json_body("{ __schema { types { name } } }"),
    ))
    .await;
    assert_eq!(introspection.status, 400, "{}", introspection.body);
    assert_eq!(
        introspection.body["errors"][0]["extensions"]["code"],
        "INTROSPECTION_DISABLED"
    );

    let typo = send(post(
        &app,
        None,
        Some("application/json"),
        &json_body("{ therapie(slug: \"x\") { name } }"),
    ))
    .await;
    let message = typo.body["errors"][0]["message"].as_str().unwrap();
    assert!(!message.contains("Did you mean"), "{message}");

    let page = send(
        reqwest::Client::new()
            .get(format!("{}/graphql", app.address.as_ref().unwrap()))
            .header("accept", "text/html"),
    )
    .await;
    assert_eq!(page.status, 404);

    // Queries still run.
    let answer = send(post(&app, None, Some("application/json"), &json_body(NAME))).await;
    assert_eq!(answer.body["data"]["therapy"]["name"], "Prolotherapy");
}

#[tokio::test]
async fn health_readiness_and_metrics_answer() {
    let app = TestApp::spawn().await;
    let base = app.address.clone().unwrap();
    let health = send(reqwest::Client::new().get(format!("{base}/healthz"))).await;
    assert_eq!(
        (health.status, health.body.clone()),
        (200, json!({ "status": "ok" }))
    );
    let ready = send(reqwest::Client::new().get(format!("{base}/readyz"))).await;
    assert_eq!(
        (ready.status, ready.body.clone()),
        (200, json!({ "status": "ready" }))
    );

    send(post(
        &app,
        None,
        Some("application/json"),
        &json!({ "query": NAME, "operationName": null }).to_string(),
    ))
    .await;
    send(post(
        &app,
        None,
        Some("application/json"),
        &json_body("query Page { therapy(slug: \"prolotherapy\") { name } }"),
    ))
    .await;
    send(post(
        &app,
        None,
        Some("application/json"),
        &json_body(&crate::limits::fragment_bomb(10)),
    ))
    .await;
    let metrics = send(reqwest::Client::new().get(format!("{base}/metrics"))).await;
    let text = metrics.body.as_str().unwrap();
    for line in [
        "clinic_graphql_requests_total{operation=\"anonymous\",outcome=\"ok\"} 1",
        "clinic_graphql_requests_total{operation=\"Page\",outcome=\"ok\"} 1",
        "clinic_graphql_requests_total{operation=\"anonymous\",outcome=\"refused\"} 1",
        "clinic_graphql_limit_refusals_total{limit=\"QUERY_TOO_MANY_FRAGMENTS\"} 1",
        "clinic_graphql_request_duration_seconds_count 3",
        "clinic_websocket_connections 0",
        "clinic_subscriptions 0",
        "clinic_webhook_backlog 0",
    ] {
        assert!(text.lines().any(|l| l == line), "no {line:?} in\n{text}");
    }
    assert!(
        text.contains("clinic_database_pool_connections{state=\"in_use\"}"),
        "{text}"
    );
}
