//! The operators' endpoints: `/healthz` (the process answers), `/readyz` (it can
//! serve: the database answers and its schema is current) and `/metrics`.

use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::AppState;
use crate::events::webhooks;

/// How long a readiness check waits for the database.
const READY_CHECK_TIMEOUT: Duration = Duration::from_secs(2);

/// 200 while the process serves requests; it does not touch the database, so a
/// database outage does not get healthy instances restarted.
pub async fn healthz() -> Response {
    Json(serde_json::json!({ "status": "ok" })).into_response()
}

/// 200 when the database answers and every migration is applied, 503 otherwise;
/// answers within about two seconds either way.
pub async fn readyz(State(state): State<AppState>) -> Response {
    let check = async {
        state.db.ping().await?;
        state.db.migrations_current().await
    };
    let (status, reason) = match tokio::time::timeout(READY_CHECK_TIMEOUT, check).await {
        Ok(Ok(true)) => (StatusCode::OK, "ready"),
        Ok(Ok(false)) => (StatusCode::SERVICE_UNAVAILABLE, "database schema is not current"),
        Ok(Err(err)) => {
            tracing::warn!(error = %err, "readiness: database unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "database did not answer in time"),
    };
    (status, Json(serde_json::json!({ "status": reason }))).into_response()
}

/// Prometheus text format. The pool and the webhook backlog are read now.
pub async fn metrics(State(state): State<AppState>) -> Response {
    let (in_use, idle) = state.db.pool_usage();
    state.metrics.set_pool(i64::from(in_use), i64::from(idle));
    let backlog = tokio::time::timeout(READY_CHECK_TIMEOUT, webhooks::backlog(state.db.conn())).await;
    if let Ok(Ok(waiting)) = backlog {
        state
            .metrics
            .set_webhook_backlog(i64::try_from(waiting).unwrap_or(i64::MAX));
    }
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
        state.metrics.render(),
    )
        .into_response()
}
