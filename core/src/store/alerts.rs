//! Alerts (SPEC §1): starting one (validation here; recipient resolution, notification
//! fan-out and the `status` and `recipient_failure` events in `alert_start`, as one write
//! job that also dispatches those events), reading and listing them, and status
//! transitions. Each change and its trigger events commit in one transaction.

use std::collections::HashSet;

use super::Store;
use outflow_model::{
    alerts::{
        Alert, AlertPage, AlertQuery, AlertResponse, AlertStatus, AlertSummary, Comment, CommentSource, DeliveryStatus, NewAlert, Notification,
        Priority,
    },
    forms::{Form, PropertyDef, PropertyKind},
    limits,
    trigger::Trigger,
};
use serde_json::{Map, Value, json};

use super::{
    Actor, StoreError, StoreResult,
    alert_start::{self, Start},
    db, events, from_json,
    runs::{self, Dispatched},
};
use crate::{clock, ids::new_sorted_id};

/// How many targeted names a `recipient_failure` payload lists (SPEC §3).
pub(crate) const FAILURE_RECIPIENTS_LISTED: usize = 100;

/// Starts an alert: checks it against its form, notifies its recipients' devices and
/// records the `status` event (and `recipient_failure` when nobody can be reached), then
/// dispatches the waiting trigger events, its own among them (`runs::dispatch_within`).
/// Reading the form, checking and writing run as one write job. `chain_depth`
/// is 0 unless a script or flow starts it (`ops::chains`).
pub async fn create_alert(store: &Store, actor: Option<&Actor>, input: &NewAlert, chain_depth: i64) -> StoreResult<(Alert, AlertWork)> {
    let (form_id, values, names, priority, actor) =
        (input.form_id.clone(), input.properties.clone(), input.recipients.clone(), input.priority, actor.cloned());
    let (alert, work) = super::writer::write(store, move |conn| {
        let form = super::forms::form_on(conn, &form_id)?.ok_or_else(|| StoreError::invalid(format!("There is no form with id \"{form_id}\".")))?;
        let properties = checked_properties(&form, &values)?;
        let recipients = checked_recipients(&names)?;
        let (alert, escalation_timers) = alert_start::start(conn, Start { form, properties, recipients, priority, actor, chain_depth })?;
        let first_event = alert.timeline.first().map_or(i64::MAX, |event| event.id);
        let dispatched = runs::dispatch_within(conn, first_event)?;
        let work = AlertWork { notifications: !alert.notifications.is_empty(), escalation_timers, dispatched };
        Ok((alert, work))
    })
    .await?;
    if let Some(dispatched) = &work.dispatched {
        runs::committed(store, dispatched);
    }
    Ok((alert, work))
}

/// What starting an alert left for the workers.
#[derive(Debug, Clone, Copy, Default)]
pub struct AlertWork {
    /// Notifications to deliver.
    pub notifications: bool,
    /// Group escalation timers set.
    pub escalation_timers: bool,
    /// Its trigger events' runs, created in the same transaction; `None` when older events
    /// were waiting or dispatching failed, and the events wait for the dispatcher.
    pub dispatched: Option<Dispatched>,
}

/// Checks property values against the form; returns them normalised to their types.
fn checked_properties(form: &Form, values: &Map<String, Value>) -> StoreResult<Map<String, Value>> {
    let mut checked = Map::new();
    for (name, value) in values {
        let definition = form.properties.iter().find(|property| &property.name == name).ok_or_else(|| StoreError::Invalid {
            message: format!("The form \"{}\" has no property \"{name}\".", form.name),
            details: json!({ "property": name }),
        })?;
        if value.is_null() {
            continue;
        }
        let normalised = normalised_value(definition, value).ok_or_else(|| StoreError::Invalid {
            message: format!("The property \"{name}\" expects {}; got {value}.", expectation(definition)),
            details: json!({ "property": name }),
        })?;
        checked.insert(name.clone(), normalised);
    }
    Ok(checked)
}

fn normalised_value(definition: &PropertyDef, value: &Value) -> Option<Value> {
    match (definition.kind, value) {
        (PropertyKind::Text, Value::String(text)) if text.chars().count() <= limits::TEXT_CHARS => Some(value.clone()),
        (PropertyKind::Number, Value::Number(_)) => Some(value.clone()),
        (PropertyKind::Number, Value::String(text)) => {
            text.trim().parse::<f64>().ok().filter(|n| n.is_finite()).and_then(|_| serde_json::from_str(text.trim()).ok())
        }
        (PropertyKind::Boolean, Value::Bool(_)) => Some(value.clone()),
        (PropertyKind::Boolean, Value::String(text)) => match text.as_str() {
            "true" => Some(Value::Bool(true)),
            "false" => Some(Value::Bool(false)),
            _ => None,
        },
        (PropertyKind::List, Value::String(text)) if definition.values.contains(text) => Some(value.clone()),
        _ => None,
    }
}

fn expectation(definition: &PropertyDef) -> String {
    match definition.kind {
        PropertyKind::Text => format!("text of at most {} characters", limits::TEXT_CHARS),
        PropertyKind::Number => "a number".into(),
        PropertyKind::Boolean => "true or false".into(),
        PropertyKind::List => format!("one of {}", definition.values.join(", ")),
    }
}

fn checked_recipients(recipients: &[String]) -> StoreResult<Vec<String>> {
    let mut seen = HashSet::new();
    let unique: Vec<String> = recipients.iter().map(|name| name.trim().to_string()).filter(|name| seen.insert(name.clone())).collect();
    if unique.is_empty() || unique.iter().any(String::is_empty) {
        return Err(StoreError::invalid("An alert needs at least one recipient (a user's or group's targetName)."));
    }
    if unique.len() > limits::RECIPIENTS {
        return Err(StoreError::invalid(format!("An alert names at most {} recipients.", limits::RECIPIENTS)));
    }
    Ok(unique)
}

/// Why a targeted recipient could not be notified.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unreachable {
    Inactive,
    NoDevices,
    NoOnCallMember,
}

/// A user's active devices, in the order they were added: (id, name, delay in seconds).
/// Device ids sort in the order they were made (`ids::new_sorted_id`), within one
/// millisecond too.
pub(crate) const DEVICES_TO_NOTIFY: &str = "SELECT id, name, delay_seconds FROM devices WHERE user_id = ? AND active = 1 ORDER BY created_at, id";

pub(crate) const INSERT_NOTIFICATION: &str =
    "INSERT INTO notifications (id, alert_id, user_id, device_id, device_name, group_id, status, due_at, created_at)
     VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?)";

/// Notifies every active device of a group member an escalation moved to (the member was
/// chosen by `next_reachable_member`, so is active). Starting an alert notifies on the
/// write connection instead, see `alert_start`.
pub(crate) async fn notify_member(conn: &mut db::Tx, alert_id: i64, user_id: i64, group_id: i64, now: i64) -> StoreResult<()> {
    let devices: Vec<(String, String, i64)> = db::query_as(DEVICES_TO_NOTIFY).bind(user_id).fetch_all(&mut *conn).await?;
    for (device_id, device_name, delay_seconds) in devices {
        db::query(INSERT_NOTIFICATION)
            .bind(new_sorted_id("nt", now))
            .bind(alert_id)
            .bind(user_id)
            .bind(&device_id)
            .bind(&device_name)
            .bind(group_id)
            .bind(now + delay_seconds * 1000)
            .bind(now)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// The `failureType` of a `recipient_failure` payload, from why each recipient was unreachable.
pub(crate) fn failure_type(unreachable: &[Unreachable]) -> &'static str {
    let first = unreachable.first().copied();
    let all_same = unreachable.iter().all(|reason| Some(*reason) == first);
    match first {
        Some(Unreachable::Inactive) if all_same => "INACTIVE_RECIPIENTS",
        Some(Unreachable::NoDevices) if all_same => "NO_DEVICES",
        Some(Unreachable::NoOnCallMember) if all_same => "NO_ON_CALL_MEMBERS",
        _ => "NO_REACHABLE_RECIPIENTS",
    }
}

pub(crate) struct Member {
    pub(crate) position: i64,
    pub(crate) user_id: i64,
    pub(crate) target_name: String,
}

/// Position, user id and targetName of a group's first member after `?2` who is active and
/// has an active device (both write paths use it).
pub(crate) const NEXT_REACHABLE_MEMBER: &str = "SELECT m.position, u.id, u.target_name FROM group_members m JOIN users u ON u.id = m.user_id
     WHERE m.group_id = ? AND m.position > ? AND u.active = 1
       AND EXISTS (SELECT 1 FROM devices d WHERE d.user_id = u.id AND d.active = 1)
     ORDER BY m.position LIMIT 1";

/// The first member after `after` (or from the start) who is active and has an active device.
pub(crate) async fn next_reachable_member(conn: &mut db::Tx, group_id: i64, after: Option<i64>) -> StoreResult<Option<Member>> {
    let row: Option<(i64, i64, String)> = db::query_as(NEXT_REACHABLE_MEMBER).bind(group_id).bind(after.unwrap_or(-1)).fetch_optional(conn).await?;
    Ok(row.map(|(position, user_id, target_name)| Member { position, user_id, target_name }))
}

/// Moves an alert to a new status (SPEC §1 transitions) and records the `status` event.
pub async fn change_status(store: &Store, actor: Option<&Actor>, alert_id: i64, next: AlertStatus) -> StoreResult<Alert> {
    let mut tx = super::write_tx(store).await?;
    set_status(&mut tx, actor, alert_id, next).await?;
    tx.commit().await?;
    get_alert(store, alert_id).await
}

/// The transition itself, inside a caller's transaction (responses can end an alert too).
pub(crate) async fn set_status(conn: &mut db::Tx, actor: Option<&Actor>, alert_id: i64, next: AlertStatus) -> StoreResult<()> {
    let current = status_of(conn, alert_id).await?;
    if !current.can_become(next) {
        return Err(StoreError::Conflict(format!("Alert {alert_id} is {} and cannot become {}.", current.key(), next.key())));
    }
    let now = clock::now_millis();
    db::query("UPDATE alerts SET status = ?, updated_at = ? WHERE event_identifier = ?")
        .bind(next.key())
        .bind(now)
        .bind(alert_id)
        .execute(&mut *conn)
        .await?;
    if next == AlertStatus::Terminated {
        db::query("UPDATE notifications SET status = 'cancelled', message = 'Alert terminated before delivery', completed_at = ? WHERE alert_id = ? AND status = 'pending'")
            .bind(now)
            .bind(alert_id)
            .execute(&mut *conn)
            .await?;
        db::query("UPDATE alert_groups SET escalate_at = NULL WHERE alert_id = ?").bind(alert_id).execute(&mut *conn).await?;
    }
    let fields = json!({ "status": next.payload_key(), "username": actor.map(|actor| actor.target_name.clone()) });
    events::record(conn, alert_id, Trigger::Status, fields, now).await?;
    Ok(())
}

pub(crate) async fn status_of(conn: &mut db::Tx, alert_id: i64) -> StoreResult<AlertStatus> {
    let status: Option<String> = db::query_scalar("SELECT status FROM alerts WHERE event_identifier = ?").bind(alert_id).fetch_optional(conn).await?;
    let status = status.ok_or_else(|| StoreError::NotFound(format!("No alert with eventIdentifier {alert_id}.")))?;
    AlertStatus::from_key(&status).ok_or_else(|| StoreError::Corrupt(format!("alert status {status}")))
}

crate::row_struct! {
struct SummaryRow {
    event_identifier: i64,
    form_id: String,
    form_name: String,
    status: String,
    priority: String,
    properties: String,
    recipients: String,
    initiator: Option<String>,
    assignee: Option<String>,
    created_at: i64,
    updated_at: i64,
}
}

const SELECT_SUMMARY: &str = "SELECT a.event_identifier, a.form_id, f.name AS form_name, a.status, a.priority, a.properties,
        a.recipients, i.target_name AS initiator, s.target_name AS assignee, a.created_at, a.updated_at
    FROM alerts a JOIN forms f ON f.id = a.form_id
    LEFT JOIN users i ON i.id = a.initiator_user_id LEFT JOIN users s ON s.id = a.assignee_user_id";

impl TryFrom<SummaryRow> for AlertSummary {
    type Error = StoreError;

    fn try_from(row: SummaryRow) -> StoreResult<AlertSummary> {
        Ok(AlertSummary {
            event_identifier: row.event_identifier,
            form_id: row.form_id,
            form_name: row.form_name,
            status: AlertStatus::from_key(&row.status).ok_or_else(|| StoreError::Corrupt(format!("alert status {}", row.status)))?,
            priority: Priority::from_key(&row.priority).unwrap_or_default(),
            properties: from_json("alerts.properties", &row.properties)?,
            recipients: from_json("alerts.recipients", &row.recipients)?,
            initiator: row.initiator,
            assignee: row.assignee,
            created_at: clock::rfc3339(row.created_at),
            updated_at: clock::rfc3339(row.updated_at),
        })
    }
}

pub async fn get_alert(store: &Store, alert_id: i64) -> StoreResult<Alert> {
    let row: Option<SummaryRow> =
        db::query_as(&format!("{SELECT_SUMMARY} WHERE a.event_identifier = ?")).bind(alert_id).fetch_optional(store.db()).await?;
    let summary: AlertSummary = row.ok_or_else(|| StoreError::NotFound(format!("No alert with eventIdentifier {alert_id}.")))?.try_into()?;
    Ok(Alert {
        summary,
        notifications: notifications_of(store, alert_id).await?,
        responses: responses_of(store, alert_id).await?,
        comments: comments_of(store, alert_id).await?,
        timeline: events::timeline(store, alert_id).await?,
    })
}

async fn notifications_of(store: &Store, alert_id: i64) -> StoreResult<Vec<Notification>> {
    // In the order they were made: notification ids sort so (`ids::new_sorted_id`), also
    // those one transaction made (an alert's start: every recipient's devices in turn).
    let rows: Vec<(String, String, String, String, String, Option<String>, i64, i64, Option<i64>)> = db::query_as(
        "SELECT n.id, u.target_name, n.device_name, n.device_id, n.status, n.message, n.created_at, n.due_at, n.completed_at
         FROM notifications n JOIN users u ON u.id = n.user_id WHERE n.alert_id = ? ORDER BY n.created_at, n.id",
    )
    .bind(alert_id)
    .fetch_all(store.db())
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, recipient, device, device_id, status, message, created_at, due_at, completed_at)| Notification {
            id,
            recipient,
            device,
            device_id,
            status: match status.as_str() {
                "delivered" => DeliveryStatus::Delivered,
                "failed" => DeliveryStatus::Failed,
                "cancelled" => DeliveryStatus::Cancelled,
                _ => DeliveryStatus::Pending,
            },
            message,
            created_at: clock::rfc3339(created_at),
            due_at: clock::rfc3339(due_at),
            completed_at: completed_at.map(clock::rfc3339),
        })
        .collect())
}

async fn responses_of(store: &Store, alert_id: i64) -> StoreResult<Vec<AlertResponse>> {
    let rows: Vec<(String, Option<String>, String, Option<String>, i64, Option<String>)> = db::query_as(
        "SELECT u.target_name, r.device_name, r.choice, r.annotation, r.created_at, p.target_name
         FROM responses r JOIN users u ON u.id = r.user_id LEFT JOIN users p ON p.id = r.posted_by_user_id
         WHERE r.alert_id = ? ORDER BY r.id",
    )
    .bind(alert_id)
    .fetch_all(store.db())
    .await?;
    Ok(rows
        .into_iter()
        .map(|(recipient, device, response, annotation, created_at, posted_by)| AlertResponse {
            recipient,
            device,
            response,
            annotation,
            created_at: clock::rfc3339(created_at),
            posted_by,
        })
        .collect())
}

async fn comments_of(store: &Store, alert_id: i64) -> StoreResult<Vec<Comment>> {
    let rows: Vec<(String, String, String, i64, Option<String>)> = db::query_as(
        "SELECT u.target_name, c.text, c.source, c.created_at, p.target_name FROM comments c JOIN users u ON u.id = c.author_user_id
         LEFT JOIN users p ON p.id = c.posted_by_user_id WHERE c.alert_id = ? ORDER BY c.id",
    )
    .bind(alert_id)
    .fetch_all(store.db())
    .await?;
    Ok(rows
        .into_iter()
        .map(|(author, comment, source, created_at, posted_by)| Comment {
            author,
            comment,
            source: CommentSource::from_key(&source).unwrap_or_default(),
            created_at: clock::rfc3339(created_at),
            posted_by,
        })
        .collect())
}

/// The workflow an alert belongs to (its form's); `None` when there is no such alert.
pub async fn alert_workflow(store: &Store, alert_id: i64) -> StoreResult<Option<String>> {
    Ok(db::query_scalar("SELECT f.workflow_id FROM alerts a JOIN forms f ON f.id = a.form_id WHERE a.event_identifier = ?")
        .bind(alert_id)
        .fetch_optional(store.db())
        .await?)
}

/// Lists alerts, newest first, with the query's filters and paging; only those of
/// `workflows` when given (`None`: every workflow).
pub async fn list_alerts(store: &Store, query: &AlertQuery, workflows: Option<&[String]>) -> StoreResult<AlertPage> {
    let (limit, offset) = outflow_model::limits::paging(query.limit, query.offset).map_err(StoreError::invalid)?;
    let since = parse_time("since", &query.since)?;
    let until = parse_time("until", &query.until)?;
    let property = query
        .property
        .as_deref()
        .map(|filter| {
            filter
                .split_once('=')
                .map(|(name, value)| (format!("$.\"{}\"", name.replace('"', "")), value.to_string()))
                .ok_or_else(|| StoreError::invalid("property must look like name=value."))
        })
        .transpose()?;

    // Each optional filter's parameter is typed where it is first used (its `IS NULL` test),
    // as PostgreSQL needs; the filter's parameters are ?1–?7 and the page's ?8 and ?9, so the
    // count binds no parameter it does not use (PostgreSQL cannot type an unused one).
    let filter = "WHERE (CAST(?1 AS TEXT) IS NULL OR a.status = ?1) AND (CAST(?2 AS TEXT) IS NULL OR a.form_id = ?2)
        AND (CAST(?3 AS TEXT) IS NULL OR CAST(json_extract(a.properties, ?3) AS TEXT) = ?4)
        AND (CAST(?5 AS BIGINT) IS NULL OR a.created_at >= ?5) AND (CAST(?6 AS BIGINT) IS NULL OR a.created_at < ?6)
        AND (CAST(?7 AS TEXT) IS NULL OR a.form_id IN (SELECT id FROM forms WHERE workflow_id IN (SELECT value FROM json_each(?7))))";
    let (path, value) = property.unzip();
    let workflows = workflows.map(super::to_json);
    let status = query.status.map(|status| status.key());
    let total: i64 = db::query_scalar(&format!("SELECT COUNT(*) FROM alerts a {filter}"))
        .bind(status)
        .bind(&query.form_id)
        .bind(&path)
        .bind(&value)
        .bind(since)
        .bind(until)
        .bind(&workflows)
        .fetch_one(store.db())
        .await?;
    let rows: Vec<SummaryRow> = db::query_as(&format!("{SELECT_SUMMARY} {filter} ORDER BY a.event_identifier DESC LIMIT ?8 OFFSET ?9"))
        .bind(status)
        .bind(&query.form_id)
        .bind(&path)
        .bind(&value)
        .bind(since)
        .bind(until)
        .bind(&workflows)
        .bind(i64::from(limit))
        .bind(i64::from(offset))
        .fetch_all(store.db())
        .await?;
    let items = rows.into_iter().map(AlertSummary::try_from).collect::<StoreResult<_>>()?;
    Ok(AlertPage { items, total, limit, offset })
}

/// Parses an optional RFC 3339 filter value, naming the parameter when it is not one.
pub(crate) fn parse_time(name: &str, value: &Option<String>) -> StoreResult<Option<i64>> {
    value
        .as_deref()
        .map(|text| {
            clock::parse_rfc3339(text).ok_or_else(|| StoreError::invalid(format!("{name} must be an RFC 3339 time, e.g. 2026-11-28T09:00:00Z.")))
        })
        .transpose()
}

#[cfg(test)]
mod tests {
    use outflow_model::{forms::NewForm, integrations::NewIntegration, people::NewUser};

    use super::*;
    use crate::store::{create_form, create_integration, create_user, create_workflow, dispatch_events};

    /// A store with a form whose `status` events start one script integration, and a
    /// recipient without devices.
    async fn with_an_integration(dir: &tempfile::TempDir) -> (Store, NewAlert) {
        let store = Store::scratch(dir, "alerts.db").await;
        let workflow = create_workflow(&store, None, "Ops").await.expect("a workflow");
        let form: NewForm = serde_json::from_value(json!({"name": "Outage"})).expect("a form");
        let form = create_form(&store, None, &workflow.id, &form).await.expect("created");
        let user: NewUser = serde_json::from_value(json!({"targetName": "rita"})).expect("a user");
        create_user(&store, None, &user).await.expect("created");
        let integration: NewIntegration = serde_json::from_value(json!({
            "formId": form.id, "name": "Log it", "trigger": "status", "action": {"type": "script", "script": "console.log(1)"}
        }))
        .expect("an integration");
        create_integration(&store, None, &integration).await.expect("created");
        let alert: NewAlert = serde_json::from_value(json!({"formId": form.id, "recipients": ["rita"]})).expect("an alert");
        (store, alert)
    }

    async fn runs_of(store: &Store, alert_id: i64) -> i64 {
        db::query_scalar("SELECT COUNT(*) FROM runs WHERE alert_id = ?").bind(alert_id).fetch_one(store.db()).await.expect("readable")
    }

    #[tokio::test]
    async fn an_alert_starts_its_runs_in_the_transaction_that_writes_it() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let (store, input) = with_an_integration(&dir).await;
        let (alert, work) = create_alert(&store, None, &input, 0).await.expect("started");
        assert_eq!(runs_of(&store, alert.summary.event_identifier).await, 1, "the run is there when the alert's answer is");
        let dispatched = work.dispatched.expect("dispatched with the alert");
        assert_eq!((dispatched.pending, dispatched.queued, dispatched.flows), (1, 0, 0));
        // Its `status` and `recipient_failure` events (rita has no devices) are counted once.
        let counted = store.events_dispatched();
        assert_eq!(counted.iter().sum::<u64>(), 2);
        assert_eq!(counted[Trigger::ALL.iter().position(|trigger| *trigger == Trigger::Status).expect("a trigger")], 1);
        assert!(!work.notifications && !work.escalation_timers, "nothing for the delivery or escalation workers: {work:?}");
        assert_eq!(dispatch_events(&store).await.expect("dispatched"), Dispatched::default(), "the dispatcher finds nothing left");
    }

    #[tokio::test]
    async fn a_dispatch_that_fails_leaves_the_alert_started_and_its_events_waiting() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let (store, input) = with_an_integration(&dir).await;
        db::query(r#"UPDATE integrations SET action = '{"type":"nonsense"}'"#).execute(store.db()).await.expect("broken");
        let (alert, work) = create_alert(&store, None, &input, 0).await.expect("the alert starts all the same");
        assert!(work.dispatched.is_none(), "{work:?}");
        assert_eq!(get_alert(&store, alert.summary.event_identifier).await.expect("written").summary.status, AlertStatus::Active);
        assert_eq!(runs_of(&store, alert.summary.event_identifier).await, 0);
        assert_eq!(store.events_dispatched().iter().sum::<u64>(), 0);
        db::query("UPDATE integrations SET action = '{\"type\":\"script\",\"script\":\"console.log(2)\"}'")
            .execute(store.db())
            .await
            .expect("mended");
        // Older events wait, so the next alert leaves its own to the dispatcher too (in order,
        // and without reading the backlog again for every alert).
        let (next, work) = create_alert(&store, None, &input, 0).await.expect("started");
        assert!(work.dispatched.is_none(), "{work:?}");
        assert_eq!(dispatch_events(&store).await.expect("dispatched").pending, 2, "the dispatcher takes the waiting events");
        assert_eq!(runs_of(&store, alert.summary.event_identifier).await, 1);
        assert_eq!(runs_of(&store, next.summary.event_identifier).await, 1);
    }
}
