//! Workflow membership as stored: who belongs to which workflow. What membership allows is
//! decided in `crate::ops`.

use super::Store;
use outflow_model::access::{AuditAction, Members};

use super::{
    Actor, StoreError, StoreResult,
    audit::{self, Change},
    db,
};

/// Whether the user is a member of the workflow.
pub async fn is_member(store: &Store, user_id: i64, workflow_id: &str) -> StoreResult<bool> {
    let member: Option<i64> = db::query_scalar("SELECT 1 FROM workflow_members WHERE workflow_id = ? AND user_id = ?")
        .bind(workflow_id)
        .bind(user_id)
        .fetch_optional(store.db())
        .await?;
    Ok(member.is_some())
}

/// The ids of the workflows the user is a member of.
pub async fn workflows_of_member(store: &Store, user_id: i64) -> StoreResult<Vec<String>> {
    Ok(db::query_scalar("SELECT workflow_id FROM workflow_members WHERE user_id = ? ORDER BY workflow_id")
        .bind(user_id)
        .fetch_all(store.db())
        .await?)
}

pub async fn list_members(store: &Store, workflow_id: &str) -> StoreResult<Members> {
    super::get_workflow(store, workflow_id).await?;
    let members = db::query_scalar(
        "SELECT u.target_name FROM workflow_members m JOIN users u ON u.id = m.user_id WHERE m.workflow_id = ? ORDER BY u.target_name",
    )
    .bind(workflow_id)
    .fetch_all(store.db())
    .await?;
    Ok(Members { members })
}

/// Replaces a workflow's members; every name must be an existing user.
pub async fn set_members(store: &Store, actor: Option<&Actor>, workflow_id: &str, members: &Members) -> StoreResult<Members> {
    let workflow = super::get_workflow(store, workflow_id).await?;
    let before = list_members(store, workflow_id).await?;
    let mut names = members.members.clone();
    names.sort();
    names.dedup();
    let mut tx = super::write_tx(store).await?;
    db::query("DELETE FROM workflow_members WHERE workflow_id = ?").bind(workflow_id).execute(&mut *tx).await?;
    for name in &names {
        let added = db::query("INSERT INTO workflow_members (workflow_id, user_id) SELECT ?, id FROM users WHERE target_name = ?")
            .bind(workflow_id)
            .bind(name)
            .execute(&mut *tx)
            .await?;
        if added.rows_affected() == 0 {
            return Err(StoreError::invalid(format!("There is no user named \"{name}\".")));
        }
    }
    let after = Members { members: names };
    let change = Change {
        action: AuditAction::Update,
        kind: "workflow members",
        id: workflow_id,
        name: &workflow.name,
        before: Some(audit::snapshot(&before)),
        after: Some(audit::snapshot(&after)),
    };
    audit::record(&mut tx, actor, change).await?;
    tx.commit().await?;
    Ok(after)
}
