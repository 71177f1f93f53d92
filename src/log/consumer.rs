//! One interface for everything that reacts to the log, and the runner that feeds
//! a durable consumer from its checkpoint.
//!
//! A [`Consumer`] is handed batches of events in log order, each after its
//! checkpoint. There are two ways to run one:
//!
//! - **Durable** ([`run`], [`catch_up`]): the checkpoint is a row of
//!   `event_checkpoint`, and each batch is handed over inside the write transaction
//!   that advances it, so what the consumer writes there commits with the checkpoint
//!   or not at all. A crash can neither skip a batch nor keep its effects without
//!   the checkpoint; a restart resumes after the last committed batch. Instances
//!   sharing a database may all run the same consumer: one of them wins each batch
//!   ([`checkpoint::advance`]). The webhook consumer runs so.
//! - **In memory** ([`EventBus::add_consumer`](super::EventBus::add_consumer)):
//!   the checkpoint lives in the instance and starts at the log's head when the
//!   instance starts, since a fresh process has empty caches and no subscribers:
//!   no earlier event concerns it. The caches and the subscription fan-out run so.

use std::sync::Arc;

use sea_orm::{DatabaseConnection, DatabaseExecutor, DbErr};
use tokio::sync::watch;

use super::{Event, checkpoint};
use crate::db::Database;

/// How many events one batch holds at most.
pub const BATCH: u64 = 500;

/// Something that reacts to committed events.
#[async_trait::async_trait]
pub trait Consumer: Send + Sync {
    /// The name its checkpoint is kept under, and its log lines carry.
    fn name(&self) -> &'static str;

    /// Handles `events`: in log order, all after its checkpoint. `db` is, for a
    /// durable consumer, the transaction that advances its checkpoint (write there
    /// what must commit with it); for an in-memory one, the pool. An error hands
    /// the same events over again later, so handling one twice must be harmless.
    async fn consume(&self, db: &DatabaseExecutor<'_>, events: &[Event]) -> Result<(), DbErr>;

    /// The last event, at most `head` (read before this call), up to which the
    /// consumer is sure to want none, so that a durable runner may move its
    /// checkpoint there without reading them (a long log it has no use for, say).
    /// By default none is skipped.
    async fn skippable_through(&self, _db: &DatabaseConnection, _head: i64) -> Result<i64, DbErr> {
        Ok(0)
    }
}

/// What one step of a durable runner did.
enum Step {
    /// The checkpoint (this one) is at the log's head.
    Idle(i64),
    /// It handed a batch over and committed the checkpoint at this event.
    Advanced(i64),
    /// Another runner of the same consumer moved the checkpoint first.
    Overtaken,
}

/// Hands a durable consumer every event after its checkpoint, batch by batch, and
/// returns the checkpoint it reached: the log's head when it started, or later.
pub async fn catch_up(db: &Database, consumer: &dyn Consumer) -> Result<i64, DbErr> {
    loop {
        if let Step::Idle(checkpoint) = step(db, consumer).await? {
            return Ok(checkpoint);
        }
    }
}

/// Runs a durable consumer on its own task for good: it catches up whenever `head`
/// (the newest event the instance has seen) moves, and every poll interval anyway.
/// Returns the checkpoint as it advances, for whoever acts on what it wrote.
pub fn run(
    db: Database,
    consumer: Arc<dyn Consumer>,
    mut head: watch::Receiver<i64>,
) -> watch::Receiver<i64> {
    let (advanced, checkpoint) = watch::channel(0);
    tokio::spawn(async move {
        tracing::info!(consumer = consumer.name(), "event consumer started");
        // Whether the bus still announces new events; without it, polling alone.
        let mut bus_open = true;
        loop {
            loop {
                match step(&db, &*consumer).await {
                    Ok(Step::Idle(_)) => break,
                    Ok(Step::Advanced(seq)) => {
                        advanced.send_replace(seq);
                    }
                    Ok(Step::Overtaken) => {}
                    Err(err) => {
                        tracing::warn!(consumer = consumer.name(), error = %err, "event consumer: a batch failed; it is handed over again shortly");
                        break;
                    }
                }
            }
            tokio::select! {
                changed = head.changed(), if bus_open => bus_open = changed.is_ok(),
                () = tokio::time::sleep(super::bus::POLL_INTERVAL) => {}
            }
        }
    });
    checkpoint
}

/// Hands over the next batch after the checkpoint, in the transaction that moves it.
async fn step(db: &Database, consumer: &dyn Consumer) -> Result<Step, DbErr> {
    let name = consumer.name();
    let stored = checkpoint::get_or_start(db.conn(), name).await?;
    let head = super::last_seq(db.conn()).await?;
    if head <= stored {
        return Ok(Step::Idle(stored));
    }
    let from = consumer
        .skippable_through(db.conn(), head)
        .await?
        .clamp(stored, head);
    let events = super::after(db.conn(), from, BATCH).await?;
    let to = events.last().map_or(from, |event| event.seq);
    let txn = db.begin_write().await?;
    if !checkpoint::advance(&*txn, name, stored, to).await? {
        return Ok(Step::Overtaken);
    }
    if !events.is_empty() {
        consumer.consume(&DatabaseExecutor::from(&*txn), &events).await?;
    }
    txn.commit().await?;
    Ok(Step::Advanced(to))
}
