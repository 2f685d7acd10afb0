//! Webhook: an HTTP request to one of the workflow's endpoints through the delivery client
//! (endpoint authentication, Standard Webhooks signature with a `webhook-id` stable for the
//! run, block and iteration, an `Idempotency-Key` the same across restarts of the run too,
//! egress policy). Connection errors, timeouts, 5xx and 429 are retried as
//! often as the step's `retries` setting says, waiting as the server's retry schedule (or
//! `Retry-After`) says. Any HTTP answer is a result (`statusCode`, `headers`, `body`) that
//! later steps can branch on; no answer at all fails the step, and so does an answer whose
//! body is larger than 1 MiB (only that much is read, more than a step's outputs hold).

use futures::future::BoxFuture;
use outflow_model::{
    endpoints::join_url,
    flow_exec::Outcome,
    flows::{StepSettings, as_text},
};
use reqwest::Method;
use serde_json::{Map, Value, json};

use super::{Step, StepCall, StepEnv, object_input};
use crate::{
    delivery::webhooks::{OutgoingRequest, header_strings},
    runtime::webhooks::send_with_retries,
};

pub struct Webhook;

/// The header a receiver de-duplicates by: the same for every attempt, retry and restart of
/// one step of one item.
const IDEMPOTENCY_KEY: &str = "Idempotency-Key";

impl Step for Webhook {
    fn run<'a>(&'a self, env: &'a dyn StepEnv, call: &'a StepCall) -> BoxFuture<'a, Outcome> {
        Box::pin(async move {
            let StepSettings::Webhook(settings) = &call.settings else { return Outcome::failed("A webhook step needs a webhook's settings.") };
            let owned = match env.endpoint(&settings.endpoint_id, &call.workflow_id).await {
                Ok(owned) => owned,
                Err(error) => return Outcome::failed(error),
            };
            let endpoint = &owned.secrets;
            let Ok(method) = Method::from_bytes(settings.method.as_bytes()) else {
                return Outcome::failed(format!("\"{}\" is not an HTTP method.", settings.method));
            };
            let mut headers: Vec<(String, String)> = match object_input(call.inputs.get("headers"), "Headers") {
                Ok(map) => map.iter().map(|(name, value)| (name.clone(), as_text(value).into_owned())).collect(),
                Err(error) => return Outcome::failed(error),
            };
            // A key the flow sets itself is the flow's to choose.
            if !headers.iter().any(|(name, _)| name.eq_ignore_ascii_case(IDEMPOTENCY_KEY)) {
                headers.push((IDEMPOTENCY_KEY.to_string(), call.idempotency_key()));
            }
            let url = join_url(&endpoint.base_url, &settings.path);
            let webhook_id = call.stable_id();
            let request =
                OutgoingRequest { endpoint, method, url: url.clone(), headers, body: call.input_text("body"), webhook_id: Some(&webhook_id) };
            let runtime = env.runtime();
            let mut logs = Vec::new();
            match send_with_retries(&runtime.sender, &runtime.schedule, request, settings.retries, &mut logs).await {
                Ok(answer) if answer.truncated => {
                    let error = format!(
                        "{} {url} answered {} with a response body larger than 1 MiB, more than a step's outputs hold.",
                        settings.method, answer.status
                    );
                    Outcome::Failed { error, logs }
                }
                Ok(answer) => {
                    let headers: Map<String, Value> = header_strings(&answer.headers).into_iter().map(|(name, value)| (name, json!(value))).collect();
                    let mut outputs = Map::new();
                    outputs.insert("statusCode".into(), json!(answer.status));
                    outputs.insert("headers".into(), Value::Object(headers));
                    outputs.insert("body".into(), Value::String(answer.body));
                    Outcome::done(outputs, logs)
                }
                Err(error) => Outcome::Failed { error, logs },
            }
        })
    }
}
