//! Flows (SPEC §6) and their version history. Every write checks the graph with the one
//! validation of `outflow_model::flows` (errors refuse it, warnings are kept for the badges)
//! and appends a version in the same transaction, so the history never misses a save.
//! A save is a draft; Publish (or Roll back) makes a version the one that runs, and copies
//! its graph onto the flow so starting a run reads one row. An import runs at once.

use super::Store;
use outflow_model::{
    flows::{
        Block, BlockKind, Edge, Flow, FlowDocument, FlowSave, FlowSummary, FlowTrigger, FlowVersion, FlowVersionDetail, MAX_CONCURRENT_RUNS, NewFlow,
        Position, Publication, PublishedHow, draft_version, trigger_label, validate,
    },
    forms::Form,
    trigger::Trigger,
};
use serde::{Deserialize, Serialize};

use super::{
    Actor, StoreError, StoreResult,
    audit::{self, Change},
    checked_limit, checked_name, conflict_on_unique, db, from_json, to_json, write_tx,
};
use crate::{clock, ids::new_id};

/// The graph column: what a version holds besides its name.
#[derive(Default, Serialize, Deserialize)]
struct Graph {
    blocks: Vec<Block>,
    edges: Vec<Edge>,
}

crate::row_struct! {
struct FlowRow {
    id: String,
    workflow_id: String,
    form_id: String,
    form_name: String,
    name: String,
    version: i64,
    published_version: Option<i64>,
    enabled: bool,
    graph: String,
    created_at: i64,
    updated_at: i64,
    max_concurrent_runs: Option<u32>,
}
}

const SELECT_FLOW: &str = "SELECT fl.id, f.workflow_id, fl.form_id, f.name AS form_name, fl.name, fl.version, fl.published_version, fl.enabled,
        fl.graph, fl.created_at, fl.updated_at, fl.max_concurrent_runs
    FROM flows fl JOIN forms f ON f.id = fl.form_id";

fn choices(form: &Form) -> Vec<String> {
    form.responses.iter().map(|option| option.choice.clone()).collect()
}

/// Refuses a graph with errors, with the issues as details so a client can mark the blocks.
fn checked_graph(form: &Form, blocks: &[Block], edges: &[Edge]) -> StoreResult<()> {
    let check = validate(blocks, edges, &choices(form));
    if check.is_ok() {
        return Ok(());
    }
    Err(StoreError::Invalid { message: check.error_message(), details: serde_json::json!({ "issues": check.errors }) })
}

/// Refuses to make a graph run while a Schedule trigger of it cannot: a cron that cannot be
/// read or never comes due, a time zone this server does not know.
fn runnable_schedules(blocks: &[Block]) -> StoreResult<()> {
    let problems = crate::schedule::graph_problems(blocks, clock::now_millis());
    if problems.is_empty() {
        return Ok(());
    }
    Err(StoreError::invalid(format!("This flow cannot run as it is: {}", problems.join(" "))))
}

/// The form a flow is for, answered as bad input (not 404) when it does not exist.
async fn form_of(store: &Store, form_id: &str) -> StoreResult<Form> {
    super::get_form(store, form_id).await.map_err(|error| match error {
        StoreError::NotFound(_) => StoreError::invalid(format!("There is no form with id \"{form_id}\".")),
        other => other,
    })
}

fn name_taken(name: &str) -> impl FnOnce() -> String + '_ {
    move || format!("This form already has a flow named \"{name}\".")
}

/// The trigger nodes a new flow of the form starts with: one per outbound integration
/// trigger of the form, plus the Responses trigger when the form has response choices.
async fn starting_triggers(store: &Store, form: &Form) -> StoreResult<Vec<Block>> {
    let mut triggers: Vec<Trigger> = super::list_integrations(store, Some(&form.workflow_id))
        .await?
        .into_iter()
        .filter(|integration| integration.form_id == form.id)
        .map(|integration| integration.trigger)
        .collect();
    if !form.responses.is_empty() {
        triggers.push(Trigger::Responses);
    }
    triggers.dedup();
    Ok(triggers
        .into_iter()
        .enumerate()
        .map(|(row, trigger)| Block {
            id: format!("t{}", row + 1),
            kind: BlockKind::Trigger,
            trigger: Some(trigger.key().to_string()),
            step: None,
            label: trigger_label(trigger).to_string(),
            settings: Default::default(),
            inputs: Default::default(),
            position: Position { x: 40.0, y: 40.0 + 130.0 * row as f64 },
        })
        .collect())
}

/// Inserts a new flow and its first version; `published` says how it runs at once (an
/// import), `None` leaves it a draft.
#[allow(clippy::too_many_arguments)]
async fn insert_flow(
    store: &Store,
    form: &Form,
    name: &str,
    graph: &Graph,
    actor: Option<&Actor>,
    note: &str,
    published: Option<PublishedHow>,
    max_concurrent_runs: Option<u32>,
) -> StoreResult<Flow> {
    let id = new_id("fl");
    let now = clock::now_millis();
    let graph_json = to_json(graph);
    let mut tx = write_tx(store).await?;
    db::query("INSERT INTO flows (id, form_id, name, version, graph, created_at, updated_at, max_concurrent_runs) VALUES (?, ?, ?, 1, ?, ?, ?, ?)")
        .bind(&id)
        .bind(&form.id)
        .bind(name)
        .bind(&graph_json)
        .bind(now)
        .bind(now)
        .bind(max_concurrent_runs)
        .execute(&mut *tx)
        .await
        .map_err(conflict_on_unique(name_taken(name)))?;
    insert_version(&mut tx, &id, 1, name, graph, &graph_json, actor, note, now).await?;
    if let Some(how) = published {
        make_running(&mut tx, &id, Some(1), actor, how, now).await?;
    }
    tx.commit().await?;
    get_flow(store, &id).await
}

/// Makes `version` (`None`: the newest saved one, as of this transaction) the one that runs,
/// records when, by whom and how, and answers it.
async fn make_running(tx: &mut db::Tx, flow_id: &str, version: Option<i64>, actor: Option<&Actor>, how: PublishedHow, now: i64) -> StoreResult<i64> {
    let version: i64 = db::query_scalar(
        "UPDATE flows SET published_version = COALESCE(?1, version),
            published_graph = (SELECT v.graph FROM flow_versions v WHERE v.flow_id = ?2 AND v.version = COALESCE(?1, flows.version)),
            updated_at = ?3
         WHERE id = ?2 RETURNING published_version",
    )
    .bind(version)
    .bind(flow_id)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    db::query("INSERT INTO flow_publications (flow_id, version, published_at, published_by, note) VALUES (?, ?, ?, ?, ?)")
        .bind(flow_id)
        .bind(version)
        .bind(now)
        .bind(actor.map(|actor| actor.user_id))
        .bind(how.key())
        .execute(&mut *tx)
        .await?;
    Ok(version)
}

/// Makes a version of the flow `before` shows the one that runs, in its own transaction,
/// and audits the change; answers the version.
async fn run_version(store: &Store, before: &Flow, version: Option<i64>, actor: Option<&Actor>, how: PublishedHow) -> StoreResult<i64> {
    let mut tx = write_tx(store).await?;
    let version = make_running(&mut tx, &before.id, version, actor, how, clock::now_millis()).await?;
    tx.commit().await?;
    let after = get_flow(store, &before.id).await?;
    audit::record_change(store, actor, Change::updated("flow", &before.id, &after.name, &audited(before), &audited(&after))).await?;
    Ok(version)
}

/// Publishes the newest saved version: runs started from now on use it. Publishing the
/// version that runs already changes nothing.
pub async fn publish_flow(store: &Store, id: &str, actor: Option<&Actor>) -> StoreResult<i64> {
    let before = get_flow(store, id).await?;
    if before.published_version == Some(before.version) {
        return Ok(before.version);
    }
    runnable_schedules(&before.blocks)?;
    // The newest version as of the transaction: a save may land after the read above.
    run_version(store, &before, None, actor, PublishedHow::Published).await
}

/// Runs an earlier published version again (the draft stays as it is). Only a version that
/// was published before can be rolled back to: one that never ran is published instead.
pub async fn rollback_flow(store: &Store, id: &str, version: i64, actor: Option<&Actor>) -> StoreResult<i64> {
    let before = get_flow(store, id).await?;
    let ran: Option<i64> = db::query_scalar("SELECT version FROM flow_publications WHERE flow_id = ? AND version = ? LIMIT 1")
        .bind(id)
        .bind(version)
        .fetch_optional(store.db())
        .await?;
    if ran.is_none() {
        let exists: Option<i64> = db::query_scalar("SELECT version FROM flow_versions WHERE flow_id = ? AND version = ?")
            .bind(id)
            .bind(version)
            .fetch_optional(store.db())
            .await?;
        return Err(match exists {
            None => StoreError::NotFound(format!("Flow {id} has no version {version}.")),
            Some(_) => StoreError::invalid(format!(
                "Version {version} was never published, so there is nothing to roll back to; restore it as the draft and publish it instead."
            )),
        });
    }
    if before.published_version == Some(version) {
        return Ok(version);
    }
    run_version(store, &before, Some(version), actor, PublishedHow::RolledBack).await
}

#[allow(clippy::too_many_arguments)]
async fn insert_version(
    tx: &mut db::Tx,
    flow_id: &str,
    version: i64,
    name: &str,
    graph: &Graph,
    graph_json: &str,
    actor: Option<&Actor>,
    note: &str,
    now: i64,
) -> StoreResult<()> {
    db::query(
        "INSERT INTO flow_versions (flow_id, version, name, graph, blocks, edges, saved_by, note, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(flow_id)
    .bind(version)
    .bind(name)
    .bind(graph_json)
    .bind(graph.blocks.len() as i64)
    .bind(graph.edges.len() as i64)
    .bind(actor.map(|actor| actor.user_id))
    .bind(note)
    .bind(now)
    .execute(tx)
    .await?;
    Ok(())
}

/// Creates a flow of a form, starting with the form's trigger nodes.
pub async fn create_flow(store: &Store, input: &NewFlow, actor: Option<&Actor>) -> StoreResult<Flow> {
    let name = checked_name("A flow name", &input.name)?;
    let form = form_of(store, &input.form_id).await?;
    let graph = Graph { blocks: starting_triggers(store, &form).await?, edges: Vec::new() };
    let flow = insert_flow(store, &form, name, &graph, actor, "created", None, None).await?;
    audit::record_change(store, actor, Change::created("flow", &flow.id, &flow.name, &audited(&flow))).await?;
    Ok(flow)
}

/// What the audit log keeps of a flow: its name, versions, whether it is on, and its size
/// (graphs are in the flow's own version history).
fn audited(flow: &Flow) -> serde_json::Value {
    serde_json::json!({"name": flow.name, "version": flow.version, "publishedVersion": flow.published_version, "enabled": flow.enabled,
        "blocks": flow.blocks.len(), "edges": flow.edges.len()})
}

/// Creates a flow from an export (SPEC §6 format); a graph with errors is refused whole.
pub async fn import_flow(store: &Store, document: &FlowDocument, actor: Option<&Actor>) -> StoreResult<Flow> {
    let name = checked_name("A flow name", &document.name)?;
    let form = form_of(store, &document.form_id).await?;
    checked_graph(&form, &document.blocks, &document.edges)?;
    let limit = checked_limit("maxConcurrentRuns", document.max_concurrent_runs, MAX_CONCURRENT_RUNS, false)?;
    runnable_schedules(&document.blocks)?;
    let graph = Graph { blocks: document.blocks.clone(), edges: document.edges.clone() };
    let flow = insert_flow(store, &form, name, &graph, actor, "imported", Some(PublishedHow::Imported), limit).await?;
    audit::record_change(store, actor, Change::created("flow", &flow.id, &flow.name, &audited(&flow))).await?;
    Ok(flow)
}

fn flow_from_row(row: FlowRow, form: Option<&Form>) -> StoreResult<Flow> {
    let graph: Graph = from_json("flows.graph", &row.graph)?;
    let warnings = form.map(|form| validate(&graph.blocks, &graph.edges, &choices(form)).warnings).unwrap_or_default();
    Ok(Flow {
        id: row.id,
        workflow_id: row.workflow_id,
        form_id: row.form_id,
        form_name: row.form_name,
        name: row.name,
        version: row.version,
        published_version: row.published_version,
        draft_version: draft_version(row.version, row.published_version),
        enabled: row.enabled,
        created_at: clock::rfc3339(row.created_at),
        updated_at: clock::rfc3339(row.updated_at),
        blocks: graph.blocks,
        edges: graph.edges,
        warnings,
        max_concurrent_runs: row.max_concurrent_runs,
    })
}

/// One flow with its graph and the warnings its blocks carry.
pub async fn get_flow(store: &Store, id: &str) -> StoreResult<Flow> {
    let row: Option<FlowRow> = db::query_as(&format!("{SELECT_FLOW} WHERE fl.id = ?")).bind(id).fetch_optional(store.db()).await?;
    let row = row.ok_or_else(|| StoreError::NotFound(format!("No flow with id {id}.")))?;
    let form = super::get_form(store, &row.form_id).await?;
    flow_from_row(row, Some(&form))
}

/// Flows of one form, of one workflow, or all; by form then name.
pub async fn list_flows(store: &Store, form_id: Option<&str>, workflow_id: Option<&str>) -> StoreResult<Vec<FlowSummary>> {
    let rows: Vec<(String, String, String, String, String, i64, Option<i64>, bool, i64, i64)> = db::query_as(
        "SELECT fl.id, f.workflow_id, fl.form_id, f.name, fl.name, fl.version, fl.published_version, fl.enabled,
            json_array_length(fl.graph, '$.blocks'), fl.updated_at
         FROM flows fl JOIN forms f ON f.id = fl.form_id
         WHERE (CAST(?1 AS TEXT) IS NULL OR fl.form_id = ?1) AND (CAST(?2 AS TEXT) IS NULL OR f.workflow_id = ?2)
         ORDER BY f.name, fl.name",
    )
    .bind(form_id)
    .bind(workflow_id)
    .fetch_all(store.db())
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, workflow_id, form_id, form_name, name, version, published_version, enabled, blocks, updated_at)| FlowSummary {
            id,
            workflow_id,
            form_id,
            form_name,
            name,
            version,
            published_version,
            draft_version: draft_version(version, published_version),
            enabled,
            blocks,
            updated_at: clock::rfc3339(updated_at),
        })
        .collect())
}

/// The note of a version written by a save (the designer's autosave included).
const SAVED: &str = "saved";

/// The trigger blocks with a step connected to them in the published versions of a
/// workflow's flows (what runs), by flow name.
pub async fn list_flow_triggers(store: &Store, workflow_id: &str) -> StoreResult<Vec<FlowTrigger>> {
    let rows: Vec<(String, String, String, String)> = db::query_as(
        "SELECT DISTINCT fl.id, fl.name, fl.form_id, json_extract(b.value, '$.trigger')
         FROM flows fl JOIN forms f ON f.id = fl.form_id, json_each(fl.published_graph, '$.blocks') b
         WHERE f.workflow_id = ?1 AND json_extract(b.value, '$.kind') = 'trigger' AND json_extract(b.value, '$.trigger') IS NOT NULL
           AND EXISTS (SELECT 1 FROM json_each(fl.published_graph, '$.edges') e WHERE json_extract(e.value, '$.from') = json_extract(b.value, '$.id'))
         ORDER BY fl.name, fl.id, 4",
    )
    .bind(workflow_id)
    .fetch_all(store.db())
    .await?;
    Ok(rows.into_iter().map(|(flow_id, flow_name, form_id, trigger)| FlowTrigger { flow_id, flow_name, form_id, trigger }).collect())
}

/// Writes a new version over `base_version`, refusing (409) when someone saved since, and
/// turns the flow on or off when `enabled` says so.
/// What a save may change besides the graph; `None` leaves it as it is (a limit of 0
/// removes the limit).
#[derive(Default)]
struct FlowSettings {
    enabled: Option<bool>,
    max_concurrent_runs: Option<u32>,
}

#[allow(clippy::too_many_arguments)]
async fn write_version(
    store: &Store,
    id: &str,
    base_version: i64,
    name: &str,
    graph: &Graph,
    settings: FlowSettings,
    actor: Option<&Actor>,
    note: &str,
) -> StoreResult<Flow> {
    let now = clock::now_millis();
    let graph_json = to_json(graph);
    let mut tx = write_tx(store).await?;
    let current: Option<i64> = db::query_scalar("SELECT version FROM flows WHERE id = ?").bind(id).fetch_optional(&mut *tx).await?;
    let current = current.ok_or_else(|| StoreError::NotFound(format!("No flow with id {id}.")))?;
    if current != base_version {
        return Err(StoreError::Conflict(format!(
            "This flow changed since you opened it: you edited version {base_version}, and version {current} has been saved since. \
             Your edits were not saved; reload the flow to see the newer version, then redo them."
        )));
    }
    let version = current + 1;
    if note == SAVED {
        // One editor's consecutive saves of a draft are one version in the history: the
        // previous one goes unless it ever ran or was made another way (created, restored).
        db::query(
            "DELETE FROM flow_versions WHERE flow_id = ?1 AND version = ?2 AND note = ?3 AND saved_by IS NOT DISTINCT FROM ?4
                AND NOT EXISTS (SELECT 1 FROM flow_publications p WHERE p.flow_id = ?1 AND p.version = ?2)",
        )
        .bind(id)
        .bind(current)
        .bind(SAVED)
        .bind(actor.map(|actor| actor.user_id))
        .execute(&mut *tx)
        .await?;
    }
    db::query(
        "UPDATE flows SET name = ?1, version = ?2, graph = ?3, enabled = COALESCE(?4, enabled),
            max_concurrent_runs = CASE CAST(?5 AS BIGINT) WHEN 0 THEN NULL ELSE COALESCE(?5, max_concurrent_runs) END, updated_at = ?6
         WHERE id = ?7",
    )
    .bind(name)
    .bind(version)
    .bind(&graph_json)
    .bind(settings.enabled)
    .bind(settings.max_concurrent_runs)
    .bind(now)
    .bind(id)
    .execute(&mut *tx)
    .await
    .map_err(conflict_on_unique(name_taken(name)))?;
    insert_version(&mut tx, id, version, name, graph, &graph_json, actor, note, now).await?;
    if settings.enabled == Some(false) {
        // Turned off, its schedules stop; turned on again, they start from then.
        db::query("DELETE FROM flow_schedules WHERE flow_id = ?").bind(id).execute(&mut *tx).await?;
    }
    tx.commit().await?;
    get_flow(store, id).await
}

/// Saves the whole graph as a new version (and turns the flow on or off when the save says
/// so). Incomplete flows are kept (with warnings); cycles, dangling edges and unknown step
/// types are refused.
pub async fn save_flow(store: &Store, id: &str, save: &FlowSave, actor: Option<&Actor>) -> StoreResult<Flow> {
    let name = checked_name("A flow name", &save.name)?;
    let flow = get_flow(store, id).await?;
    let form = super::get_form(store, &flow.form_id).await?;
    checked_graph(&form, &save.blocks, &save.edges)?;
    let settings = FlowSettings {
        enabled: save.enabled,
        max_concurrent_runs: checked_limit("maxConcurrentRuns", save.max_concurrent_runs, MAX_CONCURRENT_RUNS, true)?,
    };
    let graph = Graph { blocks: save.blocks.clone(), edges: save.edges.clone() };
    let saved = write_version(store, id, save.base_version, name, &graph, settings, actor, SAVED).await?;
    audit::record_change(store, actor, Change::updated("flow", id, &saved.name, &audited(&flow), &audited(&saved))).await?;
    Ok(saved)
}

/// Deletes a flow and its history.
pub async fn delete_flow(store: &Store, id: &str, actor: Option<&Actor>) -> StoreResult<()> {
    let flow = get_flow(store, id).await?;
    let mut tx = write_tx(store).await?;
    let deleted = db::query("DELETE FROM flows WHERE id = ?").bind(id).execute(&mut *tx).await?;
    tx.commit().await?;
    if deleted.rows_affected() == 0 {
        return Err(StoreError::NotFound(format!("No flow with id {id}.")));
    }
    audit::record_change(store, actor, Change::deleted("flow", id, &flow.name, &audited(&flow))).await
}

crate::row_struct! {
struct VersionRow {
    version: i64,
    name: String,
    blocks: i64,
    edges: i64,
    created_at: i64,
    saved_by: Option<String>,
    note: String,
}
}

impl From<VersionRow> for FlowVersion {
    fn from(row: VersionRow) -> FlowVersion {
        FlowVersion {
            version: row.version,
            name: row.name,
            blocks: row.blocks,
            edges: row.edges,
            created_at: clock::rfc3339(row.created_at),
            saved_by: row.saved_by,
            note: row.note,
            publications: Vec::new(),
        }
    }
}

const SELECT_VERSION: &str = "SELECT v.version, v.name, v.blocks, v.edges, v.created_at, u.target_name AS saved_by, v.note
    FROM flow_versions v LEFT JOIN users u ON u.id = v.saved_by";

/// The history of a flow, newest first, with when each version was made the running one.
pub async fn list_flow_versions(store: &Store, id: &str) -> StoreResult<Vec<FlowVersion>> {
    get_flow(store, id).await?;
    let rows: Vec<VersionRow> =
        db::query_as(&format!("{SELECT_VERSION} WHERE v.flow_id = ? ORDER BY v.version DESC")).bind(id).fetch_all(store.db()).await?;
    let mut versions: Vec<FlowVersion> = rows.into_iter().map(FlowVersion::from).collect();
    // In the order they were made, SQLite's `rowid` order (PostgreSQL has none) for those made
    // in different milliseconds (`published_at` is its transaction's clock); `version` within one.
    let publications: Vec<(i64, i64, Option<String>, String)> = db::query_as(
        "SELECT p.version, p.published_at, u.target_name, p.note FROM flow_publications p LEFT JOIN users u ON u.id = p.published_by
         WHERE p.flow_id = ? ORDER BY p.published_at, p.version",
    )
    .bind(id)
    .fetch_all(store.db())
    .await?;
    for (version, published_at, published_by, note) in publications {
        let how = PublishedHow::from_key(&note).ok_or_else(|| StoreError::Corrupt(format!("flow_publications.note: {note}")))?;
        if let Some(entry) = versions.iter_mut().find(|entry| entry.version == version) {
            entry.publications.push(Publication { published_at: clock::rfc3339(published_at), published_by, how });
        }
    }
    Ok(versions)
}

/// One version with its graph, as an export document.
pub async fn get_flow_version(store: &Store, id: &str, version: i64) -> StoreResult<FlowVersionDetail> {
    let flow = get_flow(store, id).await?;
    let row: Option<VersionRow> =
        db::query_as(&format!("{SELECT_VERSION} WHERE v.flow_id = ? AND v.version = ?")).bind(id).bind(version).fetch_optional(store.db()).await?;
    let row = row.ok_or_else(|| StoreError::NotFound(format!("Flow {id} has no version {version}.")))?;
    let graph_text: String =
        db::query_scalar("SELECT graph FROM flow_versions WHERE flow_id = ? AND version = ?").bind(id).bind(version).fetch_one(store.db()).await?;
    let graph: Graph = from_json("flow_versions.graph", &graph_text)?;
    let document =
        FlowDocument { name: row.name.clone(), form_id: flow.form_id, blocks: graph.blocks, edges: graph.edges, max_concurrent_runs: None };
    Ok(FlowVersionDetail { version: row.into(), document })
}

/// Makes an old version the newest again (as a new version; nothing is lost).
pub async fn restore_flow_version(store: &Store, id: &str, version: i64, actor: Option<&Actor>) -> StoreResult<Flow> {
    let flow = get_flow(store, id).await?;
    let old = get_flow_version(store, id, version).await?;
    let graph = Graph { blocks: old.document.blocks, edges: old.document.edges };
    let restored =
        write_version(store, id, flow.version, &old.document.name, &graph, FlowSettings::default(), actor, &format!("restored from {version}"))
            .await?;
    audit::record_change(store, actor, Change::updated("flow", id, &restored.name, &audited(&flow), &audited(&restored))).await?;
    Ok(restored)
}
