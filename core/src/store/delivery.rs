//! The notification queue as the delivery worker sees it: claim due notifications under a
//! lease (a crashed worker's claims expire and are retried), then record each result with
//! its `delivery` event in one transaction.

use super::Store;
use super::db::{self, Connection, params};
use outflow_model::{people::DeviceKind, trigger::Trigger};
use serde_json::{Value, json};

use super::{StoreResult, events, from_json};
use crate::clock;

/// How long a claimed notification stays with its worker before another may retry it.
pub const LEASE_MS: i64 = 60_000;

/// Everything a provider needs to deliver one notification.
#[derive(Debug, Clone)]
pub struct DeliveryJob {
    pub notification_id: String,
    pub alert_id: i64,
    pub recipient: String,
    pub device_id: String,
    pub device_name: String,
    pub kind: Option<DeviceKind>,
    pub address: String,
    /// For the built-in test provider: whether it should report failure.
    pub test_fails: bool,
    /// The human-readable notification text.
    pub message: String,
    /// The JSON a webhook device receives.
    pub body: Value,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeliveryResult {
    Delivered(String),
    Failed(String),
}

struct JobRow {
    id: String,
    alert_id: i64,
    recipient: String,
    device_id: String,
    device_name: String,
    kind: Option<String>,
    address: Option<String>,
    test_outcome: Option<String>,
    form_name: String,
    priority: String,
    status: String,
    properties: String,
    responses: String,
}

/// Claims up to `limit` notifications that are due on active alerts.
pub async fn claim_due_notifications(store: &Store, now: i64, limit: i64) -> StoreResult<Vec<DeliveryJob>> {
    super::writer::write(store, move |conn| claim(conn, now, limit)).await
}

fn claim(conn: &Connection, now: i64, limit: i64) -> StoreResult<Vec<DeliveryJob>> {
    let claimed: Vec<String> = conn
        .prepare_cached(
            // The state is tested again outside the subquery: on PostgreSQL a concurrent
            // claimer waits for these rows and then skips them (redundant on SQLite).
            "UPDATE notifications SET lease_until = ?1, attempts = attempts + 1
             WHERE id IN (
                 SELECT n.id FROM notifications n JOIN alerts a ON a.event_identifier = n.alert_id
                 WHERE n.status = 'pending' AND n.due_at <= ?2 AND (n.lease_until IS NULL OR n.lease_until < ?2)
                   AND a.status = 'ACTIVE'
                 ORDER BY n.due_at LIMIT ?3)
               AND status = 'pending' AND (lease_until IS NULL OR lease_until < ?2)
             RETURNING id",
        )?
        .query_map(params![now + LEASE_MS, now, limit], |row| row.get(0))?
        .collect::<Result<_, _>>()?;
    let mut read = conn.prepare_cached(
        "SELECT n.id, n.alert_id, u.target_name AS recipient, n.device_id, n.device_name, d.kind, d.address, d.test_outcome,
                f.name AS form_name, a.priority, a.status, a.properties, f.responses
         FROM notifications n JOIN users u ON u.id = n.user_id JOIN alerts a ON a.event_identifier = n.alert_id
         JOIN forms f ON f.id = a.form_id LEFT JOIN devices d ON d.id = n.device_id
         WHERE n.id = ?",
    )?;
    claimed
        .iter()
        .map(|id| {
            let row = read.query_row([id], |row| {
                Ok(JobRow {
                    id: row.get(0)?,
                    alert_id: row.get(1)?,
                    recipient: row.get(2)?,
                    device_id: row.get(3)?,
                    device_name: row.get(4)?,
                    kind: row.get(5)?,
                    address: row.get(6)?,
                    test_outcome: row.get(7)?,
                    form_name: row.get(8)?,
                    priority: row.get(9)?,
                    status: row.get(10)?,
                    properties: row.get(11)?,
                    responses: row.get(12)?,
                })
            })?;
            job_from(row)
        })
        .collect()
}

fn job_from(row: JobRow) -> StoreResult<DeliveryJob> {
    let properties: serde_json::Map<String, Value> = from_json("alerts.properties", &row.properties)?;
    let responses: Vec<outflow_model::forms::ResponseOption> = from_json("forms.responses", &row.responses)?;
    let summary: Vec<String> = properties.iter().map(|(name, value)| format!("{name}: {}", plain(value))).collect();
    let message = if summary.is_empty() {
        format!("[{}] {} #{}", row.priority, row.form_name, row.alert_id)
    } else {
        format!("[{}] {} #{}: {}", row.priority, row.form_name, row.alert_id, summary.join(", "))
    };
    let choices: Vec<&str> = responses.iter().map(|option| option.choice.as_str()).collect();
    let body = json!({
        "eventIdentifier": row.alert_id,
        "notificationId": row.id,
        "recipient": row.recipient,
        "device": row.device_name,
        "form": row.form_name,
        "priority": row.priority,
        "status": row.status,
        "message": message,
        "properties": properties,
        "responses": choices,
    });
    Ok(DeliveryJob {
        notification_id: row.id,
        alert_id: row.alert_id,
        recipient: row.recipient,
        device_id: row.device_id,
        device_name: row.device_name,
        // None when the device was removed after the notification was made.
        kind: row.kind.as_deref().and_then(DeviceKind::from_key),
        address: row.address.unwrap_or_default(),
        test_fails: row.test_outcome.as_deref() == Some("failed"),
        message,
        body,
    })
}

fn plain(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// Stores a delivery result and its `delivery` event; a result for a notification that is
/// no longer pending (cancelled meanwhile, or recorded by another worker) is dropped.
pub async fn record_delivery(store: &Store, job: &DeliveryJob, result: &DeliveryResult) -> StoreResult<bool> {
    let (status, label, message) = match result {
        DeliveryResult::Delivered(message) => ("delivered", "Delivered", message),
        DeliveryResult::Failed(message) => ("failed", "Failed", message),
    };
    let now = clock::now_millis();
    let mut tx = super::write_tx(store).await?;
    let updated =
        db::query("UPDATE notifications SET status = ?, message = ?, completed_at = ?, lease_until = NULL WHERE id = ? AND status = 'pending'")
            .bind(status)
            .bind(message)
            .bind(now)
            .bind(&job.notification_id)
            .execute(&mut *tx)
            .await?;
    if updated.rows_affected() == 0 {
        return Ok(false);
    }
    let fields = json!({
        "recipient": job.recipient,
        "device": job.device_name,
        "deviceId": job.device_id,
        "deliveryStatus": label,
        "eventType": "DEVICE_DELIVERY",
        "message": message,
    });
    events::record(&mut tx, job.alert_id, Trigger::Delivery, fields, now).await?;
    tx.commit().await?;
    Ok(true)
}
