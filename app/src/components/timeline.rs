//! An alert's timeline: every trigger event it produced, oldest first, each told as a
//! sentence ("Comment by mmcbride (REST API)") under the trigger's name as integrations
//! know it. The `response` and `responses` events of one response show as one entry.

use leptos::prelude::*;
use serde_json::Value;

use super::badge::Tone;
use crate::{
    format::time_of_day,
    model::{
        alerts::{CommentSource, TimelineEvent},
        trigger::Trigger,
    },
};

/// One line of the timeline.
#[derive(Clone, Debug, PartialEq)]
struct Entry {
    id: i64,
    triggers: Vec<Trigger>,
    tone: Tone,
    text: String,
    /// Words the event carries (a comment, an annotation, a delivery message), quoted below.
    quote: Option<String>,
    created_at: String,
}

/// "X on behalf of " when X posted a comment or response for someone else, else nothing.
fn poster(fields: &Value) -> String {
    field(fields, "postedBy").map(|poster| format!("{poster} on behalf of ")).unwrap_or_default()
}

fn field<'a>(fields: &'a Value, key: &str) -> Option<&'a str> {
    fields.get(key).and_then(Value::as_str)
}

fn names(fields: &Value, key: &str) -> String {
    let listed: Vec<&str> = fields.get(key).and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).collect();
    if listed.is_empty() { "nobody".to_string() } else { listed.join(", ") }
}

fn failure_reason(failure_type: &str) -> &str {
    match failure_type {
        "NO_DEVICES" => "no recipient has an active device",
        "INACTIVE_RECIPIENTS" => "every recipient is inactive",
        "NO_ON_CALL_MEMBERS" => "no group has a reachable member",
        "NO_REACHABLE_RECIPIENTS" => "no recipient is reachable",
        other => other,
    }
}

fn describe(event: &TimelineEvent) -> Entry {
    let fields = &event.fields;
    let text = |key: &str| field(fields, key).unwrap_or("?");
    let quote = |key: &str| field(fields, key).filter(|text| !text.is_empty()).map(str::to_string);
    let (tone, sentence, quoted) = match event.trigger {
        Trigger::Status => {
            let by = field(fields, "username").map_or_else(|| "the system".to_string(), str::to_string);
            let tone = match text("status") {
                "active" => Tone::Ok,
                "suspended" => Tone::Warn,
                _ => Tone::Muted,
            };
            (tone, format!("Status set to {} by {by}", text("status")), None)
        }
        Trigger::Comment => {
            let author = fields.pointer("/author/targetName").and_then(Value::as_str).unwrap_or("?");
            let source = CommentSource::from_key(text("source")).map_or(text("source"), |source| source.label());
            (Tone::Info, format!("Comment by {}{author} ({source})", poster(fields)), quote("comment"))
        }
        Trigger::Delivery => {
            let (recipient, device) = (text("recipient"), text("device"));
            if text("deliveryStatus") == "Delivered" {
                (Tone::Ok, format!("Delivered to {recipient} on {device}"), quote("message"))
            } else {
                (Tone::Danger, format!("Delivery to {recipient} on {device} failed"), quote("message"))
            }
        }
        Trigger::Response | Trigger::Responses => {
            let device = field(fields, "device").map(|device| format!(" on {device}")).unwrap_or_default();
            (Tone::Info, format!("{}{} responded {}{device}", poster(fields), text("recipient"), text("response")), quote("annotation"))
        }
        Trigger::Escalation => {
            let group = fields.pointer("/group/targetName").and_then(Value::as_str).unwrap_or("?");
            let sentence = format!("{group} escalated from {} to {}", names(fields, "from"), names(fields, "to"));
            (Tone::Warn, sentence, Some(format!("{} ({})", text("reason"), text("escalationType"))))
        }
        Trigger::RecipientFailure => {
            let total = fields.get("totalRecipients").and_then(Value::as_u64).unwrap_or(0);
            let sentence = format!("Nobody could be notified: {}", failure_reason(text("failureType")));
            (Tone::Danger, sentence, Some(format!("Targeted ({total}): {}", names(fields, "recipients"))))
        }
    };
    Entry { id: event.id, triggers: vec![event.trigger], tone, text: sentence, quote: quoted, created_at: event.created_at.clone() }
}

/// Describes the events, folding each `responses` event into the `response` event of the
/// same response just before it.
fn entries(events: &[TimelineEvent]) -> Vec<Entry> {
    let mut entries: Vec<Entry> = Vec::with_capacity(events.len());
    for (index, event) in events.iter().enumerate() {
        let twin_of_previous = event.trigger == Trigger::Responses
            && index > 0
            && events[index - 1].trigger == Trigger::Response
            && events[index - 1].fields == event.fields;
        match entries.last_mut() {
            Some(previous) if twin_of_previous => previous.triggers.push(event.trigger),
            _ => entries.push(describe(event)),
        }
    }
    entries
}

#[component]
pub fn Timeline(events: Vec<TimelineEvent>) -> impl IntoView {
    let items = entries(&events)
        .into_iter()
        .map(|entry| {
            let triggers = entry.triggers.iter().map(|trigger| trigger.display_name()).collect::<Vec<_>>().join(" · ");
            view! {
                <li class=format!("timeline-item {}", entry.tone.class()) data-event-id=entry.id>
                    <span class="timeline-dot" aria-hidden="true"></span>
                    <div class="timeline-body">
                        <div class="timeline-head">
                            <span class="timeline-trigger">{triggers}</span>
                            <time datetime=entry.created_at.clone() title=entry.created_at.clone()>
                                {time_of_day(&entry.created_at)}
                            </time>
                        </div>
                        <p class="timeline-text">{entry.text}</p>
                        {entry.quote.map(|quote| view! { <blockquote class="timeline-quote">{quote}</blockquote> })}
                    </div>
                </li>
            }
        })
        .collect_view();
    view! { <ol class="timeline" aria-label="Timeline">{items}</ol> }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn event(id: i64, trigger: Trigger, fields: Value) -> TimelineEvent {
        TimelineEvent { id, trigger, fields, created_at: "2026-11-28T21:19:31.123Z".into() }
    }

    #[test]
    fn each_trigger_reads_as_a_sentence() {
        let status = describe(&event(1, Trigger::Status, json!({ "status": "active", "username": null })));
        assert_eq!(status.text, "Status set to active by the system");
        let comment =
            describe(&event(2, Trigger::Comment, json!({ "author": { "targetName": "mmcbride" }, "comment": "On it", "source": "REST_API" })));
        assert_eq!((comment.text.as_str(), comment.quote.as_deref()), ("Comment by mmcbride (REST API)", Some("On it")));
        let for_someone = describe(&event(
            6,
            Trigger::Comment,
            json!({ "author": { "targetName": "jsmith" }, "comment": "By phone", "source": "REST_API", "postedBy": "admin" }),
        ));
        assert_eq!(for_someone.text, "Comment by admin on behalf of jsmith (REST API)");
        let response = describe(&event(7, Trigger::Response, json!({ "recipient": "jsmith", "response": "Accept", "postedBy": "admin" })));
        assert_eq!(response.text, "admin on behalf of jsmith responded Accept");
        let failed = describe(&event(
            3,
            Trigger::Delivery,
            json!({ "recipient": "jsmith", "device": "Work Email", "deliveryStatus": "Failed", "message": "550" }),
        ));
        assert_eq!((failed.text.as_str(), failed.tone), ("Delivery to jsmith on Work Email failed", Tone::Danger));
        let escalation = describe(&event(
            4,
            Trigger::Escalation,
            json!({ "group": { "targetName": "DB" }, "from": ["a"], "to": ["b"], "reason": "No response", "escalationType": "TIMEOUT" }),
        ));
        assert_eq!(escalation.text, "DB escalated from a to b");
        let failure =
            describe(&event(5, Trigger::RecipientFailure, json!({ "failureType": "NO_DEVICES", "recipients": ["admin"], "totalRecipients": 1 })));
        assert_eq!(failure.text, "Nobody could be notified: no recipient has an active device");
    }

    #[test]
    fn a_response_and_its_flow_twin_make_one_entry() {
        let fields = json!({ "recipient": "jsmith", "device": null, "response": "Accept", "annotation": null });
        let events = [event(1, Trigger::Response, fields.clone()), event(2, Trigger::Responses, fields)];
        let listed = entries(&events);
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].triggers, vec![Trigger::Response, Trigger::Responses]);
        assert_eq!(listed[0].text, "jsmith responded Accept");
    }
}
