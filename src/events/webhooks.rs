//! Webhooks: admins register URLs with event filters; every change event that
//! matches a webhook gets a row in the `webhook_delivery` outbox, written in the
//! change's own transaction, so no committed change can miss its deliveries and a
//! restart loses none.
//!
//! Each instance runs one delivery worker. It wakes when the event bus announces
//! a committed event, when one of its own deliveries finishes or is due for a retry,
//! and every second anyway. It claims a due delivery with one conditional `UPDATE`
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

use std::collections::{BTreeSet, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, TimeDelta, Utc};
use entity::webhook_delivery::{self, Column as DeliveryColumn, Entity as Deliveries};
use entity::{DeliveryStatus, DocumentType, EventAction, Stage, content_event, webhook};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait,
    IntoActiveModel, QueryFilter, QueryOrder, QuerySelect,
};
use serde::Serialize;
use sha2::Sha256;
use tokio::sync::{Notify, broadcast};
use tokio::time::Instant;
use uuid::Uuid;

use crate::db::Database;
use crate::events::EventBus;

/// The header carrying the event's sequence number (a receiver's idempotency key).
pub const EVENT_HEADER: &str = "X-Clinic-Event";
/// The header carrying `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.
pub const SIGNATURE_HEADER: &str = "X-Clinic-Signature";
/// Webhook secrets start with this, so that they are recognisable in configuration.
pub const SECRET_PREFIX: &str = "whsec_";
/// The longest URL a webhook may have.
const MAX_URL_LEN: usize = 2000;
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

/// Checks a webhook URL: absolute `http` or `https` with a host. Returns it trimmed.
pub fn validate_url(url: &str) -> Result<String> {
    let url = url.trim();
    if url.is_empty() || url.len() > MAX_URL_LEN {
        return Err(WebhookError::invalid(
            "url",
            format!("must be 1–{MAX_URL_LEN} characters"),
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

/// Registers a webhook. Returns it with its signing secret.
pub async fn create(db: &Database, url: &str, filters: &Filters) -> Result<(webhook::Model, String)> {
    let url = validate_url(url)?;
    let secret = new_secret();
    let model = webhook::ActiveModel {
        id: Set(Uuid::now_v7()),
        url: Set(url),
        secret: Set(secret.clone()),
        document_types: Set(filter_json(&filters.document_types)),
        actions: Set(filter_json(&filters.actions)),
        stages: Set(filter_json(&filters.stages)),
        active: Set(true),
        created_at: Set(crate::content::now()),
    };
    let txn = db.begin_write().await?;
    let model = webhook::Entity::insert(model).exec_with_returning(&*txn).await?;
    txn.commit().await?;
    Ok((model, secret))
}

fn not_found(id: Uuid) -> WebhookError {
    WebhookError::NotFound(format!("webhook with id {id}"))
}

pub async fn update(db: &Database, id: Uuid, changes: WebhookChanges) -> Result<webhook::Model> {
    let url = changes.url.as_deref().map(validate_url).transpose()?;
    let txn = db.begin_write().await?;
    let current = webhook::Entity::find_by_id(id)
        .one(&*txn)
        .await?
        .ok_or_else(|| not_found(id))?;
    let mut model = current.into_active_model();
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

// ---------------------------------------------------------------------------
// The outbox, written by every change
// ---------------------------------------------------------------------------

pub async fn active(db: &impl ConnectionTrait) -> Result<Vec<webhook::Model>, DbErr> {
    webhook::Entity::find()
        .filter(webhook::Column::Active.eq(true))
        .all(db)
        .await
}

/// Whether a stored filter lets `value` through: an empty (or unreadable) filter lets all through.
fn admits<T: Serialize>(filter: &serde_json::Value, value: T) -> bool {
    match filter.as_array() {
        Some(values) if !values.is_empty() => serde_json::to_value(value).is_ok_and(|v| values.contains(&v)),
        _ => true,
    }
}

/// Whether a webhook wants an event.
pub fn matches(webhook: &webhook::Model, event: &content_event::Model) -> bool {
    admits(&webhook.document_types, event.document_type)
        && admits(&webhook.actions, event.action)
        && admits(&webhook.stages, event.stage)
}

/// Queues one delivery of `event` for every webhook that wants it, in the caller's transaction.
pub async fn enqueue(
    db: &impl ConnectionTrait,
    webhooks: &[webhook::Model],
    event: &content_event::Model,
) -> Result<(), DbErr> {
    let now = crate::content::now();
    let rows: Vec<webhook_delivery::ActiveModel> = webhooks
        .iter()
        .filter(|w| w.active && matches(w, event))
        .map(|w| webhook_delivery::ActiveModel {
            id: Set(Uuid::now_v7()),
            webhook_id: Set(w.id),
            event_seq: Set(event.seq),
            status: Set(DeliveryStatus::Pending),
            attempts: Set(0),
            next_attempt_at: Set(now),
            locked_until: Set(None),
            last_status_code: Set(None),
            last_error: Set(None),
            delivered_at: Set(None),
            created_at: Set(now),
        })
        .collect();
    if rows.is_empty() {
        return Ok(());
    }
    Deliveries::insert_many(rows).exec_without_returning(db).await?;
    Ok(())
}

// ---------------------------------------------------------------------------
// What is sent
// ---------------------------------------------------------------------------

/// The JSON body of a delivery.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Payload<'a> {
    seq: i64,
    document_type: DocumentType,
    document_id: Uuid,
    action: EventAction,
    stage: Stage,
    version: i32,
    actor: PayloadActor<'a>,
    occurred_at: DateTime<Utc>,
    snapshot: Option<&'a serde_json::Value>,
}

#[derive(Serialize)]
struct PayloadActor<'a> {
    name: &'a str,
}

/// The body a receiver gets for an event.
pub fn body(event: &content_event::Model) -> Result<Vec<u8>, serde_json::Error> {
    serde_json::to_vec(&Payload {
        seq: event.seq,
        document_type: event.document_type,
        document_id: event.document_id,
        action: event.action,
        stage: event.stage,
        version: event.version,
        actor: PayloadActor {
            name: &event.actor_name,
        },
        occurred_at: event.occurred_at,
        snapshot: event.snapshot.as_ref(),
    })
}

/// The `X-Clinic-Signature` value for a body sent at `timestamp` (Unix seconds).
/// (HMAC takes keys of any length, so the error is there only because the API has one.)
pub fn signature(secret: &str, timestamp: i64, body: &[u8]) -> Result<String, hmac::digest::InvalidLength> {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes())?;
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    let digest = mac.finalize().into_bytes();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    Ok(format!("t={timestamp},v1={hex}"))
}

// ---------------------------------------------------------------------------
// The delivery worker
// ---------------------------------------------------------------------------

/// How the delivery worker behaves.
#[derive(Debug, Clone)]
pub struct WebhookSettings {
    /// Wait before the first retry; each further retry waits twice as long.
    pub retry_base: std::time::Duration,
    /// Longest wait between two attempts.
    pub retry_max: std::time::Duration,
    /// Attempts before a delivery is marked failed.
    pub max_attempts: i32,
    /// How long one attempt may take.
    pub timeout: std::time::Duration,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        Self {
            retry_base: Duration::from_secs(5),
            retry_max: Duration::from_secs(3600),
            max_attempts: 12,
            timeout: Duration::from_secs(10),
        }
    }
}

impl WebhookSettings {
    /// The wait after the `attempts`-th failed attempt.
    pub fn backoff(&self, attempts: i32) -> Duration {
        let exponent = u32::try_from(attempts.saturating_sub(1)).unwrap_or(0);
        self.retry_base
            .saturating_mul(2u32.saturating_pow(exponent))
            .min(self.retry_max)
    }
}

/// Starts this instance's delivery worker.
pub fn start_worker(db: Database, bus: EventBus, settings: WebhookSettings) {
    let client = match reqwest::Client::builder()
        .timeout(settings.timeout)
        .connect_timeout(settings.timeout)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!(
            "clinic-content-api/",
            env!("CARGO_PKG_VERSION"),
            " (webhooks)"
        ))
        .build()
    {
        Ok(client) => client,
        Err(err) => {
            tracing::error!(error = %err, "webhooks: cannot build the HTTP client; no deliveries will be sent");
            return;
        }
    };
    let worker = Arc::new(Worker {
        db,
        settings,
        client,
        in_flight: Mutex::new(HashSet::new()),
        retries: Mutex::new(BTreeSet::new()),
        finished: Notify::new(),
    });
    let events = bus.subscribe();
    tokio::spawn(worker.run(events));
}

struct Worker {
    db: Database,
    settings: WebhookSettings,
    client: reqwest::Client,
    /// Webhooks with a delivery in flight from this worker.
    in_flight: Mutex<HashSet<Uuid>>,
    /// When retries this worker scheduled fall due.
    retries: Mutex<BTreeSet<Instant>>,
    /// Notified when a delivery of this worker finishes.
    finished: Notify,
}

/// A std mutex whose holder cannot panic while holding it; a poisoned one is still usable.
fn locked<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The result of one attempt.
enum Outcome {
    Delivered { status: u16 },
    Failed { status: Option<u16>, error: String },
}

impl Worker {
    async fn run(self: Arc<Self>, mut events: broadcast::Receiver<Arc<content_event::Model>>) {
        tracing::info!("webhooks: delivery worker started");
        loop {
            let started = Instant::now();
            locked(&self.retries).retain(|due| *due > started);
            if let Err(err) = self.dispatch().await {
                tracing::warn!(error = %err, "webhooks: looking for due deliveries failed; retrying");
            }
            let deadline = locked(&self.retries)
                .first()
                .copied()
                .map_or(started + POLL_INTERVAL, |due| due.min(started + POLL_INTERVAL));
            tokio::select! {
                received = events.recv() => {
                    if let Err(broadcast::error::RecvError::Closed) = received {
                        // The bus is gone; keep polling without it.
                        events = broadcast::channel(1).1;
                        tokio::time::sleep_until(deadline).await;
                    }
                }
                () = self.finished.notified() => {}
                () = tokio::time::sleep_until(deadline) => {}
            }
        }
    }

    /// Claims the due head delivery of every idle webhook and sends each in its own task.
    async fn dispatch(self: &Arc<Self>) -> Result<(), DbErr> {
        let webhooks = active(self.db.conn()).await?;
        let idle: Vec<Uuid> = {
            let busy = locked(&self.in_flight);
            webhooks
                .iter()
                .map(|w| w.id)
                .filter(|id| !busy.contains(id))
                .collect()
        };
        if idle.is_empty() {
            return Ok(());
        }
        for delivery in due_heads(self.db.conn(), &idle, crate::content::now()).await? {
            let Some(webhook) = webhooks.iter().find(|w| w.id == delivery.webhook_id) else {
                continue;
            };
            if !locked(&self.in_flight).insert(webhook.id) {
                continue;
            }
            let lock = crate::content::now() + to_delta(self.settings.timeout + LOCK_MARGIN);
            match claim(&self.db, delivery.id, lock).await {
                Ok(true) => {
                    let guard = InFlight {
                        worker: self.clone(),
                        webhook_id: webhook.id,
                    };
                    let webhook = webhook.clone();
                    tokio::spawn(async move {
                        guard.worker.deliver(&webhook, delivery, lock).await;
                        drop(guard);
                    });
                }
                Ok(false) => {
                    // Another instance has it.
                    locked(&self.in_flight).remove(&webhook.id);
                }
                Err(err) => {
                    locked(&self.in_flight).remove(&webhook.id);
                    return Err(err);
                }
            }
        }
        Ok(())
    }

    /// Sends one claimed delivery and records what happened.
    async fn deliver(
        &self,
        webhook: &webhook::Model,
        delivery: webhook_delivery::Model,
        lock: DateTime<Utc>,
    ) {
        let event = match content_event::Entity::find_by_id(delivery.event_seq)
            .one(self.db.conn())
            .await
        {
            Ok(Some(event)) => event,
            Ok(None) => {
                let outcome = Outcome::Failed {
                    status: None,
                    error: "the event is no longer in the log".to_owned(),
                };
                self.record(&delivery, lock, outcome, true).await;
                return;
            }
            Err(err) => {
                // The claim expires and the delivery is tried again.
                tracing::warn!(error = %err, delivery = %delivery.id, "webhooks: reading the event failed");
                return;
            }
        };
        let body = match body(&event) {
            Ok(body) => body,
            Err(err) => {
                tracing::error!(error = %err, seq = event.seq, "webhooks: cannot serialise the event");
                let outcome = Outcome::Failed {
                    status: None,
                    error: "the event could not be serialised".to_owned(),
                };
                self.record(&delivery, lock, outcome, true).await;
                return;
            }
        };
        let timestamp = Utc::now().timestamp();
        let Ok(signature) = signature(&webhook.secret, timestamp, &body) else {
            let outcome = Outcome::Failed {
                status: None,
                error: "the body could not be signed".to_owned(),
            };
            self.record(&delivery, lock, outcome, true).await;
            return;
        };
        let response = self
            .client
            .post(&webhook.url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(EVENT_HEADER, event.seq.to_string())
            .header(SIGNATURE_HEADER, signature)
            .body(body)
            .send()
            .await;
        let outcome = match response {
            Ok(response) if response.status().is_success() => Outcome::Delivered {
                status: response.status().as_u16(),
            },
            Ok(response) => Outcome::Failed {
                status: Some(response.status().as_u16()),
                error: format!("HTTP {}", response.status()),
            },
            Err(err) => Outcome::Failed {
                status: err.status().map(|s| s.as_u16()),
                error: describe(err, self.settings.timeout),
            },
        };
        match &outcome {
            Outcome::Delivered { status } => {
                tracing::info!(webhook = %webhook.id, seq = event.seq, status, "webhooks: delivered")
            }
            Outcome::Failed { error, .. } => {
                tracing::warn!(webhook = %webhook.id, seq = event.seq, error = %error, attempt = delivery.attempts + 1, "webhooks: delivery attempt failed")
            }
        }
        self.record(&delivery, lock, outcome, false).await;
    }

    /// Writes an attempt's outcome, if this worker still holds the claim.
    async fn record(
        &self,
        delivery: &webhook_delivery::Model,
        lock: DateTime<Utc>,
        outcome: Outcome,
        give_up: bool,
    ) {
        let now = crate::content::now();
        let attempts = delivery.attempts.saturating_add(1);
        let mut update = Deliveries::update_many()
            .col_expr(DeliveryColumn::Attempts, Expr::value(attempts))
            .col_expr(
                DeliveryColumn::LockedUntil,
                Expr::value(Option::<DateTime<Utc>>::None),
            );
        let mut retry_in = None;
        match outcome {
            Outcome::Delivered { status } => {
                update = update
                    .col_expr(DeliveryColumn::Status, Expr::value(DeliveryStatus::Delivered))
                    .col_expr(DeliveryColumn::LastStatusCode, Expr::value(i32::from(status)))
                    .col_expr(DeliveryColumn::DeliveredAt, Expr::value(Some(now)));
            }
            Outcome::Failed { status, error } => {
                let next = if give_up || attempts >= self.settings.max_attempts {
                    DeliveryStatus::Failed
                } else {
                    let wait = self.settings.backoff(attempts);
                    retry_in = Some(wait);
                    update =
                        update.col_expr(DeliveryColumn::NextAttemptAt, Expr::value(now + to_delta(wait)));
                    DeliveryStatus::Pending
                };
                update = update
                    .col_expr(DeliveryColumn::Status, Expr::value(next))
                    .col_expr(DeliveryColumn::LastStatusCode, Expr::value(status.map(i32::from)))
                    .col_expr(DeliveryColumn::LastError, Expr::value(Some(truncate(&error))));
            }
        }
        let update = update
            .filter(DeliveryColumn::Id.eq(delivery.id))
            .filter(DeliveryColumn::Status.eq(DeliveryStatus::Pending))
            .filter(DeliveryColumn::LockedUntil.eq(lock));
        let result = async {
            let txn = self.db.begin_write().await?;
            let result = update.exec(&*txn).await?;
            txn.commit().await?;
            Ok::<_, DbErr>(result.rows_affected)
        }
        .await;
        match result {
            Ok(1) => {
                if let Some(wait) = retry_in {
                    // A little late rather than early, so that the row is due when we look.
                    locked(&self.retries).insert(Instant::now() + wait + Duration::from_millis(5));
                }
            }
            Ok(_) => tracing::warn!(
                delivery = %delivery.id,
                "webhooks: the delivery changed before the outcome was recorded (claim expired, or webhook \
                 deleted); it may be sent again"
            ),
            Err(err) => tracing::error!(
                error = %err,
                delivery = %delivery.id,
                "webhooks: recording a delivery attempt failed; it will be tried again"
            ),
        }
    }
}

/// Removes a webhook from the in-flight set when its delivery task ends, however it ends.
struct InFlight {
    worker: Arc<Worker>,
    webhook_id: Uuid,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        locked(&self.worker.in_flight).remove(&self.webhook_id);
        self.worker.finished.notify_one();
    }
}

/// For every webhook in `webhooks`, its oldest pending delivery, if that one is due and unclaimed.
async fn due_heads(
    db: &impl ConnectionTrait,
    webhooks: &[Uuid],
    now: DateTime<Utc>,
) -> Result<Vec<webhook_delivery::Model>, DbErr> {
    let earlier = Alias::new("earlier");
    let older_pending = Query::select()
        .expr(Expr::val(1))
        .from_as(Deliveries, earlier.clone())
        .and_where(
            Expr::col((earlier.clone(), DeliveryColumn::WebhookId))
                .equals((Deliveries, DeliveryColumn::WebhookId)),
        )
        .and_where(Expr::col((earlier.clone(), DeliveryColumn::Status)).eq(DeliveryStatus::Pending))
        .and_where(
            Expr::col((earlier, DeliveryColumn::EventSeq))
                .lt(Expr::col((Deliveries, DeliveryColumn::EventSeq))),
        )
        .to_owned();
    Deliveries::find()
        .filter(DeliveryColumn::WebhookId.is_in(webhooks.iter().copied()))
        .filter(DeliveryColumn::Status.eq(DeliveryStatus::Pending))
        .filter(DeliveryColumn::NextAttemptAt.lte(now))
        .filter(
            Condition::any()
                .add(DeliveryColumn::LockedUntil.is_null())
                .add(DeliveryColumn::LockedUntil.lt(now)),
        )
        .filter(Expr::exists(older_pending).not())
        .order_by_asc(DeliveryColumn::EventSeq)
        .limit(BATCH)
        .all(db)
        .await
}

/// Takes a due, unclaimed delivery until `lock`: one conditional `UPDATE`, true only
/// if it changed the row. However many workers try at once, one of them gets it; a
/// claim whose holder died expires at `lock` and the delivery is taken again.
pub async fn claim(db: &Database, id: Uuid, lock: DateTime<Utc>) -> Result<bool, DbErr> {
    let now = crate::content::now();
    let txn = db.begin_write().await?;
    let result = Deliveries::update_many()
        .col_expr(DeliveryColumn::LockedUntil, Expr::value(Some(lock)))
        .filter(DeliveryColumn::Id.eq(id))
        .filter(DeliveryColumn::Status.eq(DeliveryStatus::Pending))
        .filter(DeliveryColumn::NextAttemptAt.lte(now))
        .filter(
            Condition::any()
                .add(DeliveryColumn::LockedUntil.is_null())
                .add(DeliveryColumn::LockedUntil.lt(now)),
        )
        .exec(&*txn)
        .await?;
    txn.commit().await?;
    Ok(result.rows_affected == 1)
}

fn to_delta(duration: Duration) -> TimeDelta {
    TimeDelta::from_std(duration).unwrap_or(TimeDelta::MAX)
}

/// A short description of a failed request, without the URL (which may hold credentials).
fn describe(err: reqwest::Error, timeout: Duration) -> String {
    let kind = if err.is_timeout() {
        format!("timed out after {} ms", timeout.as_millis())
    } else if err.is_connect() {
        "could not connect".to_owned()
    } else if err.is_redirect() {
        "redirect refused".to_owned()
    } else {
        "request failed".to_owned()
    };
    let err = err.without_url();
    // The innermost cause says the most (e.g. "Connection refused (os error 111)").
    let mut cause: &dyn std::error::Error = &err;
    while let Some(inner) = cause.source() {
        cause = inner;
    }
    format!("{kind}: {cause}")
}

fn truncate(text: &str) -> String {
    text.chars().take(MAX_ERROR_CHARS).collect()
}
