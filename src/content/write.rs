//! A write in progress: the transaction and who makes it. Every change goes
//! through [`Write::record`], which appends it to the event log in the same
//! transaction, so no write path can skip the log.

use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};

use entity::{DocumentType, EventAction};
use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseTransaction};
use serde::Serialize;
use tokio::sync::OnceCell;
use uuid::Uuid;

use super::{Result, Stage};
use crate::events::log;

/// Who makes a change, as the event log and audit trail name them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// The API token used; `None` for the server itself (seeding, CLI).
    pub token_id: Option<Uuid>,
    pub name: String,
}

impl Actor {
    pub fn system(name: &str) -> Self {
        Self {
            token_id: None,
            name: name.to_owned(),
        }
    }
}

/// Open it on a transaction from `Database::begin_content_write`, which orders
/// content writers (and so the event log) on PostgreSQL.
pub struct Write<'a> {
    pub db: &'a DatabaseTransaction,
    pub actor: &'a Actor,
    /// Whether this transaction already asked PostgreSQL to notify listeners.
    notified: AtomicBool,
    /// The sequence number of the last event recorded (0 before any).
    last_seq: AtomicI64,
    webhooks: OnceCell<Vec<entity::webhook::Model>>,
}

/// One change to one document, as it goes into the log.
pub struct Change<'s, T: Serialize> {
    pub document_type: DocumentType,
    pub id: Uuid,
    pub action: EventAction,
    pub stage: Stage,
    pub version: i32,
    pub snapshot: Option<&'s T>,
    /// The shape the snapshot is in (its kind's current snapshot version).
    pub snapshot_version: i32,
}

impl<'a> Write<'a> {
    pub fn new(db: &'a DatabaseTransaction, actor: &'a Actor) -> Self {
        Self {
            db,
            actor,
            notified: AtomicBool::new(false),
            last_seq: AtomicI64::new(0),
            webhooks: OnceCell::new(),
        }
    }

    /// Appends a change to the event log (and the webhook outbox) in this transaction.
    pub async fn record<T: Serialize>(&self, change: Change<'_, T>) -> Result<i64> {
        if self.db.get_database_backend() == DatabaseBackend::Postgres
            && !self.notified.swap(true, Ordering::SeqCst)
        {
            // Delivered at commit to every instance that listens.
            self.db
                .execute_unprepared(&format!("NOTIFY {}", log::CHANNEL))
                .await?;
        }
        let snapshot = match change.snapshot {
            Some(s) => Some(super::snapshot::json(s)?),
            None => None,
        };
        let event = log::append(self.db, self.actor, &change, snapshot).await?;
        let webhooks = self
            .webhooks
            .get_or_try_init(|| crate::events::webhooks::active(self.db))
            .await?;
        crate::events::webhooks::enqueue(self.db, webhooks, &event).await?;
        self.last_seq.fetch_max(event.seq, Ordering::SeqCst);
        Ok(event.seq)
    }

    /// The last event this write recorded, if it recorded any.
    pub fn last_seq(&self) -> Option<i64> {
        Some(self.last_seq.load(Ordering::SeqCst)).filter(|seq| *seq > 0)
    }
}
