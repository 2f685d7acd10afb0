//! The audit log: who created, changed or deleted which configuration object, when, and
//! which non-secret fields changed. Every store function that changes configuration records
//! its change here: inside its own transaction where it has one ([`record`]), otherwise
//! right after its write commits ([`record_change`]). A crash between those two commits
//! is the one way an entry can be missing.

use super::Store;
use outflow_model::{
    Page,
    access::{AuditAction, AuditEntry},
};
use serde_json::{Map, Value};

use super::{Actor, StoreResult, db, from_json};
use crate::clock::{now_millis, rfc3339};

/// Fields that say nothing about what a user changed.
const IGNORED_FIELDS: &[&str] = &["createdAt", "updatedAt", "lastRun"];

/// The changed top-level fields as `{field: [before, after]}`. Secrets never reach here:
/// objects are recorded in their API form, where secrets are masked.
pub fn changes(before: Option<&Value>, after: Option<&Value>) -> Value {
    let empty = Map::new();
    let fields = |value: Option<&Value>| value.and_then(Value::as_object).unwrap_or(&empty).clone();
    let (before, after) = (fields(before), fields(after));
    let mut changed = Map::new();
    for name in before.keys().chain(after.keys()) {
        if IGNORED_FIELDS.contains(&name.as_str()) || changed.contains_key(name) {
            continue;
        }
        let (old, new) = (before.get(name).cloned().unwrap_or(Value::Null), after.get(name).cloned().unwrap_or(Value::Null));
        if old != new {
            changed.insert(name.clone(), Value::Array(vec![old, new]));
        }
    }
    Value::Object(changed)
}

/// The JSON form of an object for [`changes`].
pub fn snapshot<T: serde::Serialize>(object: &T) -> Value {
    serde_json::to_value(object).unwrap_or(Value::Null)
}

/// Who changes come from when no user made them (e.g. the example installed at start).
const SYSTEM: &str = "system";

/// One change to a configuration object.
pub(crate) struct Change<'a> {
    pub action: AuditAction,
    pub kind: &'a str,
    pub id: &'a str,
    pub name: &'a str,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

impl<'a> Change<'a> {
    pub fn created<T: serde::Serialize>(kind: &'a str, id: &'a str, name: &'a str, object: &T) -> Self {
        Change { action: AuditAction::Create, kind, id, name, before: None, after: Some(snapshot(object)) }
    }

    pub fn updated<T: serde::Serialize>(kind: &'a str, id: &'a str, name: &'a str, before: &T, after: &T) -> Self {
        Change { action: AuditAction::Update, kind, id, name, before: Some(snapshot(before)), after: Some(snapshot(after)) }
    }

    pub fn deleted<T: serde::Serialize>(kind: &'a str, id: &'a str, name: &'a str, object: &T) -> Self {
        Change { action: AuditAction::Delete, kind, id, name, before: Some(snapshot(object)), after: None }
    }
}

/// Records a change that has already committed, in a transaction of its own.
pub(crate) async fn record_change(store: &Store, actor: Option<&Actor>, change: Change<'_>) -> StoreResult<()> {
    let mut tx = super::write_tx(store).await?;
    record(&mut tx, actor, change).await?;
    tx.commit().await
}

/// Records a change inside the caller's transaction.
pub(crate) async fn record(conn: &mut db::Tx, actor: Option<&Actor>, change: Change<'_>) -> StoreResult<()> {
    db::query(
        "INSERT INTO audit_log (at, actor_id, actor_name, action, object_kind, object_id, object_name, changes)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(now_millis())
    .bind(actor.map(|actor| actor.user_id))
    .bind(actor.map_or(SYSTEM, |actor| actor.target_name.as_str()))
    .bind(change.action.as_str())
    .bind(change.kind)
    .bind(change.id)
    .bind(change.name)
    .bind(changes(change.before.as_ref(), change.after.as_ref()).to_string())
    .execute(conn)
    .await?;
    Ok(())
}

crate::row_struct! {
struct AuditRow {
    id: i64,
    at: i64,
    actor_name: String,
    action: String,
    object_kind: String,
    object_id: String,
    object_name: String,
    changes: String,
}
}

/// The newest entries first.
pub async fn list_audit(store: &Store, limit: u32, offset: u32) -> StoreResult<Page<AuditEntry>> {
    let total: i64 = db::query_scalar("SELECT COUNT(*) FROM audit_log").fetch_one(store.db()).await?;
    let rows: Vec<AuditRow> = db::query_as(
        "SELECT id, at, actor_name, action, object_kind, object_id, object_name, changes
         FROM audit_log ORDER BY id DESC LIMIT ? OFFSET ?",
    )
    .bind(limit)
    .bind(offset)
    .fetch_all(store.db())
    .await?;
    let items = rows
        .into_iter()
        .map(|row| {
            Ok(AuditEntry {
                id: row.id,
                at: rfc3339(row.at),
                actor: row.actor_name,
                action: match row.action.as_str() {
                    "create" => AuditAction::Create,
                    "update" => AuditAction::Update,
                    _ => AuditAction::Delete,
                },
                object_kind: row.object_kind,
                object_id: row.object_id,
                object_name: row.object_name,
                changes: from_json("audit_log.changes", &row.changes)?,
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;
    Ok(Page { items, total, limit, offset })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::changes;

    #[test]
    fn changes_list_only_fields_that_differ() {
        let before = json!({"name": "Ops", "enabled": true, "updatedAt": "x"});
        let after = json!({"name": "Ops", "enabled": false, "updatedAt": "y", "path": "/a"});
        assert_eq!(changes(Some(&before), Some(&after)), json!({"enabled": [true, false], "path": [null, "/a"]}));
        assert_eq!(changes(None, Some(&json!({"name": "n"}))), json!({"name": [null, "n"]}));
    }
}
