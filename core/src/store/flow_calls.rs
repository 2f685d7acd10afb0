//! Call Flow: the run a Call Flow step starts, written in one transaction and linked to the
//! calling run, step and iteration. There is one called run per calling step and iteration
//! (a unique index): a caller resumed after a crash finds its run again instead of starting
//! a second. A caller that restarts an earlier run restarts that run's failed called run
//! from its failed step (only what failed runs again, inside loops too); otherwise the
//! called flow starts afresh. A called run never waits for a turn under its flow's limit of
//! runs at once: it goes in its caller's. Who may call what is decided in `ops::flow_calls`.

use std::collections::HashMap;

use super::db::{self, Connection, OptionalExtension, params};
use outflow_model::{
    flow_runs::{CalledBy, Iteration, StartedBy},
    flows::Block,
    runs::RunStatus,
};
use serde_json::Value;

use super::{
    Store, StoreError, StoreResult,
    flow_restarts::{Restart, insert_restart},
    flow_runs::{CallLink, FlowRunJob, RunEnd, RunRow, RunnableFlow, existing_alert, insert_run, read_job},
    from_json,
};
use crate::{clock, ids::new_sorted_id};

/// A call to write: the calling run's step, the flow called (its published version) and
/// what the called run gets.
pub struct NewCall {
    pub caller_run: String,
    pub block: String,
    pub iteration: Iteration,
    /// How deeply calls nest at the called run.
    pub depth: i64,
    pub flow: RunnableFlow,
    /// The called flow's Called by a flow trigger.
    pub trigger_block: Block,
    /// The Call Flow step's inputs: the trigger's outputs.
    pub payload: Value,
    pub acting_user_id: Option<i64>,
    pub alert_id: Option<i64>,
    pub chain_depth: i64,
}

/// The run a call answers.
#[derive(Debug)]
pub enum CalledRun {
    /// Written now and leased to the caller's process, which executes it.
    Started(Box<FlowRunJob>),
    /// Started by this step before (the caller resumed after a crash): wait for it.
    Existing(String),
}

/// Writes the run a Call Flow step starts, or finds the one it started before.
pub async fn start_called_run(store: &Store, call: NewCall) -> StoreResult<CalledRun> {
    let lease = store.flow_run_lease();
    super::writer::write(store, move |conn| {
        let link =
            CallLink { caller: call.caller_run.clone(), block: call.block.clone(), iteration: call.iteration.clone(), depth: call.depth, lease };
        if let Some(existing) = called_run_of(conn, &link.caller, &link.block, &link.iteration)? {
            return Ok(CalledRun::Existing(existing.0));
        }
        let restarted: Option<String> =
            conn.prepare_cached("SELECT restart_of FROM flow_runs WHERE id = ?")?.query_row([&link.caller], |row| row.get(0)).optional()?.flatten();
        let earlier = match &restarted {
            Some(earlier_caller) => called_run_of(conn, earlier_caller, &link.block, &link.iteration)?,
            None => None,
        };
        let restart = earlier.filter(|(_, status)| status == RunStatus::Failed.key()).map(|(earlier, _)| Restart {
            of: earlier,
            from: None,
            acting_user_id: call.acting_user_id,
            started_by: StartedBy::Call,
            chain_depth: call.chain_depth,
            call: Some(&link),
        });
        let id = match restart.as_ref().map(|restart| insert_restart(conn, restart)) {
            Some(Ok(id)) => id,
            // Nothing of it can be reused (it failed before any step did): it starts afresh.
            None | Some(Err(StoreError::Invalid { .. })) => insert_call(conn, &call, &link)?,
            Some(Err(error)) => return Err(error),
        };
        Ok(CalledRun::Started(Box::new(read_job(conn, &id, &mut HashMap::new())?)))
    })
    .await
}

fn insert_call(conn: &Connection, call: &NewCall, link: &CallLink) -> StoreResult<String> {
    let now = clock::now_millis();
    let id = new_sorted_id("frun", now);
    let payload = call.payload.to_string();
    // The caller's alert, unless it was deleted while the caller ran.
    let alert_id = existing_alert(conn, call.alert_id)?;
    insert_run(
        conn,
        &RunRow {
            id: &id,
            flow: &call.flow,
            started_by: StartedBy::Call,
            trigger_block: &call.trigger_block,
            payload: &payload,
            alert_id,
            event_id: None,
            acting_user_id: call.acting_user_id,
            rerun_of: None,
            lease: Some(&link.lease),
            now,
            steps_run: 0,
            chain_depth: call.chain_depth,
            refused: None,
            restart: None,
            call: Some(link),
        },
    )?;
    Ok(id)
}

/// The run a step of `caller` started in `iteration`, with its status.
fn called_run_of(conn: &Connection, caller: &str, block: &str, iteration: &Iteration) -> StoreResult<Option<(String, String)>> {
    Ok(conn
        .prepare_cached("SELECT id, status FROM flow_runs WHERE called_by = ? AND called_by_block = ? AND called_by_iteration = ?")?
        .query_row(params![caller, block, iteration.key()], |row| Ok((row.get(0)?, row.get(1)?)))
        .optional()?)
}

/// How a run ended; `None` while it is going.
pub async fn flow_run_end(store: &Store, id: &str) -> StoreResult<Option<RunEnd>> {
    let row: Option<(String, Option<String>, Option<String>)> =
        db::query_as("SELECT status, reason, output FROM flow_runs WHERE id = ?").bind(id).fetch_optional(store.db()).await?;
    let (status, reason, output) = row.ok_or_else(|| StoreError::NotFound(format!("No flow run with id {id}.")))?;
    let status = RunStatus::from_key(&status).ok_or_else(|| StoreError::Corrupt(format!("run status {status}")))?;
    if !matches!(status, RunStatus::Succeeded | RunStatus::Failed) {
        return Ok(None);
    }
    let output = output.map(|text| from_json("flow_runs.output", &text)).transpose()?;
    Ok(Some(RunEnd { status, reason, output }))
}

/// The Call Flow step that started run `id`, if one did.
pub(super) async fn called_by(store: &Store, id: &str) -> StoreResult<Option<CalledBy>> {
    let row: Option<(Option<String>, Option<String>, Option<String>)> =
        db::query_as("SELECT called_by, called_by_block, called_by_iteration FROM flow_runs WHERE id = ?")
            .bind(id)
            .fetch_optional(store.db())
            .await?;
    Ok(row.and_then(|(run_id, step, iteration)| Some(CalledBy { run_id: run_id?, step: step?, iteration: iteration.unwrap_or_default() })))
}

/// The runs the Call Flow steps of run `id` started: by block, then iteration key.
pub(super) async fn calls_of(store: &Store, id: &str) -> StoreResult<HashMap<(String, String), String>> {
    let rows: Vec<(String, String, String)> =
        db::query_as("SELECT called_by_block, called_by_iteration, id FROM flow_runs WHERE called_by = ?").bind(id).fetch_all(store.db()).await?;
    Ok(rows.into_iter().map(|(block, iteration, run)| ((block, iteration), run)).collect())
}
