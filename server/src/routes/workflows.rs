//! `/api/v1/workflows`: create, list and read workflows.

use axum::{
    extract::State,
    http::StatusCode,
};
use outflow_core::store;
use outflow_model::workflows::{NewWorkflow, Workflow};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    auth::Principal,
    error::{ApiJson, ApiPath, ApiResult, ErrorBody},
    state::AppState,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(create_workflow, list_workflows)).routes(routes!(get_workflow))
}

/// Create a workflow; names are unique.
#[utoipa::path(post, path = "/workflows", tag = "workflows", request_body = NewWorkflow,
    responses((status = 201, body = Workflow), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_workflow(
    State(state): State<AppState>,
    principal: Principal,
    ApiJson(input): ApiJson<NewWorkflow>,
) -> ApiResult<(StatusCode, ApiJson<Workflow>)> {
    let workflow = store::create_workflow(&state.pool, &input.name, Some(principal.user_id)).await?;
    Ok((StatusCode::CREATED, ApiJson(workflow)))
}

/// List every workflow, by name.
#[utoipa::path(get, path = "/workflows", tag = "workflows", responses((status = 200, body = Vec<Workflow>)))]
async fn list_workflows(State(state): State<AppState>, _principal: Principal) -> ApiResult<ApiJson<Vec<Workflow>>> {
    Ok(ApiJson(store::list_workflows(&state.pool).await?))
}

/// Read one workflow.
#[utoipa::path(get, path = "/workflows/{id}", tag = "workflows", params(("id" = String, Path)),
    responses((status = 200, body = Workflow), (status = 404, body = ErrorBody)))]
async fn get_workflow(State(state): State<AppState>, _principal: Principal, ApiPath(id): ApiPath<String>) -> ApiResult<ApiJson<Workflow>> {
    Ok(ApiJson(store::get_workflow(&state.pool, &id).await?))
}
