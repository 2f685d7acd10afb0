//! Get Alerts: finds alerts by form, status and a property filter (`name=value`), as the
//! acting user through the operations layer (only alerts of the flow's workflow that they may
//! see). Answers at most one page (200) of the newest, and how many that is.

use outflow_model::{alerts::AlertQuery, flows::StepSettings, limits::PAGE_MAX};
use serde_json::{Map, json};

use super::{Done, StepCall, StepEnv, line};

pub async fn act(env: &dyn StepEnv, call: &StepCall) -> Result<Done, String> {
    let principal = call.acting()?;
    let StepSettings::GetAlerts { form_id, status } = &call.settings else { return Err("A Get Alerts step needs its settings.".into()) };
    let (form_id, status) = (form_id.clone(), *status);
    let property = Some(call.input_text("property")).filter(|filter| !filter.trim().is_empty());
    let query = AlertQuery { form_id, status, property, limit: Some(PAGE_MAX), ..AlertQuery::default() };
    let page = env.ops().list_alerts(principal, &query).await.map_err(|error| error.to_string())?;
    let count = page.items.len();
    let mut outputs = Map::new();
    outputs.insert("alerts".into(), serde_json::to_value(&page.items).unwrap_or_default());
    outputs.insert("count".into(), json!(count));
    Ok((outputs, vec![line(format!("Found {count} alerts"))]))
}
