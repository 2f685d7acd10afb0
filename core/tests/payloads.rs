//! Each trigger's payload against its golden file in `tests/golden/` (SPEC §3): field
//! names, the date format, and only flagged properties, in both shapes.

use outflow_core::payload;
use outflow_model::{
    forms::{PropertyDef, PropertyKind},
    trigger::Trigger,
};
use serde_json::{Map, Value, json};

/// 2026-11-28 21:19:31.123 UTC.
const CREATED_AT: i64 = 1_795_900_771_123;

fn definitions() -> Vec<PropertyDef> {
    let property = |name: &str, kind, include_in_outbound| PropertyDef { name: name.into(), kind, include_in_outbound, values: vec![] };
    vec![
        property("number", PropertyKind::Text, true),
        property("severity", PropertyKind::Text, true),
        property("internal notes", PropertyKind::Text, false),
        property("customer count", PropertyKind::Number, true),
    ]
}

fn values() -> Map<String, Value> {
    json!({"number": "INC001", "severity": "high", "internal notes": "do not send", "customer count": 42}).as_object().cloned().unwrap()
}

fn golden(name: &str) -> Value {
    let path = format!("{}/tests/golden/{name}.json", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{path}: {error}"));
    serde_json::from_str(&text).unwrap()
}

fn check(trigger: Trigger, fields: Value) {
    let built = payload::build(trigger, 1001, &definitions(), &values(), &fields, CREATED_AT);
    assert_eq!(built, golden(trigger.key()), "{}", serde_json::to_string_pretty(&built).unwrap());
}

#[test]
fn status() {
    check(Trigger::Status, json!({"status": "terminated", "username": null}));
}

#[test]
fn comment() {
    check(
        Trigger::Comment,
        json!({"author": {"targetName": "mmcbride", "firstName": "Mary", "lastName": "McBride"}, "comment": "Disk replaced", "source": "MOBILE_APP"}),
    );
}

#[test]
fn escalation() {
    check(
        Trigger::Escalation,
        json!({"group": {"targetName": "Database-Team"}, "shift": "Default Shift", "reason": "No response within 300 seconds",
               "escalatedBy": null, "escalationType": "TIMEOUT", "from": ["mmcbride"], "to": ["jsmith"]}),
    );
}

#[test]
fn delivery() {
    check(
        Trigger::Delivery,
        json!({"recipient": "mmcbride", "device": "Work Email", "deviceId": "dv_1", "deliveryStatus": "Delivered",
               "eventType": "DEVICE_DELIVERY", "message": "Test provider: email delivered to mary@example.com"}),
    );
}

#[test]
fn response() {
    check(Trigger::Response, json!({"recipient": "jsmith", "device": "Mobile Phone", "response": "Accept", "annotation": null}));
}

#[test]
fn recipient_failure() {
    check(Trigger::RecipientFailure, json!({"failureType": "NO_DEVICES", "recipients": ["carol", "dave"], "totalRecipients": 2}));
}

#[test]
fn unflagged_or_absent_properties_are_in_neither_shape() {
    let mut only_internal = Map::new();
    only_internal.insert("internal notes".into(), json!("secret"));
    let built = payload::build(Trigger::Status, 7, &definitions(), &only_internal, &json!({}), CREATED_AT);
    assert_eq!(built["eventProperties"], json!([]));
    assert_eq!(built["properties"], json!({}));
}
