//! Workflows (SPEC §1): named containers owned by the user who created them.

use sqlx::SqlitePool;

use super::{StoreError, StoreResult, is_unique_violation, now_millis};
use crate::ids::new_id;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Workflow {
    pub id: String,
    pub name: String,
    pub created_at: i64,
}

pub async fn create_workflow(pool: &SqlitePool, name: &str, owner_user_id: i64) -> StoreResult<Workflow> {
    let workflow = Workflow { id: new_id("wf"), name: name.to_string(), created_at: now_millis() };
    sqlx::query("INSERT INTO workflows (id, name, owner_user_id, created_at) VALUES (?, ?, ?, ?)")
        .bind(&workflow.id)
        .bind(&workflow.name)
        .bind(owner_user_id)
        .bind(workflow.created_at)
        .execute(pool)
        .await
        .map_err(|error| {
            if is_unique_violation(&error) {
                StoreError::Conflict(format!("A workflow named \"{name}\" already exists."))
            } else {
                error.into()
            }
        })?;
    Ok(workflow)
}

pub async fn list_workflows(pool: &SqlitePool) -> StoreResult<Vec<Workflow>> {
    Ok(sqlx::query_as("SELECT id, name, created_at FROM workflows ORDER BY name").fetch_all(pool).await?)
}

pub async fn get_workflow(pool: &SqlitePool, id: &str) -> StoreResult<Workflow> {
    sqlx::query_as("SELECT id, name, created_at FROM workflows WHERE id = ?")
        .bind(id)
        .fetch_optional(pool)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("No workflow with id {id}.")))
}
