//! Flows for the tests: a server with a receiver and endpoints to post to, blocks and edges
//! in the export format (SPEC §6), importing a flow, starting a run and waiting for it, and
//! reading one block's record of the run.

use std::time::Duration;

use serde_json::{Value, json};

use crate::{
    TestServer,
    api::{Api, eventually},
    receiver::Receiver,
};

/// A server and a receiver, and on the server workflow "Ops" with form "Incident", endpoint
/// "Desk" at the receiver and endpoint "Flaky" at a closed port (nothing listens on 9).
pub struct Desk {
    pub server: TestServer,
    pub receiver: Receiver,
    pub workflow: String,
    pub form: String,
    pub desk: String,
    pub flaky: String,
}

pub async fn desk() -> Desk {
    let server = TestServer::start();
    let receiver = Receiver::start().await;
    let api = Api::new(&server);
    let workflow = api.workflow("Ops").await;
    let form = api.form(&workflow, json!({"name": "Incident", "properties": []})).await;
    let desk = api.endpoint(&workflow, "Desk", &receiver.url("")).await;
    let flaky = api.endpoint(&workflow, "Flaky", "http://127.0.0.1:9/").await;
    Desk { server, receiver, workflow, form, desk, flaky }
}

/// The paths the receiver was sent, in order.
pub fn paths(receiver: &Receiver) -> Vec<String> {
    receiver.received().into_iter().map(|request| request.path).collect()
}

/// Run `id` once it has ended (within 20 s).
pub async fn ended(api: &Api<'_>, id: &str) -> Value {
    eventually(Duration::from_secs(20), || async {
        let (_, run) = api.get(&format!("/api/v1/runs/{id}")).await;
        matches!(run["status"].as_str(), Some("succeeded" | "failed")).then_some(run)
    })
    .await
    .unwrap_or_else(|| panic!("run {id} ends"))
}

pub fn trigger(id: &str, key: &str) -> Value {
    json!({"id": id, "kind": "trigger", "trigger": key, "position": {"x": 0, "y": 0}})
}

pub fn step(id: &str, step: &str, settings: Value, inputs: Value) -> Value {
    json!({"id": id, "kind": "step", "step": step, "label": id, "settings": settings, "inputs": inputs, "position": {"x": 0, "y": 0}})
}

/// A Webhook step posting `body` to `path` on the endpoint.
pub fn webhook(endpoint: &str, id: &str, path: &str, body: &str) -> Value {
    step(id, "webhook", json!({"endpointId": endpoint, "method": "POST", "path": path}), json!({"body": body}))
}

pub fn edge(from: &str, port: &str, to: &str) -> Value {
    json!({"from": from, "fromPort": port, "to": to, "toPort": "in"})
}

/// Imports flow `name` of `form`; answers its id.
pub async fn import(api: &Api<'_>, form: &str, name: &str, blocks: Vec<Value>, edges: Vec<Value>) -> String {
    let flow = api.post_ok("/api/v1/flows/import", json!({"name": name, "formId": form, "blocks": blocks, "edges": edges}), 201).await;
    flow["id"].as_str().unwrap().to_string()
}

/// Starts a run of `flow` with the request `body` and waits for it; answers the finished run.
pub async fn run_and_wait(api: &Api<'_>, flow: &str, body: Value) -> Value {
    let (status, run) = api.post(&format!("/api/v1/flows/{flow}/runs?wait=true"), body).await;
    assert_eq!(status, 200, "the run ends within the wait: {run}");
    run
}

/// The record of one block of a flow run.
pub fn record<'a>(run: &'a Value, block: &str) -> &'a Value {
    run["flow"]["steps"].as_array().unwrap().iter().find(|step| step["blockId"] == block).unwrap_or_else(|| panic!("no record of {block} in {run}"))
}
