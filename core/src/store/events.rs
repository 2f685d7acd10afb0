//! The activity event log: one row per trigger event. Every writer calls `record` inside
//! the transaction of the change that caused the event, so neither exists without the other.

use super::Store;
use outflow_model::{alerts::TimelineEvent, trigger::Trigger};
use serde_json::Value;

use super::{StoreResult, db, from_json};
use crate::clock;

pub(crate) const INSERT_EVENT: &str = "INSERT INTO events (alert_id, trigger, fields, created_at) VALUES (?, ?, ?, ?) RETURNING id";

pub(crate) async fn record(conn: &mut db::Tx, alert_id: i64, trigger: Trigger, fields: Value, now: i64) -> StoreResult<i64> {
    let id = db::query_scalar(INSERT_EVENT).bind(alert_id).bind(trigger.key()).bind(fields.to_string()).bind(now).fetch_one(conn).await?;
    Ok(id)
}

crate::row_struct! {
struct EventRow {
    id: i64,
    trigger: String,
    fields: String,
    created_at: i64,
}
}

pub(crate) async fn timeline(store: &Store, alert_id: i64) -> StoreResult<Vec<TimelineEvent>> {
    let rows: Vec<EventRow> = db::query_as("SELECT id, trigger, fields, created_at FROM events WHERE alert_id = ? ORDER BY id")
        .bind(alert_id)
        .fetch_all(store.db())
        .await?;
    rows.into_iter()
        .map(|row| {
            let trigger = Trigger::from_key(&row.trigger).ok_or_else(|| super::StoreError::Corrupt(format!("unknown trigger {}", row.trigger)))?;
            Ok(TimelineEvent { id: row.id, trigger, fields: from_json("events.fields", &row.fields)?, created_at: clock::rfc3339(row.created_at) })
        })
        .collect()
}
