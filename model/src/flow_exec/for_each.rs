//! The For Each step: its items (an array, or text holding one) are checked when it begins, then its body runs once per
//! item, at most `parallel` iterations at a time, started in item order, each in a scope of
//! its own (created only when it starts, dropped when it ends, so a long list costs the
//! iterations in flight, not all of them). When every iteration has ended the step
//! finishes: on `done` with `results` (each iteration's last output, in item order), or
//! failed when an iteration had a failure nothing caught, naming the items that failed.

use std::sync::Arc;

use serde_json::{Map, Value, json};

use super::{Execution, Outcome, Progress, Task, scope::Scope, scope::ScopeKey};
use crate::{
    flow_plan::{Plan, Skip, State},
    flows::{Block, DONE_PORT, EACH_PORT},
};

/// Failed items a For Each's log lists.
const FAILED_ITEMS_LOGGED: usize = 100;

/// A For Each whose iterations are under way.
pub struct LoopRun {
    started_at: i64,
    /// Its resolved inputs, for its record.
    recorded: Value,
    items: Vec<Value>,
    parallel: usize,
    /// The next item to start.
    next: usize,
    /// Iterations started and not ended.
    active: usize,
    /// Each iteration's last output (`null` until it ended, or when nothing in it ran).
    results: Vec<Value>,
    /// Iterations with a failure nothing caught: item index and reason.
    failed: Vec<(usize, String)>,
}

impl LoopRun {
    /// How the step ended, once every iteration has.
    fn outcome(mut self, now: i64) -> Outcome {
        let total = self.items.len();
        if self.failed.is_empty() {
            let logs = vec![(now, format!("{total} iterations ended"))];
            let outputs = Map::from_iter([("results".to_string(), Value::Array(self.results))]);
            return Outcome::Done { outputs, ports: Some(vec![DONE_PORT.to_string()]), logs };
        }
        self.failed.sort_by_key(|(index, _)| *index);
        let (first, reason) = &self.failed[0];
        let error = format!("{} of {total} iterations failed; the first, item {first}: {reason}", self.failed.len());
        let logs = self.failed.iter().take(FAILED_ITEMS_LOGGED).map(|(index, reason)| (now, format!("item {index}: {reason}"))).collect();
        Outcome::Failed { error, logs }
    }
}

impl<'g> Execution<'g> {
    /// Checks a For Each's items and makes it a loop of `scope`; an error when `items` is
    /// not an array.
    pub(super) fn start_loop(
        &mut self,
        key: &ScopeKey<'g>,
        block: &'g Block,
        inputs: &Map<String, Value>,
        parallel: u64,
        recorded: Value,
        now: i64,
    ) -> Result<(), String> {
        // Text holding a JSON array (a Webhook's body) is read as that array.
        let parsed = match inputs.get("items") {
            Some(Value::String(text)) => serde_json::from_str::<Value>(text).ok().filter(Value::is_array),
            _ => None,
        };
        let items = match parsed.as_ref().or(inputs.get("items")) {
            Some(Value::Array(items)) => items.clone(),
            None => return Err("The step needs items: a list to go through, e.g. ${t1.body.items}.".to_string()),
            Some(other) => return Err(format!("The step needs an array in items, not {}: {}", kind_of(other), excerpt(other))),
        };
        let run = LoopRun {
            started_at: now,
            recorded,
            results: vec![Value::Null; items.len()],
            items,
            parallel: usize::try_from(parallel).unwrap_or(1).max(1),
            next: 0,
            active: 0,
            failed: Vec::new(),
        };
        if let Some(scope) = self.scopes.get_mut(key) {
            scope.loops.insert(block.id.as_str(), run);
        }
        Ok(())
    }

    /// Starts iterations of a loop while fewer than `parallel` run; once every one ended,
    /// finishes the For Each. A run stopped by the step limit starts no more.
    pub(super) fn fill(&mut self, key: ScopeKey<'g>, for_each: &'g str, progress: &mut Progress<'g>, now: i64, tasks: &mut Vec<Task<'g>>) {
        let Some(scope) = self.scopes.get_mut(&key) else { return };
        let Some(run) = scope.loops.get_mut(for_each) else { return };
        if self.stop.is_some() {
            if run.active == 0 {
                scope.loops.remove(for_each);
                tasks.push(Task::Advance(key));
            }
            return;
        }
        let mut starting = Vec::new();
        while run.active < run.parallel && run.next < run.items.len() {
            starting.push((run.next, run.items[run.next].clone()));
            run.next += 1;
            run.active += 1;
        }
        if starting.is_empty() && run.active == 0 {
            let Some(run) = scope.loops.remove(for_each) else { return };
            let (started_at, recorded) = (run.started_at, run.recorded.clone());
            self.apply(&key, for_each, started_at, Some(recorded), run.outcome(now), now, progress);
            tasks.push(Task::Advance(key));
            return;
        }
        // Pushed last first, so item order is the order they are taken up.
        for (index, item) in starting.into_iter().rev() {
            let index = u32::try_from(index).unwrap_or(u32::MAX);
            let child = ScopeKey { of_loop: Some(for_each), iteration: key.iteration.child(index) };
            let mut scope = Scope::new(self.template(for_each).clone());
            scope.outputs.insert(for_each.to_string(), Arc::new(json!({"item": item, "index": index})));
            self.scopes.insert(child.clone(), scope);
            self.replay(&child, progress);
            tasks.push(Task::Advance(child));
        }
    }

    /// An iteration has nothing left to do: its result and failure go to its loop, which
    /// may start the next one.
    pub(super) fn iteration_ended(&mut self, key: ScopeKey<'g>, tasks: &mut Vec<Task<'g>>) {
        let (Some(for_each), Some(scope)) = (key.of_loop, self.scopes.remove(&key)) else { return };
        let parent = self.parent_of(&key);
        let index = key.iteration.0.last().copied().unwrap_or_default() as usize;
        let Some(run) = self.scopes.get_mut(&parent).and_then(|parent| parent.loops.get_mut(for_each)) else { return };
        run.active = run.active.saturating_sub(1);
        if let (Some(slot), Some((_, output))) = (run.results.get_mut(index), &scope.last) {
            *slot = (**output).clone();
        }
        if let Some((title, error)) = scope.failure {
            run.failed.push((index, format!("\"{title}\" failed: {error}")));
        }
        tasks.push(Task::Fill(parent, for_each));
    }

    /// The plan every iteration of `for_each` starts from: the loop has gone to `each`, and
    /// nothing outside its body takes part.
    fn template(&mut self, for_each: &'g str) -> &Plan<'g> {
        let (blocks, edges, loops) = (self.blocks, self.edges, &self.loops);
        self.templates.entry(for_each).or_insert_with(|| {
            let mut plan = Plan::new(blocks, edges);
            let body = loops.body(for_each);
            for block in blocks {
                if block.id == for_each {
                    plan.set(&block.id, State::Succeeded(vec![EACH_PORT.to_string()]));
                } else if !body.is_some_and(|body| body.contains(&block.id)) {
                    plan.set(&block.id, State::Skipped(Skip::Inactive));
                }
            }
            plan
        })
    }
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The start of a value as JSON, for a message.
fn excerpt(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() > 80 { text.chars().take(80).chain("…".chars()).collect() } else { text }
}
