//! Script: a custom step. Its declared inputs reach the script as `input['name']` (resolved
//! values: a lone placeholder keeps its JSON type), it sets `output['name']` for its
//! declared outputs, and it runs in the integrations' sandbox with the same limits,
//! `console.log` capture, constants, libraries and `http.request`. A failing script fails
//! the step with the engine's message and line: run data, not a server error.
//!
//! A quick script that calls nothing out ([`run_in_place`]) may run on the executor's own
//! task, before the records of the steps before it are committed: it has no effect
//! outside the run, so its record joins theirs in one commit.

use futures::future::BoxFuture;
use serde_json::{Map, Value};

use outflow_model::{
    flow_exec::Outcome,
    flows::{ScriptSettings, StepSettings},
};

use super::{Step, StepCall, StepEnv, line};
use crate::{
    delivery::script::{Limits, ScriptRun},
    runtime::ScriptTask,
};

pub struct Script;

impl Step for Script {
    fn run<'a>(&'a self, env: &'a dyn StepEnv, call: &'a StepCall) -> BoxFuture<'a, Outcome> {
        Box::pin(async move {
            let (settings, task, limits) = match prepare(env, call) {
                Ok(prepared) => prepared,
                Err(outcome) => return outcome,
            };
            let ran = match env.shared(&call.workflow_id).await {
                Ok(shared) => env.runtime().run_script(&call.workflow_id, call.acting.clone(), shared, task, limits).await.ran,
                Err(error) => Err(error),
            };
            outcome(settings, ran)
        })
    }
}

/// Runs a Script step on the calling task if it finishes within the inline budget without
/// calling `http.request`: its outcome, or `None` when it must run as a step of its own
/// (then nothing it did left the sandbox).
pub async fn run_in_place(env: &dyn StepEnv, call: &StepCall) -> Option<Outcome> {
    let (settings, task, limits) = prepare(env, call).ok()?;
    let shared = env.shared(&call.workflow_id).await.ok()?;
    let timed = env.runtime().run_script_in_place(&shared, &task, limits)?;
    Some(outcome(settings, timed.ran))
}

/// The step's settings, the script to run with its inputs, and its limits (its wall time
/// bounded by the per-step timeout).
fn prepare<'c>(env: &dyn StepEnv, call: &'c StepCall) -> Result<(&'c ScriptSettings, ScriptTask, Limits), Outcome> {
    let StepSettings::Script(settings) = &call.settings else { return Err(Outcome::failed("A script step needs a script's settings.")) };
    let input: Map<String, Value> =
        settings.inputs.iter().map(|name| (name.clone(), call.inputs.get(name).cloned().unwrap_or(Value::Null))).collect();
    let task = ScriptTask {
        source: settings.source.clone(),
        payload_json: call.payload_json.to_string(),
        input_json: Some(Value::Object(input).to_string()),
    };
    let mut limits = env.runtime().script_limits;
    limits.wall_time = limits.wall_time.min(env.step_timeout());
    Ok((settings, task, limits))
}

/// The step's outcome: the declared outputs the script set, or its failure, with its log.
fn outcome(settings: &ScriptSettings, ran: Result<ScriptRun, String>) -> Outcome {
    let run = match ran {
        Ok(run) => run,
        Err(error) => return Outcome::failed(error),
    };
    let mut logs = run.logs;
    match run.result {
        Ok(output) => {
            let mut set = match output {
                Some(Value::Object(map)) => map,
                _ => Map::new(),
            };
            let declared = &settings.outputs;
            let undeclared: Vec<String> = set.keys().filter(|name| !declared.contains(name)).cloned().collect();
            if !undeclared.is_empty() {
                logs.push(line(format!("Not kept (not declared as outputs): {}", undeclared.join(", "))));
            }
            set.retain(|name, _| declared.contains(name));
            Outcome::done(set, logs)
        }
        Err(error) => Outcome::Failed { error, logs },
    }
}
