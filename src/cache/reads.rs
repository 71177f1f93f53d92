//! What one request read of the published content, collected as it runs: the
//! tags of its cached answer and its surrogate keys.

use std::collections::HashSet;
use std::sync::Mutex;

use super::keys::Dependency;

/// Filled by the root fields and the loaders (only for published reads; drafts
/// are never cached nor served to the public).
#[derive(Debug, Default)]
pub struct ReadSet(Mutex<Inner>);

#[derive(Debug, Default)]
struct Inner {
    seen: HashSet<Dependency>,
    /// In the order first read, so headers come out the same each time.
    order: Vec<Dependency>,
    /// Read something that changes with every write, drafts too (the change
    /// feed's cursor): fine for a CDN to keep a while, not worth keeping here.
    volatile: bool,
}

impl ReadSet {
    pub fn add(&self, dependency: Dependency) {
        self.extend([dependency]);
    }

    pub fn extend(&self, dependencies: impl IntoIterator<Item = Dependency>) {
        let mut inner = self.0.lock().unwrap_or_else(|p| p.into_inner());
        for dependency in dependencies {
            if inner.seen.insert(dependency) {
                inner.order.push(dependency);
            }
        }
    }

    pub fn mark_volatile(&self) {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).volatile = true;
    }

    pub fn is_volatile(&self) -> bool {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).volatile
    }

    /// Everything read, each once, in the order first read.
    pub fn dependencies(&self) -> Vec<Dependency> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).order.clone()
    }
}
