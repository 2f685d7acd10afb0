//! Workflows (SPEC §1): named containers owned by the user who created them.

use outflow_model::workflows::Workflow;
use sqlx::SqlitePool;

use super::{StoreError, StoreResult, checked_name, conflict_on_unique};
use crate::{clock, ids::new_id};

#[derive(sqlx::FromRow)]
struct WorkflowRow {
    id: String,
    name: String,
    created_at: i64,
}

impl From<WorkflowRow> for Workflow {
    fn from(row: WorkflowRow) -> Self {
        Workflow { id: row.id, name: row.name, created_at: clock::rfc3339(row.created_at) }
    }
}

pub async fn create_workflow(pool: &SqlitePool, name: &str, owner_user_id: Option<i64>) -> StoreResult<Workflow> {
    let name = checked_name("A workflow name", name)?;
    let row = WorkflowRow { id: new_id("wf"), name: name.to_string(), created_at: clock::now_millis() };
    sqlx::query("INSERT INTO workflows (id, name, owner_user_id, created_at) VALUES (?, ?, ?, ?)")
        .bind(&row.id)
        .bind(&row.name)
        .bind(owner_user_id)
        .bind(row.created_at)
        .execute(pool)
        .await
        .map_err(conflict_on_unique(|| format!("A workflow named \"{name}\" already exists.")))?;
    Ok(row.into())
}

pub async fn list_workflows(pool: &SqlitePool) -> StoreResult<Vec<Workflow>> {
    let rows: Vec<WorkflowRow> = sqlx::query_as("SELECT id, name, created_at FROM workflows ORDER BY name").fetch_all(pool).await?;
    Ok(rows.into_iter().map(Workflow::from).collect())
}

pub async fn get_workflow(pool: &SqlitePool, id: &str) -> StoreResult<Workflow> {
    let row: Option<WorkflowRow> =
        sqlx::query_as("SELECT id, name, created_at FROM workflows WHERE id = ?").bind(id).fetch_optional(pool).await?;
    row.map(Workflow::from).ok_or_else(|| StoreError::NotFound(format!("No workflow with id {id}.")))
}
