//! `/api/v1/agent/…`: the protocol `outflow agent` speaks over the server's normal port,
//! authenticated with the agent's own token (see `crate::access`, `Rule::Agent`).
//! Heartbeat; lease (a long-poll of up to 25 s for one job the agent may take, answered
//! 204 when none came); report (the attempt, logs and outcome, recorded into the same runs
//! tables as cloud work). A lease carries everything executing the job needs, secrets
//! included, so the agent never reads the database.

use std::time::Duration;

use axum::{
    Extension,
    extract::{DefaultBodyLimit, State},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use base64::{Engine, engine::general_purpose::STANDARD};
use outflow_core::{
    clock,
    ops::Work,
    store::{self, AgentRunJob, EndpointSecrets},
};
use outflow_model::{
    agents::{
        AgentEndpoint, AgentIdentity, AgentJob, AgentOutcome, AgentReport, Heartbeat, Lease, MAX_LOG_LINE_CHARS, MAX_REPORT_BYTES,
        MAX_REPORT_LOG_LINES,
    },
    endpoints::join_url,
    integrations::IntegrationAction,
};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    delivery::limits::QUEUED_JOB_WAIT,
    error::{ApiError, ApiJson, ApiPath, ApiQuery, ApiResult, ErrorBody},
    state::AppState,
};

/// Longest a lease request waits for work.
pub const MAX_WAIT: Duration = Duration::from_secs(25);
/// How often a waiting lease looks again (retry times and expired leases are not announced).
const RECHECK: Duration = Duration::from_millis(500);

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(heartbeat)).routes(routes!(lease)).routes(routes!(report)).layer(DefaultBodyLimit::max(MAX_REPORT_BYTES))
}

/// Agent heartbeat: marks the agent online and records its version; answers who it is.
#[utoipa::path(post, path = "/agent/heartbeat", tag = "agent protocol", request_body = Heartbeat, security(("agentToken" = [])),
    responses((status = 200, body = AgentIdentity), (status = 401, body = ErrorBody)))]
async fn heartbeat(
    State(state): State<AppState>,
    Extension(agent): Extension<AgentIdentity>,
    ApiJson(beat): ApiJson<Heartbeat>,
) -> ApiResult<ApiJson<AgentIdentity>> {
    let version = beat.version.map(|version| version.chars().take(64).collect());
    store::record_heartbeat(&state.store, &agent.id, version).await?;
    Ok(ApiJson(agent))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
struct LeaseWait {
    /// How long to wait for work, in milliseconds (at most 25 000, the default).
    wait_ms: Option<u64>,
}

/// Take one job: waits up to `waitMs` for a queued run this agent may take and leases it
/// (204 when none came). Report before `leaseMs` pass, or the run returns to the queue.
#[utoipa::path(post, path = "/agent/lease", tag = "agent protocol", params(LeaseWait), security(("agentToken" = [])),
    responses((status = 200, body = Lease), (status = 204, description = "No work arrived while waiting"), (status = 401, body = ErrorBody)))]
async fn lease(
    State(state): State<AppState>,
    Extension(agent): Extension<AgentIdentity>,
    ApiQuery(wait): ApiQuery<LeaseWait>,
) -> ApiResult<Response> {
    let wait = wait.wait_ms.map_or(MAX_WAIT, Duration::from_millis).min(MAX_WAIT);
    let deadline = tokio::time::Instant::now() + wait;
    let mut stopping = state.stopping.clone();
    loop {
        // Registered before looking, so work dispatched meanwhile still wakes this request.
        let announced = state.wakeups.signal(Work::AgentWork).notified();
        tokio::pin!(announced);
        announced.as_mut().enable();
        let now = clock::now_millis();
        if store::has_agent_work(&state.store, &agent, now).await?
            && let Some(leased) = store::lease_agent_run(&state.store, &agent, now, state.agent_lease_ms).await?
        {
            match lease_for(&state, &leased).await {
                Ok(Leased::Lease(lease)) => return Ok(ApiJson(*lease).into_response()),
                Ok(Leased::Deferred(free_in)) => {
                    let at = clock::now_millis() + i64::try_from(free_in.as_millis()).unwrap_or(i64::MAX / 2);
                    store::defer_agent_run(&state.store, &agent.id, &leased.job.run_id, leased.job.attempt, at).await?;
                    // Other work may be due; this run is not before `at`.
                    continue;
                }
                // Work that cannot be described to an agent fails here, as the cloud worker would.
                Err(reason) => {
                    let report =
                        AgentReport { attempt: leased.job.attempt, outcome: AgentOutcome::Failed { reason }, record: None, logs: Vec::new() };
                    store::record_agent_report(&state.store, &agent.id, &leased.job.run_id, report).await?;
                    continue;
                }
            }
        }
        let now = tokio::time::Instant::now();
        if now >= deadline || *stopping.borrow() {
            return Ok(StatusCode::NO_CONTENT.into_response());
        }
        tokio::select! {
            () = announced => {}
            () = tokio::time::sleep((deadline - now).min(RECHECK)) => {}
            _ = stopping.changed() => {}
        }
    }
}

/// A leased run as handed out: the lease, or back to the queue untried for this long (its
/// endpoint had no turn free).
enum Leased {
    Lease(Box<Lease>),
    Deferred(Duration),
}

/// What the agent needs to run a leased job; `Err` is why it cannot be run at all.
async fn lease_for(state: &AppState, leased: &AgentRunJob) -> Result<Leased, String> {
    let job = &leased.job;
    let Some(integration) = &job.integration else {
        return Err("The integration was deleted before this run could be sent.".into());
    };
    if !integration.enabled {
        return Err("The integration was disabled before this run could be sent.".into());
    }
    let work = match &integration.action {
        IntegrationAction::Agent { service, .. } => AgentJob::Service { service: leased.service.clone().unwrap_or_else(|| service.clone()) },
        IntegrationAction::Webhook { endpoint_id, path } => {
            let endpoint = store::endpoint_secrets(&state.store, &state.secrets, endpoint_id)
                .await
                .map_err(|error| format!("The endpoint cannot be used: {error}"))?;
            // The agent sends at once: the lease takes the endpoint's turn, and holds its slot
            // until the agent reports (or the lease ends), as a request sent here would. No
            // turn free soon: the run goes back to the queue untried until one is.
            let gates = &state.engine.runtime().sender.gates;
            let pass = match gates.pass_within(&endpoint.id, endpoint.limits, QUEUED_JOB_WAIT).await {
                Ok(pass) => pass,
                Err(free_in) => return Ok(Leased::Deferred(free_in)),
            };
            let lease_ms = u64::try_from(state.agent_lease_ms).unwrap_or_default();
            gates.hold(&job.run_id, pass, Duration::from_millis(lease_ms));
            AgentJob::Webhook { url: join_url(&endpoint.base_url, path), endpoint: agent_endpoint(&endpoint) }
        }
        IntegrationAction::Script { script } => {
            let (constants, libraries) = store::script_resources(&state.store, &integration.workflow_id)
                .await
                .map_err(|error| format!("The workflow's constants and libraries cannot be read: {error}"))?;
            let listed = store::list_endpoints(&state.store, &integration.workflow_id).await.map_err(|error| error.to_string())?;
            let mut endpoints = Vec::with_capacity(listed.len());
            for endpoint in listed {
                let opened = store::endpoint_secrets(&state.store, &state.secrets, &endpoint.id).await.map_err(|error| error.to_string())?;
                endpoints.push(agent_endpoint(&opened));
            }
            AgentJob::Script { script: script.clone(), constants, libraries, endpoints }
        }
        IntegrationAction::FlowsOnly => return Err(IntegrationAction::SENDS_NOTHING.into()),
    };
    Ok(Leased::Lease(Box::new(Lease {
        run_id: job.run_id.clone(),
        attempt: job.attempt,
        lease_ms: state.agent_lease_ms,
        alert_id: job.alert_id,
        webhook_id: job.webhook_id.clone(),
        payload: job.payload.clone(),
        job: work,
    })))
}

fn agent_endpoint(endpoint: &EndpointSecrets) -> AgentEndpoint {
    AgentEndpoint {
        id: endpoint.id.clone(),
        name: endpoint.name.clone(),
        base_url: endpoint.base_url.clone(),
        auth: endpoint.auth.clone(),
        trust_self_signed: endpoint.trust_self_signed,
        signing_key: STANDARD.encode(&endpoint.signing_key),
    }
}

/// Report how a leased attempt went. 409 when the lease is no longer this agent's (it
/// expired and another agent took the run, or it was reported already).
#[utoipa::path(post, path = "/agent/runs/{id}/report", tag = "agent protocol", params(("id" = String, Path)), request_body = AgentReport,
    security(("agentToken" = [])),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 409, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn report(
    State(state): State<AppState>,
    Extension(agent): Extension<AgentIdentity>,
    ApiPath(run_id): ApiPath<String>,
    ApiJson(mut report): ApiJson<AgentReport>,
) -> ApiResult<StatusCode> {
    if report.logs.len() > MAX_REPORT_LOG_LINES {
        return Err(ApiError::validation(format!("A report carries at most {MAX_REPORT_LOG_LINES} log lines.")));
    }
    for line in &mut report.logs {
        if line.line.chars().count() > MAX_LOG_LINE_CHARS {
            line.line = line.line.chars().take(MAX_LOG_LINE_CHARS).collect();
        }
    }
    store::record_agent_report(&state.store, &agent.id, &run_id, report).await?;
    // Only the lease's holder frees its slot (a late report of an expired lease is refused above).
    state.engine.runtime().sender.gates.release(&run_id);
    Ok(StatusCode::NO_CONTENT)
}
