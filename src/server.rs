//! The HTTP side: axum router, authentication of each request, middleware, and
//! graceful shutdown. GraphQL over HTTP, the WebSocket and the operators'
//! endpoints each have a module below.

mod documents;
pub mod editor;
mod graphql_http;
mod health;
mod http_cache;
mod persisted;
pub mod staff;
mod websocket;

use std::sync::Arc;
use std::time::Duration;

use async_graphql::http::WebSocketProtocols;
use axum::Router;
use axum::body::Bytes;
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{FromRequestParts, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

pub use self::graphql_http::{GRAPHQL_RESPONSE_JSON, MediaType};
pub use self::http_cache::CacheSettings;
pub use self::persisted::Manifest;
pub use self::staff::StaffSettings;
pub use self::websocket::WebSocketSettings;
use crate::auth;
use crate::cache::{CacheBudgets, Caches, ReadSet};
use crate::db::Database;
use crate::events::Subscribers;
use crate::events::webhooks::{self, AllowList, WebhookSettings};
use crate::graphiql;
use crate::graphql::error::ApiError;
use crate::graphql::limits::{ParseLane, QueryLimits};
use crate::graphql::loader::Loaders;
use crate::graphql::{AppSchema, SchemaSettings, build_schema};
use crate::log::EventBus;
use crate::observe::Metrics;

/// HTTP settings, with the defaults `serve` uses.
#[derive(Debug, Clone)]
pub struct HttpSettings {
    pub body_limit_bytes: usize,
    pub request_timeout: Duration,
    /// Empty or `*` means any origin.
    pub cors_allowed_origins: Vec<String>,
    /// What one GraphQL document may cost (HTTP and WebSocket).
    pub limits: QueryLimits,
    pub websocket: WebSocketSettings,
    /// Production mode: no introspection, no field suggestions, no GraphiQL.
    pub production: bool,
    /// After a shutdown signal, how long requests and sockets in flight may take.
    pub shutdown_timeout: Duration,
    /// Webhook destinations allowed despite the rule against internal addresses.
    pub webhook_allow_list: AllowList,
    /// How long browsers and CDNs may keep public answers.
    pub cache: CacheSettings,
    /// How many persisted-query documents an instance keeps (0 turns them off).
    pub persisted_queries: usize,
    /// Operations registered ahead of time (a persisted-query manifest).
    pub persisted_manifest: Manifest,
    /// Allow-list mode: the public may run the manifest's operations only.
    pub registered_operations_only: bool,
    /// How large the response and object caches may grow (zero turns one off).
    pub caches: CacheBudgets,
    /// When reviews fall due, and whether publishing waits for them.
    pub review_rules: crate::content::review::ReviewRules,
    /// How often this instance records reviews that have fallen due.
    pub review_check: Duration,
    /// Staff sign-in: session length, cookie, throttle.
    pub staff: StaffSettings,
    /// Where the web editor is served (`/editor`); `None` turns it off.
    pub editor_path: Option<String>,
}

impl Default for HttpSettings {
    fn default() -> Self {
        Self {
            body_limit_bytes: 1024 * 1024,
            request_timeout: Duration::from_secs(30),
            cors_allowed_origins: vec![],
            limits: QueryLimits::default(),
            websocket: WebSocketSettings::default(),
            production: false,
            shutdown_timeout: Duration::from_secs(10),
            webhook_allow_list: AllowList::default(),
            cache: CacheSettings::default(),
            persisted_queries: 1_000,
            persisted_manifest: Manifest::default(),
            registered_operations_only: false,
            review_rules: crate::content::review::ReviewRules::default(),
            review_check: Duration::from_secs(3600),
            caches: CacheBudgets::default(),
            staff: StaffSettings::default(),
            editor_path: Some(editor::DEFAULT_PATH.to_owned()),
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub db: Database,
    pub schema: AppSchema,
    /// The instance's tail of the event log; the caches and `subscribers` consume it.
    pub bus: EventBus,
    /// The instance's subscribers to committed events (GraphQL subscriptions).
    pub subscribers: Subscribers,
    pub metrics: Metrics,
    /// Public reads from memory; armed once the event log is tailed.
    pub caches: Arc<Caches>,
    /// Webhook destinations allowed despite the rule against internal addresses.
    pub webhook_allow_list: AllowList,
    limits: Arc<QueryLimits>,
    cache: Arc<CacheSettings>,
    persisted: persisted::PersistedQueries,
    /// Parsed documents, so a repeated query is parsed once.
    documents: documents::ParsedDocuments,
    /// Where long documents are parsed, one at a time (the schema's guard shares it).
    parse_lane: ParseLane,
    websocket: Arc<WebSocketSettings>,
    websocket_slots: Arc<Semaphore>,
    production: bool,
    /// Flips to `true` when the server begins to shut down; sockets close then.
    shutdown: Arc<watch::Sender<bool>>,
    review_check: Duration,
    /// Staff sign-in settings and this instance's throttle of failed sign-ins.
    pub staff: Arc<staff::Staff>,
}

impl AppState {
    /// The state with the default settings (webhooks reach public addresses only).
    pub fn new(db: Database) -> Self {
        Self::with_settings(db, &HttpSettings::default())
    }

    /// The default settings, with webhooks also reaching what `webhook_allow_list` names.
    pub fn with_webhook_allow_list(db: Database, webhook_allow_list: AllowList) -> Self {
        Self::with_settings(
            db,
            &HttpSettings {
                webhook_allow_list,
                ..HttpSettings::default()
            },
        )
    }

    pub fn with_settings(db: Database, settings: &HttpSettings) -> Self {
        let bus = EventBus::new();
        let metrics = Metrics::new();
        let parse_lane = ParseLane::default();
        let schema_settings = SchemaSettings {
            limits: settings.limits.clone(),
            production: settings.production,
            webhook_allow_list: settings.webhook_allow_list.clone(),
            parse_lane: parse_lane.clone(),
            review_rules: settings.review_rules,
            editor_path: crate::graphql::EditorPath(
                settings
                    .editor_path
                    .clone()
                    .unwrap_or_else(|| editor::DEFAULT_PATH.to_owned()),
            ),
        };
        let caches = Arc::new(Caches::new(settings.caches, &metrics));
        let subscribers = Subscribers::new();
        // The caches first: nobody hears of a change while a cache serves what it replaced.
        bus.add_consumer(caches.clone());
        bus.add_consumer(Arc::new(subscribers.clone()));
        Self {
            schema: build_schema(
                db.clone(),
                bus.clone(),
                subscribers.clone(),
                &schema_settings,
                metrics.clone(),
            ),
            db,
            bus,
            subscribers,
            metrics,
            caches,
            webhook_allow_list: settings.webhook_allow_list.clone(),
            limits: Arc::new(settings.limits.clone()),
            cache: Arc::new(settings.cache.clone()),
            persisted: persisted::PersistedQueries::with_manifest(
                settings.persisted_queries,
                settings.persisted_manifest.clone(),
                settings.registered_operations_only,
            ),
            documents: documents::ParsedDocuments::new(500),
            parse_lane,
            websocket: Arc::new(settings.websocket.clone()),
            websocket_slots: Arc::new(Semaphore::new(settings.websocket.max_connections)),
            production: settings.production,
            shutdown: Arc::new(watch::channel(false).0),
            review_check: settings.review_check,
            staff: staff::new_staff(settings.staff.clone()),
        }
    }

    /// Starts this instance's background work: the event tailer (and listener) that
    /// feeds the caches and subscriptions, and the webhook consumer and delivery
    /// worker.
    pub async fn start_background(&self, webhooks: WebhookSettings) -> Result<(), sea_orm::DbErr> {
        self.bus.start(self.db.clone()).await?;
        // From here every committed event evicts what it changes, so caching is safe.
        self.caches.arm();
        webhooks::start(
            self.db.clone(),
            &self.bus,
            webhooks,
            self.webhook_allow_list.clone(),
        );
        self.start_review_clock();
        Ok(())
    }

    /// Records `REVIEW_DUE` for reviews that have fallen due, now and then every
    /// `review_check`, until shutdown.
    fn start_review_clock(&self) {
        let db = self.db.clone();
        let every = self.review_check;
        let mut stopping = self.shutdown.subscribe();
        tokio::spawn(async move {
            loop {
                match crate::content::review::check_due(&db, crate::content::review::today()).await {
                    Ok(fallen) if !fallen.is_empty() => {
                        tracing::info!(count = fallen.len(), "reviews fell due")
                    }
                    Ok(_) => {}
                    Err(err) => tracing::warn!(error = %err, "could not check for reviews falling due"),
                }
                tokio::select! {
                    () = tokio::time::sleep(every) => {}
                    _ = stopping.changed() => return,
                }
            }
        });
    }

    /// Runs one GraphQL request as the caller named by an `Authorization` header
    /// value, with fresh loaders. A bad token is refused, never served as the public.
    pub async fn execute(
        &self,
        authorization: Option<&str>,
        request: async_graphql::Request,
    ) -> Result<async_graphql::Response, ApiError> {
        self.execute_noting(authorization, request, Arc::default()).await
    }

    /// Like [`execute`](Self::execute), noting in `reads` what the request read of
    /// the published content (its answer's dependencies).
    pub async fn execute_noting(
        &self,
        authorization: Option<&str>,
        request: async_graphql::Request,
        reads: Arc<ReadSet>,
    ) -> Result<async_graphql::Response, ApiError> {
        let identity = auth::authenticate(self.db.conn(), authorization).await?;
        Ok(self.execute_as(identity, request, reads).await)
    }

    /// Runs one GraphQL request as `identity` (already authenticated), with fresh
    /// loaders, noting in `reads` what it read of the published content.
    pub async fn execute_as(
        &self,
        identity: auth::Identity,
        request: async_graphql::Request,
        reads: Arc<ReadSet>,
    ) -> async_graphql::Response {
        let loaders = Loaders::with_cache(&self.db, self.caches.objects().cloned(), reads);
        let request = request.data(identity).data(loaders);
        self.schema.execute(request).await
    }

    /// Tells open WebSockets to close (with a close frame) because the server stops.
    pub fn begin_shutdown(&self) {
        self.shutdown.send_replace(true);
    }
}

/// The whole application as a router: `/graphql` (POST and GET queries, GET
/// GraphiQL, WebSocket upgrades), GraphiQL's files under `/graphiql/`, the web
/// editor (`/editor/`) and its sign-in (`/auth/…`), `/healthz`, `/readyz` and `/metrics`.
pub fn app(state: AppState, settings: &HttpSettings) -> Router {
    let request_id = HeaderName::from_static("x-request-id");
    let mut router = Router::new()
        .route("/graphql", get(graphql_get).post(graphql_post))
        .merge(graphiql::routes())
        .merge(staff::routes());
    if let Some(path) = &settings.editor_path {
        router = router.merge(editor::routes(path));
    }
    router
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(health::metrics))
        .with_state(state)
        .layer(cors(&settings.cors_allowed_origins))
        .layer(RequestBodyLimitLayer::new(settings.body_limit_bytes))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            settings.request_timeout,
        ))
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(
            // One INFO line per request: method, path, request id, status and latency.
            TraceLayer::new_for_http()
                .make_span_with(|request: &axum::http::Request<_>| {
                    let id = request
                        .headers()
                        .get("x-request-id")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("");
                    tracing::info_span!("request", method = %request.method(), uri = %request.uri().path(), request_id = %id)
                })
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
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
    // Credentials are never allowed: tokens travel in `Authorization`, which a
    // page must set itself, so no ambient cookie can act for a user cross-site.
    CorsLayer::new()
        .allow_origin(allow_origin)
        .allow_methods([Method::GET, Method::POST])
        // The headers GraphQL clients send: Apollo's preflight markers, and
        // conditional requests for cached answers.
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::ACCEPT,
            header::IF_NONE_MATCH,
            HeaderName::from_static("x-request-id"),
            HeaderName::from_static("apollo-require-preflight"),
            HeaderName::from_static("x-apollo-operation-name"),
        ])
        .expose_headers([HeaderName::from_static("x-request-id")])
        .max_age(Duration::from_secs(3600))
}

/// `GET /graphql`: a WebSocket upgrade starts a subscription connection; a
/// `query` parameter runs a query; a browser gets GraphiQL (unless in production).
async fn graphql_get(State(state): State<AppState>, request: axum::extract::Request) -> Response {
    let (mut parts, _body) = request.into_parts();
    let upgrade = parts.headers.get(header::UPGRADE).and_then(|v| v.to_str().ok());
    if upgrade.is_some_and(|v| v.eq_ignore_ascii_case("websocket")) {
        let protocol = parts
            .headers
            .get(header::SEC_WEBSOCKET_PROTOCOL)
            .and_then(|value| value.to_str().ok())
            .and_then(|protocols| {
                protocols
                    .split(',')
                    .find_map(|p| p.trim().parse::<WebSocketProtocols>().ok())
            });
        let Some(protocol) = protocol else {
            return (
                StatusCode::BAD_REQUEST,
                "name a GraphQL WebSocket subprotocol: graphql-transport-ws (or graphql-ws)",
            )
                .into_response();
        };
        let upgrade = match WebSocketUpgrade::from_request_parts(&mut parts, &state).await {
            Ok(upgrade) => upgrade,
            Err(rejection) => return rejection.into_response(),
        };
        let authorization = parts
            .headers
            .get(header::AUTHORIZATION)
            .map(|v| v.to_str().map(str::to_owned).map_err(|_| ()));
        let session = staff::session_cookie(&parts.headers);
        return websocket::upgrade(state, upgrade, protocol, authorization, session).await;
    }
    let query_string = parts.uri.query().unwrap_or("");
    let wants_page = parts
        .headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"));
    if query_string.is_empty() && wants_page {
        if state.production {
            return (StatusCode::NOT_FOUND, "GraphiQL is off in production mode").into_response();
        }
        return graphiql::page(&parts.headers);
    }
    let request = graphql_http::from_query_string(query_string);
    graphql_http::respond(&state, Method::GET, &parts.headers, request).await
}

/// `POST /graphql` with a JSON body.
async fn graphql_post(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let request = graphql_http::from_post(&headers, &body);
    graphql_http::respond(&state, Method::POST, &headers, request).await
}

/// Serves until `shutdown` resolves, then finishes the requests in flight.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // With the peer's address, which the sign-in throttle counts by.
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}

/// Serves until `signal` resolves; then closes open WebSockets (with a close
/// frame), lets requests in flight finish, and returns within `deadline` even
/// when some do not.
pub async fn serve_until_stopped(
    listener: TcpListener,
    app: Router,
    state: &AppState,
    signal: impl Future<Output = ()> + Send + 'static,
    deadline: Duration,
) -> std::io::Result<()> {
    let (stopping_tx, stopping_rx) = tokio::sync::oneshot::channel::<()>();
    let sockets = state.clone();
    let shutdown = async move {
        signal.await;
        sockets.begin_shutdown();
        let _ = stopping_tx.send(());
    };
    let server = serve(listener, app, shutdown);
    tokio::pin!(server);
    tokio::select! {
        result = &mut server => result,
        () = async {
            if stopping_rx.await.is_ok() {
                tokio::time::sleep(deadline).await;
            } else {
                std::future::pending::<()>().await;
            }
        } => {
            tracing::warn!(seconds = deadline.as_secs(), "requests still running at the shutdown deadline; exiting anyway");
            Ok(())
        }
    }
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
