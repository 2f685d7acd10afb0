//! One flow run as a pure state machine: events in (a step finished, a Delay came due),
//! commands out (records to commit, steps to start, Delays to count down, how the run
//! ended). No IO, no clock: the driver (the server's `engine::executor`) passes `now`, runs
//! the steps that do IO, and commits each [`Progress`]'s records before it starts that
//! progress's steps, so a step's record is durable before anything after it runs.
//!
//! The steps that are pure functions of their settings and upstream outputs (Switch,
//! Condition, Merge, Delay: [`pure`]) are run here at once, so a chain of them costs no task
//! and no thread crossing. Placeholders are resolved here, settings parsed into
//! [`StepSettings`] here: a step that cannot be resolved or whose settings are wrong fails
//! without being started.
//!
//! Resuming after a crash is the same machine fed the stored records ([`Execution::resume`]):
//! finished steps are not run again; a step that was running has no record and runs again.

mod pure;
#[cfg(test)]
mod tests;

use std::{
    collections::{HashMap, HashSet},
    sync::Arc,
};

use serde_json::{Map, Value};

use crate::{
    flow_plan::{Plan, State},
    flow_runs::StepStatus,
    flows::{Block, BlockType, Edge, Resolver, SettingKind, StepSettings, upstream},
    runs::RunStatus,
};

/// Largest outputs (as JSON) a step may leave; later steps and the run record hold them.
pub const MAX_OUTPUT_BYTES: usize = 1024 * 1024;
/// Log lines kept per step, and characters per line.
pub const MAX_LOG_LINES: usize = 500;
pub const MAX_LOG_CHARS: usize = 2_000;

/// Log lines of a step: when (ms), and what.
pub type Logs = Vec<(i64, String)>;

/// How a step ended.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// Succeeded with its outputs; `ports` are the output ports it activates (`None`: all).
    Done { outputs: Map<String, Value>, ports: Option<Vec<String>>, logs: Logs },
    /// A Delay: continue at this time (ms).
    Wait { until: i64 },
    /// Failed; the failure stops its path and fails the run.
    Failed { error: String, logs: Logs },
}

impl Outcome {
    pub fn done(outputs: Map<String, Value>, logs: Logs) -> Outcome {
        Outcome::Done { outputs, ports: None, logs }
    }

    pub fn failed(error: impl Into<String>) -> Outcome {
        Outcome::Failed { error: error.into(), logs: Vec::new() }
    }
}

/// A step record to store: a finished step, or a Delay that waits.
#[derive(Debug, Clone, PartialEq)]
pub struct StepWrite {
    pub block_id: String,
    /// Waiting, Succeeded or Failed.
    pub status: StepStatus,
    pub inputs: Option<Value>,
    pub outputs: Option<Value>,
    pub ports: Vec<String>,
    pub logs: Logs,
    pub error: Option<String>,
    pub started_at: i64,
    pub finished_at: Option<i64>,
    pub due_at: Option<i64>,
}

/// A step record as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredStep {
    pub block_id: String,
    /// Waiting, Succeeded or Failed.
    pub status: StepStatus,
    pub outputs: Option<Value>,
    pub ports: Vec<String>,
    pub error: Option<String>,
    pub started_at: i64,
    pub finished_at: Option<i64>,
    pub due_at: Option<i64>,
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq)]
pub struct RunEnd {
    /// Succeeded or Failed.
    pub status: RunStatus,
    pub reason: Option<String>,
    pub output: Option<Value>,
}

/// A step the driver is to run (one that does IO: Webhook, Script, the Outflow steps).
#[derive(Debug, Clone)]
pub struct StepStart<'g> {
    pub block: &'g Block,
    /// Its inputs with placeholders resolved.
    pub inputs: Map<String, Value>,
    /// Its settings, parsed with their placeholders resolved.
    pub settings: StepSettings,
    /// What its placeholders could use (a step that resolves more itself).
    pub resolver: Resolver,
    pub started_at: i64,
    /// The resolved inputs and text settings, as its record keeps them.
    pub recorded: Value,
}

/// What one event leads to. The driver commits `records` (with `end`, when set) in one
/// commit, then starts `start` and counts down `count_down`.
#[derive(Debug, Default)]
pub struct Progress<'g> {
    pub records: Vec<StepWrite>,
    pub start: Vec<StepStart<'g>>,
    /// Delays to wake: block and due time (ms).
    pub count_down: Vec<(String, i64)>,
    /// Set once nothing runs or waits any more.
    pub end: Option<RunEnd>,
}

/// Limits a run obeys.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Most steps one run may execute (across resumes).
    pub step_limit: i64,
}

/// One run in progress.
pub struct Execution<'g> {
    plan: Plan<'g>,
    by_id: HashMap<&'g str, &'g Block>,
    edges: &'g [Edge],
    limits: Limits,
    /// Outputs of the blocks that succeeded (the trigger's are the payload).
    outputs: HashMap<String, Arc<Value>>,
    steps_run: i64,
    /// When the step that finished last did, and its outputs: the run's result.
    last: Option<(i64, Arc<Value>)>,
    /// The first failed step: its title and error.
    failure: Option<(String, String)>,
    /// Why no more steps start (the step limit).
    stop: Option<String>,
    /// Steps handed to the driver and not finished.
    running: HashSet<String>,
    /// Delays counting down: block, and when it started and is due.
    waiting: HashMap<String, (i64, i64)>,
    ended: bool,
}

impl<'g> Execution<'g> {
    /// A run of the graph started by `trigger_block` with `payload` (its outputs), with
    /// `ports` active and `steps_run` steps already run.
    pub fn new(
        blocks: &'g [Block],
        edges: &'g [Edge],
        trigger_block: &str,
        payload: Arc<Value>,
        ports: Vec<String>,
        steps_run: i64,
        limits: Limits,
    ) -> Execution<'g> {
        let mut plan = Plan::new(blocks, edges);
        plan.start(trigger_block, ports);
        let mut outputs = HashMap::new();
        outputs.insert(trigger_block.to_string(), payload);
        Execution {
            plan,
            by_id: blocks.iter().map(|block| (block.id.as_str(), block)).collect(),
            edges,
            limits,
            outputs,
            steps_run,
            last: None,
            failure: None,
            stop: None,
            running: HashSet::new(),
            waiting: HashMap::new(),
            ended: false,
        }
    }

    /// Feeds the records stored so far (none for a new run) and starts what may start.
    pub fn resume(&mut self, stored: &[StoredStep], now: i64) -> Progress<'g> {
        let mut progress = Progress::default();
        for step in stored {
            match step.status {
                StepStatus::Waiting => {
                    let due_at = step.due_at.unwrap_or_default();
                    self.plan.set(&step.block_id, State::Waiting);
                    self.waiting.insert(step.block_id.clone(), (step.started_at, due_at));
                    progress.count_down.push((step.block_id.clone(), due_at));
                }
                StepStatus::Succeeded => {
                    self.plan.set(&step.block_id, State::Succeeded(step.ports.clone()));
                    let outputs = Arc::new(step.outputs.clone().unwrap_or_else(|| Value::Object(Map::new())));
                    self.note_output(step.finished_at.unwrap_or(step.started_at), outputs.clone());
                    self.outputs.insert(step.block_id.clone(), outputs);
                }
                _ => {
                    self.plan.set(&step.block_id, State::Failed);
                    self.note_failure(&step.block_id, step.error.clone().unwrap_or_default());
                }
            }
        }
        self.advance(&mut progress, now);
        progress
    }

    /// A step the driver ran has ended; `inputs` are what its record keeps as inputs.
    pub fn finished(&mut self, block: &str, started_at: i64, inputs: Option<Value>, outcome: Outcome, now: i64) -> Progress<'g> {
        let mut progress = Progress::default();
        if !self.running.remove(block) {
            return progress;
        }
        self.apply(block, started_at, inputs, outcome, now, &mut progress);
        self.advance(&mut progress, now);
        progress
    }

    /// A Delay's due time came: it succeeds and what follows it may start.
    pub fn delay_due(&mut self, block: &str, now: i64) -> Progress<'g> {
        let mut progress = Progress::default();
        if let Some(&(started_at, _)) = self.waiting.get(block) {
            self.apply(block, started_at, None, Outcome::done(Map::new(), Vec::new()), now, &mut progress);
            self.advance(&mut progress, now);
        }
        progress
    }

    /// The earliest due time, when nothing runs but Delays due more than `park_after` ms
    /// from now: the run can be put aside until then.
    pub fn park_until(&self, now: i64, park_after: i64) -> Option<i64> {
        if !self.running.is_empty() || self.ended {
            return None;
        }
        let earliest = self.waiting.values().map(|(_, due_at)| *due_at).min()?;
        (earliest - now > park_after).then_some(earliest)
    }

    /// Steps run so far, across resumes (what the step limit counts).
    pub fn steps_run(&self) -> i64 {
        self.steps_run
    }

    /// Whether the run has ended (its end was in a [`Progress`]).
    pub fn has_ended(&self) -> bool {
        self.ended
    }

    /// Applies an ended step to the plan and adds its record.
    fn apply(&mut self, block: &str, started_at: i64, inputs: Option<Value>, outcome: Outcome, now: i64, progress: &mut Progress<'g>) {
        let mut write = StepWrite {
            block_id: block.to_string(),
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
            Outcome::Wait { until } => {
                self.plan.set(block, State::Waiting);
                self.waiting.insert(block.to_string(), (started_at, until));
                progress.count_down.push((block.to_string(), until));
                write.status = StepStatus::Waiting;
                write.finished_at = None;
                write.due_at = Some(until);
            }
            Outcome::Done { outputs, ports, logs } => {
                self.waiting.remove(block);
                let outputs = Value::Object(outputs);
                let size = outputs.to_string().len();
                if size > MAX_OUTPUT_BYTES {
                    let error = format!("The step's outputs are {} KiB; at most {} KiB are kept.", size / 1024, MAX_OUTPUT_BYTES / 1024);
                    write = self.failed(write, error, logs, now);
                } else {
                    let ports = ports.unwrap_or_else(|| self.by_id.get(block).map(|block| block.out_ports(&[])).unwrap_or_default());
                    let outputs = Arc::new(outputs);
                    self.plan.set(block, State::Succeeded(ports.clone()));
                    self.note_output(now, outputs.clone());
                    self.outputs.insert(block.to_string(), outputs.clone());
                    write.outputs = Some((*outputs).clone());
                    write.ports = ports;
                    write.logs = bounded(logs, now);
                }
            }
            Outcome::Failed { error, logs } => write = self.failed(write, error, logs, now),
        }
        progress.records.push(write);
    }

    fn failed(&mut self, mut write: StepWrite, error: String, logs: Logs, now: i64) -> StepWrite {
        self.waiting.remove(&write.block_id);
        self.plan.set(&write.block_id, State::Failed);
        self.note_failure(&write.block_id, error.clone());
        write.status = StepStatus::Failed;
        write.error = Some(error);
        write.logs = bounded(logs, now);
        write
    }

    /// Starts every block that may start: pure steps at once (which may let more start),
    /// the others handed to the driver; ends the run when nothing runs or waits.
    fn advance(&mut self, progress: &mut Progress<'g>, now: i64) {
        loop {
            let ready = self.plan.advance();
            if ready.is_empty() {
                break;
            }
            for block in ready {
                if self.stop.is_none() && self.steps_run >= self.limits.step_limit {
                    self.stop = Some(format!("The run stopped: it reached the limit of {} steps per run.", self.limits.step_limit));
                }
                if self.stop.is_some() {
                    continue;
                }
                self.steps_run += 1;
                self.begin(block, now, progress);
            }
        }
        if self.running.is_empty() && self.waiting.is_empty() && !self.ended {
            self.ended = true;
            progress.end = Some(self.end());
        }
    }

    /// Resolves and parses a block; runs it here when it is pure, else hands it out.
    fn begin(&mut self, block: &'g Block, now: i64, progress: &mut Progress<'g>) {
        let resolver = self.resolver_for(block);
        let (inputs, settings, recorded, unresolved) = resolve_block(block, &resolver);
        let recorded = Value::Object(recorded);
        let kind = block.step_kind();
        let parsed = match unresolved {
            Some(error) => Err(error),
            None => StepSettings::parse(&kind, &settings)
                .map_err(|problems| problems.iter().map(|problem| format!("The step {}", problem.message)).collect::<Vec<_>>().join(" ")),
        };
        let settings = match parsed {
            Ok(settings) => settings,
            Err(error) => return self.apply(&block.id, now, Some(recorded), Outcome::failed(error), now, progress),
        };
        if let Some(outcome) = pure::run(&kind, &settings, &resolver, now) {
            return self.apply(&block.id, now, Some(recorded), outcome, now, progress);
        }
        self.running.insert(block.id.clone());
        progress.start.push(StepStart { block, inputs, settings, resolver, started_at: now, recorded });
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

    fn end(&self) -> RunEnd {
        let reason = self.stop.clone().or_else(|| self.failure.as_ref().map(|(title, error)| format!("\"{title}\" failed: {error}")));
        let status = if reason.is_some() { RunStatus::Failed } else { RunStatus::Succeeded };
        RunEnd { status, reason, output: self.last.as_ref().map(|(_, output)| (**output).clone()) }
    }

    /// What `block`'s placeholders may use: the outputs of the blocks upstream of it.
    fn resolver_for(&self, block: &Block) -> Resolver {
        let mut resolver = Resolver::default();
        for id in upstream(&block.id, self.edges) {
            if let Some(output) = self.outputs.get(&id) {
                resolver.outputs.insert(id.clone(), output.clone());
            }
            let title = self.by_id.get(id.as_str()).map_or_else(|| id.clone(), |block| block.title());
            resolver.upstream.insert(id, title);
        }
        resolver
    }
}

/// A block's inputs and settings with placeholders resolved (text settings only), what its
/// record keeps of them, and the first placeholder that could not be resolved.
type Resolved = (Map<String, Value>, Map<String, Value>, Map<String, Value>, Option<String>);

fn resolve_block(block: &Block, resolver: &Resolver) -> Resolved {
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
    (inputs, settings, recorded, unresolved)
}

/// Log lines cut to what a record keeps.
pub fn bounded(mut logs: Logs, now: i64) -> Logs {
    let cut = logs.len().saturating_sub(MAX_LOG_LINES);
    logs.truncate(MAX_LOG_LINES);
    for (_, line) in &mut logs {
        if line.chars().count() > MAX_LOG_CHARS {
            *line = line.chars().take(MAX_LOG_CHARS).chain("…".chars()).collect();
        }
    }
    if cut > 0 {
        logs.push((now, format!("({cut} more log lines were cut)")));
    }
    logs
}
