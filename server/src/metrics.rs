//! Counters and latency histograms of this process, counted in memory by the workers as
//! they go (trigger events dispatched, delivery attempts by outcome, integration and flow
//! runs finished by status), so they start at zero with each process, as Prometheus counters
//! do. `routes::metrics` serves them with the queue depths.

use std::{
    fmt::Write,
    sync::atomic::{AtomicU64, Ordering},
    time::Duration,
};

use outflow_core::store::{AttemptResult, RunOutcome};
use outflow_model::runs::RunStatus;

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

    pub fn render(&self, out: &mut String, name: &str, help: &str) {
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

    /// Counts kept elsewhere (the store's dispatched trigger events), for rendering.
    pub fn of(labels: impl IntoIterator<Item = &'static str>, counts: impl IntoIterator<Item = u64>) -> Counters {
        Counters { labels: labels.into_iter().collect(), counts: counts.into_iter().map(AtomicU64::new).collect() }
    }

    pub fn add(&self, label: &str, count: u64) {
        if let Some(at) = self.labels.iter().position(|known| *known == label) {
            self.counts[at].fetch_add(count, Ordering::Relaxed);
        }
    }

    pub fn render(&self, out: &mut String, name: &str, help: &str, label: &str) {
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
            attempts: Counters::new(ATTEMPT_OUTCOMES),
            runs_finished: Counters::new(statuses()),
            flow_runs_finished: Counters::new(statuses()),
        }
    }
}

impl Metrics {
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
                RunOutcome::RetryAt(_) | RunOutcome::Deferred(_) => None,
            };
            if let Some(status) = finished {
                self.runs_finished.add(status.key(), 1);
            }
        }
    }
}
