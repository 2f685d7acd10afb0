//! Health at a glance (`outflow_model::dashboard`): the per-minute aggregates a page view
//! reads instead of the runs themselves (migration 0011).
//!
//! - `run_minutes`: runs (integration and flow runs) by the minute their outcome was
//!   recorded, workflow and outcome. The database's triggers keep it, whichever path
//!   records the outcome (worker, agent report, dispatcher, engine).
//! - `delivery_minutes` and `endpoint_status`: webhook delivery attempts by endpoint,
//!   minute and latency bucket, and each endpoint's latest attempt and failure. Written
//!   here ([`count_delivery_attempt`]), from `runs::insert_attempt_and_logs`, the one place cloud
//!   workers and Integration Agents record attempts.
//!
//! Reads cover the last 24 hours through those tables' primary keys, so a page view costs
//! minutes × (workflows or endpoints) × buckets rows, never the history; the tests below
//! hold the query plans to that. Nothing is pruned: the aggregates grow by at most a few
//! rows per minute and endpoint.

use std::collections::HashMap;

use super::Store;
use super::db::{self, Connection, params};
use outflow_model::{
    agents::ONLINE_WINDOW_MS,
    dashboard::{
        AgentsOnline, EndpointHealth, EndpointHour, LastFailure, LatencyHistogram, OutcomeCounts, Percentiles, PeriodShape, RunSlot, latency_bucket,
    },
    runs::RunStatus,
};

use super::{StoreResult, runs::AttemptRecord, to_json};
use crate::clock;

const MINUTE_MS: i64 = 60_000;
/// An endpoint's figures come by the hour.
const HOURS: usize = 24;
/// How much of an answer a failure's description keeps.
const EXCERPT_CHARS: usize = 200;

/// Counts a webhook delivery attempt of run `run_id` against its endpoint; attempts of runs
/// that are not webhooks (scripts) count nowhere.
pub(crate) fn count_delivery_attempt(conn: &Connection, run_id: &str, attempt: &AttemptRecord) -> StoreResult<()> {
    let endpoint: Option<String> = conn
        .prepare_cached(
            "SELECT json_extract(i.action, '$.endpointId') FROM runs r JOIN integrations i ON i.id = r.integration_id
             WHERE r.id = ? AND json_extract(i.action, '$.type') = 'webhook'",
        )?
        .query_map([run_id], |row| row.get(0))?
        .next()
        .transpose()?;
    let Some(endpoint) = endpoint else { return Ok(()) };
    let ok = attempt.error.is_none() && attempt.status_code.is_some_and(|code| (200..300).contains(&code));
    let bucket = i64::try_from(latency_bucket(attempt.duration_ms)).unwrap_or(i64::MAX);
    // `?4` is typed at its first use and the upsert's columns are the table's, as PostgreSQL
    // needs (it would infer `?4` two ways, and `succeeded` alone could be `excluded`'s).
    conn.prepare_cached(
        "INSERT INTO delivery_minutes (endpoint_id, minute, bucket, succeeded, failed) VALUES (?1, ?2, ?3, CAST(?4 AS BIGINT), 1 - ?4)
         ON CONFLICT (endpoint_id, minute, bucket) DO UPDATE SET
             succeeded = delivery_minutes.succeeded + ?4, failed = delivery_minutes.failed + 1 - ?4",
    )?
    .execute(params![endpoint, attempt.started_at / MINUTE_MS, bucket, i64::from(ok)])?;
    let error = (!ok).then(|| describe_failure(attempt));
    // A late report (an agent's) does not replace a newer attempt's state. `ok` (`?3`) is
    // 0 or 1; parameters are typed at their first use, and the upsert's columns are the
    // table's, as PostgreSQL needs.
    conn.prepare_cached(
        "INSERT INTO endpoint_status (endpoint_id, last_attempt_at, last_ok, failed_at, failed_run_id, last_error)
         VALUES (?1, CAST(?2 AS BIGINT), CAST(?3 AS BIGINT), CASE WHEN ?3 = 1 THEN NULL ELSE ?2 END, CASE WHEN ?3 = 1 THEN NULL ELSE ?4 END, ?5)
         ON CONFLICT (endpoint_id) DO UPDATE SET
             last_attempt_at = excluded.last_attempt_at, last_ok = excluded.last_ok,
             failed_at = COALESCE(excluded.failed_at, endpoint_status.failed_at),
             failed_run_id = COALESCE(excluded.failed_run_id, endpoint_status.failed_run_id),
             last_error = COALESCE(excluded.last_error, endpoint_status.last_error)
         WHERE excluded.last_attempt_at >= endpoint_status.last_attempt_at",
    )?
    .execute(params![endpoint, attempt.started_at, ok, run_id, error])?;
    Ok(())
}

/// What went wrong with an attempt, in a line: its error (or the status it was answered
/// with) and the start of the answer, if there was one.
fn describe_failure(attempt: &AttemptRecord) -> String {
    let what = match (&attempt.error, attempt.status_code) {
        (Some(error), _) => error.clone(),
        (None, Some(code)) => format!("HTTP {code}"),
        (None, None) => "No answer".to_string(),
    };
    match attempt.response_excerpt.as_deref().map(str::trim).filter(|excerpt| !excerpt.is_empty()) {
        Some(excerpt) => format!("{what}: {}", excerpt.chars().take(EXCERPT_CHARS).collect::<String>()),
        None => what,
    }
}

/// Outcomes per minute and status over the last day (1440 minutes) of `?2` (`?1` is now's
/// minute). The casts type the parameters and the sum as PostgreSQL needs (no-ops in SQLite).
const RUN_MINUTES: &str = "SELECT minute, status, CAST(SUM(runs) AS BIGINT) FROM run_minutes
    WHERE minute > CAST(?1 AS BIGINT) - 1440 AND minute <= ?1 AND (CAST(?2 AS TEXT) IS NULL OR workflow_id IN (SELECT value FROM json_each(?2)))
    GROUP BY minute, status";

/// Runs of `workflows` (`None`: every workflow) that reached an outcome in the last day, as
/// `(minute, outcome, runs)` with minutes since the epoch.
async fn run_minutes(store: &Store, workflows: Option<&[String]>, now_minute: i64) -> StoreResult<Vec<(i64, RunStatus, u64)>> {
    let rows: Vec<(i64, String, i64)> = db::query_as(RUN_MINUTES).bind(now_minute).bind(workflows.map(to_json)).fetch_all(store.db()).await?;
    Ok(rows
        .into_iter()
        .filter_map(|(minute, status, runs)| Some((minute, RunStatus::from_key(&status)?, u64::try_from(runs).unwrap_or_default())))
        .collect())
}

/// Cuts `(minute, outcome, runs)` rows into the slots of a period ending at `now_minute`
/// (oldest first); rows outside it are left out.
pub(crate) fn slots(shape: PeriodShape, now_minute: i64, rows: &[(i64, RunStatus, u64)]) -> Vec<RunSlot> {
    let (count, width) = (i64::from(shape.slots), i64::from(shape.slot_minutes));
    let mut slots: Vec<RunSlot> = (0..count)
        .map(|slot| RunSlot { start: clock::rfc3339((now_minute - (count - slot) * width + 1) * MINUTE_MS), runs: OutcomeCounts::default() })
        .collect();
    for &(minute, outcome, runs) in rows {
        let back = now_minute - minute;
        if (0..count * width).contains(&back) {
            // `back / width` < `count`, so the index is in range.
            let index = usize::try_from(count - 1 - back / width).unwrap_or_default();
            slots[index].runs.add(outcome, runs);
        }
    }
    slots
}

/// The run outcomes of the last day, as read once for both periods.
pub struct RunActivity {
    now_minute: i64,
    rows: Vec<(i64, RunStatus, u64)>,
}

impl RunActivity {
    /// The slots of a period ending now, and their sum.
    pub fn period(&self, shape: PeriodShape) -> (Vec<RunSlot>, OutcomeCounts) {
        let slots = slots(shape, self.now_minute, &self.rows);
        let mut total = OutcomeCounts::default();
        for slot in &slots {
            for outcome in OutcomeCounts::OUTCOMES {
                total.add(outcome, slot.runs.of(outcome));
            }
        }
        (slots, total)
    }
}

pub async fn run_activity(store: &Store, workflows: Option<&[String]>, now: i64) -> StoreResult<RunActivity> {
    let now_minute = now / MINUTE_MS;
    Ok(RunActivity { now_minute, rows: run_minutes(store, workflows, now_minute).await? })
}

/// Endpoints of `?1` with their workflows and latest failures.
const ENDPOINTS: &str =
    "SELECT e.id, e.name, e.workflow_id, w.name AS workflow_name, s.last_ok, s.failed_at, s.last_error, s.failed_run_id, r.status AS run_status
    FROM endpoints e JOIN workflows w ON w.id = e.workflow_id
    LEFT JOIN endpoint_status s ON s.endpoint_id = e.id LEFT JOIN runs r ON r.id = s.failed_run_id
    WHERE CAST(?1 AS TEXT) IS NULL OR e.workflow_id IN (SELECT value FROM json_each(?1))
    ORDER BY w.name, e.name";

/// Attempts of the endpoints of `?2` per hour back from now's minute (`?1`; 0 is the latest
/// hour), latency bucket and outcome, over the last day. `CROSS JOIN` keeps the endpoints
/// the outer loop, so each one's day is a range of the primary key (SQLite would otherwise
/// scan the aggregates whenever its statistics say they are small); its condition is in
/// `WHERE`, as PostgreSQL's `CROSS JOIN` takes no `ON`. The casts type the parameters and
/// the sums as PostgreSQL needs (no-ops in SQLite).
const DELIVERY_HOURS: &str =
    "SELECT d.endpoint_id, (CAST(?1 AS BIGINT) - d.minute) / 60, d.bucket, CAST(SUM(d.succeeded) AS BIGINT), CAST(SUM(d.failed) AS BIGINT)
    FROM endpoints e CROSS JOIN delivery_minutes d
    WHERE d.endpoint_id = e.id AND d.minute > CAST(?1 AS BIGINT) - 1440 AND d.minute <= ?1
      AND (CAST(?2 AS TEXT) IS NULL OR e.workflow_id IN (SELECT value FROM json_each(?2)))
    GROUP BY 1, 2, 3";

crate::row_struct! {
struct EndpointRow {
    id: String,
    name: String,
    workflow_id: String,
    workflow_name: String,
    last_ok: Option<bool>,
    failed_at: Option<i64>,
    last_error: Option<String>,
    failed_run_id: Option<String>,
    run_status: Option<String>,
}
}

/// One endpoint's figures with the histograms behind them, hour by hour (oldest first).
pub struct EndpointFigures {
    pub health: EndpointHealth,
    pub hours: Vec<LatencyHistogram>,
}

/// An endpoint's attempts hour by hour (oldest first), and how many failed in each hour.
type Hours = (Vec<LatencyHistogram>, [u64; HOURS]);

fn no_hours() -> Hours {
    (vec![LatencyHistogram::default(); HOURS], [0; HOURS])
}

/// Every endpoint of `workflows` (`None`: of every workflow) with its last day of deliveries.
pub async fn endpoint_figures(store: &Store, workflows: Option<&[String]>, now: i64) -> StoreResult<Vec<EndpointFigures>> {
    let now_minute = now / MINUTE_MS;
    let workflows = workflows.map(to_json);
    let endpoints: Vec<EndpointRow> = db::query_as(ENDPOINTS).bind(&workflows).fetch_all(store.db()).await?;
    let counts: Vec<(String, i64, i64, i64, i64)> = db::query_as(DELIVERY_HOURS).bind(now_minute).bind(&workflows).fetch_all(store.db()).await?;
    let mut hours_of: HashMap<String, Hours> = HashMap::new();
    for (endpoint, back, bucket, ok, bad) in counts {
        let Some(hour) = usize::try_from(back).ok().filter(|back| *back < HOURS).map(|back| HOURS - 1 - back) else { continue };
        let (ok, bad) = (u64::try_from(ok).unwrap_or_default(), u64::try_from(bad).unwrap_or_default());
        let (hours, failed) = hours_of.entry(endpoint).or_insert_with(no_hours);
        hours[hour].add(usize::try_from(bucket).unwrap_or(usize::MAX), ok + bad);
        failed[hour] += bad;
    }
    Ok(endpoints
        .into_iter()
        .map(|row| {
            let (hours, failed) = hours_of.remove(&row.id).unwrap_or_else(no_hours);
            EndpointFigures { health: health_of(row, &hours, &failed), hours }
        })
        .collect())
}

fn health_of(row: EndpointRow, hours: &[LatencyHistogram], failed: &[u64]) -> EndpointHealth {
    let mut day = LatencyHistogram::default();
    hours.iter().for_each(|hour| day.merge(hour));
    let attempts = day.total();
    let succeeded = attempts - failed.iter().sum::<u64>();
    let last_failure = match (row.failed_at, row.failed_run_id) {
        (Some(at), Some(run_id)) => Some(LastFailure {
            at: clock::rfc3339(at),
            error: row.last_error.unwrap_or_default(),
            run_id,
            run_status: row.run_status.as_deref().and_then(RunStatus::from_key),
        }),
        _ => None,
    };
    EndpointHealth {
        endpoint_id: row.id,
        name: row.name,
        workflow_id: row.workflow_id,
        workflow_name: row.workflow_name,
        attempts,
        succeeded,
        success_rate: (attempts > 0).then(|| succeeded as f64 / attempts as f64),
        latency: Percentiles::from(&day),
        hours: hours
            .iter()
            .zip(failed)
            .map(|(hour, &failed)| EndpointHour { attempts: hour.total(), failed, p50_ms: Percentiles::from(hour).p50_ms })
            .collect(),
        failing: row.last_ok == Some(false),
        last_failure,
    }
}

/// The latency of every attempt of `figures` in the latest hour, and over the whole day.
pub fn latency_of(figures: &[EndpointFigures]) -> (Percentiles, Percentiles) {
    let (mut hour, mut day) = (LatencyHistogram::default(), LatencyHistogram::default());
    for endpoint in figures {
        if let Some(latest) = endpoint.hours.last() {
            hour.merge(latest);
        }
        endpoint.hours.iter().for_each(|each| day.merge(each));
    }
    (Percentiles::from(&hour), Percentiles::from(&day))
}

/// Registered Integration Agents and how many sent a heartbeat lately.
pub async fn agents_online(store: &Store, now: i64) -> StoreResult<AgentsOnline> {
    let (online, registered): (i64, i64) = db::query_as("SELECT COUNT(*) FILTER (WHERE last_heartbeat_at >= ?), COUNT(*) FROM agents")
        .bind(now - ONLINE_WINDOW_MS)
        .fetch_one(store.db())
        .await?;
    Ok(AgentsOnline { online: u32::try_from(online).unwrap_or_default(), registered: u32::try_from(registered).unwrap_or_default() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_queries_read_the_day_the_periods_and_hours_cover() {
        assert_eq!(i64::from(PeriodShape::DAY.minutes()), 1440);
        assert_eq!(HOURS * 60, 1440);
        assert!(RUN_MINUTES.contains("minute > CAST(?1 AS BIGINT) - 1440") && DELIVERY_HOURS.contains("d.minute > CAST(?1 AS BIGINT) - 1440"));
    }

    #[test]
    fn outcomes_land_in_the_slot_of_their_minute() {
        let now = 1_000_000;
        let rows = [
            (now, RunStatus::Succeeded, 3),
            (now - 14, RunStatus::Failed, 1),
            (now - 15, RunStatus::Succeeded, 2),
            (now - 1439, RunStatus::Skipped, 4),
            (now - 1440, RunStatus::Failed, 9),
            (now + 1, RunStatus::Failed, 9),
        ];
        let hour = slots(PeriodShape::HOUR, now, &rows);
        assert_eq!(hour.len(), 60);
        assert_eq!(hour[59].runs, OutcomeCounts { succeeded: 3, ..Default::default() });
        assert_eq!(hour[45].runs, OutcomeCounts { failed: 1, ..Default::default() });
        assert_eq!(hour[44].runs, OutcomeCounts { succeeded: 2, ..Default::default() });
        assert_eq!(hour[59].start, clock::rfc3339(now * MINUTE_MS));
        assert_eq!(hour[0].start, clock::rfc3339((now - 59) * MINUTE_MS));
        let day = slots(PeriodShape::DAY, now, &rows);
        assert_eq!(day.len(), 96);
        assert_eq!(day[95].runs, OutcomeCounts { succeeded: 3, failed: 1, ..Default::default() });
        assert_eq!(day[94].runs, OutcomeCounts { succeeded: 2, ..Default::default() });
        assert_eq!(day[0].runs, OutcomeCounts { skipped: 4, ..Default::default() }, "a day ago is the first slot; earlier and later is out");
        assert_eq!(day[0].start, clock::rfc3339((now - 1439) * MINUTE_MS));
    }

    #[test]
    fn a_failure_says_its_error_or_the_answer() {
        let refused = AttemptRecord { error: Some("connection refused".into()), ..AttemptRecord::default() };
        assert_eq!(describe_failure(&refused), "connection refused");
        let answered = AttemptRecord {
            status_code: Some(503),
            error: Some("HTTP 503".into()),
            response_excerpt: Some(" down for maintenance ".into()),
            ..AttemptRecord::default()
        };
        assert_eq!(describe_failure(&answered), "HTTP 503: down for maintenance");
        assert_eq!(describe_failure(&AttemptRecord { status_code: Some(404), ..AttemptRecord::default() }), "HTTP 404");
    }

    /// What SQLite would visit to answer `sql` (whose `?1` is now's minute when it takes
    /// two parameters, and the last one the workflows): every `SCAN` and `SEARCH` step.
    async fn plan(store: &Store, sql: &str) -> Vec<String> {
        let explain = format!("EXPLAIN QUERY PLAN {sql}");
        let query = db::query_as(&explain);
        let query = if sql.contains("?2") { query.bind(1_i64) } else { query };
        let rows: Vec<(i64, i64, i64, String)> = query.bind(None::<String>).fetch_all(store.db()).await.expect("a plan");
        rows.into_iter().map(|(.., detail)| detail).filter(|detail| detail.starts_with("SCAN") || detail.starts_with("SEARCH")).collect()
    }

    #[tokio::test]
    async fn a_page_view_reads_the_aggregates_by_key_and_never_the_runs() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let store = super::super::Store::scratch(&dir, "health.db").await;
        if store.engine() != super::super::db::Engine::Sqlite {
            return; // SQLite's query plans; PostgreSQL's planner picks by its statistics.
        }
        let runs = plan(&store, RUN_MINUTES).await;
        assert!(runs.iter().any(|step| step.starts_with("SEARCH run_minutes USING PRIMARY KEY (minute>? AND minute<?)")), "{runs:?}");
        let deliveries = plan(&store, DELIVERY_HOURS).await;
        assert!(
            deliveries.iter().any(|step| step.starts_with("SEARCH d USING PRIMARY KEY (endpoint_id=? AND minute>? AND minute<?)")),
            "{deliveries:?}"
        );
        let endpoints = plan(&store, ENDPOINTS).await;
        for steps in [&runs, &deliveries, &endpoints] {
            // Only configuration (endpoints `e`, workflows `w`) is scanned; runs are found by key.
            let scanned: Vec<&String> = steps
                .iter()
                .filter(|step| step.starts_with("SCAN") && !step.contains("json_each"))
                .filter(|step| !["e", "w"].contains(&step.split(' ').nth(1).unwrap_or_default()))
                .collect();
            assert!(scanned.is_empty(), "a whole table is scanned: {steps:?}");
        }
        assert!(endpoints.iter().any(|step| step.starts_with("SEARCH r USING INDEX sqlite_autoindex_runs_1 (id=?)")), "{endpoints:?}");
    }
}
