use std::collections::{BTreeMap, HashSet};

use serde_json::{Map, json};

use super::*;

/// A step block without settings or inputs (the flow state machine's tests use these too).
pub(crate) fn step(id: &str, step: &str) -> Block {
    Block {
        id: id.into(),
        kind: BlockKind::Step,
        trigger: None,
        step: Some(step.into()),
        label: String::new(),
        settings: Map::new(),
        inputs: BTreeMap::new(),
        position: Position::default(),
    }
}

/// A step block with its settings (a JSON object) and its inputs.
pub(crate) fn block(id: &str, kind: &str, settings: serde_json::Value, inputs: &[(&str, &str)]) -> Block {
    let serde_json::Value::Object(settings) = settings else { panic!("settings are an object") };
    let inputs = inputs.iter().map(|(key, text)| (key.to_string(), text.to_string())).collect::<BTreeMap<_, _>>();
    Block { settings, inputs, ..step(id, kind) }
}

pub(crate) fn trigger(id: &str, key: &str) -> Block {
    Block { kind: BlockKind::Trigger, trigger: Some(key.into()), step: None, ..step(id, "") }
}

pub(crate) fn edge(from: &str, from_port: &str, to: &str) -> Edge {
    Edge { from: from.into(), from_port: from_port.into(), to: to.into(), to_port: "in".into() }
}

const SPEC_EXAMPLE: &str = r#"{"name": "Close ticket when alert ends", "formId": "fm_1",
   "blocks": [
     {"id": "t1", "kind": "trigger", "trigger": "status", "label": "Status Updates", "position": {"x": 40, "y": 80}},
     {"id": "s1", "kind": "step", "step": "switch", "label": "Terminated?", "settings": {"value": "${t1.status}", "cases": ["terminated"]}, "position": {"x": 260, "y": 80}},
     {"id": "w1", "kind": "step", "step": "webhook", "label": "Close ticket",
      "settings": {"endpointId": "ep_1", "method": "POST", "path": "/tickets/close"},
      "inputs": {"body": "{\"alert\": \"${t1.eventIdentifier}\"}"}, "position": {"x": 480, "y": 80}}],
   "edges": [{"from": "t1", "fromPort": "out", "to": "s1", "toPort": "in"},
             {"from": "s1", "fromPort": "terminated", "to": "w1", "toPort": "in"}]}"#;

#[test]
fn the_spec_example_parses_validates_clean_and_round_trips() {
    let document: FlowDocument = serde_json::from_str(SPEC_EXAMPLE).unwrap();
    let check = validate(&document.blocks, &document.edges, &[]);
    assert_eq!(check, Validation::default());
    let again: FlowDocument = serde_json::from_str(&serde_json::to_string(&document).unwrap()).unwrap();
    assert_eq!(again, document);
    let exported = serde_json::to_value(&document).unwrap();
    assert_eq!(exported["blocks"][0].get("step"), None, "a trigger block has no step key");
    assert_eq!(exported["edges"][1]["fromPort"], "terminated");
    assert_eq!(exported["blocks"][0]["position"], json!({"x": 40, "y": 80}), "whole positions stay integers");
}

#[test]
fn unknown_step_types_and_triggers_are_errors_naming_the_block() {
    let check = validate(&[trigger("t1", "sunrise"), step("x1", "teleport")], &[], &[]);
    let messages: Vec<&str> = check.errors.iter().map(|issue| issue.message.as_str()).collect();
    assert_eq!(messages, ["Block \"t1\" has an unknown trigger \"sunrise\".", "Block \"x1\" has an unknown step type \"teleport\"."]);
    assert_eq!(check.errors[1].code, IssueCode::UnknownType);
    let http_as_step = validate(&[step("h1", HTTP_TRIGGER)], &[], &[]);
    assert_eq!(http_as_step.errors[0].code, IssueCode::UnknownType, "the HTTP trigger is a trigger block");
}

#[test]
fn cycles_are_refused_naming_the_loop() {
    let blocks = [trigger("t1", "status"), step("a", "merge"), step("b", "merge"), step("c", "delay")];
    let edges = [edge("t1", "out", "a"), edge("a", "out", "b"), edge("b", "out", "c"), edge("c", "out", "a")];
    let check = validate(&blocks, &edges, &[]);
    assert_eq!(check.errors.len(), 1);
    assert_eq!(check.errors[0].code, IssueCode::Cycle);
    assert_eq!(check.errors[0].blocks, ["a", "b", "c"]);
    assert!(check.errors[0].message.contains("\"a\" → \"b\" → \"c\" → \"a\""), "{}", check.errors[0].message);
    let self_loop = validate(&[step("a", "merge")], &[edge("a", "out", "a")], &[]);
    assert_eq!(self_loop.errors[0].blocks, ["a"]);
}

#[test]
fn dangling_edges_and_missing_ports_are_errors() {
    let blocks = [trigger("t1", "status"), step("s1", "switch")];
    let check = validate(&blocks, &[edge("t1", "out", "gone")], &[]);
    assert_eq!(check.errors[0].code, IssueCode::DanglingEdge);
    assert!(check.errors[0].message.contains("\"gone\""));
    let bad_port = validate(&blocks, &[edge("t1", "sideways", "s1")], &[]);
    assert!(bad_port.errors[0].message.contains("port \"sideways\""), "{}", bad_port.errors[0].message);
    let into_trigger = validate(&blocks, &[Edge { from: "s1".into(), from_port: "default".into(), to: "t1".into(), to_port: "in".into() }], &[]);
    assert_eq!(into_trigger.errors[0].code, IssueCode::DanglingEdge, "triggers have no input port");
    let twice = validate(&blocks, &[edge("t1", "out", "s1"), edge("t1", "out", "s1")], &[]);
    assert_eq!(twice.errors[0].code, IssueCode::DuplicateEdge);
}

#[test]
fn duplicate_and_malformed_ids_are_errors() {
    let check = validate(&[step("a", "merge"), step("a", "merge"), step("b c", "merge")], &[], &[]);
    let codes: Vec<IssueCode> = check.errors.iter().map(|issue| issue.code).collect();
    assert_eq!(codes, [IssueCode::DuplicateBlock, IssueCode::BadBlock]);
}

#[test]
fn huge_graphs_are_refused_before_any_other_work() {
    let blocks: Vec<Block> = (0..=MAX_BLOCKS).map(|i| step(&format!("b{i}"), "merge")).collect();
    let check = validate(&blocks, &[], &[]);
    assert_eq!(check.errors.len(), 1);
    assert_eq!(check.errors[0].code, IssueCode::TooLarge);
}

#[test]
fn incomplete_blocks_get_warnings_not_errors() {
    let mut webhook = step("w1", "webhook");
    webhook.inputs.insert("body".into(), "${t1.status} ${t1.nope} ${ghost.x} ${t1.properties.number}".into());
    let blocks = [trigger("t1", "status"), webhook, step("d1", "delay")];
    let check = validate(&blocks, &[edge("t1", "out", "w1")], &[]);
    assert!(check.is_ok());
    let about = |id: &str| check.warnings_for(id).map(|issue| issue.code).collect::<Vec<_>>();
    assert_eq!(about("t1"), [], "a trigger without steps is fine");
    assert_eq!(about("w1"), [IssueCode::MissingSetting, IssueCode::MissingSetting, IssueCode::UnknownReference, IssueCode::UnknownReference]);
    assert_eq!(about("d1"), [IssueCode::Unconnected, IssueCode::MissingSetting]);
    let unknown: Vec<&str> =
        check.warnings.iter().filter(|issue| issue.code == IssueCode::UnknownReference).map(|issue| issue.message.as_str()).collect();
    assert!(unknown[0].contains("no output \"nope\""), "{unknown:?}");
    assert!(unknown[1].contains("no block \"ghost\""), "{unknown:?}");
}

#[test]
fn ports_follow_settings_and_response_choices() {
    let mut switch = step("s1", "switch");
    switch.settings.insert("cases".into(), json!(["high", "low", "high", " "]));
    assert_eq!(switch.out_ports(&[]), ["high", "low", "default", "error"], "a step that can fail has an error port");
    assert_eq!(switch.success_ports(&[]), ["high", "low", "default"]);
    switch.settings.insert("cases".into(), json!(["error"]));
    assert_eq!(switch.out_ports(&[]), ["error", "default"], "a case named error is not drawn twice");
    assert_eq!(step("m1", "merge").out_ports(&[]), ["out"], "a merge cannot fail");
    assert_eq!(step("f1", "forEach").out_ports(&[]), ["each", "done", "error"]);
    assert!(step("f1", "forEach").outputs().contains(&"error".to_string()), "f1.error holds the reason");
    let responses = trigger("r1", "responses");
    let choices = vec!["Accept".to_string(), "Decline".to_string()];
    assert_eq!(responses.out_ports(&choices), choices);
    assert!(responses.in_ports().is_empty());
    let mut script = step("x1", "script");
    script.settings.insert("outputs".into(), json!("ticket id\nurl"));
    assert_eq!(script.outputs(), ["ticket id", "url", "error"], "output names may contain spaces");
    let edges = [Edge { from: "r1".into(), from_port: "Accept".into(), to: "x1".into(), to_port: "in".into() }];
    assert!(validate(&[responses, script], &edges, &choices).is_ok());
}

#[test]
fn placeholders_are_found_with_spaces_and_paths() {
    let found = placeholders("a ${x1.ticket id} b ${t1.properties.number}${broken");
    assert_eq!(found.len(), 2);
    assert_eq!((found[0].block.as_str(), found[0].output.as_str()), ("x1", "ticket id"));
    assert_eq!((found[1].block.as_str(), found[1].output.as_str()), ("t1", "properties"));
    assert_eq!(&"a ${x1.ticket id} b"[found[0].span.0..found[0].span.1], "${x1.ticket id}");
    assert_eq!(placeholder("t1", "status"), "${t1.status}");
}

#[test]
fn placeholder_paths_go_into_json() {
    let found = placeholders("${w1.body.ticket.id} ${x1.ticket id}");
    assert_eq!(found[0].path(), Some("ticket.id"));
    assert_eq!(found[1].path(), None);
}

#[test]
fn comparisons_split_at_the_first_operator_outside_placeholders() {
    let parsed = parse_comparison("${w1.statusCode} >= 400").unwrap();
    assert_eq!((parsed.left.as_str(), parsed.operator, parsed.right.as_str()), ("${w1.statusCode}", Operator::AtLeast, "400"));
    let words = parse_comparison("${x1.a == b} not contains x == y").unwrap();
    assert_eq!((words.left.as_str(), words.operator, words.right.as_str()), ("${x1.a == b}", Operator::NotContains, "x == y"));
    assert!(parse_comparison("just text").unwrap_err().contains("no operator"));
    assert!(parse_comparison("== 3").is_err());
    assert!(Operator::Greater.holds("10", "9"), "numbers compare as numbers");
    assert!(Operator::Less.holds("10", "9a"), "text compares as text");
    assert!(Operator::Equal.holds("4.0", "4") && Operator::NotEqual.holds("a", "b"));
    assert!(Operator::StartsWith.holds("terminated", "term") && Operator::Contains.holds("abc", "b"));
}

#[test]
fn out_of_range_numbers_and_bad_comparisons_are_badges() {
    let mut delay = step("d1", "delay");
    delay.settings.insert("seconds".into(), json!(90000));
    let mut condition = step("c1", "condition");
    condition.settings.insert("match".into(), json!("all"));
    condition.settings.insert("conditions".into(), json!("${t1.status} == terminated\nnonsense"));
    let blocks = [trigger("t1", "status"), delay, condition];
    let check = validate(&blocks, &[edge("t1", "out", "d1"), edge("t1", "out", "c1")], &[]);
    let bad: Vec<&str> = check.warnings.iter().filter(|issue| issue.code == IssueCode::BadSetting).map(|issue| issue.message.as_str()).collect();
    assert_eq!(bad.len(), 2, "{bad:?}");
    assert!(bad[0].contains("seconds between 0 and 86400"), "{bad:?}");
    assert!(bad[1].contains("\"nonsense\" has no operator"), "{bad:?}");
}

#[test]
fn upstream_lists_every_ancestor() {
    let edges = [edge("t1", "out", "a"), edge("a", "out", "b"), edge("t2", "out", "b"), edge("b", "out", "c")];
    let mut found = upstream("c", &edges);
    found.sort();
    assert_eq!(found, ["a", "b", "t1", "t2"]);
    assert!(upstream("t1", &edges).is_empty());
}

#[test]
fn auto_layout_puts_each_block_one_column_after_its_deepest_parent() {
    let blocks = [trigger("t1", "status"), step("a", "merge"), step("b", "merge"), step("c", "merge")];
    let edges = [edge("t1", "out", "a"), edge("a", "out", "b"), edge("t1", "out", "c"), edge("b", "out", "c")];
    let layout = auto_layout(&blocks, &edges);
    let column = |id: &str| ((layout[id].x - 40.0) / 280.0) as usize;
    assert_eq!([column("t1"), column("a"), column("b"), column("c")], [0, 1, 2, 3]);
}

#[test]
fn every_catalogue_entry_is_well_formed() {
    let keys: HashSet<&str> = STEPS.iter().map(StepSpec::key).collect();
    assert_eq!(keys.len(), STEPS.len(), "keys are unique");
    for required in [
        "webhook",
        "script",
        "switch",
        "condition",
        "merge",
        "create_alert",
        "add_comment",
        "change_alert_status",
        "get_alerts",
        "delay",
        "forEach",
        "callFlow",
        "http",
        "call",
    ] {
        assert!(keys.contains(required), "{required} is in the catalogue");
    }
}

#[test]
fn a_call_trigger_offers_its_declared_inputs_and_a_call_flow_step_takes_them() {
    let mut called = trigger("c1", "call");
    called.settings.insert("inputs".into(), serde_json::json!(["ticket", "severity"]));
    assert_eq!(called.outputs(), ["ticket", "severity"], "what callers pass");
    assert!(called.in_ports().is_empty(), "it starts a flow");
    let mut call = step("k1", "callFlow");
    call.settings.insert("inputs".into(), serde_json::json!(["ticket"]));
    assert_eq!(call.input_specs().into_iter().map(|(key, ..)| key).collect::<Vec<_>>(), ["ticket"]);
    assert_eq!(call.outputs(), ["output", "runId", "error"]);
    let check = validate(&[trigger("t1", "status"), call], &[edge("t1", "out", "k1")], &[]);
    assert!(check.warnings.iter().any(|issue| issue.message == "\"Call Flow\" needs Flow."), "the flow to call is required: {:?}", check.warnings);
}

#[test]
fn a_loop_body_entered_from_outside_is_refused_naming_the_edge() {
    let blocks = [trigger("t1", "status"), step("fe", "forEach"), step("w1", "webhook"), step("after", "merge")];
    let sound = [edge("t1", "out", "fe"), edge("fe", "each", "w1"), edge("fe", "done", "after"), edge("fe", "error", "after")];
    assert!(validate(&blocks, &sound, &[]).is_ok());
    let mut entering = sound.to_vec();
    entering.push(edge("t1", "out", "w1"));
    let check = validate(&blocks, &entering, &[]);
    assert_eq!(check.errors.len(), 1);
    assert_eq!((check.errors[0].code, check.errors[0].blocks.as_slice()), (IssueCode::LoopBody, &["t1".to_string(), "w1".to_string()][..]));
    assert!(check.errors[0].message.contains("enters the body of the For Each \"fe\""), "{}", check.errors[0].message);
}
