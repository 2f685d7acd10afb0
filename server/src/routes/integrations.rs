//! `/api/v1/integrations`: the Integration Builder's outbound integrations.

use axum::{extract::State, http::StatusCode};
use outflow_model::integrations::{Integration, IntegrationPatch, NewIntegration};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    auth::Principal,
    error::{ApiJson, ApiPath, ApiQuery, ApiResult, ErrorBody},
    state::AppState,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(create_integration, list_integrations)).routes(routes!(
        get_integration,
        update_integration,
        delete_integration
    ))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
struct IntegrationFilter {
    /// Only this workflow's integrations; all when left out.
    workflow_id: Option<String>,
}

/// Create an outbound integration; a second one for the same form and trigger is a 409.
#[utoipa::path(post, path = "/integrations", tag = "integrations", request_body = NewIntegration,
    responses((status = 201, body = Integration), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_integration(
    State(state): State<AppState>,
    principal: Principal,
    ApiJson(input): ApiJson<NewIntegration>,
) -> ApiResult<(StatusCode, ApiJson<Integration>)> {
    Ok((StatusCode::CREATED, ApiJson(state.ops.create_integration(&principal, &input).await?)))
}

/// The listing: integrations with form, trigger, action, location, enabled and last run.
#[utoipa::path(get, path = "/integrations", tag = "integrations", params(IntegrationFilter),
    responses((status = 200, body = Vec<Integration>)))]
async fn list_integrations(
    State(state): State<AppState>,
    principal: Principal,
    ApiQuery(filter): ApiQuery<IntegrationFilter>,
) -> ApiResult<ApiJson<Vec<Integration>>> {
    Ok(ApiJson(state.ops.list_integrations(&principal, filter.workflow_id.as_deref()).await?))
}

/// Read one integration.
#[utoipa::path(get, path = "/integrations/{id}", tag = "integrations", params(("id" = String, Path)),
    responses((status = 200, body = Integration), (status = 404, body = ErrorBody)))]
async fn get_integration(State(state): State<AppState>, principal: Principal, ApiPath(id): ApiPath<String>) -> ApiResult<ApiJson<Integration>> {
    Ok(ApiJson(state.ops.get_integration(&principal, &id).await?))
}

/// Change an integration; a new trigger keeps the script.
#[utoipa::path(patch, path = "/integrations/{id}", tag = "integrations", params(("id" = String, Path)), request_body = IntegrationPatch,
    responses((status = 200, body = Integration), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_integration(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<String>,
    ApiJson(patch): ApiJson<IntegrationPatch>,
) -> ApiResult<ApiJson<Integration>> {
    Ok(ApiJson(state.ops.update_integration(&principal, &id, &patch).await?))
}

/// Delete an integration; its runs stay in Activity.
#[utoipa::path(delete, path = "/integrations/{id}", tag = "integrations", params(("id" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
async fn delete_integration(State(state): State<AppState>, principal: Principal, ApiPath(id): ApiPath<String>) -> ApiResult<StatusCode> {
    state.ops.delete_integration(&principal, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
