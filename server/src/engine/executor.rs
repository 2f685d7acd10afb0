//! Executes one flow run. The planner says which blocks may start; each becomes a task
//! (independent paths run concurrently) with its placeholders resolved and the per-step
//! timeout around it. When a step finishes, its record (resolved inputs, outputs, ports,
//! logs, timings) is committed before any block after it starts; the last record and the
//! run's end share one commit. A Delay is recorded as waiting with its due time and
//! counted down here, or, when only long waits are left, the run is parked for the worker.
//!
//! Resuming after a crash is the same path: the stored records are fed to the planner, so
//! completed steps are not run again; a step that was running when the process died has no
//! record and runs again (a Webhook step re-sends with the same `webhook-id`).

use std::{collections::HashMap, sync::Arc, time::Duration};

use outflow_core::{
    clock,
    store::{self, FlowRunJob, Principal, RunEnd, StepWrite, UnwrittenRun},
};
use outflow_model::{
    flow_plan::{Plan, State},
    flow_runs::StepStatus,
    flows::{Block, BlockType, SettingKind, upstream},
    runs::RunStatus,
};
use serde_json::{Map, Value};
use tokio::task::{Id, JoinSet};
use tracing::Instrument;

use super::{Ending, Engine, resolve::Resolver};
use crate::steps::{Logs, StepCall, StepOutcome, step_for};

/// A run whose open work is only Delays due later than this is parked for the worker.
const PARK_AFTER: Duration = Duration::from_secs(30);
/// Largest outputs (as JSON) a step may leave; later steps and the run record hold them.
const MAX_OUTPUT_BYTES: usize = 1024 * 1024;
/// Log lines kept per step, and characters per line.
const MAX_LOG_LINES: usize = 500;
const MAX_LOG_CHARS: usize = 2_000;

/// Executes `job` until it ends, parks, or cannot go on.
pub async fn execute(engine: &Engine, job: FlowRunJob, unwritten: Option<UnwrittenRun>) -> Ending {
    let span = tracing::info_span!("flow_run", run_id = %job.run_id, flow_id = ?job.flow_id, alert_id = ?job.alert_id);
    async {
        let acting = match engine.acting(&job).await {
            Ok(acting) => acting,
            Err(error) => return Ending::Interrupted(format!("cannot read the acting user: {error}")),
        };
        let graph = job.graph.clone();
        let mut execution = Execution {
            engine,
            job: &job,
            unwritten,
            plan: Plan::new(&graph.blocks, &graph.edges),
            by_id: graph.blocks.iter().map(|block| (block.id.as_str(), block)).collect(),
            outputs: HashMap::new(),
            acting,
            steps_run: job.steps_run,
            last: None,
            failure: None,
            stop: None,
            tasks: JoinSet::new(),
            running: HashMap::new(),
            waiting: HashMap::new(),
        };
        execution.run().await
    }
    .instrument(span)
    .await
}

/// What a step task answers.
struct Finished {
    block: String,
    started_at: i64,
    inputs: Option<Value>,
    outcome: StepOutcome,
}

struct Execution<'a> {
    engine: &'a Engine,
    job: &'a FlowRunJob,
    /// The run itself, while it is not written yet: it goes with the first record.
    unwritten: Option<UnwrittenRun>,
    plan: Plan<'a>,
    by_id: HashMap<&'a str, &'a Block>,
    /// Outputs of the blocks that succeeded (the trigger's are the payload).
    outputs: HashMap<String, Arc<Value>>,
    acting: Option<Principal>,
    steps_run: i64,
    /// When the step that finished last did, and its outputs: the run's result.
    last: Option<(i64, Arc<Value>)>,
    /// The first failed step: its title and error.
    failure: Option<(String, String)>,
    /// Why no more steps start (the step limit).
    stop: Option<String>,
    tasks: JoinSet<Finished>,
    /// The block each task runs, to name it if the task panics.
    running: HashMap<Id, String>,
    /// Delays counting down: block and due time.
    waiting: HashMap<String, i64>,
}

impl<'a> Execution<'a> {
    async fn run(&mut self) -> Ending {
        self.plan.start(&self.job.trigger_block, self.job.trigger_ports());
        self.outputs.insert(self.job.trigger_block.clone(), self.job.payload.clone());
        for stored in &self.job.steps {
            match stored.status {
                StepStatus::Waiting => {
                    self.plan.set(&stored.block_id, State::Waiting);
                    self.count_down(&stored.block_id, stored.started_at, stored.due_at.unwrap_or_default());
                }
                StepStatus::Succeeded => {
                    self.plan.set(&stored.block_id, State::Succeeded(stored.ports.clone()));
                    let outputs = Arc::new(stored.outputs.clone().unwrap_or_else(|| Value::Object(Map::new())));
                    self.note_output(stored.finished_at.unwrap_or(stored.started_at), outputs.clone());
                    self.outputs.insert(stored.block_id.clone(), outputs);
                }
                _ => {
                    self.plan.set(&stored.block_id, State::Failed);
                    self.note_failure(&stored.block_id, stored.error.clone().unwrap_or_default());
                }
            }
        }
        let ready = self.plan.advance();
        self.spawn_all(ready);
        loop {
            if self.tasks.is_empty() {
                return self.finish(Vec::new()).await;
            }
            if let Some(wake_at) = self.only_long_waits() {
                self.tasks.abort_all();
                return match store::park_flow_run(&self.engine.context().pool, &self.job.run_id, wake_at).await {
                    Ok(()) => Ending::Parked,
                    Err(error) => Ending::Interrupted(format!("cannot park the run: {error}")),
                };
            }
            let Some(finished) = self.next_finished().await else { continue };
            let Some(write) = self.take(finished) else { continue };
            let ready = self.plan.advance();
            if ready.is_empty() && self.tasks.is_empty() {
                return self.finish(vec![write]).await;
            }
            // Committed before any block after it starts.
            if let Err(ending) = self.store(vec![write], None).await {
                return ending;
            }
            self.spawn_all(ready);
        }
    }

    /// The next step to finish; a panicked task counts as its step failing.
    async fn next_finished(&mut self) -> Option<Finished> {
        let joined = self.tasks.join_next_with_id().await?;
        let (id, finished) = match joined {
            Ok((id, finished)) => (id, finished),
            Err(error) => {
                let block = self.running.remove(&error.id()).unwrap_or_default();
                let outcome = StepOutcome::failed(format!("The step stopped unexpectedly: {error}"));
                return Some(Finished { block, started_at: clock::now_millis(), inputs: None, outcome });
            }
        };
        self.running.remove(&id);
        Some(finished)
    }

    /// Applies a finished step to the plan; answers the record to store (none for a Delay
    /// whose waiting record is already stored and that now counts down).
    fn take(&mut self, finished: Finished) -> Option<StepWrite> {
        let Finished { block, started_at, inputs, outcome } = finished;
        let now = clock::now_millis();
        let mut write = StepWrite {
            block_id: block.clone(),
            status: StepStatus::Succeeded,
            inputs,
            outputs: None,
            ports: Vec::new(),
            logs: Vec::new(),
            error: None,
            started_at,
            finished_at: Some(now),
            due_at: None,
        };
        match outcome {
            StepOutcome::Wait { until } => {
                self.plan.set(&block, State::Waiting);
                self.count_down(&block, started_at, until);
                write.status = StepStatus::Waiting;
                write.finished_at = None;
                write.due_at = Some(until);
                return Some(write);
            }
            StepOutcome::Done { outputs, ports, logs } => {
                self.waiting.remove(&block);
                let outputs = Value::Object(outputs);
                let size = outputs.to_string().len();
                if size > MAX_OUTPUT_BYTES {
                    let error = format!("The step's outputs are {} KiB; at most {} KiB are kept.", size / 1024, MAX_OUTPUT_BYTES / 1024);
                    return Some(self.failed(write, error, logs));
                }
                let ports = ports.unwrap_or_else(|| self.by_id.get(block.as_str()).map(|block| block.out_ports(&[])).unwrap_or_default());
                let outputs = Arc::new(outputs);
                self.plan.set(&block, State::Succeeded(ports.clone()));
                self.note_output(now, outputs.clone());
                self.outputs.insert(block, outputs.clone());
                write.outputs = Some((*outputs).clone());
                write.ports = ports;
                write.logs = bounded(logs);
            }
            StepOutcome::Failed { error, logs } => return Some(self.failed(write, error, logs)),
        }
        Some(write)
    }

    fn failed(&mut self, mut write: StepWrite, error: String, logs: Logs) -> StepWrite {
        self.waiting.remove(&write.block_id);
        self.plan.set(&write.block_id, State::Failed);
        self.note_failure(&write.block_id, error.clone());
        write.status = StepStatus::Failed;
        write.error = Some(error);
        write.logs = bounded(logs);
        write
    }

    fn note_output(&mut self, finished_at: i64, outputs: Arc<Value>) {
        if self.last.as_ref().is_none_or(|(last, _)| finished_at >= *last) {
            self.last = Some((finished_at, outputs));
        }
    }

    fn note_failure(&mut self, block: &str, error: String) {
        if self.failure.is_none() {
            let title = self.by_id.get(block).map_or_else(|| block.to_string(), |block| block.title());
            self.failure = Some((title, error));
        }
    }

    /// Stores step records (and, with `end`, how the run ended) in one commit.
    async fn store(&mut self, writes: Vec<StepWrite>, end: Option<RunEnd>) -> Result<(), Ending> {
        let unwritten = self.unwritten.take();
        match store::record_flow_steps(&self.engine.context().pool, &self.job.run_id, &writes, self.steps_run, end, unwritten).await {
            Ok(true) => Ok(()),
            Ok(false) => Err(Ending::Interrupted("the run was ended elsewhere".into())),
            Err(error) => Err(Ending::Interrupted(format!("cannot record steps: {error}"))),
        }
    }

    /// Ends the run, storing the last records with its end.
    async fn finish(&mut self, writes: Vec<StepWrite>) -> Ending {
        let end = self.end();
        let ending = Ending::Finished { status: end.status, reason: end.reason.clone(), output: end.output.clone() };
        match self.store(writes, Some(end)).await {
            Ok(()) => ending,
            Err(interrupted) => interrupted,
        }
    }

    fn end(&self) -> RunEnd {
        let reason = self.stop.clone().or_else(|| self.failure.as_ref().map(|(title, error)| format!("\"{title}\" failed: {error}")));
        let status = if reason.is_some() { RunStatus::Failed } else { RunStatus::Succeeded };
        RunEnd { status, reason, output: self.last.as_ref().map(|(_, output)| (**output).clone()) }
    }

    /// When every task in flight is a Delay due after [`PARK_AFTER`], the earliest due time.
    fn only_long_waits(&self) -> Option<i64> {
        if self.waiting.is_empty() || self.waiting.len() < self.tasks.len() {
            return None;
        }
        let earliest = *self.waiting.values().min()?;
        (earliest - clock::now_millis() > i64::try_from(PARK_AFTER.as_millis()).unwrap_or(i64::MAX)).then_some(earliest)
    }

    fn count_down(&mut self, block: &str, started_at: i64, due_at: i64) {
        self.waiting.insert(block.to_string(), due_at);
        let id = block.to_string();
        let wait = Duration::from_millis(u64::try_from(due_at - clock::now_millis()).unwrap_or(0));
        let task = self.tasks.spawn(async move {
            tokio::time::sleep(wait).await;
            Finished { block: id, started_at, inputs: None, outcome: StepOutcome::done(Map::new(), Vec::new()) }
        });
        self.running.insert(task.id(), block.to_string());
    }

    fn spawn_all(&mut self, ready: Vec<&'a Block>) {
        for block in ready {
            let limit = self.engine.settings().step_limit;
            if self.stop.is_none() && self.steps_run >= limit {
                self.stop = Some(format!("The run stopped: it reached the limit of {limit} steps per run."));
            }
            if self.stop.is_some() {
                continue;
            }
            self.steps_run += 1;
            self.spawn(block);
        }
    }

    fn spawn(&mut self, block: &'a Block) {
        let started_at = clock::now_millis();
        let resolver = self.resolver_for(block);
        let mut recorded = Map::new();
        let mut unresolved = None;
        let mut inputs = Map::new();
        for (key, text) in &block.inputs {
            match resolver.resolve(text) {
                Ok(value) => {
                    recorded.insert(key.clone(), value.clone());
                    inputs.insert(key.clone(), value);
                }
                Err(error) => {
                    unresolved.get_or_insert(error);
                }
            }
        }
        let mut settings = block.settings.clone();
        if let Some(BlockType::Step(spec)) = block.block_type() {
            for setting in spec.settings.iter().filter(|setting| setting.kind == SettingKind::Text) {
                let Some(Value::String(text)) = block.settings.get(setting.key) else { continue };
                if !text.contains("${") {
                    continue;
                }
                match resolver.resolve(text) {
                    Ok(value) => {
                        recorded.insert(setting.key.to_string(), value.clone());
                        settings.insert(setting.key.to_string(), value);
                    }
                    Err(error) => {
                        unresolved.get_or_insert(error);
                    }
                }
            }
        }
        let recorded = Some(Value::Object(recorded));
        let id = block.id.clone();
        let span = tracing::info_span!("step", block_id = %block.id);
        let task = match unresolved {
            Some(error) => self.tasks.spawn(async move { Finished { block: id, started_at, inputs: recorded, outcome: StepOutcome::failed(error) } }),
            None => {
                let call = StepCall {
                    run_id: self.job.run_id.clone(),
                    block: block.clone(),
                    inputs,
                    settings,
                    resolver,
                    payload_json: self.job.payload_json.clone(),
                    workflow_id: self.job.workflow_id.clone(),
                    acting: self.acting.clone(),
                    started_at,
                };
                let engine = self.engine.clone();
                self.tasks.spawn(
                    async move {
                        let outcome = run_step(&engine, &call).await;
                        Finished { block: id, started_at, inputs: recorded, outcome }
                    }
                    .instrument(span),
                )
            }
        };
        self.running.insert(task.id(), block.id.clone());
    }

    /// What `block`'s placeholders may use: the outputs of the blocks upstream of it.
    fn resolver_for(&self, block: &Block) -> Resolver {
        let mut resolver = Resolver::default();
        for id in upstream(&block.id, &self.job.graph.edges) {
            if let Some(output) = self.outputs.get(&id) {
                resolver.outputs.insert(id.clone(), output.clone());
            }
            let title = self.by_id.get(id.as_str()).map_or_else(|| id.clone(), |block| block.title());
            resolver.upstream.insert(id, title);
        }
        resolver
    }
}

/// Runs a step of its type within the per-step timeout.
async fn run_step(engine: &Engine, call: &StepCall) -> StepOutcome {
    let key = call.block.step.as_deref().unwrap_or_default();
    let Some(step) = step_for(key) else {
        return StepOutcome::failed(format!("\"{key}\" is not a step type this server knows."));
    };
    let timeout = engine.settings().step_timeout;
    match tokio::time::timeout(timeout, step.run(engine, call)).await {
        Ok(outcome) => outcome,
        Err(_) => StepOutcome::failed(format!("The step did not finish within {} s (the per-step timeout).", timeout.as_secs_f64())),
    }
}

/// Log lines cut to what a record keeps.
fn bounded(mut logs: Logs) -> Logs {
    let cut = logs.len().saturating_sub(MAX_LOG_LINES);
    logs.truncate(MAX_LOG_LINES);
    for (_, line) in &mut logs {
        if line.chars().count() > MAX_LOG_CHARS {
            *line = line.chars().take(MAX_LOG_CHARS).chain("…".chars()).collect();
        }
    }
    if cut > 0 {
        logs.push((clock::now_millis(), format!("({cut} more log lines were cut)")));
    }
    logs
}
