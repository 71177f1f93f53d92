//! The delivery worker: claims due deliveries, signs and sends them, retries.

use std::collections::{BTreeSet, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use entity::webhook_delivery::{self, Column as DeliveryColumn, Entity as Deliveries};
use entity::{DeliveryStatus, content_event, webhook};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DbErr, EntityTrait, QueryFilter};
use tokio::sync::{Notify, watch};
use tokio::time::Instant;
use uuid::Uuid;

use crate::db::Database;
use crate::log::{EventBus, consumer};

use super::*;

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

/// Starts this instance's webhook consumer (which queues deliveries from the log,
/// waking when `bus` sees new events) and its delivery worker; deliveries reach
/// public addresses and what `allowed` names.
pub fn start(db: Database, bus: &EventBus, settings: WebhookSettings, allowed: AllowList) {
    let queued = consumer::run(db.clone(), Arc::new(WebhookConsumer), bus.head());
    start_worker(db, queued, settings, allowed);
}

/// Starts a delivery worker that wakes whenever `queued` (the webhook consumer's
/// checkpoint) moves.
pub fn start_worker(
    db: Database,
    queued: watch::Receiver<i64>,
    settings: WebhookSettings,
    allowed: AllowList,
) {
    let client = match reqwest::Client::builder()
        .timeout(settings.timeout)
        .connect_timeout(settings.timeout)
        // A redirect could lead anywhere, a proxy would resolve names where the rule
        // cannot see: neither is used, and every name goes through the guarded resolver.
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .dns_resolver(Arc::new(GuardedResolver::new(allowed.clone())))
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
        allowed,
        client,
        in_flight: Mutex::new(HashSet::new()),
        retries: Mutex::new(BTreeSet::new()),
        finished: Notify::new(),
    });
    tokio::spawn(worker.run(queued));
}

struct Worker {
    db: Database,
    settings: WebhookSettings,
    /// Destinations allowed despite the rule; IP-literal hosts are checked against it here.
    allowed: AllowList,
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
    async fn run(self: Arc<Self>, mut queued: watch::Receiver<i64>) {
        tracing::info!("webhooks: delivery worker started");
        // Whether the consumer still runs; without it the worker keeps polling.
        let mut consumer_runs = true;
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
                changed = queued.changed(), if consumer_runs => consumer_runs = changed.is_ok(),
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
            let lock = crate::content::now() + to_delta(self.settings.timeout.saturating_add(LOCK_MARGIN));
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
        // IP-literal hosts never reach the resolver: judge them before sending.
        let refused = reqwest::Url::parse(&webhook.url)
            .ok()
            .and_then(|url| self.allowed.check_literal(&url));
        if let Some(refused) = refused {
            tracing::warn!(webhook = %webhook.id, error = %refused, "webhooks: refused an internal address");
            let outcome = Outcome::Failed {
                status: None,
                error: refused.to_string(),
            };
            self.record(&delivery, lock, outcome, true).await;
            return;
        }
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
        // Only the status is kept, never the body (nor the server's own reason phrase):
        // what an admin reads back must not be the content of whatever answered.
        let mut give_up = false;
        let outcome = match response {
            Ok(response) if response.status().is_success() => Outcome::Delivered {
                status: response.status().as_u16(),
            },
            Ok(response) => Outcome::Failed {
                status: Some(response.status().as_u16()),
                error: format!("HTTP {}", response.status()),
            },
            Err(err) => {
                // A refused destination stays refused: no point in retrying it.
                give_up = refusal(&err).is_some();
                Outcome::Failed {
                    status: err.status().map(|s| s.as_u16()),
                    error: describe(err, self.settings.timeout),
                }
            }
        };
        match &outcome {
            Outcome::Delivered { status } => {
                tracing::info!(webhook = %webhook.id, seq = event.seq, status, "webhooks: delivered")
            }
            Outcome::Failed { error, .. } => {
                tracing::warn!(webhook = %webhook.id, seq = event.seq, error = %error, attempt = delivery.attempts + 1, "webhooks: delivery attempt failed")
            }
        }
        self.record(&delivery, lock, outcome, give_up).await;
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
                    locked(&self.retries)
                        .insert(Instant::now() + wait.min(MAX_WAIT) + Duration::from_millis(5));
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

/// A wait as a time delta, capped at a year so that adding it to now can never
/// overflow (whatever settings the worker was built with).
fn to_delta(duration: Duration) -> TimeDelta {
    TimeDelta::from_std(duration.min(MAX_WAIT)).unwrap_or(TimeDelta::days(365))
}

const MAX_WAIT: Duration = Duration::from_secs(365 * 24 * 3600);

/// The guarded resolver's refusal, if that is why a request failed.
fn refusal(err: &reqwest::Error) -> Option<&Refused> {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(error) = cause {
        if let Some(refused) = error.downcast_ref::<Refused>() {
            return Some(refused);
        }
        cause = error.source();
    }
    None
}

/// A short description of a failed request, without the URL (which may hold credentials).
fn describe(err: reqwest::Error, timeout: Duration) -> String {
    if let Some(refused) = refusal(&err) {
        return refused.to_string();
    }
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
