//! Fan-out of committed events to this instance's subscribers and workers.
//!
//! One tailer task per instance reads the log in sequence order and broadcasts
//! each new event. It wakes when this instance commits a write, when PostgreSQL
//! notifies that another instance did (`LISTEN`), and every poll interval anyway,
//! so a dropped notification or a reconnect loses nothing: the log is the truth.
//! It judges once, for all subscribers, what of each event the public may see.
//! Before an event goes out, the instance's appliers (the caches' evictions) run
//! on it; [`EventBus::caught_up`] tells a writer when its own events have been applied.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use entity::content_event::Model as Event;
use sea_orm::DatabaseBackend;
use tokio::sync::{Notify, broadcast, watch};

use super::{log, visibility};
use crate::db::Database;

/// One committed event, and what of it the public may see.
#[derive(Debug)]
pub struct BusEvent {
    pub event: Event,
    /// The event as public subscribers get it; `None` when public queries would
    /// not have shown the change (see [`visibility::public_events`]).
    pub public: Option<Event>,
}

/// How many events a slow subscriber may fall behind before it is told it lagged.
const CAPACITY: usize = 1024;
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

/// Work done on every committed event, in log order, before subscribers get it.
pub type Applier = Box<dyn Fn(&Event) + Send + Sync>;

struct Inner {
    sender: broadcast::Sender<Arc<BusEvent>>,
    wake: Notify,
    appliers: RwLock<Vec<Applier>>,
    /// The last event applied and sent.
    applied: watch::Sender<i64>,
    running: AtomicBool,
}

impl Default for EventBus {
    fn default() -> Self {
        Self::new()
    }
}

impl EventBus {
    pub fn new() -> Self {
        let (sender, _) = broadcast::channel(CAPACITY);
        Self {
            inner: Arc::new(Inner {
                sender,
                wake: Notify::new(),
                appliers: RwLock::new(Vec::new()),
                applied: watch::channel(0).0,
                running: AtomicBool::new(false),
            }),
        }
    }

    /// Events committed from now on, in log order.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<BusEvent>> {
        self.inner.sender.subscribe()
    }

    /// Tells the tailer that new events may be in the log.
    pub fn wake(&self) {
        self.inner.wake.notify_one();
    }

    /// Runs `applier` on every event committed from now on, before it is sent.
    pub fn apply_with(&self, applier: Applier) {
        self.inner
            .appliers
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .push(applier);
    }

    /// Whether this instance tails the log (so appliers see every event).
    pub fn is_running(&self) -> bool {
        self.inner.running.load(Ordering::Acquire)
    }

    /// Waits until the events up to `seq` have been applied here, for at most
    /// `within`; returns whether they were. A writer calls it after its commit,
    /// so that this instance serves nothing older than its write once it answers.
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

    /// Starts the tailer (and on PostgreSQL the listener) for this instance.
    pub async fn start(&self, db: Database) -> Result<(), sea_orm::DbErr> {
        let last = log::last_seq(db.conn()).await?;
        self.inner.applied.send_replace(last);
        self.inner.running.store(true, Ordering::Release);
        if db.backend() == DatabaseBackend::Postgres {
            tokio::spawn(listen(db.clone(), self.clone()));
        }
        let poll = match db.backend() {
            DatabaseBackend::Postgres => POLL_INTERVAL,
            _ => SQLITE_POLL_INTERVAL,
        };
        tokio::spawn(tail(db, self.clone(), last, poll));
        Ok(())
    }
}

async fn tail(db: Database, bus: EventBus, mut last: i64, poll: Duration) {
    loop {
        loop {
            match read(&db, last).await {
                Ok(events) if events.is_empty() => break,
                Ok(events) => {
                    for event in events {
                        last = event.event.seq;
                        for apply in bus
                            .inner
                            .appliers
                            .read()
                            .unwrap_or_else(|p| p.into_inner())
                            .iter()
                        {
                            apply(&event.event);
                        }
                        // No receiver is fine: nobody is listening right now.
                        let _ = bus.inner.sender.send(Arc::new(event));
                    }
                    bus.inner.applied.send_replace(last);
                }
                Err(err) => {
                    tracing::warn!(error = %err, "event tailer: reading the log failed; retrying");
                    break;
                }
            }
        }
        let _ = tokio::time::timeout(poll, bus.inner.wake.notified()).await;
    }
}

/// The next events after `last`, each with its public view.
async fn read(db: &Database, last: i64) -> crate::content::Result<Vec<BusEvent>> {
    let events = log::after(db.conn(), last, 500).await?;
    let public = visibility::public_events(db.conn(), &events).await?;
    Ok(events
        .into_iter()
        .zip(public)
        .map(|(event, public)| BusEvent { event, public })
        .collect())
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
                if let Err(err) = listener.listen(log::CHANNEL).await {
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
