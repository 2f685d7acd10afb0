//! The few REST calls flows as code makes, with an API key, answering the model's wire
//! types. A refusal comes back as the server's own error message.

use std::time::Duration;

use outflow_model::{
    endpoints::Endpoint,
    flows::{Flow, FlowDocument, FlowSave, FlowSummary, FlowVersionDetail, PublishedVersion},
    forms::Form,
    workflows::Workflow,
};
use reqwest::{Method, StatusCode};
use serde::{Serialize, de::DeserializeOwned};
use serde_json::Value;

use super::file::{Directory, FormRef};

pub struct Api {
    http: reqwest::Client,
    base: String,
    token: String,
}

/// A failed call: what the server (or the network) said.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ApiFailure(pub String);

impl Api {
    pub fn new(server: &str, token: &str) -> Result<Api, ApiFailure> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(60))
            .build()
            .map_err(|error| ApiFailure(format!("cannot make an HTTP client: {error}")))?;
        Ok(Api { http, base: server.trim_end_matches('/').to_string(), token: token.to_string() })
    }

    async fn call<T: DeserializeOwned>(&self, method: Method, path: &str, body: Option<&impl Serialize>) -> Result<T, ApiFailure> {
        let url = format!("{}/api/v1{path}", self.base);
        let mut request = self.http.request(method.clone(), &url).bearer_auth(&self.token);
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.map_err(|error| ApiFailure(format!("{method} {url}: {error}")))?;
        let status = response.status();
        let text = response.text().await.map_err(|error| ApiFailure(format!("{method} {url}: {error}")))?;
        if !status.is_success() {
            let message = serde_json::from_str::<Value>(&text)
                .ok()
                .and_then(|body| body["error"]["message"].as_str().map(str::to_string))
                .unwrap_or_else(|| text.chars().take(300).collect());
            return Err(ApiFailure(format!("{method} {path} answered {status}: {message}")));
        }
        let text = if status == StatusCode::NO_CONTENT || text.is_empty() { "null" } else { text.as_str() };
        serde_json::from_str(text).map_err(|error| ApiFailure(format!("{method} {path}: unexpected answer: {error}")))
    }

    async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, ApiFailure> {
        self.call(Method::GET, path, None::<&()>).await
    }

    /// The workflow with this name (or id).
    pub async fn workflow(&self, name_or_id: &str) -> Result<Workflow, ApiFailure> {
        let workflows: Vec<Workflow> = self.get("/workflows").await?;
        let found =
            workflows.iter().find(|workflow| workflow.name == name_or_id).or_else(|| workflows.iter().find(|workflow| workflow.id == name_or_id));
        found.cloned().ok_or_else(|| ApiFailure(format!("There is no workflow named \"{name_or_id}\" that this API key may see.")))
    }

    /// The workflow's forms and endpoints, by name.
    pub async fn directory(&self, workflow: &Workflow) -> Result<Directory, ApiFailure> {
        let forms: Vec<Form> = self.get(&format!("/workflows/{}/forms", workflow.id)).await?;
        let endpoints: Vec<Endpoint> = self.get(&format!("/endpoints?workflowId={}", encode(&workflow.id))).await?;
        Ok(Directory {
            forms: forms
                .into_iter()
                .map(|form| FormRef { choices: form.responses.iter().map(|option| option.choice.clone()).collect(), id: form.id, name: form.name })
                .collect(),
            endpoints: endpoints.into_iter().map(|endpoint| (endpoint.id, endpoint.name)).collect(),
        })
    }

    /// The workflow's flows, whole, each as it runs: with its published version's name and
    /// graph (the draft's while it was never published); `version` stays the newest saved
    /// one, which a save must name.
    pub async fn flows(&self, workflow: &Workflow) -> Result<Vec<Flow>, ApiFailure> {
        let summaries: Vec<FlowSummary> = self.get(&format!("/flows?workflowId={}", encode(&workflow.id))).await?;
        let mut flows = Vec::with_capacity(summaries.len());
        for summary in summaries {
            let mut flow: Flow = self.get(&format!("/flows/{}", encode(&summary.id))).await?;
            if let Some(published) = flow.draft_version.and(flow.published_version) {
                let running: FlowVersionDetail = self.get(&format!("/flows/{}/versions/{published}", encode(&summary.id))).await?;
                flow.name = running.document.name;
                flow.blocks = running.document.blocks;
                flow.edges = running.document.edges;
            }
            flows.push(flow);
        }
        Ok(flows)
    }

    pub async fn import(&self, document: &FlowDocument) -> Result<Flow, ApiFailure> {
        self.call(Method::POST, "/flows/import", Some(document)).await
    }

    pub async fn save(&self, id: &str, save: &FlowSave) -> Result<Flow, ApiFailure> {
        self.call(Method::PUT, &format!("/flows/{}", encode(id)), Some(save)).await
    }

    pub async fn publish(&self, id: &str) -> Result<PublishedVersion, ApiFailure> {
        self.call(Method::POST, &format!("/flows/{}/publish", encode(id)), None::<&()>).await
    }

    pub async fn delete(&self, id: &str) -> Result<(), ApiFailure> {
        let _: Value = self.call(Method::DELETE, &format!("/flows/{}", encode(id)), None::<&()>).await?;
        Ok(())
    }
}

fn encode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}
