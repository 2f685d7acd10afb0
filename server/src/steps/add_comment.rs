//! Add Comment: comments on an alert as the acting user (responder role, and membership
//! of the alert's workflow), from the REST API source.

use outflow_core::{access::Need, store};
use outflow_model::alerts::{CommentSource, NewComment};
use serde_json::{Map, Value};

use super::{Done, StepCall, ensure_alert_visible, line};
use crate::engine::Engine;

pub async fn act(engine: &Engine, call: &StepCall) -> Result<Done, String> {
    let principal = call.acting(Need::Responder)?;
    let alert_id = call.alert_id("eventIdentifier")?;
    ensure_alert_visible(engine, principal, alert_id).await?;
    let text = call.input_text("comment");
    let input = NewComment { author: principal.target_name.clone(), comment: text.clone(), source: CommentSource::RestApi };
    store::add_comment(&engine.context().pool, alert_id, &input).await.map_err(|error| error.to_string())?;
    engine.wakeups().alert_changed();
    let mut outputs = Map::new();
    outputs.insert("comment".into(), Value::String(text));
    Ok((outputs, vec![line(format!("Commented on alert #{alert_id} as {}", principal.target_name))]))
}
