//! Schedule triggers' state: the last due time each one handled, and advancing it — with the
//! due time's run, when it fires — in one transaction on the writer, as a compare-and-set, so
//! each due time becomes at most one run and none is lost across a crash or a restart. When
//! a trigger is due is decided by `crate::schedule`, not here.

use outflow_model::{
    flow_plan::starts_anything,
    flow_runs::StartedBy,
    flows::{Block, BlockKind, SCHEDULE_TRIGGER},
};
use rusqlite::{OptionalExtension, params};
use serde_json::Value;

use super::{
    Store, StoreResult,
    flow_runs::{Edition, NewFlowRun, RunnableFlow, insert_unwritten, prepare_flow_run, runnable_from_row},
    writer,
};

/// A schedule trigger block of an enabled, published flow, with a step connected to it.
#[derive(Debug, Clone)]
pub struct ScheduledTrigger {
    pub flow: RunnableFlow,
    pub block: Block,
    /// Whose rights its runs act with: whoever last published the flow.
    pub acting_user_id: Option<i64>,
    /// What it was armed with and the last due time it handled, once armed.
    pub armed: Option<(String, i64)>,
}

/// Every schedule trigger that may fire now.
pub async fn scheduled_triggers(store: &Store) -> StoreResult<Vec<ScheduledTrigger>> {
    let sql = format!(
        "{} WHERE fl.enabled = 1 AND fl.published_version IS NOT NULL AND instr(fl.published_graph, '\"{SCHEDULE_TRIGGER}\"') > 0 ORDER BY fl.id",
        Edition::Published.select()
    );
    let rows = sqlx::query_as(&sql).fetch_all(store.db()).await?;
    let mut triggers = Vec::new();
    for row in rows {
        let flow = runnable_from_row(row)?;
        let blocks: Vec<Block> = flow
            .graph
            .blocks
            .iter()
            .filter(|block| block.kind == BlockKind::Trigger && block.trigger.as_deref() == Some(SCHEDULE_TRIGGER))
            .filter(|block| starts_anything(&block.id, &["out".to_string()], &flow.graph.edges))
            .cloned()
            .collect();
        if blocks.is_empty() {
            continue;
        }
        let acting_user_id: Option<i64> =
            sqlx::query_scalar("SELECT published_by FROM flow_publications WHERE flow_id = ? ORDER BY published_at DESC, rowid DESC LIMIT 1")
                .bind(&flow.id)
                .fetch_optional(store.db())
                .await?
                .flatten();
        let armed: Vec<(String, String, i64)> = sqlx::query_as("SELECT block_id, fingerprint, last_due FROM flow_schedules WHERE flow_id = ?")
            .bind(&flow.id)
            .fetch_all(store.db())
            .await?;
        for block in blocks {
            let state = armed.iter().find(|(id, _, _)| *id == block.id).map(|(_, fingerprint, last_due)| (fingerprint.clone(), *last_due));
            triggers.push(ScheduledTrigger { flow: flow.clone(), block, acting_user_id, armed: state });
        }
    }
    Ok(triggers)
}

/// Arms a trigger at `now` unless it is armed with `fingerprint` already (a new or changed
/// schedule starts from now: no burst of old due times); answers its last handled due time,
/// or `None` when the flow was turned off (or deleted) meanwhile.
pub async fn arm_schedule(store: &Store, flow_id: &str, block_id: &str, fingerprint: &str, now: i64) -> StoreResult<Option<i64>> {
    let (flow_id, block_id, fingerprint) = (flow_id.to_string(), block_id.to_string(), fingerprint.to_string());
    writer::write(store, move |conn| {
        conn.prepare_cached(
            "INSERT INTO flow_schedules (flow_id, block_id, fingerprint, last_due)
             SELECT ?1, ?2, ?3, ?4 WHERE EXISTS (SELECT 1 FROM flows WHERE id = ?1 AND enabled = 1)
             ON CONFLICT (flow_id, block_id) DO UPDATE SET fingerprint = excluded.fingerprint, last_due = excluded.last_due
             WHERE flow_schedules.fingerprint <> excluded.fingerprint",
        )?
        .execute(params![flow_id, block_id, fingerprint, now])?;
        Ok(conn
            .prepare_cached("SELECT last_due FROM flow_schedules WHERE flow_id = ? AND block_id = ?")?
            .query_row(params![flow_id, block_id], |row| row.get(0))
            .optional()?)
    })
    .await
}

/// Moving a trigger's last handled due time from `last_due` to `due`.
#[derive(Debug)]
pub struct ScheduleAdvance {
    pub trigger: ScheduledTrigger,
    pub fingerprint: String,
    pub last_due: i64,
    pub due: i64,
    /// The run's payload when the due time fires; `None` skips it.
    pub payload: Option<Value>,
}

/// What advancing did.
#[derive(Debug, PartialEq, Eq)]
pub enum Advanced {
    /// The due time's run, created with the advance.
    Fired(String),
    Skipped,
    /// The trigger was not where the caller thought (another server advanced it, the flow was
    /// turned off, its schedule changed): nothing was written.
    Lost,
}

/// Advances a trigger by compare-and-set and, when it fires, creates the run in the same
/// transaction: a crash leaves both or neither.
pub async fn advance_schedule(store: &Store, advance: ScheduleAdvance) -> StoreResult<Advanced> {
    let advanced = writer::write(store, move |conn| {
        let moved = conn
            .prepare_cached("UPDATE flow_schedules SET last_due = ?1 WHERE flow_id = ?2 AND block_id = ?3 AND fingerprint = ?4 AND last_due = ?5")?
            .execute(params![advance.due, advance.trigger.flow.id, advance.trigger.block.id, advance.fingerprint, advance.last_due])?;
        if moved == 0 {
            return Ok(Advanced::Lost);
        }
        let Some(payload) = advance.payload else { return Ok(Advanced::Skipped) };
        let new = NewFlowRun {
            flow: advance.trigger.flow,
            started_by: StartedBy::Schedule,
            trigger_block: advance.trigger.block,
            payload,
            acting_user_id: advance.trigger.acting_user_id,
            rerun_of: None,
            chain_depth: 0,
        };
        let (job, unwritten) = prepare_flow_run(new, false);
        insert_unwritten(conn, &unwritten)?;
        Ok(Advanced::Fired(job.run_id))
    })
    .await?;
    if matches!(advanced, Advanced::Fired(_)) {
        store.flow_runs_created().notify_one();
    }
    Ok(advanced)
}
