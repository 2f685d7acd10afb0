//! Connections waiting to be used, and where a statement runs: [`Pool`] lends a connection
//! to work on a blocking thread (a read, or a write that needs no turn); [`Tx`] is one
//! transaction that async code speaks to statement by statement. Both are [`Executor`]s, so
//! the query builders (`query`) run on either.

use std::{
    path::PathBuf,
    sync::{Arc, Mutex, PoisonError},
    time::Duration,
};

use tokio::sync::Semaphore;

use super::{Connection, DbError, pg::PgConnection};

/// Where a statement runs: on a connection the pool lends, or in a transaction.
pub enum Executor<'e> {
    Pool(&'e Pool),
    Tx(&'e mut Tx),
}

impl<'e> From<&'e Pool> for Executor<'e> {
    fn from(pool: &'e Pool) -> Self {
        Executor::Pool(pool)
    }
}

impl<'e> From<&'e mut Tx> for Executor<'e> {
    fn from(tx: &'e mut Tx) -> Self {
        Executor::Tx(tx)
    }
}

impl Executor<'_> {
    /// Runs `work` on the connection.
    pub async fn run<T, W>(self, work: W) -> Result<T, DbError>
    where
        T: Send + 'static,
        W: FnOnce(&Connection) -> Result<T, DbError> + Send + 'static,
    {
        match self {
            Executor::Pool(pool) => pool.with(work).await,
            Executor::Tx(tx) => tx.on_conn(work).await,
        }
    }
}

/// How a pool opens a connection.
#[derive(Clone, Debug)]
pub(crate) enum Opener {
    /// A SQLite database file.
    Sqlite(PathBuf),
    /// A PostgreSQL server (`postgres://…`), and what its connections call themselves.
    Postgres { url: String, application: String },
}

impl Opener {
    /// How to open the database `url` names: `sqlite://path` (options after `?` as SQLite's
    /// URLs take them) or `postgres://…`, whose connections call themselves `application`.
    pub(crate) fn for_url(url: &str, application: &str) -> Result<Opener, DbError> {
        Ok(match super::Engine::of_url(url) {
            super::Engine::Postgres => Opener::Postgres { url: url.to_string(), application: application.to_string() },
            super::Engine::Sqlite => {
                let options = <sqlx::sqlite::SqliteConnectOptions as std::str::FromStr>::from_str(url)
                    .map_err(|error| DbError::Pool(format!("{url}: {error}")))?;
                Opener::Sqlite(options.get_filename().to_path_buf())
            }
        })
    }

    /// Opens a connection (on a blocking thread: both engines' connections block theirs).
    pub(crate) async fn open(&self) -> Result<Connection, DbError> {
        let opener = self.clone();
        tokio::task::spawn_blocking(move || match &opener {
            Opener::Sqlite(path) => open_sqlite(path),
            Opener::Postgres { url, application } => Ok(Connection::Postgres(PgConnection::connect(url, application)?)),
        })
        .await
        .map_err(|error| DbError::Pool(error.to_string()))?
    }
}

/// Opens a SQLite connection of the pool (see [`sqlite_connection`]).
fn open_sqlite(path: &std::path::Path) -> Result<Connection, DbError> {
    Ok(Connection::sqlite_tuned(sqlite_connection(path)?))
}

/// Opens (creating the file if missing) a SQLite connection with the settings every
/// connection shares, the pool's and the writer's: a busy timeout instead of instant lock
/// errors, and foreign keys enforced.
pub(crate) fn sqlite_connection(path: &std::path::Path) -> Result<rusqlite::Connection, DbError> {
    use rusqlite::OpenFlags;
    let conn = rusqlite::Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(Duration::from_secs(5))?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    Ok(conn)
}

/// Connections of one database, lent one at a time.
#[derive(Clone)]
pub struct Pool(Arc<PoolInner>);

struct PoolInner {
    opener: Opener,
    idle: Mutex<Vec<Connection>>,
    permits: Arc<Semaphore>,
}

impl Pool {
    pub(crate) fn new(opener: Opener, size: usize) -> Pool {
        Pool(Arc::new(PoolInner { opener, idle: Mutex::new(Vec::new()), permits: Arc::new(Semaphore::new(size)) }))
    }

    /// Runs `work` on a connection of the pool, on a blocking thread.
    pub async fn with<T, W>(&self, work: W) -> Result<T, DbError>
    where
        T: Send + 'static,
        W: FnOnce(&Connection) -> Result<T, DbError> + Send + 'static,
    {
        let permit = self.0.permits.clone().acquire_owned().await.map_err(|_| DbError::Pool("the pool is closed".into()))?;
        let conn = self.take().await?;
        let pool = self.clone();
        tokio::task::spawn_blocking(move || {
            let result = work(&conn);
            pool.give_back(conn);
            drop(permit);
            result
        })
        .await
        .map_err(|error| DbError::Pool(format!("a database task failed: {error}")))?
    }

    /// An idle connection, or a new one.
    pub(crate) async fn take(&self) -> Result<Connection, DbError> {
        let idle = self.0.idle.lock().unwrap_or_else(PoisonError::into_inner).pop();
        match idle {
            Some(conn) => Ok(conn),
            None => self.0.opener.open().await,
        }
    }

    /// Keeps `conn` for the next user, unless its server closed it.
    pub(crate) fn give_back(&self, conn: Connection) {
        if let Connection::Postgres(pg) = &conn
            && pg.is_closed()
        {
            return;
        }
        self.0.idle.lock().unwrap_or_else(PoisonError::into_inner).push(conn);
    }

    /// Closes the idle connections and lends no more.
    pub(crate) fn close(&self) {
        self.0.permits.close();
        self.0.idle.lock().unwrap_or_else(PoisonError::into_inner).clear();
    }
}

/// One open transaction that async code speaks to statement by statement: on SQLite the
/// writer's connection (its owner holds the write turn, so statements run in place); on
/// PostgreSQL a connection of its own, each statement on a blocking thread.
pub struct Tx {
    place: TxPlace,
}

enum TxPlace {
    Sqlite(Arc<Mutex<Connection>>),
    /// `None` only while a statement runs (or after one was cancelled mid-way, which ends
    /// the transaction: the connection is dropped and the server rolls it back).
    Postgres {
        pool: Pool,
        conn: Option<Box<Connection>>,
    },
    Done,
}

impl Tx {
    /// Begins a transaction on the SQLite writer's connection; the caller holds the turn.
    pub(crate) fn sqlite(conn: Arc<Mutex<Connection>>) -> Result<Tx, DbError> {
        conn.lock().unwrap_or_else(PoisonError::into_inner).begin_writing()?;
        Ok(Tx { place: TxPlace::Sqlite(conn) })
    }

    /// Begins a transaction on a connection of `pool` (PostgreSQL).
    pub(crate) async fn postgres(pool: &Pool) -> Result<Tx, DbError> {
        let mut tx = Tx { place: TxPlace::Postgres { pool: pool.clone(), conn: Some(Box::new(pool.take().await?)) } };
        tx.on_conn(Connection::begin_writing).await?;
        Ok(tx)
    }

    async fn on_conn<T, W>(&mut self, work: W) -> Result<T, DbError>
    where
        T: Send + 'static,
        W: FnOnce(&Connection) -> Result<T, DbError> + Send + 'static,
    {
        match &mut self.place {
            TxPlace::Sqlite(conn) => work(&conn.lock().unwrap_or_else(PoisonError::into_inner)),
            TxPlace::Postgres { conn: slot, .. } => {
                let conn = slot.take().ok_or_else(|| DbError::Pool("the transaction was abandoned mid-statement".into()))?;
                let (conn, result) = tokio::task::spawn_blocking(move || {
                    let result = work(&conn);
                    (conn, result)
                })
                .await
                .map_err(|error| DbError::Pool(format!("a database task failed: {error}")))?;
                *slot = Some(conn);
                result
            }
            TxPlace::Done => Err(DbError::Pool("the transaction already ended".into())),
        }
    }

    /// Commits; the connection goes back to its pool.
    pub(crate) async fn commit(mut self) -> Result<(), DbError> {
        let committed = self.on_conn(|conn| conn.execute_batch("COMMIT")).await;
        if committed.is_ok()
            && let TxPlace::Postgres { pool, conn: Some(conn) } = std::mem::replace(&mut self.place, TxPlace::Done)
        {
            pool.give_back(*conn);
        }
        committed
    }
}

impl Drop for Tx {
    /// An uncommitted transaction is rolled back.
    fn drop(&mut self) {
        match std::mem::replace(&mut self.place, TxPlace::Done) {
            TxPlace::Sqlite(conn) => {
                let conn = conn.lock().unwrap_or_else(PoisonError::into_inner);
                if conn.sqlite().is_some_and(|sqlite| !sqlite.is_autocommit()) {
                    let _ = conn.execute_batch("ROLLBACK");
                }
            }
            TxPlace::Postgres { pool, conn: Some(conn) } => {
                if let Ok(runtime) = tokio::runtime::Handle::try_current() {
                    runtime.spawn_blocking(move || {
                        if conn.execute_batch("ROLLBACK").is_ok() {
                            pool.give_back(*conn);
                        }
                    });
                }
            }
            TxPlace::Postgres { conn: None, .. } | TxPlace::Done => {}
        }
    }
}
