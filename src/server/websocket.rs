//! GraphQL over WebSocket (`graphql-transport-ws`, and the older
//! `subscriptions-transport-ws`), with the limits a public socket needs: message
//! size, connections per instance, subscriptions per socket, a deadline for
//! `connection_init`, keepalive pings, small buffers for idle subscribers, and a
//! token that closes its sockets when it is revoked.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use async_graphql::http::{WebSocket as GraphqlSocket, WebSocketProtocols as Protocols, WsMessage};
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use futures_util::{SinkExt, StreamExt, future};
use tokio::sync::{Mutex, OwnedSemaphorePermit};

use super::AppState;
use crate::auth::{self, Credential, Identity};
use crate::graphql::error::ApiError;
use crate::graphql::loader::Loaders;
use crate::graphql::subscription::{SubscriptionSlots, TOKEN_RECHECK};

/// Limits of the WebSocket endpoint.
#[derive(Debug, Clone, PartialEq)]
pub struct WebSocketSettings {
    /// Largest message a client may send, in bytes.
    pub max_message_bytes: usize,
    /// Most open sockets per instance; more are answered 503 before upgrading.
    pub max_connections: usize,
    /// Most subscriptions running at once on one socket.
    pub max_subscriptions_per_socket: usize,
    /// How long a client has to send `connection_init` (and have it accepted).
    pub connection_init_timeout: Duration,
    /// How often the server pings an idle socket (WebSocket ping frames, which
    /// browsers answer by themselves); a dead peer is noticed when a ping fails.
    pub keepalive_interval: Duration,
}

impl Default for WebSocketSettings {
    fn default() -> Self {
        Self {
            max_message_bytes: 64 * 1024,
            max_connections: 20_000,
            max_subscriptions_per_socket: 20,
            connection_init_timeout: Duration::from_secs(10),
            keepalive_interval: Duration::from_secs(30),
        }
    }
}

/// Close codes of `graphql-transport-ws` and RFC 6455 that this server sends.
mod close {
    pub const GOING_AWAY: u16 = 1001;
    pub const TOO_BIG: u16 = 1009;
    pub const FORBIDDEN: u16 = 4403;
    pub const INIT_TIMEOUT: u16 = 4408;
}

/// Upgrades `GET /graphql` to a GraphQL WebSocket. A token in the upgrade's
/// `Authorization` header is checked now (a bad one is answered 401); one sent
/// in `connection_init` replaces it. A session cookie on the upgrade acts only
/// when `connection_init` brings its CSRF token (`{"csrfToken": "…"}`).
pub async fn upgrade(
    state: AppState,
    upgrade: WebSocketUpgrade,
    protocol: Protocols,
    authorization: Option<Result<String, ()>>,
    session: Option<String>,
) -> Response {
    let identity = match authorization {
        None => Identity::Public,
        Some(header) => {
            let header = header.ok();
            match auth::authenticate(state.db.conn(), header.as_deref()).await {
                Ok(identity) => identity,
                Err(err) => {
                    let err = ApiError::from(err);
                    return super::graphql_http::error_response(super::graphql_http::MediaType::Json, &err);
                }
            }
        }
    };
    let Ok(permit) = state.websocket_slots.clone().try_acquire_owned() else {
        tracing::warn!("WebSocket refused: the instance has its maximum of open sockets");
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            "too many open WebSocket connections; try again later",
        )
            .into_response();
    };
    let settings = state.websocket.clone();
    upgrade
        .protocols(async_graphql::http::ALL_WEBSOCKET_PROTOCOLS)
        .max_message_size(settings.max_message_bytes)
        .max_frame_size(settings.max_message_bytes)
        // Small buffers: an idle subscriber should cost kilobytes, not the
        // default 128 KiB each way; they grow for a large message and shrink back.
        .read_buffer_size(4 * 1024)
        .write_buffer_size(0)
        .on_upgrade(move |socket| serve(state, socket, protocol, identity, session, permit))
}

/// How the input side of a socket ended.
#[derive(Default)]
struct InputEnd {
    too_big: AtomicBool,
}

async fn serve(
    state: AppState,
    socket: WebSocket,
    protocol: Protocols,
    identity: Identity,
    session: Option<String>,
    _permit: OwnedSemaphorePermit,
) {
    state.metrics.websocket_opened();
    let settings = state.websocket.clone();
    let (mut sink, source) = socket.split();
    let input_end = Arc::new(InputEnd::default());
    let input = {
        let input_end = input_end.clone();
        source
            .take_while(move |message| {
                if let Err(err) = message
                    && is_capacity_error(err)
                {
                    input_end.too_big.store(true, Ordering::Relaxed);
                }
                future::ready(message.is_ok())
            })
            .filter_map(|message| {
                future::ready(match message {
                    Ok(Message::Text(text)) => Some(text.as_bytes().to_vec()),
                    Ok(Message::Binary(bytes)) => Some(bytes.to_vec()),
                    _ => None,
                })
            })
    };

    // The token the socket acts for, as set by the upgrade or `connection_init`.
    let token: Arc<Mutex<Option<Credential>>> = Arc::new(Mutex::new(identity.credential()));
    let acknowledged = Arc::new(AtomicBool::new(false));
    let on_init = {
        let (db, token, acknowledged) = (state.db.clone(), token.clone(), acknowledged.clone());
        let slots = settings.max_subscriptions_per_socket;
        let state = state.clone();
        move |payload: serde_json::Value| async move {
            let csrf = payload.get("csrfToken").and_then(serde_json::Value::as_str);
            let identity = match (bearer_from_init(&payload), session, csrf) {
                (Some(header), _, _) => auth::authenticate(db.conn(), Some(&header))
                    .await
                    .map_err(|err| async_graphql::Error::from(ApiError::from(err)))?,
                (None, Some(secret), Some(csrf)) => super::staff::session_identity(&state, &secret, csrf)
                    .await
                    .map_err(async_graphql::Error::from)?,
                _ => identity,
            };
            *token.lock().await = identity.credential();
            acknowledged.store(true, Ordering::Relaxed);
            let mut data = async_graphql::Data::default();
            data.insert(identity);
            data.insert(Loaders::new(&db));
            data.insert(SubscriptionSlots::new(slots));
            Ok(data)
        }
    };
    let messages = GraphqlSocket::new(state.schema.clone(), input, protocol).on_connection_init(on_init);
    futures_util::pin_mut!(messages);

    let init_deadline = tokio::time::sleep(settings.connection_init_timeout);
    futures_util::pin_mut!(init_deadline);
    let mut keepalive = tokio::time::interval(settings.keepalive_interval);
    keepalive.reset();
    let mut token_check = tokio::time::interval(TOKEN_RECHECK);
    token_check.reset();
    let mut shutdown = state.shutdown.subscribe();

    let closing: Option<(u16, &str)> = loop {
        tokio::select! {
            message = messages.next() => match message {
                Some(WsMessage::Text(text)) => {
                    if sink.send(Message::Text(text.into())).await.is_err() {
                        break None;
                    }
                }
                Some(WsMessage::Close(code, reason)) => {
                    let _ = sink.send(close_frame(code, &reason)).await;
                    break None;
                }
                None if input_end.too_big.load(Ordering::Relaxed) => {
                    break Some((close::TOO_BIG, "message too big"));
                }
                None => break None,
            },
            () = &mut init_deadline, if !acknowledged.load(Ordering::Relaxed) => {
                break Some((close::INIT_TIMEOUT, "Connection initialisation timeout"));
            }
            _ = keepalive.tick() => {
                if sink.send(Message::Ping(Default::default())).await.is_err() {
                    break None;
                }
            }
            _ = token_check.tick() => {
                let current = *token.lock().await;
                if let Some(credential) = current
                    && matches!(auth::still_valid(state.db.conn(), credential).await, Ok(false))
                {
                    break Some((close::FORBIDDEN, "Forbidden: the token was revoked or the session ended"));
                }
            }
            _ = shutdown.changed() => {
                break Some((close::GOING_AWAY, "the server is shutting down"));
            }
        }
    };
    if let Some((code, reason)) = closing {
        let _ = sink.send(close_frame(code, reason)).await;
    }
    let _ = sink.close().await;
    state.metrics.websocket_closed();
}

fn is_capacity_error(err: &axum::Error) -> bool {
    // axum wraps tungstenite's error; its text is the only public handle on the kind.
    let text = err.to_string();
    text.contains("Space limit exceeded") || text.contains("too long") || text.contains("too big")
}

fn close_frame(code: u16, reason: &str) -> Message {
    Message::Close(Some(CloseFrame {
        code,
        reason: reason.to_owned().into(),
    }))
}

/// `{"Authorization": "Bearer <token>"}` (any case), or `{"token": "<token>"}`.
fn bearer_from_init(payload: &serde_json::Value) -> Option<String> {
    let object = payload.as_object()?;
    for (key, value) in object {
        let Some(value) = value.as_str() else { continue };
        match key.to_ascii_lowercase().as_str() {
            "authorization" => return Some(value.to_owned()),
            "token" | "authtoken" => return Some(format!("Bearer {value}")),
            _ => {}
        }
    }
    None
}
