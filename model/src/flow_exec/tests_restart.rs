//! Restarting from a step: which records a new run reuses, and that a run seeded with them
//! starts only the step restarted from (in the iterations that failed) and what follows.

use std::sync::Arc;

use serde_json::{Map, Value, json};

use super::{restart::Refusal, restart::restart, *};
use crate::flows::tests::{block, edge, trigger};

const NOW: i64 = 1_000_000;
const LIMITS: Limits = Limits { step_limit: 1_000 };

fn webhook(id: &str, body: &str) -> Block {
    block(id, "webhook", json!({"endpointId": "ep_1"}), &[("body", body)])
}

fn for_each(id: &str, items: &str) -> Block {
    block(id, "forEach", json!({"parallel": 1}), &[("items", items)])
}

fn succeeded(block: &str, iteration: &[u32], sent: &str, at: i64) -> StoredStep {
    StoredStep {
        block_id: block.into(),
        iteration: Iteration(iteration.to_vec()),
        status: StepStatus::Succeeded,
        outputs: Some(json!({"sent": sent})),
        ports: vec!["out".into()],
        error: None,
        started_at: at,
        finished_at: Some(at),
        due_at: None,
    }
}

fn failed(block: &str, iteration: &[u32], at: i64) -> StoredStep {
    StoredStep { status: StepStatus::Failed, outputs: None, ports: Vec::new(), error: Some("HTTP 503".into()), ..succeeded(block, iteration, "", at) }
}

fn seeded<'g>(blocks: &'g [Block], edges: &'g [Edge], reused: &[StoredStep]) -> (Execution<'g>, Progress<'g>) {
    let payload = Arc::new(json!({"list": ["x", "y", "z"]}));
    let mut run = Execution::new(blocks, edges, "t1", payload, vec!["out".into()], 0, LIMITS);
    let progress = run.resume(reused, NOW);
    (run, progress)
}

fn started(progress: &Progress<'_>) -> Vec<(String, String, Value)> {
    progress.start.iter().map(|start| (start.block.id.clone(), start.iteration.key(), start.inputs["body"].clone())).collect()
}

fn ok(body: &Value) -> Outcome {
    Outcome::done(Map::from_iter([("sent".to_string(), body.clone())]), Vec::new())
}

fn ids(steps: &[StoredStep]) -> Vec<(String, String)> {
    steps.iter().map(|step| (step.block_id.clone(), step.iteration.key())).collect()
}

fn linear() -> ([Block; 4], [Edge; 3]) {
    (
        [trigger("t1", "status"), webhook("w1", "first"), webhook("w2", "after ${w1.sent}"), webhook("w3", "${w2.sent}")],
        [edge("t1", "out", "w1"), edge("w1", "out", "w2"), edge("w2", "out", "w3")],
    )
}

#[test]
fn a_restart_reuses_what_ran_before_the_failed_step_and_starts_only_that_step() {
    let (blocks, edges) = linear();
    let stored = vec![succeeded("w1", &[], "first", NOW), failed("w2", &[], NOW + 1)];
    let restart = restart(&blocks, &edges, stored, None).expect("restartable");
    assert_eq!(restart.from, "w2", "by default the step that failed");
    assert_eq!(ids(&restart.reused), [("w1".to_string(), String::new())]);
    let (mut run, first) = seeded(&blocks, &edges, &restart.reused);
    assert_eq!(started(&first), [("w2".into(), String::new(), json!("after first"))], "w1's recorded output feeds w2; w1 does not run");
    let next = run.finished("w2", &Iteration::ROOT, NOW, None, ok(&json!("second")), NOW + 1);
    assert_eq!(started(&next), [("w3".into(), String::new(), json!("second"))]);
    let end = run.finished("w3", &Iteration::ROOT, NOW, None, ok(&json!("third")), NOW + 2).end.expect("ended");
    assert_eq!((end.status, run.steps_run()), (RunStatus::Succeeded, 2), "reused steps are not counted as run");
}

fn looped() -> ([Block; 5], [Edge; 4]) {
    (
        [
            trigger("t1", "status"),
            for_each("fe", "${t1.list}"),
            webhook("w1", "${fe.item}"),
            webhook("x1", "${w1.sent}!"),
            webhook("after", "${fe.results}"),
        ],
        [edge("t1", "out", "fe"), edge("fe", "each", "w1"), edge("w1", "out", "x1"), edge("fe", "done", "after")],
    )
}

/// A loop over x, y, z whose second iteration failed at x1.
fn loop_records() -> Vec<StoredStep> {
    vec![
        succeeded("w1", &[0], "x", NOW),
        succeeded("x1", &[0], "x!", NOW + 1),
        succeeded("w1", &[1], "y", NOW + 2),
        failed("x1", &[1], NOW + 3),
        succeeded("w1", &[2], "z", NOW + 4),
        succeeded("x1", &[2], "z!", NOW + 5),
        failed("fe", &[], NOW + 6),
    ]
}

#[test]
fn inside_a_loop_only_the_failed_iterations_run_again_and_the_loop_finishes_anew() {
    let (blocks, edges) = looped();
    let restart = restart(&blocks, &edges, loop_records(), Some("w1")).expect("restartable");
    let kept = ids(&restart.reused);
    assert_eq!(kept, [("w1".into(), "0".into()), ("x1".into(), "0".into()), ("w1".into(), "2".into()), ("x1".into(), "2".into())]);
    let (mut run, first) = seeded(&blocks, &edges, &restart.reused);
    assert_eq!(started(&first), [("w1".into(), "1".into(), json!("y"))], "only item 1 runs again");
    let next = run.finished("w1", &Iteration(vec![1]), NOW, None, ok(&json!("y")), NOW + 1);
    assert_eq!(started(&next), [("x1".into(), "1".into(), json!("y!"))]);
    let done = run.finished("x1", &Iteration(vec![1]), NOW, None, ok(&json!("y!")), NOW + 2);
    let results = json!([{"sent": "x!"}, {"sent": "y!"}, {"sent": "z!"}]);
    assert_eq!(started(&done), [("after".into(), String::new(), results)], "the loop's results mix reused and new outputs");
}

#[test]
fn by_default_a_loop_restarts_from_the_step_that_failed_inside_it() {
    let (blocks, edges) = looped();
    let restart = restart(&blocks, &edges, loop_records(), None).expect("restartable");
    assert_eq!(restart.from, "x1", "not the For Each that failed because of it");
    let (_, first) = seeded(&blocks, &edges, &restart.reused);
    assert_eq!(started(&first), [("x1".into(), "1".into(), json!("y!"))], "w1's record of item 1 is reused");
}

#[test]
fn a_loop_none_of_whose_iterations_failed_runs_the_step_in_every_iteration() {
    let (blocks, edges) = looped();
    let mut stored: Vec<StoredStep> = loop_records().into_iter().filter(|step| step.status == StepStatus::Succeeded).collect();
    stored.push(succeeded("x1", &[1], "y!", NOW + 3));
    stored.push(succeeded("fe", &[], "", NOW + 6));
    stored.push(failed("after", &[], NOW + 7));
    let restart = restart(&blocks, &edges, stored, Some("x1")).expect("restartable");
    assert_eq!(ids(&restart.reused), [("w1".into(), "0".into()), ("w1".into(), "1".into()), ("w1".into(), "2".into())]);
    let (_, first) = seeded(&blocks, &edges, &restart.reused);
    assert_eq!(started(&first), [("x1".into(), "0".into(), json!("x!"))]);
}

#[test]
fn a_step_that_is_not_in_the_graph_or_never_ran_is_refused() {
    let (blocks, edges) = linear();
    let stored = || vec![succeeded("w1", &[], "first", NOW), failed("w2", &[], NOW + 1)];
    assert_eq!(restart(&blocks, &edges, stored(), Some("nope")), Err(Refusal::UnknownStep("nope".into())));
    assert_eq!(restart(&blocks, &edges, stored(), Some("t1")), Err(Refusal::UnknownStep("t1".into())), "a trigger is no step");
    let never = restart(&blocks, &edges, stored(), Some("w3")).unwrap_err();
    assert_eq!(never, Refusal::NeverRan { step: "w3".into(), failed: Some("w2".into()) });
    assert!(never.to_string().contains("restart from \"w2\", the step that failed"), "{never}");
    let all_ok = vec![succeeded("w1", &[], "first", NOW), succeeded("w2", &[], "x", NOW), succeeded("w3", &[], "x", NOW)];
    assert_eq!(restart(&blocks, &edges, all_ok.clone(), None), Err(Refusal::NothingFailed));
    assert_eq!(ids(&restart(&blocks, &edges, all_ok, Some("w2")).expect("a succeeded run restarts from a named step").reused).len(), 1);
}
