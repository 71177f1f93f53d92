//! Public reads from memory, kept current by the event log.
//!
//! Two caches per instance: the [response cache](response) keeps whole public
//! answers, the [object cache](objects) keeps published rows and child lists under
//! the DataLoaders. Every entry carries the [`Dependency`]s it was read from (the
//! root fields and loaders note them in the request's [`ReadSet`]); every change to a
//! published copy names the dependencies it changes ([`keys::purged_by`]), and the
//! caches consume the event log: each instance's event bus hands every committed
//! event to [`Caches::apply`] before its subscribers hear of it. A public answer's dependencies are also its
//! `Surrogate-Key`/`Cache-Tag` header, and the same keys are in each event and
//! webhook payload (`purgeKeys`), so a CDN in front purges exactly what changed.
//!
//! The caches are armed only once the instance tails the event log: without it
//! nothing would evict, so nothing is kept.

pub mod keys;
pub mod objects;
pub mod reads;
pub mod response;
pub mod store;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

pub use keys::{ChildList, Dependency};
pub use objects::{ObjectCache, ObjectKey};
pub use reads::ReadSet;
pub use response::{Answer, AnswerKey, ResponseCache};
pub use store::Budget;

use sea_orm::{DatabaseExecutor, DbErr};

use crate::log::{Consumer, Event};
use crate::observe::Metrics;

/// How large each cache may grow; a zero turns one off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CacheBudgets {
    pub responses: Budget,
    pub objects: Budget,
}

impl Default for CacheBudgets {
    fn default() -> Self {
        Self {
            responses: Budget {
                max_bytes: 16 * 1024 * 1024,
                max_entries: 10_000,
            },
            objects: Budget {
                max_bytes: 16 * 1024 * 1024,
                max_entries: 50_000,
            },
        }
    }
}

/// Both caches of an instance: an in-memory consumer of the event log.
pub struct Caches {
    responses: ResponseCache,
    objects: Arc<ObjectCache>,
    armed: AtomicBool,
}

impl Caches {
    pub fn new(budgets: CacheBudgets, metrics: &Metrics) -> Self {
        Self {
            responses: ResponseCache::new(budgets.responses, metrics.cache("responses")),
            objects: Arc::new(ObjectCache::new(budgets.objects, metrics.cache("objects"))),
            armed: AtomicBool::new(false),
        }
    }

    /// Turns the caches on; call once the event log is tailed.
    pub fn arm(&self) {
        self.armed.store(true, Ordering::Release);
    }

    fn armed(&self) -> bool {
        self.armed.load(Ordering::Acquire)
    }

    /// The response cache, when on.
    pub fn responses(&self) -> Option<&ResponseCache> {
        (self.armed() && !self.responses.is_off()).then_some(&self.responses)
    }

    /// The object cache, when armed (it may still be sized to nothing).
    pub fn objects(&self) -> Option<&Arc<ObjectCache>> {
        self.armed().then_some(&self.objects)
    }

    /// Evicts what a committed change makes stale. Objects go first: a request
    /// that starts in between then builds its answer from fresh objects, and
    /// cannot keep it anyway (the response cache's purge is still to come).
    pub fn apply(&self, event: &Event) {
        let dependencies = keys::purged_by(
            event.document_type,
            event.document_id,
            event.stage,
            event.snapshot.as_ref(),
        );
        if dependencies.is_empty() {
            return;
        }
        self.objects.purge(&dependencies);
        self.responses.purge(&dependencies);
    }

    /// `(entries, bytes)` of the response cache and of the object cache.
    pub fn sizes(&self) -> [(usize, usize); 2] {
        [self.responses.size(), self.objects.size()]
    }
}

/// Evicts, event by event, what each committed change makes stale. In memory: a
/// starting instance's caches are empty, so only events from then on concern them.
#[async_trait::async_trait]
impl Consumer for Caches {
    fn name(&self) -> &'static str {
        "caches"
    }

    async fn consume(&self, _db: &DatabaseExecutor<'_>, events: &[Event]) -> Result<(), DbErr> {
        for event in events {
            self.apply(event);
        }
        Ok(())
    }
}
