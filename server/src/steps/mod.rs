//! The step types of flows, one file each, behind one trait: a [`Step`] gets its block with
//! resolved inputs and settings ([`StepCall`]) and answers a [`StepOutcome`]. Steps do no
//! bookkeeping: the executor resolves placeholders, applies the per-step timeout, and
//! records what the step answers before anything after it starts.
//!
//! Outflow steps (Create Alert, Add Comment, Change Alert Status, Get Alerts) are adapters
//! over the operations layer (`outflow_core::ops`), acting for the run's acting user with
//! the rights a flow may borrow (see README, "What a script or flow may do"): the same rules,
//! and the same answers, as the REST routes doing the same.

mod add_comment;
mod change_alert_status;
mod condition;
mod create_alert;
mod delay;
mod get_alerts;
mod merge;
mod script;
mod switch;
mod webhook;

use std::sync::Arc;

use futures::future::BoxFuture;
use outflow_core::{clock, store::Principal};
use outflow_model::flows::Block;
use serde_json::{Map, Value};

use crate::engine::{
    Engine,
    resolve::{Resolver, as_text},
};

/// Log lines of a step: when, and what.
pub type Logs = Vec<(i64, String)>;

/// One step to run: its block, resolved inputs and settings, and whom it acts for.
pub struct StepCall {
    pub run_id: String,
    pub block: Block,
    /// The block's inputs with placeholders resolved.
    pub inputs: Map<String, Value>,
    /// Its text settings with placeholders resolved; the other settings as saved.
    pub settings: Map<String, Value>,
    /// For steps that resolve more themselves (a Condition's comparisons).
    pub resolver: Resolver,
    /// The run's trigger payload, as JSON.
    pub payload_json: Arc<str>,
    pub workflow_id: String,
    /// Whose rights Outflow steps act with (already bounded as a flow's); `None` when the
    /// run acts for nobody.
    pub acting: Option<Principal>,
    pub started_at: i64,
}

impl StepCall {
    /// A resolved setting as text.
    pub fn setting(&self, key: &str) -> String {
        self.settings.get(key).map(|value| as_text(value).trim().to_string()).unwrap_or_default()
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

/// How a step ended.
pub enum StepOutcome {
    /// Succeeded with its outputs; `ports` are the output ports it activates (`None`: all).
    Done { outputs: Map<String, Value>, ports: Option<Vec<String>>, logs: Logs },
    /// A Delay: continue at this time (ms).
    Wait { until: i64 },
    /// Failed; the failure stops its path and fails the run.
    Failed { error: String, logs: Logs },
}

/// What an Outflow step produced: its outputs and log lines.
pub type Done = (Map<String, Value>, Logs);

impl From<Result<Done, String>> for StepOutcome {
    fn from(result: Result<Done, String>) -> StepOutcome {
        match result {
            Ok((outputs, logs)) => StepOutcome::done(outputs, logs),
            Err(error) => StepOutcome::failed(error),
        }
    }
}

impl StepOutcome {
    pub fn done(outputs: Map<String, Value>, logs: Logs) -> StepOutcome {
        StepOutcome::Done { outputs, ports: None, logs }
    }

    pub fn failed(error: impl Into<String>) -> StepOutcome {
        StepOutcome::Failed { error: error.into(), logs: Vec::new() }
    }
}

/// A step type.
pub trait Step: Sync {
    fn run<'a>(&'a self, engine: &'a Engine, call: &'a StepCall) -> BoxFuture<'a, StepOutcome>;
}

/// A step type whose work is one `act` function answering outputs and log, or why not
/// (the Outflow steps).
macro_rules! acting_step {
    ($name:ident, $module:ident) => {
        struct $name;

        impl Step for $name {
            fn run<'a>(&'a self, engine: &'a Engine, call: &'a StepCall) -> BoxFuture<'a, StepOutcome> {
                Box::pin(async move { $module::act(engine, call).await.into() })
            }
        }
    };
}

acting_step!(CreateAlert, create_alert);
acting_step!(AddComment, add_comment);
acting_step!(ChangeAlertStatus, change_alert_status);
acting_step!(GetAlerts, get_alerts);

/// The implementation of a step type of the catalogue.
pub fn step_for(key: &str) -> Option<&'static dyn Step> {
    Some(match key {
        "webhook" => &webhook::Webhook,
        "script" => &script::Script,
        "switch" => &switch::Switch,
        "condition" => &condition::Condition,
        "merge" => &merge::Merge,
        "delay" => &delay::Delay,
        "create_alert" => &CreateAlert,
        "add_comment" => &AddComment,
        "change_alert_status" => &ChangeAlertStatus,
        "get_alerts" => &GetAlerts,
        _ => return None,
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
