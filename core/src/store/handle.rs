//! The store handle: one value owning everything the store keeps for one database — the
//! read pool, the write connection and its queue, whose turn it is to write, the configuration generation,
//! recently used API keys and the "flow runs created" signal. It is passed wherever the
//! database is needed; two handles (two tests, two databases) share nothing, and nothing of
//! the store lives in process-wide statics.

use std::{
    collections::HashMap,
    str::FromStr,
    sync::{
        Arc, Mutex, PoisonError,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use outflow_model::trigger::Trigger;
use sqlx::{
    SqlitePool,
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous},
};
use tokio::sync::Notify;

use super::{StoreResult, principals::RecentKeys, writer::Writer};

/// A cheap-to-clone handle to one database.
#[derive(Clone)]
pub struct Store(Arc<Shared>);

struct Shared {
    pool: SqlitePool,
    writer: Writer,
    /// Whose turn it is to write (see [`Store::write_turn`]).
    turn: Arc<tokio::sync::Mutex<()>>,
    /// Moves on every committed configuration change (see [`Store::config_generation`]).
    generation: AtomicU64,
    flow_runs_created: Notify,
    recent_keys: Mutex<RecentKeys>,
    /// Trigger events this process dispatched, by trigger (in the order of `Trigger::ALL`).
    events_dispatched: [AtomicU64; Trigger::ALL.len()],
}

impl Store {
    /// Opens (creating if needed) the database and starts its writer, with the settings
    /// every connection shares: WAL so readers never block the writer, a busy timeout
    /// instead of instant lock errors, and foreign keys enforced. `synchronous = NORMAL` in
    /// WAL mode survives process crashes; only a power loss can drop the last commits.
    /// Migrations are not run here (see [`Store::migrate`]).
    pub async fn open(database_url: &str) -> StoreResult<Store> {
        let options = SqliteConnectOptions::from_str(database_url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(5))
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new().max_connections(8).acquire_timeout(Duration::from_secs(10)).connect_with(options).await?;
        let turn = Arc::new(tokio::sync::Mutex::new(()));
        let writer = Writer::start(pool.connect_options().get_filename())?;
        Ok(Store(Arc::new(Shared {
            pool,
            writer,
            turn,
            generation: AtomicU64::new(0),
            flow_runs_created: Notify::new(),
            recent_keys: Mutex::new(HashMap::new()),
            events_dispatched: Default::default(),
        })))
    }

    /// Applies the migrations embedded in the binary; already-applied ones are skipped.
    pub async fn migrate(&self) -> StoreResult<()> {
        sqlx::migrate!("./migrations").run(self.db()).await?;
        Ok(())
    }

    /// Answers whether the database takes a query, for `/healthz`.
    pub async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(self.db()).await?;
        Ok(())
    }

    /// Closes the read pool at shutdown, after the workers stopped; the write connection
    /// and its checkpointer end when the last handle is dropped.
    pub async fn close(&self) {
        self.0.pool.close().await;
    }

    /// Changes whenever configuration may have changed: a cache filled at one generation is
    /// good for as long as the generation stays the same. (Coarse on purpose: a comment or a
    /// status change also moves it, which costs a cache refill, never a stale answer.)
    pub fn config_generation(&self) -> u64 {
        self.0.generation.load(Ordering::Acquire)
    }

    /// What the engine's worker waits on between rounds: woken whenever runs are created
    /// for it to take (not for runs their creator executes itself).
    pub fn flow_runs_created(&self) -> &Notify {
        &self.0.flow_runs_created
    }

    /// Trigger events this process dispatched so far, by trigger (in the order of
    /// `Trigger::ALL`), for the metrics.
    pub fn events_dispatched(&self) -> [u64; Trigger::ALL.len()] {
        self.0.events_dispatched.each_ref().map(|count| count.load(Ordering::Relaxed))
    }

    pub(crate) fn count_dispatched(&self, events: &[u64; Trigger::ALL.len()]) {
        for (count, read) in self.0.events_dispatched.iter().zip(events) {
            count.fetch_add(*read, Ordering::Relaxed);
        }
    }

    /// The read pool (and the pool of the few writes that go through sqlx).
    pub(crate) fn db(&self) -> &SqlitePool {
        &self.0.pool
    }

    pub(crate) fn writer(&self) -> &Writer {
        &self.0.writer
    }

    /// Waits for the turn to write. SQLite has one writer at a time; queueing writers here,
    /// in memory, is far faster than letting them collide on the database lock, where each
    /// loser sleeps in SQLite's busy handler. The write queue's jobs run under the same turn.
    pub(crate) async fn write_turn(&self) -> tokio::sync::OwnedMutexGuard<()> {
        self.0.turn.clone().lock_owned().await
    }

    /// Called by every committed [`super::WriteTx`]: configuration may have changed.
    pub(crate) fn configuration_changed(&self) {
        self.0.generation.fetch_add(1, Ordering::Release);
    }

    /// A migrated database named `name` in `dir`, for tests.
    #[cfg(test)]
    pub(crate) async fn scratch(dir: &tempfile::TempDir, name: &str) -> Store {
        let store = Store::open(&format!("sqlite://{}", dir.path().join(name).display())).await.expect("the database opens");
        store.migrate().await.expect("migrations run");
        store
    }

    pub(crate) fn recent_keys(&self) -> std::sync::MutexGuard<'_, RecentKeys> {
        self.0.recent_keys.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{bootstrap_admin, create_workflow, principal_for_api_key};

    #[tokio::test]
    async fn two_stores_in_one_process_share_nothing() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let (first, second) = (Store::scratch(&dir, "first.db").await, Store::scratch(&dir, "second.db").await);
        let before = second.config_generation();
        create_workflow(&first, None, "Only in the first").await.expect("created");
        assert!(first.config_generation() > 0, "a configuration change moves its store's generation");
        assert_eq!(second.config_generation(), before, "and leaves another store's caches valid");

        bootstrap_admin(&first, "ofk_first").await.expect("an admin with a key");
        assert!(principal_for_api_key(&first, "ofk_first").await.expect("readable").is_some());
        // Looked up twice on the first store, so cached there; the second store never saw it.
        assert!(principal_for_api_key(&first, "ofk_first").await.expect("readable").is_some());
        assert!(principal_for_api_key(&second, "ofk_first").await.expect("readable").is_none());
    }

    /// Migration 0016 rebuilds `flow_runs`: a database upgraded from 0015 keeps every run, its
    /// step records and its links to the runs it re-runs and restarts.
    #[tokio::test]
    async fn upgrading_through_the_flow_runs_rebuild_keeps_runs_steps_and_links() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let store = Store::open(&format!("sqlite://{}", dir.path().join("old.db").display())).await.expect("the database opens");
        let mut before_0016 = sqlx::migrate!("./migrations");
        before_0016.migrations = before_0016.migrations.iter().filter(|migration| migration.version < 16).cloned().collect::<Vec<_>>().into();
        before_0016.run(store.db()).await.expect("migrations up to 0015 run");
        for statement in [
            "INSERT INTO flow_snapshots (hash, graph) VALUES ('h', '{}')",
            "INSERT INTO flow_runs (id, flow_name, flow_version, workflow_id, snapshot, started_by, trigger_block, trigger, payload, status, created_at, updated_at)
             VALUES ('r1', 'F', 1, 'wf', 'h', 'api', 't1', 'status', '{}', 'failed', 1, 1)",
            "INSERT INTO flow_runs (id, flow_name, flow_version, workflow_id, snapshot, started_by, trigger_block, trigger, payload, status, created_at, updated_at,
                                    rerun_of, restart_of, restart_from, restart_origin)
             VALUES ('r2', 'F', 1, 'wf', 'h', 'rerun', 't1', 'status', '{}', 'succeeded', 2, 2, 'r1', 'r1', 'w2', 'r1')",
            "INSERT INTO flow_run_steps (run_id, iteration, block_id, status, started_at) VALUES ('r1', '', 'w1', 'succeeded', 1), ('r1', '0', 'w2', 'failed', 1)",
        ] {
            sqlx::query(statement).execute(store.db()).await.expect("an old row");
        }
        store.migrate().await.expect("0016 runs");
        let links: (Option<String>, Option<String>, Option<String>) =
            sqlx::query_as("SELECT rerun_of, restart_of, restart_from FROM flow_runs WHERE id = 'r2'").fetch_one(store.db()).await.expect("r2 kept");
        assert_eq!(links, (Some("r1".into()), Some("r1".into()), Some("w2".into())), "links to other runs survive the rebuild");
        let steps: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM flow_run_steps WHERE run_id = 'r1'").fetch_one(store.db()).await.expect("readable");
        assert_eq!(steps, 2, "step records survive the rebuild");
        sqlx::query("DELETE FROM flow_runs WHERE id = 'r1'").execute(store.db()).await.expect("deleted");
        let steps: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM flow_run_steps").fetch_one(store.db()).await.expect("readable");
        assert_eq!(steps, 0, "and still go with their run");
    }
}
