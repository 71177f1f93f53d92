//! The outbox table: deliveries queued by the webhook consumer of the event log,
//! the signed body they carry, and the queries that find and claim due deliveries.

use chrono::{DateTime, Utc};
use entity::webhook_delivery::{self, Entity as Deliveries};
use entity::{DeliveryStatus, DocumentType, EventAction, Stage, webhook};
use hmac::{Hmac, Mac};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DatabaseExecutor, DbErr,
    EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde::Serialize;
use sha2::Sha256;
use uuid::Uuid;

use super::*;
use crate::log::{Consumer, Event};

/// The name the webhook consumer's checkpoint is kept under.
pub const CONSUMER: &str = "webhooks";

/// How many deliveries one `INSERT` queues at most (each takes eleven parameters,
/// and SQLite allows 32,766 in a statement).
const INSERT_CHUNK: usize = 1000;

/// The webhook consumer of the event log: queues one delivery of each event for
/// every active webhook that wants it and was registered (or switched on) before
/// it. Run durably (`log::consumer::run`): its deliveries commit with its
/// checkpoint, so a crash loses none, and an event handed over twice queues
/// nothing twice (one delivery per webhook and event, by the outbox's unique index).
pub struct WebhookConsumer;

#[async_trait::async_trait]
impl Consumer for WebhookConsumer {
    fn name(&self) -> &'static str {
        CONSUMER
    }

    async fn consume(&self, db: &DatabaseExecutor<'_>, events: &[Event]) -> Result<(), DbErr> {
        let webhooks = active(db).await?;
        enqueue(db, &webhooks, events).await
    }

    /// No active webhook wants an event at or before its `after_seq`, and a webhook
    /// registered or switched on after `head` was read starts after `head`.
    async fn skippable_through(&self, db: &DatabaseConnection, head: i64) -> Result<i64, DbErr> {
        let earliest: Option<Option<i64>> = webhook::Entity::find()
            .select_only()
            .column_as(webhook::Column::AfterSeq.min(), "earliest")
            .filter(webhook::Column::Active.eq(true))
            .into_tuple()
            .one(db)
            .await?;
        Ok(earliest
            .flatten()
            .map_or(head, |earliest| Ord::min(earliest, head)))
    }
}

pub async fn active(db: &impl ConnectionTrait) -> Result<Vec<webhook::Model>, DbErr> {
    webhook::Entity::find()
        .filter(webhook::Column::Active.eq(true))
        .all(db)
        .await
}

/// Deliveries waiting to be sent or retried, for the metrics.
pub async fn backlog(db: &impl ConnectionTrait) -> Result<u64, DbErr> {
    use sea_orm::PaginatorTrait;
    Deliveries::find()
        .filter(webhook_delivery::Column::Status.eq(DeliveryStatus::Pending))
        .count(db)
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
pub fn matches(webhook: &webhook::Model, event: &Event) -> bool {
    admits(&webhook.document_types, event.document_type)
        && admits(&webhook.actions, event.action)
        && admits(&webhook.stages, event.stage)
}

/// Queues one delivery of each event for every webhook that wants it, in the
/// caller's transaction; a delivery already queued stays as it is.
pub async fn enqueue(
    db: &impl ConnectionTrait,
    webhooks: &[webhook::Model],
    events: &[Event],
) -> Result<(), DbErr> {
    let now = crate::content::now();
    let rows: Vec<webhook_delivery::ActiveModel> = events
        .iter()
        .flat_map(|event| {
            webhooks
                .iter()
                .filter(move |w| w.active && event.seq > w.after_seq && matches(w, event))
                .map(move |w| webhook_delivery::ActiveModel {
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
        })
        .collect();
    for chunk in rows.chunks(INSERT_CHUNK) {
        Deliveries::insert_many(chunk.to_vec())
            .on_conflict_do_nothing_on([DeliveryColumn::WebhookId, DeliveryColumn::EventSeq])
            .exec_without_returning(db)
            .await?;
    }
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
    /// What a CDN in front should purge (empty for drafts).
    purge_keys: Vec<String>,
    snapshot: Option<serde_json::Value>,
}

#[derive(Serialize)]
struct PayloadActor<'a> {
    name: &'a str,
}

/// The body a receiver gets for an event.
pub fn body(event: &Event) -> Result<Vec<u8>, serde_json::Error> {
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
        purge_keys: crate::cache::keys::purge_keys(event),
        // In the shape its kind has now; a snapshot no kind can read is sent as written.
        snapshot: crate::content::registry::snapshot_of(event)
            .ok()
            .flatten()
            .or_else(|| event.snapshot.clone()),
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

/// For every webhook in `webhooks`, its oldest pending delivery, if that one is due and unclaimed.
pub(super) async fn due_heads(
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
