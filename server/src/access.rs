//! Authentication and the coarse gate of the REST API. Every route has exactly one rule in
//! [`rule_for`]; the middleware authenticates the `Bearer` key (or a running script's
//! delegated credential), applies the rate limit (per key; per workflow for all delegated
//! calls together), checks the route's least role and hands the [`Principal`] to the
//! handler. A route without a rule is refused (fail closed) and the role × route test names
//! it. Everything finer — workflow membership, ownership, what a script or flow may do — is
//! the operations layer's (`outflow_core::ops`).

use std::{num::NonZeroU32, sync::Arc, time::Duration};

use axum::{
    extract::{MatchedPath, Request, State},
    http::{HeaderValue, Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter, clock::Clock};
use outflow_core::{access::Need, store};
use outflow_model::agents::AgentIdentity;

pub use outflow_core::store::Principal;

use crate::{delivery::self_calls::DELEGATION_PREFIX, error::ApiError, state::AppState};

/// What a route asks of its caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rule {
    /// At least this role.
    Role(Need),
    /// The user named by the `{targetName}` path segment, or an admin.
    SelfOrAdmin,
    /// An Integration Agent's own token (`ofa_…`), never a user's key.
    Agent,
    /// A flow's HTTP trigger: at least this role, with an API key as a Bearer token or as
    /// the password of basic auth (`targetName:key`); the handler checks which the flow takes.
    Hook(Need),
}

/// How the caller presented their API key; a request extension for the handlers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Credential {
    Bearer,
    /// Basic auth: the user's name and one of their API keys as the password.
    Basic,
}

/// The rule of each API route, by method and route template.
pub fn rule_for(method: &Method, path: &str) -> Option<Rule> {
    use Need::*;
    let path = path.strip_prefix("/api/v1")?;
    let read = *method == Method::GET;
    let rule = match path {
        "/workflows"
        | "/workflows/{id}"
        | "/workflows/{id}/forms"
        | "/forms/{id}"
        | "/forms/{id}/triggers/{trigger}/sample-payload"
        | "/endpoints"
        | "/endpoints/{id}"
        | "/integrations"
        | "/integrations/{id}"
        | "/workflows/{id}/constants"
        | "/workflows/{id}/constants/{constantId}"
        | "/workflows/{id}/libraries"
        | "/workflows/{id}/libraries/{libraryId}"
        | "/workflows/{id}/members"
        | "/flows"
        | "/flows/{id}"
        | "/flows/{id}/export"
        | "/flows/import"
        | "/flows/{id}/versions"
        | "/flows/{id}/versions/{version}"
        | "/flows/{id}/versions/{version}/restore"
        | "/flows/{id}/publish"
        | "/flows/{id}/rollback" => Rule::Role(if read { Viewer } else { Developer }),
        "/alerts"
        | "/alerts/{eventIdentifier}"
        | "/alerts/{eventIdentifier}/status"
        | "/alerts/{eventIdentifier}/comments"
        | "/alerts/{eventIdentifier}/responses"
        | "/alerts/{eventIdentifier}/escalations" => Rule::Role(if read { Viewer } else { Responder }),
        "/flows/{id}/runs" => Rule::Role(Responder),
        "/flows/{id}/test" => Rule::Role(Developer),
        "/flows/{id}/sample" => Rule::Role(Viewer),
        "/flows/{id}/http" => Rule::Hook(Responder),
        "/runs" | "/runs/{id}" | "/dashboard" => Rule::Role(Viewer),
        "/runs/{id}/rerun" => Rule::Role(Developer),
        "/runs/{id}/restart" => Rule::Role(Responder),
        "/users" | "/users/{targetName}" | "/groups" | "/groups/{targetName}" => Rule::Role(if read { Viewer } else { Admin }),
        "/users/{targetName}/devices"
        | "/users/{targetName}/devices/{deviceId}"
        | "/users/{targetName}/api-keys"
        | "/users/{targetName}/api-keys/{keyId}"
        | "/users/{targetName}/password" => Rule::SelfOrAdmin,
        "/audit" => Rule::Role(Admin),
        "/agents" | "/agents/{id}" | "/agents/{id}/users" => Rule::Role(if read { Viewer } else { Admin }),
        "/agent/heartbeat" | "/agent/lease" | "/agent/runs/{id}/report" => Rule::Agent,
        "/me" => Rule::Role(Viewer),
        _ => return None,
    };
    Some(rule)
}

/// Requests per second (and twice that as a burst) one API key may make; `None` is no limit.
pub struct RateLimit {
    limiter: Option<DefaultKeyedRateLimiter<String>>,
}

impl RateLimit {
    pub fn per_second(rate: u32) -> Arc<RateLimit> {
        let limiter = NonZeroU32::new(rate).map(|rate| {
            let burst = rate.saturating_mul(NonZeroU32::MIN.saturating_add(1));
            RateLimiter::keyed(Quota::per_second(rate).allow_burst(burst))
        });
        Arc::new(RateLimit { limiter })
    }

    /// A burst of `burst` attempts per key, then one every `every`: the wait past the burst
    /// never exceeds `every` (a bounded back-off).
    pub fn attempts(burst: u32, every: Duration) -> Arc<RateLimit> {
        let quota = Quota::with_period(every).map(|quota| quota.allow_burst(NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN)));
        Arc::new(RateLimit { limiter: quota.map(RateLimiter::keyed) })
    }

    /// How long the key must wait, if it is over its limit.
    pub fn wait(&self, key: &str) -> Option<Duration> {
        let limiter = self.limiter.as_ref()?;
        if limiter.len() > 10_000 {
            limiter.retain_recent();
        }
        let refused = limiter.check_key(&key.to_string()).err()?;
        Some(refused.wait_time_from(governor::clock::DefaultClock::default().now()))
    }
}

/// The middleware every `/api/v1` route runs behind.
pub async fn authorize(State(state): State<AppState>, matched: Option<MatchedPath>, mut request: Request, next: Next) -> Response {
    match admit(&state, matched.as_ref().map(MatchedPath::as_str), &mut request).await {
        Ok(caller) => {
            match caller {
                Caller::User(principal) => {
                    request.extensions_mut().insert(principal);
                }
                Caller::Agent(agent) => {
                    request.extensions_mut().insert(agent);
                }
            }
            next.run(request).await
        }
        Err(refusal) => refusal,
    }
}

/// Who a request acts as: a user, or (on the agent protocol) an Integration Agent.
enum Caller {
    User(Principal),
    Agent(AgentIdentity),
}

async fn admit(state: &AppState, route: Option<&str>, request: &mut Request) -> Result<Caller, Response> {
    let route = route.unwrap_or_default();
    let Some(rule) = rule_for(request.method(), route) else {
        return Err(ApiError::internal(format!("no access rule for {} {route}", request.method())).into_response());
    };
    let (key, credential, user) = credentials(request, matches!(rule, Rule::Hook(_))).map_err(IntoResponse::into_response)?;
    request.extensions_mut().insert(credential);
    if rule == Rule::Agent {
        let agent = store::agent_for_token(&state.store, &key).await.map_err(|error| ApiError::from(error).into_response())?;
        return agent.map(Caller::Agent).ok_or_else(|| unauthorized("This agent token is unknown or its agent was deleted.").into_response());
    }
    let delegated = key.starts_with(DELEGATION_PREFIX);
    if !delegated && let Some(wait) = state.rate_limit.wait(&store::hash_api_key(&key)) {
        return Err(too_many_requests(wait));
    }
    let principal = if delegated {
        state.delegations.principal(&key)
    } else {
        store::principal_for_api_key(&state.store, &key).await.map_err(|error| ApiError::from(error).into_response())?
    };
    let principal = principal
        .filter(|principal| user.as_ref().is_none_or(|name| *name == principal.target_name))
        .ok_or_else(|| unauthorized("This API key is unknown, revoked, or its user is inactive.").into_response())?;
    if let Some(delegation) = &principal.delegation {
        // Every script and flow of a workflow shares one bucket, however many credentials.
        if let Some(wait) = state.rate_limit.wait(&format!("workflow {}", delegation.workflow_id)) {
            return Err(too_many_requests(wait));
        }
    }
    let allowed = match rule {
        Rule::Role(need) | Rule::Hook(need) => principal.has(need),
        Rule::SelfOrAdmin => principal.is_admin() || path_target_name(request.uri().path()) == Some(principal.target_name.as_str()),
        // Answered above: agent routes never take a user's key.
        Rule::Agent => false,
    };
    if !allowed {
        let message = match rule {
            Rule::Role(need) | Rule::Hook(need) => principal.lacking(need),
            Rule::SelfOrAdmin => "Only an admin may manage another user's devices, keys or password.".to_string(),
            Rule::Agent => "This route takes an Integration Agent's token, not a user's API key.".to_string(),
        };
        return Err(ApiError::new(StatusCode::FORBIDDEN, "forbidden", message).into_response());
    }
    Ok(Caller::User(principal))
}

/// The API key a request carries, how, and (for basic auth) the user name it names.
fn credentials(request: &Request, basic_allowed: bool) -> Result<(String, Credential, Option<String>), ApiError> {
    let header =
        request.headers().get(header::AUTHORIZATION).ok_or_else(|| unauthorized("This API needs an `Authorization: Bearer <api key>` header."))?;
    let value = header.to_str().unwrap_or_default();
    if basic_allowed && let Some(encoded) = value.strip_prefix("Basic ") {
        use base64::Engine as _;
        let decoded = base64::engine::general_purpose::STANDARD.decode(encoded.trim()).ok().and_then(|bytes| String::from_utf8(bytes).ok());
        let (user, key) = decoded
            .as_deref()
            .and_then(|pair| pair.split_once(':'))
            .filter(|(user, key)| !user.is_empty() && !key.is_empty())
            .ok_or_else(|| unauthorized("Basic authentication needs `user name:API key`, base64-encoded."))?;
        return Ok((key.to_string(), Credential::Basic, Some(user.to_string())));
    }
    value
        .strip_prefix("Bearer ")
        .map(str::trim)
        .filter(|key| !key.is_empty())
        .map(|key| (key.to_string(), Credential::Bearer, None))
        .ok_or_else(|| unauthorized("The Authorization header must be `Bearer <api key>`."))
}

/// `[/api/v1]/users/{targetName}/…` → the target name (inside the nested API router the
/// request path no longer has its `/api/v1` prefix). Percent-encoded names never match.
fn path_target_name(path: &str) -> Option<&str> {
    let rest = path.strip_prefix("/api/v1").unwrap_or(path).strip_prefix("/users/")?;
    rest.split('/').next().filter(|name| !name.is_empty() && !name.contains('%'))
}

pub fn unauthorized(message: &str) -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
}

fn too_many_requests(wait: Duration) -> Response {
    retry_later(wait, "Too many requests with this API key")
}

/// 429 `rate_limited` with `Retry-After`; `what` says what was too many.
pub fn retry_later(wait: Duration, what: &str) -> Response {
    let seconds = wait.as_secs_f64().ceil().max(1.0) as u64;
    let mut response = ApiError::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", format!("{what}; try again in {seconds} s.")).into_response();
    response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_routes_have_no_rule_and_known_ones_do() {
        assert_eq!(rule_for(&Method::GET, "/api/v1/nothing"), None);
        assert_eq!(rule_for(&Method::POST, "/api/v1/alerts"), Some(Rule::Role(Need::Responder)));
        assert_eq!(rule_for(&Method::DELETE, "/api/v1/endpoints/{id}"), Some(Rule::Role(Need::Developer)));
        assert_eq!(path_target_name("/api/v1/users/mia/api-keys"), Some("mia"));
    }

    #[test]
    fn the_limit_refuses_past_the_burst_and_says_how_long_to_wait() {
        let limit = RateLimit::per_second(1);
        assert!(limit.wait("k").is_none());
        assert!(limit.wait("k").is_none());
        assert!(limit.wait("k").is_some_and(|wait| wait <= Duration::from_secs(1)));
        assert!(limit.wait("other").is_none());
        assert!(RateLimit::per_second(0).wait("k").is_none());
    }
}
