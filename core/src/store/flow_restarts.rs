//! Restarting a finished flow run from a step: in one transaction, a new run of the same
//! graph (the snapshot the old run ran, not the flow's current version) with the old run's
//! payload, linked to it, and a copy of every record it reuses. Which records those are is
//! decided by `outflow_model::flow_exec::restart`; the engine's worker then executes the
//! new run as it resumes any run, so only what was not reused runs.

use std::collections::HashMap;

use super::db::{Connection, OptionalExtension, params};
use outflow_model::{flow_exec::restart::restart, flow_runs::StartedBy};

use super::{
    Actor, Store, StoreError, StoreResult,
    flow_runs::{CallLink, RestartLink, RunRow, RunnableFlow, insert_run, read_job},
};
use crate::{clock, ids::new_sorted_id};

/// Starts a run that restarts run `id` from block `from` (by default the step that failed),
/// acting as `actor`; answers its id. A run still going is a conflict, a step the run's graph
/// lacks or that never ran is refused, and neither changes anything.
pub async fn restart_flow_run(store: &Store, id: &str, from: Option<&str>, actor: Option<&Actor>) -> StoreResult<String> {
    let (id, from) = (id.to_string(), from.map(str::to_string));
    let acting_user_id = actor.map(|actor| actor.user_id);
    let new_id = super::writer::write(store, move |conn| {
        let restart = Restart { of: id.clone(), from: from.as_deref(), acting_user_id, started_by: StartedBy::Rerun, chain_depth: 0, call: None };
        insert_restart(conn, &restart)
    })
    .await?;
    store.flow_runs_created().notify_one();
    Ok(new_id)
}

/// A restart to write: of which run, from which block, acting for whom, and (for a called
/// run a restarted caller starts again) the Call Flow step that starts it, which then
/// executes it at once.
pub(super) struct Restart<'a> {
    pub of: String,
    pub from: Option<&'a str>,
    pub acting_user_id: Option<i64>,
    pub started_by: StartedBy,
    /// 0 for a person's restart (`ops::chains`).
    pub chain_depth: i64,
    pub call: Option<&'a CallLink>,
}

/// Writes the restarting run with copies of the records it reuses; answers its id.
pub(super) fn insert_restart(conn: &Connection, wanted: &Restart<'_>) -> StoreResult<String> {
    let id = wanted.of.as_str();
    let row: Option<(String, String, i64, String, Option<String>)> = conn
        .prepare_cached(
            "SELECT r.status, r.flow_name, r.flow_version, s.graph, r.restart_origin
             FROM flow_runs r JOIN flow_snapshots s ON s.hash = r.snapshot WHERE r.id = ?",
        )?
        .query_row([id], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?, row.get(4)?)))
        .optional()?;
    let (status, flow_name, flow_version, graph_json, origin) = row.ok_or_else(|| StoreError::NotFound(format!("No flow run with id {id}.")))?;
    if matches!(status.as_str(), "queued" | "pending" | "running") {
        return Err(StoreError::Conflict("This run is still going; wait for it to end before restarting it.".into()));
    }
    let old = read_job(conn, id, &mut HashMap::new())?;
    let decided = restart(&old.graph.blocks, &old.graph.edges, old.steps, wanted.from).map_err(|refusal| StoreError::invalid(refusal.to_string()))?;
    let limit: Option<i64> = match &old.flow_id {
        Some(flow_id) => {
            conn.prepare_cached("SELECT max_concurrent_runs FROM flows WHERE id = ?")?.query_row([flow_id], |row| row.get(0)).optional()?.flatten()
        }
        None => None,
    };
    let mut flow =
        RunnableFlow::new(old.flow_id.unwrap_or_default(), flow_name, flow_version, old.workflow_id, String::new(), false, false, graph_json, "[]")?;
    flow.max_concurrent_runs = limit;
    let trigger_block = flow
        .graph
        .blocks
        .iter()
        .find(|block| block.id == old.trigger_block)
        .ok_or_else(|| StoreError::Corrupt(format!("run {id} started from a block its graph lacks")))?;
    let now = clock::now_millis();
    let new_id = new_sorted_id("frun", now);
    let link = RestartLink { of: id.to_string(), from: decided.from, origin: origin.unwrap_or_else(|| id.to_string()) };
    insert_run(
        conn,
        &RunRow {
            id: &new_id,
            flow: &flow,
            started_by: wanted.started_by,
            trigger_block,
            payload: &old.payload_json,
            alert_id: old.alert_id,
            event_id: None,
            acting_user_id: wanted.acting_user_id,
            rerun_of: None,
            lease: wanted.call.map(|call| &call.lease),
            now,
            steps_run: 0,
            chain_depth: wanted.chain_depth,
            refused: None,
            restart: Some(&link),
            call: wanted.call,
        },
    )?;
    let mut copy = conn.prepare_cached(
        "INSERT INTO flow_run_steps (run_id, iteration, block_id, status, inputs, outputs, ports, logs, error, started_at, finished_at, due_at)
         SELECT ?1, iteration, block_id, status, inputs, outputs, ports, logs, error, started_at, finished_at, due_at
         FROM flow_run_steps WHERE run_id = ?2 AND iteration = ?3 AND block_id = ?4",
    )?;
    for step in &decided.reused {
        copy.execute(params![new_id, id, step.iteration.key(), step.block_id])?;
    }
    Ok(new_id)
}
