//! Create Alert: starts an alert of a form of the flow's workflow, as the acting user (who
//! needs the responder role and membership of the workflow, as for `POST /api/v1/alerts`).
//! `properties` is a JSON object; `recipients` a JSON array or names separated by commas or
//! lines.

use outflow_core::{access::Need, store};
use outflow_model::alerts::{NewAlert, Priority};
use serde_json::{Map, Value, json};

use super::{Done, StepCall, line, object_input};
use crate::engine::{Engine, resolve::as_text};

pub async fn act(engine: &Engine, call: &StepCall) -> Result<Done, String> {
    let principal = call.acting(Need::Responder)?;
    let pool = &engine.context().pool;
    let form_id = call.setting("formId");
    let form = store::visible_form(pool, principal, &form_id).await.map_err(|error| error.to_string())?;
    if form.workflow_id != call.workflow_id {
        return Err(format!("The form \"{}\" belongs to another workflow; a flow creates alerts of its own workflow's forms.", form.name));
    }
    let priority = Priority::from_key(&call.setting("priority")).unwrap_or_default();
    let properties = object_input(call.inputs.get("properties"), "Properties")?;
    let recipients: Vec<String> = match call.inputs.get("recipients") {
        Some(Value::Array(names)) => names.iter().map(|name| as_text(name).trim().to_string()).collect(),
        Some(other) => as_text(other).split([',', '\n']).map(|name| name.trim().to_string()).filter(|name| !name.is_empty()).collect(),
        None => Vec::new(),
    };
    let input = NewAlert { form_id, properties, recipients, priority };
    let alert = store::create_alert(pool, Some(&principal.actor()), &input).await.map_err(|error| error.to_string())?;
    engine.wakeups().alert_changed();
    let id = alert.summary.event_identifier;
    let mut outputs = Map::new();
    outputs.insert("eventIdentifier".into(), json!(id));
    outputs.insert("status".into(), json!(alert.summary.status.key()));
    Ok((outputs, vec![line(format!("Started alert #{id} of \"{}\" as {}", form.name, principal.target_name))]))
}
