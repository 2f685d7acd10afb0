//! `/api/v1/agents`: the registry of Integration Agents. Admins register agents (the token
//! is answered once), delete them and register users to them; anyone signed in may list
//! them, to pick one for an integration.

use axum::{extract::State, http::StatusCode};
use outflow_model::agents::{Agent, AgentUsers, CreatedAgent, NewAgent};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    auth::Principal,
    error::{ApiJson, ApiPath, ApiResult, ErrorBody},
    state::AppState,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(create_agent, list_agents)).routes(routes!(get_agent, delete_agent)).routes(routes!(set_agent_users))
}

/// Register an agent; the answer is the only time its token is shown.
#[utoipa::path(post, path = "/agents", tag = "agents", request_body = NewAgent,
    responses((status = 201, body = CreatedAgent), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_agent(
    State(state): State<AppState>,
    principal: Principal,
    ApiJson(input): ApiJson<NewAgent>,
) -> ApiResult<(StatusCode, ApiJson<CreatedAgent>)> {
    Ok((StatusCode::CREATED, ApiJson(state.ops.create_agent(&principal, &input).await?)))
}

/// Every agent with online state (a heartbeat in the last 30 s), version, services and queue depth.
#[utoipa::path(get, path = "/agents", tag = "agents", responses((status = 200, body = Vec<Agent>)))]
async fn list_agents(State(state): State<AppState>, principal: Principal) -> ApiResult<ApiJson<Vec<Agent>>> {
    Ok(ApiJson(state.ops.list_agents(&principal).await?))
}

/// Read one agent.
#[utoipa::path(get, path = "/agents/{id}", tag = "agents", params(("id" = String, Path)),
    responses((status = 200, body = Agent), (status = 404, body = ErrorBody)))]
async fn get_agent(State(state): State<AppState>, principal: Principal, ApiPath(id): ApiPath<String>) -> ApiResult<ApiJson<Agent>> {
    Ok(ApiJson(state.ops.get_agent(&principal, &id).await?))
}

/// Delete an agent: its token stops working; runs only it could take are discarded.
#[utoipa::path(delete, path = "/agents/{id}", tag = "agents", params(("id" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
async fn delete_agent(State(state): State<AppState>, principal: Principal, ApiPath(id): ApiPath<String>) -> ApiResult<StatusCode> {
    state.ops.delete_agent(&principal, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Replace the users registered to an agent (who may pick it for their integrations).
#[utoipa::path(put, path = "/agents/{id}/users", tag = "agents", params(("id" = String, Path)), request_body = AgentUsers,
    responses((status = 200, body = Agent), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn set_agent_users(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<String>,
    ApiJson(users): ApiJson<AgentUsers>,
) -> ApiResult<ApiJson<Agent>> {
    Ok(ApiJson(state.ops.set_agent_users(&principal, &id, &users).await?))
}
