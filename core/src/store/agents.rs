//! Integration Agents: the registry (agents, their hashed tokens, the users registered to
//! each), routing agent work at dispatch (SPEC §4 "Send to Integration Agent" and
//! "Location"), and the queue agents pull from. A queued run is leased to one agent at a
//! time by a compare-and-set in a write job; a report is accepted only from the agent
//! holding the run's current attempt, so a late report of an expired lease cannot overwrite
//! the attempt another agent made since. This module decides nothing about executing work.

use super::Store;
use super::db::{self, Connection, OptionalExtension, params};
use outflow_model::{
    agents::{Agent, AgentIdentity, AgentOutcome, AgentReport, AgentUsers, CreatedAgent, MAX_SERVICES, NewAgent, ONLINE_WINDOW_MS},
    integrations::{IntegrationAction, Location},
};

use super::{
    Actor, StoreError, StoreResult,
    audit::{self, Change},
    checked_name, conflict_on_unique, from_json, hash_api_key,
    runs::{RunJob, read_jobs},
    to_json,
};
use crate::{clock, ids::new_id};

/// Agent tokens start with this, so a leaked one is recognisable.
const TOKEN_PREFIX: &str = "ofa_";

/// Where dispatch sends one run.
pub(crate) enum Route {
    Cloud,
    Agents(AgentWork),
    /// Recorded as discarded with this reason.
    Discard(String),
}

/// Which agents may take a queued run: the named ones, else any serving the service.
pub(crate) struct AgentWork {
    pub service: Option<String>,
    pub targets: Option<Vec<String>>,
}

/// Routes an integration's run (SPEC §4): "Send to Integration Agent" goes to the agent
/// named, else to any agent serving the service, else is discarded; other actions run in
/// the cloud or on the agents of their location.
pub(crate) fn route(conn: &Connection, action: &IntegrationAction, location: &Location) -> StoreResult<Route> {
    let exists = |id: &str| -> StoreResult<bool> { Ok(conn.prepare_cached("SELECT 1 FROM agents WHERE id = ?")?.exists([id])?) };
    match (action, location) {
        (IntegrationAction::Agent { service, agent_id: Some(id) }, _) => Ok(if exists(id)? {
            Route::Agents(AgentWork { service: Some(service.clone()), targets: Some(vec![id.clone()]) })
        } else {
            Route::Discard(format!("The Integration Agent \"{id}\" is no longer registered; the webhook was discarded."))
        }),
        (IntegrationAction::Agent { service, agent_id: None }, _) => {
            let served = conn
                .prepare_cached("SELECT 1 FROM agents WHERE EXISTS (SELECT 1 FROM json_each(agents.services) WHERE value = ?)")?
                .exists([service])?;
            Ok(if served {
                Route::Agents(AgentWork { service: Some(service.clone()), targets: None })
            } else {
                Route::Discard(format!("No Integration Agent serves \"{service}\" and no agent id was given; the webhook was discarded."))
            })
        }
        (_, Location::Cloud) => Ok(Route::Cloud),
        (_, Location::Agents { agents }) => {
            let mut registered = Vec::with_capacity(agents.len());
            for id in agents {
                if exists(id)? {
                    registered.push(id.clone());
                }
            }
            Ok(if registered.is_empty() {
                Route::Discard("None of the agents this integration runs on is registered any more; nothing was sent.".into())
            } else {
                Route::Agents(AgentWork { service: None, targets: Some(registered) })
            })
        }
    }
}

/// The SQL condition "run `r` may go to the agent `?2` serving `?3` (a JSON array)"; `?1` is now.
const ELIGIBLE: &str = "r.status = 'queued' AND r.next_attempt_at <= ?1 AND (r.lease_until IS NULL OR r.lease_until < ?1)
     AND ((r.agent_targets IS NOT NULL AND EXISTS (SELECT 1 FROM json_each(r.agent_targets) WHERE value = ?2))
          OR (r.agent_targets IS NULL AND r.agent_service IN (SELECT value FROM json_each(?3))))";

crate::row_struct! {
struct AgentRow {
    id: String,
    name: String,
    services: String,
    version: Option<String>,
    last_heartbeat_at: Option<i64>,
    created_at: i64,
    users: String,
    queue_depth: i64,
}
}

const SELECT_AGENT: &str = "SELECT a.id, a.name, a.services, a.version, a.last_heartbeat_at, a.created_at,
    (SELECT json_group_array(target_name) FROM
        (SELECT u.target_name FROM agent_users au JOIN users u ON u.id = au.user_id WHERE au.agent_id = a.id ORDER BY u.target_name) AS registered) AS users,
    (SELECT COUNT(*) FROM runs r WHERE r.status = 'queued'
        AND ((r.agent_targets IS NOT NULL AND EXISTS (SELECT 1 FROM json_each(r.agent_targets) WHERE value = a.id))
             OR (r.agent_targets IS NULL AND r.agent_service IN (SELECT value FROM json_each(a.services))))) AS queue_depth
    FROM agents a";

impl AgentRow {
    fn into_agent(self, now: i64) -> StoreResult<Agent> {
        Ok(Agent {
            services: from_json("agents.services", &self.services)?,
            users: from_json("agents.users", &self.users)?,
            online: self.last_heartbeat_at.is_some_and(|at| now - at <= ONLINE_WINDOW_MS),
            last_heartbeat_at: self.last_heartbeat_at.map(clock::rfc3339),
            id: self.id,
            name: self.name,
            version: self.version,
            queue_depth: self.queue_depth,
            created_at: clock::rfc3339(self.created_at),
        })
    }
}

fn checked_services(services: &[String]) -> StoreResult<Vec<String>> {
    if services.len() > MAX_SERVICES {
        return Err(StoreError::invalid(format!("An agent serves at most {MAX_SERVICES} services.")));
    }
    let mut checked = services.iter().map(|service| Ok(checked_name("A service name", service)?.to_string())).collect::<StoreResult<Vec<_>>>()?;
    checked.sort();
    checked.dedup();
    Ok(checked)
}

/// Registers an agent; the answer carries its token, which is never shown again.
pub async fn create_agent(store: &Store, actor: Option<&Actor>, input: &NewAgent) -> StoreResult<CreatedAgent> {
    let name = checked_name("An agent name", &input.name)?.to_string();
    let services = checked_services(&input.services)?;
    let id = new_id("ag");
    let token = format!("{TOKEN_PREFIX}{}", super::new_token());
    db::query("INSERT INTO agents (id, name, services, token_hash, created_at) VALUES (?, ?, ?, ?, ?)")
        .bind(&id)
        .bind(&name)
        .bind(to_json(&services))
        .bind(hash_api_key(&token))
        .bind(clock::now_millis())
        .execute(store.db())
        .await
        .map_err(conflict_on_unique(|| format!("An agent named \"{name}\" is registered already.")))?;
    let agent = get_agent(store, &id).await?;
    audit::record_change(store, actor, Change::created("agent", &id, &agent.name, &agent)).await?;
    Ok(CreatedAgent { id, name, token })
}

pub async fn list_agents(store: &Store) -> StoreResult<Vec<Agent>> {
    let rows: Vec<AgentRow> = db::query_as(&format!("{SELECT_AGENT} ORDER BY a.name")).fetch_all(store.db()).await?;
    let now = clock::now_millis();
    rows.into_iter().map(|row| row.into_agent(now)).collect()
}

pub async fn get_agent(store: &Store, id: &str) -> StoreResult<Agent> {
    let row: Option<AgentRow> = db::query_as(&format!("{SELECT_AGENT} WHERE a.id = ?")).bind(id).fetch_optional(store.db()).await?;
    row.ok_or_else(|| StoreError::NotFound(format!("No agent with id {id}.")))?.into_agent(clock::now_millis())
}

/// Deletes an agent: its token stops working, and work only it could take is discarded.
pub async fn delete_agent(store: &Store, actor: Option<&Actor>, id: &str) -> StoreResult<()> {
    let before = get_agent(store, id).await?;
    let mut tx = super::write_tx(store).await?;
    db::query("DELETE FROM agents WHERE id = ?").bind(id).execute(&mut *tx).await?;
    db::query(
        "UPDATE runs SET status = 'discarded', reason = ?, lease_until = NULL, updated_at = ?
         WHERE status = 'queued' AND agent_targets IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM json_each(runs.agent_targets) t JOIN agents a ON a.id = t.value)",
    )
    .bind(format!("The Integration Agent \"{}\" was deleted before it took this run.", before.name))
    .bind(clock::now_millis())
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    audit::record_change(store, actor, Change::deleted("agent", id, &before.name, &before)).await
}

/// Replaces the users registered to an agent; every name must be an existing user.
pub async fn set_agent_users(store: &Store, actor: Option<&Actor>, id: &str, users: &AgentUsers) -> StoreResult<Agent> {
    let before = get_agent(store, id).await?;
    let mut names = users.users.clone();
    names.sort();
    names.dedup();
    let mut tx = super::write_tx(store).await?;
    db::query("DELETE FROM agent_users WHERE agent_id = ?").bind(id).execute(&mut *tx).await?;
    for name in &names {
        let added = db::query("INSERT INTO agent_users (agent_id, user_id) SELECT ?, id FROM users WHERE target_name = ?")
            .bind(id)
            .bind(name)
            .execute(&mut *tx)
            .await?;
        if added.rows_affected() == 0 {
            return Err(StoreError::invalid(format!("There is no user named \"{name}\".")));
        }
    }
    tx.commit().await?;
    let after = get_agent(store, id).await?;
    audit::record_change(store, actor, Change::updated("agent", id, &after.name, &before, &after)).await?;
    Ok(after)
}

/// Checks that the acting user may pick these agents (SPEC §4): each must be registered,
/// and the user (an admin too) registered to it. No actor (the system) may pick any.
pub(crate) async fn ensure_agents_selectable(store: &Store, actor: Option<&Actor>, ids: &[String]) -> StoreResult<()> {
    for id in ids {
        let name: Option<String> = db::query_scalar("SELECT name FROM agents WHERE id = ?").bind(id).fetch_optional(store.db()).await?;
        let Some(name) = name else {
            return Err(StoreError::invalid(format!("No Integration Agent with id \"{id}\" is registered.")));
        };
        let Some(actor) = actor else { continue };
        // Admins too: an admin who wants an agent registers themselves to it first.
        let allowed: bool = db::query_scalar("SELECT EXISTS (SELECT 1 FROM agent_users WHERE agent_id = ?2 AND user_id = ?1)")
            .bind(actor.user_id)
            .bind(id)
            .fetch_one(store.db())
            .await?;
        if !allowed {
            return Err(StoreError::Forbidden(format!(
                "{} is not registered to the Integration Agent \"{name}\"; an admin can register them on the Agents page.",
                actor.target_name
            )));
        }
    }
    Ok(())
}

/// The agent a token belongs to, if any.
pub async fn agent_for_token(store: &Store, token: &str) -> StoreResult<Option<AgentIdentity>> {
    if !token.starts_with(TOKEN_PREFIX) {
        return Ok(None);
    }
    let row: Option<(String, String, String)> =
        db::query_as("SELECT id, name, services FROM agents WHERE token_hash = ?").bind(hash_api_key(token)).fetch_optional(store.db()).await?;
    row.map(|(id, name, services)| Ok(AgentIdentity { id, name, services: from_json("agents.services", &services)? })).transpose()
}

/// Records that the agent is alive, and which version it runs.
pub async fn record_heartbeat(store: &Store, agent_id: &str, version: Option<String>) -> StoreResult<()> {
    let agent_id = agent_id.to_string();
    super::writer::write(store, move |conn| {
        conn.prepare_cached("UPDATE agents SET last_heartbeat_at = ?, version = COALESCE(?, version) WHERE id = ?")?.execute(params![
            clock::now_millis(),
            version,
            agent_id
        ])?;
        Ok(())
    })
    .await
}

/// A run leased to an agent.
pub struct AgentRunJob {
    pub job: RunJob,
    /// The service of "Send to Integration Agent" work.
    pub service: Option<String>,
}

/// Whether any queued run is due for this agent (a read, so idle long-polls cost no write).
pub async fn has_agent_work(store: &Store, agent: &AgentIdentity, now: i64) -> StoreResult<bool> {
    let sql = format!("SELECT EXISTS (SELECT 1 FROM runs r WHERE {ELIGIBLE})");
    Ok(db::query_scalar(&sql).bind(now).bind(&agent.id).bind(to_json(&agent.services)).fetch_one(store.db()).await?)
}

/// Leases a run takes at most: one that every agent holding it died on (it crashes them,
/// or never ends) fails instead of going round forever.
pub const MAX_AGENT_LEASES: i64 = 20;

/// Leases the oldest due queued run this agent may take, for `lease_ms`. The claim is one
/// UPDATE in a write job, so two agents never hold the same run.
pub async fn lease_agent_run(store: &Store, agent: &AgentIdentity, now: i64, lease_ms: i64) -> StoreResult<Option<AgentRunJob>> {
    let (agent_id, services) = (agent.id.clone(), to_json(&agent.services));
    super::writer::write(store, move |conn| {
        conn.prepare_cached(
            "UPDATE runs SET status = 'failed', lease_until = NULL, updated_at = ?1,
                 reason = 'Integration Agents took this run ' || attempt_count || ' times and never reported; it was given up.'
             WHERE status = 'queued' AND lease_until < ?1 AND attempt_count >= ?2",
        )?
        .execute(params![now, MAX_AGENT_LEASES])?;
        // The claimed run's state is tested again outside the subquery: on PostgreSQL a
        // concurrent claimer waits for this row and then skips it (redundant on SQLite).
        let sql = format!(
            "UPDATE runs SET agent_id = ?2, lease_until = ?4, attempt_count = attempt_count + 1, updated_at = ?1
             WHERE id = (SELECT r.id FROM runs r WHERE {ELIGIBLE} ORDER BY r.next_attempt_at, r.created_at LIMIT 1)
               AND status = 'queued' AND (lease_until IS NULL OR lease_until < ?1)
             RETURNING id, agent_service"
        );
        let claimed: Option<(String, Option<String>)> = conn
            .prepare_cached(&sql)?
            .query_row(params![now, agent_id, services, now + lease_ms], |row| Ok((row.get(0)?, row.get(1)?)))
            .optional()?;
        let Some((run_id, service)) = claimed else { return Ok(None) };
        let job = read_jobs(conn, std::slice::from_ref(&run_id))?.pop().ok_or_else(|| StoreError::NotFound(format!("No run with id {run_id}.")))?;
        Ok(Some(AgentRunJob { job, service }))
    })
    .await
}

/// Gives a leased run back to the queue untried, due again at `at` (ms), the lease's count
/// of attempts undone: its endpoint had no turn free when the lease was to be handed out.
pub async fn defer_agent_run(store: &Store, agent_id: &str, run_id: &str, attempt: u32, at: i64) -> StoreResult<()> {
    let (agent_id, run_id) = (agent_id.to_string(), run_id.to_string());
    super::writer::write(store, move |conn| {
        conn.prepare_cached(
            "UPDATE runs SET lease_until = NULL, next_attempt_at = ?1, attempt_count = attempt_count - 1, updated_at = ?2
             WHERE id = ?3 AND status = 'queued' AND agent_id = ?4 AND attempt_count = ?5",
        )?
        .execute(params![at, clock::now_millis(), run_id, agent_id, i64::from(attempt)])?;
        Ok(())
    })
    .await
}

/// Records an agent's report of the attempt it leased: the attempt, its log lines and the
/// run's next state. Refused (409) when the run is no longer this agent's attempt.
pub async fn record_agent_report(store: &Store, agent_id: &str, run_id: &str, report: AgentReport) -> StoreResult<()> {
    let (agent_id, run_id) = (agent_id.to_string(), run_id.to_string());
    super::writer::write(store, move |conn| {
        let now = clock::now_millis();
        let (status, next_attempt_at, reason) = match &report.outcome {
            AgentOutcome::Succeeded => ("succeeded", None, None),
            AgentOutcome::Failed { reason } => ("failed", None, Some(reason.clone())),
            AgentOutcome::Retry { reason, after_ms } => {
                ("queued", Some(now.saturating_add(i64::try_from(*after_ms).unwrap_or(i64::MAX / 2))), Some(reason.clone()))
            }
        };
        let updated = conn
            .prepare_cached(
                "UPDATE runs SET status = ?, next_attempt_at = ?, reason = ?, lease_until = NULL, updated_at = ?
                 WHERE id = ? AND status = 'queued' AND agent_id = ? AND attempt_count = ?",
            )?
            .execute(params![status, next_attempt_at, reason, now, run_id, agent_id, i64::from(report.attempt)])?;
        if updated == 0 {
            return Err(StoreError::Conflict(format!(
                "Run {run_id} attempt {} is no longer leased to this agent (its lease expired and it was taken again, or it was finished).",
                report.attempt
            )));
        }
        let attempt = report.record.as_ref().map(|attempt| super::AttemptRecord {
            started_at: attempt.started_at,
            duration_ms: attempt.duration_ms,
            url: attempt.url.clone(),
            status_code: attempt.status_code,
            response_excerpt: attempt.response_excerpt.clone(),
            error: attempt.error.clone(),
        });
        let logs = report.logs.iter().map(|line| (line.at, line.line.as_str()));
        super::runs::insert_attempt_and_logs(conn, &run_id, i64::from(report.attempt), attempt.as_ref(), logs)?;
        Ok(())
    })
    .await
}
