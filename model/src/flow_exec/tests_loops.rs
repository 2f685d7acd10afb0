//! Error ports and For Each, driven by hand: the test plays the driver.

use std::sync::Arc;

use serde_json::{Map, Value, json};

use super::*;
use crate::flows::tests::{block, edge, trigger};

const NOW: i64 = 1_000_000;
const LIMITS: Limits = Limits { step_limit: 1_000 };

fn webhook(id: &str, body: &str) -> Block {
    block(id, "webhook", json!({"endpointId": "ep_1"}), &[("body", body)])
}

fn for_each(id: &str, items: &str, parallel: u64) -> Block {
    block(id, "forEach", json!({"parallel": parallel}), &[("items", items)])
}

fn payload() -> Arc<Value> {
    Arc::new(json!({"body": {"teams": [{"name": "a", "members": [1, 2]}, {"name": "b", "members": [3]}], "list": ["x", "y", "z"], "n": 4}}))
}

fn run<'g>(blocks: &'g [Block], edges: &'g [Edge]) -> Execution<'g> {
    Execution::new(blocks, edges, "t1", payload(), vec!["out".into()], 0, LIMITS)
}

/// What was handed out: block, iteration and resolved body.
fn started(progress: &Progress<'_>) -> Vec<(String, String, Value)> {
    progress
        .start
        .iter()
        .map(|start| (start.block.id.clone(), start.iteration.key(), start.inputs.get("body").cloned().unwrap_or(Value::Null)))
        .collect()
}

fn ok(body: Value) -> Outcome {
    Outcome::done(Map::from_iter([("sent".to_string(), body)]), Vec::new())
}

/// Finishes every step handed out (echoing its body) until the run ends; answers every
/// body sent, in order, and the end.
fn drive(run: &mut Execution<'_>, first: Progress<'_>) -> (Vec<Value>, RunEnd) {
    let mut sent = Vec::new();
    let mut queue: Vec<(String, Iteration, Value)> =
        first.start.iter().map(|start| (start.block.id.clone(), start.iteration.clone(), start.inputs["body"].clone())).collect();
    let mut end = first.end;
    while !queue.is_empty() {
        let (block, iteration, body) = queue.remove(0);
        sent.push(body.clone());
        let progress = run.finished(&block, &iteration, NOW, None, ok(body), NOW + 1);
        queue.extend(progress.start.iter().map(|start| (start.block.id.clone(), start.iteration.clone(), start.inputs["body"].clone())));
        end = end.or(progress.end);
    }
    (sent, end.expect("the run ended"))
}

#[test]
fn a_connected_error_port_carries_the_reason_on_and_the_run_succeeds() {
    let blocks = [trigger("t1", "status"), webhook("w1", "x"), webhook("next", "never"), webhook("handler", "failed: ${w1.error}")];
    let edges = [edge("t1", "out", "w1"), edge("w1", "out", "next"), edge("w1", "error", "handler")];
    let mut run = run(&blocks, &edges);
    run.resume(&[], NOW);
    let progress = run.finished("w1", &Iteration::ROOT, NOW, None, Outcome::failed("HTTP 503"), NOW + 1);
    let record = &progress.records[0];
    assert_eq!((record.status, record.ports.as_slice(), record.error.as_deref()), (StepStatus::Failed, &["error".to_string()][..], Some("HTTP 503")));
    assert_eq!(started(&progress), [("handler".into(), String::new(), json!("failed: HTTP 503"))]);
    let end = run.finished("handler", &Iteration::ROOT, NOW, None, ok(json!(1)), NOW + 2).end.expect("ended");
    assert_eq!((end.status, end.reason), (RunStatus::Succeeded, None), "a caught failure does not fail the run");
}

#[test]
fn a_caught_failure_is_replayed_after_a_crash() {
    let blocks = [trigger("t1", "status"), webhook("w1", "x"), webhook("handler", "${w1.error}")];
    let edges = [edge("t1", "out", "w1"), edge("w1", "error", "handler")];
    let stored = [StoredStep {
        block_id: "w1".into(),
        iteration: Iteration::ROOT,
        status: StepStatus::Failed,
        outputs: Some(json!({"error": "HTTP 503"})),
        ports: vec!["error".into()],
        error: Some("HTTP 503".into()),
        started_at: NOW,
        finished_at: Some(NOW),
        due_at: None,
    }];
    let mut run = Execution::new(&blocks, &edges, "t1", payload(), vec!["out".into()], 1, LIMITS);
    assert_eq!(started(&run.resume(&stored, NOW)), [("handler".into(), String::new(), json!("HTTP 503"))]);
}

#[test]
fn for_each_runs_its_body_per_item_in_order_and_done_gets_the_results() {
    let blocks =
        [trigger("t1", "status"), for_each("fe", "${t1.body.list}", 1), webhook("w1", "${fe.item}#${fe.index}"), webhook("after", "${fe.results}")];
    let edges = [edge("t1", "out", "fe"), edge("fe", "each", "w1"), edge("fe", "done", "after")];
    let mut run = run(&blocks, &edges);
    let first = run.resume(&[], NOW);
    assert_eq!(started(&first), [("w1".into(), "0".into(), json!("x#0"))], "one at a time by default");
    let (sent, end) = drive(&mut run, first);
    assert_eq!(sent, [json!("x#0"), json!("y#1"), json!("z#2"), json!([{"sent": "x#0"}, {"sent": "y#1"}, {"sent": "z#2"}])]);
    assert_eq!(end.status, RunStatus::Succeeded);
}

#[test]
fn parallel_bounds_the_iterations_in_flight_and_results_keep_item_order() {
    let blocks = [trigger("t1", "status"), for_each("fe", "[1, 2, 3, 4, 5]", 2), webhook("w1", "${fe.item}")];
    let edges = [edge("t1", "out", "fe"), edge("fe", "each", "w1")];
    let mut run = run(&blocks, &edges);
    let progress = run.resume(&[], NOW);
    assert_eq!(started(&progress).len(), 2);
    // The second item ends first: the third starts, never more than two at once.
    let progress = run.finished("w1", &Iteration(vec![1]), NOW, None, ok(json!("two")), NOW + 1);
    assert_eq!(started(&progress), [("w1".into(), "2".into(), json!(3))]);
    run.finished("w1", &Iteration(vec![0]), NOW, None, ok(json!("one")), NOW + 2);
    run.finished("w1", &Iteration(vec![2]), NOW, None, ok(json!("three")), NOW + 3);
    run.finished("w1", &Iteration(vec![3]), NOW, None, ok(json!("four")), NOW + 4);
    let progress = run.finished("w1", &Iteration(vec![4]), NOW, None, ok(json!("five")), NOW + 5);
    let record = progress.records.iter().find(|write| write.block_id == "fe").expect("the loop is recorded once every item ended");
    assert_eq!(record.ports, ["done"]);
    assert_eq!(
        record.outputs.as_ref().map(|outputs| outputs["results"].clone()),
        Some(json!([{"sent": "one"}, {"sent": "two"}, {"sent": "three"}, {"sent": "four"}, {"sent": "five"}]))
    );
    assert_eq!(progress.end.map(|end| end.status), Some(RunStatus::Succeeded));
}

#[test]
fn nested_loops_see_their_own_item_and_the_outer_one_never_changes() {
    let blocks = [
        trigger("t1", "status"),
        for_each("teams", "${t1.body.teams}", 1),
        for_each("members", "${teams.item.members}", 1),
        webhook("w1", "${teams.item.name}/${teams.index}: ${members.item}/${members.index}"),
        webhook("summary", "${teams.item.name} had ${members.results}"),
    ];
    let edges = [edge("t1", "out", "teams"), edge("teams", "each", "members"), edge("members", "each", "w1"), edge("members", "done", "summary")];
    let mut run = run(&blocks, &edges);
    let first = run.resume(&[], NOW);
    assert_eq!(started(&first), [("w1".into(), "0/0".into(), json!("a/0: 1/0"))]);
    let (sent, end) = drive(&mut run, first);
    assert_eq!(
        sent,
        [
            json!("a/0: 1/0"),
            json!("a/0: 2/1"),
            json!("a had [{\"sent\":\"a/0: 1/0\"},{\"sent\":\"a/0: 2/1\"}]"),
            json!("b/1: 3/0"),
            json!("b had [{\"sent\":\"b/1: 3/0\"}]"),
        ]
    );
    assert_eq!(end.status, RunStatus::Succeeded);
    assert_eq!(
        end.output,
        Some(json!({"results": [{"sent": "a had [{\"sent\":\"a/0: 1/0\"},{\"sent\":\"a/0: 2/1\"}]"}, {"sent": "b had [{\"sent\":\"b/1: 3/0\"}]"}]}))
    );
}

#[test]
fn items_that_are_not_an_array_fail_the_step_with_the_reason() {
    let blocks = [trigger("t1", "status"), for_each("fe", "${t1.body.n}", 1), webhook("w1", "${fe.item}"), webhook("oops", "${fe.error}")];
    let edges = [edge("t1", "out", "fe"), edge("fe", "each", "w1"), edge("fe", "error", "oops")];
    let mut run = run(&blocks, &edges);
    let progress = run.resume(&[], NOW);
    assert_eq!(progress.records[0].error.as_deref(), Some("The step needs an array in items, not a number: 4"));
    assert_eq!(started(&progress), [("oops".into(), String::new(), json!("The step needs an array in items, not a number: 4"))]);
}

#[test]
fn a_failed_iteration_fails_the_loop_after_every_item_ran_naming_the_item() {
    let mut post = webhook("w1", "${fe.item}");
    post.label = "Post".into();
    let blocks = [trigger("t1", "status"), for_each("fe", "[\"a\", \"b\", \"c\"]", 3), post, webhook("after", "never")];
    let edges = [edge("t1", "out", "fe"), edge("fe", "each", "w1"), edge("fe", "done", "after")];
    let mut run = run(&blocks, &edges);
    assert_eq!(run.resume(&[], NOW).start.len(), 3);
    run.finished("w1", &Iteration(vec![0]), NOW, None, ok(json!("a")), NOW);
    run.finished("w1", &Iteration(vec![1]), NOW, None, Outcome::failed("HTTP 500"), NOW);
    let progress = run.finished("w1", &Iteration(vec![2]), NOW, None, ok(json!("c")), NOW);
    assert!(progress.start.is_empty(), "done is not taken");
    let end = progress.end.expect("ended");
    assert_eq!(end.status, RunStatus::Failed);
    assert_eq!(end.reason.as_deref(), Some("\"For Each\" failed: 1 of 3 iterations failed; the first, item 1: \"Post\" failed: HTTP 500"));
}

#[test]
fn an_error_port_inside_the_body_keeps_the_iteration_going() {
    let blocks = [trigger("t1", "status"), for_each("fe", "[1, 2]", 1), webhook("w1", "${fe.item}"), webhook("fix", "retry ${fe.item}: ${w1.error}")];
    let edges = [edge("t1", "out", "fe"), edge("fe", "each", "w1"), edge("w1", "error", "fix")];
    let mut run = run(&blocks, &edges);
    run.resume(&[], NOW);
    let progress = run.finished("w1", &Iteration(vec![0]), NOW, None, Outcome::failed("HTTP 500"), NOW);
    assert_eq!(started(&progress), [("fix".into(), "0".into(), json!("retry 1: HTTP 500"))]);
    let (_, end) = drive(&mut run, progress);
    assert_eq!(end.status, RunStatus::Succeeded);
}

#[test]
fn a_resumed_loop_runs_only_the_iterations_that_have_no_record() {
    let blocks = [trigger("t1", "status"), for_each("fe", "${t1.body.list}", 2), webhook("w1", "${fe.item}"), webhook("after", "${fe.results}")];
    let edges = [edge("t1", "out", "fe"), edge("fe", "each", "w1"), edge("fe", "done", "after")];
    let record = |index: u32, sent: &str| StoredStep {
        block_id: "w1".into(),
        iteration: Iteration(vec![index]),
        status: StepStatus::Succeeded,
        outputs: Some(json!({"sent": sent})),
        ports: vec!["out".into()],
        error: None,
        started_at: NOW - 10,
        finished_at: Some(NOW - 5),
        due_at: None,
    };
    // Items 0 and 2 were recorded; item 1 was in flight when the process died.
    let stored = [record(0, "x"), record(2, "z")];
    let mut run = Execution::new(&blocks, &edges, "t1", payload(), vec!["out".into()], 4, LIMITS);
    let first = run.resume(&stored, NOW);
    assert_eq!(started(&first), [("w1".into(), "1".into(), json!("y"))], "only the lost item runs again");
    let (sent, end) = drive(&mut run, first);
    assert_eq!(sent, [json!("y"), json!([{"sent": "x"}, {"sent": "y"}, {"sent": "z"}])]);
    assert_eq!(end.status, RunStatus::Succeeded);
    assert_eq!(run.steps_run(), 4 + 3, "the loop, the lost item and the step after it");
}

#[test]
fn the_step_limit_counts_every_iteration() {
    let blocks = [trigger("t1", "status"), for_each("fe", "[1, 2, 3, 4, 5]", 1), webhook("w1", "${fe.item}")];
    let edges = [edge("t1", "out", "fe"), edge("fe", "each", "w1")];
    let mut run = Execution::new(&blocks, &edges, "t1", payload(), vec!["out".into()], 0, Limits { step_limit: 3 });
    let first = run.resume(&[], NOW);
    let (sent, end) = drive(&mut run, first);
    assert_eq!(sent, [json!(1), json!(2)], "the loop and two items make three steps");
    assert_eq!(end.reason.as_deref(), Some("The run stopped: it reached the limit of 3 steps per run."));
}

#[test]
fn a_delay_inside_a_loop_counts_down_per_iteration() {
    let blocks = [trigger("t1", "status"), for_each("fe", "[1, 2]", 2), block("d1", "delay", json!({"seconds": 5}), &[])];
    let edges = [edge("t1", "out", "fe"), edge("fe", "each", "d1")];
    let mut run = run(&blocks, &edges);
    let progress = run.resume(&[], NOW);
    let due = NOW + 5_000;
    assert_eq!(progress.count_down, [("d1".to_string(), Iteration(vec![0]), due), ("d1".to_string(), Iteration(vec![1]), due)]);
    assert!(run.delay_due("d1", &Iteration(vec![0]), due).end.is_none());
    assert_eq!(run.delay_due("d1", &Iteration(vec![1]), due).end.map(|end| end.status), Some(RunStatus::Succeeded));
}
