//! Integration runs: the dispatcher turns trigger events into runs (exactly once, by moving
//! the dispatch cursor in the same transaction), workers claim due runs under a lease and
//! record each attempt, and people list, read and re-send runs. The same transaction starts
//! the events' flow runs (`flow_runs`), and listing, reading and re-running cover those too.

use std::collections::HashMap;

use super::Store;
use super::db::{self, Connection, params};
use outflow_model::{
    flow_runs::StartedBy,
    forms::PropertyDef,
    integrations::{IntegrationAction, Location},
    runs::{Attempt, LogLine, Run, RunKind, RunPage, RunQuery, RunStatus, RunSummary},
    trigger::Trigger,
};
use serde_json::{Map, Value};

use super::{
    Actor, StoreError, StoreResult,
    agents::Route,
    flow_runs::{self, RunnableFlow, TriggerEvent},
    from_json, to_json,
};
use crate::{
    clock,
    dispatch::{EventForm, plan_event},
    ids::new_id,
    payload,
};

/// How long a claimed run stays with its worker before another may retry it.
pub const RUN_LEASE_MS: i64 = 120_000;

struct PendingEvent {
    id: i64,
    alert_id: i64,
    trigger: String,
    fields: String,
    form_id: String,
    form_name: String,
    form_enabled: bool,
    definitions: String,
    properties: String,
    initiator: Option<i64>,
    chain_depth: i64,
}

struct MatchingIntegration {
    id: String,
    name: String,
    action: IntegrationAction,
    location: Location,
}

/// Trigger events one dispatch round reads at most.
pub const DISPATCH_BATCH: i64 = 500;

/// What one dispatch round created.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Dispatched {
    /// Runs for the cloud worker.
    pub pending: usize,
    /// Runs waiting for an Integration Agent.
    pub queued: usize,
    /// Flow runs started.
    pub flows: usize,
    /// Trigger events read, by trigger (in the order of `Trigger::ALL`).
    pub events: [u64; Trigger::ALL.len()],
}

impl Dispatched {
    /// Whether the round read a whole batch, so more events may be waiting.
    pub fn batch_full(&self) -> bool {
        self.events.iter().sum::<u64>() >= DISPATCH_BATCH.unsigned_abs()
    }
}

/// Turns up to [`DISPATCH_BATCH`] new trigger events into runs of the matching enabled
/// integrations and flows. Cloud work becomes `pending` runs; agent work `queued` ones (see
/// `agents::route`); flow runs wait for the engine, which is woken.
pub async fn dispatch_events(store: &Store) -> StoreResult<Dispatched> {
    let dispatched = super::writer::write(store, move |conn| dispatch(conn, dispatch_cursor(conn)?, DISPATCH_BATCH)).await?;
    committed(store, &dispatched);
    Ok(dispatched)
}

/// Dispatches, inside a write job that just recorded trigger events from `first_event` on,
/// those events, so they need no transaction of their own. Only when no older event waits
/// (`None` otherwise): a backlog, or an event the dispatcher cannot take, stays the
/// dispatcher's instead of being read again by every job. Under a savepoint: a failure undoes
/// only the dispatch (logged; `None`), never the caller's change, and the dispatcher tries
/// again.
pub(crate) fn dispatch_within(conn: &Connection, first_event: i64) -> StoreResult<Option<Dispatched>> {
    // The cursor and the oldest event after it, in one statement (on PostgreSQL a round
    // trip each).
    let (cursor, oldest): (i64, Option<i64>) = conn
        .prepare_cached(
            "SELECT last_event_id, (SELECT id FROM events WHERE id > last_event_id ORDER BY id LIMIT 1) FROM dispatch_cursor WHERE id = 1",
        )?
        .query_row((), |row| Ok((row.get(0)?, row.get(1)?)))?;
    if oldest.is_some_and(|oldest| oldest < first_event) {
        return Ok(None);
    }
    // Released with the caller's job.
    conn.prepare_cached("SAVEPOINT dispatch")?.execute(())?;
    match dispatch(conn, cursor, DISPATCH_BATCH) {
        Ok(dispatched) => Ok(Some(dispatched)),
        Err(error) => {
            tracing::warn!(%error, "dispatching trigger events failed; the dispatcher tries again");
            conn.execute_each(&["ROLLBACK TO dispatch", "RELEASE dispatch"])?;
            Ok(None)
        }
    }
}

/// After a dispatch committed: counts its events and wakes the engine for its flow runs.
pub(crate) fn committed(store: &Store, dispatched: &Dispatched) {
    store.count_dispatched(&dispatched.events);
    if dispatched.flows > 0 {
        store.flow_runs_created().notify_one();
    }
}

/// The last trigger event dispatched. Read in a write transaction, which on either engine
/// is the only one writing (see `Connection::begin_writing`): no other process dispatches,
/// and no event is being written, until it ends.
fn dispatch_cursor(conn: &Connection) -> StoreResult<i64> {
    Ok(conn.prepare_cached("SELECT last_event_id FROM dispatch_cursor WHERE id = 1")?.query_row((), |row| row.get(0))?)
}

/// Dispatches up to `limit` trigger events after `cursor` (read in the same transaction).
fn dispatch(conn: &Connection, cursor: i64, limit: i64) -> StoreResult<Dispatched> {
    let events: Vec<PendingEvent> = conn
        .prepare_cached(
            "SELECT e.id, e.alert_id, e.trigger, e.fields, a.form_id, f.name AS form_name, f.enabled AS form_enabled,
                    f.properties AS definitions, a.properties, a.initiator_user_id, a.chain_depth
             FROM events e JOIN alerts a ON a.event_identifier = e.alert_id JOIN forms f ON f.id = a.form_id
             WHERE e.id > ? ORDER BY e.id LIMIT ?",
        )?
        .query_map(params![cursor, limit], |row| {
            Ok(PendingEvent {
                id: row.get(0)?,
                alert_id: row.get(1)?,
                trigger: row.get(2)?,
                fields: row.get(3)?,
                form_id: row.get(4)?,
                form_name: row.get(5)?,
                form_enabled: row.get(6)?,
                definitions: row.get(7)?,
                properties: row.get(8)?,
                initiator: row.get(9)?,
                chain_depth: row.get(10)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    let Some(last) = events.last().map(|event| event.id) else { return Ok(Dispatched::default()) };
    let now = clock::now_millis();
    let mut dispatched = Dispatched::default();
    // Events of one batch mostly share a few forms and triggers: look each pair up once.
    let mut matching: HashMap<(String, String), Vec<MatchingIntegration>> = HashMap::new();
    let mut definitions_of: HashMap<String, Vec<PropertyDef>> = HashMap::new();
    let mut flows_of: HashMap<String, Vec<RunnableFlow>> = HashMap::new();
    let mut integrations_of =
        conn.prepare_cached("SELECT id, name, action, location FROM integrations WHERE form_id = ? AND trigger = ? AND enabled = 1")?;
    let mut insert = conn.prepare_cached(
        "INSERT INTO runs (id, integration_id, integration_name, alert_id, event_id, trigger, payload, webhook_id, status, reason,
                           next_attempt_at, agent_service, agent_targets, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )?;
    for event in &events {
        if let Some(at) = Trigger::ALL.iter().position(|trigger| trigger.key() == event.trigger) {
            dispatched.events[at] += 1;
        }
        let key = (event.form_id.clone(), event.trigger.clone());
        if !matching.contains_key(&key) {
            let rows: Vec<(String, String, String, String)> = integrations_of
                .query_map(params![event.form_id, event.trigger], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)))?
                .collect::<Result<_, _>>()?;
            let parsed = rows
                .into_iter()
                .map(|(id, name, action, location)| {
                    Ok(MatchingIntegration {
                        id,
                        name,
                        action: from_json("integrations.action", &action)?,
                        location: from_json("integrations.location", &location)?,
                    })
                })
                .collect::<StoreResult<_>>()?;
            matching.insert(key.clone(), parsed);
        }
        if !flows_of.contains_key(&event.form_id) {
            // Flows run only for alerts of enabled forms, as integrations send only for those.
            let flows = if event.form_enabled { flow_runs::enabled_flows_of_form(conn, &event.form_id)? } else { Vec::new() };
            flows_of.insert(event.form_id.clone(), flows);
        }
        let integrations = &matching[&key];
        let trigger = Trigger::from_key(&event.trigger).ok_or_else(|| StoreError::Corrupt(format!("trigger {}", event.trigger)))?;
        let actions: Vec<&IntegrationAction> = integrations.iter().map(|integration| &integration.action).collect();
        let plan = plan_event(trigger, EventForm { name: &event.form_name, enabled: event.form_enabled }, &actions);
        let flows: &[RunnableFlow] = if plan.start_flows { &flows_of[&event.form_id] } else { &[] };
        if plan.runs.is_empty() && flows.is_empty() {
            continue;
        }
        if !definitions_of.contains_key(&event.form_id) {
            definitions_of.insert(event.form_id.clone(), from_json("forms.properties", &event.definitions)?);
        }
        let definitions = &definitions_of[&event.form_id];
        let values: Map<String, Value> = from_json("alerts.properties", &event.properties)?;
        let fields: Value = from_json("events.fields", &event.fields)?;
        let payload = payload::build(trigger, event.alert_id, definitions, &values, &fields, now);
        let body = payload.to_string();
        let started = TriggerEvent {
            alert_id: event.alert_id,
            event_id: event.id,
            trigger,
            initiator: event.initiator,
            chain_depth: event.chain_depth,
            payload: &payload,
            payload_json: &body,
        };
        dispatched.flows += flow_runs::start_runs_for_event(conn, flows, &started, now)?;
        for integration in plan.runs.iter().map(|&index| &integrations[index]) {
            let mut agent_work = None;
            let (status, reason) = if let Some(skipped) = &plan.skipped {
                (RunStatus::Skipped, Some(skipped.clone()))
            } else {
                match super::agents::route(conn, &integration.action, &integration.location)? {
                    Route::Cloud => {
                        dispatched.pending += 1;
                        (RunStatus::Pending, None)
                    }
                    Route::Agents(work) => {
                        dispatched.queued += 1;
                        agent_work = Some(work);
                        (RunStatus::Queued, None)
                    }
                    Route::Discard(reason) => (RunStatus::Discarded, Some(reason)),
                }
            };
            let (agent_service, agent_targets) =
                agent_work.map_or((None, None), |work| (work.service, work.targets.map(|targets| to_json(&targets))));
            insert.execute(params![
                new_id("run"),
                integration.id,
                integration.name,
                event.alert_id,
                event.id,
                trigger.key(),
                body,
                new_id("msg"),
                status.key(),
                reason,
                matches!(status, RunStatus::Pending | RunStatus::Queued).then_some(now),
                agent_service,
                agent_targets,
                now,
                now
            ])?;
        }
    }
    conn.prepare_cached("UPDATE dispatch_cursor SET last_event_id = ? WHERE id = 1")?.execute([last])?;
    Ok(dispatched)
}

/// A claimed run with what executing it needs.
#[derive(Debug, Clone)]
pub struct RunJob {
    pub run_id: String,
    pub alert_id: i64,
    pub trigger: String,
    pub payload: String,
    pub webhook_id: String,
    /// 1 for the first attempt.
    pub attempt: u32,
    pub created_at: i64,
    /// `None` when the integration was deleted since the run was created.
    pub integration: Option<RunIntegration>,
}

#[derive(Debug, Clone)]
pub struct RunIntegration {
    pub id: String,
    pub name: String,
    pub workflow_id: String,
    pub action: IntegrationAction,
    pub enabled: bool,
}

/// Claims up to `limit` runs whose next attempt is due.
pub async fn claim_due_runs(store: &Store, now: i64, limit: i64) -> StoreResult<Vec<RunJob>> {
    super::writer::write(store, move |conn| claim(conn, now, limit)).await
}

fn claim(conn: &Connection, now: i64, limit: i64) -> StoreResult<Vec<RunJob>> {
    let claimed: Vec<String> = conn
        .prepare_cached(
            // The state is tested again outside the subquery: on PostgreSQL a concurrent
            // claimer waits for these rows and then skips them (redundant on SQLite).
            "UPDATE runs SET lease_until = ?1, attempt_count = attempt_count + 1
             WHERE id IN (SELECT id FROM runs WHERE status = 'pending' AND next_attempt_at <= ?2
                            AND (lease_until IS NULL OR lease_until < ?2) ORDER BY next_attempt_at LIMIT ?3)
               AND status = 'pending' AND (lease_until IS NULL OR lease_until < ?2)
             RETURNING id",
        )?
        .query_map(params![now + RUN_LEASE_MS, now, limit], |row| row.get(0))?
        .collect::<Result<_, _>>()?;
    read_jobs(conn, &claimed)
}

/// The claimed runs `ids` with their integrations, as workers execute them.
pub(crate) fn read_jobs(conn: &Connection, claimed: &[String]) -> StoreResult<Vec<RunJob>> {
    if claimed.is_empty() {
        return Ok(Vec::new());
    }
    let mut read = conn.prepare_cached(
        "SELECT r.id, r.alert_id, r.trigger, r.payload, r.webhook_id, r.attempt_count, r.created_at, r.integration_id,
                r.integration_name, f.workflow_id, i.action, i.enabled
         FROM runs r LEFT JOIN integrations i ON i.id = r.integration_id LEFT JOIN forms f ON f.id = i.form_id
         WHERE r.id IN (SELECT value FROM json_each(?))",
    )?;
    let rows = read.query_map([serde_json::to_string(claimed).unwrap_or_default()], |row| {
        let integration = match (row.get::<_, Option<String>>(7)?, row.get::<_, Option<String>>(9)?, row.get::<_, Option<String>>(10)?, row.get(11)?)
        {
            (Some(id), Some(workflow_id), Some(action), Some(enabled)) => Some((id, row.get(8)?, workflow_id, action, enabled)),
            _ => None,
        };
        Ok((
            RunJob {
                run_id: row.get(0)?,
                alert_id: row.get(1)?,
                trigger: row.get(2)?,
                payload: row.get(3)?,
                webhook_id: row.get(4)?,
                attempt: u32::try_from(row.get::<_, i64>(5)?).unwrap_or(1),
                created_at: row.get(6)?,
                integration: None,
            },
            integration,
        ))
    })?;
    let mut jobs = Vec::with_capacity(claimed.len());
    for row in rows {
        let (mut job, integration) = row?;
        if let Some((id, name, workflow_id, action, enabled)) = integration {
            let action: String = action;
            job.integration = Some(RunIntegration { id, name, workflow_id, action: from_json("integrations.action", &action)?, enabled });
        }
        jobs.push(job);
    }
    Ok(jobs)
}

/// One attempt as the worker saw it.
#[derive(Debug, Clone, Default)]
pub struct AttemptRecord {
    pub started_at: i64,
    pub duration_ms: u64,
    pub url: Option<String>,
    pub status_code: Option<u16>,
    pub response_excerpt: Option<String>,
    pub error: Option<String>,
}

/// What happens to a run after an attempt.
#[derive(Debug, Clone, PartialEq)]
pub enum RunOutcome {
    Succeeded,
    /// Try again at this time (ms).
    RetryAt(i64),
    Failed(String),
    Skipped(String),
    /// Not tried (its endpoint had no turn free): due again at this time (ms), the attempt
    /// not counted.
    Deferred(i64),
}

/// One finished attempt, ready to be stored.
pub struct AttemptResult<'a> {
    pub job: &'a RunJob,
    pub attempt: Option<AttemptRecord>,
    pub logs: Vec<(i64, String)>,
    pub outcome: RunOutcome,
}

/// What `record_attempts` writes for one attempt, owned so its write job can take it.
struct Recorded {
    /// Not tried: back to the queue, not counted.
    deferred: bool,
    run_id: String,
    number: i64,
    status: RunStatus,
    next_attempt_at: Option<i64>,
    reason: Option<String>,
    attempt: Option<AttemptRecord>,
    logs: Vec<(i64, String)>,
}

impl From<&AttemptResult<'_>> for Recorded {
    fn from(result: &AttemptResult<'_>) -> Recorded {
        let (status, next_attempt_at, reason) = match &result.outcome {
            RunOutcome::Succeeded => (RunStatus::Succeeded, None, None),
            RunOutcome::RetryAt(at) => (RunStatus::Pending, Some(*at), result.attempt.as_ref().and_then(|attempt| attempt.error.clone())),
            RunOutcome::Failed(reason) => (RunStatus::Failed, None, Some(reason.clone())),
            RunOutcome::Skipped(reason) => (RunStatus::Skipped, None, Some(reason.clone())),
            RunOutcome::Deferred(at) => (RunStatus::Pending, Some(*at), None),
        };
        Recorded {
            deferred: matches!(result.outcome, RunOutcome::Deferred(_)),
            run_id: result.job.run_id.clone(),
            number: i64::from(result.job.attempt),
            status,
            next_attempt_at,
            reason,
            attempt: result.attempt.clone(),
            logs: result.logs.clone(),
        }
    }
}

/// Stores a batch of attempts, their log lines and their runs' new states in one
/// transaction. Returns how many were stored; a run that was no longer pending (another
/// worker recorded it after a lease expiry) is skipped. The future owns what it writes, so
/// a worker can record one batch while it sends the next.
pub fn record_attempts(store: &Store, results: &[AttemptResult<'_>]) -> impl Future<Output = StoreResult<usize>> + Send + 'static {
    let recorded: Vec<Recorded> = results.iter().map(Recorded::from).collect();
    let store = store.clone();
    async move {
        if recorded.is_empty() {
            return Ok(0);
        }
        super::writer::write(&store, move |conn| {
            let mut stored = 0;
            for result in &recorded {
                if record_one(conn, result)? {
                    stored += 1;
                }
            }
            Ok(stored)
        })
        .await
    }
}

fn record_one(conn: &Connection, result: &Recorded) -> StoreResult<bool> {
    if result.deferred {
        // Back to the queue as if never claimed: the claim's count of attempts is undone.
        return Ok(conn
            .prepare_cached(
                "UPDATE runs SET next_attempt_at = ?, lease_until = NULL, attempt_count = attempt_count - 1, updated_at = ?
                 WHERE id = ? AND status = 'pending' AND attempt_count = ?",
            )?
            .execute(params![result.next_attempt_at, clock::now_millis(), result.run_id, result.number])?
            > 0);
    }
    let updated = conn
        .prepare_cached(
            "UPDATE runs SET status = ?, next_attempt_at = ?, reason = ?, lease_until = NULL, updated_at = ?
             WHERE id = ? AND status = 'pending' AND attempt_count = ?",
        )?
        .execute(params![result.status.key(), result.next_attempt_at, result.reason, clock::now_millis(), result.run_id, result.number])?;
    if updated == 0 {
        return Ok(false);
    }
    let logs = result.logs.iter().map(|(at, line)| (*at, line.as_str()));
    insert_attempt_and_logs(conn, &result.run_id, result.number, result.attempt.as_ref(), logs)?;
    Ok(true)
}

/// Writes what one attempt of a run left: its record (if it got as far as one, counted for
/// its endpoint's health too) and its log lines. Cloud workers and Integration Agents
/// report through here alike.
pub(crate) fn insert_attempt_and_logs<'a>(
    conn: &Connection,
    run_id: &str,
    number: i64,
    attempt: Option<&AttemptRecord>,
    logs: impl IntoIterator<Item = (i64, &'a str)>,
) -> StoreResult<()> {
    if let Some(attempt) = attempt {
        super::health::count_delivery_attempt(conn, run_id, attempt)?;
        conn.prepare_cached(
            "INSERT INTO run_attempts (run_id, number, started_at, duration_ms, url, status_code, response_excerpt, error)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        )?
        .execute(params![
            run_id,
            number,
            attempt.started_at,
            i64::try_from(attempt.duration_ms).unwrap_or(i64::MAX),
            attempt.url,
            attempt.status_code.map(i64::from),
            attempt.response_excerpt,
            attempt.error
        ])?;
    }
    let mut log = conn.prepare_cached("INSERT INTO run_logs (run_id, at, line) VALUES (?, ?, ?)")?;
    for (at, line) in logs {
        log.execute(params![run_id, at, line])?;
    }
    Ok(())
}

crate::row_struct! {
struct SummaryRow {
    kind: String,
    id: String,
    integration_id: Option<String>,
    integration_name: String,
    alert_id: Option<i64>,
    trigger: String,
    status: String,
    reason: Option<String>,
    attempt_count: i64,
    created_at: i64,
    updated_at: i64,
    next_attempt_at: Option<i64>,
    agent_id: Option<String>,
    flow_id: Option<String>,
    started_by: Option<String>,
}
}

/// Integration runs as listing entries (the columns of [`flow_runs::FLOW_RUN_LISTING`]).
const INTEGRATION_RUN_LISTING: &str = "SELECT 'integration' AS kind, id, integration_id, integration_name, alert_id, trigger, status, reason,
    attempt_count, created_at, updated_at, next_attempt_at, agent_id, NULL AS flow_id, NULL AS started_by,
    (SELECT f.workflow_id FROM alerts a JOIN forms f ON f.id = a.form_id WHERE a.event_identifier = runs.alert_id) AS workflow_id FROM runs";

/// Integration runs and flow runs alike, as listing entries.
fn all_runs() -> String {
    format!("{INTEGRATION_RUN_LISTING} UNION ALL {}", flow_runs::FLOW_RUN_LISTING)
}

impl TryFrom<SummaryRow> for RunSummary {
    type Error = StoreError;

    fn try_from(row: SummaryRow) -> StoreResult<RunSummary> {
        let kind = if row.kind == "flow" { RunKind::Flow } else { RunKind::Integration };
        Ok(RunSummary {
            // Flow runs from the HTTP trigger have no alert trigger.
            trigger: Trigger::from_key(&row.trigger),
            status: RunStatus::from_key(&row.status).ok_or_else(|| StoreError::Corrupt(format!("run status {}", row.status)))?,
            id: row.id,
            kind,
            integration_id: row.integration_id,
            integration_name: row.integration_name,
            event_identifier: row.alert_id,
            reason: row.reason,
            attempt_count: u32::try_from(row.attempt_count).unwrap_or_default(),
            created_at: clock::rfc3339(row.created_at),
            updated_at: clock::rfc3339(row.updated_at),
            next_attempt_at: row.next_attempt_at.map(clock::rfc3339),
            agent_id: row.agent_id,
            flow_id: row.flow_id,
            started_by: row.started_by.as_deref().and_then(StartedBy::from_key),
        })
    }
}

/// The workflow a run belongs to: a flow run's flow's, an integration run's alert's form's;
/// `Ok(None)` when the run has no workflow left, `NotFound` when there is no such run.
pub async fn run_workflow(store: &Store, id: &str) -> StoreResult<Option<String>> {
    let found: Option<Option<String>> =
        db::query_scalar(&format!("SELECT workflow_id FROM ({}) AS listing WHERE id = ?", all_runs())).bind(id).fetch_optional(store.db()).await?;
    found.ok_or_else(|| StoreError::NotFound(format!("No run with id {id}.")))
}

/// Lists integration and flow runs, newest first, with the query's filters and paging; only
/// those of `workflows` when given (`None`: every run).
pub async fn list_runs(store: &Store, query: &RunQuery, workflows: Option<&[String]>) -> StoreResult<RunPage> {
    let (limit, offset) = outflow_model::limits::paging(query.limit, query.offset).map_err(StoreError::invalid)?;
    let since = super::alerts::parse_time("since", &query.since)?;
    let until = super::alerts::parse_time("until", &query.until)?;
    // Each optional filter's parameter is typed where it is first used (its `IS NULL` test),
    // as PostgreSQL needs; the filter's parameters are ?1–?8 and the page's ?9 and ?10, so the
    // count binds no parameter it does not use (PostgreSQL cannot type an unused one).
    let filter = "WHERE (CAST(?1 AS TEXT) IS NULL OR integration_id = ?1) AND (CAST(?2 AS TEXT) IS NULL OR status = ?2)
        AND (CAST(?3 AS BIGINT) IS NULL OR alert_id = ?3)
        AND (CAST(?4 AS BIGINT) IS NULL OR created_at >= ?4) AND (CAST(?5 AS BIGINT) IS NULL OR created_at < ?5)
        AND (CAST(?6 AS TEXT) IS NULL OR flow_id = ?6) AND (CAST(?7 AS TEXT) IS NULL OR kind = ?7)
        AND (CAST(?8 AS TEXT) IS NULL OR workflow_id IN (SELECT value FROM json_each(?8)))";
    let status = query.status.map(RunStatus::key);
    let workflows = workflows.map(super::to_json);
    let kind = query.kind.map(RunKind::key);
    let runs = all_runs();
    let total: i64 = db::query_scalar(&format!("SELECT COUNT(*) FROM ({runs}) AS listing {filter}"))
        .bind(&query.integration_id)
        .bind(status)
        .bind(query.event_identifier)
        .bind(since)
        .bind(until)
        .bind(&query.flow_id)
        .bind(kind)
        .bind(&workflows)
        .fetch_one(store.db())
        .await?;
    let rows: Vec<SummaryRow> =
        db::query_as(&format!("SELECT * FROM ({runs}) AS listing {filter} ORDER BY created_at DESC, id DESC LIMIT ?9 OFFSET ?10"))
            .bind(&query.integration_id)
            .bind(status)
            .bind(query.event_identifier)
            .bind(since)
            .bind(until)
            .bind(&query.flow_id)
            .bind(kind)
            .bind(&workflows)
            .bind(i64::from(limit))
            .bind(i64::from(offset))
            .fetch_all(store.db())
            .await?;
    let items = rows.into_iter().map(RunSummary::try_from).collect::<StoreResult<_>>()?;
    Ok(RunPage { items, total, limit, offset })
}

/// An integration run with its attempts and logs, or a flow run with its step records.
pub async fn get_run(store: &Store, id: &str) -> StoreResult<Run> {
    if let Some(run) = flow_runs::get_flow_run(store, id).await? {
        return Ok(run);
    }
    let row: SummaryRow = db::query_as(&format!("{INTEGRATION_RUN_LISTING} WHERE id = ?"))
        .bind(id)
        .fetch_optional(store.db())
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("No run with id {id}.")))?;
    let (payload, webhook_id, rerun_of): (String, String, Option<String>) =
        db::query_as("SELECT payload, webhook_id, rerun_of FROM runs WHERE id = ?").bind(id).fetch_one(store.db()).await?;
    let attempts: Vec<(i64, i64, i64, Option<String>, Option<i64>, Option<String>, Option<String>)> = db::query_as(
        "SELECT number, started_at, duration_ms, url, status_code, response_excerpt, error FROM run_attempts WHERE run_id = ? ORDER BY number",
    )
    .bind(id)
    .fetch_all(store.db())
    .await?;
    let logs: Vec<(i64, String)> = db::query_as("SELECT at, line FROM run_logs WHERE run_id = ? ORDER BY id").bind(id).fetch_all(store.db()).await?;
    Ok(Run {
        summary: row.try_into()?,
        payload: from_json("runs.payload", &payload)?,
        webhook_id: Some(webhook_id),
        rerun_of,
        attempts: attempts
            .into_iter()
            .map(|(number, started_at, duration_ms, url, status_code, response_excerpt, error)| Attempt {
                number: u32::try_from(number).unwrap_or_default(),
                started_at: clock::rfc3339(started_at),
                duration_ms: u64::try_from(duration_ms).unwrap_or_default(),
                url,
                status_code: status_code.and_then(|code| u16::try_from(code).ok()),
                response_excerpt,
                error,
            })
            .collect(),
        logs: logs.into_iter().map(|(at, line)| LogLine { at: clock::rfc3339(at), line }).collect(),
        flow: None,
    })
}

/// Re-sends a finished integration run with the same payload and `webhook-id`, as a new
/// run; re-runs a finished flow run with the same payload acting as `actor` (see
/// `flow_runs::rerun_flow_run`).
pub async fn rerun(store: &Store, id: &str, actor: Option<&Actor>) -> StoreResult<Run> {
    let original = get_run(store, id).await?;
    if original.flow.is_some() {
        let new_id = flow_runs::rerun_flow_run(store, id, actor).await?;
        return get_run(store, &new_id).await;
    }
    if matches!(original.summary.status, RunStatus::Pending | RunStatus::Queued) {
        return Err(StoreError::Conflict("This run is still being sent; wait for it to finish before re-sending.".into()));
    }
    let Some(integration_id) = original.summary.integration_id.clone() else {
        return Err(StoreError::Conflict("The integration of this run was deleted, so it cannot be re-sent.".into()));
    };
    let new_id = new_id("run");
    let now = clock::now_millis();
    db::query(
        "INSERT INTO runs (id, integration_id, integration_name, alert_id, event_id, trigger, payload, webhook_id, status,
                           next_attempt_at, agent_service, agent_targets, rerun_of, created_at, updated_at)
         SELECT ?, ?, integration_name, alert_id, event_id, trigger, payload, webhook_id,
                CASE WHEN agent_service IS NULL AND agent_targets IS NULL THEN 'pending' ELSE 'queued' END,
                ?, agent_service, agent_targets, id, ?, ?
         FROM runs WHERE id = ?",
    )
    .bind(&new_id)
    .bind(&integration_id)
    .bind(now)
    .bind(now)
    .bind(now)
    .bind(id)
    .execute(store.db())
    .await?;
    get_run(store, &new_id).await
}
