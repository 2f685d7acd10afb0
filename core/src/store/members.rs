//! Workflow membership: besides admins, only a workflow's members see it and (as
//! developers) change it. To anyone else its objects answer "not found", exactly like
//! objects that do not exist, so ids of other teams' workflows reveal nothing.

use outflow_model::{
    access::{AuditAction, Members},
    endpoints::Endpoint,
    flows::Flow,
    forms::Form,
    integrations::Integration,
};
use sqlx::SqlitePool;

use super::{Actor, Principal, StoreError, StoreResult, audit::{self, Change}};

/// Whether `principal` may see workflow `workflow_id` (admins see every workflow).
pub async fn can_see_workflow(pool: &SqlitePool, principal: &Principal, workflow_id: &str) -> StoreResult<bool> {
    if principal.is_admin() {
        return Ok(true);
    }
    let member: Option<i64> = sqlx::query_scalar("SELECT 1 FROM workflow_members WHERE workflow_id = ? AND user_id = ?")
        .bind(workflow_id)
        .bind(principal.user_id)
        .fetch_optional(pool)
        .await?;
    Ok(member.is_some())
}

/// Refuses with "not found" (`what`, e.g. "No endpoint with id ep_…") unless the principal
/// may see the workflow the object belongs to.
pub async fn ensure_workflow_access(pool: &SqlitePool, principal: &Principal, workflow_id: &str, what: impl FnOnce() -> String) -> StoreResult<()> {
    if can_see_workflow(pool, principal, workflow_id).await? { Ok(()) } else { Err(StoreError::NotFound(what())) }
}

/// The ids of the workflows a non-admin may see; `None` for an admin (all of them).
pub async fn visible_workflow_ids(pool: &SqlitePool, principal: &Principal) -> StoreResult<Option<Vec<String>>> {
    if principal.is_admin() {
        return Ok(None);
    }
    let ids = sqlx::query_scalar("SELECT workflow_id FROM workflow_members WHERE user_id = ? ORDER BY workflow_id")
        .bind(principal.user_id)
        .fetch_all(pool)
        .await?;
    Ok(Some(ids))
}

pub async fn list_members(pool: &SqlitePool, workflow_id: &str) -> StoreResult<Members> {
    super::get_workflow(pool, workflow_id).await?;
    let members = sqlx::query_scalar(
        "SELECT u.target_name FROM workflow_members m JOIN users u ON u.id = m.user_id WHERE m.workflow_id = ? ORDER BY u.target_name",
    )
    .bind(workflow_id)
    .fetch_all(pool)
    .await?;
    Ok(Members { members })
}

/// Replaces a workflow's members; every name must be an existing user.
pub async fn set_members(pool: &SqlitePool, actor: Option<&Actor>, workflow_id: &str, members: &Members) -> StoreResult<Members> {
    let workflow = super::get_workflow(pool, workflow_id).await?;
    let before = list_members(pool, workflow_id).await?;
    let mut names = members.members.clone();
    names.sort();
    names.dedup();
    let mut tx = super::write_tx(pool).await?;
    sqlx::query("DELETE FROM workflow_members WHERE workflow_id = ?").bind(workflow_id).execute(&mut *tx).await?;
    for name in &names {
        let added = sqlx::query("INSERT INTO workflow_members (workflow_id, user_id) SELECT ?, id FROM users WHERE target_name = ?")
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

/// The form, if it exists in a workflow the principal may see.
pub async fn visible_form(pool: &SqlitePool, principal: &Principal, id: &str) -> StoreResult<Form> {
    let form = super::get_form(pool, id).await?;
    ensure_workflow_access(pool, principal, &form.workflow_id, || format!("No form with id {id}.")).await?;
    Ok(form)
}

/// The endpoint (secrets masked), if it exists in a workflow the principal may see.
pub async fn visible_endpoint(pool: &SqlitePool, principal: &Principal, id: &str) -> StoreResult<Endpoint> {
    let endpoint = super::get_endpoint(pool, id).await?;
    ensure_workflow_access(pool, principal, &endpoint.workflow_id, || format!("No endpoint with id {id}.")).await?;
    Ok(endpoint)
}

/// The integration, if it exists in a workflow the principal may see.
pub async fn visible_integration(pool: &SqlitePool, principal: &Principal, id: &str) -> StoreResult<Integration> {
    let integration = super::get_integration(pool, id).await?;
    ensure_workflow_access(pool, principal, &integration.workflow_id, || format!("No integration with id {id}.")).await?;
    Ok(integration)
}

/// The flow, if it exists in a workflow the principal may see.
pub async fn visible_flow(pool: &SqlitePool, principal: &Principal, id: &str) -> StoreResult<Flow> {
    let flow = super::get_flow(pool, id).await?;
    ensure_workflow_access(pool, principal, &flow.workflow_id, || format!("No flow with id {id}.")).await?;
    Ok(flow)
}

/// Refuses a run of an integration or flow in a workflow the principal may not see. Runs
/// whose integration is gone belong to no workflow any more and stay visible; flow runs
/// keep their workflow.
pub async fn ensure_run_visible(pool: &SqlitePool, principal: &Principal, id: &str) -> StoreResult<()> {
    if let Some(workflow_id) = super::flow_runs::flow_run_workflow(pool, id).await? {
        return ensure_workflow_access(pool, principal, &workflow_id, || format!("No run with id {id}.")).await;
    }
    let run = super::get_run(pool, id).await?;
    if let Some(integration_id) = &run.summary.integration_id {
        if let Ok(integration) = super::get_integration(pool, integration_id).await {
            ensure_workflow_access(pool, principal, &integration.workflow_id, || format!("No run with id {id}.")).await?;
        }
    }
    Ok(())
}

/// Refuses a form of a workflow the principal may not see, as if it did not exist. A form
/// that does not exist at all passes: the store's own check then refuses it as bad input.
pub async fn ensure_form_usable(pool: &SqlitePool, principal: &Principal, form_id: &str) -> StoreResult<()> {
    if principal.is_admin() {
        return Ok(());
    }
    match super::get_form(pool, form_id).await {
        Ok(form) => ensure_workflow_access(pool, principal, &form.workflow_id, || format!("There is no form with id \"{form_id}\".")).await,
        Err(StoreError::NotFound(_)) => Ok(()),
        Err(error) => Err(error),
    }
}
