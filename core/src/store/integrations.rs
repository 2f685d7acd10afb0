//! Outbound integrations (SPEC §4): one per trigger per form; a webhook, script or agent
//! action; where it runs; enabled or not.

use super::Store;
use outflow_model::{
    integrations::{Integration, IntegrationAction, IntegrationPatch, LastRun, Location, NewIntegration},
    runs::RunStatus,
    trigger::Trigger,
};

use super::{
    Actor, StoreError, StoreResult, agents,
    audit::{self, Change},
    checked_name, conflict_on_unique, db, from_json, to_json,
};
use crate::{clock, default_scripts::default_script, ids::new_id};

/// Largest script an integration may hold.
pub const MAX_SCRIPT_BYTES: usize = 256 * 1024;

crate::row_struct! {
struct IntegrationRow {
    id: String,
    workflow_id: String,
    form_id: String,
    form_name: String,
    name: String,
    trigger: String,
    action: String,
    location: String,
    enabled: bool,
    created_at: i64,
    last_run_id: Option<String>,
    last_run_status: Option<String>,
    last_run_at: Option<i64>,
}
}

const SELECT_INTEGRATION: &str = "SELECT i.id, f.workflow_id, i.form_id, f.name AS form_name, i.name, i.trigger, i.action, i.location,
        i.enabled, i.created_at, r.id AS last_run_id, r.status AS last_run_status, r.created_at AS last_run_at
    FROM integrations i JOIN forms f ON f.id = i.form_id
    LEFT JOIN runs r ON r.id = (SELECT id FROM runs WHERE integration_id = i.id ORDER BY created_at DESC, id DESC LIMIT 1)";

impl TryFrom<IntegrationRow> for Integration {
    type Error = StoreError;

    fn try_from(row: IntegrationRow) -> StoreResult<Integration> {
        let last_run = match (row.last_run_id, row.last_run_status.as_deref().and_then(RunStatus::from_key), row.last_run_at) {
            (Some(id), Some(status), Some(at)) => Some(LastRun { id, status, created_at: clock::rfc3339(at) }),
            _ => None,
        };
        Ok(Integration {
            trigger: Trigger::from_key(&row.trigger).ok_or_else(|| StoreError::Corrupt(format!("trigger {}", row.trigger)))?,
            action: from_json("integrations.action", &row.action)?,
            location: from_json("integrations.location", &row.location)?,
            id: row.id,
            workflow_id: row.workflow_id,
            form_id: row.form_id,
            form_name: row.form_name,
            name: row.name,
            enabled: row.enabled,
            created_at: clock::rfc3339(row.created_at),
            last_run,
        })
    }
}

/// Refuses a second integration for the same form and trigger, naming the first.
async fn ensure_trigger_free(store: &Store, form_id: &str, trigger: Trigger, except: Option<&str>) -> StoreResult<()> {
    let existing: Option<String> = db::query_scalar("SELECT name FROM integrations WHERE form_id = ? AND trigger = ? AND id IS DISTINCT FROM ?")
        .bind(form_id)
        .bind(trigger.key())
        .bind(except)
        .fetch_optional(store.db())
        .await?;
    match existing {
        Some(name) => Err(StoreError::Conflict(format!(
            "This form already has an integration for {}: \"{name}\". Only one per trigger is allowed; use a flow for multi-step fan-out.",
            trigger.display_name()
        ))),
        None => Ok(()),
    }
}

fn check_trigger(trigger: Trigger) -> StoreResult<()> {
    if trigger.flow_native() {
        return Err(StoreError::invalid("The Responses trigger starts flows only; integrations use \"response\" (Notification Responses)."));
    }
    Ok(())
}

/// Checks the action against the form's workflow; fills an empty script with the default.
async fn checked_action(
    store: &Store,
    actor: Option<&Actor>,
    workflow_id: &str,
    trigger: Trigger,
    action: &IntegrationAction,
) -> StoreResult<IntegrationAction> {
    match action {
        IntegrationAction::Webhook { endpoint_id, path } => {
            let owner: Option<String> =
                db::query_scalar("SELECT workflow_id FROM endpoints WHERE id = ?").bind(endpoint_id).fetch_optional(store.db()).await?;
            if owner.as_deref() != Some(workflow_id) {
                return Err(StoreError::invalid(format!("This workflow has no endpoint with id \"{endpoint_id}\".")));
            }
            Ok(IntegrationAction::Webhook { endpoint_id: endpoint_id.clone(), path: path.trim().to_string() })
        }
        IntegrationAction::Script { script } if script.trim().is_empty() => Ok(IntegrationAction::Script { script: default_script(trigger) }),
        IntegrationAction::Script { script } if script.len() > MAX_SCRIPT_BYTES => {
            Err(StoreError::invalid(format!("A script is at most {} KiB.", MAX_SCRIPT_BYTES / 1024)))
        }
        IntegrationAction::Script { .. } => Ok(action.clone()),
        IntegrationAction::Agent { service, agent_id } => {
            let service = checked_name("An integration service name", service)?.to_string();
            let agent_id = agent_id.as_deref().map(str::trim).filter(|id| !id.is_empty()).map(str::to_string);
            if let Some(agent) = &agent_id {
                agents::ensure_agents_selectable(store, actor, std::slice::from_ref(agent)).await?;
            }
            Ok(IntegrationAction::Agent { service, agent_id })
        }
        IntegrationAction::FlowsOnly => Ok(IntegrationAction::FlowsOnly),
    }
}

/// Cloud, or registered agents the acting user may pick (SPEC §4 "Location").
async fn check_location(store: &Store, actor: Option<&Actor>, location: &Location) -> StoreResult<()> {
    match location {
        Location::Cloud => Ok(()),
        Location::Agents { agents } if agents.is_empty() => Err(StoreError::invalid("An Agents location names at least one agent.")),
        Location::Agents { agents } => agents::ensure_agents_selectable(store, actor, agents).await,
    }
}

pub async fn create_integration(store: &Store, actor: Option<&Actor>, input: &NewIntegration) -> StoreResult<Integration> {
    let name = checked_name("An integration name", &input.name)?;
    check_trigger(input.trigger)?;
    check_location(store, actor, &input.location).await?;
    let form = super::get_form(store, &input.form_id).await.map_err(|error| match error {
        StoreError::NotFound(_) => StoreError::invalid(format!("There is no form with id \"{}\".", input.form_id)),
        other => other,
    })?;
    let action = checked_action(store, actor, &form.workflow_id, input.trigger, &input.action).await?;
    ensure_trigger_free(store, &form.id, input.trigger, None).await?;
    let id = new_id("in");
    let now = clock::now_millis();
    db::query(
        "INSERT INTO integrations (id, form_id, name, trigger, action, location, enabled, created_at, updated_at, saved_by_user_id)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&id)
    .bind(&form.id)
    .bind(name)
    .bind(input.trigger.key())
    .bind(to_json(&action))
    .bind(to_json(&input.location))
    .bind(input.enabled)
    .bind(now)
    .bind(now)
    .bind(actor.map(|actor| actor.user_id))
    .execute(store.db())
    .await
    .map_err(conflict_on_unique(|| format!("This form already has an integration for {}.", input.trigger.display_name())))?;
    let integration = get_integration(store, &id).await?;
    audit::record_change(store, actor, Change::created("integration", &id, &integration.name, &integration)).await?;
    Ok(integration)
}

pub async fn get_integration(store: &Store, id: &str) -> StoreResult<Integration> {
    let row: Option<IntegrationRow> = db::query_as(&format!("{SELECT_INTEGRATION} WHERE i.id = ?")).bind(id).fetch_optional(store.db()).await?;
    row.ok_or_else(|| StoreError::NotFound(format!("No integration with id {id}.")))?.try_into()
}

/// The integrations of a workflow (or of every workflow), by form and trigger.
pub async fn list_integrations(store: &Store, workflow_id: Option<&str>) -> StoreResult<Vec<Integration>> {
    let rows: Vec<IntegrationRow> =
        db::query_as(&format!("{SELECT_INTEGRATION} WHERE CAST(?1 AS TEXT) IS NULL OR f.workflow_id = ?1 ORDER BY f.name, i.trigger, i.name, i.id"))
            .bind(workflow_id)
            .fetch_all(store.db())
            .await?;
    rows.into_iter().map(Integration::try_from).collect()
}

/// Changes an integration. A new trigger keeps the script as it is (SPEC §4).
pub async fn update_integration(store: &Store, actor: Option<&Actor>, id: &str, patch: &IntegrationPatch) -> StoreResult<Integration> {
    let current = get_integration(store, id).await?;
    let name = checked_name("An integration name", patch.name.as_deref().unwrap_or(&current.name))?.to_string();
    let trigger = patch.trigger.unwrap_or(current.trigger);
    check_trigger(trigger)?;
    let location = patch.location.clone().unwrap_or(current.location.clone());
    if patch.location.is_some() {
        check_location(store, actor, &location).await?;
    }
    let action = match &patch.action {
        Some(action) => checked_action(store, actor, &current.workflow_id, trigger, action).await?,
        None => current.action.clone(),
    };
    if trigger != current.trigger {
        ensure_trigger_free(store, &current.form_id, trigger, Some(id)).await?;
    }
    db::query(
        "UPDATE integrations SET name = ?, trigger = ?, action = ?, location = ?, enabled = ?, updated_at = ?,
                saved_by_user_id = COALESCE(?, saved_by_user_id) WHERE id = ?",
    )
    .bind(&name)
    .bind(trigger.key())
    .bind(to_json(&action))
    .bind(to_json(&location))
    .bind(patch.enabled.unwrap_or(current.enabled))
    .bind(clock::now_millis())
    .bind(actor.map(|actor| actor.user_id))
    .bind(id)
    .execute(store.db())
    .await
    .map_err(conflict_on_unique(|| format!("This form already has an integration for {}.", trigger.display_name())))?;
    let after = get_integration(store, id).await?;
    audit::record_change(store, actor, Change::updated("integration", id, &after.name, &current, &after)).await?;
    Ok(after)
}

/// Deletes an integration; its past runs stay in the Activity view.
pub async fn delete_integration(store: &Store, actor: Option<&Actor>, id: &str) -> StoreResult<()> {
    let before = get_integration(store, id).await?;
    let deleted = db::query("DELETE FROM integrations WHERE id = ?").bind(id).execute(store.db()).await?;
    if deleted.rows_affected() == 0 {
        return Err(StoreError::NotFound(format!("No integration with id {id}.")));
    }
    audit::record_change(store, actor, Change::deleted("integration", id, &before.name, &before)).await
}
