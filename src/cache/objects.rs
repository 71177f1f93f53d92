//! The object cache: published rows by id, published child lists by parent, and
//! which row a slug names, shared by every request of an instance. It sits under
//! the DataLoaders, so a query the response cache has not seen (other fields,
//! other aliases) still reads recently read content without SQL.

use std::any::Any;
use std::sync::Arc;

use entity::DocumentType;
use serde::Serialize;
use uuid::Uuid;

use super::keys::{ChildList, Dependency};
use super::store::{Budget, Dependencies, Store};
use crate::observe::CacheMetrics;

/// Where an object is kept.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ObjectKey {
    /// A published row.
    Row(DocumentType, Uuid),
    /// A parent's published list of one kind, in order.
    Children(Uuid, ChildList),
    /// The published row a slug names.
    Slug(DocumentType, String),
}

type Object = Arc<dyn Any + Send + Sync>;

pub struct ObjectCache(Store<ObjectKey, Object>);

impl ObjectCache {
    pub fn new(budget: Budget, metrics: CacheMetrics) -> Self {
        Self(Store::new(budget, metrics))
    }

    pub fn epoch(&self) -> u64 {
        self.0.epoch()
    }

    /// The object under `key`, if kept and of type `V`, with what it was read from.
    pub fn get<V: Clone + 'static>(&self, key: &ObjectKey) -> Option<(V, Dependencies)> {
        let (object, dependencies) = self.0.get(key)?;
        let value = object.downcast_ref::<V>()?.clone();
        Some((value, dependencies))
    }

    /// Keeps `value`, read from `dependencies` by a request that began at `epoch`.
    pub fn insert<V: Serialize + Send + Sync + 'static>(
        &self,
        key: ObjectKey,
        value: V,
        dependencies: Vec<Dependency>,
        epoch: u64,
    ) {
        if self.0.is_off() {
            return;
        }
        // Weighed by its JSON, only when kept (rare next to reads). The JSON
        // leaves out the rendered HTML and plain text beside each markdown field
        // and the allocations' own overhead: twice its length covers both.
        let bytes = 2 * serde_json::to_vec(&value).map_or(0, |json| json.len()) + std::mem::size_of::<V>();
        self.0
            .insert(key, Arc::new(value), dependencies.into(), bytes, epoch);
    }

    pub fn purge(&self, dependencies: &[Dependency]) -> usize {
        self.0.purge(dependencies)
    }

    /// Entries and bytes held.
    pub fn size(&self) -> (usize, usize) {
        self.0.size()
    }
}
