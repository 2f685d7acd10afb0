//! `GET /metrics` in Prometheus text format: this process's counters and histograms
//! (`crate::metrics`) and the queue depths, each read through a partial index of just that
//! queue (`store::queue_depths`): a scrape never scans a whole table.
//!
//! Who may scrape: with `--metrics-token`, whoever sends `Authorization: Bearer <token>`;
//! without one, only clients on this host (loopback, not relayed by a proxy).

use std::fmt::Write;

use axum::{
    Router,
    extract::State,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
    routing::get,
};
use outflow_core::store;
use outflow_model::trigger::Trigger;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::{
    error::{ApiError, ApiResult},
    metrics::Counters,
    peer::ClientAddr,
    state::AppState,
};

pub fn router() -> Router<AppState> {
    Router::new().route("/metrics", get(metrics))
}

async fn metrics(State(state): State<AppState>, client: ClientAddr, headers: HeaderMap) -> Response {
    if let Some(refusal) = refusal(state.metrics_token.as_deref(), &client, &headers) {
        return refusal;
    }
    match render(&state).await {
        Ok(text) => ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text).into_response(),
        Err(error) => error.into_response(),
    }
}

/// Why a scrape is refused, if it is: with a token configured, only a request that carries
/// it may scrape; without one, only this host.
fn refusal(token: Option<&str>, client: &ClientAddr, headers: &HeaderMap) -> Option<Response> {
    let Some(token) = token else {
        let message = "Metrics are served only to this host unless the server is started with --metrics-token.";
        return (!client.is_local()).then(|| ApiError::new(StatusCode::FORBIDDEN, "forbidden", message).into_response());
    };
    let presented = headers.get(header::AUTHORIZATION).and_then(|value| value.to_str().ok()).and_then(|value| value.strip_prefix("Bearer "));
    // Digests have one length, so the comparison takes the same time whatever was sent.
    let matches = presented.is_some_and(|presented| bool::from(Sha256::digest(presented.trim()).as_slice().ct_eq(Sha256::digest(token).as_slice())));
    if matches {
        return None;
    }
    let mut refusal = crate::access::unauthorized("Metrics need `Authorization: Bearer <metrics token>`.").into_response();
    refusal.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    Some(refusal)
}

async fn render(state: &AppState) -> ApiResult<String> {
    let queues = store::queue_depths(&state.store, None).await?;
    let metrics = &state.metrics;
    let mut out = String::new();
    let dispatched = Counters::of(Trigger::ALL.map(Trigger::key), state.store.events_dispatched());
    dispatched.render(&mut out, "outflow_trigger_events_total", "Trigger events dispatched by this server, by trigger.", "trigger");
    metrics.attempts.render(&mut out, "outflow_attempts_total", "Integration run attempts by this server, by outcome.", "outcome");
    metrics.runs_finished.render(&mut out, "outflow_runs_finished_total", "Integration runs this server finished, by status.", "status");
    metrics.flow_runs_finished.render(
        &mut out,
        "outflow_flow_runs_finished_total",
        "Flow runs this server executed to their end, by status.",
        "status",
    );
    gauge(&mut out, "outflow_queue_depth", "Integration runs waiting to be sent.", queues.pending_runs);
    gauge(&mut out, "outflow_agent_queue_depth", "Integration runs waiting for an Integration Agent.", queues.queued_runs);
    let _ = writeln!(
        out,
        "# HELP outflow_flow_runs_open Flow runs not finished, by status.\n# TYPE outflow_flow_runs_open gauge\n\
         outflow_flow_runs_open{{status=\"pending\"}} {}\noutflow_flow_runs_open{{status=\"running\"}} {}",
        queues.pending_flow_runs, queues.running_flow_runs
    );
    let writes = state.store.write_counts();
    counter(&mut out, "outflow_store_write_jobs_total", "Write jobs this server queued (each in its own savepoint of a shared commit).", writes.jobs);
    counter(&mut out, "outflow_store_commits_total", "Write transactions this server committed.", writes.commits);
    metrics.delivery_latency.render(&mut out, "outflow_delivery_latency_seconds", "From trigger event to successful delivery.");
    metrics.script_duration.render(&mut out, "outflow_script_duration_seconds", "Wall time of script runs.");
    Ok(out)
}

fn gauge(out: &mut String, name: &str, help: &str, value: i64) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}");
}

fn counter(out: &mut String, name: &str, help: &str, value: u64) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter\n{name} {value}");
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn client(ip: &str, forwarded: bool) -> ClientAddr {
        ClientAddr { ip: ip.parse().unwrap(), forwarded }
    }

    fn bearer(token: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::AUTHORIZATION, HeaderValue::from_str(&format!("Bearer {token}")).unwrap());
        headers
    }

    #[test]
    fn without_a_token_only_this_host_may_scrape() {
        let none = HeaderMap::new();
        assert!(refusal(None, &client("127.0.0.1", false), &none).is_none());
        assert!(refusal(None, &client("::1", false), &none).is_none());
        let refused = refusal(None, &client("192.0.2.10", false), &none).unwrap();
        assert_eq!(refused.status(), StatusCode::FORBIDDEN);
        assert!(refusal(None, &client("127.0.0.1", true), &none).is_some(), "relayed by a proxy on this host");
    }

    #[test]
    fn with_a_token_everyone_needs_it() {
        let token = Some("s3cret-scrape-token");
        assert!(refusal(token, &client("192.0.2.10", false), &bearer("s3cret-scrape-token")).is_none());
        for headers in [HeaderMap::new(), bearer("s3cret-scrape-tokem"), bearer("")] {
            let refused = refusal(token, &client("127.0.0.1", false), &headers).unwrap();
            assert_eq!(refused.status(), StatusCode::UNAUTHORIZED, "loopback too");
            assert_eq!(refused.headers()[header::WWW_AUTHENTICATE], "Bearer");
        }
    }
}
