//! Schedule triggers' state: the last due time each one handled, and advancing it — with the
//! due time's run, when it fires — in one transaction on the writer, as a compare-and-set, so
//! each due time becomes at most one run and none is lost across a crash or a restart. When
//! a trigger is due is decided by `crate::schedule`, not here.

use super::db::{self, OptionalExtension, params};
use outflow_model::{
    flow_plan::starts_anything,
    flow_runs::StartedBy,
    flows::{Block, BlockKind, SCHEDULE_TRIGGER},
};
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
    let rows = db::query_as(&sql).fetch_all(store.db()).await?;
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
        // The latest publication: SQLite's `rowid` order (PostgreSQL has none) for those made in
        // different milliseconds (`published_at` is its transaction's clock); `version` within one.
        let acting_user_id: Option<i64> =
            db::query_scalar("SELECT published_by FROM flow_publications WHERE flow_id = ? ORDER BY published_at DESC, version DESC LIMIT 1")
                .bind(&flow.id)
                .fetch_optional(store.db())
                .await?
                .flatten();
        let armed: Vec<(String, String, i64)> =
            db::query_as("SELECT block_id, fingerprint, last_due FROM flow_schedules WHERE flow_id = ?").bind(&flow.id).fetch_all(store.db()).await?;
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
        let (job, unwritten) = prepare_flow_run(new, None);
        insert_unwritten(conn, &unwritten, 0)?;
        Ok(Advanced::Fired(job.run_id))
    })
    .await?;
    if matches!(advanced, Advanced::Fired(_)) {
        store.flow_runs_created().notify_one();
    }
    Ok(advanced)
}

#[cfg(test)]
mod tests {
    use outflow_model::flows::{FlowDocument, FlowSave, NewFlow};
    use serde_json::json;

    use super::*;
    use crate::store::{create_flow, create_form, create_workflow, import_flow, save_flow};

    /// A store with one imported (so published) flow: schedule `s1` → merge `m1`.
    async fn store_with_schedule(dir: &tempfile::TempDir) -> (Store, String) {
        let store = Store::scratch(dir, "schedules.db").await;
        let workflow = create_workflow(&store, None, "Ops").await.expect("a workflow");
        let form = outflow_model::forms::NewForm { name: "Reports".into(), enabled: true, properties: Vec::new(), responses: Vec::new() };
        let form = create_form(&store, None, &workflow.id, &form).await.expect("a form");
        let document: FlowDocument = serde_json::from_value(json!({"name": "Nightly", "formId": form.id, "blocks": [
            {"id": "s1", "kind": "trigger", "trigger": "schedule", "settings": {"cron": "* * * * *"}, "position": {"x": 0, "y": 0}},
            {"id": "m1", "kind": "step", "step": "merge", "position": {"x": 0, "y": 0}}],
            "edges": [{"from": "s1", "fromPort": "out", "to": "m1", "toPort": "in"}]}))
        .expect("a flow document");
        let flow = import_flow(&store, &document, None).await.expect("the flow imports");
        // A draft with a schedule never runs.
        create_flow(&store, &NewFlow { form_id: form.id.clone(), name: "Draft".into() }, None).await.expect("a draft");
        (store, flow.id)
    }

    fn advance(trigger: &ScheduledTrigger, last_due: i64, due: i64) -> ScheduleAdvance {
        ScheduleAdvance { trigger: trigger.clone(), fingerprint: "f1".into(), last_due, due, payload: Some(json!({"scheduledAt": due})) }
    }

    async fn runs(store: &Store) -> i64 {
        db::query_scalar("SELECT COUNT(*) FROM flow_runs WHERE trigger = 'schedule'").fetch_one(store.db()).await.expect("countable")
    }

    #[tokio::test]
    async fn each_due_time_becomes_one_run_however_many_try_to_fire_it() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let (store, flow) = store_with_schedule(&dir).await;
        let triggers = scheduled_triggers(&store).await.expect("readable");
        assert_eq!(triggers.len(), 1, "the published flow's trigger, not the draft's");
        let trigger = &triggers[0];
        assert_eq!((trigger.flow.id.as_str(), trigger.block.id.as_str(), trigger.armed.clone()), (flow.as_str(), "s1", None));

        // Armed once: arming again with the same schedule keeps its place; a changed one starts anew.
        assert_eq!(arm_schedule(&store, &flow, "s1", "f1", 1_000).await.expect("armed"), Some(1_000));
        assert_eq!(arm_schedule(&store, &flow, "s1", "f1", 5_000).await.expect("armed"), Some(1_000));
        assert_eq!(scheduled_triggers(&store).await.expect("readable")[0].armed, Some(("f1".to_string(), 1_000)));

        // Two rounds (or two servers) fire 60 000 at once: one run.
        let (first, second) =
            tokio::join!(advance_schedule(&store, advance(trigger, 1_000, 60_000)), advance_schedule(&store, advance(trigger, 1_000, 60_000)));
        let mut outcomes = [first.expect("written"), second.expect("written")];
        outcomes.sort_by_key(|outcome| matches!(outcome, Advanced::Lost));
        assert!(matches!(outcomes[0], Advanced::Fired(_)) && outcomes[1] == Advanced::Lost, "{outcomes:?}");
        assert_eq!(runs(&store).await, 1);
        let started_by: String = db::query_scalar("SELECT started_by FROM flow_runs").fetch_one(store.db()).await.expect("a run");
        assert_eq!(started_by, "schedule");
        // A skip moves on without a run; a stale fingerprint moves nothing.
        let skip = ScheduleAdvance { payload: None, ..advance(trigger, 60_000, 120_000) };
        assert_eq!(advance_schedule(&store, skip).await.expect("written"), Advanced::Skipped);
        let stale = ScheduleAdvance { fingerprint: "old".into(), ..advance(trigger, 120_000, 180_000) };
        assert_eq!(advance_schedule(&store, stale).await.expect("written"), Advanced::Lost);
        assert_eq!(runs(&store).await, 1);
        assert_eq!(arm_schedule(&store, &flow, "s1", "f2", 200_000).await.expect("re-armed"), Some(200_000));

        // Turned off: the schedule's place is gone, nothing fires, and it is not armed again.
        let current = crate::store::get_flow(&store, &flow).await.expect("the flow");
        let off = FlowSave {
            base_version: current.version,
            name: current.name,
            blocks: current.blocks,
            edges: current.edges,
            enabled: Some(false),
            max_concurrent_runs: None,
        };
        save_flow(&store, &flow, &off, None).await.expect("turned off");
        assert!(scheduled_triggers(&store).await.expect("readable").is_empty());
        assert_eq!(
            advance_schedule(&store, ScheduleAdvance { fingerprint: "f2".into(), ..advance(trigger, 200_000, 240_000) }).await.expect("written"),
            Advanced::Lost
        );
        assert_eq!(arm_schedule(&store, &flow, "s1", "f2", 300_000).await.expect("not armed"), None);
        assert_eq!(runs(&store).await, 1);
    }
}
