//! The step types of flows that do IO, one file each, behind one trait: a [`Step`] gets its
//! block with resolved inputs and parsed settings ([`StepCall`]) and answers an [`Outcome`].
//! Steps do no bookkeeping: the state machine (`outflow_model::flow_exec`) resolves
//! placeholders, parses settings and runs the pure steps (Switch, Condition, Merge, Delay);
//! the executor applies the per-step timeout and records what the step answers before
//! anything after it starts.
//!
//! Outflow steps (Create Alert, Add Comment, Change Alert Status, Get Alerts) are adapters
//! over the operations layer (`outflow_core::ops`), acting for the run's acting user with
//! the rights a flow may borrow (see README, "What a script or flow may do"): the same rules,
//! and the same answers, as the REST routes doing the same.

mod add_comment;
mod call_flow;
mod change_alert_status;
mod create_alert;
mod get_alerts;
mod script;
mod webhook;

use std::sync::Arc;

use std::time::Duration;

use futures::future::BoxFuture;
use outflow_core::{
    clock,
    ops::Ops,
    store::{FlowRunJob, Principal, RunEnd},
};
use outflow_model::{
    flow_exec::{Logs, Outcome},
    flow_runs::Iteration,
    flows::{Block, Resolver, StepKind, StepSettings, as_text},
};
use serde_json::{Map, Value};

use crate::{
    delivery::script::Shared,
    runtime::{OwnedEndpoint, Runtime},
};

/// One step to run: its block, resolved inputs and parsed settings, and whom it acts for.
pub struct StepCall {
    pub run_id: String,
    /// The first run of this run's chain of restarts (its own id, unless it restarts one).
    pub origin_run_id: String,
    pub block: Block,
    /// Which iteration of the For Each loops around the block.
    pub iteration: Iteration,
    /// The block's inputs with placeholders resolved.
    pub inputs: Map<String, Value>,
    /// Its settings, parsed with placeholders resolved.
    pub settings: StepSettings,
    /// What its placeholders could use.
    pub resolver: Resolver,
    /// The run's trigger payload, as JSON.
    pub payload_json: Arc<str>,
    pub workflow_id: String,
    /// Whose rights Outflow steps act with (already bounded as a flow's); `None` when the
    /// run acts for nobody.
    pub acting: Option<Principal>,
    pub started_at: i64,
    /// How deeply Call Flow steps nest at this run (`ops::Caller`).
    pub call_depth: i64,
    /// The run's chain depth (`ops::chains`).
    pub chain_depth: i64,
    pub acting_user_id: Option<i64>,
    /// The alert the run belongs to, if any.
    pub alert_id: Option<i64>,
}

impl StepCall {
    /// What names this step of this run (and iteration) to the outside, the same across
    /// retries and after a crash: `<run id>_<block id>`, then `_<iteration>` inside a loop.
    pub fn stable_id(&self) -> String {
        self.named_by(&self.run_id)
    }

    /// The same, named by the first run of the chain of restarts, so that it is also the
    /// same in every run restarting it: a Webhook step's `Idempotency-Key`.
    pub fn idempotency_key(&self) -> String {
        self.named_by(&self.origin_run_id)
    }

    fn named_by(&self, run_id: &str) -> String {
        if self.iteration.is_root() { format!("{run_id}_{}", self.block.id) } else { format!("{run_id}_{}_{}", self.block.id, self.iteration.key()) }
    }

    /// A resolved input as text (`""` when absent).
    pub fn input_text(&self, key: &str) -> String {
        self.inputs.get(key).map(|value| as_text(value).into_owned()).unwrap_or_default()
    }

    /// The acting user; else why the step cannot act. What they may do is the operations
    /// layer's to decide.
    pub fn acting(&self) -> Result<&Principal, String> {
        self.acting
            .as_ref()
            .ok_or_else(|| "This step acts as the run's user, and this run acts for nobody (its alert has no active initiating user).".to_string())
    }

    /// The alert named by an input (a number, or text holding one).
    pub fn alert_id(&self, key: &str) -> Result<i64, String> {
        let text = self.input_text(key);
        text.trim().parse().map_err(|_| format!("The input {key} must be an alert's eventIdentifier (a number), not \"{text}\"."))
    }
}

/// What an Outflow step produced: its outputs and log lines.
pub type Done = (Map<String, Value>, Logs);

/// An Outflow step's answer as an outcome.
fn outcome(result: Result<Done, String>) -> Outcome {
    match result {
        Ok((outputs, logs)) => Outcome::done(outputs, logs),
        Err(error) => Outcome::failed(error),
    }
}

/// What steps may use of the engine: the runtime, the operations layer, and its caches.
/// Narrow, so that steps do not depend on the engine that runs them.
pub trait StepEnv: Sync {
    fn runtime(&self) -> &Runtime;
    fn ops(&self) -> &Ops;
    /// Longest one step may take.
    fn step_timeout(&self) -> Duration;
    /// An endpoint of `workflow_id` with its secrets opened, or why it cannot be used.
    fn endpoint<'a>(&'a self, id: &'a str, workflow_id: &'a str) -> BoxFuture<'a, Result<Arc<OwnedEndpoint>, String>>;
    /// A workflow's constants and libraries for its scripts.
    fn shared<'a>(&'a self, workflow_id: &'a str) -> BoxFuture<'a, Result<Arc<Shared>, String>>;
    /// Executes a run a Call Flow step started, in this process.
    fn execute(&self, job: FlowRunJob);
    /// How a run ended, once it has (waiting as long as that takes).
    fn run_end<'a>(&'a self, run_id: &'a str) -> BoxFuture<'a, Result<RunEnd, String>>;
}

/// A step type.
pub trait Step: Sync {
    fn run<'a>(&'a self, env: &'a dyn StepEnv, call: &'a StepCall) -> BoxFuture<'a, Outcome>;
}

/// A step type whose work is one `act` function answering outputs and log, or why not
/// (the Outflow steps).
macro_rules! acting_step {
    ($name:ident, $module:ident) => {
        struct $name;

        impl Step for $name {
            fn run<'a>(&'a self, env: &'a dyn StepEnv, call: &'a StepCall) -> BoxFuture<'a, Outcome> {
                Box::pin(async move { outcome($module::act(env, call).await) })
            }
        }
    };
}

acting_step!(CreateAlert, create_alert);
acting_step!(AddComment, add_comment);
acting_step!(ChangeAlertStatus, change_alert_status);
acting_step!(GetAlerts, get_alerts);

/// Runs a step on the calling task when it turns out to have no effect outside the run (a
/// quick Script step that calls nothing out): its outcome, or `None` when it must run as a
/// step of its own, having done nothing.
pub async fn run_in_place(env: &dyn StepEnv, call: &StepCall) -> Option<Outcome> {
    if may_run_in_place(&call.block.step_kind()) { script::run_in_place(env, call).await } else { None }
}

/// Whether [`run_in_place`] may run a step of this kind.
pub fn may_run_in_place(kind: &StepKind) -> bool {
    *kind == StepKind::Script
}

/// The implementation of a step type that does IO; the pure ones run in the state machine.
pub fn step_for(kind: &StepKind) -> Result<&'static dyn Step, String> {
    Ok(match kind {
        StepKind::Webhook => &webhook::Webhook,
        StepKind::Script => &script::Script,
        StepKind::CreateAlert => &CreateAlert,
        StepKind::AddComment => &AddComment,
        StepKind::ChangeAlertStatus => &ChangeAlertStatus,
        StepKind::GetAlerts => &GetAlerts,
        StepKind::CallFlow => &call_flow::CallFlow,
        StepKind::Switch
        | StepKind::Condition
        | StepKind::Merge
        | StepKind::Delay
        | StepKind::ForEach
        | StepKind::HttpTrigger
        | StepKind::CallTrigger
        | StepKind::ScheduleTrigger => {
            return Err(format!("\"{}\" is not a step that runs on its own.", kind.key()));
        }
        StepKind::Unknown(key) => return Err(format!("\"{key}\" is not a step type this server knows.")),
    })
}

/// A log line stamped now.
pub fn line(text: impl Into<String>) -> (i64, String) {
    (clock::now_millis(), text.into())
}

/// A JSON object given as an object or as text holding one.
pub fn object_input(value: Option<&Value>, what: &str) -> Result<Map<String, Value>, String> {
    match value {
        None => Ok(Map::new()),
        Some(Value::Object(map)) => Ok(map.clone()),
        Some(Value::String(text)) if text.trim().is_empty() => Ok(Map::new()),
        Some(Value::String(text)) => match serde_json::from_str(text) {
            Ok(Value::Object(map)) => Ok(map),
            _ => Err(format!("{what} must be a JSON object, not {text}")),
        },
        Some(other) => Err(format!("{what} must be a JSON object, not {other}")),
    }
}
