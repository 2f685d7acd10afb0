//! Change Alert Status: suspends, resumes or terminates an alert as the acting user, through
//! the operations layer; illegal transitions fail the step with the reason.

use outflow_model::flows::StepSettings;
use serde_json::{Map, json};

use super::{Done, StepCall, StepEnv, line};

pub async fn act(env: &dyn StepEnv, call: &StepCall) -> Result<Done, String> {
    let principal = call.acting()?;
    let alert_id = call.alert_id("eventIdentifier")?;
    let StepSettings::ChangeAlertStatus { status } = call.settings else { return Err("A Change Alert Status step needs its settings.".into()) };
    let alert = env.ops().set_alert_status(principal, alert_id, status).await.map_err(|error| error.to_string())?;
    let mut outputs = Map::new();
    outputs.insert("status".into(), json!(alert.summary.status.key()));
    Ok((outputs, vec![line(format!("Alert #{alert_id} is now {} ({})", status.key(), principal.target_name))]))
}
