//! A small `graphql-transport-ws` client for tests that look at the socket itself:
//! upgrades with or without headers, close codes, raw messages.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::{self, Message};

pub type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Opens a socket speaking `graphql-transport-ws`, with an optional
/// `Authorization` header on the upgrade; the upgrade's error if refused.
pub async fn open(base: &str, authorization: Option<&str>) -> Result<Socket, tungstenite::Error> {
    match authorization {
        Some(value) => open_with(base, &[("Authorization", value)]).await,
        None => open_with(base, &[]).await,
    }
}

/// Opens a socket speaking `graphql-transport-ws` with these headers on the upgrade.
pub async fn open_with(base: &str, headers: &[(&'static str, &str)]) -> Result<Socket, tungstenite::Error> {
    let url = format!("{}/graphql", base.replacen("http://", "ws://", 1));
    let mut request = url.into_client_request().unwrap();
    request
        .headers_mut()
        .insert("Sec-WebSocket-Protocol", "graphql-transport-ws".parse().unwrap());
    for (name, value) in headers {
        request.headers_mut().insert(*name, value.parse().unwrap());
    }
    tokio_tungstenite::connect_async(request)
        .await
        .map(|(socket, _)| socket)
}

/// Opens a socket and completes `connection_init` with `payload`.
pub async fn open_and_init(base: &str, authorization: Option<&str>, payload: Value) -> Socket {
    let mut socket = open(base, authorization).await.expect("WebSocket connects");
    send(
        &mut socket,
        json!({ "type": "connection_init", "payload": payload }),
    )
    .await;
    let ack = next_json(&mut socket).await;
    assert_eq!(ack["type"], "connection_ack", "{ack}");
    socket
}

pub async fn send(socket: &mut Socket, message: Value) {
    socket
        .send(Message::Text(message.to_string().into()))
        .await
        .expect("send");
}

/// What the server sent next, skipping pings; `None` once the socket is closed.
pub async fn next_frame(socket: &mut Socket) -> Option<Message> {
    loop {
        let frame = tokio::time::timeout(Duration::from_secs(15), socket.next())
            .await
            .expect("a frame within 15 s");
        match frame {
            None | Some(Err(_)) => return None,
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
            Some(Ok(message)) => return Some(message),
        }
    }
}

/// The next JSON message; panics on a close.
pub async fn next_json(socket: &mut Socket) -> Value {
    match next_frame(socket).await {
        Some(Message::Text(text)) => serde_json::from_str(&text).expect("JSON message"),
        other => panic!("expected a message, got {other:?}"),
    }
}

/// The close code the server closes with next, skipping any messages before it.
pub async fn close_code(socket: &mut Socket) -> Option<u16> {
    loop {
        match next_frame(socket).await {
            Some(Message::Close(frame)) => return frame.map(|f| u16::from(f.code)),
            Some(_) => continue,
            None => return None,
        }
    }
}
