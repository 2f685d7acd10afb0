//! The transformation script Outflow writes when a script integration is created (SPEC §4):
//! it prepares a request body from the trigger's payload and shows, commented out, how to
//! send it to one of the workflow's endpoints.

use outflow_model::trigger::Trigger;

/// The trigger's own payload fields the default body copies.
fn own_fields(trigger: Trigger) -> &'static [&'static str] {
    match trigger {
        Trigger::Status => &["status", "username"],
        Trigger::Comment => &["author", "comment", "source"],
        Trigger::Escalation => &["group", "shift", "reason", "escalatedBy", "escalationType", "from", "to"],
        Trigger::Delivery => &["recipient", "device", "deviceId", "deliveryStatus", "eventType", "message"],
        Trigger::Response | Trigger::Responses => &["recipient", "device", "response", "annotation"],
        Trigger::RecipientFailure => &["failureType", "recipients", "totalRecipients"],
    }
}

pub fn default_script(trigger: Trigger) -> String {
    let fields: String = own_fields(trigger).iter().map(|field| format!("  {field}: payload.{field},\n")).collect();
    format!(
        r#"// Outbound integration for "{name}".
// `payload` is the trigger payload, already parsed; `request.body` is the same as a JSON string.
// Everything written with console.log appears in the run log on the Activity page.

// Prepare the request body for the system you integrate with.
var body = {{
  alert: payload.eventIdentifier,
  date: payload.date,
  properties: payload.properties,
{fields}}};
console.log('Prepared the {key} update for alert ' + payload.eventIdentifier);

// To send it, name one of this workflow's endpoints (auth and base URL come from it):
// var response = http.request({{
//   endpoint: 'Help desk',
//   method: 'POST',
//   path: '/api/incidents',
//   headers: {{ 'Content-Type': 'application/json' }}
// }}).write(JSON.stringify(body));
// console.log('Help desk answered ' + response.statusCode + ': ' + response.body);
"#,
        name = trigger.display_name(),
        key = trigger.key(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_trigger_gets_a_script_using_its_own_fields() {
        let script = default_script(Trigger::Comment);
        assert!(script.contains("Alert Comments"));
        assert!(script.contains("comment: payload.comment,"));
        assert!(script.contains("// var response = http.request"));
        assert!(default_script(Trigger::Status).contains("username: payload.username,"));
    }
}
