//! Scripts calling back into Outflow. The built-in endpoint named `Outflow` reaches this
//! server's own REST API as the alert's initiating user: the run holds a short-lived
//! delegated credential for that user (never stored, gone when the script ends), so the
//! API's role and workflow-membership checks apply exactly as for the user's own key. A
//! refused call fails the script with the API's reason, which names the missing right.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use outflow_core::store::Principal;
use reqwest::{Method, header};

use super::script::HttpReply;

/// The endpoint name scripts use for Outflow's own API (`http.request({endpoint: 'Outflow', …})`).
pub const OUTFLOW_ENDPOINT: &str = "Outflow";
/// Delegated credentials look like this, so the API can tell them from stored keys.
pub const DELEGATION_PREFIX: &str = "ofd_";

/// The delegated credentials of the scripts running now.
#[derive(Default)]
pub struct Delegations {
    active: Mutex<HashMap<String, (Principal, Instant)>>,
}

impl Delegations {
    /// A credential acting as `principal` until `ttl` passes or the guard is dropped.
    pub fn issue(self: &Arc<Self>, principal: Principal, ttl: Duration) -> Delegation {
        let token = format!("{DELEGATION_PREFIX}{}", outflow_core::store::new_token());
        self.lock().insert(token.clone(), (principal, Instant::now() + ttl));
        Delegation { token, delegations: self.clone() }
    }

    /// The user a live credential acts for.
    pub fn principal(&self, token: &str) -> Option<Principal> {
        let mut active = self.lock();
        active.retain(|_, (_, until)| *until > Instant::now());
        active.get(token).map(|(principal, _)| principal.clone())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (Principal, Instant)>> {
        // The map stays consistent even if a holder panicked: every change is one call.
        self.active.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// A live delegated credential; dropping it revokes it.
pub struct Delegation {
    pub token: String,
    delegations: Arc<Delegations>,
}

impl Drop for Delegation {
    fn drop(&mut self) {
        self.delegations.lock().remove(&self.token);
    }
}

/// How scripts reach this server's API.
#[derive(Clone)]
pub struct SelfApi {
    pub base_url: String,
    pub client: reqwest::Client,
    pub delegations: Arc<Delegations>,
}

impl SelfApi {
    pub fn new(base_url: String, delegations: Arc<Delegations>) -> SelfApi {
        // A script blocks while it waits; the timeout keeps a stuck call from outliving it.
        let client = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().unwrap_or_default();
        SelfApi { base_url, client, delegations }
    }

    /// Calls `method path` as the holder of `credential` (`None`: the alert has no initiating
    /// user, so the call goes out without one and is refused).
    pub async fn call(
        &self,
        credential: Option<&Delegation>,
        acting_as: &str,
        method: Method,
        path: &str,
        headers: impl IntoIterator<Item = (String, String)>,
        body: String,
    ) -> Result<HttpReply, String> {
        if !path.starts_with("/api/") {
            return Err(format!("The {OUTFLOW_ENDPOINT} endpoint reaches only Outflow's API (paths under /api/), not \"{path}\"."));
        }
        let mut request = self.client.request(method.clone(), format!("{}{path}", self.base_url)).body(body);
        let headers: Vec<(String, String)> = headers.into_iter().collect();
        if !headers.iter().any(|(name, _)| name.eq_ignore_ascii_case("content-type")) {
            request = request.header(header::CONTENT_TYPE, "application/json");
        }
        for (name, value) in headers.into_iter().filter(|(name, _)| !name.eq_ignore_ascii_case("authorization")) {
            request = request.header(name, value);
        }
        if let Some(credential) = credential {
            request = request.header(header::AUTHORIZATION, format!("Bearer {}", credential.token));
        }
        let response = request.send().await.map_err(|error| format!("Outflow's API did not answer: {error}"))?;
        let status = response.status().as_u16();
        let headers = super::webhooks::header_strings(response.headers());
        let body = response.text().await.unwrap_or_default();
        if matches!(status, 401 | 403) {
            let reason = serde_json::from_str::<serde_json::Value>(&body)
                .ok()
                .and_then(|answer| answer["error"]["message"].as_str().map(str::to_string))
                .unwrap_or_else(|| format!("status {status}"));
            return Err(format!("Outflow refused {method} {path} acting as {acting_as}: {reason}"));
        }
        Ok(HttpReply { status_code: status, headers, body })
    }
}
