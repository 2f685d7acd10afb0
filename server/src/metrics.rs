//! `GET /metrics` in Prometheus text format: counts read from the database at scrape time
//! (trigger events, runs by status, attempts by outcome, queue depth) and latency
//! histograms the workers fill in memory (delivery latency, script durations).

use std::{
    fmt::Write,
    sync::atomic::{AtomicU64, Ordering},
    time::Duration,
};

use axum::{Router, extract::State, http::header, response::IntoResponse, routing::get};
use outflow_core::store;

use crate::{error::ApiResult, state::AppState};

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

/// The in-memory measurements workers record.
#[derive(Default)]
pub struct Metrics {
    /// From a run's creation (the trigger event) to its successful delivery.
    pub delivery_latency: Histogram,
    pub script_duration: Histogram,
}

pub fn router() -> Router<AppState> {
    Router::new().route("/metrics", get(metrics))
}

async fn metrics(State(state): State<AppState>) -> ApiResult<impl IntoResponse> {
    let mut out = String::new();
    counter(&mut out, "outflow_trigger_events_total", "Trigger events recorded, by trigger.", "trigger", store::event_counts(&state.pool).await?);
    let runs = store::run_counts(&state.pool).await?;
    let pending = runs.iter().find(|(status, _)| status == "pending").map_or(0, |(_, n)| *n);
    gauge(&mut out, "outflow_runs", "Integration runs, by status.", "status", runs);
    gauge(&mut out, "outflow_flow_runs", "Flow runs, by status.", "status", store::flow_run_counts(&state.pool).await?);
    counter(&mut out, "outflow_attempts_total", "Delivery attempts, by outcome.", "outcome", store::attempt_counts(&state.pool).await?);
    let _ = writeln!(out, "# HELP outflow_queue_depth Runs waiting to be sent.\n# TYPE outflow_queue_depth gauge\noutflow_queue_depth {pending}");
    state.metrics.delivery_latency.render(&mut out, "outflow_delivery_latency_seconds", "From trigger event to successful delivery.");
    state.metrics.script_duration.render(&mut out, "outflow_script_duration_seconds", "Wall time of script runs.");
    Ok(([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], out))
}

fn counter(out: &mut String, name: &str, help: &str, label: &str, values: Vec<(String, i64)>) {
    series(out, name, help, "counter", label, values);
}

fn gauge(out: &mut String, name: &str, help: &str, label: &str, values: Vec<(String, i64)>) {
    series(out, name, help, "gauge", label, values);
}

fn series(out: &mut String, name: &str, help: &str, kind: &str, label: &str, values: Vec<(String, i64)>) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
    for (value, count) in values {
        let _ = writeln!(out, "{name}{{{label}=\"{value}\"}} {count}");
    }
}
