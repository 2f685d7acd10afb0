//! Get Alerts: finds alerts by form, status and a property filter (`name=value`), as the
//! acting user (viewer role; only alerts of workflows they may see). Answers at most one
//! page (200) of the newest, and how many that is.

use std::collections::HashMap;

use outflow_core::{access::Need, store};
use outflow_model::{
    alerts::{AlertQuery, AlertStatus},
    limits::PAGE_MAX,
};
use serde_json::{Map, json};

use super::{Done, StepCall, line};
use crate::engine::Engine;

pub async fn act(engine: &Engine, call: &StepCall) -> Result<Done, String> {
    let principal = call.acting(Need::Viewer)?;
    let pool = &engine.context().pool;
    let form_id = Some(call.setting("formId")).filter(|id| !id.is_empty());
    if let Some(form_id) = &form_id {
        store::visible_form(pool, principal, form_id).await.map_err(|error| error.to_string())?;
    }
    let status = Some(call.setting("status")).filter(|status| !status.is_empty());
    let status = status.map(|wanted| AlertStatus::from_key(&wanted).ok_or_else(|| format!("\"{wanted}\" is not an alert status."))).transpose()?;
    let property = Some(call.input_text("property")).filter(|filter| !filter.trim().is_empty());
    let query = AlertQuery { form_id, status, property, limit: Some(PAGE_MAX), ..AlertQuery::default() };
    let mut page = store::list_alerts(pool, &query).await.map_err(|error| error.to_string())?;
    if let Some(visible) = store::visible_workflow_ids(pool, principal).await.map_err(|error| error.to_string())? {
        let mut workflow_of: HashMap<String, String> = HashMap::new();
        for alert in &page.items {
            if !workflow_of.contains_key(&alert.form_id) {
                let form = store::get_form(pool, &alert.form_id).await.map_err(|error| error.to_string())?;
                workflow_of.insert(alert.form_id.clone(), form.workflow_id);
            }
        }
        page.items.retain(|alert| workflow_of.get(&alert.form_id).is_some_and(|workflow| visible.contains(workflow)));
    }
    let count = page.items.len();
    let mut outputs = Map::new();
    outputs.insert("alerts".into(), serde_json::to_value(&page.items).unwrap_or_default());
    outputs.insert("count".into(), json!(count));
    Ok((outputs, vec![line(format!("Found {count} alerts"))]))
}
