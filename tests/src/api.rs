//! Small helpers for talking to the API in tests: JSON calls that return status and body,
//! and waiting for something the server does in the background.

use std::{future::Future, time::Duration};

use serde_json::Value;

use crate::{TestServer, admin_client};

/// An admin client bound to one server.
pub struct Api<'a> {
    server: &'a TestServer,
    client: reqwest::Client,
}

impl<'a> Api<'a> {
    pub fn new(server: &'a TestServer) -> Api<'a> {
        Api { server, client: admin_client() }
    }

    /// A client acting with another API key.
    pub fn with_key(server: &'a TestServer, key: &str) -> Api<'a> {
        Api { server, client: crate::client_with_key(key) }
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        answer(self.client.get(self.server.url(path)).send().await).await
    }

    pub async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        answer(self.client.post(self.server.url(path)).json(&body).send().await).await
    }

    pub async fn patch(&self, path: &str, body: Value) -> (u16, Value) {
        answer(self.client.patch(self.server.url(path)).json(&body).send().await).await
    }

    pub async fn put(&self, path: &str, body: Value) -> (u16, Value) {
        answer(self.client.put(self.server.url(path)).json(&body).send().await).await
    }

    pub async fn delete(&self, path: &str) -> (u16, Value) {
        answer(self.client.delete(self.server.url(path)).send().await).await
    }

    /// POSTs and insists on the expected status, returning the body.
    pub async fn post_ok(&self, path: &str, body: Value, expected: u16) -> Value {
        let (status, answer) = self.post(path, body).await;
        assert_eq!(status, expected, "POST {path}: {answer}");
        answer
    }

    /// Creates a workflow; answers its id.
    pub async fn workflow(&self, name: &str) -> String {
        let workflow = self.post_ok("/api/v1/workflows", serde_json::json!({ "name": name }), 201).await;
        workflow["id"].as_str().expect("a workflow id").to_string()
    }

    /// Creates a form of a workflow; answers its id.
    pub async fn form(&self, workflow: &str, form: Value) -> String {
        let form = self.post_ok(&format!("/api/v1/workflows/{workflow}/forms"), form, 201).await;
        form["id"].as_str().expect("a form id").to_string()
    }

    /// Creates an endpoint of a workflow at `base_url`, without authentication; answers its id.
    pub async fn endpoint(&self, workflow: &str, name: &str, base_url: &str) -> String {
        let endpoint = self.post_ok("/api/v1/endpoints", serde_json::json!({"workflowId": workflow, "name": name, "baseUrl": base_url}), 201).await;
        endpoint["id"].as_str().expect("an endpoint id").to_string()
    }

    /// Gives a form a "Run flows only" integration of `trigger`, through which its flows start
    /// from that trigger's events.
    pub async fn flows_only(&self, form: &str, trigger: &str) {
        let integration =
            serde_json::json!({"formId": form, "name": format!("Flows on {trigger}"), "trigger": trigger, "action": {"type": "flowsOnly"}});
        self.post_ok("/api/v1/integrations", integration, 201).await;
    }

    /// Creates user `name` (first name `first`, last name `last`) with an email device
    /// "Work Email", so alerts can notify them.
    pub async fn user_with_email(&self, name: &str, first: &str, last: &str) {
        self.post_ok("/api/v1/users", serde_json::json!({"targetName": name, "firstName": first, "lastName": last}), 201).await;
        let device = serde_json::json!({"name": "Work Email", "kind": "email", "address": format!("{name}@example.com")});
        self.post_ok(&format!("/api/v1/users/{name}/devices"), device, 201).await;
    }

    /// Waits until the integration has a run in one of `statuses`; answers it in full.
    pub async fn integration_run(&self, integration: &str, statuses: &[&str]) -> Value {
        let id = eventually(Duration::from_secs(15), || async {
            let (_, page) = self.get(&format!("/api/v1/runs?integrationId={integration}")).await;
            let run = page["items"].as_array()?.iter().find(|run| statuses.contains(&run["status"].as_str().unwrap_or("")))?.clone();
            Some(run["id"].as_str()?.to_string())
        })
        .await
        .unwrap_or_else(|| panic!("a run of {integration} reaching {statuses:?}"));
        self.get(&format!("/api/v1/runs/{id}")).await.1
    }

    /// The alert's timeline events of one trigger, oldest first.
    pub async fn events(&self, alert: i64, trigger: &str) -> Vec<Value> {
        let (_, alert) = self.get(&format!("/api/v1/alerts/{alert}")).await;
        alert["timeline"].as_array().cloned().unwrap_or_default().into_iter().filter(|event| event["trigger"] == trigger).collect()
    }
}

async fn answer(response: reqwest::Result<reqwest::Response>) -> (u16, Value) {
    let response = response.expect("the server answers");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Polls `check` until it returns `Some` or `timeout` passes.
pub async fn eventually<T, F, Fut>(timeout: Duration, mut check: F) -> Option<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        if let Some(value) = check().await {
            return Some(value);
        }
        if tokio::time::Instant::now() >= deadline {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
