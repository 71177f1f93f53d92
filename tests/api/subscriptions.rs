//! GraphQL subscriptions over WebSocket (`graphql-transport-ws`), on one instance
//! and across instances sharing a database.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::helpers::{As, TestApp, prolotherapy_id};

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Opens a `graphql-transport-ws` connection and completes `connection_init`.
async fn connect(base: &str, init: Value) -> Socket {
    let url = format!("{}/graphql", base.replacen("http://", "ws://", 1));
    let mut request = url.into_client_request().unwrap();
    request
        .headers_mut()
        .insert("Sec-WebSocket-Protocol", "graphql-transport-ws".parse().unwrap());
    let (mut socket, response) = tokio_tungstenite::connect_async(request)
        .await
        .expect("WebSocket connects");
    assert_eq!(
        response.headers()["sec-websocket-protocol"],
        "graphql-transport-ws"
    );
    send(&mut socket, json!({ "type": "connection_init", "payload": init })).await;
    assert_eq!(next_message(&mut socket).await["type"], "connection_ack");
    socket
}

async fn send(socket: &mut Socket, message: Value) {
    socket
        .send(Message::Text(message.to_string().into()))
        .await
        .expect("send");
}

/// The next JSON message, answering pings; panics after 10 s of silence.
async fn next_message(socket: &mut Socket) -> Value {
    loop {
        let message = tokio::time::timeout(Duration::from_secs(10), socket.next())
            .await
            .expect("a message within 10 s")
            .expect("socket open")
            .expect("valid frame");
        if let Message::Text(text) = message {
            let value: Value = serde_json::from_str(&text).unwrap();
            if value["type"] == "ping" {
                send(socket, json!({ "type": "pong" })).await;
                continue;
            }
            return value;
        }
    }
}

/// Whether no message arrives within `wait`.
async fn silent_for(socket: &mut Socket, wait: Duration) -> bool {
    match tokio::time::timeout(wait, socket.next()).await {
        Err(_) => true,
        Ok(message) => {
            eprintln!("unexpected message: {message:?}");
            false
        }
    }
}

const FAQ_CHANGES: &str = "subscription($stage: Stage) { contentChanged(types: [FAQ], stage: $stage) { documentType documentId action stage version actorName snapshot } }";

async fn first_faq(app: &TestApp) -> (String, String) {
    let therapy = prolotherapy_id(app).await;
    let data = app
        .data(
            As::Editor,
            "{ therapy(slug: \"prolotherapy\", stage: DRAFT) { faqs { id } } }",
            json!({}),
        )
        .await;
    (
        therapy,
        data["therapy"]["faqs"][0]["id"].as_str().unwrap().to_owned(),
    )
}

#[tokio::test]
async fn a_public_subscriber_gets_the_published_change_and_never_the_draft_one() {
    let app = TestApp::spawn().await;
    let (therapy, faq) = first_faq(&app).await;
    let mut socket = connect(app.address.as_ref().unwrap(), json!({})).await;
    send(
        &mut socket,
        json!({ "id": "1", "type": "subscribe", "payload": { "query": FAQ_CHANGES } }),
    )
    .await;
    // Give the server a moment to register the subscription before writing.
    tokio::time::sleep(Duration::from_millis(800)).await;

    app.data(
        As::Editor,
        "mutation($id: ID!) { updateFaq(id: $id, expectedVersion: 1, input: { answer: \"Hardly at all.\" }) { version } }",
        json!({ "id": faq }),
    )
    .await;
    assert!(
        silent_for(&mut socket, Duration::from_millis(1500)).await,
        "a draft change reached a public subscriber"
    );
    app.data(
        As::Editor,
        "mutation($id: ID!) { publishTherapy(id: $id, withChildren: true) { id } }",
        json!({ "id": therapy }),
    )
    .await;

    // Only the edited entry changed, so only it is published anew.
    let message = next_message(&mut socket).await;
    assert_eq!(message["type"], "next", "{message}");
    assert_eq!(message["id"], "1");
    let event = &message["payload"]["data"]["contentChanged"];
    assert_eq!(event["documentId"], faq.as_str());
    assert_eq!(
        (event["stage"].as_str(), event["action"].as_str()),
        (Some("PUBLISHED"), Some("PUBLISHED"))
    );
    assert_eq!(
        event["actorName"],
        Value::Null,
        "the public is not told who edited"
    );
    assert_eq!(event["snapshot"]["answer"], "Hardly at all.");
    assert_eq!(event["version"], 2);
    assert!(
        silent_for(&mut socket, Duration::from_millis(800)).await,
        "unchanged entries were announced"
    );

    send(&mut socket, json!({ "id": "1", "type": "complete" })).await;
    assert_eq!(
        next_message(&mut socket).await,
        json!({ "type": "complete", "id": "1" })
    );
    app.data(
        As::Editor,
        "mutation($id: ID!) { updateFaq(id: $id, expectedVersion: 2, input: { answer: \"Barely.\" }) { version } }",
        json!({ "id": faq }),
    )
    .await;
    app.data(
        As::Editor,
        "mutation($id: ID!) { publishTherapy(id: $id, withChildren: true) { id } }",
        json!({ "id": therapy }),
    )
    .await;
    assert!(
        silent_for(&mut socket, Duration::from_millis(1500)).await,
        "events kept coming after complete"
    );
    socket.close(None).await.ok();
}

#[tokio::test]
async fn an_editor_subscriber_sees_draft_changes_with_who_made_them() {
    let app = TestApp::spawn().await;
    let (_, faq) = first_faq(&app).await;
    let init = json!({ "Authorization": app.header(As::Editor).unwrap() });
    let mut socket = connect(app.address.as_ref().unwrap(), init).await;
    let payload = json!({ "query": FAQ_CHANGES, "variables": { "stage": "DRAFT" } });
    send(
        &mut socket,
        json!({ "id": "d", "type": "subscribe", "payload": payload }),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(800)).await;

    app.data(
        As::Editor,
        "mutation($id: ID!) { updateFaq(id: $id, expectedVersion: 1, input: { answer: \"Draft answer\" }) { version } }",
        json!({ "id": faq }),
    )
    .await;

    let message = next_message(&mut socket).await;
    let event = &message["payload"]["data"]["contentChanged"];
    assert_eq!(event["action"], "UPDATED");
    assert_eq!(event["stage"], "DRAFT");
    assert_eq!(event["documentId"], faq.as_str());
    assert_eq!(event["actorName"], "test editor");
    assert_eq!(event["snapshot"]["answer"], "Draft answer");
}

#[tokio::test]
async fn draft_subscriptions_need_a_token_and_a_bad_token_is_refused_at_init() {
    let app = TestApp::spawn().await;
    let mut public = connect(app.address.as_ref().unwrap(), json!({})).await;
    let payload = json!({ "query": FAQ_CHANGES, "variables": { "stage": "DRAFT" } });
    send(
        &mut public,
        json!({ "id": "x", "type": "subscribe", "payload": payload }),
    )
    .await;
    let refused = next_message(&mut public).await;
    assert_eq!(refused["type"], "next", "{refused}");
    assert_eq!(
        refused["payload"]["errors"][0]["extensions"]["code"],
        "UNAUTHENTICATED"
    );
    assert_eq!(refused["payload"]["data"], Value::Null);

    let url = format!(
        "{}/graphql",
        app.address.as_ref().unwrap().replacen("http://", "ws://", 1)
    );
    let mut request = url.into_client_request().unwrap();
    request
        .headers_mut()
        .insert("Sec-WebSocket-Protocol", "graphql-transport-ws".parse().unwrap());
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    let init = json!({ "type": "connection_init", "payload": { "Authorization": "Bearer cca_unknown" } });
    send(&mut socket, init).await;
    let closed = tokio::time::timeout(Duration::from_secs(10), socket.next())
        .await
        .expect("an answer");
    match closed {
        Some(Ok(Message::Close(Some(frame)))) => {
            assert_eq!(frame.reason.as_str(), "the token is unknown or has been revoked")
        }
        other => panic!("expected the connection to be closed, got {other:?}"),
    }
}

#[tokio::test]
async fn a_change_on_one_instance_reaches_a_subscriber_on_another() {
    let app = TestApp::spawn().await;
    let other = app.spawn_another_instance().await;
    let (therapy, _) = first_faq(&app).await;
    let mut socket = connect(&other, json!({})).await;
    let query = "subscription($ids: [ID!]) { contentChanged(types: [THERAPY], ids: $ids) { documentId action snapshot } }";
    send(&mut socket, json!({ "id": "t", "type": "subscribe", "payload": { "query": query, "variables": { "ids": [therapy] } } }))
        .await;
    tokio::time::sleep(Duration::from_millis(800)).await;

    app.data(
        As::Editor,
        "mutation($id: ID!) { updateTherapy(id: $id, expectedVersion: 1, input: { name: \"Prolotherapy injections\" }) { id } }",
        json!({ "id": therapy }),
    )
    .await;
    app.data(
        As::Editor,
        "mutation($id: ID!) { publishTherapy(id: $id) { id } }",
        json!({ "id": therapy }),
    )
    .await;

    let message = next_message(&mut socket).await;
    let event = &message["payload"]["data"]["contentChanged"];
    assert_eq!(event["documentId"], therapy.as_str());
    assert_eq!(event["action"], "PUBLISHED");
    assert_eq!(event["snapshot"]["name"], "Prolotherapy injections");
}

#[tokio::test]
async fn a_dropped_listen_connection_loses_no_event() {
    let app = TestApp::spawn().await;
    if app.db().backend() != sea_orm::DatabaseBackend::Postgres {
        return; // LISTEN/NOTIFY is PostgreSQL's; SQLite instances share one process channel.
    }
    let other = app.spawn_another_instance().await;
    let (therapy, _) = first_faq(&app).await;
    let mut socket = connect(&other, json!({})).await;
    let query = "subscription { contentChanged(types: [THERAPY]) { documentId action } }";
    send(
        &mut socket,
        json!({ "id": "t", "type": "subscribe", "payload": { "query": query } }),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(800)).await;

    // Cut every listening connection to this database, as a network blip would.
    let cut = sea_orm::Statement::from_string(
        sea_orm::DatabaseBackend::Postgres,
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = current_database() AND pid <> pg_backend_pid() AND query ILIKE 'LISTEN%'",
    );
    let terminated = sea_orm::ConnectionTrait::query_all_raw(app.db().conn(), cut)
        .await
        .unwrap();
    assert!(!terminated.is_empty(), "no listening connection was found to cut");
    app.data(
        As::Editor,
        "mutation($id: ID!) { publishTherapy(id: $id) { id } }",
        json!({ "id": therapy }),
    )
    .await;

    let message = next_message(&mut socket).await;
    assert_eq!(
        message["payload"]["data"]["contentChanged"],
        json!({ "documentId": therapy, "action": "PUBLISHED" })
    );
}
