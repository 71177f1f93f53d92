//! The WebSocket's own limits and lifecycle: tokens (in the upgrade or in
//! `connection_init`) and their revocation, message size, connections and
//! subscriptions per socket, the `connection_init` deadline, query limits and
//! time limits on operations sent over the socket, and closing on shutdown.

use std::time::Duration;

use clinic_content_api::graphql::limits::QueryLimits;
use clinic_content_api::server::{self, AppState, HttpSettings, WebSocketSettings};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use crate::helpers::{As, TestApp, fast_webhooks, wait_for_metrics};
use crate::ws_client::{close_code, next_json, open, open_and_init, send};

const DRAFT_FAQ_CHANGES: &str =
    "subscription { contentChanged(types: [FAQ], stage: DRAFT) { documentId action } }";

/// Waits until the instance runs `expected` subscriptions.
async fn wait_for_subscriptions(app: &TestApp, expected: i64) {
    let what = format!("{expected} subscriptions");
    wait_for_metrics(&app.state.metrics, &what, |m| m.subscriptions() == expected).await;
}

async fn first_faq(app: &TestApp) -> (String, i64) {
    let data = app
        .data(
            As::Editor,
            "{ faqs(first: 1, stage: DRAFT) { nodes { id version } } }",
            json!({}),
        )
        .await;
    let faq = &data["faqs"]["nodes"][0];
    (
        faq["id"].as_str().unwrap().to_owned(),
        faq["version"].as_i64().unwrap(),
    )
}

async fn create_token(app: &TestApp, role: &str) -> (String, Value) {
    let created = app
        .data(
            As::Admin,
            &format!(
                "mutation {{ createApiToken(name: \"socket\", role: {role}) {{ secret token {{ id }} }} }}"
            ),
            json!({}),
        )
        .await;
    (
        created["createApiToken"]["secret"].as_str().unwrap().to_owned(),
        created["createApiToken"]["token"]["id"].clone(),
    )
}

#[tokio::test]
async fn a_revoked_token_closes_its_socket_and_nothing_sent_after_the_revocation_runs() {
    // Arrange: an editor's socket with a live subscription.
    let app = TestApp::spawn().await;
    let (faq, version) = first_faq(&app).await;
    let (secret, token_id) = create_token(&app, "EDITOR").await;
    let base = app.address.clone().unwrap();
    let mut socket = open_and_init(
        &base,
        None,
        json!({ "Authorization": format!("Bearer {secret}") }),
    )
    .await;
    send(
        &mut socket,
        json!({ "id": "s", "type": "subscribe", "payload": { "query": DRAFT_FAQ_CHANGES } }),
    )
    .await;
    wait_for_subscriptions(&app, 1).await;

    // Act: revoke, then send a mutation on the socket.
    app.data(
        As::Admin,
        "mutation($id: ID!) { revokeApiToken(id: $id) { revokedAt } }",
        json!({ "id": token_id }),
    )
    .await;
    let mutation = "mutation($id: ID!, $v: Int!) { updateFaq(id: $id, expectedVersion: $v, input: { answer: \"Sent after the revocation.\" }) { version } }";
    send(
        &mut socket,
        json!({ "id": "m", "type": "subscribe", "payload": { "query": mutation, "variables": { "id": faq, "v": version } } }),
    )
    .await;

    // Assert: the mutation is refused, the socket closes with 4403 within the
    // re-check interval, and the FAQ is as it was.
    let mut refused = false;
    let code = loop {
        match crate::ws_client::next_frame(&mut socket).await {
            Some(Message::Text(text)) => {
                let message: Value = serde_json::from_str(&text).unwrap();
                if message["id"] == "m" && message["type"] == "next" {
                    assert_eq!(message["payload"]["data"], Value::Null, "{message}");
                    assert_eq!(
                        message["payload"]["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
                        "{message}"
                    );
                    refused = true;
                }
            }
            Some(Message::Close(frame)) => break frame.map(|f| u16::from(f.code)),
            Some(_) => {}
            None => break None,
        }
    };
    assert!(refused, "the mutation got no answer before the close");
    assert_eq!(code, Some(4403));
    let (_, version_after) = first_faq(&app).await;
    assert_eq!(version_after, version, "the mutation ran after the revocation");
}

#[tokio::test]
async fn a_token_in_the_upgrade_header_is_honoured_and_a_bad_one_refused() {
    let app = TestApp::spawn().await;
    let base = app.address.clone().unwrap();

    // A preview token in the header may read drafts, without any init payload.
    let header = format!("Bearer {}", app.tokens.preview);
    let mut socket = open_and_init(&base, Some(&header), json!({})).await;
    send(
        &mut socket,
        json!({ "id": "q", "type": "subscribe", "payload": { "query": "{ therapy(slug: \"prolotherapy\", stage: DRAFT) { slug } }" } }),
    )
    .await;
    let answer = next_json(&mut socket).await;
    assert_eq!(
        answer["payload"]["data"]["therapy"]["slug"], "prolotherapy",
        "{answer}"
    );

    // A bad one is answered 401 before the upgrade.
    let refused = open(&base, Some("Bearer cca_not-a-token")).await;
    match refused {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => assert_eq!(response.status(), 401),
        other => panic!("expected a 401, got {:?}", other.map(|_| "an open socket")),
    }
}

fn small_sockets() -> HttpSettings {
    HttpSettings {
        websocket: WebSocketSettings {
            max_message_bytes: 4 * 1024,
            max_connections: 2,
            max_subscriptions_per_socket: 2,
            connection_init_timeout: Duration::from_millis(300),
            ..WebSocketSettings::default()
        },
        ..HttpSettings::default()
    }
}

#[tokio::test]
async fn a_socket_that_never_sends_connection_init_is_closed_4408() {
    let app = TestApp::spawn_with(small_sockets()).await;
    let mut socket = open(app.address.as_ref().unwrap(), None).await.unwrap();
    assert_eq!(close_code(&mut socket).await, Some(4408));
}

#[tokio::test]
async fn a_message_over_the_size_limit_closes_the_socket_1009() {
    let app = TestApp::spawn_with(small_sockets()).await;
    let mut socket = open_and_init(app.address.as_ref().unwrap(), None, json!({})).await;
    let padding = "x".repeat(5 * 1024);
    send(
        &mut socket,
        json!({ "id": "big", "type": "subscribe", "payload": { "query": format!("{{ __typename }} # {padding}") } }),
    )
    .await;
    assert_eq!(close_code(&mut socket).await, Some(1009));
}

#[tokio::test]
async fn subscriptions_per_socket_and_sockets_per_instance_are_capped() {
    let app = TestApp::spawn_with(small_sockets()).await;
    let base = app.address.clone().unwrap();
    let mut socket = open_and_init(&base, None, json!({})).await;
    let public = "subscription { contentChanged { documentId } }";
    for (id, running) in [("1", 1), ("2", 2), ("3", 2)] {
        send(
            &mut socket,
            json!({ "id": id, "type": "subscribe", "payload": { "query": public } }),
        )
        .await;
        wait_for_subscriptions(&app, running).await;
    }
    let refused = next_json(&mut socket).await;
    assert_eq!(refused["id"], "3", "{refused}");
    assert_eq!(
        refused["payload"]["errors"][0]["extensions"]["code"], "TOO_MANY_SUBSCRIPTIONS",
        "{refused}"
    );

    // Completing one frees its slot.
    send(&mut socket, json!({ "id": "1", "type": "complete" })).await;
    wait_for_subscriptions(&app, 1).await;
    send(
        &mut socket,
        json!({ "id": "4", "type": "subscribe", "payload": { "query": public } }),
    )
    .await;
    wait_for_subscriptions(&app, 2).await;

    // The instance takes two sockets; a third is refused before upgrading.
    let _second = open(&base, None).await.expect("a second socket");
    match open(&base, None).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => assert_eq!(response.status(), 503),
        other => panic!("expected a 503, got {:?}", other.map(|_| "an open socket")),
    }
}

#[tokio::test]
async fn operations_over_the_socket_are_priced_and_timed_like_http() {
    let app = TestApp::spawn_with(HttpSettings {
        limits: QueryLimits {
            operation_timeout: Duration::from_millis(300),
            ..QueryLimits::default()
        },
        ..HttpSettings::default()
    })
    .await;
    let (faq, version) = first_faq(&app).await;
    let init = json!({ "Authorization": format!("Bearer {}", app.tokens.editor) });
    let mut socket = open_and_init(app.address.as_ref().unwrap(), None, init).await;

    let bomb = crate::limits::fragment_bomb(10);
    send(
        &mut socket,
        json!({ "id": "b", "type": "subscribe", "payload": { "query": bomb } }),
    )
    .await;
    let refused = next_json(&mut socket).await;
    assert_eq!(refused["payload"]["data"], Value::Null, "{refused}");
    assert_eq!(
        refused["payload"]["errors"][0]["extensions"]["code"], "QUERY_TOO_MANY_FRAGMENTS",
        "{refused}"
    );

    // A write that cannot get the database (another write holds it) is stopped
    // at the time limit, and leaves nothing behind.
    let blocker = app.db().begin_content_write().await.unwrap();
    let mutation = "mutation($id: ID!, $v: Int!) { updateFaq(id: $id, expectedVersion: $v, input: { answer: \"Too late.\" }) { version } }";
    send(
        &mut socket,
        json!({ "id": "t", "type": "subscribe", "payload": { "query": mutation, "variables": { "id": faq, "v": version } } }),
    )
    .await;
    let stopped = loop {
        let message = next_json(&mut socket).await;
        if message["id"] == "t" && message["type"] == "next" {
            break message;
        }
    };
    drop(blocker);
    assert_eq!(
        stopped["payload"]["errors"][0]["extensions"]["code"], "OPERATION_TIMEOUT",
        "{stopped}"
    );
    let (_, version_after) = first_faq(&app).await;
    assert_eq!(version_after, version, "a stopped write left a change");
}

#[tokio::test]
async fn shutting_down_finishes_requests_in_flight_closes_sockets_with_1001_and_returns() {
    // Arrange: a server with a socket open and a write in flight, held up by
    // another write that holds the database.
    let app = TestApp::new().await;
    let (faq, version) = first_faq(&app).await;
    let settings = HttpSettings {
        shutdown_timeout: Duration::from_secs(5),
        ..HttpSettings::default()
    };
    let state = AppState::with_settings(app.db().clone(), &settings);
    let metrics = state.metrics.clone();
    state.start_background(fast_webhooks()).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let router = server::app(state.clone(), &settings);
    let serving = tokio::spawn(async move {
        let signal = async move {
            let _ = stopped.await;
        };
        server::serve_until_stopped(listener, router, &state, signal, settings.shutdown_timeout).await
    });
    let mut socket = open_and_init(&base, None, json!({})).await;
    let blocker = app.db().begin_content_write().await.unwrap();
    let in_flight = {
        let (base, editor) = (base.clone(), app.tokens.editor.clone());
        tokio::spawn(async move {
            let mutation = "mutation($id: ID!, $v: Int!) { updateFaq(id: $id, expectedVersion: $v, input: { answer: \"Finished during shutdown.\" }) { version } }";
            let response = reqwest::Client::new()
                .post(format!("{base}/graphql"))
                .bearer_auth(editor)
                .json(&json!({ "query": mutation, "variables": { "id": faq, "v": version } }))
                .send()
                .await
                .unwrap();
            (
                response.status().as_u16(),
                response.json::<Value>().await.unwrap(),
            )
        })
    };
    wait_for_metrics(&metrics, "the write in flight", |m| m.requests_in_flight() == 1).await;

    // Act
    stop.send(()).unwrap();

    // Assert: the socket is closed at once with 1001; the write finishes once the
    // database is free; then the server returns.
    assert_eq!(close_code(&mut socket).await, Some(1001));
    drop(blocker);
    let (status, body) = in_flight.await.unwrap();
    assert_eq!(
        (status, &body["data"]["updateFaq"]["version"]),
        (200, &json!(version + 1)),
        "{body}"
    );
    let finished = tokio::time::timeout(Duration::from_secs(10), serving).await;
    assert!(matches!(finished, Ok(Ok(Ok(())))), "{finished:?}");
}

#[tokio::test]
async fn idle_sockets_are_pinged() {
    let app = TestApp::spawn_with(HttpSettings {
        websocket: WebSocketSettings {
            keepalive_interval: Duration::from_millis(100),
            ..WebSocketSettings::default()
        },
        ..HttpSettings::default()
    })
    .await;
    let mut socket = open_and_init(app.address.as_ref().unwrap(), None, json!({})).await;
    let ping = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            match futures_util::StreamExt::next(&mut socket).await {
                Some(Ok(Message::Ping(_))) => return true,
                Some(Ok(_)) => continue,
                _ => return false,
            }
        }
    })
    .await;
    assert_eq!(ping, Ok(true));
}
