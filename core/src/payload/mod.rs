//! The webhook payload of each trigger (SPEC §3): the common fields every payload carries,
//! the alert's outbound-flagged properties in both shapes, and the trigger's own fields as
//! the event log recorded them; the payload a flow's HTTP trigger starts a run with; and
//! ([`sample`]) an exact example of each, for triggers that never fired. Pure: no IO.

mod sample;

use outflow_model::{forms::PropertyDef, trigger::Trigger};
use serde_json::{Map, Value, json};

pub use self::sample::{http_sample, sample};
use crate::clock;

/// Builds the payload for one trigger event.
///
/// `definitions` are the form's properties (only those flagged "include in outbound
/// integrations" are sent, in form order); `values` the alert's property values;
/// `fields` the trigger's own fields; `created_at` when the webhook is created (ms).
pub fn build(
    trigger: Trigger,
    event_identifier: i64,
    definitions: &[PropertyDef],
    values: &Map<String, Value>,
    fields: &Value,
    created_at: i64,
) -> Value {
    let flagged: Vec<(&String, &Value)> = definitions
        .iter()
        .filter(|definition| definition.include_in_outbound)
        .filter_map(|definition| values.get(&definition.name).map(|value| (&definition.name, value)))
        .collect();
    let event_properties: Vec<Value> = flagged.iter().map(|(name, value)| json!({ *name: *value })).collect();
    let properties: Map<String, Value> = flagged.iter().map(|(name, value)| ((*name).clone(), (*value).clone())).collect();

    let mut payload = Map::new();
    payload.insert("eventIdentifier".into(), json!(event_identifier));
    payload.insert("date".into(), json!(clock::payload_date(created_at)));
    payload.insert("trigger".into(), json!(trigger.key()));
    payload.insert("eventProperties".into(), Value::Array(event_properties));
    payload.insert("properties".into(), Value::Object(properties));
    if let Value::Object(own) = fields {
        for (key, value) in own {
            payload.insert(key.clone(), value.clone());
        }
    }
    Value::Object(payload)
}

/// The payload of a call of a flow's HTTP trigger: the request's `body` (JSON, or text),
/// `headers` (without credentials) and `query` fields.
pub fn http(body: Value, headers: Map<String, Value>, query: Map<String, Value>) -> Value {
    json!({ "body": body, "headers": headers, "query": query })
}
