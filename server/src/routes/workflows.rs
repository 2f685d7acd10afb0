//! `/api/v1/workflows`: create, list and read workflows.

use axum::{
    extract::{Path, State},
    http::StatusCode,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    auth::Principal,
    error::{ApiError, ApiJson, ApiResult, ErrorBody},
    state::AppState,
    store,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(create_workflow, list_workflows)).routes(routes!(get_workflow))
}

const MAX_NAME_CHARS: usize = 200;

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
struct NewWorkflow {
    name: String,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
struct WorkflowView {
    id: String,
    name: String,
    /// Milliseconds since the Unix epoch.
    created_at: i64,
}

impl From<store::Workflow> for WorkflowView {
    fn from(workflow: store::Workflow) -> Self {
        WorkflowView { id: workflow.id, name: workflow.name, created_at: workflow.created_at }
    }
}

/// Create a workflow; names are unique.
#[utoipa::path(post, path = "/workflows", tag = "workflows", request_body = NewWorkflow,
    responses((status = 201, body = WorkflowView), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_workflow(
    State(state): State<AppState>,
    principal: Principal,
    ApiJson(input): ApiJson<NewWorkflow>,
) -> ApiResult<(StatusCode, ApiJson<WorkflowView>)> {
    let name = input.name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
        return Err(ApiError::validation(format!("A workflow name needs 1 to {MAX_NAME_CHARS} characters.")));
    }
    let workflow = store::create_workflow(&state.pool, name, principal.user_id).await?;
    Ok((StatusCode::CREATED, ApiJson(workflow.into())))
}

/// List every workflow, by name.
#[utoipa::path(get, path = "/workflows", tag = "workflows", responses((status = 200, body = Vec<WorkflowView>)))]
async fn list_workflows(State(state): State<AppState>, _principal: Principal) -> ApiResult<ApiJson<Vec<WorkflowView>>> {
    let workflows = store::list_workflows(&state.pool).await?;
    Ok(ApiJson(workflows.into_iter().map(WorkflowView::from).collect()))
}

/// Read one workflow.
#[utoipa::path(get, path = "/workflows/{id}", tag = "workflows", params(("id" = String, Path)),
    responses((status = 200, body = WorkflowView), (status = 404, body = ErrorBody)))]
async fn get_workflow(
    State(state): State<AppState>,
    _principal: Principal,
    Path(id): Path<String>,
) -> ApiResult<ApiJson<WorkflowView>> {
    Ok(ApiJson(store::get_workflow(&state.pool, &id).await?.into()))
}
