//! Placeholder resolution: `${blockId.output.path}` in a step's inputs and text settings
//! becomes the value of that output of an upstream block. Pure: the executor hands in the
//! outputs of the blocks upstream of the step (see [`super::placeholders::upstream`]).
//!
//! A text that is exactly one placeholder resolves to the value itself (an object stays an
//! object, a number a number); placeholders inside longer text are replaced by their value
//! as text (strings as they are, anything else as JSON). The path after the output name
//! goes into the JSON value: object keys, array indexes, and into a string that holds JSON
//! (a Webhook's `body`), so `${w1.body.ticket.id}` works. A placeholder that cannot be
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
        let mut walked = placeholder.output.clone();
        for segment in path.split('.') {
            // A string holding JSON (a webhook's body) is walked into.
            if let Value::String(text) = value.as_ref()
                && let Ok(inner) = serde_json::from_str::<Value>(text)
            {
                value = Cow::Owned(inner);
            }
            let next = match value {
                Cow::Borrowed(value) => child(value, segment).map(Cow::Borrowed),
                Cow::Owned(value) => child(&value, segment).cloned().map(Cow::Owned),
            };
            value = next.ok_or_else(|| format!("${{{raw}}} cannot be resolved: \"{title}\" output \"{walked}\" has no \"{segment}\"."))?;
            walked.push('.');
            walked.push_str(segment);
        }
        Ok(value)
    }
}

/// An object's field or an array's item.
fn child<'v>(value: &'v Value, segment: &str) -> Option<&'v Value> {
    match value {
        Value::Object(map) => map.get(segment),
        Value::Array(items) => segment.parse::<usize>().ok().and_then(|index| items.get(index)),
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
        for (id, title) in [("t1", "Status Updates"), ("w1", "Open ticket"), ("x1", "Reshape"), ("s1", "Is it high?")] {
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
