//! Workflows (SPEC §1): named containers owned by the user who created them.

use super::Store;
use outflow_model::workflows::Workflow;

use super::{
    Actor, StoreError, StoreResult,
    audit::{self, Change},
    checked_name, conflict_on_unique, db,
};
use crate::{clock, ids::new_id};

crate::row_struct! {
struct WorkflowRow {
    id: String,
    name: String,
    created_at: i64,
}
}

impl From<WorkflowRow> for Workflow {
    fn from(row: WorkflowRow) -> Self {
        Workflow { id: row.id, name: row.name, created_at: clock::rfc3339(row.created_at) }
    }
}

/// Creates a workflow owned by `actor`, who becomes its first member.
pub async fn create_workflow(store: &Store, actor: Option<&Actor>, name: &str) -> StoreResult<Workflow> {
    let name = checked_name("A workflow name", name)?;
    let row = WorkflowRow { id: new_id("wf"), name: name.to_string(), created_at: clock::now_millis() };
    let owner = actor.map(|actor| actor.user_id);
    let mut tx = super::write_tx(store).await?;
    db::query("INSERT INTO workflows (id, name, owner_user_id, created_at) VALUES (?, ?, ?, ?)")
        .bind(&row.id)
        .bind(&row.name)
        .bind(owner)
        .bind(row.created_at)
        .execute(&mut *tx)
        .await
        .map_err(conflict_on_unique(|| format!("A workflow named \"{name}\" already exists.")))?;
    if let Some(owner) = owner {
        db::query("INSERT INTO workflow_members (workflow_id, user_id) VALUES (?, ?)").bind(&row.id).bind(owner).execute(&mut *tx).await?;
    }
    let workflow = Workflow::from(row);
    let change = Change::created("workflow", &workflow.id, &workflow.name, &workflow);
    audit::record(&mut tx, actor, change).await?;
    tx.commit().await?;
    Ok(workflow)
}

/// The workflows `principal` may see, by name.
/// Workflows by name; only those of `workflows` when given (`None`: every one).
pub async fn list_workflows(store: &Store, workflows: Option<&[String]>) -> StoreResult<Vec<Workflow>> {
    let rows: Vec<WorkflowRow> = db::query_as(
        "SELECT id, name, created_at FROM workflows WHERE CAST(?1 AS TEXT) IS NULL OR id IN (SELECT value FROM json_each(?1)) ORDER BY name",
    )
    .bind(workflows.map(super::to_json))
    .fetch_all(store.db())
    .await?;
    Ok(rows.into_iter().map(Workflow::from).collect())
}

pub async fn get_workflow(store: &Store, id: &str) -> StoreResult<Workflow> {
    let row: Option<WorkflowRow> =
        db::query_as("SELECT id, name, created_at FROM workflows WHERE id = ?").bind(id).fetch_optional(store.db()).await?;
    row.map(Workflow::from).ok_or_else(|| StoreError::NotFound(format!("No workflow with id {id}.")))
}
