//! Add Comment: comments on an alert as the acting user, from the REST API source, through
//! the operations layer (so the REST route's rules apply).

use outflow_model::alerts::{CommentSource, NewComment};
use serde_json::{Map, Value};

use super::{Done, StepCall, StepEnv, line};

pub async fn act(env: &dyn StepEnv, call: &StepCall) -> Result<Done, String> {
    let principal = call.acting()?;
    let alert_id = call.alert_id("eventIdentifier")?;
    let text = call.input_text("comment");
    let input = NewComment { author: principal.target_name.clone(), comment: text.clone(), source: CommentSource::RestApi };
    env.ops().add_comment(principal, alert_id, &input).await.map_err(|error| error.to_string())?;
    let mut outputs = Map::new();
    outputs.insert("comment".into(), Value::String(text));
    Ok((outputs, vec![line(format!("Commented on alert #{alert_id} as {}", principal.target_name))]))
}
