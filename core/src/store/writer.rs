//! The hot write path: one write connection per store, and a queue of write jobs. A job
//! is a closure holding a whole transaction's statements. The same on both engines; on
//! PostgreSQL the turn's commit runs on a blocking thread (its connection blocks the thread
//! it speaks on), and its group commit is what keeps fsyncs per job low.
//!
//! Whoever holds the store's write turn commits every job queued so far together (group
//! commit by flat combining): the caller queues its job, waits for the turn, lets the tasks
//! that are ready run once (so the jobs they queue share its commit: a commit's WAL writes
//! cost more than most jobs' statements), and, unless an earlier holder already committed
//! its job, runs the queue on its own thread. A lone write therefore crosses no thread at all
//! (a hand-off to a writer thread and back cost two wake-ups per transaction).
//!
//! Each job runs inside its own savepoint: a job that fails is rolled back alone, and every
//! job learns its result only after the transaction committed, so nothing is acknowledged
//! before it is written. Durability is the pool's: WAL with `synchronous = NORMAL`. Writers
//! never checkpoint the WAL themselves (that waits for an fsync, which would stall every
//! queued job): a thread per file does, on its own connection, after commits and at most
//! every 100 ms. This module must not hold any domain rule; callers bring their statements.

use std::{
    panic::AssertUnwindSafe,
    path::Path,
    sync::{
        Arc, Mutex, PoisonError,
        atomic::{AtomicU64, Ordering},
        mpsc,
    },
    time::Duration,
};

use tokio::sync::oneshot;

use super::{
    Store, StoreError, StoreResult,
    db::{Connection, DbError, Engine},
};

/// Most jobs one transaction takes; bounds how long a transaction holds the database.
const MAX_JOBS_PER_COMMIT: usize = 256;
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
    fn finish(self: Box<Self>, commit: Result<(), &DbError>);
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
        // A panicking job must not take its committer (and every later write) with it.
        let result = std::panic::catch_unwind(AssertUnwindSafe(|| work(conn)))
            .unwrap_or_else(|_| Err(StoreError::Writer("a write job panicked; its changes were rolled back".into())));
        let ok = result.is_ok();
        self.result = Some(result);
        ok
    }

    fn finish(self: Box<Self>, commit: Result<(), &DbError>) {
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

/// One database's write connection and its queue of jobs; the checkpointer thread stops
/// once this is dropped with the [`super::Store`] that owns it.
pub(crate) struct Writer {
    /// Jobs waiting for a turn, each with the number its caller knows it by.
    queue: Mutex<Queue>,
    /// Used only by the holder of the store's write turn.
    conn: Arc<Mutex<Connection>>,
    /// SQLite's WAL checkpointer (PostgreSQL has none to tell).
    checkpoint_due: Option<mpsc::SyncSender<()>>,
    /// Jobs queued and transactions committed so far, for the metrics.
    jobs: AtomicU64,
    commits: AtomicU64,
}

/// What a store's write queue did since the process started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriteCounts {
    /// Write jobs queued (each runs in its own savepoint of a shared transaction).
    pub jobs: u64,
    /// Write transactions committed: one per batch of queued jobs, and each transaction
    /// written statement by statement (`Store::begin`).
    pub commits: u64,
}

#[derive(Default)]
struct Queue {
    jobs: Vec<(u64, Box<dyn Job>)>,
    next: u64,
}

impl Writer {
    /// Opens the write connection of the database file at `path` and starts its
    /// checkpointer thread.
    pub(crate) fn start(path: &Path) -> StoreResult<Writer> {
        if path.as_os_str().is_empty() || path.as_os_str() == ":memory:" {
            return Err(StoreError::Writer("the write path needs a database file, not an in-memory database".into()));
        }
        let conn = open(path)?;
        conn.pragma_update(None, "wal_autocheckpoint", 0)?;
        let checkpointer = open(path)?;
        let conn = Connection::sqlite_tuned(conn);
        let (checkpoint_due, commits) = mpsc::sync_channel(1);
        std::thread::Builder::new()
            .name("outflow-sqlite-checkpoint".into())
            .spawn(move || checkpoint(&checkpointer, &commits))
            .map_err(|error| StoreError::Writer(format!("cannot start the WAL checkpointer: {error}")))?;
        Ok(Writer::with(conn, Some(checkpoint_due)))
    }

    /// The write queue of a PostgreSQL database, on a connection of its own. Its turns run
    /// on a blocking thread (a PostgreSQL connection blocks the thread it speaks on).
    pub(crate) fn on(conn: Connection) -> Writer {
        Writer::with(conn, None)
    }

    fn with(conn: Connection, checkpoint_due: Option<mpsc::SyncSender<()>>) -> Writer {
        Writer { queue: Mutex::default(), conn: Arc::new(Mutex::new(conn)), checkpoint_due, jobs: AtomicU64::new(0), commits: AtomicU64::new(0) }
    }

    /// What this queue did so far.
    pub(crate) fn counts(&self) -> WriteCounts {
        WriteCounts { jobs: self.jobs.load(Ordering::Relaxed), commits: self.commits.load(Ordering::Relaxed) }
    }

    /// The write connection, for a transaction of the holder of the write turn.
    pub(crate) fn connection(&self) -> Arc<Mutex<Connection>> {
        self.conn.clone()
    }

    /// After a commit: the WAL may want a checkpoint (when the signal is already full, one
    /// is due anyway).
    pub(crate) fn committed(&self) {
        self.commits.fetch_add(1, Ordering::Relaxed);
        if let Some(checkpoint_due) = &self.checkpoint_due {
            let _ = checkpoint_due.try_send(());
        }
    }

    fn queue(&self) -> std::sync::MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Commits the oldest queued jobs, at most [`MAX_JOBS_PER_COMMIT`], in one transaction;
    /// the owners of the others wait for the turn and commit theirs. Only the holder of the
    /// write turn calls this.
    fn commit_queued(&self) {
        let mut batch: Vec<Box<dyn Job>> = {
            let mut queue = self.queue();
            let taken = queue.jobs.len().min(MAX_JOBS_PER_COMMIT);
            queue.jobs.drain(..taken).map(|(_, job)| job).collect()
        };
        if batch.is_empty() {
            return;
        }
        let conn = self.conn.lock().unwrap_or_else(PoisonError::into_inner);
        let committed = run_batch(&conn, &mut batch);
        match &committed {
            Ok(()) => self.committed(),
            Err(error) => tracing::error!(%error, jobs = batch.len(), "a write transaction failed"),
        }
        for job in batch {
            job.finish(committed.as_ref().map(|_| ()));
        }
    }
}

/// Runs `work` in a write transaction and returns its result once committed. An `Err` from
/// `work` rolls back its changes only.
pub(crate) async fn write<T, F>(store: &Store, work: F) -> StoreResult<T>
where
    T: Send + 'static,
    F: FnOnce(&Connection) -> StoreResult<T> + Send + 'static,
{
    let writer = store.writer();
    writer.jobs.fetch_add(1, Ordering::Relaxed);
    let (reply, answer) = oneshot::channel();
    let number = {
        let mut queue = writer.queue();
        queue.next += 1;
        let number = queue.next;
        queue.jobs.push((number, Box::new(Pending { work: Some(work), result: None, reply })));
        number
    };
    // A caller that goes away before its job was taken takes the job with it: nothing of it
    // is written, as nothing of it was acknowledged. (A job already taken is committed.)
    let _unqueue = Unqueue { writer, number };
    let mut answer = answer;
    let dropped = |_| StoreError::Writer("the write job was dropped".into());
    loop {
        let turn = tokio::select! {
            biased;
            // Committed by a holder of the turn while this caller waited for it.
            answered = &mut answer => return answered.map_err(dropped)?,
            turn = store.write_turn() => turn,
        };
        // Let the tasks that are ready run first, so the jobs they queue share this commit
        // instead of each paying for one (a commit's WAL writes cost more than most jobs'
        // statements). A lone writer loses one trip through the scheduler.
        tokio::task::yield_now().await;
        if store.engine() == Engine::Sqlite {
            writer.commit_queued();
        } else {
            let store = store.clone();
            let _ = tokio::task::spawn_blocking(move || store.writer().commit_queued()).await;
        }
        drop(turn);
    }
}

/// Takes a job out of the queue if its caller stops waiting before the job ran.
struct Unqueue<'a> {
    writer: &'a Writer,
    number: u64,
}

impl Drop for Unqueue<'_> {
    fn drop(&mut self) {
        self.writer.queue().jobs.retain(|(number, _)| *number != self.number);
    }
}

/// Opens a connection of the writer (creating the database file if missing) in WAL mode.
fn open(path: &Path) -> StoreResult<rusqlite::Connection> {
    let conn = super::db::sqlite_connection(path)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "cache_size", -PAGE_CACHE_KIB)?;
    // Statement journals (a savepoint's undo within one job) in memory, not in temporary files.
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    Ok(conn)
}

/// The checkpointer thread: after commits, copies the WAL back into the database file.
/// PASSIVE never blocks the writer; the WAL starts over once a checkpoint caught up.
fn checkpoint(conn: &rusqlite::Connection, commits: &mpsc::Receiver<()>) {
    while commits.recv().is_ok() {
        if let Err(error) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
            tracing::warn!(%error, "a WAL checkpoint failed; the next commit tries again");
        }
        std::thread::sleep(CHECKPOINT_PAUSE);
    }
}

fn run_batch(conn: &Connection, batch: &mut [Box<dyn Job>]) -> Result<(), DbError> {
    if conn.sqlite().is_some_and(|sqlite| !sqlite.is_autocommit()) {
        // A committer that panicked between BEGIN and COMMIT left this open: undo it.
        let _ = conn.execute_batch("ROLLBACK");
    }
    conn.begin_writing()?;
    run_jobs(conn, batch).inspect_err(|_| {
        // Leaves the connection usable for the next batch; nothing of this one was kept.
        let _ = conn.execute_batch("ROLLBACK");
    })
}

/// Runs the jobs of an open transaction and ends it. Each job runs in its own savepoint, so
/// a failed one is undone alone; a lone job needs none (when it fails, the transaction is
/// rolled back). Statements without a job's own work between them share one round trip on
/// PostgreSQL: a job's release with the next one's savepoint, the last one's with COMMIT.
fn run_jobs(conn: &Connection, batch: &mut [Box<dyn Job>]) -> Result<(), DbError> {
    if let [job] = batch {
        return conn.execute_each(if job.run(conn) { &["COMMIT"] } else { &["ROLLBACK"] });
    }
    let mut before_next: &[&str] = &["SAVEPOINT job"];
    for job in batch.iter_mut() {
        conn.execute_each(before_next)?;
        before_next = if job.run(conn) {
            &["RELEASE job", "SAVEPOINT job"]
        } else {
            conn.execute_each(&["ROLLBACK TO job"])?;
            // The savepoint, emptied, serves the next job.
            &[]
        };
    }
    // COMMIT releases the last job's savepoint too.
    conn.execute_each(&["COMMIT"])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::db;

    async fn scratch_store(dir: &tempfile::TempDir) -> Store {
        let url = format!("sqlite://{}", dir.path().join("writer.db").display());
        let store = Store::open(&url).await.expect("the database opens");
        db::query("CREATE TABLE items (name TEXT NOT NULL UNIQUE)").execute(store.db()).await.expect("table created");
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
                conn.execute("INSERT INTO items (name) VALUES ('half-done')", ())?;
                Err::<(), _>(StoreError::invalid("refused after writing"))
            }),
            write(&store, insert("b")),
        );
        assert_eq!(first.expect("the first insert commits"), 1);
        assert!(matches!(twin, Err(StoreError::Database(_))), "the duplicate breaks the UNIQUE constraint");
        assert!(matches!(failing, Err(StoreError::Invalid { .. })));
        assert_eq!(last.expect("the last insert commits"), 1);
        // Read through the pool: what the writer acknowledged is committed.
        let names: Vec<String> = db::query_scalar("SELECT name FROM items ORDER BY name").fetch_all(store.db()).await.expect("readable");
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

    #[tokio::test]
    async fn an_uncontended_write_commits_on_its_callers_thread() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let store = scratch_store(&dir).await;
        let ran_on = write(&store, |conn| {
            insert("here")(conn)?;
            Ok(std::thread::current().id())
        })
        .await
        .expect("committed");
        assert_eq!(ran_on, std::thread::current().id(), "no hand-off to another thread");
    }

    #[tokio::test]
    async fn a_caller_that_stops_waiting_for_the_turn_takes_its_job_along() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let store = scratch_store(&dir).await;
        let turn = store.write_turn().await;
        let mut abandoned = Box::pin(write(&store, insert("abandoned")));
        let waited = tokio::time::timeout(Duration::from_millis(50), &mut abandoned).await;
        assert!(waited.is_err(), "queued, waiting for the turn");
        drop(abandoned);
        drop(turn);
        assert_eq!(write(&store, insert("later")).await.expect("committed"), 1);
        let names: Vec<String> = db::query_scalar("SELECT name FROM items").fetch_all(store.db()).await.expect("readable");
        assert_eq!(names, ["later"], "nothing unacknowledged was written");
    }
}
