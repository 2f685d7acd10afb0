//! A real HTTP receiver on 127.0.0.1 that records every request it gets and answers with
//! a status the test chooses, standing in for a webhook device or integration endpoint.

use std::sync::{Arc, Mutex};

use axum::{
    Router,
    body::Bytes,
    extract::State,
    http::{HeaderMap, Method, StatusCode, Uri, header},
    response::{IntoResponse, Response},
};
use serde_json::Value;

#[derive(Debug, Clone)]
pub struct Received {
    pub method: String,
    pub path: String,
    pub headers: HeaderMap,
    pub body: Value,
    /// The body exactly as received, for signature checks.
    pub raw: String,
    /// When it arrived.
    pub at: std::time::Instant,
}

/// Records the request and picks its answer (an OAuth2 token answer is `Err`), with the
/// lock released before any delay.
fn answer_for(
    inner: &Mutex<Inner>,
    method: Method,
    uri: &Uri,
    headers: HeaderMap,
    body: &Bytes,
) -> Result<(Reply, std::time::Duration, Bytes), Box<Response>> {
    let raw = String::from_utf8_lossy(body).to_string();
    let body = serde_json::from_slice(body).unwrap_or(Value::Null);
    let mut inner = inner.lock().expect("not poisoned");
    let at = std::time::Instant::now();
    inner.received.push(Received { method: method.to_string(), path: uri.path().to_string(), headers, body, raw, at });
    if uri.path() == TOKEN_PATH {
        let issued = inner.received.iter().filter(|request| request.path == TOKEN_PATH).count();
        let token = serde_json::json!({"access_token": format!("token-{issued}"), "token_type": "Bearer", "expires_in": 3600});
        return Err(Box::new(axum::Json(token).into_response()));
    }
    let reply = inner.script.pop_front().unwrap_or(Reply { status: inner.status, retry_after: None });
    inner.in_flight += 1;
    inner.peak_in_flight = inner.peak_in_flight.max(inner.in_flight);
    Ok((reply, inner.delay, inner.body.clone()))
}

/// Requests to this path get an OAuth2 token answer (`token-1`, `token-2`, …).
pub const TOKEN_PATH: &str = "/oauth/token";

/// One scripted answer: a status and, optionally, a `Retry-After` in seconds.
#[derive(Debug, Clone, Copy)]
pub struct Reply {
    pub status: u16,
    pub retry_after: Option<u32>,
}

#[derive(Default)]
struct Inner {
    received: Vec<Received>,
    status: u16,
    /// Answers used first, in order, before falling back to `status`.
    script: std::collections::VecDeque<Reply>,
    /// How long each answer waits (after the request is recorded).
    delay: std::time::Duration,
    /// The body of every answer (OAuth2 token answers aside).
    body: Bytes,
    /// Requests received and not answered yet, and the most there ever were at once.
    in_flight: usize,
    peak_in_flight: usize,
}

/// Records requests; answers 200 until told otherwise.
#[derive(Clone)]
pub struct Receiver {
    inner: Arc<Mutex<Inner>>,
    pub base_url: String,
}

impl Receiver {
    pub async fn start() -> Receiver {
        let inner = Arc::new(Mutex::new(Inner { status: 200, body: Bytes::from_static(b"scripted answer"), ..Inner::default() }));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a loopback port is free");
        let base_url = format!("http://{}", listener.local_addr().expect("bound"));
        let app = Router::new().fallback(record).with_state(inner.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Receiver { inner, base_url }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base_url, path)
    }

    /// Every later request is answered with this status.
    pub fn answer_with(&self, status: u16) {
        self.inner.lock().expect("not poisoned").status = status;
    }

    /// The next requests get these answers, in order; later ones get the usual status.
    pub fn answer_next(&self, replies: &[Reply]) {
        self.inner.lock().expect("not poisoned").script.extend(replies.iter().copied());
    }

    /// Every later answer waits this long, as a slow endpoint would.
    pub fn answer_after(&self, delay: std::time::Duration) {
        self.inner.lock().expect("not poisoned").delay = delay;
    }

    /// Every later answer has this body instead of "scripted answer" (e.g. a huge one).
    pub fn answer_body(&self, body: impl Into<Bytes>) {
        self.inner.lock().expect("not poisoned").body = body.into();
    }

    /// The most requests that were ever being answered at once.
    pub fn peak_in_flight(&self) -> usize {
        self.inner.lock().expect("not poisoned").peak_in_flight
    }

    pub fn received(&self) -> Vec<Received> {
        self.inner.lock().expect("not poisoned").received.clone()
    }
}

async fn record(State(inner): State<Arc<Mutex<Inner>>>, method: Method, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    let (reply, delay, answer) = match answer_for(&inner, method, &uri, headers, &body) {
        Ok(answer) => answer,
        Err(token) => return *token,
    };
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    inner.lock().expect("not poisoned").in_flight -= 1;
    let status = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = (status, answer).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, header::HeaderValue::from_static("text/plain; charset=utf-8"));
    if let Some(seconds) = reply.retry_after
        && let Ok(value) = seconds.to_string().parse()
    {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}
