//! Flow runs: starting them (from a trigger event inside the dispatcher's transaction, or
//! from the HTTP trigger, the API, a designer test or a re-run), claiming open ones,
//! recording each step before anything after it starts, parking runs on long delays, and
//! reading a run with every block's status. Which block runs next is not decided here but
//! by `outflow_model::flow_plan`, which the engine and [`get_flow_run`] share.

use std::{
    collections::{HashMap, HashSet},
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
};

use super::Store;
use super::db::{self, Connection, OptionalExtension, params};
pub use outflow_model::flow_exec::{RunEnd, StepWrite, StoredStep};
use outflow_model::{
    flow_plan::{Plan, State, starts_anything, trigger_ports},
    flow_runs::{FlowRunDetail, Iteration, RestartOf, StartedBy, StepLogLine, StepRecord, StepStatus, TestFlowRun},
    flows::{Block, BlockKind, CALL_TRIGGER, Edge, HTTP_TRIGGER, SCHEDULE_TRIGGER, StepKind, validate},
    runs::{LogLine, Run, RunKind, RunStatus, RunSummary},
    trigger::Trigger,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::{
    Actor, StoreError, StoreResult,
    flow_iterations::{BlockIterations, block_iterations},
    from_json, to_json,
};
use crate::{clock, ids::new_sorted_id};

/// How long a process holds a run it executes unless it renews the lease (by default; see
/// [`FlowRunLease`]). The engine renews its runs' leases while they execute, so this bounds
/// how long the runs of an instance that died wait before another takes them up (a lone
/// instance frees every lease at start), not how long a run may take.
pub const FLOW_RUN_LEASE_MS: i64 = 60_000;

/// How a process leases the runs it executes: under its instance name (the store's), for
/// `ms` at a time. The lease is renewed while the run executes ([`renew_flow_run_leases`]);
/// once it ran out and another instance took the run up, the first may no longer record the
/// run's steps ([`record_flow_steps`] answers false), so one process at a time executes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowRunLease {
    pub owner: Arc<str>,
    pub ms: i64,
}

/// A flow's blocks and edges.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct FlowGraph {
    pub blocks: Vec<Block>,
    pub edges: Vec<Edge>,
}

/// A flow as runs start from it: its current graph and the snapshot that graph is kept as.
#[derive(Debug, Clone)]
pub struct RunnableFlow {
    pub id: String,
    pub name: String,
    pub version: i64,
    pub workflow_id: String,
    pub form_id: String,
    pub enabled: bool,
    /// Whether a version of it was ever published (only then do triggers start it).
    pub published: bool,
    pub graph: Arc<FlowGraph>,
    /// The graph as stored, and its SHA-256 (the snapshot key).
    pub graph_json: Arc<str>,
    pub snapshot: Arc<str>,
    /// The form's response choices: the Responses trigger's ports.
    pub choices: Vec<String>,
    /// At most this many of its runs go at once; later ones wait as queued.
    pub max_concurrent_runs: Option<i64>,
    /// Set once a run of this graph committed: its snapshot is stored then (snapshots are never
    /// deleted), so runs written after it skip storing it. Clones share it; a changed graph
    /// needs a fresh one.
    pub snapshot_stored: Arc<AtomicBool>,
}

impl RunnableFlow {
    #[allow(clippy::too_many_arguments)]
    pub(super) fn new(
        id: String,
        name: String,
        version: i64,
        workflow_id: String,
        form_id: String,
        enabled: bool,
        published: bool,
        graph_json: String,
        responses: &str,
    ) -> StoreResult<RunnableFlow> {
        let graph: FlowGraph = from_json("flows.graph", &graph_json)?;
        let responses: Vec<outflow_model::forms::ResponseOption> = from_json("forms.responses", responses)?;
        Ok(RunnableFlow {
            id,
            name,
            version,
            workflow_id,
            form_id,
            enabled,
            published,
            graph: Arc::new(graph),
            snapshot: snapshot_hash(&graph_json).into(),
            graph_json: graph_json.into(),
            choices: responses.into_iter().map(|option| option.choice).collect(),
            max_concurrent_runs: None,
            snapshot_stored: Arc::default(),
        })
    }

    /// Why a trigger, the HTTP trigger or the API may not start a run of this flow now, if
    /// they may not. (Designer tests and re-runs start either way.)
    pub fn refusal(&self) -> Option<String> {
        if !self.published {
            Some(format!("The flow \"{}\" has never been published; publish it to start runs.", self.name))
        } else if !self.enabled {
            Some(format!("The flow \"{}\" is turned off; turn it on (enabled) to start it.", self.name))
        } else {
            None
        }
    }

    /// The block a run starts from and the ports it activates. `requested` names a trigger
    /// block; without it the HTTP trigger (`http`) or else the one trigger block with steps.
    pub fn start_point(&self, requested: Option<&str>, http: bool, payload: &Value) -> StoreResult<(Block, Vec<String>)> {
        if !payload.is_object() {
            return Err(StoreError::invalid("The trigger payload must be a JSON object."));
        }
        let triggers = self.graph.blocks.iter().filter(|block| block.kind == BlockKind::Trigger);
        let block = match requested {
            Some(id) => self
                .graph
                .blocks
                .iter()
                .find(|block| block.id == id && block.kind == BlockKind::Trigger)
                .ok_or_else(|| StoreError::invalid(format!("The flow \"{}\" has no trigger block \"{id}\".", self.name)))?,
            None if http => triggers
                .into_iter()
                .find(|block| block.trigger.as_deref() == Some(HTTP_TRIGGER))
                .ok_or_else(|| StoreError::invalid(format!("The flow \"{}\" has no HTTP trigger.", self.name)))?,
            None => {
                let connected: Vec<&Block> = triggers.filter(|block| self.graph.edges.iter().any(|edge| edge.from == block.id)).collect();
                match connected.as_slice() {
                    [only] => *only,
                    [] => return Err(StoreError::invalid(format!("No trigger of the flow \"{}\" is connected to a step.", self.name))),
                    several => {
                        let ids: Vec<&str> = several.iter().map(|block| block.id.as_str()).collect();
                        return Err(StoreError::invalid(format!("Name the trigger block to start from: one of {}.", ids.join(", "))));
                    }
                }
            }
        };
        if block.trigger.as_deref() == Some(Trigger::Responses.key()) {
            let chosen = payload.get("response").and_then(Value::as_str).unwrap_or_default();
            if !self.choices.iter().any(|choice| choice == chosen) {
                return Err(StoreError::invalid(format!(
                    "A Responses trigger's payload needs \"response\": one of {}.",
                    self.choices.iter().map(|choice| format!("\"{choice}\"")).collect::<Vec<_>>().join(", ")
                )));
            }
        }
        Ok((block.clone(), trigger_ports(block, payload)))
    }
}

fn snapshot_hash(graph_json: &str) -> String {
    hex::encode(Sha256::digest(graph_json.as_bytes()))
}

/// Which version of a flow to run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Edition {
    /// The published version (the newest, while none was ever published): what triggers,
    /// the HTTP trigger, the API and re-runs of real runs run.
    Published,
    /// The newest saved version: what designer tests run.
    Draft,
}

impl Edition {
    /// The query of a [`RunnableRow`], to which callers add their `WHERE`.
    pub(super) fn select(self) -> String {
        let (version, graph) = match self {
            Edition::Published => ("COALESCE(fl.published_version, fl.version)", "COALESCE(fl.published_graph, fl.graph)"),
            Edition::Draft => ("fl.version", "fl.graph"),
        };
        format!(
            "SELECT fl.id, fl.name, {version}, f.workflow_id, fl.form_id, fl.enabled, fl.published_version IS NOT NULL, {graph}, f.responses,
                    fl.max_concurrent_runs
             FROM flows fl JOIN forms f ON f.id = fl.form_id"
        )
    }
}

pub(super) type RunnableRow = (String, String, i64, String, String, bool, bool, String, String, Option<i64>);

pub(super) fn runnable_from_row(
    (id, name, version, workflow_id, form_id, enabled, published, graph, responses, limit): RunnableRow,
) -> StoreResult<RunnableFlow> {
    let mut flow = RunnableFlow::new(id, name, version, workflow_id, form_id, enabled, published, graph, &responses)?;
    flow.max_concurrent_runs = limit;
    Ok(flow)
}

/// The flow with the graph of `edition`, ready to start runs from.
pub async fn runnable_flow(store: &Store, id: &str, edition: Edition) -> StoreResult<RunnableFlow> {
    let row: Option<RunnableRow> = db::query_as(&format!("{} WHERE fl.id = ?", edition.select())).bind(id).fetch_optional(store.db()).await?;
    runnable_from_row(row.ok_or_else(|| StoreError::NotFound(format!("No flow with id {id}.")))?)
}

/// The enabled, published flows of a form, on the writer's connection (the dispatcher
/// matches them).
pub(crate) fn enabled_flows_of_form(conn: &Connection, form_id: &str) -> StoreResult<Vec<RunnableFlow>> {
    let sql =
        format!("{} WHERE fl.form_id = ? AND fl.enabled = 1 AND fl.published_version IS NOT NULL ORDER BY fl.name", Edition::Published.select());
    let rows: Vec<RunnableRow> = conn
        .prepare_cached(&sql)?
        .query_map([form_id], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?, row.get(4)?, row.get(5)?, row.get(6)?, row.get(7)?, row.get(8)?, row.get(9)?))
        })?
        .collect::<Result<_, _>>()?;
    rows.into_iter().map(runnable_from_row).collect()
}

/// A run to create.
#[derive(Debug, Clone)]
pub struct NewFlowRun {
    pub flow: RunnableFlow,
    pub started_by: StartedBy,
    pub trigger_block: Block,
    pub payload: Value,
    pub acting_user_id: Option<i64>,
    pub rerun_of: Option<String>,
    /// 0 unless a script or flow starts it (`ops::chains`).
    pub chain_depth: i64,
}

/// A run as the engine executes it: the graph it runs and the steps recorded so far.
#[derive(Debug, Clone)]
pub struct FlowRunJob {
    pub run_id: String,
    pub flow_id: Option<String>,
    pub flow_name: String,
    pub workflow_id: String,
    pub started_by: StartedBy,
    pub graph: Arc<FlowGraph>,
    pub trigger_block: String,
    pub payload: Arc<Value>,
    /// The payload as stored (what a Script step's `payload` is made from).
    pub payload_json: Arc<str>,
    pub acting_user_id: Option<i64>,
    pub alert_id: Option<i64>,
    pub steps: Vec<StoredStep>,
    pub steps_run: i64,
    pub created_at: i64,
    /// How many flows and scripts led to this run (`ops::chains`); its scripts and steps act
    /// one deeper.
    pub chain_depth: i64,
    /// The first run of its chain of restarts (itself, unless it restarts one): what names
    /// its Webhook steps' `Idempotency-Key`, so a restart sends the same keys.
    pub origin_run_id: String,
    /// How deeply Call Flow steps nest at this run (0 unless a flow called it).
    pub call_depth: i64,
    /// It waits for a turn under its flow's limit of runs at once: the worker takes it up
    /// when its turn comes, nobody executes it before.
    pub queued: bool,
    /// Its flow limited its runs at once when this run was started or taken up: only then may
    /// its end free a turn for queued runs, so only then does its end look for them. (Runs
    /// queued under a limit set while it went are let go by the worker's next look, within a
    /// second.)
    pub limited: bool,
}

impl FlowRunJob {
    /// The trigger block's active output ports.
    pub fn trigger_ports(&self) -> Vec<String> {
        self.graph.blocks.iter().find(|block| block.id == self.trigger_block).map(|block| trigger_ports(block, &self.payload)).unwrap_or_default()
    }
}

pub(super) struct RunRow<'a> {
    pub id: &'a str,
    pub flow: &'a RunnableFlow,
    pub started_by: StartedBy,
    pub trigger_block: &'a Block,
    pub payload: &'a str,
    pub alert_id: Option<i64>,
    pub event_id: Option<i64>,
    pub acting_user_id: Option<i64>,
    pub rerun_of: Option<&'a str>,
    /// Taken by its creator at once (running, under this lease) instead of waiting for the worker.
    pub lease: Option<&'a FlowRunLease>,
    pub now: i64,
    /// Steps it executed already: a run written with its first step records (see
    /// [`record_flow_steps`]) counts them; others start at 0.
    pub steps_run: i64,
    pub chain_depth: i64,
    /// Why it may not run (`ops::chains`): written as failed with this reason.
    pub refused: Option<&'a str>,
    pub restart: Option<&'a RestartLink>,
    pub call: Option<&'a CallLink>,
}

/// The Call Flow step a called run was started by (see `flow_calls`).
pub(super) struct CallLink {
    pub caller: String,
    pub block: String,
    pub iteration: Iteration,
    /// How deeply calls nest at the called run (1 for a flow a top-level run called).
    pub depth: i64,
    /// The caller's process's lease: it executes the called run at once.
    pub lease: FlowRunLease,
}

/// What a run restarted from a step restarts (see `flow_restarts`).
pub(super) struct RestartLink {
    /// The run it restarts.
    pub of: String,
    /// The block it runs again from.
    pub from: String,
    /// The first run of the chain of restarts.
    pub origin: String,
}

/// Writes a run; answers whether it may go now (`false`: it waits, queued, for a turn under
/// its flow's limit of runs at once, which designer tests, called runs and refused runs do
/// not wait for).
pub(super) fn insert_run(conn: &Connection, row: &RunRow<'_>) -> StoreResult<bool> {
    // Not `INSERT OR IGNORE`: SQLite would check the whole graph's JSON (the CHECK) for
    // every run before finding the snapshot already stored. `ON CONFLICT` skips one that a
    // concurrent writer stored after the test (writers on PostgreSQL need not be serial).
    if !row.flow.snapshot_stored.load(Ordering::Relaxed) {
        conn.prepare_cached(
            "INSERT INTO flow_snapshots (hash, graph) SELECT ?1, ?2 WHERE NOT EXISTS (SELECT 1 FROM flow_snapshots WHERE hash = ?1)
             ON CONFLICT (hash) DO NOTHING",
        )?
        .execute(params![&*row.flow.snapshot, &*row.flow.graph_json])?;
    }
    // A called run goes in its caller's turn: the caller holds one while it waits, and a called
    // run queued behind runs that wait for it (a flow calling itself, two limited flows calling
    // each other) would wait forever.
    let queued = row.flow.max_concurrent_runs.is_some() && row.started_by != StartedBy::Test && row.call.is_none();
    let (status, lease, started) = match (row.refused, queued, row.lease) {
        (Some(_), _, _) => ("failed", None, Some(row.now)),
        (None, true, _) => ("queued", None, None),
        (None, false, Some(lease)) => ("running", Some(lease), Some(row.now)),
        (None, false, None) => ("pending", None, None),
    };
    conn.prepare_cached(
        "INSERT INTO flow_runs (id, flow_id, flow_name, flow_version, workflow_id, snapshot, started_by, trigger_block, trigger, payload,
                               alert_id, event_id, acting_user_id, rerun_of, status, lease_until, lease_owner, created_at, started_at, updated_at,
                               chain_depth, reason, finished_at, restart_of, restart_from, restart_origin,
                               called_by, called_by_block, called_by_iteration, call_depth, steps_run)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )?
    .execute(params![
        row.id,
        // A re-run of a deleted flow's run belongs to no flow.
        Some(row.flow.id.as_str()).filter(|id| !id.is_empty()),
        row.flow.name,
        row.flow.version,
        row.flow.workflow_id,
        &*row.flow.snapshot,
        row.started_by.key(),
        row.trigger_block.id,
        row.trigger_block.trigger.as_deref().unwrap_or_default(),
        row.payload,
        row.alert_id,
        row.event_id,
        row.acting_user_id,
        row.rerun_of,
        status,
        lease.map(|lease| row.now + lease.ms),
        lease.map(|lease| &*lease.owner),
        row.now,
        started,
        row.now,
        row.chain_depth,
        row.refused,
        row.refused.map(|_| row.now),
        row.restart.map(|link| &link.of),
        row.restart.map(|link| &link.from),
        row.restart.map(|link| &link.origin),
        row.call.map(|call| &call.caller),
        row.call.map(|call| &call.block),
        row.call.map(|call| call.iteration.key()),
        row.call.map_or(0, |call| call.depth),
        row.steps_run
    ])?;
    Ok(!queued)
}

/// The trigger event the dispatcher is turning into runs.
pub(crate) struct TriggerEvent<'a> {
    pub alert_id: i64,
    pub event_id: i64,
    pub trigger: Trigger,
    /// The alert's initiating user: whose rights the runs act with.
    pub initiator: Option<i64>,
    /// The alert's chain depth (`ops::chains`), which its flow runs take.
    pub chain_depth: i64,
    pub payload: &'a Value,
    pub payload_json: &'a str,
}

/// Chained runs (`ops::chains`) of a flow created after a time; the dispatcher (in a write
/// job) and [`chained_runs_since`] both count with it.
const CHAINED_SINCE: &str = "SELECT COUNT(*) FROM flow_runs WHERE flow_id = ? AND chain_depth > 0 AND created_at > ?";

/// How many chained runs (`ops::chains`) the flow started since `since` (ms).
pub async fn chained_runs_since(store: &Store, flow_id: &str, since: i64) -> StoreResult<i64> {
    Ok(db::query_scalar(CHAINED_SINCE).bind(flow_id).bind(since).fetch_one(store.db()).await?)
}

/// Most runs one flow starts from the events of one alert. A flow whose steps cause the
/// event it starts from (Add Comment on the comment trigger) would otherwise loop forever.
pub const RUNS_PER_ALERT: i64 = 500;

/// Starts a run of every flow with a trigger block of the event's trigger whose active
/// port (the chosen response's, for Responses) is connected to a step. Runs inside the
/// dispatcher's transaction, so the event becomes its runs exactly once.
pub(crate) fn start_runs_for_event(conn: &Connection, flows: &[RunnableFlow], event: &TriggerEvent<'_>, now: i64) -> StoreResult<usize> {
    let mut started = 0;
    for flow in flows {
        let starting: Vec<&Block> = flow
            .graph
            .blocks
            .iter()
            .filter(|block| block.kind == BlockKind::Trigger && block.trigger.as_deref() == Some(event.trigger.key()))
            .filter(|block| starts_anything(&block.id, &trigger_ports(block, event.payload), &flow.graph.edges))
            .collect();
        if starting.is_empty() {
            continue;
        }
        let runs_so_far: i64 = conn
            .prepare_cached("SELECT COUNT(*) FROM flow_runs WHERE alert_id = ? AND flow_id = ? AND started_by = 'trigger'")?
            .query_row(params![event.alert_id, flow.id], |row| row.get(0))?;
        if runs_so_far >= RUNS_PER_ALERT {
            tracing::warn!(flow_id = %flow.id, alert_id = event.alert_id, "a flow reached {RUNS_PER_ALERT} runs for one alert; its trigger no longer starts it for that alert");
            continue;
        }
        let recent_chained: i64 = if event.chain_depth > 0 {
            conn.prepare_cached(CHAINED_SINCE)?.query_row(params![flow.id, now - crate::ops::chains::CHAIN_WINDOW_MS], |row| row.get(0))?
        } else {
            0
        };
        let refused = crate::ops::chains::refusal(event.chain_depth, recent_chained);
        for block in starting {
            let id = new_sorted_id("frun", now);
            let row = RunRow {
                id: &id,
                flow,
                started_by: StartedBy::Trigger,
                trigger_block: block,
                payload: event.payload_json,
                alert_id: Some(event.alert_id),
                event_id: Some(event.event_id),
                acting_user_id: event.initiator,
                rerun_of: None,
                lease: None,
                now,
                steps_run: 0,
                chain_depth: event.chain_depth,
                refused: refused.as_deref(),
                restart: None,
                call: None,
            };
            insert_run(conn, &row)?;
            started += usize::from(refused.is_none());
        }
    }
    Ok(started)
}

/// A run prepared but not written yet (see [`prepare_flow_run`]).
#[derive(Debug)]
pub struct UnwrittenRun {
    id: String,
    flow: RunnableFlow,
    started_by: StartedBy,
    trigger_block: Block,
    payload_json: Arc<str>,
    /// The payload's `eventIdentifier`: the run links to that alert if it exists.
    alert: Option<i64>,
    acting_user_id: Option<i64>,
    rerun_of: Option<String>,
    lease: Option<FlowRunLease>,
    now: i64,
    chain_depth: i64,
}

/// Prepares a run: the job executing it, and the row still to be written. With a `lease` its
/// creator executes it (leased, running); otherwise the engine's worker will. The row is
/// written by [`create_flow_run`] before anything else happens, or by a caller that
/// acknowledges nothing until the run ends (a sync HTTP trigger) together with the run's
/// first step record ([`record_flow_steps`]), which saves a commit on the hot path.
pub fn prepare_flow_run(new: NewFlowRun, lease: Option<FlowRunLease>) -> (FlowRunJob, UnwrittenRun) {
    let now = clock::now_millis();
    let id = new_sorted_id("frun", now);
    let alert = new.payload.get("eventIdentifier").and_then(Value::as_i64);
    let job = FlowRunJob {
        run_id: id.clone(),
        flow_id: Some(new.flow.id.clone()).filter(|id| !id.is_empty()),
        flow_name: new.flow.name.clone(),
        workflow_id: new.flow.workflow_id.clone(),
        started_by: new.started_by,
        graph: new.flow.graph.clone(),
        trigger_block: new.trigger_block.id.clone(),
        payload_json: new.payload.to_string().into(),
        payload: Arc::new(new.payload),
        acting_user_id: new.acting_user_id,
        alert_id: alert,
        steps: Vec::new(),
        steps_run: 0,
        created_at: now,
        chain_depth: new.chain_depth,
        origin_run_id: id.clone(),
        call_depth: 0,
        queued: false,
        limited: new.flow.max_concurrent_runs.is_some(),
    };
    let unwritten = UnwrittenRun {
        id,
        flow: new.flow,
        started_by: new.started_by,
        trigger_block: new.trigger_block,
        payload_json: job.payload_json.clone(),
        alert,
        acting_user_id: new.acting_user_id,
        rerun_of: new.rerun_of,
        lease,
        now,
        chain_depth: new.chain_depth,
    };
    (job, unwritten)
}

/// `alert` if it still exists (it may have been deleted while a run that links to it went).
pub(super) fn existing_alert(conn: &Connection, alert: Option<i64>) -> StoreResult<Option<i64>> {
    let Some(alert) = alert else { return Ok(None) };
    Ok(conn
        .prepare_cached("SELECT event_identifier FROM alerts WHERE event_identifier = ?")?
        .query_row([alert], |row| row.get::<_, i64>(0))
        .optional()?)
}

/// Writes a prepared run, which executed `steps_run` steps already; answers the alert it
/// links to, and whether it may go now.
pub(super) fn insert_unwritten(conn: &Connection, run: &UnwrittenRun, steps_run: i64) -> StoreResult<(Option<i64>, bool)> {
    let alert_id = existing_alert(conn, run.alert)?;
    let row = RunRow {
        id: &run.id,
        flow: &run.flow,
        started_by: run.started_by,
        trigger_block: &run.trigger_block,
        payload: &run.payload_json,
        alert_id,
        event_id: None,
        acting_user_id: run.acting_user_id,
        rerun_of: run.rerun_of.as_deref(),
        lease: run.lease.as_ref(),
        now: run.now,
        steps_run,
        chain_depth: run.chain_depth,
        refused: None,
        restart: None,
        call: None,
    };
    let goes = insert_run(conn, &row)?;
    Ok((alert_id, goes))
}

/// Creates a run. With `claim` its creator executes it at once (it is leased and running);
/// otherwise it waits for the engine's worker, which is woken.
pub async fn create_flow_run(store: &Store, new: NewFlowRun, claim: bool) -> StoreResult<FlowRunJob> {
    let (mut job, unwritten) = prepare_flow_run(new, claim.then(|| store.flow_run_lease()));
    let stored = unwritten.flow.snapshot_stored.clone();
    let (alert_id, goes) = super::writer::write(store, move |conn| insert_unwritten(conn, &unwritten, 0)).await?;
    stored.store(true, Ordering::Relaxed);
    job.alert_id = alert_id;
    job.queued = !goes;
    if !claim || job.queued {
        store.flow_runs_created().notify_one();
    }
    Ok(job)
}

/// Creates a test run of a flow on a sample payload, for the engine's worker to execute at
/// once: of the saved graph, or of `test.blocks` and `test.edges` (the designer's unsaved
/// graph, which must pass validation). Test runs start on disabled flows too. Answers the new run's id;
/// read it with [`get_flow_run`] (or `get_run`) while it runs.
pub async fn start_test_run(store: &Store, flow_id: &str, test: &TestFlowRun, actor: Option<&Actor>) -> StoreResult<String> {
    let mut flow = runnable_flow(store, flow_id, Edition::Draft).await?;
    if let Some(blocks) = &test.blocks {
        let edges = test.edges.clone().unwrap_or_default();
        let check = validate(blocks, &edges, &flow.choices);
        if !check.is_ok() {
            return Err(StoreError::Invalid { message: check.error_message(), details: serde_json::json!({ "issues": check.errors }) });
        }
        let graph = FlowGraph { blocks: blocks.clone(), edges };
        let graph_json = to_json(&graph);
        flow.snapshot = snapshot_hash(&graph_json).into();
        flow.snapshot_stored = Arc::default();
        flow.graph_json = graph_json.into();
        flow.graph = Arc::new(graph);
    }
    let payload = if test.payload.is_null() { Value::Object(Default::default()) } else { test.payload.clone() };
    let (trigger_block, _) = flow.start_point(test.trigger.as_deref(), false, &payload)?;
    let new = NewFlowRun {
        flow,
        started_by: StartedBy::Test,
        trigger_block,
        payload,
        acting_user_id: actor.map(|actor| actor.user_id),
        rerun_of: None,
        chain_depth: 0,
    };
    Ok(create_flow_run(store, new, false).await?.run_id)
}

/// The newest real payload of a trigger (by key) on a flow of form `form_id`: for an alert
/// trigger, what its last event on the form would have sent (SPEC §3); for the HTTP trigger,
/// Called by a flow and the Schedule trigger, the payload of the flow's last run they started. `None` when there
/// was none.
pub async fn sample_payload(store: &Store, flow_id: &str, form_id: &str, key: &str) -> StoreResult<Option<Value>> {
    let flow_native = [(HTTP_TRIGGER, StartedBy::Http), (CALL_TRIGGER, StartedBy::Call), (SCHEDULE_TRIGGER, StartedBy::Schedule)];
    if let Some((_, started_by)) = flow_native.iter().find(|(trigger, _)| *trigger == key) {
        let payload: Option<String> =
            db::query_scalar("SELECT payload FROM flow_runs WHERE flow_id = ? AND trigger = ? AND started_by = ? ORDER BY created_at DESC LIMIT 1")
                .bind(flow_id)
                .bind(key)
                .bind(started_by.key())
                .fetch_optional(store.db())
                .await?;
        return payload.map(|text| from_json("flow_runs.payload", &text)).transpose();
    }
    let trigger = Trigger::from_key(key).ok_or_else(|| StoreError::invalid(format!("There is no trigger \"{key}\".")))?;
    let row: Option<(i64, String, i64, String, String)> = db::query_as(
        "SELECT e.alert_id, e.fields, e.created_at, f.properties, a.properties
         FROM events e JOIN alerts a ON a.event_identifier = e.alert_id JOIN forms f ON f.id = a.form_id
         WHERE a.form_id = ? AND e.trigger = ? ORDER BY e.id DESC LIMIT 1",
    )
    .bind(form_id)
    .bind(trigger.key())
    .fetch_optional(store.db())
    .await?;
    let Some((alert_id, fields, created_at, definitions, values)) = row else { return Ok(None) };
    let definitions: Vec<outflow_model::forms::PropertyDef> = from_json("forms.properties", &definitions)?;
    let values = from_json("alerts.properties", &values)?;
    let fields = from_json("events.fields", &fields)?;
    Ok(Some(crate::payload::build(trigger, alert_id, &definitions, &values, &fields, created_at)))
}

/// Claims up to `limit` open runs that are due (not parked on a Delay until later) and not
/// held by anyone, with everything executing them needs. It names the open runs' partial
/// index: for `ORDER BY created_at LIMIT` SQLite would otherwise walk every run ever recorded
/// in creation order (~20 ms at 200,000 runs, every second, stalling every writer).
pub async fn claim_flow_runs(store: &Store, now: i64, limit: i64) -> StoreResult<Vec<FlowRunJob>> {
    let lease = store.flow_run_lease();
    super::writer::write(store, move |conn| {
        // Queued runs whose turn came (fewer of their flow's runs go than its limit; the
        // flow deleted or its limit lifted) go, oldest first. Designer tests never wait, and
        // hold no turn. The going runs are counted once per flow with queued runs.
        conn.prepare_cached(
            "WITH going AS (SELECT flow_id, COUNT(*) AS runs FROM flow_runs INDEXED BY flow_runs_going
                            WHERE status IN ('pending', 'running') AND started_by <> 'test' AND flow_id IN (SELECT flow_id FROM flow_runs INDEXED BY flow_runs_queued WHERE status = 'queued')
                            GROUP BY flow_id)
             UPDATE flow_runs SET status = 'pending', updated_at = ?1
             WHERE id IN (SELECT q.id FROM (SELECT id, flow_id, ROW_NUMBER() OVER (PARTITION BY flow_id ORDER BY created_at, id) AS turn
                                            FROM flow_runs INDEXED BY flow_runs_queued WHERE status = 'queued') q
                          LEFT JOIN flows f ON f.id = q.flow_id
                          LEFT JOIN going g ON g.flow_id = q.flow_id
                          WHERE f.max_concurrent_runs IS NULL OR q.turn <= f.max_concurrent_runs - COALESCE(g.runs, 0))
               AND status = 'queued'",
        )?
        .execute([now])?;
        let claimed: Vec<String> = conn
            .prepare_cached(
                "UPDATE flow_runs SET lease_until = ?1, lease_owner = ?4, status = 'running', started_at = COALESCE(started_at, ?2), wake_at = NULL, updated_at = ?2
                 WHERE id IN (SELECT id FROM flow_runs INDEXED BY flow_runs_open
                              WHERE status IN ('pending', 'running') AND (wake_at IS NULL OR wake_at <= ?2)
                                AND (lease_until IS NULL OR lease_until < ?2) ORDER BY created_at LIMIT ?3)
                   AND status IN ('pending', 'running') AND (lease_until IS NULL OR lease_until < ?2)
                 RETURNING id",
            )?
            .query_map(params![now + lease.ms, now, limit, &*lease.owner], |row| row.get(0))?
            .collect::<Result<_, _>>()?;
        let mut graphs: HashMap<String, Arc<FlowGraph>> = HashMap::new();
        claimed.iter().map(|id| read_job(conn, id, &mut graphs)).collect()
    })
    .await
}

pub(super) fn read_job(conn: &Connection, id: &str, graphs: &mut HashMap<String, Arc<FlowGraph>>) -> StoreResult<FlowRunJob> {
    let (
        flow_id,
        flow_name,
        workflow_id,
        snapshot,
        started_by,
        trigger_block,
        payload,
        acting_user_id,
        alert_id,
        steps_run,
        created_at,
        chain_depth,
        origin_run_id,
        call_depth,
        queued,
        limited,
    ): (Option<String>, String, String, String, String, String, String, Option<i64>, Option<i64>, i64, i64, i64, String, i64, bool, bool) = conn
        .prepare_cached(
            "SELECT flow_id, flow_name, workflow_id, snapshot, started_by, trigger_block, payload, acting_user_id, alert_id, steps_run, created_at,
                    chain_depth, COALESCE(restart_origin, id), call_depth, status = 'queued',
                    EXISTS (SELECT 1 FROM flows f WHERE f.id = flow_runs.flow_id AND f.max_concurrent_runs IS NOT NULL)
             FROM flow_runs WHERE id = ?",
        )?
        .query_row([id], |row| {
            Ok((
                row.get(0)?,
                row.get(1)?,
                row.get(2)?,
                row.get(3)?,
                row.get(4)?,
                row.get(5)?,
                row.get(6)?,
                row.get(7)?,
                row.get(8)?,
                row.get(9)?,
                row.get(10)?,
                row.get(11)?,
                row.get(12)?,
                row.get(13)?,
                row.get(14)?,
                row.get(15)?,
            ))
        })?;
    let graph = match graphs.get(&snapshot) {
        Some(graph) => graph.clone(),
        None => {
            let text: String = conn.prepare_cached("SELECT graph FROM flow_snapshots WHERE hash = ?")?.query_row([&snapshot], |row| row.get(0))?;
            let graph = Arc::new(from_json::<FlowGraph>("flow_snapshots.graph", &text)?);
            graphs.insert(snapshot, graph.clone());
            graph
        }
    };
    type Row = (String, String, String, Option<String>, String, Option<String>, i64, Option<i64>, Option<i64>);
    let rows: Vec<Row> = conn
        .prepare_cached(
            "SELECT iteration, block_id, status, outputs, ports, error, started_at, finished_at, due_at FROM flow_run_steps WHERE run_id = ?",
        )?
        .query_map([id], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?, row.get(4)?, row.get(5)?, row.get(6)?, row.get(7)?, row.get(8)?))
        })?
        .collect::<Result<_, _>>()?;
    let steps = rows
        .into_iter()
        .map(|(iteration, block_id, status, outputs, ports, error, started_at, finished_at, due_at)| {
            Ok(StoredStep {
                block_id,
                iteration: iteration_of(&iteration)?,
                status: StepStatus::from_key(&status).ok_or_else(|| StoreError::Corrupt(format!("step status {status}")))?,
                outputs: outputs.map(|text| from_json("flow_run_steps.outputs", &text)).transpose()?,
                ports: from_json("flow_run_steps.ports", &ports)?,
                error,
                started_at,
                finished_at,
                due_at,
            })
        })
        .collect::<StoreResult<_>>()?;
    Ok(FlowRunJob {
        run_id: id.to_string(),
        flow_id,
        flow_name,
        workflow_id,
        started_by: StartedBy::from_key(&started_by).ok_or_else(|| StoreError::Corrupt(format!("started_by {started_by}")))?,
        graph,
        trigger_block,
        payload: Arc::new(from_json("flow_runs.payload", &payload)?),
        payload_json: payload.into(),
        acting_user_id,
        alert_id,
        steps,
        steps_run,
        created_at,
        chain_depth,
        origin_run_id,
        call_depth,
        queued,
        limited,
    })
}

fn iteration_of(key: &str) -> StoreResult<Iteration> {
    Iteration::from_key(key).ok_or_else(|| StoreError::Corrupt(format!("step iteration {key}")))
}

/// A step record, serialised before its write job runs.
struct StepColumns {
    block_id: String,
    iteration: String,
    status: &'static str,
    inputs: Option<String>,
    outputs: Option<String>,
    ports: String,
    logs: String,
    error: Option<String>,
    started_at: i64,
    finished_at: Option<i64>,
    due_at: Option<i64>,
}

/// Stores step records of the run `job` executes (and, with `end`, how the run ended) in one
/// transaction, after writing the run itself when it is still `unwritten` (see
/// [`prepare_flow_run`]). `steps_run` is the run's count of executed steps so far. Answers
/// false when the run was no longer running under this process's lease (it ended by another
/// hand, or another instance took it up after the lease ran out), in which case nothing was
/// written.
pub async fn record_flow_steps(
    store: &Store,
    job: &FlowRunJob,
    steps: &[StepWrite],
    steps_run: i64,
    end: Option<RunEnd>,
    unwritten: Option<UnwrittenRun>,
) -> StoreResult<bool> {
    let columns: Vec<StepColumns> = steps
        .iter()
        .map(|step| StepColumns {
            block_id: step.block_id.clone(),
            iteration: step.iteration.key(),
            status: step.status.key(),
            inputs: step.inputs.as_ref().map(Value::to_string),
            outputs: step.outputs.as_ref().map(Value::to_string),
            ports: to_json(&step.ports),
            logs: to_json(&step.logs),
            error: step.error.clone(),
            started_at: step.started_at,
            finished_at: step.finished_at,
            due_at: step.due_at,
        })
        .collect();
    let end = end.map(|end| (end.status.key(), end.reason, end.output.map(|output| output.to_string())));
    let run_id = job.run_id.clone();
    // A run that ends frees a turn for its flow's queued runs, if any wait.
    let frees_turn = end.is_some() && job.limited;
    let stored = unwritten.as_ref().map(|run| run.flow.snapshot_stored.clone());
    let owner = store.flow_run_lease().owner;
    let (recorded, turn_freed) = super::writer::write(store, move |conn| {
        // A run written here, running, already holds its count of steps.
        let written_running = match &unwritten {
            Some(run) => insert_unwritten(conn, run, steps_run)?.1 && run.lease.is_some(),
            None => false,
        };
        let now = clock::now_millis();
        let updated = match &end {
            Some((status, reason, output)) => conn
                .prepare_cached(
                    "UPDATE flow_runs SET steps_run = ?, status = ?, reason = ?, output = ?, finished_at = ?, lease_until = NULL, wake_at = NULL, updated_at = ?
                     WHERE id = ? AND status = 'running' AND lease_owner = ?",
                )?
                .execute(params![steps_run, status, reason, output, now, now, run_id, &*owner])?,
            None if written_running => 1,
            None => conn
                .prepare_cached("UPDATE flow_runs SET steps_run = ?, updated_at = ? WHERE id = ? AND status = 'running' AND lease_owner = ?")?
                .execute(params![steps_run, now, run_id, &*owner])?,
        };
        if updated == 0 {
            return Ok((false, false));
        }
        // An upsert that sets every column: what `INSERT OR REPLACE` did (the table has no
        // other unique key, no trigger and nothing referencing it; every NOT NULL column is given).
        let mut insert = conn.prepare_cached(
            "INSERT INTO flow_run_steps (run_id, iteration, block_id, status, inputs, outputs, ports, logs, error, started_at, finished_at, due_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (run_id, iteration, block_id) DO UPDATE SET status = excluded.status, inputs = excluded.inputs,
                 outputs = excluded.outputs, ports = excluded.ports, logs = excluded.logs, error = excluded.error,
                 started_at = excluded.started_at, finished_at = excluded.finished_at, due_at = excluded.due_at",
        )?;
        for step in &columns {
            insert.execute(params![
                run_id,
                step.iteration,
                step.block_id,
                step.status,
                step.inputs,
                step.outputs,
                step.ports,
                step.logs,
                step.error,
                step.started_at,
                step.finished_at,
                step.due_at
            ])?;
        }
        let turn_freed = frees_turn
            && conn
                .prepare_cached(
                    "SELECT EXISTS (SELECT 1 FROM flow_runs INDEXED BY flow_runs_queued
                                    WHERE status = 'queued' AND flow_id = (SELECT flow_id FROM flow_runs WHERE id = ?))",
                )?
                .query_row([&run_id], |row| row.get::<_, bool>(0))?;
        Ok((true, turn_freed))
    })
    .await?;
    if let Some(stored) = stored {
        stored.store(true, Ordering::Relaxed);
    }
    if turn_freed {
        store.flow_runs_created().notify_one();
    }
    Ok(recorded)
}

/// Lets go of a run whose only open work is a Delay due at `wake_at`: the worker takes it
/// up again then, here or after a restart.
pub async fn park_flow_run(store: &Store, run_id: &str, wake_at: i64) -> StoreResult<()> {
    let run_id = run_id.to_string();
    let owner = store.flow_run_lease().owner;
    super::writer::write(store, move |conn| {
        conn.prepare_cached(
            "UPDATE flow_runs SET lease_until = NULL, wake_at = ?, updated_at = ? WHERE id = ? AND status = 'running' AND lease_owner = ?",
        )?
        .execute(params![wake_at, clock::now_millis(), run_id, &*owner])?;
        Ok(())
    })
    .await
}

/// Extends this process's leases on the runs `ids` it still executes by a whole lease from
/// now; answers those it no longer holds (ended, or taken up by another instance after the
/// lease ran out: that one executes them now). One statement for all of them.
pub async fn renew_flow_run_leases(store: &Store, ids: Vec<String>) -> StoreResult<Vec<String>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let lease = store.flow_run_lease();
    let wanted = serde_json::to_string(&ids).unwrap_or_default();
    let renewed: Vec<String> = super::writer::write(store, move |conn| {
        Ok(conn
            .prepare_cached(
                "UPDATE flow_runs SET lease_until = ?1 WHERE id IN (SELECT value FROM json_each(?2)) AND status = 'running' AND lease_owner = ?3
                 RETURNING id",
            )?
            .query_map(params![clock::now_millis() + lease.ms, wanted, &*lease.owner], |row| row.get(0))?
            .collect::<Result<_, _>>()?)
    })
    .await?;
    let renewed: HashSet<String> = renewed.into_iter().collect();
    Ok(ids.into_iter().filter(|id| !renewed.contains(id)).collect())
}

/// When the earliest parked run is due, if any is.
pub async fn next_flow_wake(store: &Store) -> StoreResult<Option<i64>> {
    Ok(db::query_scalar("SELECT MIN(wake_at) FROM flow_runs WHERE status IN ('pending', 'running') AND wake_at IS NOT NULL")
        .fetch_one(store.db())
        .await?)
}

crate::row_struct! {
pub(crate) struct FlowRunRow {
    id: String,
    flow_id: Option<String>,
    flow_name: String,
    flow_version: i64,
    workflow_id: String,
    snapshot: String,
    started_by: String,
    trigger_block: String,
    trigger: String,
    payload: String,
    alert_id: Option<i64>,
    acting_as: Option<String>,
    rerun_of: Option<String>,
    restart_of: Option<String>,
    restart_from: Option<String>,
    status: String,
    reason: Option<String>,
    output: Option<String>,
    steps_run: i64,
    wake_at: Option<i64>,
    created_at: i64,
    started_at: Option<i64>,
    finished_at: Option<i64>,
    updated_at: i64,
}
}

const SELECT_FLOW_RUN: &str = "SELECT r.id, r.flow_id, r.flow_name, r.flow_version, r.workflow_id, r.snapshot, r.started_by, r.trigger_block,
        r.trigger, r.payload, r.alert_id, u.target_name AS acting_as, r.rerun_of, r.restart_of, r.restart_from, r.status, r.reason, r.output, r.steps_run, r.wake_at,
        r.created_at, r.started_at, r.finished_at, r.updated_at
    FROM flow_runs r LEFT JOIN users u ON u.id = r.acting_user_id";

crate::row_struct! {
pub(super) struct StepRow {
    pub block_id: String,
    status: String,
    inputs: Option<String>,
    outputs: Option<String>,
    ports: String,
    logs: String,
    error: Option<String>,
    started_at: i64,
    finished_at: Option<i64>,
    due_at: Option<i64>,
}
}

impl StepRow {
    fn status(&self) -> StoreResult<StepStatus> {
        StepStatus::from_key(&self.status).ok_or_else(|| StoreError::Corrupt(format!("step status {}", self.status)))
    }
}

/// A flow run with its graph and a record for every block (statuses of blocks without a
/// stored record come from the planner); `None` when `id` is not a flow run.
pub async fn get_flow_run(store: &Store, id: &str) -> StoreResult<Option<Run>> {
    let row: Option<FlowRunRow> = db::query_as(&format!("{SELECT_FLOW_RUN} WHERE r.id = ?")).bind(id).fetch_optional(store.db()).await?;
    let Some(row) = row else { return Ok(None) };
    let graph_text: String = db::query_scalar("SELECT graph FROM flow_snapshots WHERE hash = ?").bind(&row.snapshot).fetch_one(store.db()).await?;
    let graph: FlowGraph = from_json("flow_snapshots.graph", &graph_text)?;
    let stored: Vec<StepRow> = db::query_as(
        "SELECT block_id, status, inputs, outputs, ports, logs, error, started_at, finished_at, due_at FROM flow_run_steps
         WHERE run_id = ? AND iteration = ''",
    )
    .bind(id)
    .fetch_all(store.db())
    .await?;
    let iterations = block_iterations(store, id).await?;
    let payload: Value = from_json("flow_runs.payload", &row.payload)?;
    let status = RunStatus::from_key(&row.status).ok_or_else(|| StoreError::Corrupt(format!("run status {}", row.status)))?;
    // Only a restart copies records; they started before the restarting run existed.
    let reused_before = row.restart_of.as_ref().map(|_| row.created_at);
    let mut steps = step_records(&graph, &row.trigger_block, &payload, stored, iterations, status, reused_before)?;
    if steps.iter().any(|step| step.step == StepKind::CallFlow.key()) {
        let calls = super::flow_calls::calls_of(store, id).await?;
        for step in steps.iter_mut().filter(|step| step.step == StepKind::CallFlow.key()) {
            let iteration = step.iterations.as_ref().map(|iterations| iterations.shown.clone()).unwrap_or_default();
            // A record a restart reused names the run its first caller started.
            let reused = step.outputs.as_ref().and_then(|outputs| outputs.get("runId")).and_then(Value::as_str).map(str::to_string);
            step.called_run = calls.get(&(step.block_id.clone(), iteration)).cloned().or(reused);
        }
    }
    let called_by = super::flow_calls::called_by(store, id).await?;
    let logs = steps
        .iter()
        .flat_map(|step| step.logs.iter().map(|log| LogLine { at: log.at.clone(), line: format!("{}: {}", step.block_id, log.line) }))
        .collect();
    let started_by = StartedBy::from_key(&row.started_by).ok_or_else(|| StoreError::Corrupt(format!("started_by {}", row.started_by)))?;
    let restarts: Vec<String> =
        db::query_scalar("SELECT id FROM flow_runs WHERE restart_of = ? ORDER BY created_at, id").bind(id).fetch_all(store.db()).await?;
    let restart_of = row.restart_of.clone().zip(row.restart_from.clone()).map(|(run_id, from_step)| RestartOf { run_id, from_step });
    Ok(Some(Run {
        summary: summary_of(&row, status, started_by),
        payload,
        webhook_id: None,
        rerun_of: row.rerun_of.clone(),
        attempts: Vec::new(),
        logs,
        flow: Some(FlowRunDetail {
            flow_id: row.flow_id,
            flow_name: row.flow_name,
            flow_version: row.flow_version,
            workflow_id: row.workflow_id,
            started_by,
            trigger_block: row.trigger_block,
            trigger_key: row.trigger,
            acting_as: row.acting_as,
            started_at: row.started_at.map(clock::rfc3339),
            finished_at: row.finished_at.map(clock::rfc3339),
            output: row.output.map(|text| from_json("flow_runs.output", &text)).transpose()?,
            blocks: graph.blocks,
            edges: graph.edges,
            steps,
            restart_of,
            restarts,
            called_by,
        }),
    }))
}

fn summary_of(row: &FlowRunRow, status: RunStatus, started_by: StartedBy) -> RunSummary {
    RunSummary {
        id: row.id.clone(),
        kind: RunKind::Flow,
        integration_id: None,
        integration_name: row.flow_name.clone(),
        event_identifier: row.alert_id,
        trigger: Trigger::from_key(&row.trigger),
        status,
        reason: row.reason.clone(),
        attempt_count: u32::try_from(row.steps_run).unwrap_or_default(),
        created_at: clock::rfc3339(row.created_at),
        updated_at: clock::rfc3339(row.updated_at),
        next_attempt_at: row.wake_at.map(clock::rfc3339),
        agent_id: None,
        flow_id: row.flow_id.clone(),
        started_by: Some(started_by),
    }
}

/// A record for every block: the stored ones, the trigger's (its outputs are the payload),
/// and the planner's verdict on the rest.
#[allow(clippy::too_many_arguments)]
fn step_records(
    graph: &FlowGraph,
    trigger_block: &str,
    payload: &Value,
    stored: Vec<StepRow>,
    mut iterations: HashMap<String, BlockIterations>,
    run: RunStatus,
    reused_before: Option<i64>,
) -> StoreResult<Vec<StepRecord>> {
    let mut plan = Plan::new(&graph.blocks, &graph.edges);
    let ports = graph.blocks.iter().find(|block| block.id == trigger_block).map(|block| trigger_ports(block, payload)).unwrap_or_default();
    plan.start(trigger_block, ports);
    let mut records: HashMap<String, StepRow> = HashMap::with_capacity(stored.len());
    for step in stored {
        plan.set(&step.block_id, State::of_record(step.status()?, from_json("flow_run_steps.ports", &step.ports)?));
        records.insert(step.block_id.clone(), step);
    }
    // One pass decides the rest: blocks it finds ready have no record yet, so are running.
    plan.advance();
    let finished = matches!(run, RunStatus::Succeeded | RunStatus::Failed);
    let mut out = Vec::with_capacity(graph.blocks.len());
    for (block, state) in plan.states() {
        let step = block.step.clone().or_else(|| block.trigger.clone()).unwrap_or_default();
        let mut record = StepRecord {
            block_id: block.id.clone(),
            step,
            label: block.title(),
            status: state.status(),
            inputs: None,
            outputs: None,
            ports: Vec::new(),
            logs: Vec::new(),
            error: None,
            started_at: None,
            finished_at: None,
            duration_ms: None,
            due_at: None,
            iterations: None,
            called_run: None,
            reused: false,
        };
        if block.id == trigger_block {
            record.outputs = Some(payload.clone());
            if let State::Succeeded(ports) = state {
                record.ports = ports.clone();
            }
        } else if let Some(stored) = records.get(&block.id) {
            fill(&mut record, stored)?;
            record.reused = reused_before.is_some_and(|created_at| stored.started_at < created_at);
        } else if let Some(BlockIterations { summary, shown, waiting }) = iterations.remove(&block.id) {
            // Inside a loop: failed when an iteration failed, else going until the run ends.
            record.status = match (summary.failed > 0, waiting, finished) {
                (true, _, _) => StepStatus::Failed,
                (false, true, false) => StepStatus::Waiting,
                (false, false, false) => StepStatus::Running,
                (false, _, true) => StepStatus::Succeeded,
            };
            fill(&mut record, &shown)?;
            record.iterations = Some(summary);
        } else if let State::Skipped(skip) = state {
            record.error = Some(skip.reason(&graph.blocks));
        } else if finished {
            // The run ended (a step limit, a lost flow) before this block's turn came.
            record.status = StepStatus::Skipped;
            record.error = Some("Not run: the run ended first.".to_string());
        }
        out.push(record);
    }
    Ok(out)
}

/// A block's record from what is stored of it.
fn fill(record: &mut StepRecord, stored: &StepRow) -> StoreResult<()> {
    record.inputs = stored.inputs.as_deref().map(|text| from_json("flow_run_steps.inputs", text)).transpose()?;
    record.outputs = stored.outputs.as_deref().map(|text| from_json("flow_run_steps.outputs", text)).transpose()?;
    record.ports = from_json("flow_run_steps.ports", &stored.ports)?;
    let logs: Vec<(i64, String)> = from_json("flow_run_steps.logs", &stored.logs)?;
    record.logs = logs.into_iter().map(|(at, line)| StepLogLine { at: clock::rfc3339(at), line }).collect();
    record.error = stored.error.clone();
    record.started_at = Some(clock::rfc3339(stored.started_at));
    record.finished_at = stored.finished_at.map(clock::rfc3339);
    record.duration_ms = stored.finished_at.map(|end| u64::try_from(end - stored.started_at).unwrap_or_default());
    record.due_at = stored.due_at.map(clock::rfc3339);
    Ok(())
}

/// Re-runs a finished flow run with the same payload, as a new run of the flow's published
/// version (its draft for a designer test; the original graph when the flow was deleted),
/// acting as `actor`.
pub(crate) async fn rerun_flow_run(store: &Store, id: &str, actor: Option<&Actor>) -> StoreResult<String> {
    let row: Option<FlowRunRow> = db::query_as(&format!("{SELECT_FLOW_RUN} WHERE r.id = ?")).bind(id).fetch_optional(store.db()).await?;
    let row = row.ok_or_else(|| StoreError::NotFound(format!("No run with id {id}.")))?;
    if matches!(row.status.as_str(), "queued" | "pending" | "running") {
        return Err(StoreError::Conflict("This run is still going; wait for it to end before running it again.".into()));
    }
    // A designer test is re-run on the draft, any other run on the published version.
    let edition = if row.started_by == "test" { Edition::Draft } else { Edition::Published };
    let flow = match &row.flow_id {
        Some(flow_id) => runnable_flow(store, flow_id, edition).await?,
        None => {
            let graph_text: String =
                db::query_scalar("SELECT graph FROM flow_snapshots WHERE hash = ?").bind(&row.snapshot).fetch_one(store.db()).await?;
            RunnableFlow::new(
                String::new(),
                row.flow_name.clone(),
                row.flow_version,
                row.workflow_id.clone(),
                String::new(),
                false,
                false,
                graph_text,
                "[]",
            )?
        }
    };
    let trigger_block =
        flow.graph.blocks.iter().find(|block| block.id == row.trigger_block).cloned().ok_or_else(|| {
            StoreError::Conflict(format!("The flow no longer has the trigger block \"{}\" this run started from.", row.trigger_block))
        })?;
    let payload: Value = from_json("flow_runs.payload", &row.payload)?;
    let new = NewFlowRun {
        flow,
        started_by: StartedBy::Rerun,
        trigger_block,
        payload,
        acting_user_id: actor.map(|actor| actor.user_id),
        rerun_of: Some(row.id.clone()),
        chain_depth: 0,
    };
    Ok(create_flow_run(store, new, false).await?.run_id)
}

/// Flow runs' summaries as the run listing reads them (see `runs::list_runs`).
pub(crate) const FLOW_RUN_LISTING: &str = "SELECT 'flow' AS kind, id, NULL AS integration_id, flow_name AS integration_name, alert_id, trigger,
    status, reason, steps_run AS attempt_count, created_at, updated_at, wake_at AS next_attempt_at, NULL AS agent_id, flow_id, started_by,
    workflow_id FROM flow_runs";
