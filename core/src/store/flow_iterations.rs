//! Reading the records of steps inside For Each loops for the run page: per block, how many
//! iterations ran and failed, the first failed ones, and one iteration's record to show
//! (the first that failed, else the last). It reads the iterations' keys and statuses
//! through their index and only the shown records themselves, so a 10,000-item run costs
//! one narrow scan, not 10,000 records.

use std::collections::HashMap;

use outflow_model::flow_runs::{Iteration, Iterations};

use super::{Store, StoreResult, db, flow_runs::StepRow};

/// A block's iterations, and the record of the one shown.
pub(super) struct BlockIterations {
    pub summary: Iterations,
    pub shown: StepRow,
    /// Some iteration of it is a Delay counting down.
    pub waiting: bool,
}

/// What every block inside a loop did across its iterations, by block id.
pub(super) async fn block_iterations(store: &Store, run_id: &str) -> StoreResult<HashMap<String, BlockIterations>> {
    let keys: Vec<(String, String, String)> =
        db::query_as("SELECT block_id, status, iteration FROM flow_run_steps WHERE run_id = ? AND iteration != ''")
            .bind(run_id)
            .fetch_all(store.db())
            .await?;
    let mut by_block: HashMap<String, (Iterations, Vec<Iteration>, Option<Iteration>, bool)> = HashMap::new();
    for (block_id, status, key) in keys {
        let Some(iteration) = Iteration::from_key(&key) else { continue };
        let (summary, failed, last, waiting) = by_block.entry(block_id).or_default();
        summary.ran += 1;
        match status.as_str() {
            "failed" => {
                summary.failed += 1;
                failed.push(iteration.clone());
            }
            "waiting" => *waiting = true,
            _ => {}
        }
        if last.as_ref().is_none_or(|last| iteration > *last) {
            *last = Some(iteration);
        }
    }
    let mut found = HashMap::with_capacity(by_block.len());
    for (block_id, (mut summary, mut failed, last, waiting)) in by_block {
        failed.sort_unstable();
        let Some(shown) = failed.first().cloned().or(last) else { continue };
        summary.failed_items = failed.iter().take(Iterations::LISTED).map(Iteration::key).collect();
        summary.shown = shown.key();
        let row: Option<StepRow> = db::query_as(
            "SELECT block_id, status, inputs, outputs, ports, logs, error, started_at, finished_at, due_at
             FROM flow_run_steps WHERE run_id = ? AND iteration = ? AND block_id = ?",
        )
        .bind(run_id)
        .bind(&summary.shown)
        .bind(&block_id)
        .fetch_optional(store.db())
        .await?;
        if let Some(shown) = row {
            found.insert(block_id, BlockIterations { summary, shown, waiting });
        }
    }
    Ok(found)
}
