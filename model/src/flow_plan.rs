//! Which blocks of a flow run come next, decided from the graph and what has happened so
//! far. Pure: the engine feeds in finished steps and gets back the blocks that may start;
//! the run reader replays stored records through it to show every block's status. It lives
//! here, beside the graph rules, so that both use one implementation.
//!
//! The rules: the trigger block that started the run has succeeded with its active output
//! ports (one Responses choice, or `out`); every other trigger is not on an active path. An
//! edge is *active* when its source succeeded with the edge's port among its active ports.
//! A block is decided once all its incoming edges are: with any edge from a failed (or
//! failure-skipped) block it is skipped after that failure (a failure stops its path, unless
//! the failed block's `error` port is connected: then only that port is active); else
//! with an active edge it runs (so Merge, like every block, waits for all its inputs and
//! runs once); else it is skipped as not on an active path.

use std::collections::HashMap;

use serde_json::Value;

use crate::{
    flow_runs::StepStatus,
    flows::{Block, BlockKind, ERROR_PORT, Edge},
    trigger::Trigger,
};

/// The output ports a trigger block activates for a payload: the Responses trigger only
/// the chosen response's (`payload.response`), every other trigger its one `out` port.
pub fn trigger_ports(block: &Block, payload: &Value) -> Vec<String> {
    if block.trigger.as_deref() == Some(Trigger::Responses.key()) {
        payload.get("response").and_then(Value::as_str).map(|choice| vec![choice.to_string()]).unwrap_or_default()
    } else {
        vec!["out".to_string()]
    }
}

/// Whether starting at `block` with `ports` active reaches any step.
pub fn starts_anything(block: &str, ports: &[String], edges: &[Edge]) -> bool {
    edges.iter().any(|edge| edge.from == block && ports.contains(&edge.from_port))
}

/// Where one block stands in a run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum State {
    /// Waits for blocks upstream of it.
    Undecided,
    /// Handed to the engine (or, for a stored run, ready and not yet recorded).
    Running,
    /// A Delay counting down.
    Waiting,
    /// Done, with the output ports it activated.
    Succeeded(Vec<String>),
    Failed,
    /// Failed, and its connected `error` port carries the failure on: the run goes on.
    Caught,
    Skipped(Skip),
}

/// Why a block did not run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Skip {
    /// No active edge reaches it (another trigger, an inactive Switch case or Condition port).
    Inactive,
    /// A block upstream of it failed: the failure stopped this path.
    AfterFailure(String),
    /// It sits on a cycle (saved graphs have none; kept so a bad graph cannot hang a run).
    Cycle,
}

impl Skip {
    /// The reason as the run's record shows it.
    pub fn reason(&self, blocks: &[Block]) -> String {
        match self {
            Skip::Inactive => "Not on an active path.".to_string(),
            Skip::AfterFailure(failed) => {
                let title = blocks.iter().find(|block| &block.id == failed).map_or_else(|| failed.clone(), Block::title);
                format!("Not run: \"{title}\" failed upstream.")
            }
            Skip::Cycle => "Not run: it is part of a cycle.".to_string(),
        }
    }
}

impl State {
    /// What a stored record stands for: a waiting Delay, a success with its ports, a
    /// failure that took its `error` port (caught), or a failure.
    pub fn of_record(status: StepStatus, ports: Vec<String>) -> State {
        match status {
            StepStatus::Waiting => State::Waiting,
            StepStatus::Succeeded => State::Succeeded(ports),
            _ if ports.iter().any(|port| port == ERROR_PORT) => State::Caught,
            _ => State::Failed,
        }
    }

    pub fn status(&self) -> StepStatus {
        match self {
            State::Undecided => StepStatus::Pending,
            State::Running => StepStatus::Running,
            State::Waiting => StepStatus::Waiting,
            State::Succeeded(_) => StepStatus::Succeeded,
            State::Failed | State::Caught => StepStatus::Failed,
            State::Skipped(_) => StepStatus::Skipped,
        }
    }
}

enum EdgeState {
    Open,
    Active,
    Inactive,
    /// Its source failed, or was skipped after a failure (named).
    Blocked(String),
}

/// The planning state of one run over one graph.
#[derive(Clone, Debug)]
pub struct Plan<'g> {
    blocks: &'g [Block],
    index: HashMap<&'g str, usize>,
    /// Per block: (source block, source port) of each incoming edge.
    incoming: Vec<Vec<(usize, &'g str)>>,
    /// Blocks in an order where every edge points forward; blocks on a cycle are missing.
    order: Vec<usize>,
    states: Vec<State>,
}

impl<'g> Plan<'g> {
    pub fn new(blocks: &'g [Block], edges: &'g [Edge]) -> Plan<'g> {
        let index: HashMap<&str, usize> = blocks.iter().enumerate().map(|(i, block)| (block.id.as_str(), i)).collect();
        let mut incoming = vec![Vec::new(); blocks.len()];
        let mut outgoing = vec![Vec::new(); blocks.len()];
        for edge in edges {
            if let (Some(&from), Some(&to)) = (index.get(edge.from.as_str()), index.get(edge.to.as_str())) {
                incoming[to].push((from, edge.from_port.as_str()));
                outgoing[from].push(to);
            }
        }
        let mut waiting_on: Vec<usize> = incoming.iter().map(Vec::len).collect();
        let mut ready: Vec<usize> = (0..blocks.len()).rev().filter(|&i| waiting_on[i] == 0).collect();
        let mut order = Vec::with_capacity(blocks.len());
        while let Some(block) = ready.pop() {
            order.push(block);
            for &next in &outgoing[block] {
                waiting_on[next] -= 1;
                if waiting_on[next] == 0 {
                    ready.push(next);
                }
            }
        }
        let mut states = vec![State::Undecided; blocks.len()];
        for (i, state) in states.iter_mut().enumerate() {
            if waiting_on[i] > 0 {
                *state = State::Skipped(Skip::Cycle);
            }
        }
        Plan { blocks, index, incoming, order, states }
    }

    /// Starts from `trigger_block`, which succeeded with `ports` active; every other
    /// trigger block is not on an active path.
    pub fn start(&mut self, trigger_block: &str, ports: Vec<String>) {
        for (i, block) in self.blocks.iter().enumerate() {
            if block.kind == BlockKind::Trigger && self.states[i] == State::Undecided {
                self.states[i] = State::Skipped(Skip::Inactive);
            }
        }
        if let Some(&i) = self.index.get(trigger_block) {
            self.states[i] = State::Succeeded(ports);
        }
    }

    /// Records what happened to a block (a finished step, a waiting Delay).
    pub fn set(&mut self, block: &str, state: State) {
        if let Some(&i) = self.index.get(block) {
            self.states[i] = state;
        }
    }

    /// Decides every block that can be decided now and answers those that may start, in
    /// graph order; they are marked running.
    pub fn advance(&mut self) -> Vec<&'g Block> {
        let mut ready = Vec::new();
        for position in 0..self.order.len() {
            let block = self.order[position];
            if self.states[block] != State::Undecided {
                continue;
            }
            let (mut open, mut any_active, mut blocked) = (false, false, None);
            for &(from, port) in &self.incoming[block] {
                match self.edge_state(from, port) {
                    EdgeState::Open => {
                        open = true;
                        break;
                    }
                    EdgeState::Active => any_active = true,
                    EdgeState::Inactive => {}
                    EdgeState::Blocked(failed) => {
                        blocked.get_or_insert(failed);
                    }
                }
            }
            if open {
                continue;
            }
            self.states[block] = match (blocked, any_active) {
                (Some(failed), _) => State::Skipped(Skip::AfterFailure(failed)),
                (None, true) => {
                    ready.push(block);
                    State::Running
                }
                (None, false) => State::Skipped(Skip::Inactive),
            };
        }
        ready.sort_unstable();
        ready.into_iter().map(|block| &self.blocks[block]).collect()
    }

    fn edge_state(&self, from: usize, port: &str) -> EdgeState {
        match &self.states[from] {
            State::Undecided | State::Running | State::Waiting => EdgeState::Open,
            State::Succeeded(ports) if ports.iter().any(|active| active == port) => EdgeState::Active,
            State::Succeeded(_) | State::Skipped(Skip::Inactive | Skip::Cycle) => EdgeState::Inactive,
            State::Caught if port == ERROR_PORT => EdgeState::Active,
            State::Caught => EdgeState::Inactive,
            State::Failed => EdgeState::Blocked(self.blocks[from].id.clone()),
            State::Skipped(Skip::AfterFailure(failed)) => EdgeState::Blocked(failed.clone()),
        }
    }

    /// Whether nothing is left to run or wait for.
    pub fn is_finished(&self) -> bool {
        self.states.iter().all(|state| state.status().is_final())
    }

    /// Whether a step of the run failed.
    pub fn has_failure(&self) -> bool {
        self.states.contains(&State::Failed)
    }

    pub fn state(&self, block: &str) -> Option<&State> {
        self.index.get(block).map(|&i| &self.states[i])
    }

    /// Every block with its state, in the graph's order.
    pub fn states(&self) -> impl Iterator<Item = (&'g Block, &State)> + '_ {
        self.blocks.iter().zip(&self.states)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde_json::Map;

    use super::*;
    use crate::flows::Position;

    fn block(id: &str, kind: BlockKind) -> Block {
        let (trigger, step) = match kind {
            BlockKind::Trigger => (Some("status".to_string()), None),
            BlockKind::Step => (None, Some("merge".to_string())),
        };
        Block {
            id: id.into(),
            kind,
            trigger,
            step,
            label: String::new(),
            settings: Map::new(),
            inputs: BTreeMap::new(),
            position: Position::default(),
        }
    }

    fn graph(triggers: &[&str], steps: &[&str], edges: &[(&str, &str, &str)]) -> (Vec<Block>, Vec<Edge>) {
        let blocks = triggers.iter().map(|id| block(id, BlockKind::Trigger)).chain(steps.iter().map(|id| block(id, BlockKind::Step))).collect();
        let edges = edges
            .iter()
            .map(|(from, port, to)| Edge { from: from.to_string(), from_port: port.to_string(), to: to.to_string(), to_port: "in".into() })
            .collect();
        (blocks, edges)
    }

    fn ids(ready: Vec<&Block>) -> Vec<String> {
        ready.into_iter().map(|block| block.id.clone()).collect()
    }

    fn out() -> State {
        State::Succeeded(vec!["out".into()])
    }

    #[test]
    fn independent_paths_start_together_and_a_merge_waits_for_both() {
        let (blocks, edges) = graph(
            &["t1"],
            &["a", "b", "m", "after"],
            &[("t1", "out", "a"), ("t1", "out", "b"), ("a", "out", "m"), ("b", "out", "m"), ("m", "out", "after")],
        );
        let mut plan = Plan::new(&blocks, &edges);
        plan.start("t1", vec!["out".into()]);
        assert_eq!(ids(plan.advance()), ["a", "b"]);
        assert!(plan.advance().is_empty(), "nothing new until a step finishes");
        plan.set("a", out());
        assert!(plan.advance().is_empty(), "the merge waits for b");
        plan.set("b", out());
        assert_eq!(ids(plan.advance()), ["m"]);
        plan.set("m", out());
        assert_eq!(ids(plan.advance()), ["after"]);
        assert!(!plan.is_finished());
        plan.set("after", out());
        assert!(plan.advance().is_empty());
        assert!(plan.is_finished() && !plan.has_failure());
    }

    #[test]
    fn only_matching_ports_run_and_what_only_they_reach_is_skipped() {
        let (blocks, edges) = graph(
            &["t1"],
            &["switch", "high", "low", "after_low", "m"],
            &[
                ("t1", "out", "switch"),
                ("switch", "high", "high"),
                ("switch", "default", "low"),
                ("low", "out", "after_low"),
                ("high", "out", "m"),
                ("after_low", "out", "m"),
            ],
        );
        let mut plan = Plan::new(&blocks, &edges);
        plan.start("t1", vec!["out".into()]);
        assert_eq!(ids(plan.advance()), ["switch"]);
        plan.set("switch", State::Succeeded(vec!["high".into()]));
        assert_eq!(ids(plan.advance()), ["high"]);
        assert_eq!(plan.state("low"), Some(&State::Skipped(Skip::Inactive)));
        assert_eq!(plan.state("after_low"), Some(&State::Skipped(Skip::Inactive)));
        plan.set("high", out());
        assert_eq!(ids(plan.advance()), ["m"], "a merge runs with its active inputs");
    }

    #[test]
    fn a_failure_stops_its_path_but_not_independent_ones() {
        let (blocks, edges) = graph(
            &["t1"],
            &["a", "a2", "b", "b2", "m"],
            &[("t1", "out", "a"), ("a", "out", "a2"), ("t1", "out", "b"), ("b", "out", "b2"), ("a2", "out", "m"), ("b2", "out", "m")],
        );
        let mut plan = Plan::new(&blocks, &edges);
        plan.start("t1", vec!["out".into()]);
        assert_eq!(ids(plan.advance()), ["a", "b"]);
        plan.set("a", State::Failed);
        assert!(plan.advance().is_empty());
        assert_eq!(plan.state("a2"), Some(&State::Skipped(Skip::AfterFailure("a".into()))));
        plan.set("b", out());
        assert_eq!(ids(plan.advance()), ["b2"], "the other path goes on");
        plan.set("b2", out());
        assert!(plan.advance().is_empty());
        assert_eq!(plan.state("m"), Some(&State::Skipped(Skip::AfterFailure("a".into()))));
        assert!(plan.is_finished() && plan.has_failure());
        assert_eq!(Skip::AfterFailure("a".into()).reason(&blocks), "Not run: \"Merge\" failed upstream.");
    }

    #[test]
    fn a_caught_failure_activates_only_the_error_port() {
        let (blocks, edges) = graph(&["t1"], &["a", "next", "handler"], &[("t1", "out", "a"), ("a", "out", "next"), ("a", "error", "handler")]);
        let mut plan = Plan::new(&blocks, &edges);
        plan.start("t1", vec!["out".into()]);
        assert_eq!(ids(plan.advance()), ["a"]);
        plan.set("a", State::Caught);
        assert_eq!(ids(plan.advance()), ["handler"]);
        assert_eq!(plan.state("next"), Some(&State::Skipped(Skip::Inactive)));
        assert_eq!(plan.state("a").map(State::status), Some(StepStatus::Failed));
        assert!(!plan.has_failure(), "a caught failure does not fail the run");
    }

    #[test]
    fn other_triggers_and_unconnected_steps_are_skipped_and_responses_choose_one_port() {
        let (blocks, edges) = graph(
            &["t1", "r1"],
            &["accept", "decline", "loose"],
            &[("r1", "Accept", "accept"), ("r1", "Decline", "decline"), ("t1", "out", "accept")],
        );
        let mut plan = Plan::new(&blocks, &edges);
        plan.start("r1", vec!["Decline".into()]);
        assert_eq!(ids(plan.advance()), ["decline"]);
        assert_eq!(plan.state("t1"), Some(&State::Skipped(Skip::Inactive)));
        assert_eq!(plan.state("accept"), Some(&State::Skipped(Skip::Inactive)));
        assert_eq!(plan.state("loose"), Some(&State::Skipped(Skip::Inactive)));
    }

    #[test]
    fn a_waiting_delay_holds_its_dependants_and_cycles_cannot_hang_a_run() {
        let (blocks, edges) =
            graph(&["t1"], &["d", "after", "x", "y"], &[("t1", "out", "d"), ("d", "out", "after"), ("x", "out", "y"), ("y", "out", "x")]);
        let mut plan = Plan::new(&blocks, &edges);
        plan.start("t1", vec!["out".into()]);
        assert_eq!(ids(plan.advance()), ["d"]);
        plan.set("d", State::Waiting);
        assert!(plan.advance().is_empty());
        assert_eq!(plan.state("d").map(State::status), Some(StepStatus::Waiting));
        assert_eq!(plan.state("x"), Some(&State::Skipped(Skip::Cycle)));
        plan.set("d", out());
        assert_eq!(ids(plan.advance()), ["after"]);
    }
}
