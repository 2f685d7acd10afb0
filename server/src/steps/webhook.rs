//! Webhook: an HTTP request to one of the workflow's endpoints through the delivery client
//! (endpoint authentication, Standard Webhooks signature with a `webhook-id` stable for the
//! run and block, egress policy). Connection errors, timeouts, 5xx and 429 are retried as
//! often as the step's `retries` setting says, waiting as the server's retry schedule (or
//! `Retry-After`) says. Any HTTP answer is a result (`statusCode`, `headers`, `body`) that
//! later steps can branch on; no answer at all fails the step, and so does an answer whose
//! body is larger than 1 MiB (only that much is read, more than a step's outputs hold).

use std::time::Duration;

use futures::future::BoxFuture;
use outflow_model::{
    endpoints::join_url,
    flow_exec::Outcome,
    flows::{StepSettings, as_text},
};
use reqwest::Method;
use serde_json::{Map, Value, json};

use super::{Step, StepCall, line, object_input};
use crate::{
    delivery::webhooks::{OutgoingRequest, Verdict, header_strings, verdict},
    engine::Engine,
};

pub struct Webhook;

/// The wait before a retry when the schedule has no entry for it.
const FALLBACK_WAIT: Duration = Duration::from_secs(5);

impl Step for Webhook {
    fn run<'a>(&'a self, engine: &'a Engine, call: &'a StepCall) -> BoxFuture<'a, Outcome> {
        Box::pin(async move {
            let StepSettings::Webhook(settings) = &call.settings else { return Outcome::failed("A webhook step needs a webhook's settings.") };
            let owned = match engine.endpoint(&settings.endpoint_id, &call.workflow_id).await {
                Ok(owned) => owned,
                Err(error) => return Outcome::failed(error),
            };
            let endpoint = &owned.secrets;
            let method_name = &settings.method;
            let Ok(method) = Method::from_bytes(method_name.as_bytes()) else {
                return Outcome::failed(format!("\"{method_name}\" is not an HTTP method."));
            };
            let headers: Vec<(String, String)> = match object_input(call.inputs.get("headers"), "Headers") {
                Ok(map) => map.iter().map(|(name, value)| (name.clone(), as_text(value).into_owned())).collect(),
                Err(error) => return Outcome::failed(error),
            };
            let retries = settings.retries;
            let url = join_url(&endpoint.base_url, &settings.path);
            let body = call.input_text("body");
            let webhook_id = format!("{}_{}", call.run_id, call.block.id);
            let context = engine.context();
            let mut logs = Vec::new();
            let mut attempt = 0;
            loop {
                attempt += 1;
                let request = OutgoingRequest {
                    endpoint,
                    method: method.clone(),
                    url: url.clone(),
                    headers: headers.clone(),
                    body: body.clone(),
                    webhook_id: Some(&webhook_id),
                };
                let (record, answer) = context.sender.send(request).await;
                let outcome = match &answer {
                    Ok(answer) => format!("answered {}", answer.status),
                    Err(error) => format!("failed: {error}"),
                };
                logs.push(line(format!("{method_name} {url} {outcome} ({} ms)", record.duration_ms)));
                match (verdict(&answer), answer) {
                    (Verdict::Retryable { retry_after }, _) if attempt <= retries => {
                        let wait =
                            retry_after.or_else(|| context.schedule.delay_after(u32::try_from(attempt).unwrap_or(u32::MAX))).unwrap_or(FALLBACK_WAIT);
                        logs.push(line(format!("retry {attempt} of {retries} in {} ms", wait.as_millis())));
                        tokio::time::sleep(wait).await;
                    }
                    (_, Ok(answer)) if answer.truncated => {
                        let error = format!(
                            "{method_name} {url} answered {} with a response body larger than 1 MiB, more than a step's outputs hold.",
                            answer.status
                        );
                        return Outcome::Failed { error, logs };
                    }
                    (_, Ok(answer)) => {
                        let headers: Map<String, Value> =
                            header_strings(&answer.headers).into_iter().map(|(name, value)| (name, json!(value))).collect();
                        let mut outputs = Map::new();
                        outputs.insert("statusCode".into(), json!(answer.status));
                        outputs.insert("headers".into(), Value::Object(headers));
                        outputs.insert("body".into(), Value::String(answer.body));
                        return Outcome::done(outputs, logs);
                    }
                    (_, Err(error)) => return Outcome::Failed { error, logs },
                }
            }
        })
    }
}
