//! Flow runs on the wire: how a run was started, the record of each step (resolved
//! inputs, outputs, logs, timings), and what starting a run takes and answers. The
//! Activity view reads these; `flow_plan` derives the statuses of blocks without a record.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::flows::{Block, Edge};

/// What started a flow run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum StartedBy {
    /// A trigger event of an alert (status, comment, responses, …).
    Trigger,
    /// The flow's HTTP trigger URL.
    Http,
    /// `POST /api/v1/flows/{id}/runs`.
    Api,
    /// "Test flow" in the designer, on a sample payload.
    Test,
    /// A re-run of an earlier run with the same payload.
    Rerun,
    /// A Call Flow step of another run.
    Call,
    /// The flow's Schedule trigger, at a due time.
    Schedule,
}

impl StartedBy {
    pub const ALL: [StartedBy; 7] =
        [StartedBy::Trigger, StartedBy::Http, StartedBy::Api, StartedBy::Test, StartedBy::Rerun, StartedBy::Call, StartedBy::Schedule];

    pub fn key(self) -> &'static str {
        match self {
            StartedBy::Trigger => "trigger",
            StartedBy::Http => "http",
            StartedBy::Api => "api",
            StartedBy::Test => "test",
            StartedBy::Rerun => "rerun",
            StartedBy::Call => "call",
            StartedBy::Schedule => "schedule",
        }
    }

    pub fn from_key(key: &str) -> Option<StartedBy> {
        StartedBy::ALL.into_iter().find(|started| started.key() == key)
    }
}

/// Where one block of a run stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum StepStatus {
    /// Waits for blocks upstream of it.
    Pending,
    Running,
    /// A Delay counting down to `dueAt`.
    Waiting,
    Succeeded,
    Failed,
    /// Not on an active path (an inactive port, another trigger), or after a failure upstream.
    Skipped,
}

impl StepStatus {
    pub fn key(self) -> &'static str {
        match self {
            StepStatus::Pending => "pending",
            StepStatus::Running => "running",
            StepStatus::Waiting => "waiting",
            StepStatus::Succeeded => "succeeded",
            StepStatus::Failed => "failed",
            StepStatus::Skipped => "skipped",
        }
    }

    pub fn from_key(key: &str) -> Option<StepStatus> {
        [StepStatus::Pending, StepStatus::Running, StepStatus::Waiting, StepStatus::Succeeded, StepStatus::Failed, StepStatus::Skipped]
            .into_iter()
            .find(|status| status.key() == key)
    }

    /// Whether the block is done with, one way or another.
    pub fn is_final(self) -> bool {
        matches!(self, StepStatus::Succeeded | StepStatus::Failed | StepStatus::Skipped)
    }
}

/// Which iteration of the For Each loops around a block a step record belongs to: one item
/// index per loop, outermost first; empty outside every loop. Stored as text (`3/0`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Iteration(pub Vec<u32>);

impl Iteration {
    /// Outside every loop.
    pub const ROOT: Iteration = Iteration(Vec::new());

    /// The iteration `index` of a loop inside this one.
    pub fn child(&self, index: u32) -> Iteration {
        let mut path = self.0.clone();
        path.push(index);
        Iteration(path)
    }

    /// The iteration of the loop around this one (the root's is the root).
    pub fn parent(&self) -> Iteration {
        Iteration(self.0[..self.0.len().saturating_sub(1)].to_vec())
    }

    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }

    /// As stored and shown: the indexes joined by `/`, empty for the root.
    pub fn key(&self) -> String {
        self.0.iter().map(u32::to_string).collect::<Vec<_>>().join("/")
    }

    pub fn from_key(key: &str) -> Option<Iteration> {
        if key.is_empty() {
            return Some(Iteration::ROOT);
        }
        key.split('/').map(|index| index.parse().ok()).collect::<Option<Vec<u32>>>().map(Iteration)
    }
}

/// One log line of a step.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct StepLogLine {
    pub at: String,
    pub line: String,
}

/// One block of a run: what it was given, what it produced, and when.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct StepRecord {
    pub block_id: String,
    /// The step type or trigger key (`webhook`, `script`, `status`, `http`, …).
    pub step: String,
    pub label: String,
    pub status: StepStatus,
    /// Inputs (and placeholder-bearing settings) with every `${…}` resolved.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub inputs: Option<Value>,
    /// Outputs by name, as later steps reference them (a trigger's are its payload fields).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub outputs: Option<Value>,
    /// The output ports it activated (a Switch's matching case, a Condition's `true`…).
    #[serde(default)]
    pub ports: Vec<String>,
    #[serde(default)]
    pub logs: Vec<StepLogLine>,
    /// Why it failed, or why it was skipped.
    pub error: Option<String>,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    pub duration_ms: Option<u64>,
    /// When a waiting Delay continues.
    pub due_at: Option<String>,
    /// For a block inside a For Each: how its iterations went. Its other fields are then the
    /// record of one iteration ([`Iterations::shown`]): the first that failed, else the last.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iterations: Option<Iterations>,
    /// For a Call Flow step: the run it started (of the iteration shown).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub called_run: Option<String>,
    /// The record was reused from the run this one restarts: the step did not run again.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub reused: bool,
}

/// How a block inside a For Each fared across its iterations.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Iterations {
    /// Iterations it has a record of.
    pub ran: u64,
    pub failed: u64,
    /// The first failed iterations in item order, at most [`Iterations::LISTED`], as their
    /// item indexes (`3`, or `1/2` for item 2 of an inner loop in item 1 of the outer one).
    pub failed_items: Vec<String>,
    /// The iteration whose record this is.
    pub shown: String,
}

impl Iterations {
    /// Failed iterations listed by index; the rest are counted.
    pub const LISTED: usize = 20;
}

/// The flow side of a run: the graph it runs (as it was when the run started) and a record
/// per block.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct FlowRunDetail {
    /// `None` once the flow was deleted.
    pub flow_id: Option<String>,
    pub flow_name: String,
    pub flow_version: i64,
    pub workflow_id: String,
    pub started_by: StartedBy,
    /// The trigger block that started it.
    pub trigger_block: String,
    /// That block's trigger key (`status`, `responses`, …, or `http`).
    pub trigger_key: String,
    /// Whose rights its Outflow steps act with (see README, "Flow runs").
    pub acting_as: Option<String>,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    /// The result: the outputs of the step that finished last.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub output: Option<Value>,
    pub blocks: Vec<Block>,
    pub edges: Vec<Edge>,
    /// One per block of the graph, in the graph's order.
    pub steps: Vec<StepRecord>,
    /// The run this one restarts, and the step it restarted from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restart_of: Option<RestartOf>,
    /// The runs that restart this one, oldest first.
    #[serde(default)]
    pub restarts: Vec<String>,
    /// The run whose Call Flow step started this one, and that step.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub called_by: Option<CalledBy>,
}

/// The Call Flow step that started a run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CalledBy {
    pub run_id: String,
    /// The Call Flow block.
    pub step: String,
    /// Its iteration, when it is inside a For Each (`3`, `1/2`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub iteration: String,
}

/// What a restarted run restarts (`POST /api/v1/runs/{runId}/restart`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RestartOf {
    pub run_id: String,
    /// The block it ran again from; what ran before it was reused.
    pub from_step: String,
}

/// Restarts a finished flow run from a step (`POST /api/v1/runs/{runId}/restart`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RestartFlowRun {
    /// The block to run again from; by default the step that failed.
    #[serde(default)]
    pub from_step: Option<String>,
}

/// Starts a run of a flow (`POST /api/v1/flows/{id}/runs`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct StartFlowRun {
    /// The trigger block to start from; may be left out when one trigger block has steps.
    #[serde(default)]
    pub trigger: Option<String>,
    /// The trigger payload (a JSON object): the block's outputs.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub payload: Value,
}

/// A test run from the designer: a sample payload for a trigger block, and optionally the
/// designer's unsaved graph (blocks and edges) to run instead of the saved one.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct TestFlowRun {
    #[serde(default)]
    pub trigger: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub payload: Value,
    #[serde(default)]
    pub blocks: Option<Vec<Block>>,
    #[serde(default)]
    pub edges: Option<Vec<Edge>>,
}

/// A payload to test a trigger block with: the newest real one, else the example its
/// trigger would send for an alert of the flow's form.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SamplePayload {
    pub trigger: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub payload: Value,
    pub source: SampleSource,
}

/// Where a sample payload comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub enum SampleSource {
    /// The trigger's last event on the flow's form (or the flow's last HTTP call).
    Event,
    /// Built for a trigger that never fired: a made-up alert of the form, put through the
    /// code that builds real payloads (for the HTTP trigger, an empty call).
    Example,
}

/// Which trigger block a sample payload is for.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
#[serde(rename_all = "camelCase")]
pub struct SampleQuery {
    /// The trigger block's id.
    pub trigger: String,
}

/// The answer to starting a run without waiting for it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct StartedFlowRun {
    pub run_id: String,
    pub status: crate::runs::RunStatus,
}

/// `?wait=true`: wait for the run to end (up to 25 s) and answer with it.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
#[serde(rename_all = "camelCase")]
pub struct WaitQuery {
    #[serde(default)]
    pub wait: bool,
}
