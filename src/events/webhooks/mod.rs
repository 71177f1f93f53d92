//! Webhooks: admins register URLs with event filters, and every change event that
//! matches a webhook gets a row in the `webhook_delivery` outbox.
//!
//! The outbox is filled by the webhook consumer of the event log
//! ([`WebhookConsumer`]), not by the writes themselves: it reads the log after its
//! durable checkpoint and queues the deliveries in the transaction that advances
//! the checkpoint, so no committed change misses its deliveries, a restart loses
//! none and doubles none. A webhook gets the events after the log's head when it
//! was registered or switched back on (`after_seq`, read under the content writers'
//! lock, so that no write is half done then); events the consumer has not yet
//! handed over when a webhook is deactivated or its filters change are judged by
//! the webhook as it is when they are.
//!
//! Each instance runs the consumer and one delivery worker. The worker wakes when
//! the consumer queued deliveries, when one of its own deliveries finishes or is
//! due for a retry, and every second anyway. It claims a due delivery with one conditional `UPDATE`
//! (`locked_until` in the future) and proceeds only if that changed exactly one row,
//! so several instances on one PostgreSQL database send each delivery once. The
//! deliveries of one webhook go out in event order: only the oldest pending one of
//! each webhook is ever sent.
//!
//! A delivery is an HTTP `POST` of the event as JSON, with the headers
//! `X-Clinic-Event: <seq>` and `X-Clinic-Signature: t=<unix seconds>,v1=<hex>`, where
//! `<hex>` is HMAC-SHA256 keyed with the webhook's secret over `"<t>.<body>"`. A 2xx
//! answer delivers it; anything else (another status, a timeout, a refused
//! connection) is retried after `min(retry_base · 2^(attempts−1), retry_max)`, until
//! `max_attempts` attempts have failed and the delivery is marked `FAILED`.
//!
//! Deliveries reach only public addresses, plus what the operator's allow-list
//! names (see `destination.rs`); a delivery to any other address fails at once,
//! unsent. Redirects are not followed and no response body is read, so a webhook
//! cannot be used to look into the server's own network.

mod destination;
mod outbox;
pub use outbox::backlog;
mod worker;

pub use destination::*;
pub use outbox::*;
pub use worker::*;

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use entity::webhook_delivery::{self, Column as DeliveryColumn, Entity as Deliveries};
use entity::{DeliveryStatus, DocumentType, EventAction, Stage, webhook};
use rand::RngCore;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel,
    QueryFilter, QueryOrder, QuerySelect,
};
use serde::Serialize;
use uuid::Uuid;

use crate::db::Database;

/// The header carrying the event's sequence number (a receiver's idempotency key).
pub const EVENT_HEADER: &str = "X-Clinic-Event";
/// The header carrying `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.
pub const SIGNATURE_HEADER: &str = "X-Clinic-Signature";
/// Webhook secrets start with this, so that they are recognisable in configuration.
pub const SECRET_PREFIX: &str = "whsec_";
/// How long past an attempt's timeout a claim stays locked (for the database writes around it).
const LOCK_MARGIN: Duration = Duration::from_secs(10);
/// The longest a pending delivery waits to be noticed without any wake-up.
const POLL_INTERVAL: Duration = Duration::from_secs(1);
/// How many due deliveries one pass of the worker looks at.
const BATCH: u64 = 100;
/// `last_error` is cut to this many characters.
const MAX_ERROR_CHARS: usize = 300;

// ---------------------------------------------------------------------------
// Registration (admin operations)
// ---------------------------------------------------------------------------

#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
    #[error("no {0}")]
    NotFound(String),
    #[error("database error")]
    Database(#[from] DbErr),
}

impl WebhookError {
    fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self::Invalid {
            field: field.to_owned(),
            message: message.into(),
        }
    }
}

pub type Result<T, E = WebhookError> = std::result::Result<T, E>;

/// Which events a webhook receives; an empty list means all.
#[derive(Debug, Clone, Default)]
pub struct Filters {
    pub document_types: Vec<DocumentType>,
    pub actions: Vec<EventAction>,
    pub stages: Vec<Stage>,
}

/// Changes to a webhook; `None` leaves a setting as it is.
#[derive(Debug, Clone, Default)]
pub struct WebhookChanges {
    pub url: Option<String>,
    pub document_types: Option<Vec<DocumentType>>,
    pub actions: Option<Vec<EventAction>>,
    pub stages: Option<Vec<Stage>>,
    pub active: Option<bool>,
}

/// Checks a webhook URL: absolute `http` or `https` with a host that, if it is an IP
/// literal or `localhost`, the allow-list allows; within its column's limit and free
/// of NUL. Returns it trimmed.
pub fn validate_url(url: &str, allowed: &AllowList) -> Result<String> {
    let url = url.trim();
    let limit = entity::limits::WEBHOOK_URL;
    if url.is_empty() || !limit.admits(url) {
        return Err(WebhookError::invalid(
            "url",
            format!("must be 1–{} characters, without NUL", limit.max_chars),
        ));
    }
    let parsed = reqwest::Url::parse(url)
        .map_err(|_| WebhookError::invalid("url", "must be an absolute http or https URL"))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(WebhookError::invalid("url", "must use http or https"));
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(WebhookError::invalid("url", "must name a host"));
    }
    allowed
        .check_url(&parsed)
        .map_err(|refused| WebhookError::invalid("url", refused.to_string()))?;
    Ok(url.to_owned())
}

fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("{SECRET_PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes))
}

/// A filter as stored: a JSON array of the names, without repeats.
fn filter_json<T: Serialize + PartialEq>(values: &[T]) -> serde_json::Value {
    let mut unique: Vec<&T> = Vec::new();
    for value in values {
        if !unique.contains(&value) {
            unique.push(value);
        }
    }
    serde_json::to_value(unique).unwrap_or_else(|_| serde_json::Value::Array(vec![]))
}

/// A stored filter read back; names this version does not know are skipped.
pub fn filter_values<T: serde::de::DeserializeOwned>(json: &serde_json::Value) -> Vec<T> {
    json.as_array()
        .map(|values| {
            values
                .iter()
                .filter_map(|v| serde_json::from_value(v.clone()).ok())
                .collect()
        })
        .unwrap_or_default()
}

/// Each filter holds at most as many names as any list argument.
fn check_filter_len(field: &str, len: usize) -> Result<()> {
    let max = crate::content::validate::MAX_LIST_LEN;
    if len > max {
        return Err(WebhookError::invalid(
            field,
            format!("must hold at most {max} entries, got {len}"),
        ));
    }
    Ok(())
}

/// Registers a webhook. Returns it with its signing secret.
pub async fn create(
    db: &Database,
    allowed: &AllowList,
    url: &str,
    filters: &Filters,
) -> Result<(webhook::Model, String)> {
    let url = validate_url(url, allowed)?;
    check_filter_len("documentTypes", filters.document_types.len())?;
    check_filter_len("actions", filters.actions.len())?;
    check_filter_len("stages", filters.stages.len())?;
    let secret = new_secret();
    // Ordered like content writes, so that no write is half done when it reads
    // where the log stands: the webhook gets exactly the events committed after.
    let txn = db.begin_content_write().await?;
    let model = webhook::ActiveModel {
        id: Set(Uuid::now_v7()),
        url: Set(url),
        secret: Set(secret.clone()),
        document_types: Set(filter_json(&filters.document_types)),
        actions: Set(filter_json(&filters.actions)),
        stages: Set(filter_json(&filters.stages)),
        active: Set(true),
        created_at: Set(crate::content::now()),
        after_seq: Set(crate::log::last_seq(&*txn).await?),
    };
    let model = webhook::Entity::insert(model).exec_with_returning(&*txn).await?;
    txn.commit().await?;
    Ok((model, secret))
}

fn not_found(id: Uuid) -> WebhookError {
    WebhookError::NotFound(format!("webhook with id {id}"))
}

pub async fn update(
    db: &Database,
    allowed: &AllowList,
    id: Uuid,
    changes: WebhookChanges,
) -> Result<webhook::Model> {
    let url = changes
        .url
        .as_deref()
        .map(|url| validate_url(url, allowed))
        .transpose()?;
    check_filter_len(
        "documentTypes",
        changes.document_types.as_ref().map_or(0, Vec::len),
    )?;
    check_filter_len("actions", changes.actions.as_ref().map_or(0, Vec::len))?;
    check_filter_len("stages", changes.stages.as_ref().map_or(0, Vec::len))?;
    // Ordered like content writes: switching a webhook on reads where the log stands.
    let txn = db.begin_content_write().await?;
    let current = webhook::Entity::find_by_id(id)
        .one(&*txn)
        .await?
        .ok_or_else(|| not_found(id))?;
    let switched_on = changes.active == Some(true) && !current.active;
    let mut model = current.into_active_model();
    if switched_on {
        // Like a new registration, it gets what happens from now on.
        model.after_seq = Set(crate::log::last_seq(&*txn).await?);
    }
    if let Some(url) = url {
        model.url = Set(url);
    }
    if let Some(types) = &changes.document_types {
        model.document_types = Set(filter_json(types));
    }
    if let Some(actions) = &changes.actions {
        model.actions = Set(filter_json(actions));
    }
    if let Some(stages) = &changes.stages {
        model.stages = Set(filter_json(stages));
    }
    if let Some(active) = changes.active {
        model.active = Set(active);
    }
    let model = model.update(&*txn).await?;
    txn.commit().await?;
    Ok(model)
}

/// Deletes a webhook with all its deliveries, sent or not. Returns what it was.
pub async fn delete(db: &Database, id: Uuid) -> Result<webhook::Model> {
    let txn = db.begin_write().await?;
    let current = webhook::Entity::find_by_id(id)
        .one(&*txn)
        .await?
        .ok_or_else(|| not_found(id))?;
    Deliveries::delete_many()
        .filter(DeliveryColumn::WebhookId.eq(id))
        .exec(&*txn)
        .await?;
    webhook::Entity::delete_by_id(id).exec(&*txn).await?;
    txn.commit().await?;
    Ok(current)
}

/// Every webhook, oldest first.
pub async fn list(db: &impl ConnectionTrait) -> Result<Vec<webhook::Model>> {
    Ok(webhook::Entity::find()
        .order_by_asc(webhook::Column::CreatedAt)
        .order_by_asc(webhook::Column::Id)
        .all(db)
        .await?)
}

/// The newest deliveries (by event), optionally of one webhook and in one status.
pub async fn deliveries(
    db: &impl ConnectionTrait,
    webhook_id: Option<Uuid>,
    status: Option<DeliveryStatus>,
    first: u64,
) -> Result<Vec<webhook_delivery::Model>> {
    let mut query = Deliveries::find();
    if let Some(id) = webhook_id {
        query = query.filter(DeliveryColumn::WebhookId.eq(id));
    }
    if let Some(status) = status {
        query = query.filter(DeliveryColumn::Status.eq(status));
    }
    Ok(query
        .order_by_desc(DeliveryColumn::EventSeq)
        .order_by_asc(DeliveryColumn::WebhookId)
        .limit(first)
        .all(db)
        .await?)
}

/// Puts a failed delivery back in the queue, due now, with a fresh set of attempts.
pub async fn retry(db: &Database, id: Uuid) -> Result<webhook_delivery::Model> {
    let txn = db.begin_write().await?;
    let current = Deliveries::find_by_id(id)
        .one(&*txn)
        .await?
        .ok_or_else(|| WebhookError::NotFound(format!("webhook delivery with id {id}")))?;
    if current.status != DeliveryStatus::Failed {
        return Err(WebhookError::invalid(
            "id",
            "only a FAILED delivery can be retried; this one is not",
        ));
    }
    let mut model = current.into_active_model();
    model.status = Set(DeliveryStatus::Pending);
    model.attempts = Set(0);
    model.next_attempt_at = Set(crate::content::now());
    model.locked_until = Set(None);
    let model = model.update(&*txn).await?;
    txn.commit().await?;
    Ok(model)
}
