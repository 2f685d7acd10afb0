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
//!
//! A failing step whose `error` port is connected is *caught*: its record says failed, its
//! `error` output holds the reason, only that port is active and the run goes on.
//!
//! A For Each runs its body (see [`Loops`]) once per item, each iteration in a [`scope`] of
//! its own: its own plan and outputs, with `${loop.item}` and `${loop.index}`, and the
//! scopes around it for everything upstream; every record names its [`Iteration`], so a
//! resumed run replays each iteration's records into that iteration when it starts again
//! ([`for_each`]).
//!
//! A run restarted from a step is a new run fed the records it reuses ([`restart`]).

mod for_each;
mod pure;
pub mod restart;
mod scope;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_loops;
#[cfg(test)]
mod tests_restart;

use std::{
    collections::{HashMap, HashSet},
    sync::Arc,
};

use serde_json::{Map, Value};

use self::scope::{Scope, ScopeKey};
use crate::{
    flow_plan::{Plan, State},
    flow_runs::{Iteration, StepStatus},
    flows::{Block, BlockType, ERROR_PORT, Edge, Loops, Resolver, SettingKind, StepSettings, upstream},
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
    /// Failed; the failure follows the `error` port when it is connected, else stops its
    /// path and fails the run.
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
    pub iteration: Iteration,
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
    pub iteration: Iteration,
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
    /// Which iteration of the loops around it.
    pub iteration: Iteration,
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
    /// Delays to wake: block, iteration and due time (ms).
    pub count_down: Vec<(String, Iteration, i64)>,
    /// Set once nothing runs or waits any more.
    pub end: Option<RunEnd>,
}

/// Limits a run obeys.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Most steps one run may execute (across resumes, every iteration's steps counted).
    pub step_limit: i64,
}

/// Work left to do while settling an event: a scope to advance, a loop to feed.
enum Task<'g> {
    Advance(ScopeKey<'g>),
    Fill(ScopeKey<'g>, &'g str),
}

/// One run in progress.
pub struct Execution<'g> {
    blocks: &'g [Block],
    by_id: HashMap<&'g str, &'g Block>,
    edges: &'g [Edge],
    loops: Loops,
    /// Per block inside a loop: the innermost For Each around it.
    innermost: HashMap<&'g str, &'g str>,
    /// Blocks whose `error` port is connected.
    catches: HashSet<&'g str>,
    limits: Limits,
    /// The run itself and every iteration in progress.
    scopes: HashMap<ScopeKey<'g>, Scope<'g>>,
    /// Stored records of scopes not started again yet (a resumed run's iterations).
    stored: HashMap<ScopeKey<'g>, Vec<StoredStep>>,
    /// Per For Each: the plan each iteration of its body starts from.
    templates: HashMap<&'g str, Plan<'g>>,
    steps_run: i64,
    /// Why no more steps start (the step limit).
    stop: Option<String>,
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
        let mut root = Scope::new(plan);
        root.outputs.insert(trigger_block.to_string(), payload);
        let by_id: HashMap<&'g str, &'g Block> = blocks.iter().map(|block| (block.id.as_str(), block)).collect();
        let loops = Loops::of(blocks, edges);
        let innermost = blocks
            .iter()
            .filter_map(|block| {
                let around = loops.innermost(&block.id)?;
                by_id.get_key_value(around).map(|(around, _)| (block.id.as_str(), *around))
            })
            .collect();
        let catches = edges.iter().filter(|edge| edge.from_port == ERROR_PORT).map(|edge| edge.from.as_str()).collect();
        Execution {
            blocks,
            by_id,
            edges,
            loops,
            innermost,
            catches,
            limits,
            scopes: HashMap::from([(ScopeKey::ROOT, root)]),
            stored: HashMap::new(),
            templates: HashMap::new(),
            steps_run,
            stop: None,
            ended: false,
        }
    }

    /// Feeds the records stored so far (none for a new run) and starts what may start.
    pub fn resume(&mut self, stored: &[StoredStep], now: i64) -> Progress<'g> {
        let mut progress = Progress::default();
        for step in stored {
            let key = self.key_of(&step.block_id, &step.iteration);
            self.stored.entry(key).or_default().push(step.clone());
        }
        self.replay(&ScopeKey::ROOT, &mut progress);
        self.settle(vec![Task::Advance(ScopeKey::ROOT)], &mut progress, now);
        progress
    }

    /// A step the driver ran has ended; `inputs` are what its record keeps as inputs.
    pub fn finished(
        &mut self,
        block: &str,
        iteration: &Iteration,
        started_at: i64,
        inputs: Option<Value>,
        outcome: Outcome,
        now: i64,
    ) -> Progress<'g> {
        let mut progress = Progress::default();
        let key = self.key_of(block, iteration);
        let Some(scope) = self.scopes.get_mut(&key) else { return progress };
        if !scope.running.remove(block) {
            return progress;
        }
        self.apply(&key, block, started_at, inputs, outcome, now, &mut progress);
        self.settle(vec![Task::Advance(key)], &mut progress, now);
        progress
    }

    /// A Delay's due time came: it succeeds and what follows it may start.
    pub fn delay_due(&mut self, block: &str, iteration: &Iteration, now: i64) -> Progress<'g> {
        let mut progress = Progress::default();
        let key = self.key_of(block, iteration);
        let Some(&(started_at, _)) = self.scopes.get(&key).and_then(|scope| scope.waiting.get(block)) else { return progress };
        self.apply(&key, block, started_at, None, Outcome::done(Map::new(), Vec::new()), now, &mut progress);
        self.settle(vec![Task::Advance(key)], &mut progress, now);
        progress
    }

    /// The earliest due time, when nothing runs but Delays due more than `park_after` ms
    /// from now: the run can be put aside until then.
    pub fn park_until(&self, now: i64, park_after: i64) -> Option<i64> {
        if self.ended || self.scopes.values().any(|scope| !scope.running.is_empty()) {
            return None;
        }
        let earliest = self.scopes.values().flat_map(|scope| scope.waiting.values().map(|(_, due_at)| *due_at)).min()?;
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

    /// The scope a block's record of `iteration` belongs to.
    fn key_of(&self, block: &str, iteration: &Iteration) -> ScopeKey<'g> {
        ScopeKey { of_loop: self.innermost.get(block).copied(), iteration: iteration.clone() }
    }

    /// The scope around `key`'s (the root's is itself).
    fn parent_of(&self, key: &ScopeKey<'g>) -> ScopeKey<'g> {
        match key.of_loop {
            None => ScopeKey::ROOT,
            Some(around) => self.key_of(around, &key.iteration.parent()),
        }
    }

    /// Sets a scope's stored records (taken from [`Self::stored`]) into its plan.
    fn replay(&mut self, key: &ScopeKey<'g>, progress: &mut Progress<'g>) {
        let Some(stored) = self.stored.remove(key) else { return };
        let Some(scope) = self.scopes.get_mut(key) else { return };
        for step in stored {
            let state = State::of_record(step.status, step.ports.clone());
            match &state {
                State::Waiting => {
                    let due_at = step.due_at.unwrap_or_default();
                    scope.waiting.insert(step.block_id.clone(), (step.started_at, due_at));
                    progress.count_down.push((step.block_id.clone(), step.iteration.clone(), due_at));
                }
                State::Succeeded(_) | State::Caught => {
                    let outputs = Arc::new(step.outputs.clone().unwrap_or_else(|| Value::Object(Map::new())));
                    scope.note_output(step.finished_at.unwrap_or(step.started_at), outputs.clone());
                    scope.outputs.insert(step.block_id.clone(), outputs);
                }
                _ => {
                    let title = self.by_id.get(step.block_id.as_str()).map_or_else(|| step.block_id.clone(), |block| block.title());
                    scope.note_failure(title, step.error.clone().unwrap_or_default());
                }
            }
            scope.plan.set(&step.block_id, state);
        }
    }

    /// Applies an ended step to its scope's plan and adds its record.
    #[allow(clippy::too_many_arguments)]
    fn apply(
        &mut self,
        key: &ScopeKey<'g>,
        block: &str,
        started_at: i64,
        inputs: Option<Value>,
        outcome: Outcome,
        now: i64,
        progress: &mut Progress<'g>,
    ) {
        let mut write = StepWrite {
            block_id: block.to_string(),
            iteration: key.iteration.clone(),
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
        let known = self.by_id.get(block).copied();
        let catches = self.catches.contains(block);
        let Some(scope) = self.scopes.get_mut(key) else { return };
        match outcome {
            Outcome::Wait { until } => {
                scope.plan.set(block, State::Waiting);
                scope.waiting.insert(block.to_string(), (started_at, until));
                progress.count_down.push((block.to_string(), key.iteration.clone(), until));
                write.status = StepStatus::Waiting;
                write.finished_at = None;
                write.due_at = Some(until);
            }
            Outcome::Done { outputs, ports, logs } => {
                scope.waiting.remove(block);
                let outputs = Value::Object(outputs);
                let size = outputs.to_string().len();
                if size > MAX_OUTPUT_BYTES {
                    let error = format!("The step's outputs are {} KiB; at most {} KiB are kept.", size / 1024, MAX_OUTPUT_BYTES / 1024);
                    write = scope.failed(write, known, catches, error, logs, now);
                } else {
                    let ports = ports.unwrap_or_else(|| known.map(|block| block.success_ports(&[])).unwrap_or_default());
                    let outputs = Arc::new(outputs);
                    scope.plan.set(block, State::Succeeded(ports.clone()));
                    scope.note_output(now, outputs.clone());
                    scope.outputs.insert(block.to_string(), outputs.clone());
                    write.outputs = Some((*outputs).clone());
                    write.ports = ports;
                    write.logs = bounded(logs, now);
                }
            }
            Outcome::Failed { error, logs } => write = scope.failed(write, known, catches, error, logs, now),
        }
        progress.records.push(write);
    }

    /// Works through `tasks` (and what they lead to), then ends the run when nothing runs
    /// or waits any more.
    fn settle(&mut self, mut tasks: Vec<Task<'g>>, progress: &mut Progress<'g>, now: i64) {
        while let Some(task) = tasks.pop() {
            match task {
                Task::Advance(key) => self.advance(key, progress, now, &mut tasks),
                Task::Fill(key, for_each) => self.fill(key, for_each, progress, now, &mut tasks),
            }
        }
        let busy = self.scopes.values().any(|scope| !scope.running.is_empty() || !scope.waiting.is_empty());
        if !busy && !self.ended {
            self.ended = true;
            progress.end = Some(self.end());
        }
    }

    /// Starts every block of a scope that may start: pure steps at once (which may let more
    /// start), the others handed to the driver; an iteration left with nothing to do ends.
    fn advance(&mut self, key: ScopeKey<'g>, progress: &mut Progress<'g>, now: i64, tasks: &mut Vec<Task<'g>>) {
        loop {
            let Some(scope) = self.scopes.get_mut(&key) else { return };
            let ready = scope.plan.advance();
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
                self.begin(&key, block, now, progress, tasks);
            }
        }
        if key.of_loop.is_some() && self.scopes.get(&key).is_some_and(Scope::is_idle) {
            self.iteration_ended(key, tasks);
        }
    }

    /// Resolves and parses a block; runs it here when it is pure, starts a For Each's
    /// iterations, else hands it out.
    fn begin(&mut self, key: &ScopeKey<'g>, block: &'g Block, now: i64, progress: &mut Progress<'g>, tasks: &mut Vec<Task<'g>>) {
        let resolver = self.resolver_for(key, block);
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
            Err(error) => return self.apply(key, &block.id, now, Some(recorded), Outcome::failed(error), now, progress),
        };
        if let StepSettings::ForEach { parallel } = settings {
            return match self.start_loop(key, block, &inputs, parallel, recorded.clone(), now) {
                Ok(()) => tasks.push(Task::Fill(key.clone(), block.id.as_str())),
                Err(error) => self.apply(key, &block.id, now, Some(recorded), Outcome::failed(error), now, progress),
            };
        }
        if let Some(outcome) = pure::run(&kind, &settings, &resolver, now) {
            return self.apply(key, &block.id, now, Some(recorded), outcome, now, progress);
        }
        let Some(scope) = self.scopes.get_mut(key) else { return };
        scope.running.insert(block.id.clone());
        progress.start.push(StepStart { block, iteration: key.iteration.clone(), inputs, settings, resolver, started_at: now, recorded });
    }

    fn end(&self) -> RunEnd {
        let root = self.scopes.get(&ScopeKey::ROOT);
        let failure = root.and_then(|root| root.failure.as_ref());
        let reason = self.stop.clone().or_else(|| failure.map(|(title, error)| format!("\"{title}\" failed: {error}")));
        let status = if reason.is_some() { RunStatus::Failed } else { RunStatus::Succeeded };
        RunEnd { status, reason, output: root.and_then(|root| root.last.as_ref()).map(|(_, output)| (**output).clone()) }
    }

    /// What `block`'s placeholders may use: the outputs of the blocks upstream of it, each
    /// from the innermost scope around `key` that has them (so an inner loop's `item` never
    /// stands for an outer one's).
    fn resolver_for(&self, key: &ScopeKey<'g>, block: &Block) -> Resolver {
        let mut resolver = Resolver::default();
        for id in upstream(&block.id, self.edges) {
            let mut at = key.clone();
            loop {
                if let Some(output) = self.scopes.get(&at).and_then(|scope| scope.outputs.get(&id)) {
                    resolver.outputs.insert(id.clone(), output.clone());
                    break;
                }
                if at == ScopeKey::ROOT {
                    break;
                }
                at = self.parent_of(&at);
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
