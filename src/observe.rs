//! What operators watch: Prometheus metrics (`GET /metrics`), kept by the request
//! pipeline, the query guard and the WebSocket, and read out in text format.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Notify;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

/// Distinct operation names kept as labels; later names count as `other`, so a
/// client inventing names cannot grow the metrics without bound.
const MAX_OPERATION_LABELS: usize = 200;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    operation: String,
    outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct LimitLabels {
    limit: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CacheLabels {
    cache: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct EvictionLabels {
    cache: String,
    reason: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PoolLabels {
    state: String,
}

/// How a GraphQL request ended, as counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Answered without errors.
    Ok,
    /// Answered, with errors in the answer (partial data or none).
    Errors,
    /// Refused before execution (bad request, a limit, a bad token).
    Refused,
}

impl Outcome {
    fn label(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Errors => "errors",
            Self::Refused => "refused",
        }
    }
}

/// The metrics of one instance; cheap to clone.
#[derive(Clone)]
pub struct Metrics(Arc<Inner>);

struct Inner {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Histogram,
    in_flight: Gauge,
    refused_by_limit: Family<LimitLabels, Counter>,
    websocket_connections: Gauge,
    subscriptions: Gauge,
    pool: Family<PoolLabels, Gauge>,
    webhook_backlog: Gauge,
    caches: CacheFamilies,
    operations_seen: Mutex<HashSet<String>>,
    /// Woken whenever a gauge of live things (requests, sockets, subscriptions) moves.
    changed: Notify,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("clinic");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "graphql_requests",
            "GraphQL requests over HTTP, by operation name and outcome",
            requests.clone(),
        );
        // 0.25 ms to about 8 s.
        let latency = Histogram::new(exponential_buckets(0.000_25, 2.0, 16));
        registry.register(
            "graphql_request_duration_seconds",
            "Time to answer a GraphQL request over HTTP",
            latency.clone(),
        );
        let in_flight = Gauge::default();
        registry.register(
            "graphql_requests_in_flight",
            "GraphQL requests over HTTP being answered now",
            in_flight.clone(),
        );
        let refused_by_limit = Family::<LimitLabels, Counter>::default();
        registry.register(
            "graphql_limit_refusals",
            "Operations refused by a query limit, by the limit's code",
            refused_by_limit.clone(),
        );
        let websocket_connections = Gauge::default();
        registry.register(
            "websocket_connections",
            "Open WebSocket connections",
            websocket_connections.clone(),
        );
        let subscriptions = Gauge::default();
        registry.register(
            "subscriptions",
            "Active GraphQL subscriptions",
            subscriptions.clone(),
        );
        let pool = Family::<PoolLabels, Gauge>::default();
        registry.register(
            "database_pool_connections",
            "Database pool connections by state (in_use, idle)",
            pool.clone(),
        );
        let webhook_backlog = Gauge::default();
        registry.register(
            "webhook_backlog",
            "Webhook deliveries waiting to be sent or retried",
            webhook_backlog.clone(),
        );
        let caches = CacheFamilies::register(&mut registry);
        Self(Arc::new(Inner {
            registry,
            caches,
            requests,
            latency,
            in_flight,
            refused_by_limit,
            websocket_connections,
            subscriptions,
            pool,
            webhook_backlog,
            operations_seen: Mutex::new(HashSet::new()),
            changed: Notify::new(),
        }))
    }

    /// Counts one answered HTTP GraphQL request.
    pub fn request(&self, operation: Option<&str>, outcome: Outcome, took: Duration) {
        let operation = self.operation_label(operation);
        self.0
            .requests
            .get_or_create(&RequestLabels {
                operation,
                outcome: outcome.label().to_owned(),
            })
            .inc();
        self.0.latency.observe(took.as_secs_f64());
    }

    /// Counts a request as in flight until the returned guard is dropped.
    pub fn in_flight(&self) -> InFlight {
        self.0.in_flight.inc();
        self.0.changed.notify_waiters();
        InFlight(self.clone())
    }

    /// GraphQL requests over HTTP being answered now.
    pub fn requests_in_flight(&self) -> i64 {
        self.0.in_flight.get()
    }

    /// Counts one operation refused by the limit named by `code`.
    pub fn limit_refused(&self, code: &str) {
        self.0
            .refused_by_limit
            .get_or_create(&LimitLabels {
                limit: code.to_owned(),
            })
            .inc();
    }

    pub fn websocket_opened(&self) {
        self.0.websocket_connections.inc();
        self.0.changed.notify_waiters();
    }

    pub fn websocket_closed(&self) {
        self.0.websocket_connections.dec();
        self.0.changed.notify_waiters();
    }

    pub fn subscription_started(&self) {
        self.0.subscriptions.inc();
        self.0.changed.notify_waiters();
    }

    pub fn subscription_ended(&self) {
        self.0.subscriptions.dec();
        self.0.changed.notify_waiters();
    }

    /// Subscriptions running now.
    pub fn subscriptions(&self) -> i64 {
        self.0.subscriptions.get()
    }

    /// Returns once `condition` holds, checking it each time a live gauge moves
    /// (tests and operators wait on this rather than on time).
    pub async fn wait_until(&self, condition: impl Fn(&Metrics) -> bool) {
        loop {
            let changed = self.0.changed.notified();
            tokio::pin!(changed);
            // Registered before the check, so a change in between is not missed.
            changed.as_mut().enable();
            if condition(self) {
                return;
            }
            changed.await;
        }
    }

    /// Records the gauges read at scrape time.
    pub fn set_pool(&self, in_use: i64, idle: i64) {
        for (state, value) in [("in_use", in_use), ("idle", idle)] {
            self.0
                .pool
                .get_or_create(&PoolLabels {
                    state: state.to_owned(),
                })
                .set(value);
        }
    }

    pub fn set_webhook_backlog(&self, waiting: i64) {
        self.0.webhook_backlog.set(waiting);
    }

    /// The counters and gauges of the cache called `name`.
    pub fn cache(&self, name: &str) -> CacheMetrics {
        self.0.caches.of(name)
    }

    /// Everything in the Prometheus text format.
    pub fn render(&self) -> String {
        let mut text = String::new();
        // Writing to a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut text, &self.0.registry);
        text
    }

    fn operation_label(&self, operation: Option<&str>) -> String {
        let Some(name) = operation.filter(|n| is_operation_name(n)) else {
            return "anonymous".to_owned();
        };
        let Ok(mut seen) = self.0.operations_seen.lock() else {
            return "other".to_owned();
        };
        if seen.contains(name) {
            return name.to_owned();
        }
        if seen.len() < MAX_OPERATION_LABELS {
            seen.insert(name.to_owned());
            return name.to_owned();
        }
        "other".to_owned()
    }
}

/// A request being answered; counted out when dropped.
pub struct InFlight(Metrics);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.0.in_flight.dec();
        self.0.0.changed.notify_waiters();
    }
}

/// A GraphQL name of sensible length: anything else is not worth a label.
fn is_operation_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        && !name.as_bytes()[0].is_ascii_digit()
}

/// The cache metrics, one series per cache.
#[derive(Default)]
struct CacheFamilies {
    hits: Family<CacheLabels, Counter>,
    misses: Family<CacheLabels, Counter>,
    inserts: Family<CacheLabels, Counter>,
    not_kept: Family<CacheLabels, Counter>,
    evictions: Family<EvictionLabels, Counter>,
    bytes: Family<CacheLabels, Gauge>,
    entries: Family<CacheLabels, Gauge>,
}

impl CacheFamilies {
    fn register(registry: &mut Registry) -> Self {
        let families = Self::default();
        registry.register(
            "cache_hits",
            "Cache lookups answered from memory",
            families.hits.clone(),
        );
        registry.register(
            "cache_misses",
            "Cache lookups that went to the database or executed",
            families.misses.clone(),
        );
        registry.register("cache_inserts", "Entries stored", families.inserts.clone());
        registry.register(
            "cache_not_kept",
            "Answers not stored: too large, or read while a write was being applied",
            families.not_kept.clone(),
        );
        registry.register(
            "cache_evictions",
            "Entries removed, by reason: purge (a write changed what they were read from) or room",
            families.evictions.clone(),
        );
        registry.register(
            "cache_bytes",
            "Memory held by a cache (estimated)",
            families.bytes.clone(),
        );
        registry.register(
            "cache_entries",
            "Entries held by a cache",
            families.entries.clone(),
        );
        families
    }

    fn of(&self, name: &str) -> CacheMetrics {
        let labels = CacheLabels {
            cache: name.to_owned(),
        };
        let eviction = |reason: &str| {
            self.evictions
                .get_or_create(&EvictionLabels {
                    cache: name.to_owned(),
                    reason: reason.to_owned(),
                })
                .clone()
        };
        CacheMetrics {
            hits: self.hits.get_or_create(&labels).clone(),
            misses: self.misses.get_or_create(&labels).clone(),
            inserts: self.inserts.get_or_create(&labels).clone(),
            not_kept: self.not_kept.get_or_create(&labels).clone(),
            purged: eviction("purge"),
            evicted_for_room: eviction("room"),
            bytes: self.bytes.get_or_create(&labels).clone(),
            entries: self.entries.get_or_create(&labels).clone(),
        }
    }
}

/// One cache's counters and gauges (handles into the registry; cheap to clone).
#[derive(Clone, Default)]
pub struct CacheMetrics {
    hits: Counter,
    misses: Counter,
    inserts: Counter,
    not_kept: Counter,
    purged: Counter,
    evicted_for_room: Counter,
    bytes: Gauge,
    entries: Gauge,
}

impl CacheMetrics {
    /// Counters registered nowhere, for a cache used outside a server (tests).
    pub fn detached() -> Self {
        Self::default()
    }

    pub fn hit(&self) {
        self.hits.inc();
    }

    pub fn miss(&self) {
        self.misses.inc();
    }

    pub fn inserted(&self) {
        self.inserts.inc();
    }

    pub fn skipped(&self) {
        self.not_kept.inc();
    }

    pub fn purged(&self, entries: usize) {
        self.purged.inc_by(entries as u64);
    }

    pub fn evicted_for_room(&self, entries: usize) {
        self.evicted_for_room.inc_by(entries as u64);
    }

    pub fn set_size(&self, bytes: usize, entries: usize) {
        self.bytes.set(i64::try_from(bytes).unwrap_or(i64::MAX));
        self.entries.set(i64::try_from(entries).unwrap_or(i64::MAX));
    }

    /// Lookups answered from memory so far.
    pub fn hits(&self) -> u64 {
        self.hits.get()
    }

    /// Entries removed because a write changed what they were read from.
    pub fn purges(&self) -> u64 {
        self.purged.get()
    }
}
