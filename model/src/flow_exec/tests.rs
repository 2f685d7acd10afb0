//! The machine driven by hand: a test plays the driver, finishing the steps it was handed.

use std::sync::Arc;

use serde_json::{Map, Value, json};

use super::*;
use crate::flows::tests::{block, edge, trigger};

const NOW: i64 = 1_000_000;
const LIMITS: Limits = Limits { step_limit: 100 };

fn webhook(id: &str, body: &str) -> Block {
    block(id, "webhook", json!({"endpointId": "ep_1", "method": "POST"}), &[("body", body)])
}

fn payload() -> Arc<Value> {
    Arc::new(json!({"eventIdentifier": 7, "status": "terminated", "response": "Accept", "count": 3}))
}

fn started(progress: &Progress<'_>) -> Vec<String> {
    progress.start.iter().map(|start| start.block.id.clone()).collect()
}

fn recorded(progress: &Progress<'_>) -> Vec<(String, StepStatus)> {
    progress.records.iter().map(|write| (write.block_id.clone(), write.status)).collect()
}

fn done(outputs: Value) -> Outcome {
    let Value::Object(outputs) = outputs else { panic!("outputs are an object") };
    Outcome::done(outputs, Vec::new())
}

#[test]
fn a_switch_runs_at_once_and_only_its_case_goes_on() {
    let blocks = [
        trigger("t1", "status"),
        block("s1", "switch", json!({"value": "${t1.status}", "cases": ["terminated", "active"]}), &[]),
        webhook("w1", "closed ${t1.eventIdentifier}"),
        webhook("w2", "still open"),
    ];
    let edges = [edge("t1", "out", "s1"), edge("s1", "terminated", "w1"), edge("s1", "active", "w2")];
    let mut run = Execution::new(&blocks, &edges, "t1", payload(), vec!["out".into()], 0, LIMITS);
    let progress = run.resume(&[], NOW);
    assert_eq!(recorded(&progress), [("s1".to_string(), StepStatus::Succeeded)], "the switch is recorded before w1 starts");
    assert_eq!(progress.records[0].ports, ["terminated"]);
    assert_eq!(started(&progress), ["w1"]);
    assert_eq!(progress.start[0].inputs["body"], json!("closed 7"), "inputs are resolved");
    assert!(matches!(&progress.start[0].settings, StepSettings::Webhook(webhook) if webhook.endpoint_id == "ep_1"));
    assert!(progress.end.is_none());

    let progress = run.finished("w1", &Iteration::ROOT, NOW, None, done(json!({"statusCode": 200})), NOW + 5);
    let end = progress.end.expect("nothing else runs");
    assert_eq!((end.status, end.output), (RunStatus::Succeeded, Some(json!({"statusCode": 200}))));
    assert!(run.has_ended());
}

#[test]
fn a_merge_waits_for_both_branches_and_runs_once() {
    let blocks =
        [trigger("t1", "status"), webhook("a", "a"), webhook("b", "b"), block("m", "merge", json!({}), &[]), webhook("after", "${a.statusCode}")];
    let edges = [edge("t1", "out", "a"), edge("t1", "out", "b"), edge("a", "out", "m"), edge("b", "out", "m"), edge("m", "out", "after")];
    let mut run = Execution::new(&blocks, &edges, "t1", payload(), vec!["out".into()], 0, LIMITS);
    assert_eq!(started(&run.resume(&[], NOW)), ["a", "b"], "independent paths start together");
    let progress = run.finished("a", &Iteration::ROOT, NOW, None, done(json!({"statusCode": 201})), NOW + 1);
    assert!(progress.start.is_empty() && progress.records.len() == 1, "the merge waits for b");
    let progress = run.finished("b", &Iteration::ROOT, NOW, None, done(json!({"statusCode": 202})), NOW + 2);
    assert_eq!(recorded(&progress), [("b".to_string(), StepStatus::Succeeded), ("m".to_string(), StepStatus::Succeeded)]);
    assert_eq!(started(&progress), ["after"]);
    assert_eq!(progress.start[0].inputs["body"], json!(201), "the merge's downstream sees both branches' outputs");
    assert!(run.finished("a", &Iteration::ROOT, NOW, None, done(json!({})), NOW + 3).records.is_empty(), "a step finishing twice counts once");
}

#[test]
fn the_responses_trigger_follows_only_the_chosen_response() {
    let blocks = [trigger("t1", "responses"), webhook("yes", "y"), webhook("no", "n")];
    let edges = [edge("t1", "Accept", "yes"), edge("t1", "Decline", "no")];
    let mut run = Execution::new(&blocks, &edges, "t1", payload(), vec!["Accept".into()], 0, LIMITS);
    assert_eq!(started(&run.resume(&[], NOW)), ["yes"]);
}

#[test]
fn a_failure_stops_its_path_and_fails_the_run_naming_the_step() {
    let mut failing = webhook("w1", "x");
    failing.label = "Open ticket".into();
    let blocks = [trigger("t1", "status"), failing, webhook("w2", "after"), webhook("side", "side")];
    let edges = [edge("t1", "out", "w1"), edge("w1", "out", "w2"), edge("t1", "out", "side")];
    let mut run = Execution::new(&blocks, &edges, "t1", payload(), vec!["out".into()], 0, LIMITS);
    run.resume(&[], NOW);
    let progress = run.finished("w1", &Iteration::ROOT, NOW, None, Outcome::failed("connection refused"), NOW + 1);
    assert!(progress.start.is_empty() && progress.end.is_none(), "the side path still runs");
    let end = run.finished("side", &Iteration::ROOT, NOW, None, done(json!({})), NOW + 2).end.expect("ended");
    assert_eq!(end.status, RunStatus::Failed);
    assert_eq!(end.reason.as_deref(), Some("\"Open ticket\" failed: connection refused"));
}

#[test]
fn unresolvable_placeholders_and_bad_settings_fail_the_step_without_starting_it() {
    let blocks = [trigger("t1", "status"), webhook("w1", "${t1.nothing}"), block("d1", "delay", json!({"seconds": 90000}), &[])];
    let edges = [edge("t1", "out", "w1"), edge("t1", "out", "d1")];
    let mut run = Execution::new(&blocks, &edges, "t1", payload(), vec!["out".into()], 0, LIMITS);
    let progress = run.resume(&[], NOW);
    assert!(progress.start.is_empty());
    let errors: Vec<&str> = progress.records.iter().filter_map(|write| write.error.as_deref()).collect();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(errors[0].contains("${t1.nothing} cannot be resolved"), "{errors:?}");
    assert_eq!(errors[1], "The step needs seconds between 0 and 86400, not \"90000\".");
    assert_eq!(progress.end.map(|end| end.status), Some(RunStatus::Failed));
}

#[test]
fn a_condition_resolves_its_comparisons_and_picks_a_port() {
    let blocks = [
        trigger("t1", "status"),
        block("c1", "condition", json!({"match": "all", "conditions": "${t1.count} >= 3\n${t1.status} == terminated"}), &[]),
        webhook("yes", "y"),
        webhook("no", "n"),
    ];
    let edges = [edge("t1", "out", "c1"), edge("c1", "true", "yes"), edge("c1", "false", "no")];
    let mut run = Execution::new(&blocks, &edges, "t1", payload(), vec!["out".into()], 0, LIMITS);
    let progress = run.resume(&[], NOW);
    assert_eq!(started(&progress), ["yes"]);
    assert_eq!(progress.records[0].outputs, Some(json!({"result": true})));
    assert_eq!(progress.records[0].logs[0].1, "${t1.count} >= 3 → \"3\" vs \"3\": true");
}

#[test]
fn a_delay_waits_is_recorded_as_waiting_and_can_park() {
    let blocks = [trigger("t1", "status"), block("d1", "delay", json!({"seconds": 3600}), &[]), webhook("w1", "later")];
    let edges = [edge("t1", "out", "d1"), edge("d1", "out", "w1")];
    let mut run = Execution::new(&blocks, &edges, "t1", payload(), vec!["out".into()], 0, LIMITS);
    let progress = run.resume(&[], NOW);
    let due = NOW + 3_600_000;
    assert_eq!(progress.count_down, [("d1".to_string(), Iteration::ROOT, due)]);
    assert_eq!((progress.records[0].status, progress.records[0].due_at), (StepStatus::Waiting, Some(due)));
    assert_eq!(run.park_until(NOW, 30_000), Some(due), "only a long wait is left");
    assert_eq!(run.park_until(due - 10_000, 30_000), None, "a short wait is counted down");
    let progress = run.delay_due("d1", &Iteration::ROOT, due);
    assert_eq!(recorded(&progress), [("d1".to_string(), StepStatus::Succeeded)]);
    assert_eq!(progress.records[0].started_at, NOW, "the record keeps when the Delay started");
    assert_eq!(started(&progress), ["w1"]);
}

#[test]
fn the_step_limit_stops_the_run_with_a_reason() {
    let blocks = [trigger("t1", "status"), webhook("a", "1"), webhook("b", "2"), webhook("c", "3")];
    let edges = [edge("t1", "out", "a"), edge("a", "out", "b"), edge("b", "out", "c")];
    let mut run = Execution::new(&blocks, &edges, "t1", payload(), vec!["out".into()], 0, Limits { step_limit: 2 });
    run.resume(&[], NOW);
    let progress = run.finished("a", &Iteration::ROOT, NOW, None, done(json!({})), NOW);
    assert_eq!(started(&progress), ["b"]);
    let progress = run.finished("b", &Iteration::ROOT, NOW, None, done(json!({})), NOW);
    assert!(progress.start.is_empty());
    let end = progress.end.expect("the limit ends the run");
    assert_eq!(end.reason.as_deref(), Some("The run stopped: it reached the limit of 2 steps per run."));
}

#[test]
fn resuming_replays_records_and_runs_only_what_has_none() {
    let blocks = [
        trigger("t1", "status"),
        webhook("a", "first"),
        block("d1", "delay", json!({"seconds": 60}), &[]),
        webhook("b", "${a.statusCode} after the wait"),
        webhook("c", "${a.statusCode} in parallel"),
    ];
    let edges = [edge("t1", "out", "a"), edge("a", "out", "d1"), edge("d1", "out", "b"), edge("a", "out", "c")];
    let stored = [
        StoredStep {
            block_id: "a".into(),
            iteration: Iteration::ROOT,
            status: StepStatus::Succeeded,
            outputs: Some(json!({"statusCode": 201})),
            ports: vec!["out".into()],
            error: None,
            started_at: NOW - 100,
            finished_at: Some(NOW - 90),
            due_at: None,
        },
        StoredStep {
            block_id: "d1".into(),
            iteration: Iteration::ROOT,
            status: StepStatus::Waiting,
            outputs: None,
            ports: Vec::new(),
            error: None,
            started_at: NOW - 90,
            finished_at: None,
            due_at: Some(NOW + 59_910),
        },
    ];
    let mut run = Execution::new(&blocks, &edges, "t1", payload(), vec!["out".into()], 2, LIMITS);
    let progress = run.resume(&stored, NOW);
    assert_eq!(started(&progress), ["c"], "a is not sent again; c, which was in flight at the crash, runs again");
    assert_eq!(progress.start[0].inputs["body"], json!("201 in parallel"), "a's stored outputs are used");
    assert_eq!(progress.count_down, [("d1".to_string(), Iteration::ROOT, NOW + 59_910)], "the Delay keeps its due time");
    assert!(progress.records.is_empty());
    run.finished("c", &Iteration::ROOT, NOW, None, done(json!({})), NOW + 1);
    assert_eq!(started(&run.delay_due("d1", &Iteration::ROOT, NOW + 59_910)), ["b"]);
}

#[test]
fn oversized_outputs_fail_the_step_and_logs_are_bounded() {
    let blocks = [trigger("t1", "status"), webhook("a", "x"), webhook("b", "y")];
    let edges = [edge("t1", "out", "a"), edge("t1", "out", "b")];
    let mut run = Execution::new(&blocks, &edges, "t1", payload(), vec!["out".into()], 0, LIMITS);
    run.resume(&[], NOW);
    let huge = Map::from_iter([("body".to_string(), Value::String("x".repeat(MAX_OUTPUT_BYTES)))]);
    let progress = run.finished("a", &Iteration::ROOT, NOW, None, Outcome::done(huge, Vec::new()), NOW);
    assert_eq!(progress.records[0].error.as_deref(), Some("The step's outputs are 1024 KiB; at most 1024 KiB are kept."));
    let logs = (0..MAX_LOG_LINES + 3).map(|at| (NOW, format!("line {at}"))).collect();
    let progress = run.finished("b", &Iteration::ROOT, NOW, None, Outcome::Done { outputs: Map::new(), ports: None, logs }, NOW);
    let kept = &progress.records[0].logs;
    assert_eq!(kept.len(), MAX_LOG_LINES + 1);
    assert_eq!(kept.last().map(|(_, line)| line.as_str()), Some("(3 more log lines were cut)"));
}
