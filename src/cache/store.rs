//! A bounded map whose entries carry the [`Dependency`]s they were read from, so a
//! write can remove exactly the entries it changes. Both caches are one of these.
//!
//! Bounded in bytes and entries; when full, the least recently useful entry goes
//! (CLOCK: an entry read since the hand last passed gets another round). A reader
//! notes the store's epoch before it reads the database and inserts with it: if a
//! purge ran in between, what it read may predate the write, so it is not kept.

use std::collections::{HashMap, HashSet, VecDeque};
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use super::keys::Dependency;
use crate::observe::CacheMetrics;

/// What one entry costs besides its value: the key, the bookkeeping, the index.
const ENTRY_OVERHEAD: usize = 96;
const DEPENDENCY_OVERHEAD: usize = 56;

/// How much a store may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    pub max_bytes: usize,
    pub max_entries: usize,
}

impl Budget {
    pub fn is_off(&self) -> bool {
        self.max_bytes == 0 || self.max_entries == 0
    }
}

/// The dependencies an entry was read from, shared with whoever reads it.
pub type Dependencies = Arc<[Dependency]>;

pub struct Store<K, V> {
    budget: Budget,
    /// Bumped by every purge; see the module comment.
    epoch: AtomicU64,
    inner: Mutex<Inner<K, V>>,
    metrics: CacheMetrics,
}

struct Entry<V> {
    value: V,
    dependencies: Dependencies,
    bytes: usize,
    /// Which push onto the clock queue is this entry's (older ones are stale).
    stamp: u64,
    referenced: bool,
}

struct Inner<K, V> {
    entries: HashMap<K, Entry<V>>,
    by_dependency: HashMap<Dependency, HashSet<K>>,
    clock: VecDeque<(K, u64)>,
    next_stamp: u64,
    bytes: usize,
}

impl<K: Eq + Hash + Clone, V: Clone> Store<K, V> {
    pub fn new(budget: Budget, metrics: CacheMetrics) -> Self {
        Self {
            budget,
            epoch: AtomicU64::new(0),
            inner: Mutex::new(Inner {
                entries: HashMap::new(),
                by_dependency: HashMap::new(),
                clock: VecDeque::new(),
                next_stamp: 0,
                bytes: 0,
            }),
            metrics,
        }
    }

    pub fn is_off(&self) -> bool {
        self.budget.is_off()
    }

    fn lock(&self) -> MutexGuard<'_, Inner<K, V>> {
        // A panic while holding the lock leaves the maps consistent enough to go on.
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Note this before reading what will be inserted; pass it to `insert`.
    pub fn epoch(&self) -> u64 {
        self.epoch.load(Ordering::Acquire)
    }

    /// The value under `key`, with what it was read from.
    pub fn get(&self, key: &K) -> Option<(V, Dependencies)> {
        if self.is_off() {
            return None;
        }
        let mut inner = self.lock();
        match inner.entries.get_mut(key) {
            Some(entry) => {
                entry.referenced = true;
                self.metrics.hit();
                Some((entry.value.clone(), entry.dependencies.clone()))
            }
            None => {
                self.metrics.miss();
                None
            }
        }
    }

    /// Keeps `value` (about `bytes` large), read from `dependencies` by a reader
    /// that began at `epoch`. Returns whether it was kept: not when a purge ran
    /// since the reader began, nor when it alone would take over an eighth of the store.
    pub fn insert(&self, key: K, value: V, dependencies: Dependencies, bytes: usize, epoch: u64) -> bool {
        if self.is_off() {
            return false;
        }
        let bytes = bytes + ENTRY_OVERHEAD + dependencies.len() * DEPENDENCY_OVERHEAD;
        if bytes > self.budget.max_bytes / 8 {
            self.metrics.skipped();
            return false;
        }
        let mut inner = self.lock();
        // Checked under the lock, which purges also take: no purge can slip between.
        if self.epoch.load(Ordering::Acquire) != epoch {
            self.metrics.skipped();
            return false;
        }
        inner.remove(&key);
        let stamp = inner.next_stamp;
        inner.next_stamp += 1;
        for dependency in dependencies.iter() {
            inner
                .by_dependency
                .entry(*dependency)
                .or_default()
                .insert(key.clone());
        }
        inner.clock.push_back((key.clone(), stamp));
        inner.bytes += bytes;
        inner.entries.insert(
            key,
            Entry {
                value,
                dependencies,
                bytes,
                stamp,
                referenced: false,
            },
        );
        let evicted = inner.shrink_to(self.budget);
        self.metrics.inserted();
        self.metrics.evicted_for_room(evicted);
        self.metrics.set_size(inner.bytes, inner.entries.len());
        true
    }

    /// Removes every entry read from any of `dependencies`; returns how many.
    pub fn purge(&self, dependencies: &[Dependency]) -> usize {
        let mut inner = self.lock();
        self.epoch.fetch_add(1, Ordering::AcqRel);
        let mut doomed = HashSet::new();
        for dependency in dependencies {
            if let Some(keys) = inner.by_dependency.get(dependency) {
                doomed.extend(keys.iter().cloned());
            }
        }
        for key in &doomed {
            inner.remove(key);
        }
        self.metrics.purged(doomed.len());
        self.metrics.set_size(inner.bytes, inner.entries.len());
        doomed.len()
    }

    /// How many entries and bytes it holds.
    pub fn size(&self) -> (usize, usize) {
        let inner = self.lock();
        (inner.entries.len(), inner.bytes)
    }
}

impl<K: Eq + Hash + Clone, V> Inner<K, V> {
    fn remove(&mut self, key: &K) -> bool {
        let Some(entry) = self.entries.remove(key) else {
            return false;
        };
        self.bytes -= entry.bytes;
        for dependency in entry.dependencies.iter() {
            if let Some(keys) = self.by_dependency.get_mut(dependency) {
                keys.remove(key);
                if keys.is_empty() {
                    self.by_dependency.remove(dependency);
                }
            }
        }
        true
    }

    /// Evicts until within `budget`; returns how many went.
    fn shrink_to(&mut self, budget: Budget) -> usize {
        let mut evicted = 0;
        while self.bytes > budget.max_bytes || self.entries.len() > budget.max_entries {
            let Some((key, stamp)) = self.clock.pop_front() else {
                break;
            };
            let Some(entry) = self.entries.get_mut(&key) else {
                continue;
            };
            if entry.stamp != stamp {
                continue;
            }
            if entry.referenced {
                entry.referenced = false;
                self.clock.push_back((key, stamp));
                continue;
            }
            self.remove(&key);
            evicted += 1;
        }
        // Purged entries leave their place in the queue behind; drop those now and then.
        if self.clock.len() > 2 * self.entries.len() + 64 {
            let entries = &self.entries;
            self.clock
                .retain(|(key, stamp)| entries.get(key).is_some_and(|e| e.stamp == *stamp));
        }
        evicted
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn store(max_entries: usize) -> Store<u32, &'static str> {
        Store::new(
            Budget {
                max_bytes: 1 << 20,
                max_entries,
            },
            CacheMetrics::detached(),
        )
    }

    fn deps(ids: &[Uuid]) -> Dependencies {
        ids.iter()
            .map(|id| Dependency::Document(entity::DocumentType::Therapy, *id))
            .collect()
    }

    #[test]
    fn a_purge_removes_exactly_the_entries_read_from_what_changed() {
        let (a, b) = (Uuid::new_v4(), Uuid::new_v4());
        let store = store(10);
        let epoch = store.epoch();
        assert!(store.insert(1, "a", deps(&[a]), 1, epoch));
        assert!(store.insert(2, "ab", deps(&[a, b]), 1, epoch));
        assert!(store.insert(3, "b", deps(&[b]), 1, epoch));
        assert_eq!(
            store.purge(&[Dependency::Document(entity::DocumentType::Therapy, a)]),
            2
        );
        assert!(store.get(&1).is_none() && store.get(&2).is_none());
        assert_eq!(store.get(&3).map(|(v, _)| v), Some("b"));
    }

    #[test]
    fn what_was_read_before_a_purge_is_not_kept() {
        let store = store(10);
        let before = store.epoch();
        store.purge(&[Dependency::Feed]);
        assert!(!store.insert(1, "stale", deps(&[]), 1, before));
        assert!(store.get(&1).is_none());
        assert!(store.insert(1, "fresh", deps(&[]), 1, store.epoch()));
    }

    #[test]
    fn when_full_an_entry_read_lately_outlives_one_that_was_not() {
        let store = store(2);
        let epoch = store.epoch();
        store.insert(1, "read", deps(&[]), 1, epoch);
        store.insert(2, "unread", deps(&[]), 1, epoch);
        store.get(&1);
        store.insert(3, "new", deps(&[]), 1, epoch);
        assert!(store.get(&1).is_some());
        assert!(store.get(&2).is_none());
        assert!(store.get(&3).is_some());
        assert_eq!(store.size().0, 2);
    }

    #[test]
    fn bytes_are_bounded_and_accounted_back_on_removal() {
        let store: Store<u32, &str> = Store::new(
            Budget {
                max_bytes: 8 * 1024,
                max_entries: 1000,
            },
            CacheMetrics::detached(),
        );
        for key in 0..100 {
            store.insert(key, "x", deps(&[]), 500, store.epoch());
        }
        let (entries, bytes) = store.size();
        assert!(
            bytes <= 8 * 1024 && entries < 100,
            "{entries} entries, {bytes} bytes"
        );
        // One entry over an eighth of the store is refused outright.
        assert!(!store.insert(1000, "huge", deps(&[]), 2 * 1024, store.epoch()));
        store.purge(&[]);
    }
}
