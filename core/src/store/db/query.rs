//! Statements built and run from async code, in sqlx's shape: `query(sql).bind(a)
//! .execute(executor)`, `query_as::<Row>(sql)…fetch_all(executor)`, `query_scalar`. The
//! executor is a [`Pool`](super::Pool) or a transaction ([`Tx`](super::Tx)).

use std::future::Future;

use super::{
    DbError, Row,
    conn::OptionalExtension,
    pool::Executor,
    value::{Arg, Column, FromRow, Value},
};

/// A statement whose rows are not read.
pub fn query(sql: &str) -> Query<'_, ()> {
    Query { sql, args: Vec::new(), read: |_| Ok(()) }
}

/// A statement whose rows read into `T` ([`FromRow`]: a tuple or a row struct).
pub fn query_as<T: FromRow + Send + 'static>(sql: &str) -> Query<'_, T> {
    Query { sql, args: Vec::new(), read: T::from_row }
}

/// A statement whose rows' first column reads into `T`.
pub fn query_scalar<T: Column + Send + 'static>(sql: &str) -> Query<'_, T> {
    Query { sql, args: Vec::new(), read: |row| row.get(0) }
}

/// A statement with its parameters, not yet run, and how its rows read into `T`.
#[must_use = "a query does nothing until it is run"]
pub struct Query<'q, T> {
    sql: &'q str,
    args: Vec<Value<'static>>,
    read: fn(&Row<'_>) -> Result<T, DbError>,
}

/// What an executed statement changed.
#[derive(Debug, Clone, Copy)]
pub struct Done(usize);

impl Done {
    pub fn rows_affected(&self) -> u64 {
        u64::try_from(self.0).unwrap_or(u64::MAX)
    }
}

impl<T: Send + 'static> Query<'_, T> {
    /// Adds the next parameter.
    pub fn bind<A: Arg>(mut self, arg: A) -> Self {
        self.args.push(arg.value().into_owned());
        self
    }

    pub fn execute<'e>(self, executor: impl Into<Executor<'e>>) -> impl Future<Output = Result<Done, DbError>> + Send + 'e {
        let (executor, sql, args) = (executor.into(), self.sql.to_string(), self.args);
        executor.run(move |conn| conn.prepare_cached(&sql)?.execute(args).map(Done))
    }

    pub fn fetch_all<'e>(self, executor: impl Into<Executor<'e>>) -> impl Future<Output = Result<Vec<T>, DbError>> + Send + 'e {
        let (executor, sql, args, read) = (executor.into(), self.sql.to_string(), self.args, self.read);
        executor.run(move |conn| conn.prepare_cached(&sql)?.query_map(args, read)?.collect())
    }

    pub fn fetch_optional<'e>(self, executor: impl Into<Executor<'e>>) -> impl Future<Output = Result<Option<T>, DbError>> + Send + 'e {
        let (executor, sql, args, read) = (executor.into(), self.sql.to_string(), self.args, self.read);
        executor.run(move |conn| conn.prepare_cached(&sql)?.query_row(args, read).optional())
    }

    /// The first row; none is [`DbError::NoRows`].
    pub fn fetch_one<'e>(self, executor: impl Into<Executor<'e>>) -> impl Future<Output = Result<T, DbError>> + Send + 'e {
        let (executor, sql, args, read) = (executor.into(), self.sql.to_string(), self.args, self.read);
        executor.run(move |conn| conn.prepare_cached(&sql)?.query_row(args, read))
    }
}
