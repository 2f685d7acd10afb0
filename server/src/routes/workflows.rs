//! `/api/v1/workflows`: create, list and read workflows.

use axum::{
    extract::State,
    http::StatusCode,
};
use outflow_core::store;
use outflow_model::{access::Members, workflows::{NewWorkflow, Workflow}};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    auth::{Principal, visible},
    error::{ApiJson, ApiPath, ApiResult, ErrorBody},
    state::AppState,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_workflow, list_workflows))
        .routes(routes!(get_workflow))
        .routes(routes!(list_members, set_members))
}

/// Create a workflow; names are unique.
#[utoipa::path(post, path = "/workflows", tag = "workflows", request_body = NewWorkflow,
    responses((status = 201, body = Workflow), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_workflow(
    State(state): State<AppState>,
    principal: Principal,
    ApiJson(input): ApiJson<NewWorkflow>,
) -> ApiResult<(StatusCode, ApiJson<Workflow>)> {
    let workflow = store::create_workflow(&state.pool, Some(&principal.actor()), &input.name).await?;
    Ok((StatusCode::CREATED, ApiJson(workflow)))
}

/// List every workflow, by name.
#[utoipa::path(get, path = "/workflows", tag = "workflows", responses((status = 200, body = Vec<Workflow>)))]
async fn list_workflows(State(state): State<AppState>, principal: Principal) -> ApiResult<ApiJson<Vec<Workflow>>> {
    Ok(ApiJson(store::list_workflows(&state.pool, &principal).await?))
}

/// Read one workflow.
#[utoipa::path(get, path = "/workflows/{id}", tag = "workflows", params(("id" = String, Path)),
    responses((status = 200, body = Workflow), (status = 404, body = ErrorBody)))]
async fn get_workflow(State(state): State<AppState>, principal: Principal, ApiPath(id): ApiPath<String>) -> ApiResult<ApiJson<Workflow>> {
    let workflow = store::get_workflow(&state.pool, &id).await?;
    visible(&state, &principal, &id, || format!("No workflow with id {id}.")).await?;
    Ok(ApiJson(workflow))
}

/// The users who may work on the workflow besides admins.
#[utoipa::path(get, path = "/workflows/{id}/members", tag = "workflows", params(("id" = String, Path)),
    responses((status = 200, body = Members), (status = 404, body = ErrorBody)))]
async fn list_members(State(state): State<AppState>, principal: Principal, ApiPath(id): ApiPath<String>) -> ApiResult<ApiJson<Members>> {
    visible(&state, &principal, &id, || format!("No workflow with id {id}.")).await?;
    Ok(ApiJson(store::list_members(&state.pool, &id).await?))
}

/// Replace the workflow's members (by `targetName`).
#[utoipa::path(put, path = "/workflows/{id}/members", tag = "workflows", params(("id" = String, Path)), request_body = Members,
    responses((status = 200, body = Members), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn set_members(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<String>,
    ApiJson(members): ApiJson<Members>,
) -> ApiResult<ApiJson<Members>> {
    visible(&state, &principal, &id, || format!("No workflow with id {id}.")).await?;
    Ok(ApiJson(store::set_members(&state.pool, Some(&principal.actor()), &id, &members).await?))
}
