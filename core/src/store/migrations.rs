//! The schema, embedded in the binary and brought up to date at start. SQLite's migrations
//! (`migrations/`) run through sqlx's migrator, as they always have, so databases created
//! by earlier versions upgrade in place. PostgreSQL's (`migrations-postgres/`) run here:
//! each file once, in its own transaction, recorded in `outflow_migrations`, under an
//! advisory lock so instances starting together migrate one at a time.

use std::str::FromStr;

use sqlx::{ConnectOptions, sqlite::SqliteConnectOptions};

use super::{Store, StoreError, StoreResult};

/// PostgreSQL's migrations, in order: (version, name, SQL).
const POSTGRES: &[(i64, &str, &str)] = &[
    (1, "schema", include_str!("../../migrations-postgres/0001_schema.sql")),
    (2, "flow_run_lease_owner", include_str!("../../migrations-postgres/0002_flow_run_lease_owner.sql")),
];

/// Any number, the same in every instance: the advisory lock migrations hold.
const MIGRATION_LOCK: i64 = 0x006f_7574_666c_6f77;

pub(super) async fn sqlite(url: &str) -> StoreResult<()> {
    let failed = |error: &dyn std::fmt::Display| StoreError::Migration(error.to_string());
    let options = SqliteConnectOptions::from_str(url).map_err(|error| failed(&error))?.create_if_missing(true).foreign_keys(true);
    let mut conn = options.connect().await.map_err(|error| failed(&error))?;
    sqlx::migrate!("./migrations").run(&mut conn).await.map_err(|error| failed(&error))?;
    Ok(())
}

pub(super) async fn postgres(store: &Store) -> StoreResult<()> {
    let pool = store.db();
    pool.with(|conn| {
        conn.execute_batch(&format!(
            "CREATE TABLE IF NOT EXISTS outflow_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL);
             SELECT pg_advisory_lock({MIGRATION_LOCK});"
        ))?;
        let applied = (|| {
            for (version, name, sql) in POSTGRES {
                let done = conn.prepare_cached("SELECT 1 FROM outflow_migrations WHERE version = ?")?.exists([*version])?;
                if done {
                    continue;
                }
                conn.execute_batch("BEGIN")?;
                let step = conn.execute_batch(sql).and_then(|()| {
                    conn.execute(
                        "INSERT INTO outflow_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                        super::db::params![*version, *name, crate::clock::now_millis()],
                    )
                });
                match step {
                    Ok(_) => conn.execute_batch("COMMIT")?,
                    Err(error) => {
                        let _ = conn.execute_batch("ROLLBACK");
                        return Err(error);
                    }
                }
            }
            Ok(())
        })();
        conn.execute_batch(&format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})"))?;
        applied
    })
    .await
    .map_err(|error| StoreError::Migration(error.to_string()))
}
