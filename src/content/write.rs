//! A write in progress: the transaction and who makes it. Every change goes
//! through [`Write::record`], which appends it to the event log in the same
//! transaction, so no write path can skip the log. What reacts to changes
//! (webhooks, caches, subscribers) reads them from the log, not from here.

use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};

use entity::{DocumentType, EventAction};
use sea_orm::DatabaseTransaction;
use serde::Serialize;
use uuid::Uuid;

use super::{Result, Stage};
use crate::log::{self, NewEvent};

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
    /// Whether this transaction already announced new events to other instances.
    announced: AtomicBool,
    /// The sequence number of the last event recorded (0 before any).
    last_seq: AtomicI64,
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
            announced: AtomicBool::new(false),
            last_seq: AtomicI64::new(0),
        }
    }

    /// Appends a change to the event log in this transaction.
    pub async fn record<T: Serialize>(&self, change: Change<'_, T>) -> Result<i64> {
        if !self.announced.swap(true, Ordering::SeqCst) {
            // Delivered at commit to every instance that listens.
            log::announce(self.db).await?;
        }
        let snapshot = match change.snapshot {
            Some(s) => Some(super::snapshot::json(s)?),
            None => None,
        };
        let event = log::append(
            self.db,
            NewEvent {
                document_type: change.document_type,
                document_id: change.id,
                action: change.action,
                stage: change.stage,
                version: change.version,
                actor_id: self.actor.token_id,
                actor_name: self.actor.name.clone(),
                snapshot,
                snapshot_version: change.snapshot_version,
            },
        )
        .await?;
        self.last_seq.fetch_max(event.seq, Ordering::SeqCst);
        Ok(event.seq)
    }

    /// The last event this write recorded, if it recorded any.
    pub fn last_seq(&self) -> Option<i64> {
        Some(self.last_seq.load(Ordering::SeqCst)).filter(|seq| *seq > 0)
    }
}
