//! Copying a whole deployment's database into a new, empty one (`outflow migrate-db`):
//! SQLite to PostgreSQL, or any other direction the engine layer supports. This module owns
//! that copy and nothing else: which tables there are (read from the databases' own
//! schemas, never listed by hand), the order they are loaded in, reading them in pages and
//! writing them in batches, and the checks around it (same schema on both sides, an empty
//! target, every table's row count equal at the end). It knows no table's meaning: values
//! cross as they are stored (sealed secrets stay sealed, so the target needs the same
//! secret key), whatever the columns hold.
//!
//! A target holding data is refused before anything touches it. An empty one is migrated,
//! checked again, then written in one transaction that commits only when every count
//! matches, so a failed copy leaves it empty. The source is read in one snapshot (a read
//! transaction) and never written.

use std::{
    collections::{BTreeMap, BTreeSet, HashMap, HashSet},
    time::{Duration, Instant},
};

use super::{
    Store, StoreError,
    db::{Connection, DbError, Engine, Opener, Value},
};

/// What the copy's PostgreSQL connections call themselves: not an instance's name (see
/// `db::application_name`), so a copy running is not taken for a server.
const MIGRATE_DB: &str = "outflow-migrate-db";

/// Tables that are the databases' bookkeeping, not the deployment's data: the migrations
/// each engine applied (the target has its own) and SQLite's internal tables.
fn is_bookkeeping(table: &str) -> bool {
    table == "_sqlx_migrations" || table == "outflow_migrations" || table.starts_with("sqlite_")
}

/// Rows the migrations write into a new database, by table, as a condition. A target that
/// holds only these is empty; they are replaced by the source's rows.
const SEEDED: &[(&str, &str)] = &[("dispatch_cursor", "id = 1 AND last_event_id = 0")];

/// Most rows one INSERT carries.
const BATCH_ROWS: usize = 500;
/// Most parameters one statement binds (SQLite takes 32766, PostgreSQL 65535).
const BATCH_PARAMETERS: usize = 30_000;

/// One table's row count in the source and, after the copy, in the target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableCount {
    pub table: String,
    pub source_rows: u64,
    pub target_rows: u64,
}

/// What a copy did: each table in the order it was loaded, and how long it took.
#[derive(Debug, Clone)]
pub struct CopyReport {
    pub tables: Vec<TableCount>,
    pub elapsed: Duration,
}

impl CopyReport {
    /// Rows copied, all tables together.
    pub fn total(&self) -> u64 {
        self.tables.iter().map(|table| table.target_rows).sum()
    }

    /// The tables whose counts differ.
    pub fn mismatches(&self) -> Vec<&TableCount> {
        self.tables.iter().filter(|table| table.source_rows != table.target_rows).collect()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CopyError {
    /// The target holds data; nothing was written.
    #[error("the target database is not empty ({0}); migrate-db copies only into a new, empty database, and changed nothing")]
    TargetNotEmpty(String),
    /// The two databases are at different versions of the schema; nothing was written.
    #[error(
        "the source's schema differs from this version's ({0}); start this version's `outflow serve` on the source once (it migrates \
         the schema), stop it, and copy again. No data was written"
    )]
    SchemaDiffers(String),
    /// Some table's count differs after the copy; the transaction was rolled back.
    #[error("row counts differ after copying ({}); nothing was committed", describe_mismatches(.0))]
    CountsDiffer(CopyReport),
    /// Writing one table failed (a constraint, a value the target cannot take); the
    /// transaction was rolled back.
    #[error("copying table {table} failed: {error}; nothing was committed")]
    Table { table: String, error: String },
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<DbError> for CopyError {
    fn from(error: DbError) -> Self {
        CopyError::Store(error.into())
    }
}

fn describe_mismatches(report: &CopyReport) -> String {
    report
        .mismatches()
        .iter()
        .map(|table| format!("{}: {} in the source, {} in the target", table.table, table.source_rows, table.target_rows))
        .collect::<Vec<_>>()
        .join("; ")
}

/// Copies every table of the database `from` into the database `to` (both URLs as
/// `--database-url` takes them), after migrating `to`'s schema; refuses a `to` that holds
/// data. Answers each table's counts once they all match and the copy is committed.
pub async fn copy_database(from: &str, to: &str) -> Result<CopyReport, CopyError> {
    let started = Instant::now();
    if from == to {
        return Err(CopyError::Invalid("--from and --to name the same database".into()));
    }
    let source = Opener::for_url(from, MIGRATE_DB)?;
    if let Opener::Sqlite(path) = &source
        && !path.is_file()
    {
        return Err(CopyError::Invalid(format!("there is no SQLite database at {}", path.display())));
    }
    let source = source.open().await?;
    // Refused before the migrations touch it: a target holding data is left exactly as it
    // was (the copy checks again inside its transaction, with this version's tables).
    let target = Opener::for_url(to, MIGRATE_DB)?.open().await?;
    blocking(move || {
        let schema = Schema::read(&target)?;
        refuse_unless_empty(&target, &schema.tables.iter().collect::<Vec<_>>())
    })
    .await?;
    let store = Store::open(to).await?;
    store.migrate().await?;
    let target = store.db().take().await?;
    let copied = blocking(move || copy(&source, &target)).await;
    store.committed();
    store.close().await;
    let mut report = copied?;
    report.elapsed = started.elapsed();
    Ok(report)
}

/// Runs `work` on a blocking thread (the engine layer's connections block).
async fn blocking<T: Send + 'static>(work: impl FnOnce() -> Result<T, CopyError> + Send + 'static) -> Result<T, CopyError> {
    tokio::task::spawn_blocking(work).await.map_err(|error| CopyError::Invalid(format!("the copy stopped: {error}")))?
}

/// The copy proper, on a blocking thread: the source read in one snapshot, the target
/// written in one transaction.
fn copy(source: &Connection, target: &Connection) -> Result<CopyReport, CopyError> {
    source.execute_batch(match source.engine() {
        Engine::Sqlite => "BEGIN",
        Engine::Postgres => "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
    })?;
    let copied = copy_in_snapshot(source, target);
    // The snapshot only read; ending it either way changes nothing.
    let _ = source.execute_batch("ROLLBACK");
    copied
}

fn copy_in_snapshot(source: &Connection, target: &Connection) -> Result<CopyReport, CopyError> {
    let source_schema = Schema::read(source)?;
    let target_schema = Schema::read(target)?;
    if source_schema.tables.is_empty() {
        return Err(CopyError::Invalid("the source database has no tables: is it an Outflow database?".into()));
    }
    source_schema.compare(&target_schema).map_err(CopyError::SchemaDiffers)?;
    let order = copy_order(&target_schema.tables).map_err(CopyError::Invalid)?;
    let next_ids = next_ids(source, &source_schema)?;

    target.execute_batch(match target.engine() {
        Engine::Sqlite => "BEGIN IMMEDIATE",
        Engine::Postgres => "BEGIN",
    })?;
    let loaded = (|| {
        refuse_unless_empty(target, &order)?;
        let triggers = Triggers::disable(target)?;
        let mut counts = Vec::with_capacity(order.len());
        for table in &order {
            let source_rows = count(source, &table.name, None)?;
            copy_table(source, target, table).map_err(|error| CopyError::Table { table: table.name.clone(), error: error.to_string() })?;
            counts.push((table.name.clone(), source_rows));
        }
        triggers.restore(target)?;
        continue_ids(target, &target_schema, &next_ids)?;
        let mut tables = Vec::with_capacity(counts.len());
        for (table, source_rows) in counts {
            let target_rows = count(target, &table, None)?;
            tables.push(TableCount { table, source_rows, target_rows });
        }
        Ok::<_, CopyError>(CopyReport { tables, elapsed: Duration::ZERO })
    })();
    match loaded {
        Ok(report) if report.mismatches().is_empty() => {
            target.execute_batch("COMMIT")?;
            if target.engine() == Engine::Sqlite {
                // Into the database file now, rather than leaving the whole copy in its WAL.
                target.execute("PRAGMA wal_checkpoint(TRUNCATE)", ())?;
            }
            Ok(report)
        }
        Ok(report) => {
            target.execute_batch("ROLLBACK")?;
            Err(CopyError::CountsDiffer(report))
        }
        Err(error) => {
            let _ = target.execute_batch("ROLLBACK");
            Err(error)
        }
    }
}

/// `name` as a quoted SQL identifier (both engines quote with `"`).
fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn quoted_list(names: &[String]) -> String {
    names.iter().map(|name| quoted(name)).collect::<Vec<_>>().join(", ")
}

/// One table as the copy sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Table {
    name: String,
    /// In the table's order.
    columns: Vec<String>,
    /// The primary key's columns in key order; empty for a table without one.
    key: Vec<String>,
    references: Vec<Reference>,
}

/// A foreign key: `columns` of the table point at `parent_columns` of `parent`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Reference {
    columns: Vec<String>,
    parent: String,
    parent_columns: Vec<String>,
}

/// The deployment's tables of one database, and the columns whose ids a generator hands
/// out (PostgreSQL's identity columns; SQLite's AUTOINCREMENT keys, whose high-water mark
/// `sqlite_sequence` keeps). Plain SQLite rowids have no generator: the next is MAX + 1.
#[derive(Debug, Default)]
struct Schema {
    tables: Vec<Table>,
    generated: Vec<(String, String)>,
}

impl Schema {
    fn read(conn: &Connection) -> Result<Schema, DbError> {
        let mut schema = match conn.engine() {
            Engine::Sqlite => Self::read_sqlite(conn)?,
            Engine::Postgres => Self::read_postgres(conn)?,
        };
        schema.tables.retain(|table| !is_bookkeeping(&table.name));
        // A foreign key that names no columns points at its parent's primary key.
        let keys: HashMap<String, Vec<String>> = schema.tables.iter().map(|table| (table.name.clone(), table.key.clone())).collect();
        for reference in schema.tables.iter_mut().flat_map(|table| table.references.iter_mut()) {
            if reference.parent_columns.is_empty() {
                reference.parent_columns = keys.get(&reference.parent).cloned().unwrap_or_default();
            }
        }
        Ok(schema)
    }

    fn read_sqlite(conn: &Connection) -> Result<Schema, DbError> {
        let names: Vec<(String, bool)> = conn
            .prepare_cached("SELECT name, COALESCE(sql, '') LIKE '%AUTOINCREMENT%' FROM sqlite_master WHERE type = 'table' ORDER BY name")?
            .query_map((), |row| Ok((row.get(0)?, row.get(1)?)))?
            .collect::<Result<_, _>>()?;
        let mut schema = Schema::default();
        for (name, autoincrement) in names {
            let columns: Vec<(String, i64)> = conn
                .prepare_cached("SELECT name, pk FROM pragma_table_info(?1) ORDER BY cid")?
                .query_map([name.as_str()], |row| Ok((row.get(0)?, row.get(1)?)))?
                .collect::<Result<_, _>>()?;
            let mut key: Vec<(i64, String)> = columns.iter().filter(|(_, pk)| *pk > 0).map(|(column, pk)| (*pk, column.clone())).collect();
            key.sort();
            let foreign: Vec<(i64, String, String, Option<String>)> = conn
                .prepare_cached("SELECT id, \"table\", \"from\", \"to\" FROM pragma_foreign_key_list(?1) ORDER BY id, seq")?
                .query_map([name.as_str()], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)))?
                .collect::<Result<_, _>>()?;
            let mut references: BTreeMap<i64, Reference> = BTreeMap::new();
            for (id, parent, column, parent_column) in foreign {
                let reference = references.entry(id).or_insert_with(|| Reference { columns: Vec::new(), parent, parent_columns: Vec::new() });
                reference.columns.push(column);
                reference.parent_columns.extend(parent_column);
            }
            let key: Vec<String> = key.into_iter().map(|(_, column)| column).collect();
            if autoincrement && let [column] = key.as_slice() {
                schema.generated.push((name.clone(), column.clone()));
            }
            schema.tables.push(Table {
                name,
                columns: columns.into_iter().map(|(column, _)| column).collect(),
                key,
                references: references.into_values().collect(),
            });
        }
        Ok(schema)
    }

    fn read_postgres(conn: &Connection) -> Result<Schema, DbError> {
        let columns: Vec<(String, String, bool)> = conn
            .prepare_cached(
                "SELECT c.relname, a.attname, a.attidentity IN ('a', 'd')
                 FROM pg_class c
                 JOIN pg_namespace n ON n.oid = c.relnamespace
                 JOIN pg_attribute a ON a.attrelid = c.oid
                 WHERE c.relkind = 'r' AND n.nspname = current_schema() AND a.attnum > 0 AND NOT a.attisdropped
                 ORDER BY c.relname, a.attnum",
            )?
            .query_map((), |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?
            .collect::<Result<_, _>>()?;
        let mut schema = Schema::default();
        for (table, column, identity) in columns {
            if identity {
                schema.generated.push((table.clone(), column.clone()));
            }
            match schema.tables.last_mut() {
                Some(last) if last.name == table => last.columns.push(column),
                _ => schema.tables.push(Table { name: table, columns: vec![column], key: Vec::new(), references: Vec::new() }),
            }
        }
        // Primary and foreign keys, a row per column in key order.
        let constraints: Vec<(bool, String, String, String, Option<String>, Option<String>)> = conn
            .prepare_cached(
                "SELECT c.contype = 'p', c.conname, cl.relname, a.attname, pcl.relname, pa.attname
                 FROM pg_constraint c
                 JOIN pg_class cl ON cl.oid = c.conrelid
                 JOIN pg_namespace n ON n.oid = cl.relnamespace
                 CROSS JOIN LATERAL unnest(c.conkey) WITH ORDINALITY AS k(attnum, position)
                 JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum
                 LEFT JOIN pg_class pcl ON pcl.oid = c.confrelid
                 LEFT JOIN pg_attribute pa ON pa.attrelid = c.confrelid AND pa.attnum = c.confkey[k.position::int]
                 WHERE c.contype IN ('p', 'f') AND n.nspname = current_schema()
                 ORDER BY cl.relname, c.conname, k.position",
            )?
            .query_map((), |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?, row.get(4)?, row.get(5)?)))?
            .collect::<Result<_, _>>()?;
        let mut current: Option<(String, String)> = None;
        for (primary, constraint, table, column, parent, parent_column) in constraints {
            let Some(entry) = schema.tables.iter_mut().find(|entry| entry.name == table) else { continue };
            let same = current.as_ref().is_some_and(|(t, c)| *t == table && *c == constraint);
            if primary {
                entry.key.push(column);
            } else if same && let Some(reference) = entry.references.last_mut() {
                reference.columns.push(column);
                reference.parent_columns.extend(parent_column);
            } else {
                entry.references.push(Reference {
                    columns: vec![column],
                    parent: parent.unwrap_or_default(),
                    parent_columns: parent_column.into_iter().collect(),
                });
            }
            current = Some((table, constraint));
        }
        Ok(schema)
    }

    /// Whether `target` has the same tables with the same columns; else what differs.
    fn compare(&self, target: &Schema) -> Result<(), String> {
        let columns = |schema: &Schema| -> BTreeMap<String, BTreeSet<String>> {
            schema.tables.iter().map(|table| (table.name.clone(), table.columns.iter().cloned().collect())).collect()
        };
        let (source, target) = (columns(self), columns(target));
        let mut differences = Vec::new();
        for (table, target_columns) in &target {
            match source.get(table) {
                None => differences.push(format!("the source has no table {table}")),
                Some(source_columns) => {
                    let missing: Vec<&str> = target_columns.difference(source_columns).map(String::as_str).collect();
                    let extra: Vec<&str> = source_columns.difference(target_columns).map(String::as_str).collect();
                    if !missing.is_empty() {
                        differences.push(format!("{table} lacks {} in the source", missing.join(", ")));
                    }
                    if !extra.is_empty() {
                        differences.push(format!("{table} has {} only in the source", extra.join(", ")));
                    }
                }
            }
        }
        differences.extend(source.keys().filter(|table| !target.contains_key(*table)).map(|table| format!("table {table} is only in the source")));
        if differences.is_empty() { Ok(()) } else { Err(differences.join("; ")) }
    }
}

/// The tables in an order their foreign keys allow: each after every table it references
/// (its references to itself aside, see [`copy_table`]), tables free to go in name order.
fn copy_order(tables: &[Table]) -> Result<Vec<&Table>, String> {
    let names: BTreeSet<&str> = tables.iter().map(|table| table.name.as_str()).collect();
    let mut waiting_on: BTreeMap<&str, BTreeSet<&str>> = tables
        .iter()
        .map(|table| {
            let parents = table
                .references
                .iter()
                .map(|reference| reference.parent.as_str())
                .filter(|parent| *parent != table.name && names.contains(parent))
                .collect();
            (table.name.as_str(), parents)
        })
        .collect();
    let mut order = Vec::with_capacity(tables.len());
    while !waiting_on.is_empty() {
        let ready: Vec<&str> = waiting_on.iter().filter(|(_, parents)| parents.is_empty()).map(|(name, _)| *name).collect();
        if ready.is_empty() {
            let stuck: Vec<&str> = waiting_on.keys().copied().collect();
            return Err(format!("the tables {} reference each other in a cycle; no load order satisfies their foreign keys", stuck.join(", ")));
        }
        for name in ready {
            waiting_on.remove(name);
            for parents in waiting_on.values_mut() {
                parents.remove(name);
            }
            order.extend(tables.iter().find(|table| table.name == name));
        }
    }
    Ok(order)
}

/// Refuses a target with any row besides the seeded ones.
fn refuse_unless_empty(target: &Connection, tables: &[&Table]) -> Result<(), CopyError> {
    let mut holding = Vec::new();
    for table in tables {
        let seeded = SEEDED.iter().find(|(name, _)| *name == table.name).map(|(_, seed)| *seed);
        let rows = count(target, &table.name, seeded)?;
        if rows > 0 {
            holding.push(format!("{} holds {rows} row{}", table.name, if rows == 1 { "" } else { "s" }));
        }
    }
    if holding.is_empty() { Ok(()) } else { Err(CopyError::TargetNotEmpty(holding.join(", "))) }
}

/// Rows of `table`, leaving out those `except` matches.
fn count(conn: &Connection, table: &str, except: Option<&str>) -> Result<u64, DbError> {
    let filter = except.map(|seed| format!(" WHERE NOT ({seed})")).unwrap_or_default();
    let rows: i64 = conn.prepare_cached(&format!("SELECT COUNT(*) FROM {}{filter}", quoted(table)))?.query_row((), |row| row.get(0))?;
    Ok(u64::try_from(rows).unwrap_or_default())
}

/// The target's own triggers, off while the copy loads: what they derive from rows as they
/// are written (the health figures in `run_minutes`) is copied from the source itself, and
/// would otherwise be counted twice. Turned off inside the transaction, so a failed copy
/// leaves them as they were.
enum Triggers {
    /// SQLite cannot switch a trigger off: each is dropped and created again from its SQL.
    Sqlite(Vec<String>),
    /// PostgreSQL's enabled triggers, by table and name.
    Postgres(Vec<(String, String)>),
}

impl Triggers {
    fn disable(conn: &Connection) -> Result<Triggers, DbError> {
        match conn.engine() {
            Engine::Sqlite => {
                let triggers: Vec<(String, String)> = conn
                    .prepare_cached("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name")?
                    .query_map((), |row| Ok((row.get(0)?, row.get(1)?)))?
                    .collect::<Result<_, _>>()?;
                for (name, _) in &triggers {
                    conn.execute_batch(&format!("DROP TRIGGER {}", quoted(name)))?;
                }
                Ok(Triggers::Sqlite(triggers.into_iter().map(|(_, sql)| sql).collect()))
            }
            Engine::Postgres => {
                let triggers: Vec<(String, String)> = conn
                    .prepare_cached(
                        "SELECT c.relname, t.tgname FROM pg_trigger t
                         JOIN pg_class c ON c.oid = t.tgrelid
                         JOIN pg_namespace n ON n.oid = c.relnamespace
                         WHERE NOT t.tgisinternal AND t.tgenabled <> 'D' AND n.nspname = current_schema()
                         ORDER BY c.relname, t.tgname",
                    )?
                    .query_map((), |row| Ok((row.get(0)?, row.get(1)?)))?
                    .collect::<Result<_, _>>()?;
                for (table, trigger) in &triggers {
                    conn.execute_batch(&format!("ALTER TABLE {} DISABLE TRIGGER {}", quoted(table), quoted(trigger)))?;
                }
                Ok(Triggers::Postgres(triggers))
            }
        }
    }

    fn restore(self, conn: &Connection) -> Result<(), DbError> {
        match self {
            Triggers::Sqlite(statements) => statements.iter().try_for_each(|sql| conn.execute_batch(sql)),
            Triggers::Postgres(triggers) => triggers
                .iter()
                .try_for_each(|(table, trigger)| conn.execute_batch(&format!("ALTER TABLE {} ENABLE TRIGGER {}", quoted(table), quoted(trigger)))),
        }
    }
}

/// Rows per INSERT for a table of `columns` columns.
fn batch_rows(columns: usize) -> usize {
    (BATCH_PARAMETERS / columns.max(1)).clamp(1, BATCH_ROWS)
}

/// Text as the store writes it on either engine: a NUL (which PostgreSQL's text cannot
/// hold, and older SQLite databases may) becomes U+FFFD, as `Arg for str` does.
fn storable(value: Value<'static>) -> Value<'static> {
    match value {
        Value::Text(text) if text.contains('\0') => Value::Text(text.replace('\0', "\u{FFFD}").into()),
        other => other,
    }
}

/// A value that can be remembered in a set (reals by their bits).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum KeyPart {
    Null,
    Int(i64),
    Real(u64),
    Text(String),
    Blob(Vec<u8>),
}

fn key_of(row: &[Value<'static>], positions: &[usize]) -> Vec<KeyPart> {
    positions
        .iter()
        .map(|&at| match &row[at] {
            Value::Null => KeyPart::Null,
            Value::Int(value) => KeyPart::Int(*value),
            Value::Real(value) => KeyPart::Real(value.to_bits()),
            Value::Text(text) => KeyPart::Text(text.to_string()),
            Value::Blob(bytes) => KeyPart::Blob(bytes.to_vec()),
        })
        .collect()
}

/// A foreign key of a table to itself, by column positions.
struct SelfReference {
    columns: Vec<usize>,
    parent_columns: Vec<usize>,
    /// The parent keys of the rows loaded so far.
    loaded: HashSet<Vec<KeyPart>>,
}

/// A link held back because its row came before the row it points at: (the row's key, which
/// self-reference, the link's values).
type Deferred = (Vec<Value<'static>>, usize, Vec<Value<'static>>);

/// Copies one table: pages of rows in primary-key order (keyset paging, so each page is an
/// index range however large the table; a table without a primary key, such as
/// `flow_publications`, pages by offset in the order of all its columns), each page one
/// INSERT. Rows referencing rows of the same table (a run re-running, restarting or called
/// by another run) usually come after them, since ids are sorted ids made in creation
/// order; a link to a row not loaded yet (ids from another process or clock, hand-made
/// rows) is inserted as NULL and set once the whole table is in.
fn copy_table(source: &Connection, target: &Connection, table: &Table) -> Result<(), CopyError> {
    let position = |column: &String| table.columns.iter().position(|candidate| candidate == column);
    let positions = |columns: &[String]| columns.iter().map(position).collect::<Option<Vec<usize>>>();
    let missing = || CopyError::Invalid(format!("{}: a key names a column the table does not have", table.name));
    let key = positions(&table.key).ok_or_else(missing)?;
    let mut self_references = Vec::new();
    for reference in table.references.iter().filter(|reference| reference.parent == table.name) {
        let (columns, parent_columns) =
            (positions(&reference.columns).ok_or_else(missing)?, positions(&reference.parent_columns).ok_or_else(missing)?);
        self_references.push(SelfReference { columns, parent_columns, loaded: HashSet::new() });
    }
    if !self_references.is_empty() && key.is_empty() {
        return Err(CopyError::Invalid(format!("{} references itself but has no primary key to set its links by", table.name)));
    }
    if SEEDED.iter().any(|(name, _)| *name == table.name) {
        target.execute(&format!("DELETE FROM {}", quoted(&table.name)), ())?;
    }

    let width = table.columns.len();
    let page_rows = batch_rows(width);
    let columns = quoted_list(&table.columns);
    let name = quoted(&table.name);
    let order = if key.is_empty() { columns.clone() } else { quoted_list(&table.key) };
    let first_page = format!("SELECT {columns} FROM {name} ORDER BY {order} LIMIT {page_rows}");
    let next_page = if key.is_empty() {
        format!("SELECT {columns} FROM {name} ORDER BY {order} LIMIT {page_rows} OFFSET ?")
    } else {
        let placeholders = vec!["?"; key.len()].join(", ");
        format!("SELECT {columns} FROM {name} WHERE ({order}) > ({placeholders}) ORDER BY {order} LIMIT {page_rows}")
    };
    let row_placeholders = format!("({})", vec!["?"; width].join(", "));

    let mut deferred: Vec<Deferred> = Vec::new();
    let mut after: Option<Vec<Value<'static>>> = None;
    let mut read = 0usize;
    loop {
        let rows: Vec<Vec<Value<'static>>> = {
            let (sql, params) = match &after {
                None => (&first_page, Vec::new()),
                Some(_) if key.is_empty() => (&next_page, vec![Value::Int(i64::try_from(read).unwrap_or(i64::MAX))]),
                Some(last) => (&next_page, last.clone()),
            };
            source
                .prepare_cached(sql)?
                .query_map(params, |row| (0..width).map(|at| row.get::<_, Value<'static>>(at)).collect::<Result<Vec<_>, _>>())?
                .collect::<Result<_, _>>()?
        };
        let Some(last) = rows.last() else { break };
        after = Some(key.iter().map(|&at| last[at].clone()).collect());
        read += rows.len();

        let mut params = Vec::with_capacity(rows.len() * width);
        let count = rows.len();
        for mut row in rows {
            for reference in &mut self_references {
                reference.loaded.insert(key_of(&row, &reference.parent_columns));
            }
            for (index, reference) in self_references.iter().enumerate() {
                let link = key_of(&row, &reference.columns);
                if link.contains(&KeyPart::Null) || reference.loaded.contains(&link) {
                    continue;
                }
                let values = reference.columns.iter().map(|&at| std::mem::replace(&mut row[at], Value::Null)).collect();
                deferred.push((key.iter().map(|&at| row[at].clone()).collect(), index, values));
            }
            params.extend(row.into_iter().map(storable));
        }
        let insert = format!("INSERT INTO {name} ({columns}) VALUES {}", vec![row_placeholders.as_str(); count].join(", "));
        target.prepare_cached(&insert)?.execute(params)?;
        if count < page_rows {
            break;
        }
    }

    for (row_key, index, values) in deferred {
        let reference = table.references.iter().filter(|reference| reference.parent == table.name).nth(index).ok_or_else(missing)?;
        let set = reference.columns.iter().map(|column| format!("{} = ?", quoted(column))).collect::<Vec<_>>().join(", ");
        let filter = table.key.iter().map(|column| format!("{} = ?", quoted(column))).collect::<Vec<_>>().join(" AND ");
        let params: Vec<Value<'static>> = values.into_iter().chain(row_key).map(storable).collect();
        target.prepare_cached(&format!("UPDATE {name} SET {set} WHERE {filter}"))?.execute(params)?;
    }
    Ok(())
}

/// The next id each generated column of the source would hand out, by table: SQLite's
/// `sqlite_sequence` (the highest id ever used, deleted rows too), PostgreSQL's sequences.
fn next_ids(source: &Connection, schema: &Schema) -> Result<HashMap<String, i64>, DbError> {
    let mut next = HashMap::new();
    match source.engine() {
        Engine::Sqlite => {
            if schema.generated.is_empty() {
                return Ok(next);
            }
            let used: Vec<(String, i64)> = source
                .prepare_cached("SELECT name, seq FROM sqlite_sequence")?
                .query_map((), |row| Ok((row.get(0)?, row.get(1)?)))?
                .collect::<Result<_, _>>()?;
            next.extend(used.into_iter().map(|(table, seq)| (table, seq.saturating_add(1))));
        }
        Engine::Postgres => {
            for (table, column) in &schema.generated {
                let sequence: Option<String> =
                    source.prepare_cached("SELECT pg_get_serial_sequence(?1, ?2)")?.query_row([quoted(table), column.clone()], |row| row.get(0))?;
                let Some(sequence) = sequence else { continue };
                // `sequence` comes quoted from PostgreSQL itself.
                let (last, called): (i64, bool) = source
                    .prepare_cached(&format!("SELECT last_value, is_called FROM {sequence}"))?
                    .query_row((), |row| Ok((row.get(0)?, row.get(1)?)))?;
                next.insert(table.clone(), if called { last.saturating_add(1) } else { last });
            }
        }
    }
    Ok(next)
}

/// Moves the target's generators past every copied id, and past the source's own next id
/// (which is higher when the rows with the highest ids were deleted): an explicit id does
/// not move a PostgreSQL identity, and a reused id would, for `events`, hide new events
/// behind the dispatch cursor.
fn continue_ids(target: &Connection, schema: &Schema, next_ids: &HashMap<String, i64>) -> Result<(), DbError> {
    for (table, column) in &schema.generated {
        let source_next = next_ids.get(table).copied().unwrap_or(1);
        match target.engine() {
            Engine::Postgres => {
                let sql = format!(
                    "SELECT setval(pg_get_serial_sequence(?1, ?2), GREATEST(COALESCE((SELECT MAX({}) FROM {}), 0) + 1, ?3), false)",
                    quoted(column),
                    quoted(table)
                );
                target.prepare_cached(&sql)?.query_row(super::db::params![quoted(table), column.as_str(), source_next], |_| Ok(()))?;
            }
            Engine::Sqlite => {
                let used = source_next - 1;
                let moved =
                    target.execute("UPDATE sqlite_sequence SET seq = MAX(seq, ?1) WHERE name = ?2", super::db::params![used, table.as_str()])?;
                if moved == 0 && used > 0 {
                    target.execute("INSERT INTO sqlite_sequence (name, seq) VALUES (?2, ?1)", super::db::params![used, table.as_str()])?;
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(name: &str, references: &[(&str, &str)]) -> Table {
        Table {
            name: name.into(),
            columns: vec!["id".into()],
            key: vec!["id".into()],
            references: references
                .iter()
                .map(|(column, parent)| Reference { columns: vec![(*column).into()], parent: (*parent).into(), parent_columns: vec!["id".into()] })
                .collect(),
        }
    }

    fn names(order: &[&Table]) -> Vec<String> {
        order.iter().map(|table| table.name.clone()).collect()
    }

    use crate::store::db;

    /// A SQLite deployment with a row or more in most tables, made the ways Outflow makes
    /// them and a few it could: links between runs that point forward in id order, a text
    /// holding NUL, the newest event deleted (so `sqlite_sequence` is past the highest id),
    /// more rows than one page in a table keyed by one column and in one keyed by three, a
    /// table without a primary key, and health figures the triggers derived.
    async fn source_deployment(dir: &tempfile::TempDir) -> (String, Store) {
        let url = format!("sqlite://{}", dir.path().join("source.db").display());
        let store = Store::open(&url).await.expect("the source opens");
        store.migrate().await.expect("migrations run");
        for statement in [
            "INSERT INTO users (id, target_name, created_at) VALUES (1, 'admin', 1), (2, 'bob', 2)",
            "INSERT INTO api_keys (user_id, name, key_hash, created_at) VALUES (1, 'ci', 'digest', 3)",
            "INSERT INTO workflows (id, name, owner_user_id, created_at) VALUES ('wf', 'Ops', 1, 1)",
            "INSERT INTO forms (id, workflow_id, name, created_at, updated_at) VALUES ('f1', 'wf', 'Incident', 1, 1)",
            "INSERT INTO alerts (form_id, properties, recipients, priority, status, initiator_user_id, created_at, updated_at)
             VALUES ('f1', '{}', '[]', 'LOW', 'ACTIVE', 1, 60000, 60000)",
            "INSERT INTO events (alert_id, trigger, fields, created_at) VALUES (1, 'status', '{}', 60000), (1, 'comment', '{}', 60001), (1, 'comment', '{}', 60002)",
            "DELETE FROM events WHERE id = 3",
            "UPDATE dispatch_cursor SET last_event_id = 3",
            "INSERT INTO integrations (id, form_id, name, trigger, action, location, created_at, updated_at) VALUES ('i1', 'f1', 'Hook', 'status', '{}', '{}', 1, 1)",
            "INSERT INTO runs (id, integration_id, integration_name, alert_id, event_id, trigger, payload, webhook_id, status, created_at, updated_at)
             VALUES ('run2', 'i1', 'Hook', 1, 1, 'status', '{}', 'wh2', 'succeeded', 60000, 60000),
                    ('run1', 'i1', 'Hook', 1, 1, 'status', '{}', 'wh1', 'succeeded', 60000, 60000)",
            "UPDATE runs SET rerun_of = 'run2' WHERE id = 'run1'",
            "INSERT INTO flows (id, form_id, name, version, graph, created_at, updated_at) VALUES ('fl1', 'f1', 'Flow', 1, '{}', 1, 1)",
            "INSERT INTO flow_versions (flow_id, version, name, graph, blocks, edges, saved_by, note, created_at) VALUES ('fl1', 1, 'Flow', '{}', 0, 0, 1, '', 1)",
            "INSERT INTO flow_publications (flow_id, version, published_at, published_by, note) VALUES ('fl1', 1, 5, 1, 'imported'), ('fl1', 1, 6, 1, 'rolled back')",
            "INSERT INTO flow_snapshots (hash, graph) VALUES ('h', '{}')",
            "INSERT INTO flow_runs (id, flow_id, flow_name, flow_version, workflow_id, snapshot, started_by, trigger_block, trigger, payload, status, created_at, finished_at, updated_at)
             VALUES ('fr_c', 'fl1', 'Flow', 1, 'wf', 'h', 'api', 't1', 'status', '{}', 'succeeded', 120000, 120000, 120000)",
            "INSERT INTO flow_runs (id, flow_id, flow_name, flow_version, workflow_id, snapshot, started_by, trigger_block, trigger, payload, status, created_at, finished_at, updated_at, rerun_of)
             VALUES ('fr_a', 'fl1', 'Flow', 1, 'wf', 'h', 'rerun', 't1', 'status', '{}', 'failed', 120000, 120000, 120000, 'fr_c')",
            // More runs than one batch between a run and the run it re-ran.
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 600)
             INSERT INTO flow_runs (id, flow_id, flow_name, flow_version, workflow_id, snapshot, started_by, trigger_block, trigger, payload, status, created_at, updated_at)
             SELECT printf('fr_m%04d', i), 'fl1', 'Flow', 1, 'wf', 'h', 'api', 't1', 'status', '{}', 'queued', 130000, 130000 FROM n",
            "INSERT INTO flow_runs (id, flow_id, flow_name, flow_version, workflow_id, snapshot, started_by, trigger_block, trigger, payload, status, created_at, updated_at, rerun_of)
             VALUES ('fr_z', 'fl1', 'Flow', 1, 'wf', 'h', 'api', 't1', 'status', '{}', 'queued', 140000, 140000, 'fr_m0001')",
            "UPDATE flow_runs SET rerun_of = 'fr_z' WHERE id = 'fr_m0002'",
            "INSERT INTO flow_runs (id, flow_id, flow_name, flow_version, workflow_id, snapshot, started_by, trigger_block, trigger, payload, status, created_at, updated_at, called_by, called_by_block, called_by_iteration)
             VALUES ('fr_b', 'fl1', 'Flow', 1, 'wf', 'h', 'call', 't1', 'status', '{}', 'running', 120000, 120000, 'fr_a', 'c1', '')",
            "UPDATE flow_runs SET restart_of = 'fr_b', restart_from = 'w1', restart_origin = 'fr_b' WHERE id = 'fr_c'",
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1100)
             INSERT INTO flow_run_steps (run_id, iteration, block_id, status, started_at) SELECT 'fr_b', CAST(i AS TEXT), 'w1', 'succeeded', i FROM n",
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1201)
             INSERT INTO audit_log (at, actor_id, actor_name, action, object_kind, object_id, object_name, changes)
             SELECT i, 1, 'admin', 'create', 'user', 'u' || i, 'u' || i, '{}' FROM n",
        ] {
            db::query(statement).execute(store.db()).await.unwrap_or_else(|error| panic!("{statement}: {error}"));
        }
        // Bound raw, as an older version could store it.
        db::query("INSERT INTO comments (alert_id, author_user_id, text, source, created_at) VALUES (1, 2, ?, 'api', 60001)")
            .bind(Value::Text("before\0after".into()))
            .execute(store.db())
            .await
            .expect("a comment");
        (url, store)
    }

    async fn schema_of(store: &Store) -> Schema {
        store.db().with(Schema::read).await.expect("the schema reads")
    }

    async fn scalar(store: &Store, sql: &str) -> Value<'static> {
        db::query_scalar::<Value<'static>>(sql).fetch_one(store.db()).await.unwrap_or_else(|error| panic!("{sql}: {error}"))
    }

    #[tokio::test]
    async fn a_deployment_is_copied_whole_and_a_second_copy_is_refused() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let (from, source) = source_deployment(&dir).await;
        let to = Store::scratch_url(&dir, "target.db").await;

        let report = copy_database(&from, &to).await.expect("the copy succeeds");
        let target = Store::open(&to).await.expect("the target opens");
        let schema = schema_of(&target).await;
        let copied: BTreeSet<&str> = report.tables.iter().map(|table| table.table.as_str()).collect();
        let tables: BTreeSet<&str> = schema.tables.iter().map(|table| table.name.as_str()).collect();
        assert_eq!(copied, tables, "every table is copied");
        assert!(report.mismatches().is_empty());
        let count_of = |name: &str| report.tables.iter().find(|table| table.table == name).map(|table| table.target_rows);
        assert_eq!(count_of("audit_log"), Some(1201));
        assert_eq!(count_of("flow_run_steps"), Some(1100));
        assert_eq!(count_of("flow_publications"), Some(2));
        assert_eq!(count_of("flow_runs"), Some(604));
        assert_eq!(count_of("dispatch_cursor"), Some(1));
        assert_eq!(report.total(), report.tables.iter().map(|table| table.source_rows).sum::<u64>());

        for (sql, expected) in [
            ("SELECT rerun_of FROM flow_runs WHERE id = 'fr_a'", Value::Text("fr_c".into())),
            ("SELECT called_by FROM flow_runs WHERE id = 'fr_b'", Value::Text("fr_a".into())),
            ("SELECT restart_of FROM flow_runs WHERE id = 'fr_c'", Value::Text("fr_b".into())),
            ("SELECT rerun_of FROM flow_runs WHERE id = 'fr_m0002'", Value::Text("fr_z".into())),
            ("SELECT rerun_of FROM flow_runs WHERE id = 'fr_z'", Value::Text("fr_m0001".into())),
            ("SELECT rerun_of FROM runs WHERE id = 'run1'", Value::Text("run2".into())),
            ("SELECT last_event_id FROM dispatch_cursor", Value::Int(3)),
            ("SELECT text FROM comments", Value::Text("before\u{FFFD}after".into())),
            ("SELECT MAX(iteration) FROM flow_run_steps", Value::Text("999".into())),
            ("SELECT COUNT(DISTINCT object_id) FROM audit_log", Value::Int(1201)),
        ] {
            assert_eq!(scalar(&target, sql).await, expected, "{sql}");
        }
        // The health figures are the source's, not counted again by the target's triggers.
        let figures = "SELECT CAST(SUM(runs) AS BIGINT) FROM run_minutes";
        assert_eq!(scalar(&target, figures).await, scalar(&source, figures).await);
        assert_eq!(scalar(&target, figures).await, Value::Int(4));

        // Refused a second time, naming what the target holds, with every count unchanged.
        let refused = copy_database(&from, &to).await.expect_err("the target holds data now");
        assert!(matches!(refused, CopyError::TargetNotEmpty(_)), "{refused}");
        let message = refused.to_string();
        assert!(message.contains("not empty") && message.contains("users holds 2 rows") && message.contains("changed nothing"), "{message}");
        for table in &report.tables {
            let rows = scalar(&target, &format!("SELECT COUNT(*) FROM {}", quoted(&table.table))).await;
            assert_eq!(rows, Value::Int(i64::try_from(table.target_rows).expect("small")), "{} is unchanged", table.table);
        }

        // New ids continue past the copied ones, and past the deleted newest event.
        let new_event = "INSERT INTO events (alert_id, trigger, fields, created_at) VALUES (1, 'status', '{}', 1) RETURNING id";
        assert_eq!(scalar(&target, new_event).await, Value::Int(4));
        assert_eq!(scalar(&target, "INSERT INTO users (target_name, created_at) VALUES ('carol', 9) RETURNING id").await, Value::Int(3));
        assert_eq!(scalar(&target, "INSERT INTO flow_runs (id, flow_name, flow_version, workflow_id, snapshot, started_by, trigger_block, trigger, payload, status, created_at, updated_at)
             VALUES ('fr_d', 'Flow', 1, 'wf', 'h', 'api', 't1', 'status', '{}', 'succeeded', 180000, 180000) RETURNING id").await, Value::Text("fr_d".into()));
        assert_eq!(scalar(&target, figures).await, Value::Int(5), "the target's triggers are back on");
    }

    #[tokio::test]
    async fn a_source_at_an_older_schema_or_missing_is_refused_and_the_target_stays_empty() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let old = format!("sqlite://{}", dir.path().join("old.db").display());
        drop(Store::open(&old).await.expect("the database opens"));
        let mut before_0016 = sqlx::migrate!("./migrations");
        before_0016.migrations = before_0016.migrations.iter().filter(|migration| migration.version < 16).cloned().collect::<Vec<_>>().into();
        let options = <sqlx::sqlite::SqliteConnectOptions as std::str::FromStr>::from_str(&old).expect("a SQLite URL");
        let mut conn = sqlx::ConnectOptions::connect(&options).await.expect("the database opens");
        before_0016.run(&mut conn).await.expect("migrations up to 0015 run");
        drop(conn);

        let to = Store::scratch_url(&dir, "target.db").await;
        let refused = copy_database(&old, &to).await.expect_err("the schemas differ");
        let message = refused.to_string();
        assert!(matches!(refused, CopyError::SchemaDiffers(_)), "{message}");
        assert!(message.contains("flow_runs lacks") && message.contains("called_by") && message.contains("outflow serve"), "{message}");

        let missing = format!("sqlite://{}", dir.path().join("typo.db").display());
        let refused = copy_database(&missing, &to).await.expect_err("no such file");
        assert!(refused.to_string().contains("there is no SQLite database at"), "{refused}");
        assert!(!dir.path().join("typo.db").exists(), "no database is created where the source was expected");

        // The target was migrated and nothing more: a proper source still copies into it.
        let (from, _source) = source_deployment(&dir).await;
        copy_database(&from, &to).await.expect("the target is still empty");
    }

    #[tokio::test]
    async fn a_target_holding_data_is_refused_before_its_schema_is_touched() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let (from, _source) = source_deployment(&dir).await;
        let to = format!("sqlite://{}", dir.path().join("old-target.db").display());
        let options = <sqlx::sqlite::SqliteConnectOptions as std::str::FromStr>::from_str(&to).expect("a SQLite URL").create_if_missing(true);
        let mut conn = sqlx::ConnectOptions::connect(&options).await.expect("the database opens");
        let mut before_0016 = sqlx::migrate!("./migrations");
        before_0016.migrations = before_0016.migrations.iter().filter(|migration| migration.version < 16).cloned().collect::<Vec<_>>().into();
        before_0016.run(&mut conn).await.expect("migrations up to 0015 run");
        sqlx::query("INSERT INTO users (target_name, created_at) VALUES ('someone', 1)").execute(&mut conn).await.expect("a user");
        drop(conn);

        let refused = copy_database(&from, &to).await.expect_err("the target holds a user");
        assert_eq!(
            refused.to_string(),
            "the target database is not empty (users holds 1 row); migrate-db copies only into a new, empty database, and changed nothing"
        );
        let target = Store::open(&to).await.expect("the target opens");
        assert_eq!(scalar(&target, "SELECT MAX(version) FROM _sqlx_migrations").await, Value::Int(15), "not migrated either");
        assert_eq!(scalar(&target, "SELECT COUNT(*) FROM users").await, Value::Int(1));
    }

    #[tokio::test]
    async fn the_load_order_covers_every_table_of_the_schema_parents_first() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let store = Store::scratch(&dir, "schema.db").await;
        let listing = match store.engine() {
            Engine::Sqlite => "SELECT name FROM sqlite_master WHERE type = 'table'",
            Engine::Postgres => {
                "SELECT CAST(table_name AS TEXT) FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
            }
        };
        let mut listed: Vec<String> = db::query_scalar(listing).fetch_all(store.db()).await.expect("the tables list");
        listed.retain(|table| !is_bookkeeping(table));
        listed.sort();
        assert_eq!(listed.len(), 37, "{listed:?}");

        let schema = schema_of(&store).await;
        let order = copy_order(&schema.tables).expect("an order exists");
        let mut planned: Vec<String> = names(&order);
        planned.sort();
        assert_eq!(planned, listed, "the copy plans every table the schema has, and only those");
        let at = |name: &str| order.iter().position(|table| table.name == name).expect("planned");
        for table in &order {
            for reference in &table.references {
                assert!(at(&reference.parent) <= at(&table.name), "{} loads after {}, which it references", table.name, reference.parent);
            }
        }
        assert!(at("users") < at("api_keys") && at("flow_snapshots") < at("flow_runs") && at("flow_versions") < at("flow_publications"));
        let flow_runs = order[at("flow_runs")];
        let links: BTreeSet<&str> = flow_runs.references.iter().filter(|r| r.parent == "flow_runs").map(|r| r.columns[0].as_str()).collect();
        assert_eq!(
            links,
            BTreeSet::from(["called_by", "rerun_of", "restart_of"]),
            "self-references are known, to be deferred when they point forward"
        );
        let generated: BTreeSet<&str> = schema.generated.iter().map(|(table, _)| table.as_str()).collect();
        let expected: BTreeSet<&str> = match store.engine() {
            Engine::Sqlite => BTreeSet::from(["alerts", "events"]),
            Engine::Postgres => BTreeSet::from(["alerts", "api_keys", "audit_log", "comments", "events", "groups", "responses", "run_logs", "users"]),
        };
        assert_eq!(generated, expected, "the columns whose generators the copy moves on");
    }

    #[test]
    fn tables_load_after_the_tables_they_reference() {
        let tables = vec![
            table("runs", &[("alert_id", "alerts"), ("rerun_of", "runs"), ("integration_id", "integrations")]),
            table("alerts", &[("form_id", "forms"), ("initiator", "users")]),
            table("users", &[]),
            table("integrations", &[("form_id", "forms")]),
            table("forms", &[("workflow_id", "workflows")]),
            table("workflows", &[("owner", "users")]),
            table("run_minutes", &[]),
        ];
        let order = copy_order(&tables).expect("an order exists");
        // Free tables go in name order; a reference to itself does not hold a table back.
        assert_eq!(names(&order), ["run_minutes", "users", "workflows", "forms", "alerts", "integrations", "runs"]);
    }

    #[test]
    fn tables_referencing_each_other_in_a_cycle_are_refused_by_name() {
        let tables = vec![table("a", &[("b_id", "b")]), table("b", &[("a_id", "a")]), table("c", &[])];
        let refused = copy_order(&tables).expect_err("no order exists");
        assert!(refused.contains("a, b reference each other in a cycle"), "{refused}");
    }

    #[test]
    fn batches_stay_within_both_engines_parameter_limits() {
        assert_eq!(batch_rows(19), 500);
        assert_eq!(batch_rows(100), 300);
        assert_eq!(batch_rows(40_000), 1);
        assert!((1..200).all(|columns| batch_rows(columns) * columns <= 32_766));
    }

    #[test]
    fn text_is_copied_as_the_store_writes_it() {
        assert_eq!(storable(Value::Text("a\0b".into())), Value::Text("a\u{FFFD}b".into()));
        assert_eq!(storable(Value::Text("plain".into())), Value::Text("plain".into()));
        assert_eq!(storable(Value::Int(3)), Value::Int(3));
        assert_eq!(storable(Value::Blob(vec![0u8, 1].into())), Value::Blob(vec![0u8, 1].into()));
    }

    #[test]
    fn a_schema_with_other_tables_or_columns_is_described() {
        let schema = |tables: Vec<Table>| Schema { tables, generated: Vec::new() };
        let mut old_runs = table("runs", &[]);
        let mut new_runs = table("runs", &[]);
        old_runs.columns.push("legacy".into());
        new_runs.columns.push("agent_targets".into());
        let source = schema(vec![old_runs, table("users", &[])]);
        let target = schema(vec![new_runs, table("flow_schedules", &[])]);
        let differences = source.compare(&target).expect_err("they differ");
        assert_eq!(
            differences,
            "the source has no table flow_schedules; runs lacks agent_targets in the source; runs has legacy only in the source; \
             table users is only in the source"
        );
        assert!(source.compare(&schema(vec![table("users", &[]), table("runs", &[])])).is_err());
        assert!(schema(vec![table("users", &[])]).compare(&schema(vec![table("users", &[])])).is_ok());
    }
}
