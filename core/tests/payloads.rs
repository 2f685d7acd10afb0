//! Each trigger's payload against its golden file in `tests/golden/` (SPEC §3): field
//! names, the date format, and only flagged properties, in both shapes; and each trigger's
//! sample payload (`sample-<trigger>.json`) with SPEC §3's shapes.

use outflow_core::payload;
use outflow_model::{
    forms::{Form, PropertyDef, PropertyKind, ResponseAction, ResponseOption},
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

/// The form the sample payloads are built for: every property type, a name with a space and
/// one not flagged for outbound integrations.
fn sample_form() -> Form {
    let mut properties = definitions();
    properties.push(PropertyDef { name: "paged".into(), kind: PropertyKind::Boolean, include_in_outbound: true, values: vec![] });
    properties.push(PropertyDef {
        name: "impact".into(),
        kind: PropertyKind::List,
        include_in_outbound: true,
        values: vec!["major".into(), "minor".into()],
    });
    Form {
        id: "fm_1".into(),
        workflow_id: "wf_1".into(),
        name: "Major incident".into(),
        enabled: true,
        properties,
        responses: vec![ResponseOption { choice: "Accept".into(), action: ResponseAction::AssignToUser }],
    }
}

/// Each trigger's sample payload against `tests/golden/sample-<trigger>.json`; run with
/// `OUTFLOW_BLESS=1` to write the files after a deliberate change (then read the diff).
#[test]
fn sample_payloads_match_their_golden_files() {
    for trigger in Trigger::ALL {
        let built = payload::sample(trigger, &sample_form(), CREATED_AT);
        let name = format!("sample-{}", trigger.key());
        if std::env::var_os("OUTFLOW_BLESS").is_some() {
            let path = format!("{}/tests/golden/{name}.json", env!("CARGO_MANIFEST_DIR"));
            std::fs::write(&path, serde_json::to_string_pretty(&built).unwrap() + "\n").unwrap();
        }
        assert_eq!(built, golden(&name), "{}", serde_json::to_string_pretty(&built).unwrap());
    }
}

/// SPEC §3's shapes, checked on the samples: `eventProperties` is a list of single-key
/// objects, `properties` one object of the same values, people and groups as SPEC says.
#[test]
fn sample_payloads_have_the_shapes_spec_section_3_gives() {
    let form = sample_form();
    for trigger in Trigger::ALL {
        let payload = payload::sample(trigger, &form, CREATED_AT);
        let entries = payload["eventProperties"].as_array().unwrap_or_else(|| panic!("{trigger:?}: eventProperties is a list"));
        let mut joined = Map::new();
        for entry in entries {
            let entry = entry.as_object().expect("each entry is an object");
            assert_eq!(entry.len(), 1, "{trigger:?}: one property per entry");
            joined.extend(entry.clone());
        }
        assert_eq!(Value::Object(joined), payload["properties"], "{trigger:?}: both shapes hold the same values");
        assert!(payload["properties"].get("internal notes").is_none());
        assert_eq!(payload["date"], "2026-11-28 21:19:31.123");
        assert_eq!(payload["trigger"], trigger.key());
    }
    let names = |value: &Value| value.as_array().is_some_and(|items| !items.is_empty() && items.iter().all(Value::is_string));
    let escalation = payload::sample(Trigger::Escalation, &form, CREATED_AT);
    assert!(names(&escalation["from"]) && names(&escalation["to"]), "from and to are lists of targetNames");
    assert!(escalation["group"]["targetName"].is_string());
    let comment = payload::sample(Trigger::Comment, &form, CREATED_AT);
    for key in ["targetName", "firstName", "lastName"] {
        assert!(comment["author"][key].is_string(), "author.{key}");
    }
    let failure = payload::sample(Trigger::RecipientFailure, &form, CREATED_AT);
    assert!(names(&failure["recipients"]));
    assert_eq!(failure["totalRecipients"], failure["recipients"].as_array().map_or(0, Vec::len));
}
