//! `/api/v1/workflows`: create, list and read workflows.

use axum::{extract::State, http::StatusCode};
use outflow_model::{
    access::Members,
    workflows::{NewWorkflow, Workflow},
};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    auth::Principal,
    error::{ApiJson, ApiPath, ApiResult, ErrorBody},
    state::AppState,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(create_workflow, list_workflows)).routes(routes!(get_workflow)).routes(routes!(list_members, set_members))
}

/// Create a workflow; names are unique.
#[utoipa::path(post, path = "/workflows", tag = "workflows", request_body = NewWorkflow,
    responses((status = 201, body = Workflow), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_workflow(
    State(state): State<AppState>,
    principal: Principal,
    ApiJson(input): ApiJson<NewWorkflow>,
) -> ApiResult<(StatusCode, ApiJson<Workflow>)> {
    Ok((StatusCode::CREATED, ApiJson(state.ops.create_workflow(&principal, &input.name).await?)))
}

/// List the workflows the caller may see, by name.
#[utoipa::path(get, path = "/workflows", tag = "workflows", responses((status = 200, body = Vec<Workflow>)))]
async fn list_workflows(State(state): State<AppState>, principal: Principal) -> ApiResult<ApiJson<Vec<Workflow>>> {
    Ok(ApiJson(state.ops.list_workflows(&principal).await?))
}

/// Read one workflow.
#[utoipa::path(get, path = "/workflows/{id}", tag = "workflows", params(("id" = String, Path)),
    responses((status = 200, body = Workflow), (status = 404, body = ErrorBody)))]
async fn get_workflow(State(state): State<AppState>, principal: Principal, ApiPath(id): ApiPath<String>) -> ApiResult<ApiJson<Workflow>> {
    Ok(ApiJson(state.ops.get_workflow(&principal, &id).await?))
}

/// The users who may work on the workflow besides admins.
#[utoipa::path(get, path = "/workflows/{id}/members", tag = "workflows", params(("id" = String, Path)),
    responses((status = 200, body = Members), (status = 404, body = ErrorBody)))]
async fn list_members(State(state): State<AppState>, principal: Principal, ApiPath(id): ApiPath<String>) -> ApiResult<ApiJson<Members>> {
    Ok(ApiJson(state.ops.list_members(&principal, &id).await?))
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
    Ok(ApiJson(state.ops.set_members(&principal, &id, &members).await?))
}
