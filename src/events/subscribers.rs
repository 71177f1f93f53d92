//! The subscription fan-out: an in-memory consumer of the log that judges once,
//! for all subscribers of the instance, what of each event the public may see,
//! and broadcasts the event with that view.

use std::sync::Arc;

use sea_orm::{DatabaseExecutor, DbErr};
use tokio::sync::broadcast;

use super::visibility;
use crate::content::ContentError;
use crate::log::{Consumer, Event};

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

/// The instance's subscribers to committed events.
#[derive(Clone)]
pub struct Subscribers {
    sender: broadcast::Sender<Arc<BusEvent>>,
}

impl Default for Subscribers {
    fn default() -> Self {
        Self::new()
    }
}

impl Subscribers {
    pub fn new() -> Self {
        Self {
            sender: broadcast::channel(CAPACITY).0,
        }
    }

    /// Events committed from now on, in log order.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<BusEvent>> {
        self.sender.subscribe()
    }
}

#[async_trait::async_trait]
impl Consumer for Subscribers {
    fn name(&self) -> &'static str {
        "subscribers"
    }

    async fn consume(&self, db: &DatabaseExecutor<'_>, events: &[Event]) -> Result<(), DbErr> {
        // Judged before anything is sent, so that a failure sends nothing twice.
        let public = visibility::public_events(db, events)
            .await
            .map_err(|err| match err {
                ContentError::Database(err) => err,
                other => DbErr::Custom(other.to_string()),
            })?;
        for (event, public) in events.iter().zip(public) {
            // No receiver is fine: nobody is listening right now.
            let _ = self.sender.send(Arc::new(BusEvent {
                event: event.clone(),
                public,
            }));
        }
        Ok(())
    }
}
