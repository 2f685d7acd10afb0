//! Values read from the store and kept while the store's configuration generation lasts
//! (see `Store::config_generation`): any committed configuration change makes them stale.
//! The runtime keeps the endpoints and workflow script resources every runner shares; the
//! engine keeps its own (published flows, whom runs act for).

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, PoisonError},
};

/// Values by id, good while the configuration generation they were read at lasts.
pub struct Cache<T> {
    entries: Mutex<HashMap<String, (u64, Arc<T>)>>,
}

impl<T> Default for Cache<T> {
    fn default() -> Self {
        Cache { entries: Mutex::default() }
    }
}

/// Entries one cache keeps before it starts afresh.
const CACHE_ENTRIES: usize = 10_000;

impl<T> Cache<T> {
    pub fn get(&self, id: &str, generation: u64) -> Option<Arc<T>> {
        let entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        entries.get(id).filter(|(read_at, _)| *read_at == generation).map(|(_, value)| value.clone())
    }

    /// Keeps a value read at `generation` (read before the value was, so a change made
    /// meanwhile makes it stale at once).
    pub fn put(&self, id: &str, generation: u64, value: Arc<T>) {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        if entries.len() >= CACHE_ENTRIES {
            entries.clear();
        }
        entries.insert(id.to_string(), (generation, value));
    }
}
