//! Script: a custom step. Its declared inputs reach the script as `input['name']` (resolved
//! values: a lone placeholder keeps its JSON type), it sets `output['name']` for its
//! declared outputs, and it runs in the integrations' sandbox with the same limits,
//! `console.log` capture, constants, libraries and `http.request`. A failing script fails
//! the step with the engine's message and line: run data, not a server error.

use futures::future::BoxFuture;
use serde_json::{Map, Value};

use outflow_model::{flow_exec::Outcome, flows::StepSettings};

use super::{Step, StepCall, StepEnv, line};
use crate::runtime::ScriptTask;

pub struct Script;

impl Step for Script {
    fn run<'a>(&'a self, env: &'a dyn StepEnv, call: &'a StepCall) -> BoxFuture<'a, Outcome> {
        Box::pin(async move {
            let StepSettings::Script(settings) = &call.settings else { return Outcome::failed("A script step needs a script's settings.") };
            let input: Map<String, Value> =
                settings.inputs.iter().map(|name| (name.clone(), call.inputs.get(name).cloned().unwrap_or(Value::Null))).collect();
            let task = ScriptTask {
                source: settings.source.clone(),
                payload_json: call.payload_json.to_string(),
                input_json: Some(Value::Object(input).to_string()),
            };
            let runtime = env.runtime();
            let mut limits = runtime.script_limits;
            limits.wall_time = limits.wall_time.min(env.step_timeout());
            let ran = match env.shared(&call.workflow_id).await {
                Ok(shared) => runtime.run_script(&call.workflow_id, call.acting.clone(), shared, task, limits).await.ran,
                Err(error) => Err(error),
            };
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
        })
    }
}
