//! What `/metrics` reads from the database at scrape time: only the depth of each queue,
//! counted through the partial index that holds just that queue's rows, so a scrape costs
//! what the backlog is and never the history. Totals (trigger events, attempts, finished
//! runs) are counted in memory by the server's own workers.

use sqlx::SqlitePool;

use super::StoreResult;

/// Work waiting, by queue.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QueueDepths {
    /// Integration runs waiting for the cloud worker (`runs_due`).
    pub pending_runs: i64,
    /// Integration runs waiting for an Integration Agent (`runs_queued`).
    pub queued_runs: i64,
    /// Flow runs not started yet, and started ones (under way or parked on a Delay)
    /// (`flow_runs_open`).
    pub pending_flow_runs: i64,
    pub running_flow_runs: i64,
}

const QUEUE_DEPTHS: &str = "SELECT (SELECT COUNT(*) FROM runs WHERE status = 'pending'),
        (SELECT COUNT(*) FROM runs WHERE status = 'queued'),
        (SELECT COUNT(*) FROM flow_runs WHERE status IN ('pending', 'running') AND status = 'pending'),
        (SELECT COUNT(*) FROM flow_runs WHERE status IN ('pending', 'running') AND status = 'running')";

pub async fn queue_depths(pool: &SqlitePool) -> StoreResult<QueueDepths> {
    let (pending_runs, queued_runs, pending_flow_runs, running_flow_runs) = sqlx::query_as(QUEUE_DEPTHS).fetch_one(pool).await?;
    Ok(QueueDepths { pending_runs, queued_runs, pending_flow_runs, running_flow_runs })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn queue_depths_read_only_the_queues_partial_indexes() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let pool = super::super::connect(&format!("sqlite://{}", dir.path().join("queues.db").display())).await.expect("the database opens");
        super::super::migrate(&pool).await.expect("migrations run");
        assert_eq!(queue_depths(&pool).await.expect("readable"), QueueDepths::default());
        let plan: Vec<(i64, i64, i64, String)> =
            sqlx::query_as(&format!("EXPLAIN QUERY PLAN {QUEUE_DEPTHS}")).fetch_all(&pool).await.expect("a plan");
        // "SCAN runs USING [COVERING] INDEX runs_due": only the index's rows are visited.
        let scans: Vec<(&str, &str)> = plan
            .iter()
            .filter(|(.., detail)| detail.starts_with("SCAN") && detail != "SCAN CONSTANT ROW")
            .map(|(.., detail)| (detail.split(' ').nth(1).unwrap_or_default(), detail.rsplit(" INDEX ").next().unwrap_or_default()))
            .collect();
        assert_eq!(
            scans,
            [("runs", "runs_due"), ("runs", "runs_queued"), ("flow_runs", "flow_runs_open"), ("flow_runs", "flow_runs_open")],
            "no whole table is scanned: {plan:?}"
        );
    }
}
