//! `GET /metrics` in Prometheus text format. Totals are counted in memory by this server's
//! workers as they go (trigger events dispatched, delivery attempts by outcome, integration
//! and flow runs finished by status), so they start at zero with each process, as Prometheus
//! counters do; latency histograms likewise. The database is asked only for queue depths,
//! each through a partial index of just that queue (`store::queue_depths`): a scrape never
//! scans a whole table.
//!
//! Who may scrape: with `--metrics-token`, whoever sends `Authorization: Bearer <token>`;
//! without one, only clients on this host (loopback, not relayed by a proxy).

use std::{
    fmt::Write,
    sync::atomic::{AtomicU64, Ordering},
    time::Duration,
};

use axum::{
    Router,
    extract::State,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
    routing::get,
};
use outflow_core::store::{self, AttemptResult, Dispatched, RunOutcome};
use outflow_model::{runs::RunStatus, trigger::Trigger};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::{
    error::{ApiError, ApiResult},
    peer::ClientAddr,
    state::AppState,
};

/// Upper bounds of the histogram buckets, in seconds.
const BUCKETS: [f64; 12] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0];

/// A Prometheus histogram with fixed buckets, safe to update from many tasks.
#[derive(Default)]
pub struct Histogram {
    counts: [AtomicU64; BUCKETS.len()],
    count: AtomicU64,
    sum_micros: AtomicU64,
}

impl Histogram {
    pub fn observe(&self, duration: Duration) {
        let seconds = duration.as_secs_f64();
        if let Some(bucket) = BUCKETS.iter().position(|bound| seconds <= *bound) {
            self.counts[bucket].fetch_add(1, Ordering::Relaxed);
        }
        self.count.fetch_add(1, Ordering::Relaxed);
        self.sum_micros.fetch_add(u64::try_from(duration.as_micros()).unwrap_or(u64::MAX), Ordering::Relaxed);
    }

    fn render(&self, out: &mut String, name: &str, help: &str) {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} histogram");
        let mut cumulative = 0;
        for (bound, count) in BUCKETS.iter().zip(&self.counts) {
            cumulative += count.load(Ordering::Relaxed);
            let _ = writeln!(out, "{name}_bucket{{le=\"{bound}\"}} {cumulative}");
        }
        let count = self.count.load(Ordering::Relaxed);
        let _ = writeln!(out, "{name}_bucket{{le=\"+Inf\"}} {count}");
        let _ = writeln!(out, "{name}_sum {}", self.sum_micros.load(Ordering::Relaxed) as f64 / 1e6);
        let _ = writeln!(out, "{name}_count {count}");
    }
}

/// Counts by a fixed set of label values.
pub struct Counters {
    labels: Vec<&'static str>,
    counts: Vec<AtomicU64>,
}

impl Counters {
    fn new(labels: impl IntoIterator<Item = &'static str>) -> Counters {
        let labels: Vec<_> = labels.into_iter().collect();
        let counts = labels.iter().map(|_| AtomicU64::new(0)).collect();
        Counters { labels, counts }
    }

    pub fn add(&self, label: &str, count: u64) {
        if let Some(at) = self.labels.iter().position(|known| *known == label) {
            self.counts[at].fetch_add(count, Ordering::Relaxed);
        }
    }

    fn render(&self, out: &mut String, name: &str, help: &str, label: &str) {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter");
        for (value, count) in self.labels.iter().zip(&self.counts) {
            let _ = writeln!(out, "{name}{{{label}=\"{value}\"}} {}", count.load(Ordering::Relaxed));
        }
    }
}

/// Outcome classes of a delivery attempt: the HTTP status class, or `error` without an answer.
const ATTEMPT_OUTCOMES: [&str; 6] = ["1xx", "2xx", "3xx", "4xx", "5xx", "error"];

/// The in-memory measurements workers record.
pub struct Metrics {
    /// From a run's creation (the trigger event) to its successful delivery.
    pub delivery_latency: Histogram,
    pub script_duration: Histogram,
    /// Trigger events the dispatcher read, by trigger.
    pub trigger_events: Counters,
    /// Attempts of integration runs made by this server, by outcome class.
    pub attempts: Counters,
    /// Integration runs this server finished, by status.
    pub runs_finished: Counters,
    /// Flow runs this server executed to their end, by status.
    pub flow_runs_finished: Counters,
}

/// How a run can end.
const ENDINGS: [RunStatus; 3] = [RunStatus::Succeeded, RunStatus::Failed, RunStatus::Skipped];

impl Default for Metrics {
    fn default() -> Self {
        let statuses = || ENDINGS.map(RunStatus::key);
        Metrics {
            delivery_latency: Histogram::default(),
            script_duration: Histogram::default(),
            trigger_events: Counters::new(Trigger::ALL.map(Trigger::key)),
            attempts: Counters::new(ATTEMPT_OUTCOMES),
            runs_finished: Counters::new(statuses()),
            flow_runs_finished: Counters::new(statuses()),
        }
    }
}

impl Metrics {
    /// Counts the trigger events of a dispatch round.
    pub fn dispatched(&self, dispatched: &Dispatched) {
        for (trigger, count) in Trigger::ALL.iter().zip(dispatched.events) {
            self.trigger_events.add(trigger.key(), count);
        }
    }

    /// Counts a flow run that ended.
    pub fn flow_run_ended(&self, status: RunStatus) {
        self.flow_runs_finished.add(status.key(), 1);
    }

    /// Counts a batch of run attempts and the runs they finished.
    pub fn attempted(&self, results: &[AttemptResult<'_>]) {
        for result in results {
            if let Some(attempt) = &result.attempt {
                let outcome = match attempt.status_code {
                    Some(code @ 100..=599) => ATTEMPT_OUTCOMES[usize::from(code / 100) - 1],
                    _ => "error",
                };
                self.attempts.add(outcome, 1);
            }
            let finished = match result.outcome {
                RunOutcome::Succeeded => Some(RunStatus::Succeeded),
                RunOutcome::Failed(_) => Some(RunStatus::Failed),
                RunOutcome::Skipped(_) => Some(RunStatus::Skipped),
                RunOutcome::RetryAt(_) => None,
            };
            if let Some(status) = finished {
                self.runs_finished.add(status.key(), 1);
            }
        }
    }
}

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
    let queues = store::queue_depths(&state.pool, None).await?;
    let metrics = &state.metrics;
    let mut out = String::new();
    metrics.trigger_events.render(&mut out, "outflow_trigger_events_total", "Trigger events dispatched by this server, by trigger.", "trigger");
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
    metrics.delivery_latency.render(&mut out, "outflow_delivery_latency_seconds", "From trigger event to successful delivery.");
    metrics.script_duration.render(&mut out, "outflow_script_duration_seconds", "Wall time of script runs.");
    Ok(out)
}

fn gauge(out: &mut String, name: &str, help: &str, value: i64) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}");
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
