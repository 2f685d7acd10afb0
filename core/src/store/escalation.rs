//! Group escalation (SPEC §2): when nobody in a group's current step answered in time the
//! next reachable member is notified and an `escalation` event recorded. The due time lives
//! in `alert_groups.escalate_at`, so timers survive restarts; each firing is a
//! compare-and-set on that column, so no escalation fires twice.

use super::Store;
use outflow_model::{
    alerts::{Alert, AlertStatus},
    trigger::Trigger,
};
use serde_json::json;

use super::{
    Actor, StoreError, StoreResult,
    alerts::{self, next_reachable_member, notify_member},
    db, events,
};
use crate::clock;

/// The shift name escalation payloads carry; groups have one implicit shift.
const DEFAULT_SHIFT: &str = "Default Shift";

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Timeout,
    Manual,
}

struct Step {
    alert_id: i64,
    group_id: i64,
    position: i64,
    escalate_at: Option<i64>,
}

/// Fires every escalation due at `now` on active alerts; returns how many fired.
pub async fn fire_due_escalations(store: &Store, now: i64) -> StoreResult<usize> {
    let due: Vec<(i64, i64, i64, Option<i64>)> = db::query_as(
        "SELECT g.alert_id, g.group_id, g.position, g.escalate_at FROM alert_groups g
         JOIN alerts a ON a.event_identifier = g.alert_id
         WHERE g.escalate_at IS NOT NULL AND g.escalate_at <= ? AND a.status = 'ACTIVE'
         ORDER BY g.escalate_at, g.alert_id, g.group_id LIMIT 100",
    )
    .bind(now)
    .fetch_all(store.db())
    .await?;
    let mut fired = 0;
    for (alert_id, group_id, position, escalate_at) in due {
        let mut tx = super::write_tx(store).await?;
        let step = Step { alert_id, group_id, position, escalate_at };
        if advance(&mut tx, &step, Kind::Timeout, None, now).await? {
            fired += 1;
        }
        tx.commit().await?;
    }
    Ok(fired)
}

/// When the next escalation is due on an active alert, so the worker can sleep until then.
pub async fn next_escalation_due(store: &Store) -> StoreResult<Option<i64>> {
    Ok(db::query_scalar(
        "SELECT MIN(g.escalate_at) FROM alert_groups g JOIN alerts a ON a.event_identifier = g.alert_id
         WHERE g.escalate_at IS NOT NULL AND a.status = 'ACTIVE'",
    )
    .fetch_one(store.db())
    .await?)
}

/// Escalates a group of an alert by hand (API or UI); `MANUAL` with `escalatedBy`.
pub async fn escalate_manually(store: &Store, actor: Option<&Actor>, alert_id: i64, group: Option<&str>) -> StoreResult<Alert> {
    let mut tx = super::write_tx(store).await?;
    if alerts::status_of(&mut tx, alert_id).await? != AlertStatus::Active {
        return Err(StoreError::Conflict(format!("Alert {alert_id} is not ACTIVE; only active alerts escalate.")));
    }
    let steps: Vec<(i64, i64, Option<i64>, String)> = db::query_as(
        "SELECT g.group_id, g.position, g.escalate_at, gr.target_name FROM alert_groups g JOIN groups gr ON gr.id = g.group_id
         WHERE g.alert_id = ? ORDER BY gr.target_name",
    )
    .bind(alert_id)
    .fetch_all(&mut *tx)
    .await?;
    let chosen = match group {
        Some(name) => steps
            .iter()
            .find(|step| step.3 == name)
            .ok_or_else(|| StoreError::invalid(format!("Alert {alert_id} does not target a group named \"{name}\".")))?,
        None if steps.len() == 1 => &steps[0],
        None if steps.is_empty() => return Err(StoreError::Conflict(format!("Alert {alert_id} targets no group to escalate."))),
        None => return Err(StoreError::invalid(format!("Alert {alert_id} targets several groups; name the one to escalate."))),
    };
    let step = Step { alert_id, group_id: chosen.0, position: chosen.1, escalate_at: chosen.2 };
    if !advance(&mut tx, &step, Kind::Manual, actor, clock::now_millis()).await? {
        return Err(StoreError::Conflict(format!("The group \"{}\" has no further reachable member to escalate to.", chosen.3)));
    }
    tx.commit().await?;
    alerts::get_alert(store, alert_id).await
}

/// A response with the Escalate action: escalates each group whose current member answered.
pub(crate) async fn escalate_groups_of_member(conn: &mut db::Tx, alert_id: i64, actor: &Actor, now: i64) -> StoreResult<()> {
    let steps: Vec<(i64, i64, Option<i64>)> = db::query_as(
        "SELECT g.group_id, g.position, g.escalate_at FROM alert_groups g
         JOIN group_members m ON m.group_id = g.group_id AND m.position = g.position
         WHERE g.alert_id = ? AND m.user_id = ?",
    )
    .bind(alert_id)
    .bind(actor.user_id)
    .fetch_all(&mut *conn)
    .await?;
    for (group_id, position, escalate_at) in steps {
        advance(conn, &Step { alert_id, group_id, position, escalate_at }, Kind::Manual, Some(actor), now).await?;
    }
    Ok(())
}

/// Notifies the next reachable member of a group and records the event. Returns false
/// when nobody is left, or when another worker already moved this step on.
async fn advance(conn: &mut db::Tx, step: &Step, kind: Kind, actor: Option<&Actor>, now: i64) -> StoreResult<bool> {
    let (group_name, escalation_seconds): (String, i64) =
        db::query_as("SELECT target_name, escalation_seconds FROM groups WHERE id = ?").bind(step.group_id).fetch_one(&mut *conn).await?;
    let Some(next) = next_reachable_member(conn, step.group_id, Some(step.position)).await? else {
        db::query("UPDATE alert_groups SET escalate_at = NULL WHERE alert_id = ? AND group_id = ?")
            .bind(step.alert_id)
            .bind(step.group_id)
            .execute(&mut *conn)
            .await?;
        return Ok(false);
    };
    let has_after = next_reachable_member(conn, step.group_id, Some(next.position)).await?.is_some();
    let moved = db::query(
        "UPDATE alert_groups SET position = ?, escalate_at = ?
         WHERE alert_id = ? AND group_id = ? AND position = ? AND escalate_at IS NOT DISTINCT FROM ?",
    )
    .bind(next.position)
    .bind(has_after.then_some(now + escalation_seconds * 1000))
    .bind(step.alert_id)
    .bind(step.group_id)
    .bind(step.position)
    .bind(step.escalate_at)
    .execute(&mut *conn)
    .await?;
    if moved.rows_affected() == 0 {
        return Ok(false);
    }
    let from: Vec<String> =
        db::query_scalar("SELECT u.target_name FROM group_members m JOIN users u ON u.id = m.user_id WHERE m.group_id = ? AND m.position = ?")
            .bind(step.group_id)
            .bind(step.position)
            .fetch_all(&mut *conn)
            .await?;
    notify_member(conn, step.alert_id, next.user_id, step.group_id, now).await?;
    let (escalation_type, reason) = match kind {
        Kind::Timeout => ("TIMEOUT", format!("No response within {escalation_seconds} seconds")),
        Kind::Manual => (
            "MANUAL",
            match actor {
                Some(actor) => format!("Escalated by {}", actor.target_name),
                None => "Escalated by hand".to_string(),
            },
        ),
    };
    let fields = json!({
        "group": { "targetName": group_name },
        "shift": DEFAULT_SHIFT,
        "reason": reason,
        "escalatedBy": if kind == Kind::Manual { actor.map(|actor| actor.target_name.clone()) } else { None },
        "escalationType": escalation_type,
        "from": from,
        "to": [next.target_name],
    });
    events::record(conn, step.alert_id, Trigger::Escalation, fields, now).await?;
    Ok(true)
}
