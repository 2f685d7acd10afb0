//! What blocks offer later steps as `${block.output}`, each with the JSON type of its value:
//! the payload fields of every trigger (SPEC §3), one `properties.<name>` output per form
//! property flagged "include in outbound integrations", and the types step outputs are
//! declared with in the catalogue. The one place for these rules: the designer's chips,
//! validation and the checks of sample payloads all read it.

use serde::Serialize;
use serde_json::Value;

use crate::{
    forms::{PropertyDef, PropertyKind},
    trigger::Trigger,
};

/// The JSON type of an output's value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum JsonType {
    String,
    Number,
    Boolean,
    Array,
    Object,
    /// Whatever the step or the caller puts there (a script's outputs, an HTTP request's body).
    Any,
}

impl JsonType {
    pub fn name(self) -> &'static str {
        match self {
            JsonType::String => "string",
            JsonType::Number => "number",
            JsonType::Boolean => "boolean",
            JsonType::Array => "array",
            JsonType::Object => "object",
            JsonType::Any => "any",
        }
    }

    /// Whether `value` has this type (`null` is only `Any`'s).
    pub fn admits(self, value: &Value) -> bool {
        match self {
            JsonType::String => value.is_string(),
            JsonType::Number => value.is_number(),
            JsonType::Boolean => value.is_boolean(),
            JsonType::Array => value.is_array(),
            JsonType::Object => value.is_object(),
            JsonType::Any => true,
        }
    }

    /// The type of a property's value in payloads: a list property sends the chosen value.
    pub fn of_property(kind: PropertyKind) -> JsonType {
        match kind {
            PropertyKind::Text | PropertyKind::List => JsonType::String,
            PropertyKind::Number => JsonType::Number,
            PropertyKind::Boolean => JsonType::Boolean,
        }
    }
}

/// An output as the catalogue declares it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OutputSpec {
    pub name: &'static str,
    #[serde(rename = "type")]
    pub json_type: JsonType,
    /// The value may be `null` (e.g. `username` when the system changed the status).
    pub nullable: bool,
    /// The field may be absent (e.g. `postedBy`, only on a comment posted on someone's behalf).
    pub optional: bool,
}

/// An output whose value always has `json_type`.
pub const fn output(name: &'static str, json_type: JsonType) -> OutputSpec {
    OutputSpec { name, json_type, nullable: false, optional: false }
}

/// An output whose value has `json_type` or is `null`.
pub const fn nullable(name: &'static str, json_type: JsonType) -> OutputSpec {
    OutputSpec { name, json_type, nullable: true, optional: false }
}

/// An output that is there only sometimes, then with `json_type`.
pub const fn optional(name: &'static str, json_type: JsonType) -> OutputSpec {
    OutputSpec { name, json_type, nullable: false, optional: true }
}

/// An output a block offers, as a chip: `path` follows the block id in a placeholder
/// (`status`, `properties.Ticket Number`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Output {
    pub path: String,
    pub json_type: JsonType,
    pub nullable: bool,
    pub optional: bool,
}

impl Output {
    /// The type as the designer shows it: `string`, `string or null`, `string, optional`.
    pub fn type_label(&self) -> String {
        let name = self.json_type.name();
        match (self.nullable, self.optional) {
            (true, _) => format!("{name} or null"),
            (false, true) => format!("{name}, optional"),
            (false, false) => name.to_string(),
        }
    }

    /// Whether `value` is what this output promises.
    pub fn admits(&self, value: &Value) -> bool {
        (self.nullable && value.is_null()) || self.json_type.admits(value)
    }
}

impl From<&OutputSpec> for Output {
    fn from(spec: &OutputSpec) -> Output {
        Output { path: spec.name.to_string(), json_type: spec.json_type, nullable: spec.nullable, optional: spec.optional }
    }
}

use JsonType::{Array, Number, Object, String as Text};

/// What every trigger's payload carries, in payload order.
const COMMON: &[OutputSpec] = &[
    output("eventIdentifier", Number),
    output("date", Text),
    output("trigger", Text),
    output("eventProperties", Array),
    output("properties", Object),
];

const STATUS: &[OutputSpec] = &[output("status", Text), nullable("username", Text)];
const COMMENT: &[OutputSpec] = &[output("author", Object), output("comment", Text), output("source", Text), optional("postedBy", Text)];
const ESCALATION: &[OutputSpec] = &[
    output("group", Object),
    output("shift", Text),
    output("reason", Text),
    nullable("escalatedBy", Text),
    output("escalationType", Text),
    output("from", Array),
    output("to", Array),
];
const DELIVERY: &[OutputSpec] = &[
    output("recipient", Text),
    output("device", Text),
    output("deviceId", Text),
    output("deliveryStatus", Text),
    output("eventType", Text),
    output("message", Text),
];
const RESPONSE: &[OutputSpec] =
    &[output("recipient", Text), output("device", Text), output("response", Text), nullable("annotation", Text), optional("postedBy", Text)];
const RECIPIENT_FAILURE: &[OutputSpec] = &[output("failureType", Text), output("recipients", Array), output("totalRecipients", Number)];

/// The trigger's own fields (SPEC §3).
fn own_fields(trigger: Trigger) -> &'static [OutputSpec] {
    match trigger {
        Trigger::Status => STATUS,
        Trigger::Comment => COMMENT,
        Trigger::Escalation => ESCALATION,
        Trigger::Delivery => DELIVERY,
        Trigger::Response | Trigger::Responses => RESPONSE,
        Trigger::RecipientFailure => RECIPIENT_FAILURE,
    }
}

/// The payload fields of a trigger (SPEC §3), which later steps reference.
pub fn trigger_outputs(trigger: Trigger) -> impl Iterator<Item = &'static OutputSpec> {
    COMMON.iter().chain(own_fields(trigger))
}

/// Whether a placeholder can name the property: `}` would end it early.
pub fn placeable(name: &str) -> bool {
    !name.contains('}')
}

/// What a trigger offers: its payload fields, with `properties.<name>` for each property of
/// the form flagged for outbound integrations right after `properties`.
pub fn trigger_offers(trigger: Trigger, properties: &[PropertyDef]) -> Vec<Output> {
    let mut offered = Vec::new();
    for spec in trigger_outputs(trigger) {
        offered.push(Output::from(spec));
        if spec.name == "properties" {
            offered.extend(properties.iter().filter(|property| property.include_in_outbound && placeable(&property.name)).map(|property| {
                // Absent when the alert has no value for it.
                let json_type = JsonType::of_property(property.kind);
                Output { path: format!("properties.{}", property.name), json_type, nullable: false, optional: true }
            }));
        }
    }
    offered
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn property(name: &str, kind: PropertyKind, include_in_outbound: bool) -> PropertyDef {
        PropertyDef { name: name.into(), kind, include_in_outbound, values: vec![] }
    }

    #[test]
    fn each_flagged_property_is_an_output_of_its_type_after_properties() {
        let properties = [
            property("Ticket Number", PropertyKind::Text, true),
            property("internal", PropertyKind::Text, false),
            property("customers", PropertyKind::Number, true),
            property("odd}name", PropertyKind::Text, true),
        ];
        let offered = trigger_offers(Trigger::Status, &properties);
        let paths: Vec<(&str, String)> = offered.iter().map(|output| (output.path.as_str(), output.type_label())).collect();
        assert_eq!(
            paths,
            [
                ("eventIdentifier", "number".to_string()),
                ("date", "string".into()),
                ("trigger", "string".into()),
                ("eventProperties", "array".into()),
                ("properties", "object".into()),
                ("properties.Ticket Number", "string, optional".into()),
                ("properties.customers", "number, optional".into()),
                ("status", "string".into()),
                ("username", "string or null".into()),
            ]
        );
    }

    #[test]
    fn escalations_offer_lists_and_objects_where_the_payload_has_them() {
        let offered = trigger_offers(Trigger::Escalation, &[]);
        let type_of = |path: &str| offered.iter().find(|output| output.path == path).map(|output| output.json_type);
        assert_eq!((type_of("from"), type_of("to"), type_of("group")), (Some(Array), Some(Array), Some(Object)));
        assert_eq!(type_of("eventProperties"), Some(Array));
    }

    #[test]
    fn an_output_admits_only_values_of_its_type() {
        let username = Output::from(&nullable("username", Text));
        assert!(username.admits(&json!("mmcbride")) && username.admits(&Value::Null) && !username.admits(&json!(1)));
        let from = Output::from(&output("from", Array));
        assert!(from.admits(&json!(["a"])) && !from.admits(&json!("")) && !from.admits(&Value::Null));
        assert!(JsonType::Any.admits(&Value::Null));
        let posted_by = trigger_offers(Trigger::Comment, &[]).into_iter().find(|output| output.path == "postedBy");
        assert_eq!(posted_by.map(|output| output.type_label()), Some("string, optional".into()));
    }
}
