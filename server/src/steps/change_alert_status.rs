//! Change Alert Status: suspends, resumes or terminates an alert as the acting user
//! (responder role, and membership of the alert's workflow); illegal transitions fail the
//! step with the reason.

use outflow_core::{access::Need, store};
use outflow_model::alerts::AlertStatus;
use serde_json::{Map, json};

use super::{Done, StepCall, ensure_alert_visible, line};
use crate::engine::Engine;

pub async fn act(engine: &Engine, call: &StepCall) -> Result<Done, String> {
    let principal = call.acting(Need::Responder)?;
    let alert_id = call.alert_id("eventIdentifier")?;
    let wanted = call.setting("status");
    let status = AlertStatus::from_key(&wanted).ok_or_else(|| format!("\"{wanted}\" is not an alert status; use ACTIVE, SUSPENDED or TERMINATED."))?;
    ensure_alert_visible(engine, principal, alert_id).await?;
    let alert = store::change_status(&engine.context().pool, Some(&principal.actor()), alert_id, status).await.map_err(|error| error.to_string())?;
    engine.wakeups().alert_changed();
    let mut outputs = Map::new();
    outputs.insert("status".into(), json!(alert.summary.status.key()));
    Ok((outputs, vec![line(format!("Alert #{alert_id} is now {} ({})", status.key(), principal.target_name))]))
}
