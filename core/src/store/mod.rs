//! The only place that speaks SQL. [`Store`] opens the database, runs the embedded migrations
//! and owns what the store keeps in memory; the typed functions here take it and offer the
//! rest of Outflow its data; row structs never leave this module. Keeping SQL here is what
//! lets a PostgreSQL backend be added without touching routes.

mod agents;
mod alert_start;
mod alerts;
mod api_keys;
mod audit;
mod copy;
pub(crate) mod db;
mod delivery;
mod endpoints;
mod escalation;
mod events;
mod flow_calls;
mod flow_iterations;
mod flow_restarts;
mod flow_runs;
mod flow_schedules;
mod flows;
mod forms;
mod handle;
mod health;
mod instances;
mod integrations;
mod interactions;
mod members;
mod migrations;
mod people;
mod principals;
mod queues;
mod runs;
mod script_resources;
mod sessions;
mod workflows;
mod writer;

pub use writer::WriteCounts;

use serde_json::Value;

pub use agents::{
    AgentRunJob, agent_for_token, create_agent, defer_agent_run, delete_agent, get_agent, has_agent_work, lease_agent_run, list_agents,
    record_agent_report, record_heartbeat, set_agent_users,
};
pub use alerts::{AlertWork, alert_workflow, change_status, create_alert, get_alert, list_alerts};
pub use api_keys::{create_api_key, list_api_keys, revoke_api_key};
pub use audit::{changes, list_audit, snapshot};
pub use copy::{CopyError, CopyReport, TableCount, copy_database};
pub use delivery::{DeliveryJob, DeliveryResult, claim_due_notifications, record_delivery};
pub use endpoints::{
    EndpointSecrets, create_endpoint, delete_endpoint, endpoint_secrets, endpoint_secrets_by_name, endpoint_with_workflow, get_endpoint,
    list_endpoints, update_endpoint,
};
pub use escalation::{escalate_manually, fire_due_escalations, next_escalation_due};
pub use flow_calls::{CalledRun, NewCall, flow_run_end, start_called_run};
pub use flow_restarts::restart_flow_run;
pub use flow_runs::{
    Edition, FLOW_RUN_LEASE_MS, FlowGraph, FlowRunJob, FlowRunLease, NewFlowRun, RunEnd, RunnableFlow, StepWrite, StoredStep, UnwrittenRun,
    chained_runs_since, claim_flow_runs, create_flow_run, get_flow_run, next_flow_wake, park_flow_run, prepare_flow_run, record_flow_steps,
    renew_flow_run_leases, runnable_flow, sample_payload, start_test_run,
};
pub use flow_schedules::{Advanced, ScheduleAdvance, ScheduledTrigger, advance_schedule, arm_schedule, scheduled_triggers};
pub use flows::{
    create_flow, delete_flow, get_flow, get_flow_version, import_flow, list_flow_triggers, list_flow_versions, list_flows, publish_flow,
    restore_flow_version, rollback_flow, save_flow,
};
pub use forms::{create_form, get_form, list_forms, update_form};
pub use handle::Store;
pub use health::{EndpointFigures, RunActivity, agents_online, endpoint_figures, latency_of, run_activity};
pub use integrations::{MAX_SCRIPT_BYTES, create_integration, delete_integration, get_integration, list_integrations, update_integration};
pub use interactions::{add_comment, add_response};
pub use members::{is_member, list_members, set_members, workflows_of_member};
pub use people::{
    add_device, create_group, create_user, delete_device, get_group, get_user, list_groups, list_users, update_device, update_group, update_user,
};
pub use principals::{
    Actor, BootstrapOutcome, Principal, Saved, admin_without_access, bootstrap_admin, hash_api_key, initiator_of_alert, principal_by_id,
    principal_for_api_key, saved_by,
};
pub use queues::{QueueDepths, queue_depths};
pub use runs::{
    AttemptRecord, AttemptResult, DISPATCH_BATCH, Dispatched, RunIntegration, RunJob, RunOutcome, claim_due_runs, dispatch_events, get_run,
    list_runs, record_attempts, rerun, run_workflow,
};
pub use script_resources::{NamedRow, Resource, create_named, delete_named, get_named, list_named, script_resources, update_named};
pub use sessions::{
    MIN_PASSWORD_CHARS, check_login, create_password_link, create_session, end_session, new_token, session_principal, set_password, use_password_link,
};
pub use workflows::{create_workflow, get_workflow, list_workflows};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The input breaks a rule; nothing was written.
    #[error("{message}")]
    Invalid { message: String, details: Value },
    /// The change clashes with what exists (a duplicate name, an illegal transition).
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    NotFound(String),
    /// The acting user may not do this (e.g. pick an agent they are not registered for).
    #[error("{0}")]
    Forbidden(String),
    #[error("database error: {0}")]
    Database(#[from] db::DbError),
    #[error("migration failed: {0}")]
    Migration(String),
    #[error("stored data is unreadable: {0}")]
    Corrupt(String),
    /// The write queue could not take or finish a job (see `writer`).
    #[error("database write failed: {0}")]
    Writer(String),
}

impl From<rusqlite::Error> for StoreError {
    fn from(error: rusqlite::Error) -> Self {
        StoreError::Database(error.into())
    }
}

impl StoreError {
    pub fn invalid(message: impl Into<String>) -> Self {
        StoreError::Invalid { message: message.into(), details: Value::Null }
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

/// Turns a unique-constraint failure into a conflict with the given message (answered as
/// 409, not 500).
pub(crate) fn conflict_on_unique(message: impl FnOnce() -> String) -> impl FnOnce(db::DbError) -> StoreError {
    move |error| if error.is_unique_violation() { StoreError::Conflict(message()) } else { error.into() }
}

/// Checks a name: trimmed, 1 to `NAME_CHARS` characters, none of them a control character.
/// Returns the trimmed name.
pub(crate) fn checked_name<'a>(what: &str, name: &'a str) -> StoreResult<&'a str> {
    let name = name.trim();
    let limit = outflow_model::limits::NAME_CHARS;
    if name.is_empty() || name.chars().count() > limit {
        return Err(StoreError::invalid(format!("{what} needs 1 to {limit} characters.")));
    }
    if name.chars().any(char::is_control) {
        return Err(StoreError::invalid(format!("{what} must not contain control characters (line breaks, tabs, NUL).")));
    }
    Ok(name)
}

/// Checks a limit (a flow's runs at once, an endpoint's requests per second or at once): `None`
/// keeps what is set, `Some(0)` removes it where `zero_removes` (a change), anything else
/// must be within `1..=highest`. `what` names the field as the API spells it.
pub(crate) fn checked_limit(what: &str, limit: Option<u32>, highest: u32, zero_removes: bool) -> StoreResult<Option<u32>> {
    match limit {
        Some(0) if zero_removes => Ok(Some(0)),
        Some(value) if !(1..=highest).contains(&value) => Err(StoreError::invalid(format!(
            "{what} must be between 1 and {highest}{}, not {value}.",
            if zero_removes { " (0 removes the limit)" } else { "" }
        ))),
        limit => Ok(limit),
    }
}

/// Reads a JSON column into its type; a failure means the database holds bad data.
pub(crate) fn from_json<T: serde::de::DeserializeOwned>(column: &str, text: &str) -> StoreResult<T> {
    serde_json::from_str(text).map_err(|error| StoreError::Corrupt(format!("{column}: {error}")))
}

/// Writes a value as a JSON column.
pub(crate) fn to_json<T: serde::Serialize + ?Sized>(value: &T) -> String {
    // Serialising model types (maps with string keys, plain structs) cannot fail.
    serde_json::to_string(value).unwrap_or_else(|_| "null".into())
}

/// A write transaction holding the store's write turn until it commits or drops (a drop
/// rolls it back).
pub(crate) struct WriteTx {
    tx: db::Tx,
    store: Store,
    _turn: tokio::sync::OwnedMutexGuard<()>,
}

impl std::ops::Deref for WriteTx {
    type Target = db::Tx;

    fn deref(&self) -> &Self::Target {
        &self.tx
    }
}

impl std::ops::DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.tx
    }
}

impl WriteTx {
    /// Commits. Every change to configuration (flows, endpoints, users, keys, members, …)
    /// goes through a `WriteTx`, so a commit moves the configuration generation; runs and
    /// alerts started go through the write queue and leave it alone (a delivery's record or a
    /// status change moves it: a cache refill, never a stale answer).
    pub(crate) async fn commit(self) -> StoreResult<()> {
        self.tx.commit().await?;
        self.store.configuration_changed();
        self.store.committed();
        Ok(())
    }
}

/// Starts a transaction that writes, under the store's write turn: on SQLite on the writer's
/// connection, on PostgreSQL on a pooled one (see `Connection::begin_writing`).
pub(crate) async fn write_tx(store: &Store) -> StoreResult<WriteTx> {
    let turn = store.write_turn().await;
    let tx = store.begin().await?;
    Ok(WriteTx { tx, store: store.clone(), _turn: turn })
}

/// Frees the claims a previous process held when it stopped or crashed, so its unfinished
/// notifications and runs are taken up at once instead of after their lease. Only when no
/// other instance serves the database (always so on SQLite): any lease found then is a dead
/// one. While others run, their leases may be live, so nothing is freed, and a dead
/// instance's leases expire (notifications after 60 s, runs after 120 s, flow runs after
/// their lease, 60 s by default).
pub async fn release_leases(store: &Store) -> StoreResult<u64> {
    if store.others_alive().await? {
        return Ok(0);
    }
    let mut tx = write_tx(store).await?;
    let notifications =
        db::query("UPDATE notifications SET lease_until = NULL WHERE status = 'pending' AND lease_until IS NOT NULL").execute(&mut *tx).await?;
    let runs = db::query("UPDATE runs SET lease_until = NULL WHERE status = 'pending' AND lease_until IS NOT NULL").execute(&mut *tx).await?;
    let flow_runs = db::query("UPDATE flow_runs SET lease_until = NULL WHERE status IN ('pending', 'running') AND lease_until IS NOT NULL")
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(notifications.rows_affected() + runs.rows_affected() + flow_runs.rows_affected())
}
