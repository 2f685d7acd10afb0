//! Browser sign-in: the session cookie, the gate in front of every page and UI server
//! function, CSRF protection for state-changing browser requests, and the `/auth/*` form
//! posts behind the sign-in and set-password pages.
//!
//! CSRF: the cookie is `SameSite=Lax`, and every non-GET browser request must prove it comes
//! from Outflow's own pages by its `Origin` header (or, without one, `Sec-Fetch-Site:
//! same-origin`), which browsers set and pages of other sites cannot forge.

use std::{
    collections::HashSet,
    sync::{Arc, Mutex, MutexGuard, PoisonError},
    time::Duration,
};

use axum::{
    Form, Router,
    extract::{Request, State},
    http::{HeaderMap, HeaderValue, Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Redirect, Response},
    routing::post,
};
use outflow_core::store;
use serde::Deserialize;

use crate::{
    access::{self, RateLimit},
    assets,
    peer::ClientAddr,
    state::AppState,
};

pub const COOKIE: &str = "outflow_session";

/// Pages and posts that work without a session.
fn is_public(path: &str) -> bool {
    matches!(path, "/login" | "/setup") || path.starts_with("/auth/") || assets::exists(path)
}

/// Runs in front of the UI: refuses cross-site posts, attaches the signed-in user, and
/// sends anyone without a session to the sign-in page.
pub async fn gate(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let path = request.uri().path().to_string();
    let reading = matches!(*request.method(), Method::GET | Method::HEAD);
    if reading && assets::exists(&path) {
        return next.run(request).await;
    }
    if !reading && !same_origin(request.headers()) {
        return refusal(StatusCode::FORBIDDEN, "This request did not come from an Outflow page (cross-site request refused).");
    }
    let principal = match session_token(request.headers()) {
        Some(token) => match store::session_principal(&state.store, &token, state.session_ttl_ms).await {
            Ok(principal) => principal,
            Err(error) => return crate::error::ApiError::from(error).into_response(),
        },
        None => None,
    };
    match principal {
        Some(principal) => {
            request.extensions_mut().insert(principal);
            next.run(request).await
        }
        None if is_public(&path) => next.run(request).await,
        None if path.starts_with("/ui/") => refusal(StatusCode::UNAUTHORIZED, "Your session has ended. Sign in again."),
        None => {
            let wanted = request.uri().path_and_query().map_or("/", |target| target.as_str());
            Redirect::to(&format!("/login?next={}", urlencode(wanted))).into_response()
        }
    }
}

/// Whether a state-changing request comes from a page of this very server.
fn same_origin(headers: &HeaderMap) -> bool {
    let host = headers.get(header::HOST).and_then(|value| value.to_str().ok());
    match headers.get(header::ORIGIN).and_then(|value| value.to_str().ok()) {
        Some(origin) => {
            let origin_host = origin.split_once("://").map(|(_, rest)| rest);
            origin_host.is_some() && origin_host == host
        }
        None => headers.get("sec-fetch-site").and_then(|value| value.to_str().ok()) == Some("same-origin"),
    }
}

/// The refusal shape the UI's server functions decode (`UiError`).
fn refusal(status: StatusCode, message: &str) -> Response {
    (status, axum::Json(serde_json::json!({ "message": message }))).into_response()
}

fn session_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.to_string())
        .filter(|value| !value.is_empty())
}

/// `Secure` when the browser reached us over TLS (through a proxy that says so).
fn served_over_tls(headers: &HeaderMap) -> bool {
    headers.get("x-forwarded-proto").and_then(|value| value.to_str().ok()) == Some("https")
}

fn session_cookie(headers: &HeaderMap, token: &str, max_age_secs: i64) -> HeaderValue {
    let secure = if served_over_tls(headers) { "; Secure" } else { "" };
    let cookie = format!("{COOKIE}={token}; HttpOnly; SameSite=Lax; Path=/; Max-Age={max_age_secs}{secure}");
    HeaderValue::from_str(&cookie).unwrap_or_else(|_| HeaderValue::from_static("outflow_session=; Max-Age=0; Path=/"))
}

pub fn router() -> Router<AppState> {
    Router::new().route("/auth/login", post(login)).route("/auth/logout", post(logout)).route("/auth/setup", post(setup))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct LoginForm {
    target_name: String,
    password: String,
    #[serde(default)]
    next: String,
}

async fn login(State(state): State<AppState>, client: ClientAddr, headers: HeaderMap, Form(form): Form<LoginForm>) -> Response {
    let next = safe_next(&form.next);
    let target_name = form.target_name.trim();
    if let Some(wait) = state.sign_in_limit.wait(target_name, &client) {
        let seconds = wait.as_secs_f64().ceil().max(1.0) as u64;
        return Redirect::to(&format!("/login?wait={seconds}&next={}", urlencode(next))).into_response();
    }
    match store::check_login(&state.store, target_name, &form.password).await {
        Ok(Some(user_id)) => {
            state.sign_in_limit.signed_in(target_name, &client);
            signed_in(&state, &headers, user_id, next).await
        }
        Ok(None) => Redirect::to(&format!("/login?failed=1&next={}", urlencode(next))).into_response(),
        Err(error) => crate::error::ApiError::from(error).into_response(),
    }
}

/// Sign-in throttling, keyed so that guessing from one address cannot lock the real user
/// out. Each (name, client address) pair has 10 tries and then one every 6 seconds: the
/// wait is bounded and touches only that address. Each name also has a ceiling across all
/// addresses, 100 tries and then one a second, which bounds a guesser spread over many
/// addresses; an address that signed in as that name before (since this start) is exempt
/// from it, so even that guesser does not lock the real user out of their usual machine.
pub struct SignInThrottle {
    per_client: Arc<RateLimit>,
    per_name: Arc<RateLimit>,
    /// (name, address) pairs that signed in; forgotten in bulk past [`KNOWN_PAIRS`].
    known: Mutex<HashSet<String>>,
}

const KNOWN_PAIRS: usize = 10_000;

impl SignInThrottle {
    pub fn new() -> Arc<SignInThrottle> {
        Arc::new(SignInThrottle {
            per_client: RateLimit::attempts(10, Duration::from_secs(6)),
            per_name: RateLimit::attempts(100, Duration::from_secs(1)),
            known: Mutex::default(),
        })
    }

    /// How long this sign-in must wait, if it must; counts the attempt otherwise.
    pub fn wait(&self, target_name: &str, client: &ClientAddr) -> Option<Duration> {
        // Names are hashed: a key's size never depends on what a client sends.
        let name = store::hash_api_key(target_name);
        let pair = format!("{name} {}", client.throttle_key());
        if let Some(wait) = self.per_client.wait(&pair) {
            return Some(wait);
        }
        if self.known().contains(&pair) {
            return None;
        }
        self.per_name.wait(&name)
    }

    /// Remembers a client address that signed in as `target_name`.
    pub fn signed_in(&self, target_name: &str, client: &ClientAddr) {
        let pair = format!("{} {}", store::hash_api_key(target_name), client.throttle_key());
        let mut known = self.known();
        if known.len() >= KNOWN_PAIRS {
            known.clear();
        }
        known.insert(pair);
    }

    fn known(&self) -> MutexGuard<'_, HashSet<String>> {
        // Every change is one insert or a clear, so a poisoned set is still consistent.
        self.known.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

async fn signed_in(state: &AppState, headers: &HeaderMap, user_id: i64, next: &str) -> Response {
    match store::create_session(&state.store, user_id, state.session_ttl_ms).await {
        Ok(token) => {
            let mut response = Redirect::to(next).into_response();
            response.headers_mut().insert(header::SET_COOKIE, session_cookie(headers, &token, state.session_ttl_ms / 1000));
            response
        }
        Err(error) => crate::error::ApiError::from(error).into_response(),
    }
}

async fn logout(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(token) = session_token(&headers)
        && let Err(error) = store::end_session(&state.store, &token).await
    {
        return crate::error::ApiError::from(error).into_response();
    }
    let mut response = Redirect::to("/login").into_response();
    response.headers_mut().insert(header::SET_COOKIE, session_cookie(&headers, "", 0));
    response
}

#[derive(Deserialize)]
struct SetupForm {
    token: String,
    password: String,
    confirm: String,
}

/// Uses the one-time password link. Per client address, at most 10 tries and then one every
/// 6 seconds (429 past that); a wrong token is refused before any password hashing.
async fn setup(State(state): State<AppState>, client: ClientAddr, headers: HeaderMap, Form(form): Form<SetupForm>) -> Response {
    if let Some(wait) = state.setup_limit.wait(&client.throttle_key()) {
        return access::retry_later(wait, "Too many tries of the password link from this address");
    }
    let outcome = if form.password == form.confirm {
        store::use_password_link(&state.store, &form.token, &form.password).await.map_err(|error| error.to_string())
    } else {
        Err("The two passwords differ.".to_string())
    };
    match outcome {
        Ok(user_id) => signed_in(&state, &headers, user_id, "/").await,
        Err(message) => Redirect::to(&format!("/setup?token={}&error={}", urlencode(&form.token), urlencode(&message))).into_response(),
    }
}

/// Where to go after signing in: only a path of this site, else `/` (no open redirect).
///
/// A path starts with exactly one `/` that is followed by neither `/` nor `\` (which
/// browsers read as the start of another host, `//evil.example`). Every character is
/// visible ASCII: no space and no control character anywhere, since browsers drop tabs and
/// line breaks from addresses (`/\t/evil.example/` would leave the site), and a `Location`
/// header holds nothing else. Percent-encoded control characters are refused anywhere, and
/// an encoded `/` or `\` right after the first slash (`/%2f…`, `/%5c…`), which some proxies
/// and frameworks decode before the browser sees it.
fn safe_next(next: &str) -> &str {
    let bytes = next.as_bytes();
    let one_leading_slash = bytes.first() == Some(&b'/') && !matches!(bytes.get(1), Some(b'/' | b'\\'));
    let visible_ascii = bytes.iter().all(|byte| matches!(byte, 0x21..=0x7e));
    let encoded = |at: usize| {
        let digits = bytes.get(at + 1..at + 3).filter(|digits| digits.iter().all(u8::is_ascii_hexdigit))?;
        std::str::from_utf8(digits).ok().and_then(|digits| u8::from_str_radix(digits, 16).ok())
    };
    let encoded_control = (0..bytes.len()).any(|at| bytes[at] == b'%' && encoded(at).is_some_and(|byte| byte < 0x20 || byte == 0x7f));
    let encoded_slash_first = bytes.get(1) == Some(&b'%') && matches!(encoded(1), Some(b'/' | b'\\'));
    if one_leading_slash && visible_ascii && !encoded_control && !encoded_slash_first { next } else { "/" }
}

fn urlencode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed_after_sign_in() {
        assert_eq!(safe_next("/alerts?x=1"), "/alerts?x=1");
        assert_eq!(safe_next("//evil.example/"), "/");
        assert_eq!(safe_next("https://evil.example/"), "/");
        assert_eq!(safe_next("/"), "/");
        assert_eq!(safe_next("/flows/flow_1?tab=runs&page=2#top"), "/flows/flow_1?tab=runs&page=2#top");
        assert_eq!(safe_next("/people/a%20b"), "/people/a%20b", "encoded text other than controls stays");
        assert_eq!(safe_next("/alerts/%2f"), "/alerts/%2f", "an encoded slash later in the path is harmless");
        for hostile in [
            "",
            "alerts",
            "\\\\evil.example/",
            "/\\evil.example/",
            "/\t/evil.example/",
            "\t//evil.example/",
            "/\r\n/evil.example/",
            "/\n/evil.example/",
            "/ /evil.example/",
            "/alerts\u{7f}",
            "/alerts\u{85}",
            "/\u{e9}",
            "/%2fevil.example/",
            "/%2Fevil.example/",
            "/%5cevil.example/",
            "/%5Cevil.example/",
            "/%09/evil.example/",
            "/%0a/evil.example/",
            "/%0D%0A/evil.example/",
            "/alerts?x=%00",
            "/alerts%7F",
            "javascript:alert(1)",
            "http://evil.example/",
        ] {
            assert_eq!(safe_next(hostile), "/", "{hostile:?}");
        }
    }

    fn client(ip: &str) -> ClientAddr {
        ClientAddr { ip: ip.parse().unwrap(), forwarded: false }
    }

    #[test]
    fn a_guesser_at_one_address_does_not_lock_the_user_out_elsewhere() {
        let throttle = SignInThrottle::new();
        let (attacker, user) = (client("192.0.2.66"), client("198.51.100.7"));
        for _ in 0..10 {
            assert_eq!(throttle.wait("admin", &attacker), None);
        }
        let wait = throttle.wait("admin", &attacker).expect("the guesser waits past ten tries");
        assert!(wait <= Duration::from_secs(6), "a bounded wait: {wait:?}");
        assert_eq!(throttle.wait("admin", &user), None, "the user's own address is not throttled");
        assert_eq!(throttle.wait("mia", &attacker), None, "nor another name from that address");
    }

    #[test]
    fn many_addresses_meet_a_ceiling_per_name_that_known_addresses_skip() {
        let throttle = SignInThrottle::new();
        let user = client("198.51.100.7");
        assert_eq!(throttle.wait("admin", &user), None);
        throttle.signed_in("admin", &user);
        let refused = (0..=255u8)
            .flat_map(|a| (0..=255u8).map(move |b| client(&format!("10.1.{a}.{b}"))))
            .take(200)
            .filter(|guesser| throttle.wait("admin", guesser).is_some())
            .count();
        assert!(refused >= 90, "past about 100 tries of one name the next ones wait: {refused} refused");
        assert!(throttle.wait("admin", &client("203.0.113.1")).is_some(), "a new address meets the ceiling");
        assert_eq!(throttle.wait("admin", &user), None, "the address the user signed in from does not");
    }

    #[test]
    fn cross_site_origins_are_told_apart_from_our_own() {
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, HeaderValue::from_static("127.0.0.1:3000"));
        headers.insert(header::ORIGIN, HeaderValue::from_static("http://127.0.0.1:3000"));
        assert!(same_origin(&headers));
        headers.insert(header::ORIGIN, HeaderValue::from_static("http://evil.example"));
        assert!(!same_origin(&headers));
        headers.remove(header::ORIGIN);
        assert!(!same_origin(&headers));
        headers.insert("sec-fetch-site", HeaderValue::from_static("same-origin"));
        assert!(same_origin(&headers));
    }
}
