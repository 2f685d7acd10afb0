//! Create Alert: starts an alert of a form of the flow's workflow, as the acting user,
//! through the operations layer (the rules of `POST /api/v1/alerts`).
//! `properties` is a JSON object; `recipients` a JSON array or names separated by commas or
//! lines.

use outflow_model::{
    alerts::NewAlert,
    flows::{StepSettings, as_text},
};
use serde_json::{Map, Value, json};

use super::{Done, StepCall, StepEnv, line, object_input};

pub async fn act(env: &dyn StepEnv, call: &StepCall) -> Result<Done, String> {
    let principal = call.acting()?;
    let StepSettings::CreateAlert { form_id, priority } = &call.settings else { return Err("A Create Alert step needs its settings.".into()) };
    let (form_id, priority) = (form_id.clone(), *priority);
    let properties = object_input(call.inputs.get("properties"), "Properties")?;
    let recipients: Vec<String> = match call.inputs.get("recipients") {
        Some(Value::Array(names)) => names.iter().map(|name| as_text(name).trim().to_string()).collect(),
        Some(other) => as_text(other).split([',', '\n']).map(|name| name.trim().to_string()).filter(|name| !name.is_empty()).collect(),
        None => Vec::new(),
    };
    let input = NewAlert { form_id, properties, recipients, priority };
    let alert = env.ops().start_alert(principal, &input).await.map_err(|error| error.to_string())?;
    let id = alert.summary.event_identifier;
    let mut outputs = Map::new();
    outputs.insert("eventIdentifier".into(), json!(id));
    outputs.insert("status".into(), json!(alert.summary.status.key()));
    Ok((outputs, vec![line(format!("Started alert #{id} as {}", principal.target_name))]))
}
