//! Drives one flow run: the pure state machine of `outflow_model::flow_exec` decides, this
//! loop does the IO. Each [`Progress`] the machine answers is committed (its step records,
//! and the run's end with the last of them, in one commit) before the steps it starts run,
//! so a step's record is durable before anything with an effect outside the run starts. A
//! lone quick Script step that calls nothing out runs on the spot first and its record joins
//! that commit (`Driver::run_in_place`). Steps that do IO run as tasks within the per-step
//! timeout; Delays count down here or, when only long waits are left, the run is parked for
//! the worker.
//!
//! Resuming after a crash is the same path: the stored records are fed to the machine, so
//! completed steps are not run again — inside For Each loops too, per iteration; a step
//! that was running when the process died has no record and runs again (a Webhook step
//! re-sends with the same `webhook-id`). A run restarted from a step is resumed the same
//! way from the records it reuses.

use std::{collections::HashMap, panic::AssertUnwindSafe, time::Duration};

use futures::FutureExt;
use outflow_core::{
    clock,
    store::{self, FlowRunJob, Principal, UnwrittenRun},
};
use outflow_model::{
    flow_exec::{Execution, Limits, Outcome, Progress, StepStart},
    flow_runs::Iteration,
    flows::StepKind,
};
use serde_json::Value;
use tokio::task::{Id, JoinSet};
use tracing::Instrument;

use super::{Ending, Engine};
use crate::steps::{self, StepCall, step_for};

/// A run whose open work is only Delays due later than this is parked for the worker.
const PARK_AFTER: Duration = Duration::from_secs(30);

/// Executes `job` until it ends, parks, or cannot go on.
pub async fn execute(engine: &Engine, job: FlowRunJob, unwritten: Option<UnwrittenRun>) -> Ending {
    let span = tracing::info_span!("flow_run", run_id = %job.run_id, flow_id = ?job.flow_id, alert_id = ?job.alert_id);
    async {
        let acting = match engine.acting(&job).await {
            Ok(acting) => acting,
            Err(error) => return Ending::Interrupted(format!("cannot read the acting user: {error}")),
        };
        let limits = Limits { step_limit: engine.settings().step_limit };
        let graph = job.graph.clone();
        let machine =
            Execution::new(&graph.blocks, &graph.edges, &job.trigger_block, job.payload.clone(), job.trigger_ports(), job.steps_run, limits);
        let mut driver = Driver { engine, job: &job, unwritten, acting, machine, tasks: JoinSet::new(), running: HashMap::new() };
        driver.run().await
    }
    .instrument(span)
    .await
}

/// What a task answers: a step that ended, or a Delay that came due.
enum Event {
    Finished { block: String, iteration: Iteration, started_at: i64, inputs: Option<Value>, outcome: Outcome },
    Due { block: String, iteration: Iteration },
}

struct Driver<'a> {
    engine: &'a Engine,
    job: &'a FlowRunJob,
    /// The run itself, while it is not written yet: it goes with the first record.
    unwritten: Option<UnwrittenRun>,
    acting: Option<Principal>,
    machine: Execution<'a>,
    tasks: JoinSet<Event>,
    /// The block (and iteration) each task runs, to name it if the task panics.
    running: HashMap<Id, (String, Iteration)>,
}

impl<'a> Driver<'a> {
    async fn run(&mut self) -> Ending {
        let progress = self.machine.resume(&self.job.steps, clock::now_millis());
        if let Some(ending) = self.apply(progress).await {
            return ending;
        }
        loop {
            let park_after = i64::try_from(PARK_AFTER.as_millis()).unwrap_or(i64::MAX);
            if let Some(wake_at) = self.machine.park_until(clock::now_millis(), park_after) {
                self.tasks.abort_all();
                return match store::park_flow_run(&self.engine.runtime().store, &self.job.run_id, wake_at).await {
                    Ok(()) => Ending::Parked,
                    Err(error) => Ending::Interrupted(format!("cannot park the run: {error}")),
                };
            }
            let Some(event) = self.next_event().await else {
                return Ending::Interrupted("the run has nothing in flight and did not end".into());
            };
            let now = clock::now_millis();
            let progress = match event {
                Event::Finished { block, iteration, started_at, inputs, outcome } => {
                    self.machine.finished(&block, &iteration, started_at, inputs, outcome, now)
                }
                Event::Due { block, iteration } => self.machine.delay_due(&block, &iteration, now),
            };
            if let Some(ending) = self.apply(progress).await {
                return ending;
            }
        }
    }

    /// Commits a progress's records (and end), then starts its steps and count-downs;
    /// answers how the execution stopped, if it did.
    async fn apply(&mut self, progress: Progress<'a>) -> Option<Ending> {
        let (Progress { records, start, count_down, end }, held) = self.run_in_place(progress).await;
        let ending = end.as_ref().map(|end| Ending::Finished { status: end.status, reason: end.reason.clone(), output: end.output.clone() });
        if !records.is_empty() || end.is_some() {
            let unwritten = self.unwritten.take();
            let steps_run = self.machine.steps_run();
            match store::record_flow_steps(&self.engine.runtime().store, self.job, &records, steps_run, end, unwritten).await {
                Ok(true) => {}
                Ok(false) => {
                    return Some(Ending::Interrupted("the run ended by another hand, or another instance holds its lease now".into()));
                }
                Err(error) => return Some(Ending::Interrupted(format!("cannot record steps: {error}"))),
            }
        }
        if ending.is_some() {
            return ending;
        }
        for (block, iteration, due_at) in count_down {
            self.count_down(block, iteration, due_at);
        }
        if let Some((call, recorded)) = held {
            self.spawn_call(call, recorded);
        }
        for step in start {
            self.spawn(step);
        }
        None
    }

    /// The next task's event; a panicked task counts as its step failing.
    async fn next_event(&mut self) -> Option<Event> {
        let joined = self.tasks.join_next_with_id().await?;
        Some(match joined {
            Ok((id, event)) => {
                self.running.remove(&id);
                event
            }
            Err(error) => {
                let (block, iteration) = self.running.remove(&error.id()).unwrap_or_default();
                let outcome = Outcome::failed(format!("The step stopped unexpectedly: {error}"));
                Event::Finished { block, iteration, started_at: clock::now_millis(), inputs: None, outcome }
            }
        })
    }

    fn count_down(&mut self, block: String, iteration: Iteration, due_at: i64) {
        let wait = Duration::from_millis(u64::try_from(due_at - clock::now_millis()).unwrap_or(0));
        let name = (block.clone(), iteration.clone());
        let task = self.tasks.spawn(async move {
            tokio::time::sleep(wait).await;
            Event::Due { block, iteration }
        });
        self.running.insert(task.id(), name);
    }

    /// While a progress has records to commit and starts one lone step that turns out to have
    /// no effect outside the run (`steps::run_in_place`), runs that step here and adds what
    /// follows it: its record then joins the earlier ones in one commit, still before anything
    /// with an effect starts. After a crash before that commit, both run again, as a step
    /// that was running does. A step that could not run here comes back, ready to be spawned
    /// once the records are committed (nothing of it left the run).
    async fn run_in_place(&mut self, mut progress: Progress<'a>) -> (Progress<'a>, Option<(StepCall, Value)>) {
        while !progress.records.is_empty() && progress.end.is_none() && progress.count_down.is_empty() {
            let [step] = progress.start.as_slice() else { break };
            if !steps::may_run_in_place(&step.block.step_kind()) {
                break;
            }
            let Some(step) = progress.start.pop() else { break };
            let (call, recorded) = self.call(step);
            let span = tracing::info_span!("step", block_id = %call.block.id, iteration = %call.iteration.key());
            let ran = AssertUnwindSafe(steps::run_in_place(self.engine, &call)).catch_unwind().instrument(span).await;
            let Ok(Some(outcome)) = ran else { return (progress, Some((call, recorded))) };
            let next = self.machine.finished(&call.block.id, &call.iteration, call.started_at, Some(recorded), outcome, clock::now_millis());
            progress.records.extend(next.records);
            progress = Progress { records: progress.records, ..next };
        }
        (progress, None)
    }

    fn spawn(&mut self, step: StepStart<'a>) {
        let (call, recorded) = self.call(step);
        self.spawn_call(call, recorded);
    }

    fn spawn_call(&mut self, call: StepCall, recorded: Value) {
        let name = (call.block.id.clone(), call.iteration.clone());
        let started_at = call.started_at;
        let engine = self.engine.clone();
        let span = tracing::info_span!("step", block_id = %call.block.id, iteration = %call.iteration.key());
        let task = self.tasks.spawn(
            async move {
                let outcome = run_step(&engine, &call).await;
                Event::Finished { block: call.block.id, iteration: call.iteration, started_at, inputs: Some(recorded), outcome }
            }
            .instrument(span),
        );
        self.running.insert(task.id(), name);
    }

    /// What a step runs with, and what its record keeps of its inputs.
    fn call(&self, step: StepStart<'a>) -> (StepCall, Value) {
        let StepStart { block, iteration, inputs, settings, resolver, started_at, recorded } = step;
        let call = StepCall {
            run_id: self.job.run_id.clone(),
            origin_run_id: self.job.origin_run_id.clone(),
            block: block.clone(),
            iteration,
            inputs,
            settings,
            resolver,
            payload_json: self.job.payload_json.clone(),
            workflow_id: self.job.workflow_id.clone(),
            acting: self.acting.clone(),
            started_at,
            call_depth: self.job.call_depth,
            chain_depth: self.job.chain_depth,
            acting_user_id: self.job.acting_user_id,
            alert_id: self.job.alert_id,
        };
        (call, recorded)
    }
}

/// Runs a step of its type within the per-step timeout; a Call Flow step waits for its run
/// as long as that takes (the called flow's steps have their own timeouts).
async fn run_step(engine: &Engine, call: &StepCall) -> Outcome {
    let kind = call.block.step_kind();
    let step = match step_for(&kind) {
        Ok(step) => step,
        Err(error) => return Outcome::failed(error),
    };
    if kind == StepKind::CallFlow {
        return step.run(engine, call).await;
    }
    let timeout = engine.settings().step_timeout;
    match tokio::time::timeout(timeout, step.run(engine, call)).await {
        Ok(outcome) => outcome,
        Err(_) => Outcome::failed(format!("The step did not finish within {} s (the per-step timeout).", timeout.as_secs_f64())),
    }
}
