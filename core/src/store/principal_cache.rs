//! Remembers which principal an API key stands for, so an API request costs no database
//! read to authenticate. Correctness over speed: every change that can alter the answer
//! (a user's roles or active flag, a revoked key) calls [`forget_all`] after it commits,
//! and a lookup that raced with such a change never stores its (possibly stale) answer,
//! because the generation it started under is gone by then.

use std::{
    collections::HashMap,
    path::PathBuf,
    sync::{
        LazyLock, Mutex,
        atomic::{AtomicU64, Ordering},
    },
};

use sqlx::SqlitePool;

use super::Principal;

/// Most keys remembered; past it the cache starts over (keys in use come back at once).
const MAX_ENTRIES: usize = 10_000;

#[derive(Clone)]
pub(crate) struct Cached {
    pub(crate) key_id: i64,
    pub(crate) last_used_at: Option<i64>,
    pub(crate) principal: Principal,
}

/// Keyed by database file and key digest: tests run several databases in one process.
type Entries = HashMap<(PathBuf, String), Cached>;

static ENTRIES: LazyLock<Mutex<Entries>> = LazyLock::new(|| Mutex::new(HashMap::new()));
static GENERATION: AtomicU64 = AtomicU64::new(0);

fn slot(pool: &SqlitePool, key_hash: &str) -> (PathBuf, String) {
    (pool.connect_options().get_filename().to_path_buf(), key_hash.to_string())
}

fn entries() -> std::sync::MutexGuard<'static, Entries> {
    // A poisoned lock only means a panic elsewhere mid-insert; the map itself stays usable.
    ENTRIES.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The generation a lookup starts under; pass it back to [`remember`].
pub(crate) fn generation() -> u64 {
    GENERATION.load(Ordering::Acquire)
}

pub(crate) fn recall(pool: &SqlitePool, key_hash: &str) -> Option<Cached> {
    entries().get(&slot(pool, key_hash)).cloned()
}

/// Stores an answer read from the database, unless something changed since `started`.
pub(crate) fn remember(pool: &SqlitePool, key_hash: &str, cached: Cached, started: u64) {
    let mut entries = entries();
    if GENERATION.load(Ordering::Acquire) != started {
        return;
    }
    if entries.len() >= MAX_ENTRIES {
        entries.clear();
    }
    entries.insert(slot(pool, key_hash), cached);
}

/// Drops every remembered answer; call after committing a change to users or keys.
pub(crate) fn forget_all() {
    let mut entries = entries();
    GENERATION.fetch_add(1, Ordering::AcqRel);
    entries.clear();
}
