//! A scope of a run: the run itself, or one iteration of a For Each's body. Each has its own
//! plan, the outputs of the blocks that ran in it, its last output (the run's result, or the
//! iteration's entry in `results`) and its first unhandled failure.

use std::{
    collections::{HashMap, HashSet},
    sync::Arc,
};

use serde_json::{Map, Value};

use super::{Logs, StepWrite, bounded, for_each::LoopRun};
use crate::{
    flow_plan::{Plan, State},
    flow_runs::{Iteration, StepStatus},
    flows::{Block, ERROR_PORT},
};

/// Which scope: the For Each it is an iteration of (`None`: the run itself), and which
/// iteration (one index per loop around it).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ScopeKey<'g> {
    pub of_loop: Option<&'g str>,
    pub iteration: Iteration,
}

impl ScopeKey<'_> {
    pub const ROOT: ScopeKey<'static> = ScopeKey { of_loop: None, iteration: Iteration::ROOT };
}

pub struct Scope<'g> {
    pub plan: Plan<'g>,
    /// Outputs of the blocks that succeeded here (the run's trigger: its payload; an
    /// iteration's For Each: its `item` and `index`).
    pub outputs: HashMap<String, Arc<Value>>,
    /// When the step that finished last did, and its outputs.
    pub last: Option<(i64, Arc<Value>)>,
    /// The first failed step that nothing caught: its title and error.
    pub failure: Option<(String, String)>,
    /// Steps handed to the driver and not finished.
    pub running: HashSet<String>,
    /// Delays counting down: block, and when it started and is due.
    pub waiting: HashMap<String, (i64, i64)>,
    /// For Each blocks of this scope whose iterations are under way.
    pub loops: HashMap<&'g str, LoopRun>,
}

impl<'g> Scope<'g> {
    pub fn new(plan: Plan<'g>) -> Scope<'g> {
        Scope { plan, outputs: HashMap::new(), last: None, failure: None, running: HashSet::new(), waiting: HashMap::new(), loops: HashMap::new() }
    }

    /// Nothing runs, waits or iterates here.
    pub fn is_idle(&self) -> bool {
        self.running.is_empty() && self.waiting.is_empty() && self.loops.is_empty()
    }

    pub fn note_output(&mut self, finished_at: i64, outputs: Arc<Value>) {
        if self.last.as_ref().is_none_or(|(last, _)| finished_at >= *last) {
            self.last = Some((finished_at, outputs));
        }
    }

    pub fn note_failure(&mut self, title: String, error: String) {
        self.failure.get_or_insert((title, error));
    }

    /// A failed step's record: caught when its `error` port is connected (the port is
    /// active and `error` holds the reason), else a failure of this scope.
    pub fn failed(&mut self, mut write: StepWrite, block: Option<&Block>, caught: bool, error: String, logs: Logs, now: i64) -> StepWrite {
        self.waiting.remove(&write.block_id);
        if caught {
            let outputs = Value::Object(Map::from_iter([(ERROR_PORT.to_string(), Value::String(error.clone()))]));
            let outputs = Arc::new(outputs);
            self.plan.set(&write.block_id, State::Caught);
            self.note_output(now, outputs.clone());
            self.outputs.insert(write.block_id.clone(), outputs.clone());
            write.outputs = Some((*outputs).clone());
            write.ports = vec![ERROR_PORT.to_string()];
        } else {
            self.plan.set(&write.block_id, State::Failed);
            self.note_failure(block.map_or_else(|| write.block_id.clone(), Block::title), error.clone());
        }
        write.status = StepStatus::Failed;
        write.error = Some(error);
        write.logs = bounded(logs, now);
        write
    }
}
