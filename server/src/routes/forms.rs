//! Forms of a workflow: `/api/v1/workflows/{id}/forms` and `/api/v1/forms/{id}`.

use axum::{extract::State, http::StatusCode};
use outflow_model::forms::{Form, NewForm};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    auth::Principal,
    error::{ApiJson, ApiPath, ApiResult, ErrorBody},
    state::AppState,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(create_form, list_forms)).routes(routes!(get_form, replace_form))
}

/// Create a form in a workflow.
#[utoipa::path(post, path = "/workflows/{id}/forms", tag = "forms", params(("id" = String, Path, description = "workflow id")),
    request_body = NewForm,
    responses((status = 201, body = Form), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_form(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(workflow_id): ApiPath<String>,
    ApiJson(input): ApiJson<NewForm>,
) -> ApiResult<(StatusCode, ApiJson<Form>)> {
    Ok((StatusCode::CREATED, ApiJson(state.ops.create_form(&principal, &workflow_id, &input).await?)))
}

/// List a workflow's forms, by name.
#[utoipa::path(get, path = "/workflows/{id}/forms", tag = "forms", params(("id" = String, Path, description = "workflow id")),
    responses((status = 200, body = Vec<Form>), (status = 404, body = ErrorBody)))]
async fn list_forms(State(state): State<AppState>, principal: Principal, ApiPath(workflow_id): ApiPath<String>) -> ApiResult<ApiJson<Vec<Form>>> {
    Ok(ApiJson(state.ops.list_forms(&principal, &workflow_id).await?))
}

/// Read one form.
#[utoipa::path(get, path = "/forms/{id}", tag = "forms", params(("id" = String, Path)),
    responses((status = 200, body = Form), (status = 404, body = ErrorBody)))]
async fn get_form(State(state): State<AppState>, principal: Principal, ApiPath(id): ApiPath<String>) -> ApiResult<ApiJson<Form>> {
    Ok(ApiJson(state.ops.get_form(&principal, &id).await?))
}

/// Replace a form's name, enabled flag, properties and responses.
#[utoipa::path(put, path = "/forms/{id}", tag = "forms", params(("id" = String, Path)), request_body = NewForm,
    responses((status = 200, body = Form), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn replace_form(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<String>,
    ApiJson(input): ApiJson<NewForm>,
) -> ApiResult<ApiJson<Form>> {
    Ok(ApiJson(state.ops.update_form(&principal, &id, &input).await?))
}
