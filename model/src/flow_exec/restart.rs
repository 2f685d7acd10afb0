//! Restarting a finished run from one of its steps: which of its records a new run of the
//! same graph reuses, so that the new run (fed them as [`super::Execution::resume`] feeds a
//! crashed run's records) runs that step and what follows it, and nothing before it.
//!
//! What runs again: the step, every block after it, and every For Each around it with what
//! follows the loop (its `done` and `error` paths), since the loop finishes anew. Inside a
//! loop only the iterations that failed run again; the others keep their records (when no
//! iteration of any loop failed, every iteration runs it again). Every other record is
//! reused. Deciding only, never storing: the store copies the records this picks.

use std::{
    cmp::Reverse,
    collections::{HashSet, VecDeque},
    fmt,
};

use super::StoredStep;
use crate::{
    flow_runs::{Iteration, StepStatus},
    flows::{Block, BlockKind, EACH_PORT, ERROR_PORT, Edge, Loops},
};

/// A new run's start: the step it restarts from and the records it reuses.
#[derive(Debug, Clone, PartialEq)]
pub struct Restart {
    pub from: String,
    pub reused: Vec<StoredStep>,
}

/// Why a run cannot be restarted from a step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The graph the run ran has no step of that id.
    UnknownStep(String),
    /// The step never ran (a step before it failed or took another path): restarting it
    /// would only skip it again.
    NeverRan { step: String, failed: Option<String> },
    /// No step was named and none failed.
    NothingFailed,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::UnknownStep(step) => write!(f, "The flow version this run ran has no step \"{step}\"."),
            Refusal::NeverRan { step, failed } => {
                write!(
                    f,
                    "The step \"{step}\" never ran in this run (a step before it failed or took another path), so it cannot be restarted from"
                )?;
                match failed {
                    Some(failed) => write!(f, "; restart from \"{failed}\", the step that failed, instead."),
                    None => write!(f, "; restart from a step that ran."),
                }
            }
            Refusal::NothingFailed => write!(f, "No step of this run failed; name the step to restart from in fromStep."),
        }
    }
}

/// The restart of a run of `blocks` and `edges` whose records are `stored`, from step `from`
/// (by default the step that failed first).
pub fn restart(blocks: &[Block], edges: &[Edge], stored: Vec<StoredStep>, from: Option<&str>) -> Result<Restart, Refusal> {
    let first_failed = stored
        .iter()
        .filter(|step| uncaught(step))
        // An iteration's failure ends before the For Each it fails: the innermost comes first.
        .min_by_key(|step| (step.finished_at.unwrap_or(step.started_at), Reverse(step.iteration.0.len())))
        .map(|step| step.block_id.clone());
    let from = match from {
        Some(id) if !blocks.iter().any(|block| block.id == id && block.kind == BlockKind::Step) => {
            return Err(Refusal::UnknownStep(id.to_string()));
        }
        Some(id) => id.to_string(),
        None => first_failed.clone().ok_or(Refusal::NothingFailed)?,
    };
    if !stored.iter().any(|step| step.block_id == from && step.status != StepStatus::Waiting) {
        return Err(Refusal::NeverRan { step: from, failed: first_failed });
    }
    let again = runs_again(&from, edges, &Loops::of(blocks, edges));
    let failed: HashSet<Iteration> = stored.iter().filter(|step| uncaught(step)).flat_map(|step| prefixes(&step.iteration)).collect();
    let every_iteration = !stored.iter().any(|step| uncaught(step) && !step.iteration.is_root());
    let reused = stored
        .into_iter()
        .filter(|step| step.status != StepStatus::Waiting)
        .filter(|step| {
            let redo = step.iteration.is_root() || every_iteration || failed.contains(&step.iteration);
            !(redo && again.contains(&step.block_id))
        })
        .collect();
    Ok(Restart { from, reused })
}

/// A failure nothing caught (a caught one took its `error` port).
fn uncaught(step: &StoredStep) -> bool {
    step.status == StepStatus::Failed && !step.ports.iter().any(|port| port == ERROR_PORT)
}

/// An iteration and every one around it, the root included.
fn prefixes(iteration: &Iteration) -> impl Iterator<Item = Iteration> + '_ {
    (0..=iteration.0.len()).map(|len| Iteration(iteration.0[..len].to_vec()))
}

/// The blocks a restart from `from` runs again: it and what follows it, and each For Each
/// around it with what follows the loop (not its body, whose iterations decide per record).
fn runs_again(from: &str, edges: &[Edge], loops: &Loops) -> HashSet<String> {
    let mut again = HashSet::from([from.to_string()]);
    let mut queue = VecDeque::from([from.to_string()]);
    let mut around = loops.innermost(from);
    while let Some(for_each) = around {
        if again.insert(for_each.to_string()) {
            let after_loop = edges.iter().filter(|edge| edge.from == for_each && edge.from_port != EACH_PORT);
            queue.extend(after_loop.map(|edge| edge.to.clone()));
        }
        around = loops.innermost(for_each);
    }
    while let Some(block) = queue.pop_front() {
        again.insert(block.clone());
        for edge in edges.iter().filter(|edge| edge.from == block) {
            if !again.contains(&edge.to) {
                queue.push_back(edge.to.clone());
            }
        }
    }
    again
}
