//! Starting an alert, as one write job (see `writer`): recipients resolved,
//! the alert row, its notifications and group steps, and its `status` (and
//! `recipient_failure`) events, in one transaction. The answer is built from what was
//! written, so starting an alert reads nothing back. Validation against the form happens
//! before, in `alerts::create_alert`; this module only writes.

use std::collections::HashSet;

use super::db::{Connection, OptionalExtension, params};
use outflow_model::{
    alerts::{Alert, AlertStatus, AlertSummary, DeliveryStatus, Notification, Priority, TimelineEvent},
    forms::Form,
    trigger::Trigger,
};
use serde_json::{Map, Value, json};

use super::{
    Actor, StoreError, StoreResult,
    alerts::{DEVICES_TO_NOTIFY, FAILURE_RECIPIENTS_LISTED, INSERT_NOTIFICATION, NEXT_REACHABLE_MEMBER, Unreachable, failure_type},
    to_json,
};
use crate::{clock, ids::new_sorted_id};

/// A checked alert, ready to be written.
pub(crate) struct Start {
    pub(crate) form: Form,
    pub(crate) properties: Map<String, Value>,
    pub(crate) recipients: Vec<String>,
    pub(crate) priority: Priority,
    pub(crate) actor: Option<Actor>,
    /// See `ops::chains`: 0 unless a script or flow started it.
    pub(crate) chain_depth: i64,
}

enum Target {
    User { id: i64 },
    Group { id: i64 },
}

/// Writes the alert and everything it causes; returns it as `GET /alerts/{id}` would, and
/// whether it set group escalation timers.
pub(crate) fn start(conn: &Connection, input: Start) -> StoreResult<(Alert, bool)> {
    let now = clock::now_millis();
    let targets = resolve_recipients(conn, &input.recipients)?;
    let alert_id: i64 = conn
        .prepare_cached(
            "INSERT INTO alerts (form_id, properties, recipients, priority, status, initiator_user_id, created_at, updated_at, chain_depth)
             VALUES (?, ?, ?, ?, 'ACTIVE', ?, ?, ?, ?) RETURNING event_identifier",
        )?
        .query_row(
            params![
                input.form.id,
                to_json(&input.properties),
                to_json(&input.recipients),
                input.priority.key(),
                input.actor.as_ref().map(|actor| actor.user_id),
                now,
                now,
                input.chain_depth
            ],
            |row| row.get(0),
        )?;

    let mut fanout = Fanout { alert_id, now, notifications: Vec::new(), notified: HashSet::new(), unreachable: Vec::new(), escalation_timers: false };
    for (target, name) in targets.iter().zip(&input.recipients) {
        match target {
            Target::User { id } => fanout.notify_user(conn, *id, name, None)?,
            Target::Group { id } => fanout.start_group(conn, *id)?,
        }
    }
    let username = input.actor.as_ref().map(|actor| actor.target_name.clone());
    let mut timeline = vec![record_event(conn, alert_id, Trigger::Status, json!({ "status": "active", "username": username }), now)?];
    if fanout.notifications.is_empty() {
        let listed: Vec<&String> = input.recipients.iter().take(FAILURE_RECIPIENTS_LISTED).collect();
        let fields = json!({
            "failureType": failure_type(&fanout.unreachable),
            "recipients": listed,
            "totalRecipients": input.recipients.len(),
        });
        timeline.push(record_event(conn, alert_id, Trigger::RecipientFailure, fields, now)?);
    }
    let alert = Alert {
        summary: AlertSummary {
            event_identifier: alert_id,
            form_id: input.form.id,
            form_name: input.form.name,
            status: AlertStatus::Active,
            priority: input.priority,
            properties: input.properties,
            recipients: input.recipients,
            initiator: username,
            assignee: None,
            created_at: clock::rfc3339(now),
            updated_at: clock::rfc3339(now),
        },
        notifications: fanout.notifications,
        responses: Vec::new(),
        comments: Vec::new(),
        timeline,
    };
    Ok((alert, fanout.escalation_timers))
}

/// Resolves targetNames (in order) to users and groups, naming every unknown one.
fn resolve_recipients(conn: &Connection, recipients: &[String]) -> StoreResult<Vec<Target>> {
    let mut users = conn.prepare_cached("SELECT id FROM users WHERE target_name = ?")?;
    let mut groups = conn.prepare_cached("SELECT id FROM groups WHERE target_name = ?")?;
    let mut targets = Vec::with_capacity(recipients.len());
    let mut unknown = Vec::new();
    for name in recipients {
        if let Some(id) = users.query_row([name], |row| row.get(0)).optional()? {
            targets.push(Target::User { id });
        } else if let Some(id) = groups.query_row([name], |row| row.get(0)).optional()? {
            targets.push(Target::Group { id });
        } else {
            unknown.push(name.clone());
        }
    }
    if !unknown.is_empty() {
        return Err(StoreError::Invalid {
            message: format!("Unknown recipients: {}.", unknown.join(", ")),
            details: json!({ "unknownRecipients": unknown }),
        });
    }
    Ok(targets)
}

/// Creates an alert's notifications and remembers why any recipient was unreachable.
struct Fanout {
    alert_id: i64,
    now: i64,
    notifications: Vec<Notification>,
    notified: HashSet<(i64, String)>,
    unreachable: Vec<Unreachable>,
    /// Whether a group's escalation was scheduled.
    escalation_timers: bool,
}

impl Fanout {
    /// Notifies every active device of an active user.
    fn notify_user(&mut self, conn: &Connection, user_id: i64, target_name: &str, group_id: Option<i64>) -> StoreResult<()> {
        let active: bool = conn.prepare_cached("SELECT active FROM users WHERE id = ?")?.query_row([user_id], |row| row.get(0))?;
        if !active {
            self.unreachable.push(Unreachable::Inactive);
            return Ok(());
        }
        let devices: Vec<(String, String, i64)> = conn
            .prepare_cached(DEVICES_TO_NOTIFY)?
            .query_map([user_id], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?
            .collect::<Result<_, _>>()?;
        if devices.is_empty() {
            self.unreachable.push(Unreachable::NoDevices);
            return Ok(());
        }
        let mut insert = conn.prepare_cached(INSERT_NOTIFICATION)?;
        for (device_id, device_name, delay_seconds) in devices {
            if !self.notified.insert((user_id, device_id.clone())) {
                continue;
            }
            let id = new_sorted_id("nt", self.now);
            let due_at = self.now + delay_seconds * 1000;
            insert.execute(params![id, self.alert_id, user_id, device_id, device_name, group_id, due_at, self.now])?;
            self.notifications.push(Notification {
                id,
                recipient: target_name.to_string(),
                device: device_name,
                device_id,
                status: DeliveryStatus::Pending,
                message: None,
                created_at: clock::rfc3339(self.now),
                due_at: clock::rfc3339(due_at),
                completed_at: None,
            });
        }
        Ok(())
    }

    /// Notifies a group's first reachable member and schedules its escalation.
    fn start_group(&mut self, conn: &Connection, group_id: i64) -> StoreResult<()> {
        let (active, escalation_seconds): (bool, i64) = conn
            .prepare_cached("SELECT active, escalation_seconds FROM groups WHERE id = ?")?
            .query_row([group_id], |row| Ok((row.get(0)?, row.get(1)?)))?;
        if !active {
            self.unreachable.push(Unreachable::Inactive);
            return Ok(());
        }
        let Some((position, user_id, target_name)) = next_reachable_member(conn, group_id, None)? else {
            self.unreachable.push(Unreachable::NoOnCallMember);
            return Ok(());
        };
        self.notify_user(conn, user_id, &target_name, Some(group_id))?;
        let has_next = next_reachable_member(conn, group_id, Some(position))?.is_some();
        self.escalation_timers |= has_next;
        conn.prepare_cached("INSERT INTO alert_groups (alert_id, group_id, position, escalate_at) VALUES (?, ?, ?, ?)")?.execute(params![
            self.alert_id,
            group_id,
            position,
            has_next.then_some(self.now + escalation_seconds * 1000)
        ])?;
        Ok(())
    }
}

/// The first member after `after` who is active and has an active device:
/// (position, user id, targetName).
fn next_reachable_member(conn: &Connection, group_id: i64, after: Option<i64>) -> StoreResult<Option<(i64, i64, String)>> {
    Ok(conn
        .prepare_cached(NEXT_REACHABLE_MEMBER)?
        .query_row(params![group_id, after.unwrap_or(-1)], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
        .optional()?)
}

/// Records a trigger event (the write-job twin of `events::record`).
fn record_event(conn: &Connection, alert_id: i64, trigger: Trigger, fields: Value, now: i64) -> StoreResult<TimelineEvent> {
    let id =
        conn.prepare_cached(super::events::INSERT_EVENT)?.query_row(params![alert_id, trigger.key(), fields.to_string(), now], |row| row.get(0))?;
    Ok(TimelineEvent { id, trigger, fields, created_at: clock::rfc3339(now) })
}
