//! Health at a glance: what the home page's dashboard and the Endpoints page show of the
//! caller's workflows (`GET /api/v1/dashboard`), and the latency histogram those figures
//! are read from.
//!
//! Latency is the time an endpoint took to answer a webhook delivery attempt (a timeout
//! counts as its full wait), kept per endpoint and minute in fixed buckets
//! ([`LATENCY_BOUNDS_MS`]); percentiles are read from the merged buckets by linear
//! interpolation inside the bucket that holds them, as Prometheus' `histogram_quantile`
//! does, so they are exact to within a bucket's width (the buckets grow by about 1.5×).

use serde::{Deserialize, Serialize};

use crate::runs::RunStatus;

/// Upper bounds (inclusive, in ms) of the latency buckets; one more bucket holds anything
/// slower than the last bound.
pub const LATENCY_BOUNDS_MS: [u32; 28] = [
    1, 2, 3, 5, 7, 10, 15, 20, 30, 50, 75, 100, 150, 200, 300, 500, 750, 1_000, 1_500, 2_000, 3_000, 5_000, 7_500, 10_000, 15_000, 20_000, 30_000,
    60_000,
];

/// How many latency buckets there are: one per bound and one for slower.
pub const LATENCY_BUCKETS: usize = LATENCY_BOUNDS_MS.len() + 1;

/// The bucket an attempt of `ms` milliseconds falls in.
pub fn latency_bucket(ms: u64) -> usize {
    LATENCY_BOUNDS_MS.iter().position(|bound| ms <= u64::from(*bound)).unwrap_or(LATENCY_BOUNDS_MS.len())
}

/// Attempts counted per latency bucket.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LatencyHistogram {
    counts: [u64; LATENCY_BUCKETS],
}

impl Default for LatencyHistogram {
    fn default() -> Self {
        LatencyHistogram { counts: [0; LATENCY_BUCKETS] }
    }
}

impl LatencyHistogram {
    /// Counts `attempts` more in `bucket` (a bucket past the last counts as the slowest).
    pub fn add(&mut self, bucket: usize, attempts: u64) {
        self.counts[bucket.min(LATENCY_BUCKETS - 1)] += attempts;
    }

    pub fn merge(&mut self, other: &LatencyHistogram) {
        for (mine, theirs) in self.counts.iter_mut().zip(other.counts) {
            *mine += theirs;
        }
    }

    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// The latency (ms) that a share `q` (0–1) of attempts took at most; `None` without any.
    /// Interpolated linearly inside its bucket; in the slowest bucket, its lower bound.
    pub fn percentile(&self, q: f64) -> Option<f64> {
        let total = self.total();
        if total == 0 {
            return None;
        }
        let rank = q.clamp(0.0, 1.0) * total as f64;
        let mut below = 0_u64;
        for (bucket, &count) in self.counts.iter().enumerate() {
            if count > 0 && (below + count) as f64 >= rank {
                let lower = if bucket == 0 { 0.0 } else { f64::from(LATENCY_BOUNDS_MS[bucket - 1]) };
                let Some(&upper) = LATENCY_BOUNDS_MS.get(bucket) else { return Some(lower) };
                let share = ((rank - below as f64) / count as f64).clamp(0.0, 1.0);
                return Some(lower + (f64::from(upper) - lower) * share);
            }
            below += count;
        }
        None
    }
}

/// The median and 99th percentile of a set of attempts.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Percentiles {
    /// Attempts measured.
    pub samples: u64,
    pub p50_ms: Option<u32>,
    pub p99_ms: Option<u32>,
}

impl From<&LatencyHistogram> for Percentiles {
    fn from(histogram: &LatencyHistogram) -> Percentiles {
        // Latencies are at most a few minutes: far inside u32.
        let ms = |q| histogram.percentile(q).map(|ms| ms.round() as u32);
        Percentiles { samples: histogram.total(), p50_ms: ms(0.5), p99_ms: ms(0.99) }
    }
}

/// Runs that reached an outcome, by outcome.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct OutcomeCounts {
    pub succeeded: u64,
    pub failed: u64,
    pub skipped: u64,
    pub discarded: u64,
}

impl OutcomeCounts {
    /// The outcomes in the order charts stack them, bottom first.
    pub const OUTCOMES: [RunStatus; 4] = [RunStatus::Succeeded, RunStatus::Failed, RunStatus::Skipped, RunStatus::Discarded];

    pub fn total(&self) -> u64 {
        self.succeeded + self.failed + self.skipped + self.discarded
    }

    /// How many ended with `outcome` (0 for a status that is no outcome, e.g. pending).
    pub fn of(&self, outcome: RunStatus) -> u64 {
        match outcome {
            RunStatus::Succeeded => self.succeeded,
            RunStatus::Failed => self.failed,
            RunStatus::Skipped => self.skipped,
            RunStatus::Discarded => self.discarded,
            RunStatus::Pending | RunStatus::Queued | RunStatus::Running => 0,
        }
    }

    /// Counts `runs` more that ended with `outcome`; a status that is no outcome is ignored.
    pub fn add(&mut self, outcome: RunStatus, runs: u64) {
        match outcome {
            RunStatus::Succeeded => self.succeeded += runs,
            RunStatus::Failed => self.failed += runs,
            RunStatus::Skipped => self.skipped += runs,
            RunStatus::Discarded => self.discarded += runs,
            RunStatus::Pending | RunStatus::Queued | RunStatus::Running => {}
        }
    }
}

/// How a period is cut into the slots of its chart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PeriodShape {
    pub slots: u32,
    pub slot_minutes: u32,
}

impl PeriodShape {
    /// The last hour, minute by minute.
    pub const HOUR: PeriodShape = PeriodShape { slots: 60, slot_minutes: 1 };
    /// The last 24 hours, by 15 minutes.
    pub const DAY: PeriodShape = PeriodShape { slots: 96, slot_minutes: 15 };

    pub fn minutes(self) -> u32 {
        self.slots * self.slot_minutes
    }
}

/// One slot of a period's chart.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RunSlot {
    /// When the slot starts (its first minute).
    pub start: String,
    pub runs: OutcomeCounts,
}

/// Runs and deliveries of a period that ends now.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Period {
    /// Minutes each slot spans (1 for the last hour, 15 for the last day).
    pub slot_minutes: u32,
    /// Runs (integration and flow runs) by the minute their outcome was recorded, oldest
    /// slot first; the last one holds the current minute.
    pub slots: Vec<RunSlot>,
    /// The slots' sum.
    pub runs: OutcomeCounts,
    /// How long endpoints took to answer webhook deliveries.
    pub latency: Percentiles,
}

/// One hour of an endpoint's deliveries.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct EndpointHour {
    pub attempts: u64,
    pub failed: u64,
    pub p50_ms: Option<u32>,
}

/// An endpoint's most recent failed delivery attempt.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct LastFailure {
    pub at: String,
    /// The error, or the status the endpoint answered with and the start of its answer.
    pub error: String,
    /// The run that attempt belonged to: re-send it with `POST /api/v1/runs/{id}/rerun`
    /// once it has failed (a `pending` run is still being retried).
    pub run_id: String,
    /// The run's status now; `None` when the run is gone.
    pub run_status: Option<RunStatus>,
}

/// An endpoint's webhook deliveries over the last 24 hours.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct EndpointHealth {
    pub endpoint_id: String,
    pub name: String,
    pub workflow_id: String,
    pub workflow_name: String,
    /// Delivery attempts, and how many the endpoint answered with a 2xx status.
    pub attempts: u64,
    pub succeeded: u64,
    /// `succeeded / attempts`; `None` without attempts.
    pub success_rate: Option<f64>,
    pub latency: Percentiles,
    /// The 24 hours one by one, oldest first; the last one ends now.
    pub hours: Vec<EndpointHour>,
    /// Its most recent attempt (however long ago) failed.
    pub failing: bool,
    pub last_failure: Option<LastFailure>,
}

/// Work waiting in the caller's workflows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct QueueDepth {
    /// Notifications of alerts waiting to be delivered to a device.
    pub notifications: u64,
    /// Integration runs waiting for their (next) attempt in the cloud.
    pub runs: u64,
    /// Integration runs waiting for an Integration Agent.
    pub agent_runs: u64,
    /// Flow runs not finished: waiting to start, under way or on a Delay.
    pub flow_runs: u64,
}

impl QueueDepth {
    pub fn total(&self) -> u64 {
        self.notifications + self.runs + self.agent_runs + self.flow_runs
    }
}

/// Integration Agents with a heartbeat in the last 30 s, of those registered.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AgentsOnline {
    pub online: u32,
    pub registered: u32,
}

/// `GET /api/v1/dashboard`: the caller's workflows at a glance.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Dashboard {
    /// When the figures were read; both periods end at this minute.
    pub generated_at: String,
    pub last_hour: Period,
    pub last_day: Period,
    /// Every endpoint of the caller's workflows; the failing ones have `failing: true`.
    pub endpoints: Vec<EndpointHealth>,
    pub queues: QueueDepth,
    /// Absent for callers who may not read the agent registry (a script or flow).
    pub agents: Option<AgentsOnline>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn histogram(samples: &[(u64, u64)]) -> LatencyHistogram {
        let mut histogram = LatencyHistogram::default();
        for &(ms, count) in samples {
            histogram.add(latency_bucket(ms), count);
        }
        histogram
    }

    #[test]
    fn latencies_fall_in_the_bucket_whose_bound_holds_them() {
        assert_eq!(latency_bucket(0), 0);
        assert_eq!(latency_bucket(1), 0);
        assert_eq!(latency_bucket(2), 1);
        assert_eq!(latency_bucket(51), 10);
        assert_eq!(LATENCY_BOUNDS_MS[10], 75);
        assert_eq!(latency_bucket(60_000), LATENCY_BOUNDS_MS.len() - 1);
        assert_eq!(latency_bucket(60_001), LATENCY_BOUNDS_MS.len());
        assert!(LATENCY_BOUNDS_MS.windows(2).all(|pair| pair[0] < pair[1]), "bounds ascend");
    }

    #[test]
    fn percentiles_interpolate_inside_the_bucket_that_holds_them() {
        assert_eq!(LatencyHistogram::default().percentile(0.5), None);
        // 100 attempts between 50 and 75 ms: the median is halfway through the bucket.
        let even = histogram(&[(60, 100)]);
        assert_eq!(even.percentile(0.5), Some(62.5));
        assert_eq!(even.percentile(0.99), Some(74.75));
        // 98 fast ones and 2 slow ones: p50 stays fast, p99 lands among the slow ones.
        let tail = histogram(&[(8, 98), (900, 2)]);
        let p50 = tail.percentile(0.5).unwrap();
        assert!((7.0..=10.0).contains(&p50), "{p50}");
        let p99 = tail.percentile(0.99).unwrap();
        assert!((750.0..=1_000.0).contains(&p99), "{p99}");
        assert_eq!(Percentiles::from(&tail), Percentiles { samples: 100, p50_ms: Some(p50.round() as u32), p99_ms: Some(p99.round() as u32) });
    }

    #[test]
    fn the_slowest_bucket_reports_its_lower_bound_and_merging_adds_up() {
        let mut slow = histogram(&[(120_000, 3)]);
        assert_eq!(slow.percentile(0.99), Some(60_000.0));
        slow.merge(&histogram(&[(1, 1)]));
        assert_eq!(slow.total(), 4);
        assert_eq!(slow.percentile(0.0), Some(0.0));
        slow.add(LATENCY_BUCKETS + 5, 1);
        assert_eq!(slow.total(), 5, "a bucket past the end counts as the slowest");
    }

    #[test]
    fn outcome_counts_add_only_outcomes() {
        let mut counts = OutcomeCounts::default();
        for status in RunStatus::ALL {
            counts.add(status, 2);
        }
        assert_eq!(counts, OutcomeCounts { succeeded: 2, failed: 2, skipped: 2, discarded: 2 });
        assert_eq!(counts.total(), 8);
        assert_eq!(OutcomeCounts::OUTCOMES.map(|outcome| counts.of(outcome)), [2; 4]);
    }
}
