//! `/api/v1/endpoints`: where integrations send requests. Secrets are write-only: answers
//! mask them, except the signing secret in the answer that created the endpoint.

use axum::{extract::State, http::StatusCode};
use outflow_core::store;
use outflow_model::endpoints::{Endpoint, EndpointPatch, NewEndpoint};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    auth::{Principal, visible},
    error::{ApiJson, ApiPath, ApiQuery, ApiResult, ErrorBody},
    state::AppState,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(create_endpoint, list_endpoints)).routes(routes!(get_endpoint, update_endpoint, delete_endpoint))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
struct WorkflowFilter {
    workflow_id: String,
}

/// Create an endpoint; the answer shows the signing secret this once.
#[utoipa::path(post, path = "/endpoints", tag = "endpoints", request_body = NewEndpoint,
    responses((status = 201, body = Endpoint), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_endpoint(State(state): State<AppState>, principal: Principal, ApiJson(input): ApiJson<NewEndpoint>) -> ApiResult<(StatusCode, ApiJson<Endpoint>)> {
    visible(&state, &principal, &input.workflow_id, || format!("There is no workflow with id \"{}\".", input.workflow_id)).await?;
    Ok((StatusCode::CREATED, ApiJson(store::create_endpoint(&state.pool, Some(&principal.actor()), &state.secrets, &input).await?)))
}

/// List a workflow's endpoints, secrets masked.
#[utoipa::path(get, path = "/endpoints", tag = "endpoints", params(WorkflowFilter),
    responses((status = 200, body = Vec<Endpoint>), (status = 404, body = ErrorBody)))]
async fn list_endpoints(State(state): State<AppState>, principal: Principal, ApiQuery(filter): ApiQuery<WorkflowFilter>) -> ApiResult<ApiJson<Vec<Endpoint>>> {
    visible(&state, &principal, &filter.workflow_id, || format!("No workflow with id {}.", filter.workflow_id)).await?;
    Ok(ApiJson(store::list_endpoints(&state.pool, &filter.workflow_id).await?))
}

/// Read an endpoint, secrets masked.
#[utoipa::path(get, path = "/endpoints/{id}", tag = "endpoints", params(("id" = String, Path)),
    responses((status = 200, body = Endpoint), (status = 404, body = ErrorBody)))]
async fn get_endpoint(State(state): State<AppState>, principal: Principal, ApiPath(id): ApiPath<String>) -> ApiResult<ApiJson<Endpoint>> {
    Ok(ApiJson(store::visible_endpoint(&state.pool, &principal, &id).await?))
}

/// Change an endpoint; a masked secret sent back keeps the stored one.
#[utoipa::path(patch, path = "/endpoints/{id}", tag = "endpoints", params(("id" = String, Path)), request_body = EndpointPatch,
    responses((status = 200, body = Endpoint), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_endpoint(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<String>,
    ApiJson(patch): ApiJson<EndpointPatch>,
) -> ApiResult<ApiJson<Endpoint>> {
    store::visible_endpoint(&state.pool, &principal, &id).await?;
    Ok(ApiJson(store::update_endpoint(&state.pool, Some(&principal.actor()), &state.secrets, &id, &patch).await?))
}

/// Delete an endpoint that no integration uses.
#[utoipa::path(delete, path = "/endpoints/{id}", tag = "endpoints", params(("id" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn delete_endpoint(State(state): State<AppState>, principal: Principal, ApiPath(id): ApiPath<String>) -> ApiResult<StatusCode> {
    store::visible_endpoint(&state.pool, &principal, &id).await?;
    store::delete_endpoint(&state.pool, Some(&principal.actor()), &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

