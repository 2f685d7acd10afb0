//! `/api/v1/flows`: Flow Designer graphs, their export and import (SPEC §6 format), their
//! version history, and publishing (a save is a draft; a published version runs). Graph rules live in `outflow_model::flows`, persistence in the store.

use axum::{extract::State, http::StatusCode};
use outflow_model::flows::{Flow, FlowDocument, FlowSave, FlowSummary, FlowVersion, FlowVersionDetail, NewFlow, PublishedVersion, Rollback};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    auth::Principal,
    error::{ApiJson, ApiPath, ApiQuery, ApiResult, ErrorBody},
    state::AppState,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_flow, list_flows))
        .routes(routes!(get_flow, save_flow, delete_flow))
        .routes(routes!(export_flow))
        .routes(routes!(import_flow))
        .routes(routes!(list_versions))
        .routes(routes!(get_version))
        .routes(routes!(restore_version))
        .routes(routes!(publish_flow))
        .routes(routes!(rollback_flow))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
struct FlowFilter {
    /// Only this form's flows.
    form_id: Option<String>,
    /// Only this workflow's flows.
    workflow_id: Option<String>,
}

/// List flows, by form then name.
#[utoipa::path(get, path = "/flows", tag = "flows", params(FlowFilter), responses((status = 200, body = Vec<FlowSummary>)))]
async fn list_flows(
    State(state): State<AppState>,
    principal: Principal,
    ApiQuery(filter): ApiQuery<FlowFilter>,
) -> ApiResult<ApiJson<Vec<FlowSummary>>> {
    Ok(ApiJson(state.ops.list_flows(&principal, filter.form_id.as_deref(), filter.workflow_id.as_deref()).await?))
}

/// Create a flow of a form; it starts with the form's trigger nodes.
#[utoipa::path(post, path = "/flows", tag = "flows", request_body = NewFlow,
    responses((status = 201, body = Flow), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_flow(
    State(state): State<AppState>,
    principal: Principal,
    ApiJson(input): ApiJson<NewFlow>,
) -> ApiResult<(StatusCode, ApiJson<Flow>)> {
    Ok((StatusCode::CREATED, ApiJson(state.ops.create_flow(&principal, &input).await?)))
}

/// Read a flow: its graph, version and the warnings shown as badges.
#[utoipa::path(get, path = "/flows/{id}", tag = "flows", params(("id" = String, Path)),
    responses((status = 200, body = Flow), (status = 404, body = ErrorBody)))]
async fn get_flow(State(state): State<AppState>, principal: Principal, ApiPath(id): ApiPath<String>) -> ApiResult<ApiJson<Flow>> {
    Ok(ApiJson(state.ops.get_flow(&principal, &id).await?))
}

/// Save the whole graph as a new version: a draft, which runs only once published
/// (`POST /flows/{id}/publish`). `baseVersion` is the version the edit started from: when a newer one was saved since, the save is refused (409). Cycles, dangling
/// edges and unknown step types are refused (422) with `details.issues` naming the blocks.
#[utoipa::path(put, path = "/flows/{id}", tag = "flows", params(("id" = String, Path)), request_body = FlowSave,
    responses((status = 200, body = Flow), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn save_flow(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<String>,
    ApiJson(save): ApiJson<FlowSave>,
) -> ApiResult<ApiJson<Flow>> {
    Ok(ApiJson(state.ops.save_flow(&principal, &id, &save).await?))
}

/// Delete a flow and its history.
#[utoipa::path(delete, path = "/flows/{id}", tag = "flows", params(("id" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
async fn delete_flow(State(state): State<AppState>, principal: Principal, ApiPath(id): ApiPath<String>) -> ApiResult<StatusCode> {
    state.ops.delete_flow(&principal, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The flow in the export format that `POST /flows/import` takes.
#[utoipa::path(get, path = "/flows/{id}/export", tag = "flows", params(("id" = String, Path)),
    responses((status = 200, body = FlowDocument), (status = 404, body = ErrorBody)))]
async fn export_flow(State(state): State<AppState>, principal: Principal, ApiPath(id): ApiPath<String>) -> ApiResult<ApiJson<FlowDocument>> {
    Ok(ApiJson(state.ops.get_flow(&principal, &id).await?.document()))
}

/// Create a flow from an export; it is published, so it runs at once. A graph with errors
/// is refused whole (422).
#[utoipa::path(post, path = "/flows/import", tag = "flows", request_body = FlowDocument,
    responses((status = 201, body = Flow), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn import_flow(
    State(state): State<AppState>,
    principal: Principal,
    ApiJson(document): ApiJson<FlowDocument>,
) -> ApiResult<(StatusCode, ApiJson<Flow>)> {
    Ok((StatusCode::CREATED, ApiJson(state.ops.import_flow(&principal, &document).await?)))
}

/// The version history, newest first.
#[utoipa::path(get, path = "/flows/{id}/versions", tag = "flows", params(("id" = String, Path)),
    responses((status = 200, body = Vec<FlowVersion>), (status = 404, body = ErrorBody)))]
async fn list_versions(State(state): State<AppState>, principal: Principal, ApiPath(id): ApiPath<String>) -> ApiResult<ApiJson<Vec<FlowVersion>>> {
    Ok(ApiJson(state.ops.list_flow_versions(&principal, &id).await?))
}

/// One version with its graph.
#[utoipa::path(get, path = "/flows/{id}/versions/{version}", tag = "flows", params(("id" = String, Path), ("version" = i64, Path)),
    responses((status = 200, body = FlowVersionDetail), (status = 404, body = ErrorBody)))]
async fn get_version(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath((id, version)): ApiPath<(String, i64)>,
) -> ApiResult<ApiJson<FlowVersionDetail>> {
    Ok(ApiJson(state.ops.get_flow_version(&principal, &id, version).await?))
}

/// Make an old version the newest again; it is saved as a new version.
#[utoipa::path(post, path = "/flows/{id}/versions/{version}/restore", tag = "flows", params(("id" = String, Path), ("version" = i64, Path)),
    responses((status = 200, body = Flow), (status = 404, body = ErrorBody)))]
async fn restore_version(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath((id, version)): ApiPath<(String, i64)>,
) -> ApiResult<ApiJson<Flow>> {
    Ok(ApiJson(state.ops.restore_flow_version(&principal, &id, version).await?))
}

/// Publish the newest saved version: runs started from now on use it (runs already going
/// keep theirs). Answers the version that now runs; publishing it again changes nothing.
#[utoipa::path(post, path = "/flows/{id}/publish", tag = "flows", params(("id" = String, Path)),
    responses((status = 200, body = PublishedVersion), (status = 404, body = ErrorBody)))]
async fn publish_flow(State(state): State<AppState>, principal: Principal, ApiPath(id): ApiPath<String>) -> ApiResult<ApiJson<PublishedVersion>> {
    Ok(ApiJson(PublishedVersion { version: state.ops.publish_flow(&principal, &id).await? }))
}

/// Run an earlier published version again; the draft stays as it is. A version that was
/// never published is refused (422): restore it and publish it instead.
#[utoipa::path(post, path = "/flows/{id}/rollback", tag = "flows", params(("id" = String, Path)),
    request_body(content = Rollback, example = json!({"version": 3})),
    responses((status = 200, body = PublishedVersion), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn rollback_flow(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<String>,
    ApiJson(rollback): ApiJson<Rollback>,
) -> ApiResult<ApiJson<PublishedVersion>> {
    Ok(ApiJson(PublishedVersion { version: state.ops.rollback_flow(&principal, &id, rollback.version).await? }))
}
