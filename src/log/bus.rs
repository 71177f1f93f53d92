//! The instance's tail of the log: one task per instance reads committed events in
//! sequence order and hands each batch to the instance's in-memory consumers, in
//! the order they were added (the caches before the subscribers, so that nobody
//! hears of a change while a cache still serves what it replaced).
//!
//! It wakes when this instance commits a write ([`EventBus::wake`]), when
//! PostgreSQL notifies that another instance did (`LISTEN`), and every poll
//! interval anyway, so a dropped notification or a reconnect loses nothing: the
//! log is the truth. [`EventBus::caught_up`] tells a writer when every in-memory
//! consumer has had its events; durable consumers run on their own tasks and wake
//! when the bus sees new events ([`EventBus::head`]).

use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use sea_orm::{DatabaseBackend, DatabaseExecutor, DbErr};
use tokio::sync::{Notify, watch};

use super::consumer::{BATCH, Consumer};
use crate::db::Database;

/// The longest an event waits to be noticed when no notification arrives.
pub const POLL_INTERVAL: Duration = Duration::from_secs(1);
/// On SQLite no other process can notify, so the log is read this often: a read
/// by primary key that finds nothing, cheap next to a stale answer served from
/// another process's cache for a second.
pub const SQLITE_POLL_INTERVAL: Duration = Duration::from_millis(50);

#[derive(Clone)]
pub struct EventBus {
    inner: Arc<Inner>,
}

/// An in-memory consumer and the last event it has had.
struct Member {
    consumer: Arc<dyn Consumer>,
    checkpoint: AtomicI64,
}

impl Member {
    fn checkpoint(&self) -> i64 {
        self.checkpoint.load(Ordering::Acquire)
    }
}

struct Inner {
    wake: Notify,
    members: RwLock<Vec<Arc<Member>>>,
    /// Every in-memory consumer has had the events up to this one.
    applied: watch::Sender<i64>,
    /// The newest event this instance has read.
    head: watch::Sender<i64>,
    running: AtomicBool,
}

impl Default for EventBus {
    fn default() -> Self {
        Self::new()
    }
}

impl EventBus {
    pub fn new() -> Self {
        Self {
            inner: Arc::new(Inner {
                wake: Notify::new(),
                members: RwLock::new(Vec::new()),
                applied: watch::channel(0).0,
                head: watch::channel(0).0,
                running: AtomicBool::new(false),
            }),
        }
    }

    /// Hands every event committed from now on (from the log's head when the bus
    /// starts) to `consumer`, after the consumers added before it.
    pub fn add_consumer(&self, consumer: Arc<dyn Consumer>) {
        let member = Arc::new(Member {
            consumer,
            checkpoint: AtomicI64::new(*self.inner.applied.borrow()),
        });
        self.inner
            .members
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .push(member);
    }

    fn members(&self) -> Vec<Arc<Member>> {
        self.inner
            .members
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Tells the tailer that new events may be in the log.
    pub fn wake(&self) {
        self.inner.wake.notify_one();
    }

    /// The newest event this instance has read, as it moves.
    pub fn head(&self) -> watch::Receiver<i64> {
        self.inner.head.subscribe()
    }

    /// Whether this instance tails the log (so its consumers see every event).
    pub fn is_running(&self) -> bool {
        self.inner.running.load(Ordering::Acquire)
    }

    /// Waits until the events up to `seq` have been handed to every in-memory
    /// consumer here, for at most `within`; returns whether they were. A writer
    /// calls it after its commit, so that this instance serves nothing older than
    /// its write once it answers.
    pub async fn caught_up(&self, seq: i64, within: Duration) -> bool {
        if !self.is_running() {
            return false;
        }
        self.wake();
        let mut applied = self.inner.applied.subscribe();
        tokio::time::timeout(within, applied.wait_for(|last| *last >= seq))
            .await
            .is_ok_and(|seen| seen.is_ok())
    }

    /// Starts the tailer (and on PostgreSQL the listener) for this instance, from
    /// the log's head: every in-memory consumer's checkpoint starts there.
    pub async fn start(&self, db: Database) -> Result<(), DbErr> {
        let head = super::last_seq(db.conn()).await?;
        for member in self.members() {
            member.checkpoint.store(head, Ordering::Release);
        }
        self.inner.applied.send_replace(head);
        self.inner.head.send_replace(head);
        self.inner.running.store(true, Ordering::Release);
        if db.backend() == DatabaseBackend::Postgres {
            tokio::spawn(listen(db.clone(), self.clone()));
        }
        let poll = match db.backend() {
            DatabaseBackend::Postgres => POLL_INTERVAL,
            _ => SQLITE_POLL_INTERVAL,
        };
        tokio::spawn(tail(db, self.clone(), poll));
        Ok(())
    }

    /// Reads the next batch after the slowest consumer and hands each consumer the
    /// part it has not had, in order; false when there is nothing more to do now.
    /// A consumer that fails keeps its checkpoint, and the consumers after it wait
    /// for it.
    async fn pass(&self, db: &Database) -> Result<bool, DbErr> {
        let members = self.members();
        let applied = *self.inner.applied.borrow();
        let from = members.iter().map(|m| m.checkpoint()).min().unwrap_or(applied);
        let events = super::after(db.conn(), from, BATCH).await?;
        let Some(last) = events.last().map(|event| event.seq) else {
            return Ok(false);
        };
        self.inner.head.send_if_modified(|head| {
            let newer = last > *head;
            *head = (*head).max(last);
            newer
        });
        let pool = DatabaseExecutor::from(db.conn());
        let mut failed = None;
        for member in &members {
            let had = member.checkpoint();
            let unseen = &events[events.partition_point(|event| event.seq <= had)..];
            if unseen.is_empty() {
                continue;
            }
            if let Err(err) = member.consumer.consume(&pool, unseen).await {
                failed = Some((member.consumer.name(), err));
                break;
            }
            member.checkpoint.store(last, Ordering::Release);
        }
        let applied = members.iter().map(|m| m.checkpoint()).min().unwrap_or(last);
        self.inner.applied.send_replace(applied);
        match failed {
            Some((consumer, err)) => {
                tracing::warn!(consumer, error = %err, "event bus: a consumer failed; it gets the events again shortly");
                Ok(false)
            }
            None => Ok(true),
        }
    }
}

async fn tail(db: Database, bus: EventBus, poll: Duration) {
    loop {
        loop {
            match bus.pass(&db).await {
                Ok(true) => {}
                Ok(false) => break,
                Err(err) => {
                    tracing::warn!(error = %err, "event tailer: reading the log failed; retrying");
                    break;
                }
            }
        }
        let _ = tokio::time::timeout(poll, bus.inner.wake.notified()).await;
    }
}

/// Relays PostgreSQL notifications from every instance to this instance's tailer,
/// reconnecting (and catching up through the tailer) whenever the connection drops.
async fn listen(db: Database, bus: EventBus) {
    use sea_orm::sqlx::postgres::PgListener;
    loop {
        // A connection of its own: a listener holds it for good, and must not
        // take one of the pool's.
        match PgListener::connect(db.url()).await {
            Ok(mut listener) => {
                if let Err(err) = listener.listen(super::CHANNEL).await {
                    tracing::warn!(error = %err, "event listener: LISTEN failed");
                } else {
                    bus.wake();
                    while listener.recv().await.is_ok() {
                        bus.wake();
                    }
                    tracing::warn!("event listener: connection lost; reconnecting");
                }
            }
            Err(err) => tracing::warn!(error = %err, "event listener: cannot connect"),
        }
        bus.wake();
        tokio::time::sleep(POLL_INTERVAL).await;
    }
}
