//! Webhooks reach public addresses only, unless the allow-list names the destination;
//! what an admin reads back about an attempt is never the content of the answer.

use axum::http::header::LOCATION;
use axum::response::IntoResponse;
use axum::routing::post;
use clinic_content_api::events::webhooks::{self, AllowList, Filters};

use super::*;

const CREATE: &str = "mutation($url: String!) { createWebhook(input: { url: $url }) { webhook { id url } } }";
const UPDATE: &str =
    "mutation($id: ID!, $url: String!) { updateWebhook(id: $id, input: { url: $url }) { url } }";

/// Registers a webhook with the domain call, bypassing the API's check, as if it had been
/// registered before the rule or on an instance that allowed it.
async fn register_directly(app: &TestApp, url: &str) -> String {
    let allow_anything = AllowList::parse("localhost,0.0.0.0/0,::/0").unwrap();
    let (webhook, _) = webhooks::create(app.db(), &allow_anything, url, &Filters::default())
        .await
        .expect("registered");
    webhook.id.to_string()
}

/// A receiver's URL with another host in it.
fn with_host(url: &str, host: &str) -> String {
    url.replace("127.0.0.1", host)
}

#[tokio::test]
async fn webhooks_to_internal_addresses_are_refused_at_registration() {
    let app = TestApp::with_webhook_allow_list(AllowList::default()).await;
    let data = app
        .data(As::Admin, CREATE, json!({ "url": "https://example.com/hook" }))
        .await;
    let id = data["createWebhook"]["webhook"]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    for url in [
        "http://127.0.0.1:8080/hook",
        "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://169.254.169.254/latest/meta-data/",
        "https://10.0.0.1/hook",
        "http://100.64.0.1/hook",
        "http://[fd00::1]/hook",
        "http://0.0.0.0/hook",
        "http://2130706433/hook",
        "http://localhost:8080/hook",
    ] {
        let response = app.call(As::Admin, CREATE, json!({ "url": url })).await;
        assert_eq!(error_code(&response), "BAD_USER_INPUT", "{url}: {response:#}");
        assert_eq!(response["errors"][0]["extensions"]["field"], "url");
        let message = response["errors"][0]["message"].as_str().unwrap();
        assert!(message.contains("address not allowed"), "{url}: {message}");
        assert!(message.contains("WEBHOOK_ALLOWED_HOSTS"), "{url}: {message}");

        let response = app.call(As::Admin, UPDATE, json!({ "id": id, "url": url })).await;
        assert_eq!(error_code(&response), "BAD_USER_INPUT", "{url}: {response:#}");
        assert_eq!(response["errors"][0]["extensions"]["field"], "url");
    }
    let list = app.data(As::Admin, "{ webhooks { url } }", json!({})).await;
    assert_eq!(list["webhooks"], json!([{ "url": "https://example.com/hook" }]));
}

#[tokio::test]
async fn the_allow_list_admits_what_it_names_at_registration() {
    let app = TestApp::with_webhook_allow_list(AllowList::parse("localhost,10.0.0.0/8").unwrap()).await;
    for url in [
        "http://localhost:8080/hook",
        "http://10.1.2.3/hook",
        "http://[::ffff:10.0.0.1]/",
    ] {
        app.data(As::Admin, CREATE, json!({ "url": url })).await;
    }
    for url in [
        "http://127.0.0.1/hook",
        "http://192.168.0.1/hook",
        "http://[::1]/",
    ] {
        let response = app.call(As::Admin, CREATE, json!({ "url": url })).await;
        assert_eq!(error_code(&response), "BAD_USER_INPUT", "{url}: {response:#}");
    }
}

#[tokio::test]
async fn deliveries_to_internal_addresses_are_refused_and_never_sent() {
    let app = TestApp::spawn_with_webhook_allow_list(AllowList::default()).await;
    let receiver = Receiver::start(0, Duration::ZERO).await;
    // A name resolving to loopback (checked by the resolver when connecting), and an
    // IP literal (checked before sending), both reaching a live receiver if allowed.
    let by_name = register_directly(&app, &with_host(&receiver.url, "localhost")).await;
    let by_address = register_directly(&app, &receiver.url).await;
    let faq = faq_id(&app).await;
    edit_faq(&app, &faq, "Nobody inside may be told.").await;

    for (id, expected) in [
        (
            &by_name,
            "address not allowed: localhost resolves only to loopback, private or other internal addresses",
        ),
        (
            &by_address,
            "address not allowed: 127.0.0.1 is a loopback address",
        ),
    ] {
        // Refused for good: a retry would be refused again.
        let rows = wait_for_status(&app, id, 1, "FAILED").await;
        let failed = &rows[0];
        assert_eq!(failed["attempts"], 1, "{failed:#}");
        assert_eq!(failed["lastStatusCode"], Value::Null);
        let error = failed["lastError"].as_str().unwrap();
        assert!(error.starts_with(expected), "{error}");
    }
    assert!(receiver.received().is_empty(), "{:?}", receiver.received());
}

#[tokio::test]
async fn with_the_allow_list_a_loopback_receiver_gets_its_deliveries() {
    let app = TestApp::spawn_with_webhook_allow_list(AllowList::parse("localhost").unwrap()).await;
    let receiver = Receiver::start(0, Duration::ZERO).await;
    let (webhook_id, _) = create_webhook(&app, json!({ "url": with_host(&receiver.url, "localhost") })).await;
    let faq = faq_id(&app).await;
    edit_faq(&app, &faq, "Allowed by name.").await;

    let rows = wait_for_status(&app, &webhook_id, 1, "DELIVERED").await;
    assert_eq!(rows[0]["attempts"], 1);
    assert_eq!(receiver.successes().len(), 1);
}

/// Answers every POST with 500 and a body that must not leak.
async fn leaky() -> axum::response::Response {
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        "root:x:0:0:root:/root:/bin/bash (internal secret)",
    )
        .into_response()
}

#[tokio::test]
async fn an_answer_body_is_never_stored_and_redirects_are_not_followed() {
    let app = TestApp::spawn().await;
    // Where a followed redirect would go.
    let target = Receiver::start(0, Duration::ZERO).await;
    let location = target.url.clone();
    let router = Router::new().route("/leaky", post(leaky)).route(
        "/redirect",
        post(move || async move { (StatusCode::TEMPORARY_REDIRECT, [(LOCATION, location)]) }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await });
    let (leaky_hook, _) = create_webhook(&app, json!({ "url": format!("{base}/leaky") })).await;
    let (redirect_hook, _) = create_webhook(&app, json!({ "url": format!("{base}/redirect") })).await;
    let faq = faq_id(&app).await;
    edit_faq(&app, &faq, "Answered badly.").await;

    for (id, expected) in [
        (&leaky_hook, ("HTTP 500 Internal Server Error", 500)),
        (&redirect_hook, ("HTTP 307 Temporary Redirect", 307)),
    ] {
        let row = eventually("an attempt on record", || async {
            let rows = deliveries(&app, id).await;
            rows.into_iter().find(|r| r["attempts"].as_i64() >= Some(1))
        })
        .await;
        assert_eq!(row["lastError"], expected.0, "{row:#}");
        assert_eq!(row["lastStatusCode"], expected.1, "{row:#}");
    }
    // The redirect was answered within its attempt: had it been followed, the target
    // would have had the request by now.
    assert!(target.received().is_empty(), "{:?}", target.received());
}
