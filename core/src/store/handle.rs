//! The store handle: one value owning everything the store keeps for one database — the
//! engine it runs on, the connection pool, the write connection and its queue, whose turn
//! it is to write, the configuration generation, recently used API keys, the "flow runs
//! created" signal, how it leases flow runs, and what other instances announce
//! (`instances`). It is passed wherever the database is needed; two handles (two tests, two
//! databases) share nothing, and nothing of the store lives in process-wide statics.

use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex, OnceLock, PoisonError,
        atomic::{AtomicI64, AtomicU64, Ordering},
    },
    time::Duration,
};

use outflow_model::trigger::Trigger;
use tokio::sync::Notify;

use super::{
    FLOW_RUN_LEASE_MS, FlowRunLease, StoreResult,
    db::{self, Engine, Opener, Pool},
    instances::{CHANGES, Message},
    principals::RecentKeys,
    writer::Writer,
};

/// Connections a store lends to reads (and to writes that need no turn).
const POOL_SIZE: usize = 8;

/// A cheap-to-clone handle to one database.
#[derive(Clone)]
pub struct Store(Arc<Shared>);

struct Shared {
    engine: Engine,
    pool: Pool,
    /// The write connection and its queue (group commit; see `writer`).
    writer: Writer,
    /// Whose turn it is to write (see [`Store::write_turn`]).
    turn: Arc<tokio::sync::Mutex<()>>,
    /// Moves on every committed configuration change (see [`Store::config_generation`]).
    generation: AtomicU64,
    flow_runs_created: Notify,
    recent_keys: Mutex<RecentKeys>,
    /// Trigger events this process dispatched, by trigger (in the order of `Trigger::ALL`).
    events_dispatched: [AtomicU64; Trigger::ALL.len()],
    /// Where migrations run (SQLite's are sqlx's, on a connection of their own).
    url: String,
    /// This process's name in the notifications it sends other instances (PostgreSQL) and
    /// on the flow runs it leases (shared: every write of a leased run names it).
    instance: Arc<str>,
    /// How long a lease on a flow run lasts unless renewed, in milliseconds.
    flow_run_lease_ms: AtomicI64,
    /// Told of the kinds of work other instances announce (see [`Store::on_work_announced`]).
    work_announced: OnceLock<Box<dyn Fn(&Store, u8) + Send + Sync>>,
}

/// Every kind of work, as announced when announcements may have been missed.
const ALL_KINDS: u8 = u8::MAX;

impl Store {
    /// Opens the database `database_url` names: `sqlite://path` (created if missing, in WAL
    /// mode, so readers never block the writer; `synchronous = NORMAL` in WAL mode survives
    /// process crashes, only a power loss can drop the last commits) or `postgres://…`.
    /// Migrations are not run here (see [`Store::migrate`]).
    pub async fn open(database_url: &str) -> StoreResult<Store> {
        let instance: Arc<str> = crate::ids::new_id("in").into();
        let (engine, pool, writer) = match Opener::for_url(database_url, &db::application_name(&instance))? {
            Opener::Sqlite(path) => {
                let writer = Writer::start(&path)?;
                (Engine::Sqlite, Pool::new(Opener::Sqlite(path), POOL_SIZE), writer)
            }
            opener @ Opener::Postgres { .. } => {
                let pool = Pool::new(opener, POOL_SIZE * 2);
                // Refuses an unreachable server at once, with its reason.
                let writer = Writer::on(pool.take().await?);
                (Engine::Postgres, pool, writer)
            }
        };
        let store = Store(Arc::new(Shared {
            engine,
            pool,
            writer,
            turn: Arc::new(tokio::sync::Mutex::new(())),
            generation: AtomicU64::new(0),
            flow_runs_created: Notify::new(),
            recent_keys: Mutex::new(HashMap::new()),
            events_dispatched: Default::default(),
            url: database_url.to_string(),
            instance,
            flow_run_lease_ms: AtomicI64::new(FLOW_RUN_LEASE_MS),
            work_announced: OnceLock::new(),
        }));
        if engine == Engine::Postgres {
            store.listen_to_other_instances();
        }
        Ok(store)
    }

    /// Listens to what other instances on the same PostgreSQL database announce (see
    /// `instances`): a configuration change moves this store's generation, so its caches (API
    /// keys and whom they name, endpoints, flows) refill at their next use, within
    /// milliseconds of the other's commit; queued work is passed on to
    /// [`Store::on_work_announced`]. A lost connection counts as both (announcements may
    /// have been missed meanwhile).
    fn listen_to_other_instances(&self) {
        let shared = Arc::downgrade(&self.0);
        tokio::spawn(db::listen(self.0.url.clone(), db::application_name(&self.0.instance), CHANGES, move |payload| {
            let Some(shared) = shared.upgrade() else { return false };
            let work = |kinds| {
                if let Some(on) = shared.work_announced.get() {
                    on(&Store(shared.clone()), kinds);
                }
            };
            match payload.map(Message::decode) {
                Some(Some(message)) if message.from() == &*shared.instance => {}
                Some(Some(Message::Work { kinds, .. })) => work(kinds),
                Some(Some(Message::Configuration { .. }) | None) => {
                    shared.generation.fetch_add(1, Ordering::Release);
                }
                None => {
                    shared.generation.fetch_add(1, Ordering::Release);
                    work(ALL_KINDS);
                }
            }
            true
        }));
    }

    /// Who is told of the kinds of work other instances announce, with this store (the
    /// first caller; one per process: its workers).
    pub fn on_work_announced(&self, on: impl Fn(&Store, u8) + Send + Sync + 'static) {
        let _ = self.0.work_announced.set(Box::new(on));
    }

    /// Tells the other instances that work of `kinds` was queued here (PostgreSQL; on SQLite
    /// one process serves a database, so there is nobody to tell).
    pub async fn announce_work(&self, kinds: u8) -> StoreResult<()> {
        self.announce(Message::Work { from: &self.0.instance, kinds }).await
    }

    async fn announce(&self, message: Message<'_>) -> StoreResult<()> {
        if self.0.engine == Engine::Postgres {
            db::query("SELECT pg_notify(?, ?)").bind(CHANGES).bind(message.encode()).execute(self.db()).await?;
        }
        Ok(())
    }

    /// Whether another instance serves the same database now (PostgreSQL: the server has
    /// connections of another instance; a dead instance's are gone, see
    /// `db::application_name`). On SQLite one process serves a database.
    pub(crate) async fn others_alive(&self) -> StoreResult<bool> {
        if self.0.engine == Engine::Sqlite {
            return Ok(false);
        }
        let mine = db::application_name(&self.0.instance);
        Ok(db::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM pg_stat_activity
                            WHERE datname = current_database() AND application_name LIKE 'outflow %' AND application_name <> ?)",
        )
        .bind(mine)
        .fetch_one(self.db())
        .await?)
    }

    /// The engine the store runs on.
    pub fn engine(&self) -> Engine {
        self.0.engine
    }

    /// Applies the migrations embedded in the binary; already-applied ones are skipped.
    pub async fn migrate(&self) -> StoreResult<()> {
        match self.0.engine {
            Engine::Sqlite => super::migrations::sqlite(&self.0.url).await,
            Engine::Postgres => super::migrations::postgres(self).await,
        }
    }

    /// Answers whether the database takes a query, for `/healthz`.
    pub async fn ping(&self) -> StoreResult<()> {
        db::query("SELECT 1").execute(self.db()).await?;
        Ok(())
    }

    /// Closes the read pool at shutdown, after the workers stopped; the write connection
    /// and its checkpointer end when the last handle is dropped.
    pub async fn close(&self) {
        self.0.pool.close();
    }

    /// Changes whenever configuration may have changed: a cache filled at one generation is
    /// good for as long as the generation stays the same. (Coarse on purpose: a comment or a
    /// status change also moves it, which costs a cache refill, never a stale answer.)
    pub fn config_generation(&self) -> u64 {
        self.0.generation.load(Ordering::Acquire)
    }

    /// How this process leases the flow runs it executes (see [`FlowRunLease`]).
    pub fn flow_run_lease(&self) -> FlowRunLease {
        FlowRunLease { owner: self.0.instance.clone(), ms: self.0.flow_run_lease_ms.load(Ordering::Relaxed) }
    }

    /// Sets how long a lease on a flow run lasts unless renewed (at least 100 ms; by default
    /// `FLOW_RUN_LEASE_MS`).
    pub fn set_flow_run_lease(&self, lease: Duration) {
        let ms = i64::try_from(lease.as_millis()).unwrap_or(i64::MAX / 2).max(100);
        self.0.flow_run_lease_ms.store(ms, Ordering::Relaxed);
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

    /// The pool: reads, and the few writes that need no turn.
    pub(crate) fn db(&self) -> &Pool {
        &self.0.pool
    }

    /// What this process wrote so far, for the metrics.
    pub fn write_counts(&self) -> super::WriteCounts {
        self.0.writer.counts()
    }

    /// The write queue.
    pub(crate) fn writer(&self) -> &Writer {
        &self.0.writer
    }

    /// Begins a transaction; the caller holds the write turn.
    pub(crate) async fn begin(&self) -> StoreResult<db::Tx> {
        Ok(match self.0.engine {
            Engine::Sqlite => db::Tx::sqlite(self.0.writer.connection())?,
            Engine::Postgres => db::Tx::postgres(&self.0.pool).await?,
        })
    }

    /// Called after a commit outside the write queue (SQLite's WAL may want a checkpoint).
    pub(crate) fn committed(&self) {
        self.0.writer.committed();
    }

    /// Waits for the turn to write. SQLite has one writer at a time; queueing writers here,
    /// in memory, is far faster than letting them collide on the database lock, where each
    /// loser sleeps in SQLite's busy handler. The write queue's jobs run under the same turn.
    pub(crate) async fn write_turn(&self) -> tokio::sync::OwnedMutexGuard<()> {
        self.0.turn.clone().lock_owned().await
    }

    /// Called by every committed [`super::WriteTx`]: configuration may have changed. On
    /// PostgreSQL the other instances are told too (see `listen_to_other_instances`).
    pub(crate) fn configuration_changed(&self) {
        self.0.generation.fetch_add(1, Ordering::Release);
        if self.0.engine == Engine::Postgres {
            let store = self.clone();
            tokio::spawn(async move {
                if let Err(error) = store.announce(Message::Configuration { from: &store.0.instance }).await {
                    tracing::warn!(%error, "other instances could not be told of a configuration change");
                }
            });
        }
    }

    /// A fresh migrated database for a test: a SQLite file named `name` in `dir`, or, when
    /// `OUTFLOW_TEST_POSTGRES` names a PostgreSQL server (`postgres://user@host:port`), a new
    /// database there.
    #[cfg(test)]
    pub(crate) async fn scratch(dir: &tempfile::TempDir, name: &str) -> Store {
        let store = Store::open(&Store::scratch_url(dir, name).await).await.expect("the database opens");
        store.migrate().await.expect("migrations run");
        store
    }

    /// The URL of a fresh database for a test, as [`Store::scratch`] picks it; not migrated.
    #[cfg(test)]
    pub(crate) async fn scratch_url(dir: &tempfile::TempDir, name: &str) -> String {
        match std::env::var("OUTFLOW_TEST_POSTGRES") {
            Ok(server) => {
                let admin = Store::open(&format!("{server}/postgres")).await.expect("the PostgreSQL server answers");
                let database = format!("outflow_test_{}", crate::ids::new_id("db").trim_start_matches("db_"));
                admin
                    .db()
                    .with(move |conn| conn.execute_batch(&format!("CREATE DATABASE {database}")).map(|()| database))
                    .await
                    .map(|database| format!("{server}/{database}"))
            }
            Err(_) => Ok(format!("sqlite://{}", dir.path().join(name).display())),
        }
        .expect("a scratch database")
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
        let url = format!("sqlite://{}", dir.path().join("old.db").display());
        let store = Store::open(&url).await.expect("the database opens");
        let mut before_0016 = sqlx::migrate!("./migrations");
        before_0016.migrations = before_0016.migrations.iter().filter(|migration| migration.version < 16).cloned().collect::<Vec<_>>().into();
        let mut old =
            sqlx::ConnectOptions::connect(&<sqlx::sqlite::SqliteConnectOptions as std::str::FromStr>::from_str(&url).expect("a SQLite URL"))
                .await
                .expect("the database opens");
        before_0016.run(&mut old).await.expect("migrations up to 0015 run");
        for statement in [
            "INSERT INTO flow_snapshots (hash, graph) VALUES ('h', '{}')",
            "INSERT INTO flow_runs (id, flow_name, flow_version, workflow_id, snapshot, started_by, trigger_block, trigger, payload, status, created_at, updated_at)
             VALUES ('r1', 'F', 1, 'wf', 'h', 'api', 't1', 'status', '{}', 'failed', 1, 1)",
            "INSERT INTO flow_runs (id, flow_name, flow_version, workflow_id, snapshot, started_by, trigger_block, trigger, payload, status, created_at, updated_at,
                                    rerun_of, restart_of, restart_from, restart_origin)
             VALUES ('r2', 'F', 1, 'wf', 'h', 'rerun', 't1', 'status', '{}', 'succeeded', 2, 2, 'r1', 'r1', 'w2', 'r1')",
            "INSERT INTO flow_run_steps (run_id, iteration, block_id, status, started_at) VALUES ('r1', '', 'w1', 'succeeded', 1), ('r1', '0', 'w2', 'failed', 1)",
        ] {
            db::query(statement).execute(store.db()).await.expect("an old row");
        }
        drop(old);
        store.migrate().await.expect("0016 runs");
        let links: (Option<String>, Option<String>, Option<String>) =
            db::query_as("SELECT rerun_of, restart_of, restart_from FROM flow_runs WHERE id = 'r2'").fetch_one(store.db()).await.expect("r2 kept");
        assert_eq!(links, (Some("r1".into()), Some("r1".into()), Some("w2".into())), "links to other runs survive the rebuild");
        let steps: i64 = db::query_scalar("SELECT COUNT(*) FROM flow_run_steps WHERE run_id = 'r1'").fetch_one(store.db()).await.expect("readable");
        assert_eq!(steps, 2, "step records survive the rebuild");
        db::query("DELETE FROM flow_runs WHERE id = 'r1'").execute(store.db()).await.expect("deleted");
        let steps: i64 = db::query_scalar("SELECT COUNT(*) FROM flow_run_steps").fetch_one(store.db()).await.expect("readable");
        assert_eq!(steps, 0, "and still go with their run");
    }
}
