//! How the store speaks SQL to either database it runs on, SQLite or PostgreSQL, with one
//! body of code: statements are written once (SQLite's parameters, SQL both engines share;
//! `dialect` translates), run through one [`Connection`] type synchronously (rusqlite's
//! shape, for write jobs) or through the async query builders (sqlx's shape), and read into
//! the same Rust types. This module holds no domain rule.

mod conn;
mod dialect;
mod pg;
mod pool;
mod query;
mod value;

pub use conn::{Connection, OptionalExtension, Row};
pub(crate) use pg::{application_name, listen};
pub(crate) use pool::{Opener, sqlite_connection};
pub use pool::{Pool, Tx};
pub use query::{query, query_as, query_scalar};
pub use value::{Arg, FromRow, Json, Value};

/// `params![a, b]`: a statement's parameters of mixed types, in order.
pub use crate::db_params as params;

/// The database engine a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

impl Engine {
    /// The engine a database URL names: `postgres://` or `postgresql://`, else SQLite.
    pub fn of_url(url: &str) -> Engine {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") { Engine::Postgres } else { Engine::Sqlite }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("{0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("{}", postgres_message(.0))]
    Postgres(#[from] tokio_postgres::Error),
    /// A statement that must answer a row answered none.
    #[error("no row answered")]
    NoRows,
    #[error("column {column}: {message}")]
    Decode { column: String, message: String },
    #[error("{0}")]
    Pool(String),
}

/// PostgreSQL's own message (its `Display` says only "db error").
fn postgres_message(error: &tokio_postgres::Error) -> String {
    match error.as_db_error() {
        Some(db) => format!("{}: {}{}", db.code().code(), db.message(), db.detail().map(|detail| format!(" ({detail})")).unwrap_or_default()),
        None => error.to_string(),
    }
}

impl DbError {
    /// Whether an insert or update broke a UNIQUE constraint.
    pub fn is_unique_violation(&self) -> bool {
        match self {
            DbError::Sqlite(rusqlite::Error::SqliteFailure(failure, _)) => {
                matches!(failure.extended_code, rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE | rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY)
            }
            DbError::Postgres(error) => error.code() == Some(&tokio_postgres::error::SqlState::UNIQUE_VIOLATION),
            _ => false,
        }
    }
}
