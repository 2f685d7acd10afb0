//! Call Flow: runs another flow of the workflow (one that starts with Called by a flow)
//! with the step's declared inputs as its trigger's outputs, and answers that run's result:
//! `output`, the outputs of its last step, and `runId`. The operations layer decides whether
//! the call may happen and writes the called run, linked to this step and iteration; this
//! process executes it and waits for it to end, however long it takes (its steps have their
//! own timeouts). A caller resumed after a crash waits for the run it started before.

use futures::future::BoxFuture;
use outflow_core::{ops::Caller, store::CalledRun};
use outflow_model::{flow_exec::Outcome, flows::StepSettings, runs::RunStatus};
use serde_json::{Map, Value};

use super::{Step, StepCall, StepEnv, line};

pub struct CallFlow;

impl Step for CallFlow {
    fn run<'a>(&'a self, env: &'a dyn StepEnv, call: &'a StepCall) -> BoxFuture<'a, Outcome> {
        Box::pin(async move {
            let StepSettings::CallFlow { flow_id } = &call.settings else { return Outcome::failed("A Call Flow step needs a flow to call.") };
            let inputs: Map<String, Value> = call
                .block
                .names_setting("inputs")
                .into_iter()
                .map(|name| (name.clone(), call.inputs.get(&name).cloned().unwrap_or(Value::Null)))
                .collect();
            let caller = Caller {
                run_id: call.run_id.clone(),
                workflow_id: call.workflow_id.clone(),
                block: call.block.id.clone(),
                iteration: call.iteration.clone(),
                call_depth: call.call_depth,
                chain_depth: call.chain_depth,
                acting_user_id: call.acting_user_id,
                alert_id: call.alert_id,
            };
            let run_id = match env.ops().call_flow(call.acting.as_ref(), &caller, flow_id, inputs).await {
                Ok(CalledRun::Started(job)) => {
                    let run_id = job.run_id.clone();
                    // A queued run goes when its turn under its flow's limit comes.
                    if !job.queued {
                        env.execute(*job);
                    }
                    run_id
                }
                Ok(CalledRun::Existing(run_id)) => run_id,
                Err(error) => return Outcome::failed(error.to_string()),
            };
            let logs = vec![line(format!("Called run {run_id}."))];
            match env.run_end(&run_id).await {
                Ok(end) if end.status == RunStatus::Succeeded => {
                    let output = end.output.filter(Value::is_object).unwrap_or_else(|| Value::Object(Map::new()));
                    Outcome::done(Map::from_iter([("output".to_string(), output), ("runId".to_string(), Value::String(run_id))]), logs)
                }
                Ok(end) => {
                    let reason = end.reason.unwrap_or_else(|| "it failed.".into());
                    Outcome::Failed { error: format!("The called flow's run {run_id} failed: {reason}"), logs }
                }
                Err(error) => Outcome::Failed { error: format!("Cannot read how the called run {run_id} ended: {error}"), logs },
            }
        })
    }
}
