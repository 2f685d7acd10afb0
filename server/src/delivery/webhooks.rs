//! One HTTP request to an endpoint: authentication, Standard Webhooks headers, a
//! per-attempt timeout, and the answer classified as delivered, worth retrying, or final.

use std::time::{Duration, Instant};

use outflow_core::{
    clock,
    store::{AttemptRecord, EndpointSecrets},
};
use reqwest::{Method, header::HeaderMap};

use outflow_model::endpoints::join_url;

use super::{
    HttpClients,
    auth::TokenCache,
    limits::{EndpointGates, Pass},
    retry,
    script::{HttpCall, HttpReply},
    signing,
};

/// Answer headers as a script sees them: names with their text values (others are left out).
pub fn header_strings(headers: &HeaderMap) -> std::collections::BTreeMap<String, String> {
    headers.iter().filter_map(|(name, value)| Some((name.to_string(), value.to_str().ok()?.to_string()))).collect()
}

/// How much of an answer's body an attempt keeps.
pub const EXCERPT_CHARS: usize = 500;

/// What delivery needs besides the request itself.
#[derive(Clone)]
pub struct Sender {
    pub clients: HttpClients,
    pub tokens: TokenCache,
    pub timeout: Duration,
    /// Every request waits at its endpoint's gate (`maxPerSecond`, `maxConcurrent`).
    pub gates: EndpointGates,
}

/// An outgoing request to an endpoint.
#[derive(Clone)]
pub struct OutgoingRequest<'a> {
    pub endpoint: &'a EndpointSecrets,
    pub method: Method,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// Signs the request with these Standard Webhooks headers when set.
    pub webhook_id: Option<&'a str>,
}

/// The endpoint's answer.
pub struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    /// The body, up to [`super::MAX_BODY_BYTES`].
    pub body: String,
    /// The body was longer than the cap; `body` is its beginning.
    pub truncated: bool,
}

/// How an attempt ended, for the retry decision.
#[derive(Debug, PartialEq)]
pub enum Verdict {
    Delivered,
    Retryable { retry_after: Option<Duration> },
    Final,
}

impl Sender {
    /// A script's `http.request(…).write(body)` to one of its workflow's endpoints: unsigned,
    /// through the endpoint's authentication and the egress policy, answered as the script sees it.
    pub async fn script_call(&self, endpoint: &EndpointSecrets, call: HttpCall, body: String) -> Result<HttpReply, String> {
        let request = OutgoingRequest {
            endpoint,
            method: call.method()?,
            url: join_url(&endpoint.base_url, &call.path),
            headers: call.headers.into_iter().collect(),
            body,
            webhook_id: None,
        };
        let (_, answer) = self.send(request).await;
        let answer = answer?;
        Ok(HttpReply { status_code: answer.status, headers: header_strings(&answer.headers), body: answer.body, truncated: answer.truncated })
    }

    /// Sends the request and records the attempt; errors become the attempt's `error`.
    pub async fn send(&self, request: OutgoingRequest<'_>) -> (AttemptRecord, Result<Answer, String>) {
        let pass = self.gates.pass(&request.endpoint.id, request.endpoint.limits).await;
        self.send_passed(request, pass).await
    }

    /// Sends a request the endpoint's gate let through (`_pass` is held until it is answered);
    /// waiting for the turn was not the attempt's latency.
    pub async fn send_passed(&self, request: OutgoingRequest<'_>, _pass: Pass) -> (AttemptRecord, Result<Answer, String>) {
        let started_at = clock::now_millis();
        let clock_start = Instant::now();
        let url = request.url.clone();
        let endpoint_id = request.endpoint.id.clone();
        let answer = self.exchange(request).await;
        if answer.as_ref().is_ok_and(|answer| answer.status == 401) {
            // A stale OAuth2 token is fetched afresh on the next attempt.
            self.tokens.forget(&endpoint_id).await;
        }
        let attempt = AttemptRecord {
            started_at,
            duration_ms: u64::try_from(clock_start.elapsed().as_millis()).unwrap_or(u64::MAX),
            url: Some(url),
            status_code: answer.as_ref().ok().map(|answer| answer.status),
            response_excerpt: answer.as_ref().ok().map(|answer| answer.body.chars().take(EXCERPT_CHARS).collect()),
            error: match &answer {
                Ok(answer) if !(200..300).contains(&answer.status) => Some(format!("HTTP {}", answer.status)),
                Ok(_) => None,
                Err(error) => Some(error.clone()),
            },
        };
        (attempt, answer)
    }

    async fn exchange(&self, request: OutgoingRequest<'_>) -> Result<Answer, String> {
        let url = reqwest::Url::parse(&request.url).map_err(|error| format!("\"{}\" is not a valid URL: {error}", request.url))?;
        self.clients.egress.check_url(&url)?;
        let client = self.clients.for_endpoint(request.endpoint.trust_self_signed);
        let mut builder = client.request(request.method, url).timeout(self.timeout);
        for (name, value) in &request.headers {
            builder = builder.header(name.as_str(), value.as_str());
        }
        if let Some(webhook_id) = request.webhook_id {
            let timestamp = clock::now_millis() / 1000;
            if !request.headers.iter().any(|(name, _)| name.eq_ignore_ascii_case("content-type")) {
                builder = builder.header("content-type", "application/json");
            }
            builder = builder
                .header("webhook-id", webhook_id)
                .header("webhook-timestamp", timestamp.to_string())
                .header("webhook-signature", signing::signature(&request.endpoint.signing_key, webhook_id, timestamp, &request.body));
        }
        let builder = self.tokens.authorize(&self.clients, client, &request.endpoint.id, &request.endpoint.auth, builder).await?;
        let response = builder.body(request.body).send().await.map_err(|error| describe(&error, self.timeout))?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        // A body that breaks off is read as empty, as the status is what decides the attempt.
        let body = super::read_capped(response).await.unwrap_or_default();
        Ok(Answer { status, headers, body: body.text, truncated: body.truncated })
    }
}

/// Classifies an attempt's result for the retry decision.
pub fn verdict(answer: &Result<Answer, String>) -> Verdict {
    match answer {
        Ok(answer) if (200..300).contains(&answer.status) => Verdict::Delivered,
        Ok(answer) if retry::retryable_status(answer.status) => Verdict::Retryable { retry_after: retry::retry_after(&answer.headers) },
        Ok(_) => Verdict::Final,
        Err(_) => Verdict::Retryable { retry_after: None },
    }
}

fn describe(error: &reqwest::Error, timeout: Duration) -> String {
    if error.is_timeout() {
        return format!("No answer within {} ms", timeout.as_millis());
    }
    format!("Could not connect: {}", super::root_cause(error))
}
