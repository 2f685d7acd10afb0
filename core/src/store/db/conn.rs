//! One connection to either database, spoken to synchronously (rusqlite's shape): prepare
//! a statement, execute it or read its rows. SQLite runs it in place; PostgreSQL blocks the
//! calling thread on its asynchronous client, so a PostgreSQL connection is used only on
//! blocking threads (see `pool` and `writer`). Statements are written in SQLite's dialect
//! and translated once per connection for PostgreSQL (`dialect`).

use std::{cell::RefCell, collections::HashMap};

use super::{
    DbError, Engine,
    pg::{PgCell, PgConnection},
    value::{Arg, Cell, Column, Value},
};

/// Statements a connection keeps prepared.
const STATEMENT_CACHE: usize = 128;

/// A connection: SQLite's own, or a PostgreSQL client.
pub enum Connection {
    Sqlite(rusqlite::Connection),
    Postgres(PgConnection),
}

/// A statement's parameters: `params![a, b]`, an array of one type, or nothing.
pub trait Params {
    fn values(&self) -> Vec<Value<'_>>;
}

impl Params for &[&dyn Arg] {
    fn values(&self) -> Vec<Value<'_>> {
        self.iter().map(|arg| arg.value()).collect()
    }
}

impl<T: Arg, const N: usize> Params for [T; N] {
    fn values(&self) -> Vec<Value<'_>> {
        self.iter().map(Arg::value).collect()
    }
}

impl Params for () {
    fn values(&self) -> Vec<Value<'_>> {
        Vec::new()
    }
}

impl Params for Vec<Value<'_>> {
    fn values(&self) -> Vec<Value<'_>> {
        self.iter().map(Arg::value).collect()
    }
}

/// `params![a, b, c]`: parameters of mixed types, in order.
#[macro_export]
macro_rules! db_params {
    () => { &[] as &[&dyn $crate::store::db::Arg] };
    ($($arg:expr),+ $(,)?) => { &[$(&$arg as &dyn $crate::store::db::Arg),+] as &[&dyn $crate::store::db::Arg] };
}

impl Connection {
    /// Prepares `sql` (SQLite's dialect), reusing the connection's earlier preparation.
    pub fn prepare_cached(&self, sql: &str) -> Result<Statement<'_>, DbError> {
        match self {
            Connection::Sqlite(conn) => Ok(Statement::Sqlite(conn.prepare_cached(sql)?)),
            Connection::Postgres(conn) => Ok(Statement::Postgres { conn, statement: conn.prepare(sql)? }),
        }
    }

    pub fn execute<P: Params>(&self, sql: &str, params: P) -> Result<usize, DbError> {
        self.prepare_cached(sql)?.execute(params)
    }

    /// Runs statements with no parameters and no rows (`BEGIN`, `ROLLBACK`, a migration).
    pub fn execute_batch(&self, sql: &str) -> Result<(), DbError> {
        match self {
            Connection::Sqlite(conn) => Ok(conn.execute_batch(sql)?),
            Connection::Postgres(conn) => conn.batch(sql),
        }
    }

    /// Begins a transaction that writes. On SQLite `BEGIN IMMEDIATE` takes the write lock up
    /// front (a writer of another process makes it wait, busy timeout, instead of failing
    /// mid-way). On PostgreSQL it first enters the one writing section of every process on
    /// the database (a transaction-scoped advisory lock), so instances write one transaction
    /// at a time, as SQLite does. That is what the store's rules rely on: trigger events
    /// commit in id order (the dispatcher's cursor never passes one still being written), a
    /// dispatch and a flow's turns are taken by one transaction at a time, and no two batches
    /// of the write queue deadlock on each other's rows. A batch holds many jobs (group
    /// commit), so the section costs few turns.
    pub fn begin_writing(&self) -> Result<(), DbError> {
        match self {
            Connection::Sqlite(_) => self.prepare_cached("BEGIN IMMEDIATE")?.execute(()).map(drop),
            Connection::Postgres(conn) => conn.batch(&format!("BEGIN; SELECT pg_advisory_xact_lock({WRITING})")),
        }
    }

    /// Runs statements with no parameters and no rows, in order: SQLite's each prepared
    /// once, PostgreSQL's together in one round trip.
    pub fn execute_each(&self, statements: &[&str]) -> Result<(), DbError> {
        match self {
            Connection::Sqlite(_) => statements.iter().try_for_each(|sql| self.prepare_cached(sql)?.execute(()).map(drop)),
            Connection::Postgres(_) if statements.is_empty() => Ok(()),
            Connection::Postgres(conn) => conn.batch(&statements.join("; ")),
        }
    }

    /// The engine this connection speaks to.
    pub fn engine(&self) -> Engine {
        match self {
            Connection::Sqlite(_) => Engine::Sqlite,
            Connection::Postgres(_) => Engine::Postgres,
        }
    }

    /// SQLite's own connection, for what only SQLite has (pragmas, the WAL).
    pub fn sqlite(&self) -> Option<&rusqlite::Connection> {
        match self {
            Connection::Sqlite(conn) => Some(conn),
            Connection::Postgres(_) => None,
        }
    }

    pub(crate) fn sqlite_tuned(conn: rusqlite::Connection) -> Connection {
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        Connection::Sqlite(conn)
    }
}

/// The key of PostgreSQL's advisory lock every write transaction holds ("outflow").
const WRITING: i64 = 0x6f75_7466_6c6f_0000;

/// A prepared statement of either engine.
pub enum Statement<'c> {
    Sqlite(rusqlite::CachedStatement<'c>),
    Postgres { conn: &'c PgConnection, statement: tokio_postgres::Statement },
}

impl rusqlite::ToSql for Value<'_> {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef};
        Ok(ToSqlOutput::Borrowed(match self {
            Value::Null => ValueRef::Null,
            Value::Int(value) => ValueRef::Integer(*value),
            Value::Real(value) => ValueRef::Real(*value),
            Value::Text(text) => ValueRef::Text(text.as_bytes()),
            Value::Blob(bytes) => ValueRef::Blob(bytes),
        }))
    }
}

impl Statement<'_> {
    /// Runs it; answers how many rows it changed (or answered, for a statement that
    /// answers rows).
    pub fn execute<P: Params>(&mut self, params: P) -> Result<usize, DbError> {
        let values = params.values();
        match self {
            // A statement that answers rows (`RETURNING`, a `SELECT`) is stepped through them,
            // as PostgreSQL runs it; rusqlite's `execute` would refuse it.
            Statement::Sqlite(statement) if statement.column_count() > 0 => {
                let mut rows = statement.query(rusqlite::params_from_iter(values.iter()))?;
                let mut count = 0;
                while rows.next()?.is_some() {
                    count += 1;
                }
                Ok(count)
            }
            Statement::Sqlite(statement) => Ok(statement.execute(rusqlite::params_from_iter(values.iter()))?),
            Statement::Postgres { conn, statement } => conn.execute(statement, &values),
        }
    }

    /// Reads every row through `read`.
    pub fn query_map<T, P: Params, F: FnMut(&Row<'_>) -> Result<T, DbError>>(
        &mut self,
        params: P,
        mut read: F,
    ) -> Result<std::vec::IntoIter<Result<T, DbError>>, DbError> {
        let values = params.values();
        let rows: Vec<Result<T, DbError>> = match self {
            Statement::Sqlite(statement) => {
                let mut rows = statement.query(rusqlite::params_from_iter(values.iter()))?;
                let mut read_rows = Vec::new();
                while let Some(row) = rows.next()? {
                    read_rows.push(read(&Row::Sqlite(row)));
                }
                read_rows
            }
            Statement::Postgres { conn, statement } => conn.query(statement, &values)?.iter().map(|row| read(&Row::Postgres(row))).collect(),
        };
        Ok(rows.into_iter())
    }

    /// Reads the first row through `read`; no row is [`DbError::NoRows`].
    pub fn query_row<T, P: Params, F: FnOnce(&Row<'_>) -> Result<T, DbError>>(&mut self, params: P, read: F) -> Result<T, DbError> {
        let values = params.values();
        match self {
            Statement::Sqlite(statement) => {
                let mut rows = statement.query(rusqlite::params_from_iter(values.iter()))?;
                let row = rows.next()?.ok_or(DbError::NoRows)?;
                read(&Row::Sqlite(row))
            }
            Statement::Postgres { conn, statement } => {
                let rows = conn.query(statement, &values)?;
                read(&Row::Postgres(rows.first().ok_or(DbError::NoRows)?))
            }
        }
    }

    /// Whether it answers any row.
    pub fn exists<P: Params>(&mut self, params: P) -> Result<bool, DbError> {
        self.query_row(params, |_| Ok(())).optional().map(|found| found.is_some())
    }
}

/// One row of either engine's answer.
pub enum Row<'a> {
    Sqlite(&'a rusqlite::Row<'a>),
    Postgres(&'a tokio_postgres::Row),
}

/// A column named by position or by name.
pub trait RowIndex: Copy + std::fmt::Display {
    fn position(self, row: &Row<'_>) -> Option<usize>;
}

impl RowIndex for usize {
    fn position(self, row: &Row<'_>) -> Option<usize> {
        (self < row.width()).then_some(self)
    }
}

impl RowIndex for &str {
    fn position(self, row: &Row<'_>) -> Option<usize> {
        match row {
            Row::Sqlite(row) => row.as_ref().column_index(self).ok(),
            Row::Postgres(row) => row.columns().iter().position(|column| column.name() == self),
        }
    }
}

impl Row<'_> {
    fn width(&self) -> usize {
        match self {
            Row::Sqlite(row) => row.as_ref().column_count(),
            Row::Postgres(row) => row.len(),
        }
    }

    /// The column at `index` (a position or a name) read into `T`.
    pub fn get<I: RowIndex, T: Column>(&self, index: I) -> Result<T, DbError> {
        let position = index.position(self).ok_or_else(|| DbError::Decode { column: index.to_string(), message: "no such column".into() })?;
        let decode = |message: String| DbError::Decode { column: index.to_string(), message };
        match self {
            Row::Sqlite(row) => {
                use rusqlite::types::ValueRef;
                let cell = match row.get_ref(position)? {
                    ValueRef::Null => Cell::Null,
                    ValueRef::Integer(value) => Cell::Int(value),
                    ValueRef::Real(value) => Cell::Real(value),
                    ValueRef::Text(text) => Cell::Text(std::str::from_utf8(text).map_err(|error| decode(error.to_string()))?),
                    ValueRef::Blob(bytes) => Cell::Blob(bytes),
                };
                T::from_cell(cell).map_err(decode)
            }
            Row::Postgres(row) => {
                let cell: PgCell<'_> = row.try_get(position).map_err(|error| decode(error.to_string()))?;
                T::from_cell(cell.as_cell()).map_err(decode)
            }
        }
    }
}

/// `.optional()`: no row becomes `None` (rusqlite's `OptionalExtension`).
pub trait OptionalExtension<T> {
    fn optional(self) -> Result<Option<T>, DbError>;
}

impl<T> OptionalExtension<T> for Result<T, DbError> {
    fn optional(self) -> Result<Option<T>, DbError> {
        match self {
            Ok(value) => Ok(Some(value)),
            Err(DbError::NoRows) => Ok(None),
            Err(error) => Err(error),
        }
    }
}

/// Prepared PostgreSQL statements of one connection, by their SQLite text.
#[derive(Default)]
pub(super) struct StatementCache(RefCell<HashMap<String, tokio_postgres::Statement>>);

impl StatementCache {
    pub(super) fn get(&self, sql: &str) -> Option<tokio_postgres::Statement> {
        self.0.borrow().get(sql).cloned()
    }

    pub(super) fn keep(&self, sql: &str, statement: &tokio_postgres::Statement) {
        let mut cache = self.0.borrow_mut();
        if cache.len() >= STATEMENT_CACHE * 4 {
            cache.clear();
        }
        cache.insert(sql.to_string(), statement.clone());
    }
}
