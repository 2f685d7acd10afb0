//! Forms of a workflow: `/api/v1/workflows/{id}/forms`, `/api/v1/forms/{id}`, and the
//! sample payload each trigger sends for an alert of a form
//! (`/api/v1/forms/{id}/triggers/{trigger}/sample-payload`).

use axum::{extract::State, http::StatusCode};
use outflow_model::{
    forms::{Form, NewForm},
    trigger::Trigger,
};
use serde_json::Value;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    auth::Principal,
    error::{ApiError, ApiJson, ApiPath, ApiResult, ErrorBody},
    state::AppState,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(create_form, list_forms)).routes(routes!(get_form, replace_form)).routes(routes!(trigger_sample_payload))
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

/// The exact payload a trigger sends for an alert of the form (SPEC §3), built by the code
/// that builds real payloads from an example alert: each property with an example value of
/// its type (only those flagged for outbound integrations are sent), people and groups of
/// the example workflow. What an integration of that trigger receives.
#[utoipa::path(get, path = "/forms/{id}/triggers/{trigger}/sample-payload", tag = "forms",
    params(("id" = String, Path, description = "form id"), ("trigger" = Trigger, Path, description = "trigger key, e.g. `status`")),
    responses((status = 200, body = serde_json::Value, description = "the payload, as a webhook would carry it",
        example = json!({"eventIdentifier": 1001, "date": "2026-11-28 21:19:31.123", "trigger": "status",
            "eventProperties": [{"number": "Example number"}], "properties": {"number": "Example number"}, "status": "active", "username": "mmcbride"})),
        (status = 404, body = ErrorBody)))]
async fn trigger_sample_payload(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath((id, trigger)): ApiPath<(String, String)>,
) -> ApiResult<ApiJson<Value>> {
    let known = Trigger::from_key(&trigger).ok_or_else(|| {
        let keys: Vec<&str> = Trigger::ALL.iter().map(|trigger| trigger.key()).collect();
        ApiError::not_found(format!("There is no trigger \"{trigger}\"; the triggers are {}.", keys.join(", ")))
    })?;
    Ok(ApiJson(state.ops.trigger_sample(&principal, &id, known).await?))
}
