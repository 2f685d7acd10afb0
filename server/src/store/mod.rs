//! The only place that speaks SQL. Opens the SQLite pool, runs the embedded migrations and
//! offers typed functions to the rest of the server; row structs never leave this module.
//! Keeping SQL here is what lets a PostgreSQL backend be added without touching routes.

mod principals;
mod workflows;

use std::{str::FromStr, time::Duration};

use sqlx::{
    SqlitePool,
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous},
};

pub use principals::{BootstrapOutcome, bootstrap_admin, principal_for_api_key};
pub use workflows::{Workflow, create_workflow, get_workflow, list_workflows};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    NotFound(String),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
}

pub type StoreResult<T> = Result<T, StoreError>;

/// Opens (creating if needed) the database with the settings every connection shares:
/// WAL so readers never block the writer, a busy timeout instead of instant lock errors,
/// and foreign keys enforced. `synchronous = NORMAL` in WAL mode survives process crashes;
/// only a power loss can drop the last commits.
pub async fn connect(database_url: &str) -> StoreResult<SqlitePool> {
    let options = SqliteConnectOptions::from_str(database_url)?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .busy_timeout(Duration::from_secs(5))
        .foreign_keys(true);
    let pool = SqlitePoolOptions::new()
        .max_connections(8)
        .acquire_timeout(Duration::from_secs(10))
        .connect_with(options)
        .await?;
    Ok(pool)
}

/// Applies the migrations embedded in the binary; already-applied ones are skipped.
pub async fn migrate(pool: &SqlitePool) -> StoreResult<()> {
    sqlx::migrate!("./migrations").run(pool).await?;
    Ok(())
}

/// Answers whether the database takes a query, for `/healthz`.
pub async fn ping(pool: &SqlitePool) -> StoreResult<()> {
    sqlx::query("SELECT 1").execute(pool).await?;
    Ok(())
}

/// Milliseconds since the Unix epoch, the unit every timestamp column uses.
pub fn now_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| elapsed.as_millis() as i64)
        .unwrap_or_default()
}

/// Whether an insert or update broke a UNIQUE constraint (answered as 409, not 500).
pub fn is_unique_violation(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(db) if db.is_unique_violation())
}
