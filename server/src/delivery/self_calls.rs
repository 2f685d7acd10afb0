//! Scripts calling back into Outflow. The built-in endpoint named `Outflow` reaches this
//! server's own REST API as the alert's initiating user: the run holds a short-lived
//! delegated credential for that user (never stored, gone when the script ends), so the
//! API's role and workflow-membership checks apply exactly as for the user's own key. A
//! refused call fails the script with the API's reason, which names the missing right.
//!
//! The client reaches only `/api/v1/…`: a path is refused (naming it) when it has `.` or
//! `..` segments, `//`, backslashes, percent-encoded dots, slashes or backslashes, control
//! characters or a fragment, or points under `/api/v1/auth`; no redirect is followed.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use outflow_core::store::Principal;
use reqwest::{Method, header, redirect};

use super::{egress::EgressPolicy, script::HttpReply};

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
        // No redirect is followed: an answer of the API is never a reason to go elsewhere.
        // The link-local rule of the egress policy applies; private addresses do not count,
        // since the base URL is this server's own listen address (loopback, or 0.0.0.0 when
        // listening on every interface), allowed even under `--egress-deny-private`.
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .redirect(redirect::Policy::none())
            .dns_resolver(SELF_EGRESS.resolver())
            .build()
            .unwrap_or_default();
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
        let path = api_path(path).map_err(|why| {
            format!("The {OUTFLOW_ENDPOINT} endpoint reaches only Outflow's API (plain paths under /api/v1/), not \"{path}\": {why}.")
        })?;
        let url = reqwest::Url::parse(&format!("{}{path}", self.base_url)).map_err(|error| format!("\"{path}\" does not make a URL: {error}"))?;
        // What the URL parser made of it is checked again, in case it normalised anything.
        if !url.path().starts_with(API_PREFIX) || under_auth(url.path()) {
            return Err(format!("The {OUTFLOW_ENDPOINT} endpoint reaches only Outflow's API (plain paths under /api/v1/), not \"{path}\"."));
        }
        SELF_EGRESS.check_url(&url)?;
        let mut request = self.client.request(method.clone(), url).body(body);
        let headers: Vec<(String, String)> = headers.into_iter().collect();
        if !headers.iter().any(|(name, _)| name.eq_ignore_ascii_case("content-type")) {
            request = request.header(header::CONTENT_TYPE, "application/json");
        }
        for (name, value) in headers.into_iter().filter(|(name, _)| passed_on(name)) {
            request = request.header(name, value);
        }
        if let Some(credential) = credential {
            request = request.header(header::AUTHORIZATION, format!("Bearer {}", credential.token));
        }
        let response = request.send().await.map_err(|error| format!("Outflow's API did not answer: {error}"))?;
        let status = response.status().as_u16();
        let headers = super::webhooks::header_strings(response.headers());
        let body = super::read_capped(response).await.unwrap_or_default();
        let (body, truncated) = (body.text, body.truncated);
        if matches!(status, 401 | 403) {
            let reason = serde_json::from_str::<serde_json::Value>(&body)
                .ok()
                .and_then(|answer| answer["error"]["message"].as_str().map(str::to_string))
                .unwrap_or_else(|| format!("status {status}"));
            return Err(format!("Outflow refused {method} {path} acting as {acting_as}: {reason}"));
        }
        Ok(HttpReply { status_code: status, headers, body, truncated })
    }
}

/// The egress policy of calls to this server itself: link-local addresses are refused,
/// private ones (its own listen address) are not.
const SELF_EGRESS: EgressPolicy = EgressPolicy { deny_private: false };

const API_PREFIX: &str = "/api/v1/";
const AUTH_PREFIX: &str = "/api/v1/auth";

/// Whether a path is `/api/v1/auth` or under it.
fn under_auth(route: &str) -> bool {
    route.strip_prefix(AUTH_PREFIX).is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// A script's path for the `Outflow` endpoint, checked: a plain path under `/api/v1/` with an
/// optional query, or why not. Nothing is rewritten: a path that would mean something else
/// once normalised (dot segments, `//`, `\`, encoded `.` `/` `\`) is refused, not resolved.
pub fn api_path(path: &str) -> Result<&str, &'static str> {
    if let Some(bad) = path.chars().find(|c| c.is_control()) {
        return Err(if bad == '\t' || bad == '\n' || bad == '\r' { "it has a tab or line break" } else { "it has a control character" });
    }
    if path.contains('\\') {
        return Err("it has a backslash");
    }
    if path.contains('#') {
        return Err("it has a fragment (#)");
    }
    let (route, _query) = path.split_once('?').unwrap_or((path, ""));
    if !route.starts_with(API_PREFIX) {
        return Err("it does not start with /api/v1/");
    }
    if route.contains("//") {
        return Err("it has an empty segment (//)");
    }
    let lower = route.to_ascii_lowercase();
    if ["%2e", "%2f", "%5c"].iter().any(|encoded| lower.contains(encoded)) {
        return Err("it has a percent-encoded dot, slash or backslash");
    }
    if route.split('/').any(|segment| segment == "." || segment == "..") {
        return Err("it has a . or .. segment");
    }
    if under_auth(route) {
        return Err("sign-in and setup are not part of the API");
    }
    Ok(path)
}

/// Whether a script's request header goes to Outflow's API: never its own credentials nor
/// what a proxy would say about the client (the server keys sign-in throttling and rate
/// limits on the client, and a script is not one).
fn passed_on(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    !(name == "authorization" || name == "cookie" || name == "forwarded" || name.starts_with("x-forwarded-") || name == "x-real-ip")
}

#[cfg(test)]
mod tests {
    use super::{api_path, passed_on};

    #[test]
    fn a_script_cannot_pass_on_credentials_or_a_client_address() {
        for name in ["Authorization", "cookie", "X-Forwarded-For", "x-forwarded-proto", "Forwarded", "X-Real-IP"] {
            assert!(!passed_on(name), "{name}");
        }
        assert!(passed_on("X-Ticket") && passed_on("content-type"));
    }

    #[test]
    fn only_plain_paths_under_the_api_pass() {
        for path in ["/api/v1/workflows", "/api/v1/alerts/7/comments", "/api/v1/alerts?status=ACTIVE&q=a/../b", "/api/v1/runs/", "/api/v1/authors"] {
            assert_eq!(api_path(path), Ok(path), "{path}");
        }
        let refused = [
            ("/api/v1/../auth/setup", "segment"),
            ("/api/v1/./workflows", "segment"),
            ("/api/v1/alerts/..", "segment"),
            ("/api/v1/%2e%2e/healthz", "percent-encoded"),
            ("/api/v1/%2E%2E/healthz", "percent-encoded"),
            ("/api/v1/.%2e/auth/setup", "percent-encoded"),
            ("/api/v1/alerts%2f..%2f..%2fauth", "percent-encoded"),
            ("/api/v1/alerts%2F1", "percent-encoded"),
            ("/api/v1/%5c..%5Cauth", "percent-encoded"),
            ("/api/v1\\..\\auth/setup", "backslash"),
            ("/api/v1/alerts\\1", "backslash"),
            ("/api/v1//evil.example/x", "empty segment"),
            ("//evil.example/api/v1/x", "does not start"),
            ("/api/v1/\t/x", "tab"),
            ("/api/v1/alerts\n", "line break"),
            ("/api/v1/alerts\u{7f}", "control"),
            ("/api/v1/alerts#x", "fragment"),
            ("/api/v1/auth/setup", "sign-in"),
            ("/api/v1/auth", "sign-in"),
            ("/auth/setup", "does not start"),
            ("/api/v2/x", "does not start"),
            ("/api/v1", "does not start"),
            ("/healthz", "does not start"),
            ("http://169.254.169.254/api/v1/x", "does not start"),
            ("", "does not start"),
        ];
        for (path, why) in refused {
            let refusal = api_path(path).expect_err(path);
            assert!(refusal.contains(why), "{path:?}: {refusal}");
        }
    }
}
