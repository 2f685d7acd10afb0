//! Placeholder resolution: `${blockId.output.path}` in a step's inputs and text settings
//! becomes the value of that output of an upstream block. Pure: the executor hands in the
//! outputs of the blocks upstream of the step (see [`super::placeholders::upstream`]).
//!
//! A text that is exactly one placeholder resolves to the value itself (an object stays an
//! object, a number a number); placeholders inside longer text are replaced by their value
//! as text (strings as they are, anything else as JSON). The path after the output name
//! goes into the JSON value: object keys (a key may hold spaces and dots: the longest run of
//! segments that names a key wins, so `${t1.properties.v1.2}` finds the property `v1.2`),
//! array indexes, and into a string that holds JSON (a Webhook's `body`), so
//! `${w1.body.ticket.id}` works. A placeholder that cannot be
//! resolved is an error naming it and what is missing.

use std::{borrow::Cow, collections::HashMap, sync::Arc};

use super::placeholders::{Placeholder, placeholders};
use serde_json::Value;

/// What a step's placeholders may refer to.
#[derive(Debug, Clone, Default)]
pub struct Resolver {
    /// Outputs of the upstream blocks that succeeded (a trigger's are its payload), by block id.
    pub outputs: HashMap<String, Arc<Value>>,
    /// Titles of every upstream block, ran or not, for messages.
    pub upstream: HashMap<String, String>,
}

impl Resolver {
    /// Resolves a text (see the module docs).
    pub fn resolve(&self, text: &str) -> Result<Value, String> {
        let found = placeholders(text);
        if found.is_empty() {
            return Ok(Value::String(text.to_string()));
        }
        if let [only] = found.as_slice()
            && only.span == (0, text.len())
        {
            return self.value_of(only).map(Cow::into_owned);
        }
        let mut resolved = String::with_capacity(text.len());
        let mut rest = 0;
        for placeholder in &found {
            resolved.push_str(&text[rest..placeholder.span.0]);
            let value = self.value_of(placeholder)?;
            resolved.push_str(&as_text(&value));
            rest = placeholder.span.1;
        }
        resolved.push_str(&text[rest..]);
        Ok(Value::String(resolved))
    }

    /// Resolves a text to text.
    pub fn resolve_text(&self, text: &str) -> Result<String, String> {
        self.resolve(text).map(|value| as_text(&value).into_owned())
    }

    fn value_of(&self, placeholder: &Placeholder) -> Result<Cow<'_, Value>, String> {
        let raw = &placeholder.raw;
        let Some(title) = self.upstream.get(&placeholder.block) else {
            return Err(format!("${{{raw}}} cannot be resolved: there is no block \"{}\" upstream of this step.", placeholder.block));
        };
        let Some(outputs) = self.outputs.get(&placeholder.block) else {
            return Err(format!("${{{raw}}} cannot be resolved: \"{title}\" did not run in this run."));
        };
        let Some(start) = outputs.get(&placeholder.output) else {
            return Err(format!("${{{raw}}} cannot be resolved: \"{title}\" has no output \"{}\".", placeholder.output));
        };
        let mut value = Cow::Borrowed(start);
        let Some(path) = placeholder.path() else { return Ok(value) };
        let segments: Vec<&str> = path.split('.').collect();
        let mut walked = placeholder.output.clone();
        let mut at = 0;
        while at < segments.len() {
            // A string holding JSON (a webhook's body) is walked into.
            if let Value::String(text) = value.as_ref()
                && let Ok(inner) = serde_json::from_str::<Value>(text)
            {
                value = Cow::Owned(inner);
            }
            let rest = &segments[at..];
            let next = match value {
                Cow::Borrowed(value) => child(value, rest).map(|(found, taken)| (Cow::Borrowed(found), taken)),
                Cow::Owned(value) => child(&value, rest).map(|(found, taken)| (Cow::Owned(found.clone()), taken)),
            };
            let Some((next, taken)) = next else {
                return Err(format!("${{{raw}}} cannot be resolved: \"{title}\" output \"{walked}\" has no \"{}\".", rest[0]));
            };
            value = next;
            walked.push('.');
            walked.push_str(&rest[..taken].join("."));
            at += taken;
        }
        Ok(value)
    }
}

/// The child the path's next segments name, and how many segments its key took: an array's
/// item by index, or an object's field, whose name may hold dots (a property named
/// `v1.2`), so the longest run of segments that is a key wins.
fn child<'v>(value: &'v Value, segments: &[&str]) -> Option<(&'v Value, usize)> {
    match value {
        Value::Object(map) => (1..=segments.len()).rev().find_map(|taken| map.get(&segments[..taken].join(".")).map(|found| (found, taken))),
        Value::Array(items) => segments.first()?.parse::<usize>().ok().and_then(|index| items.get(index)).map(|found| (found, 1)),
        _ => None,
    }
}

/// A value as text: strings as they are, anything else as JSON.
pub fn as_text(value: &Value) -> Cow<'_, str> {
    match value {
        Value::String(text) => Cow::Borrowed(text),
        other => Cow::Owned(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn resolver() -> Resolver {
        let mut resolver = Resolver::default();
        resolver.outputs.insert("t1".into(), Arc::new(json!({"eventIdentifier": 42, "properties": {"number": "INC-7"}, "status": "active"})));
        resolver
            .outputs
            .insert("w1".into(), Arc::new(json!({"statusCode": 201, "body": "{\"ticket\": {\"id\": \"T-9\", \"tags\": [\"a\", \"b\"]}}"})));
        resolver.outputs.insert("x1".into(), Arc::new(json!({"ticket id": 7})));
        resolver.outputs.insert("t2".into(), Arc::new(json!({"properties": {"Ticket Number": "INC-8", "v1.2": "dotted", "v1": {"3": "nested"}}})));
        for (id, title) in [("t1", "Status Updates"), ("t2", "Alert Comments"), ("w1", "Open ticket"), ("x1", "Reshape"), ("s1", "Is it high?")] {
            resolver.upstream.insert(id.into(), title.into());
        }
        resolver
    }

    #[test]
    fn a_lone_placeholder_keeps_its_type_and_text_gets_text() {
        let resolver = resolver();
        assert_eq!(resolver.resolve("${t1.eventIdentifier}").unwrap(), json!(42));
        assert_eq!(resolver.resolve("${t1.properties}").unwrap(), json!({"number": "INC-7"}));
        assert_eq!(
            resolver.resolve("{\"alert\": ${t1.eventIdentifier}, \"n\": \"${t1.properties.number}\"}").unwrap(),
            json!("{\"alert\": 42, \"n\": \"INC-7\"}")
        );
        assert_eq!(resolver.resolve("no placeholders").unwrap(), json!("no placeholders"));
        assert_eq!(resolver.resolve("${x1.ticket id}").unwrap(), json!(7), "output names may contain spaces");
    }

    #[test]
    fn property_names_with_spaces_or_dots_resolve_as_their_chips_write_them() {
        let resolver = resolver();
        assert_eq!(resolver.resolve("${t2.properties.Ticket Number}").unwrap(), json!("INC-8"));
        assert_eq!(resolver.resolve("{\"n\": \"${t2.properties.Ticket Number}\"}").unwrap(), json!("{\"n\": \"INC-8\"}"));
        assert_eq!(resolver.resolve("${t2.properties.v1.2}").unwrap(), json!("dotted"), "the longest key wins");
        assert_eq!(resolver.resolve("${t2.properties.v1.3}").unwrap(), json!("nested"));
        assert_eq!(
            resolver.resolve("${t2.properties.Ticket}").unwrap_err(),
            "${t2.properties.Ticket} cannot be resolved: \"Alert Comments\" output \"properties\" has no \"Ticket\"."
        );
    }

    #[test]
    fn paths_go_into_json_held_in_strings() {
        let resolver = resolver();
        assert_eq!(resolver.resolve("${w1.body.ticket.id}").unwrap(), json!("T-9"));
        assert_eq!(resolver.resolve("${w1.body.ticket.tags.1}").unwrap(), json!("b"));
    }

    #[test]
    fn unresolved_placeholders_say_what_is_missing() {
        let resolver = resolver();
        let message = |text: &str| resolver.resolve(text).unwrap_err();
        assert_eq!(
            message("${w1.body.ticket.idx}"),
            "${w1.body.ticket.idx} cannot be resolved: \"Open ticket\" output \"body.ticket\" has no \"idx\"."
        );
        assert_eq!(message("${w1.bodyy}"), "${w1.bodyy} cannot be resolved: \"Open ticket\" has no output \"bodyy\".");
        assert_eq!(message("a ${ghost.x} b"), "${ghost.x} cannot be resolved: there is no block \"ghost\" upstream of this step.");
        assert_eq!(message("${s1.value}"), "${s1.value} cannot be resolved: \"Is it high?\" did not run in this run.");
    }
}
