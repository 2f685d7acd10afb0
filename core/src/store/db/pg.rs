//! PostgreSQL: one client connection spoken to synchronously (it blocks its thread on the
//! asynchronous client, so it is used only on blocking threads; its socket is polled by the
//! thread that waits for the answer, so a statement crosses no thread), statements
//! translated from SQLite's dialect once and kept prepared, and values converted both ways
//! leniently: an integer binds to whichever integer type PostgreSQL infers for its
//! parameter, and any integer or numeric column reads as an integer.

use std::{error::Error, future::Future};

use bytes::{BufMut, BytesMut};
use tokio_postgres::{
    NoTls,
    types::{FromSql, IsNull, ToSql, Type, to_sql_checked},
};

use super::{
    DbError,
    conn::StatementCache,
    dialect,
    value::{Cell, Value},
};

type BoxError = Box<dyn Error + Sync + Send>;

/// One PostgreSQL connection.
pub struct PgConnection {
    client: tokio_postgres::Client,
    statements: StatementCache,
    /// The connection's own single-threaded runtime, owning its socket: whichever thread
    /// waits for an answer polls the socket itself (on the process's shared runtime every
    /// statement cost two wake-ups: its worker read the answer, then woke the waiting
    /// thread). `None` only while dropping.
    runtime: Option<tokio::runtime::Runtime>,
}

impl PgConnection {
    /// Connects to `url` (`postgres://…`) as `application` (see [`application_name`]),
    /// blocking this thread.
    pub(super) fn connect(url: &str, application: &str) -> Result<PgConnection, DbError> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|error| DbError::Pool(format!("cannot start a PostgreSQL connection's runtime: {error}")))?;
        let (client, connection) = runtime.block_on(config(url, application)?.connect(NoTls))?;
        // Runs whenever a thread waits on this connection (`block`).
        runtime.spawn(async move {
            if let Err(error) = connection.await {
                tracing::warn!(%error, "a PostgreSQL connection ended");
            }
        });
        Ok(PgConnection { client, statements: StatementCache::default(), runtime: Some(runtime) })
    }

    /// Waits for `work` on this (blocking) thread, speaking to the server meanwhile.
    fn block<F: Future>(&self, work: F) -> F::Output {
        self.runtime.as_ref().expect("a connection's runtime lives as long as the connection").block_on(work)
    }

    /// Whether the server closed it (it is then dropped instead of returned to its pool).
    pub(super) fn is_closed(&self) -> bool {
        self.client.is_closed()
    }

    pub(super) fn prepare(&self, sql: &str) -> Result<tokio_postgres::Statement, DbError> {
        if let Some(statement) = self.statements.get(sql) {
            return Ok(statement);
        }
        let statement = self.block(self.client.prepare(&dialect::postgres(sql)))?;
        self.statements.keep(sql, &statement);
        Ok(statement)
    }

    pub(super) fn execute(&self, statement: &tokio_postgres::Statement, values: &[Value<'_>]) -> Result<usize, DbError> {
        let params: Vec<&(dyn ToSql + Sync)> = values.iter().map(|value| value as &(dyn ToSql + Sync)).collect();
        let changed = self.block(self.client.execute(statement, &params))?;
        Ok(usize::try_from(changed).unwrap_or(usize::MAX))
    }

    pub(super) fn query(&self, statement: &tokio_postgres::Statement, values: &[Value<'_>]) -> Result<Vec<tokio_postgres::Row>, DbError> {
        let params: Vec<&(dyn ToSql + Sync)> = values.iter().map(|value| value as &(dyn ToSql + Sync)).collect();
        Ok(self.block(self.client.query(statement, &params))?)
    }

    /// Runs PostgreSQL's own SQL (no parameters, not translated): transactions, migrations.
    pub(super) fn batch(&self, sql: &str) -> Result<(), DbError> {
        Ok(self.block(self.client.batch_execute(sql))?)
    }
}

impl Drop for PgConnection {
    /// Closes the socket without waiting (a connection may be dropped on an async thread,
    /// where a runtime must not block).
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

/// What an instance's connections call themselves on the server (`pg_stat_activity`):
/// "outflow " and the instance's name. An instance's connections end with its process (the
/// kernel closes them even after a `kill -9`), so whether another instance is alive is
/// whether the server still has connections named for it.
pub(crate) fn application_name(instance: &str) -> String {
    format!("outflow {instance}")
}

fn config(url: &str, application: &str) -> Result<tokio_postgres::Config, DbError> {
    let mut config: tokio_postgres::Config = url.parse()?;
    config.application_name(application);
    Ok(config)
}

/// Listens on `channel` of the server at `url` for as long as `on` answers true, calling it
/// with every notification's payload, and with `None` whenever the connection was lost and
/// is back (notifications may have been missed meanwhile). Reconnects every second while the
/// server is away.
pub(crate) async fn listen(url: String, application: String, channel: &'static str, on: impl Fn(Option<&str>) -> bool + Send + 'static) {
    loop {
        if let Err(error) = listen_once(&url, &application, channel, &on).await {
            tracing::warn!(%error, "listening for other instances' changes stopped; trying again");
        }
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
        if !on(None) {
            return;
        }
    }
}

/// One connection's listening; `Ok` when `on` wants no more.
async fn listen_once(url: &str, application: &str, channel: &str, on: &impl Fn(Option<&str>) -> bool) -> Result<(), DbError> {
    let (client, mut connection) = config(url, application)?.connect(NoTls).await?;
    let messages = async {
        loop {
            match std::future::poll_fn(|cx| connection.poll_message(cx)).await {
                Some(Ok(tokio_postgres::AsyncMessage::Notification(notification))) => {
                    if !on(Some(notification.payload())) {
                        return Ok(());
                    }
                }
                Some(Ok(_)) => {}
                Some(Err(error)) => return Err(DbError::from(error)),
                None => return Err(DbError::Pool("the server closed the connection".into())),
            }
        }
    };
    let subscribe = async {
        client.batch_execute(&format!("LISTEN {channel}")).await?;
        std::future::pending::<Result<(), DbError>>().await
    };
    tokio::select! {
        ended = messages => ended,
        failed = subscribe => failed,
    }
}

impl ToSql for Value<'_> {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
        match (self, ty) {
            (Value::Null, _) => return Ok(IsNull::Yes),
            (Value::Int(value), &Type::INT8) => out.put_i64(*value),
            (Value::Int(value), &Type::INT4) => out.put_i32(i32::try_from(*value)?),
            (Value::Int(value), &Type::INT2) => out.put_i16(i16::try_from(*value)?),
            (Value::Int(value), &Type::BOOL) => out.put_u8(u8::from(*value != 0)),
            #[expect(clippy::cast_precision_loss, reason = "an integer compared with a real")]
            (Value::Int(value), &Type::FLOAT8) => out.put_f64(*value as f64),
            (Value::Int(value), &Type::TEXT | &Type::VARCHAR | &Type::UNKNOWN) => out.put_slice(value.to_string().as_bytes()),
            (Value::Real(value), &Type::FLOAT8) => out.put_f64(*value),
            #[expect(clippy::cast_possible_truncation, reason = "PostgreSQL asked for a single-precision real")]
            (Value::Real(value), &Type::FLOAT4) => out.put_f32(*value as f32),
            (Value::Text(text), &Type::JSONB) => {
                out.put_u8(1);
                out.put_slice(text.as_bytes());
            }
            (Value::Text(text), _) if is_text(ty) => out.put_slice(text.as_bytes()),
            (Value::Blob(bytes), &Type::BYTEA) => out.put_slice(bytes),
            (value, ty) => return Err(format!("cannot bind {value:?} to a parameter of type {ty}").into()),
        }
        Ok(IsNull::No)
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

fn is_text(ty: &Type) -> bool {
    [Type::TEXT, Type::VARCHAR, Type::BPCHAR, Type::NAME, Type::UNKNOWN, Type::JSON].contains(ty)
}

/// One column as PostgreSQL sent it, read as a [`Cell`].
pub(super) struct PgCell<'a>(Cell<'a>);

impl<'a> PgCell<'a> {
    pub(super) fn as_cell(&self) -> Cell<'a> {
        self.0
    }
}

impl<'a> FromSql<'a> for PgCell<'a> {
    fn from_sql(ty: &Type, raw: &'a [u8]) -> Result<Self, BoxError> {
        let cell = match *ty {
            Type::INT8 => Cell::Int(i64::from_sql(ty, raw)?),
            Type::INT4 => Cell::Int(i64::from(i32::from_sql(ty, raw)?)),
            Type::INT2 => Cell::Int(i64::from(i16::from_sql(ty, raw)?)),
            Type::BOOL => Cell::Int(i64::from(bool::from_sql(ty, raw)?)),
            Type::FLOAT8 => Cell::Real(f64::from_sql(ty, raw)?),
            Type::FLOAT4 => Cell::Real(f64::from(f32::from_sql(ty, raw)?)),
            Type::NUMERIC => numeric(raw)?,
            Type::BYTEA => Cell::Blob(raw),
            Type::JSONB => Cell::Text(std::str::from_utf8(raw.get(1..).unwrap_or_default())?),
            ref ty if is_text(ty) => Cell::Text(std::str::from_utf8(raw)?),
            ref ty => return Err(format!("cannot read a column of type {ty}").into()),
        };
        Ok(PgCell(cell))
    }

    fn from_sql_null(_: &Type) -> Result<Self, BoxError> {
        Ok(PgCell(Cell::Null))
    }

    fn accepts(_: &Type) -> bool {
        true
    }
}

/// A NUMERIC (what `SUM` of integers answers): an integer when it has no fraction.
fn numeric(raw: &[u8]) -> Result<Cell<'static>, BoxError> {
    let word = |at: usize| -> Result<i16, BoxError> {
        raw.get(at..at + 2).map(|bytes| i16::from_be_bytes([bytes[0], bytes[1]])).ok_or_else(|| "a truncated numeric".into())
    };
    let (digits, weight, sign, scale) = (word(0)?, word(2)?, word(4)?.cast_unsigned(), word(6)?);
    if sign == 0xC000 {
        return Ok(Cell::Real(f64::NAN));
    }
    let mut value = 0f64;
    for index in 0..digits {
        let digit = f64::from(word(8 + 2 * usize::try_from(index)?)?);
        value += digit * 10_000f64.powi(i32::from(weight) - i32::from(index));
    }
    if sign == 0x4000 {
        value = -value;
    }
    #[expect(clippy::cast_possible_truncation, reason = "a whole number within i64's range")]
    let whole = (scale == 0 && value.abs() < 9.0e18).then_some(value as i64);
    Ok(whole.map_or(Cell::Real(value), Cell::Int))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numerics_read_as_integers_when_whole() {
        // 12345678 = 1234·10000 + 5678: two digits, weight 1, positive, scale 0.
        let raw = [0, 2, 0, 1, 0, 0, 0, 0, 0x04, 0xD2, 0x16, 0x2E];
        assert_eq!(numeric(&raw).expect("readable"), Cell::Int(12_345_678));
        // -2.5 = -(2 + 5000/10000): two digits, weight 0, negative, scale 1.
        let raw = [0, 2, 0, 0, 0x40, 0, 0, 1, 0, 2, 0x13, 0x88];
        assert_eq!(numeric(&raw).expect("readable"), Cell::Real(-2.5));
        assert_eq!(numeric(&[0, 0, 0, 0, 0, 0, 0, 0]).expect("readable"), Cell::Int(0));
    }
}
