//! The HTTP side: axum router, authentication of each request, middleware, and
//! graceful shutdown.

use std::time::Duration;

use async_graphql::http::ALL_WEBSOCKET_PROTOCOLS;
use async_graphql_axum::{GraphQLProtocol, GraphQLRequest, GraphQLResponse, GraphQLWebSocket};
use axum::extract::FromRequestParts;
use axum::extract::State;
use axum::extract::ws::WebSocketUpgrade;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use tokio::net::TcpListener;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultMakeSpan, DefaultOnResponse, TraceLayer};
use tracing::Level;

use crate::auth::{self, AuthError};
use crate::db::Database;
use crate::events::EventBus;
use crate::events::webhooks::{self, WebhookSettings};
use crate::graphiql;
use crate::graphql::error::ApiError;
use crate::graphql::loader::Loaders;
use crate::graphql::{AppSchema, build_schema};

/// HTTP settings, with the defaults `serve` uses.
#[derive(Debug, Clone)]
pub struct HttpSettings {
    pub body_limit_bytes: usize,
    pub request_timeout: Duration,
    /// Empty or `*` means any origin.
    pub cors_allowed_origins: Vec<String>,
}

impl Default for HttpSettings {
    fn default() -> Self {
        Self {
            body_limit_bytes: 1024 * 1024,
            request_timeout: Duration::from_secs(30),
            cors_allowed_origins: vec![],
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub db: Database,
    pub schema: AppSchema,
    pub bus: EventBus,
}

impl AppState {
    pub fn new(db: Database) -> Self {
        let bus = EventBus::new();
        Self {
            schema: build_schema(db.clone(), bus.clone()),
            db,
            bus,
        }
    }

    /// Starts this instance's background work: the event tailer (and listener) that
    /// feeds subscriptions, and the webhook delivery worker.
    pub async fn start_background(&self, webhooks: WebhookSettings) -> Result<(), sea_orm::DbErr> {
        self.bus.start(self.db.clone()).await?;
        webhooks::start_worker(self.db.clone(), self.bus.clone(), webhooks);
        Ok(())
    }

    /// Runs one GraphQL request as the caller named by an `Authorization` header
    /// value, with fresh loaders. A bad token is refused, never served as the public.
    pub async fn execute(
        &self,
        authorization: Option<&str>,
        request: async_graphql::Request,
    ) -> Result<async_graphql::Response, ApiError> {
        let identity = auth::authenticate(self.db.conn(), authorization).await?;
        let request = request.data(identity).data(Loaders::new(&self.db));
        Ok(self.schema.execute(request).await)
    }
}

/// The whole application as a router: `/graphql` (POST queries, GET GraphiQL),
/// GraphiQL's files under `/graphiql/` and `/healthz`.
pub fn app(state: AppState, settings: &HttpSettings) -> Router {
    Router::new()
        .route("/graphql", get(graphql_get).post(graphql))
        .merge(graphiql::routes())
        .route("/healthz", get(healthz))
        .with_state(state)
        .layer(cors(&settings.cors_allowed_origins))
        .layer(RequestBodyLimitLayer::new(settings.body_limit_bytes))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            settings.request_timeout,
        ))
        .layer(
            // One INFO line per request: method, path, status and latency.
            TraceLayer::new_for_http()
                .make_span_with(DefaultMakeSpan::new().level(Level::INFO))
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
}

fn cors(origins: &[String]) -> CorsLayer {
    let allow_origin = if origins.is_empty() || origins.iter().any(|o| o == "*") {
        AllowOrigin::any()
    } else {
        AllowOrigin::list(
            origins
                .iter()
                .filter_map(|o| HeaderValue::from_str(o.trim()).ok()),
        )
    };
    CorsLayer::new()
        .allow_origin(allow_origin)
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE])
        .max_age(Duration::from_secs(3600))
}

/// `GET /graphql`: a WebSocket upgrade starts a subscription connection;
/// anything else gets GraphiQL.
async fn graphql_get(State(state): State<AppState>, request: axum::extract::Request) -> Response {
    let (mut parts, _body) = request.into_parts();
    let upgrade = parts.headers.get(header::UPGRADE).and_then(|v| v.to_str().ok());
    if !upgrade.is_some_and(|v| v.eq_ignore_ascii_case("websocket")) {
        return graphiql::page(&parts.headers);
    }
    let protocol = match GraphQLProtocol::from_request_parts(&mut parts, &state).await {
        Ok(protocol) => protocol,
        Err(rejection) => return rejection.into_response(),
    };
    let upgrade = match WebSocketUpgrade::from_request_parts(&mut parts, &state).await {
        Ok(upgrade) => upgrade,
        Err(rejection) => return rejection.into_response(),
    };
    let (schema, db) = (state.schema.clone(), state.db.clone());
    upgrade
        .protocols(ALL_WEBSOCKET_PROTOCOLS)
        .on_upgrade(move |socket| {
            GraphQLWebSocket::new(socket, schema, protocol)
                .on_connection_init(move |payload| async move {
                    // The token comes in `connection_init`, as browsers cannot set headers.
                    let header = bearer_from_init(&payload);
                    let identity = auth::authenticate(db.conn(), header.as_deref())
                        .await
                        .map_err(|err| async_graphql::Error::from(ApiError::from(err)))?;
                    let mut data = async_graphql::Data::default();
                    data.insert(identity);
                    data.insert(Loaders::new(&db));
                    Ok(data)
                })
                .serve()
        })
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

/// `POST /graphql`: a bad token is answered 401 with an `UNAUTHENTICATED` error.
async fn graphql(State(state): State<AppState>, headers: HeaderMap, request: GraphQLRequest) -> Response {
    let header = match headers.get(header::AUTHORIZATION).map(|v| v.to_str()) {
        None => None,
        Some(Ok(value)) => Some(value),
        Some(Err(_)) => return refusal(ApiError::from(AuthError::Malformed)),
    };
    match state.execute(header, request.into_inner()).await {
        Ok(response) => GraphQLResponse::from(response).into_response(),
        Err(err) => refusal(err),
    }
}

fn refusal(err: ApiError) -> Response {
    let status = match err {
        ApiError::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    let mut response = (status, Json(err.to_response_body())).into_response();
    if status == StatusCode::UNAUTHORIZED {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    }
    response
}

/// 200 when the database answers, 503 when it does not.
async fn healthz(State(state): State<AppState>) -> Response {
    match state.db.ping().await {
        Ok(()) => Json(serde_json::json!({ "status": "ok" })).into_response(),
        Err(err) => {
            tracing::error!(error = %err, "health check: database unreachable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(serde_json::json!({ "status": "database unavailable" })),
            )
                .into_response()
        }
    }
}

/// Serves until `shutdown` resolves, then finishes the requests in flight.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, app).with_graceful_shutdown(shutdown).await
}

/// Resolves on SIGINT (Ctrl-C) or SIGTERM. The handlers are installed when this is
/// called, not when it is first polled, so a signal that arrives while the server
/// starts is not lost.
pub fn shutdown_signal() -> impl Future<Output = ()> + Send + 'static {
    #[cfg(unix)]
    let signals = {
        use tokio::signal::unix::{SignalKind, signal};
        (
            signal(SignalKind::interrupt()).ok(),
            signal(SignalKind::terminate()).ok(),
        )
    };
    async move {
        #[cfg(unix)]
        {
            let (mut interrupt, mut terminate) = signals;
            tokio::select! {
                Some(()) = async { interrupt.as_mut()?.recv().await } => {},
                Some(()) = async { terminate.as_mut()?.recv().await } => {},
                else => std::future::pending::<()>().await,
            }
        }
        #[cfg(not(unix))]
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
        tracing::info!("shutting down: finishing requests in flight");
    }
}
