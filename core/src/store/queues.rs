//! The depth of each queue (work waiting), for `/metrics` and the dashboard: each counted
//! through the partial index that holds just that queue's rows, so reading them costs what
//! the backlog is and never the history. Totals (trigger events, attempts, finished runs)
//! are counted in memory by the server's own workers.

use super::Store;

use super::{StoreResult, db, to_json};

/// Work waiting, by queue.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QueueDepths {
    /// Notifications waiting for delivery to a device (`notifications_due`).
    pub pending_notifications: i64,
    /// Integration runs waiting for the cloud worker (`runs_due`).
    pub pending_runs: i64,
    /// Integration runs waiting for an Integration Agent (`runs_queued`).
    pub queued_runs: i64,
    /// Flow runs not started yet (waiting for the worker, or queued for a turn under their
    /// flow's limit: `flow_runs_open`, `flow_runs_queued`), and started ones (under way or
    /// parked on a Delay).
    pub pending_flow_runs: i64,
    pub running_flow_runs: i64,
}

/// Whether the alert in `column` belongs to a workflow of `?1` (a JSON array; NULL: any).
/// Looked up per waiting row, by primary keys.
fn alert_in_workflows(column: &str) -> String {
    format!(
        "(CAST(?1 AS TEXT) IS NULL OR EXISTS (SELECT 1 FROM alerts a JOIN forms f ON f.id = a.form_id
                              WHERE a.event_identifier = {column} AND f.workflow_id IN (SELECT value FROM json_each(?1))))"
    )
}

fn queue_depths_sql() -> String {
    let flow_run_in_workflows = "(CAST(?1 AS TEXT) IS NULL OR fr.workflow_id IN (SELECT value FROM json_each(?1)))";
    format!(
        "SELECT (SELECT COUNT(*) FROM notifications n WHERE n.status = 'pending' AND {}),
                (SELECT COUNT(*) FROM runs r WHERE r.status = 'pending' AND {}),
                (SELECT COUNT(*) FROM runs r WHERE r.status = 'queued' AND {}),
                (SELECT COUNT(*) FROM flow_runs fr WHERE fr.status IN ('pending', 'running') AND fr.status = 'pending' AND {flow_run_in_workflows})
                  + (SELECT COUNT(*) FROM flow_runs fr WHERE fr.status = 'queued' AND {flow_run_in_workflows}),
                (SELECT COUNT(*) FROM flow_runs fr WHERE fr.status IN ('pending', 'running') AND fr.status = 'running' AND {flow_run_in_workflows})",
        alert_in_workflows("n.alert_id"),
        alert_in_workflows("r.alert_id"),
        alert_in_workflows("r.alert_id"),
    )
}

/// Work waiting in `workflows` (`None`: in every workflow).
pub async fn queue_depths(store: &Store, workflows: Option<&[String]>) -> StoreResult<QueueDepths> {
    let (pending_notifications, pending_runs, queued_runs, pending_flow_runs, running_flow_runs) =
        db::query_as(&queue_depths_sql()).bind(workflows.map(to_json)).fetch_one(store.db()).await?;
    Ok(QueueDepths { pending_notifications, pending_runs, queued_runs, pending_flow_runs, running_flow_runs })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn queue_depths_read_only_the_queues_partial_indexes() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let store = super::super::Store::scratch(&dir, "queues.db").await;
        assert_eq!(queue_depths(&store, None).await.expect("readable"), QueueDepths::default());
        assert_eq!(queue_depths(&store, Some(&["wf_a".to_string()])).await.expect("readable"), QueueDepths::default());
        if store.engine() != db::Engine::Sqlite {
            return; // SQLite's query plans; PostgreSQL's planner picks by its statistics.
        }
        let plan: Vec<(i64, i64, i64, String)> =
            db::query_as(&format!("EXPLAIN QUERY PLAN {}", queue_depths_sql())).bind(None::<String>).fetch_all(store.db()).await.expect("a plan");
        // "SCAN r USING [COVERING] INDEX runs_due": only the index's rows are visited; the
        // alert and form of each are looked up by primary key.
        let scans: Vec<(&str, &str)> = plan
            .iter()
            .filter(|(.., detail)| detail.starts_with("SCAN") && detail != "SCAN CONSTANT ROW" && !detail.contains("json_each"))
            .map(|(.., detail)| (detail.split(' ').nth(1).unwrap_or_default(), detail.rsplit(" INDEX ").next().unwrap_or_default()))
            .collect();
        assert_eq!(
            scans,
            [
                ("n", "notifications_due"),
                ("r", "runs_due"),
                ("r", "runs_queued"),
                ("fr", "flow_runs_open"),
                ("fr", "flow_runs_queued"),
                ("fr", "flow_runs_open")
            ],
            "no whole table is scanned: {plan:?}"
        );
    }
}
