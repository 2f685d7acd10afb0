//! `/api/v1/endpoints`: where integrations send requests. Secrets are write-only: answers
//! mask them, except the signing secret in the answer that created the endpoint.

use axum::{extract::State, http::StatusCode};
use outflow_model::endpoints::{Endpoint, EndpointPatch, NewEndpoint};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    auth::Principal,
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
async fn create_endpoint(
    State(state): State<AppState>,
    principal: Principal,
    ApiJson(input): ApiJson<NewEndpoint>,
) -> ApiResult<(StatusCode, ApiJson<Endpoint>)> {
    Ok((StatusCode::CREATED, ApiJson(state.ops.create_endpoint(&principal, &input).await?)))
}

/// List a workflow's endpoints, secrets masked.
#[utoipa::path(get, path = "/endpoints", tag = "endpoints", params(WorkflowFilter),
    responses((status = 200, body = Vec<Endpoint>), (status = 404, body = ErrorBody)))]
async fn list_endpoints(
    State(state): State<AppState>,
    principal: Principal,
    ApiQuery(filter): ApiQuery<WorkflowFilter>,
) -> ApiResult<ApiJson<Vec<Endpoint>>> {
    Ok(ApiJson(state.ops.list_endpoints(&principal, &filter.workflow_id).await?))
}

/// Read an endpoint, secrets masked.
#[utoipa::path(get, path = "/endpoints/{id}", tag = "endpoints", params(("id" = String, Path)),
    responses((status = 200, body = Endpoint), (status = 404, body = ErrorBody)))]
async fn get_endpoint(State(state): State<AppState>, principal: Principal, ApiPath(id): ApiPath<String>) -> ApiResult<ApiJson<Endpoint>> {
    Ok(ApiJson(state.ops.get_endpoint(&principal, &id).await?))
}

/// Change an endpoint; a masked secret sent back keeps the stored one, unless the base URL,
/// the OAuth2 token URL or the kind of authentication changes (then 422 naming the secrets
/// to enter again).
#[utoipa::path(patch, path = "/endpoints/{id}", tag = "endpoints", params(("id" = String, Path)), request_body = EndpointPatch,
    responses((status = 200, body = Endpoint), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_endpoint(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<String>,
    ApiJson(patch): ApiJson<EndpointPatch>,
) -> ApiResult<ApiJson<Endpoint>> {
    Ok(ApiJson(state.ops.update_endpoint(&principal, &id, &patch).await?))
}

/// Delete an endpoint that no integration uses.
#[utoipa::path(delete, path = "/endpoints/{id}", tag = "endpoints", params(("id" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn delete_endpoint(State(state): State<AppState>, principal: Principal, ApiPath(id): ApiPath<String>) -> ApiResult<StatusCode> {
    state.ops.delete_endpoint(&principal, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
