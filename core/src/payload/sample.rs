//! An exact sample payload per trigger, for a trigger that never fired (the integration
//! editor's "what's included", the designer's Test panel): a made-up but realistic alert of
//! the form — each property with an example value of its type — and event, put through
//! [`super::build`], the code that builds real payloads, so the sample cannot drift from them.

use outflow_model::{
    alerts::{AlertStatus, CommentSource},
    forms::{Form, PropertyDef, PropertyKind},
    trigger::Trigger,
};
use serde_json::{Map, Value, json};

/// The alert number samples carry.
const SAMPLE_EVENT_IDENTIFIER: i64 = 1001;

/// The payload `trigger` would send for an alert of `form`, created at `created_at` (ms).
pub fn sample(trigger: Trigger, form: &Form, created_at: i64) -> Value {
    let values: Map<String, Value> = form.properties.iter().map(|property| (property.name.clone(), example_value(property))).collect();
    let fields = example_fields(trigger, form);
    super::build(trigger, SAMPLE_EVENT_IDENTIFIER, &form.properties, &values, &fields, created_at)
}

/// The payload of a call of a flow's HTTP trigger with no body, headers or query.
pub fn http_sample() -> Value {
    super::http(Value::Null, Map::new(), Map::new())
}

/// A value of the property's type, as an alert of the form could hold it.
fn example_value(property: &PropertyDef) -> Value {
    match property.kind {
        PropertyKind::Text => json!(format!("Example {}", property.name)),
        PropertyKind::Number => json!(42),
        PropertyKind::Boolean => json!(true),
        PropertyKind::List => json!(property.values.first().cloned().unwrap_or_default()),
    }
}

/// The trigger's own fields, as the event log records them for a real event.
fn example_fields(trigger: Trigger, form: &Form) -> Value {
    match trigger {
        Trigger::Status => json!({"status": AlertStatus::Active.payload_key(), "username": "mmcbride"}),
        Trigger::Comment => json!({
            "author": {"targetName": "mmcbride", "firstName": "Mary", "lastName": "McBride"},
            "comment": "Disk replaced; watching the latency.",
            "source": CommentSource::MobileApp.key(),
        }),
        Trigger::Escalation => json!({
            "group": {"targetName": "Database-Team"},
            "shift": "Default Shift",
            "reason": "No response within 300 seconds",
            "escalatedBy": null,
            "escalationType": "TIMEOUT",
            "from": ["mmcbride"],
            "to": ["jsmith"],
        }),
        Trigger::Delivery => json!({
            "recipient": "mmcbride",
            "device": "Work Email",
            "deviceId": "dv_01example0000000000",
            "deliveryStatus": "Delivered",
            "eventType": "DEVICE_DELIVERY",
            "message": "Test provider: email delivered to mary@example.com",
        }),
        Trigger::Response | Trigger::Responses => {
            let choice = form.responses.first().map_or("Acknowledge", |option| option.choice.as_str());
            json!({"recipient": "jsmith", "device": "Mobile Phone", "response": choice, "annotation": "On my way"})
        }
        Trigger::RecipientFailure => json!({"failureType": "NO_DEVICES", "recipients": ["carol", "dave"], "totalRecipients": 2}),
    }
}

#[cfg(test)]
mod tests {
    use outflow_model::flows::trigger_offers;

    use super::*;

    fn form() -> Form {
        let property = |name: &str, kind, include_in_outbound, values: &[&str]| PropertyDef {
            name: name.into(),
            kind,
            include_in_outbound,
            values: values.iter().map(|value| value.to_string()).collect(),
        };
        Form {
            id: "fm_1".into(),
            workflow_id: "wf_1".into(),
            name: "Incident".into(),
            enabled: true,
            properties: vec![
                property("Ticket Number", PropertyKind::Text, true, &[]),
                property("customers", PropertyKind::Number, true, &[]),
                property("paged", PropertyKind::Boolean, true, &[]),
                property("severity", PropertyKind::List, true, &["high", "low"]),
                property("internal notes", PropertyKind::Text, false, &[]),
            ],
            responses: vec![],
        }
    }

    /// The sample has the fields the designer offers (all but optional ones), each of the
    /// type it says, and no other: the catalogue of outputs and the payload builder agree.
    #[test]
    fn every_sample_has_the_offered_outputs_with_their_types() {
        let form = form();
        for trigger in Trigger::ALL {
            let payload = sample(trigger, &form, 0);
            let offered = trigger_offers(trigger, &form.properties);
            for key in payload.as_object().unwrap().keys() {
                assert!(offered.iter().any(|output| &output.path == key), "{trigger:?}: {key} is sent but not offered");
            }
            for output in &offered {
                let (first, rest) = output.path.split_once('.').unwrap_or((&output.path, ""));
                let value = if rest.is_empty() { payload.get(first) } else { payload[first].get(rest) };
                match value {
                    Some(value) => assert!(output.admits(value), "{trigger:?}: {} is {value}, not {}", output.path, output.type_label()),
                    None => assert!(output.optional && rest.is_empty(), "{trigger:?}: {} is offered but not sent", output.path),
                }
            }
        }
    }

    #[test]
    fn properties_get_an_example_of_their_type_and_only_flagged_ones_are_sent() {
        let payload = sample(Trigger::Status, &form(), 0);
        assert_eq!(payload["properties"], json!({"Ticket Number": "Example Ticket Number", "customers": 42, "paged": true, "severity": "high"}));
        assert_eq!(payload["eventProperties"][3], json!({"severity": "high"}));
        assert_eq!(payload["eventProperties"].as_array().map(Vec::len), Some(4));
    }

    #[test]
    fn a_response_sample_picks_the_forms_first_choice() {
        let mut form = form();
        assert_eq!(sample(Trigger::Responses, &form, 0)["response"], "Acknowledge");
        form.responses = vec![outflow_model::forms::ResponseOption { choice: "Accept".into(), action: Default::default() }];
        assert_eq!(sample(Trigger::Response, &form, 0)["response"], "Accept");
    }
}
