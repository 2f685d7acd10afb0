//! The hot write path: one dedicated thread per store owns a rusqlite connection
//! and runs write jobs on it. A job is a closure holding a whole transaction's statements,
//! so it costs one hand-off between threads instead of one per statement (sqlx runs every
//! SQLite statement on its own worker thread and waits for the answer).
//!
//! Jobs queued together share one transaction (group commit), each inside its own
//! savepoint: a job that fails is rolled back alone, and every job learns its result only
//! after the transaction committed, so nothing is acknowledged before it is written.
//! Durability is the pool's: WAL with `synchronous = NORMAL`. The writer never checkpoints
//! the WAL itself (that waits for an fsync, which would stall every queued job): a second
//! thread per file does, on its own connection, after commits and at most every 100 ms.
//! This module must not hold any domain rule; callers bring their statements.

use std::{
    panic::AssertUnwindSafe,
    path::Path,
    sync::{Arc, mpsc},
    time::Duration,
};

use rusqlite::{Connection, OpenFlags};
use tokio::sync::oneshot;

use super::{Store, StoreError, StoreResult};

/// Most jobs one transaction takes; bounds how long a job waits behind the others.
const MAX_JOBS_PER_COMMIT: usize = 256;
/// Statements kept prepared on the writer connection (the hot path uses a few dozen).
const STATEMENT_CACHE: usize = 128;
/// Page cache of the writer connection, in KiB: the hot tables' indexes stay in memory
/// instead of being re-read from the file (SQLite's default is 2 MiB).
const PAGE_CACHE_KIB: i64 = 16 * 1024;
/// Least time between two checkpoints while commits keep coming.
const CHECKPOINT_PAUSE: Duration = Duration::from_millis(100);

/// One queued job, type-erased.
trait Job: Send {
    /// Runs the job's statements; false when it failed and its changes must be undone.
    fn run(&mut self, conn: &Connection) -> bool;
    /// Answers the caller once the transaction's fate is known.
    fn finish(self: Box<Self>, commit: Result<(), &rusqlite::Error>);
}

struct Pending<T, F> {
    work: Option<F>,
    result: Option<StoreResult<T>>,
    reply: oneshot::Sender<StoreResult<T>>,
}

impl<T, F> Job for Pending<T, F>
where
    T: Send,
    F: FnOnce(&Connection) -> StoreResult<T> + Send,
{
    fn run(&mut self, conn: &Connection) -> bool {
        let Some(work) = self.work.take() else { return false };
        // A panicking job must not take the writer thread (and every later write) with it.
        let result = std::panic::catch_unwind(AssertUnwindSafe(|| work(conn)))
            .unwrap_or_else(|_| Err(StoreError::Writer("a write job panicked; its changes were rolled back".into())));
        let ok = result.is_ok();
        self.result = Some(result);
        ok
    }

    fn finish(self: Box<Self>, commit: Result<(), &rusqlite::Error>) {
        let answer = match (self.result, commit) {
            (Some(Err(error)), _) => Err(error),
            (Some(Ok(value)), Ok(())) => Ok(value),
            (_, Err(error)) => Err(StoreError::Writer(format!("the transaction did not commit: {error}"))),
            (None, Ok(())) => Err(StoreError::Writer("the job did not run".into())),
        };
        // The caller may have gone away (request cancelled); the work is done either way.
        let _ = self.reply.send(answer);
    }
}

/// The queue to one database's writer thread; the thread (and its checkpointer) stop once
/// the queue is dropped with the [`super::Store`] that owns it.
pub(crate) struct Writer {
    queue: mpsc::Sender<Box<dyn Job>>,
}

impl Writer {
    /// Starts the writer and checkpointer threads of the database file at `path`; `turn` is
    /// the store's write turn, which the writer takes for each transaction.
    pub(crate) fn start(path: &Path, turn: Arc<tokio::sync::Mutex<()>>) -> StoreResult<Writer> {
        if path.as_os_str().is_empty() || path.as_os_str() == ":memory:" {
            return Err(StoreError::Writer("the write path needs a database file, not an in-memory database".into()));
        }
        let conn = open(path)?;
        conn.pragma_update(None, "wal_autocheckpoint", 0)?;
        let checkpointer = open(path)?;
        let (queue, jobs) = mpsc::channel();
        let (checkpoint_due, commits) = mpsc::sync_channel(1);
        let cannot_start = |error: std::io::Error| StoreError::Writer(format!("cannot start the database writer: {error}"));
        std::thread::Builder::new()
            .name("outflow-sqlite-checkpoint".into())
            .spawn(move || checkpoint(&checkpointer, &commits))
            .map_err(cannot_start)?;
        std::thread::Builder::new()
            .name("outflow-sqlite-writer".into())
            .spawn(move || serve(&conn, &jobs, &turn, &checkpoint_due))
            .map_err(cannot_start)?;
        Ok(Writer { queue })
    }
}

/// Runs `work` in a write transaction on the store's writer thread and returns its result
/// once committed. An `Err` from `work` rolls back its changes only.
pub(crate) async fn write<T, F>(store: &Store, work: F) -> StoreResult<T>
where
    T: Send + 'static,
    F: FnOnce(&Connection) -> StoreResult<T> + Send + 'static,
{
    let (reply, answer) = oneshot::channel();
    let job = Box::new(Pending { work: Some(work), result: None, reply });
    store.writer().queue.send(job).map_err(|_| StoreError::Writer("the database writer stopped".into()))?;
    answer.await.map_err(|_| StoreError::Writer("the database writer stopped".into()))?
}

/// Opens the writer's connection with the pool's settings (see `Store::open`).
fn open(path: &Path) -> StoreResult<Connection> {
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
    conn.busy_timeout(Duration::from_secs(5))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "cache_size", -PAGE_CACHE_KIB)?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    Ok(conn)
}

/// The writer thread: takes whatever jobs are queued, commits them together, answers each.
fn serve(conn: &Connection, jobs: &mpsc::Receiver<Box<dyn Job>>, turn: &tokio::sync::Mutex<()>, checkpoint_due: &mpsc::SyncSender<()>) {
    while let Ok(first) = jobs.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_JOBS_PER_COMMIT {
            match jobs.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        // Writers on the sqlx pool wait for the same turn, so nobody waits in SQLite's busy handler.
        let my_turn = turn.blocking_lock();
        let committed = run_batch(conn, &mut batch);
        drop(my_turn);
        match &committed {
            Ok(()) => {
                // When the signal is already full, a checkpoint is due anyway.
                let _ = checkpoint_due.try_send(());
            }
            Err(error) => tracing::error!(%error, jobs = batch.len(), "a write transaction failed"),
        }
        for job in batch {
            job.finish(committed.as_ref().map(|_| ()));
        }
    }
}

/// The checkpointer thread: after commits, copies the WAL back into the database file.
/// PASSIVE never blocks the writer; the WAL starts over once a checkpoint caught up.
fn checkpoint(conn: &Connection, commits: &mpsc::Receiver<()>) {
    while commits.recv().is_ok() {
        if let Err(error) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
            tracing::warn!(%error, "a WAL checkpoint failed; the next commit tries again");
        }
        std::thread::sleep(CHECKPOINT_PAUSE);
    }
}

fn run_batch(conn: &Connection, batch: &mut [Box<dyn Job>]) -> rusqlite::Result<()> {
    conn.execute_batch("BEGIN IMMEDIATE")?;
    let outcome = batch.iter_mut().try_for_each(|job| {
        conn.prepare_cached("SAVEPOINT job")?.execute([])?;
        if job.run(conn) {
            conn.prepare_cached("RELEASE job")?.execute([])?;
        } else {
            conn.prepare_cached("ROLLBACK TO job")?.execute([])?;
            conn.prepare_cached("RELEASE job")?.execute([])?;
        }
        Ok(())
    });
    match outcome.and_then(|()| conn.execute_batch("COMMIT")) {
        Ok(()) => Ok(()),
        Err(error) => {
            // Leaves the connection usable for the next batch; nothing of this one was kept.
            let _ = conn.execute_batch("ROLLBACK");
            Err(error)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn scratch_store(dir: &tempfile::TempDir) -> Store {
        let url = format!("sqlite://{}", dir.path().join("writer.db").display());
        let store = Store::open(&url).await.expect("the database opens");
        sqlx::query("CREATE TABLE items (name TEXT NOT NULL UNIQUE)").execute(store.db()).await.expect("table created");
        store
    }

    fn insert(name: &'static str) -> impl FnOnce(&Connection) -> StoreResult<usize> + Send + 'static {
        move |conn| Ok(conn.prepare_cached("INSERT INTO items (name) VALUES (?)")?.execute([name])?)
    }

    #[tokio::test]
    async fn a_failing_job_is_rolled_back_alone_and_the_others_commit() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let store = scratch_store(&dir).await;
        // Queued together, so they very likely share one transaction.
        let (first, twin, failing, last) = tokio::join!(
            write(&store, insert("a")),
            write(&store, insert("a")),
            write(&store, |conn| {
                conn.execute("INSERT INTO items (name) VALUES ('half-done')", [])?;
                Err::<(), _>(StoreError::invalid("refused after writing"))
            }),
            write(&store, insert("b")),
        );
        assert_eq!(first.expect("the first insert commits"), 1);
        assert!(matches!(twin, Err(StoreError::Sqlite(_))), "the duplicate breaks the UNIQUE constraint");
        assert!(matches!(failing, Err(StoreError::Invalid { .. })));
        assert_eq!(last.expect("the last insert commits"), 1);
        // Read through the sqlx pool: what the writer acknowledged is committed.
        let names: Vec<String> = sqlx::query_scalar("SELECT name FROM items ORDER BY name").fetch_all(store.db()).await.expect("readable");
        assert_eq!(names, ["a", "b"]);
    }

    #[tokio::test]
    async fn a_panicking_job_does_not_stop_the_writer() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let store = scratch_store(&dir).await;
        let panicked = write(&store, |_conn| -> StoreResult<()> { panic!("a bug in a job") }).await;
        assert!(matches!(panicked, Err(StoreError::Writer(_))));
        assert_eq!(write(&store, insert("after")).await.expect("the writer still runs"), 1);
    }
}
