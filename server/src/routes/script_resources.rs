//! `/api/v1/workflows/{id}/constants` and `/api/v1/workflows/{id}/libraries`: what the
//! workflow's scripts share. Both are named texts; each handler names its resource and the
//! shared functions below do the rest.

use axum::{extract::State, http::StatusCode};
use outflow_core::store::{NamedRow, Resource};
use outflow_model::workflows::{Constant, Library, NamedText};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    auth::Principal,
    error::{ApiJson, ApiPath, ApiResult, ErrorBody},
    state::AppState,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_constant, list_constants))
        .routes(routes!(update_constant, delete_constant))
        .routes(routes!(create_library, list_libraries))
        .routes(routes!(update_library, delete_library))
}

async fn create<T: From<NamedRow>>(
    state: &AppState,
    principal: &Principal,
    resource: Resource,
    workflow_id: &str,
    input: &NamedText,
) -> ApiResult<(StatusCode, ApiJson<T>)> {
    let created = state.ops.create_named(principal, resource, workflow_id, input).await?;
    Ok((StatusCode::CREATED, ApiJson(created.into())))
}

async fn list<T: From<NamedRow>>(state: &AppState, principal: &Principal, resource: Resource, workflow_id: &str) -> ApiResult<ApiJson<Vec<T>>> {
    Ok(ApiJson(state.ops.list_named(principal, resource, workflow_id).await?.into_iter().map(T::from).collect()))
}

async fn update<T: From<NamedRow>>(
    state: &AppState,
    principal: &Principal,
    resource: Resource,
    (workflow_id, id): (String, String),
    input: &NamedText,
) -> ApiResult<ApiJson<T>> {
    Ok(ApiJson(state.ops.update_named(principal, resource, &workflow_id, &id, input).await?.into()))
}

async fn delete(state: &AppState, principal: &Principal, resource: Resource, (workflow_id, id): (String, String)) -> ApiResult<StatusCode> {
    state.ops.delete_named(principal, resource, &workflow_id, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Add a constant (`text` is its value).
#[utoipa::path(post, path = "/workflows/{id}/constants", tag = "scripts", params(("id" = String, Path)), request_body = NamedText,
    responses((status = 201, body = Constant), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_constant(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<String>,
    ApiJson(input): ApiJson<NamedText>,
) -> ApiResult<(StatusCode, ApiJson<Constant>)> {
    create(&state, &principal, Resource::Constant, &id, &input).await
}

/// List the workflow's constants.
#[utoipa::path(get, path = "/workflows/{id}/constants", tag = "scripts", params(("id" = String, Path)),
    responses((status = 200, body = Vec<Constant>), (status = 404, body = ErrorBody)))]
async fn list_constants(State(state): State<AppState>, principal: Principal, ApiPath(id): ApiPath<String>) -> ApiResult<ApiJson<Vec<Constant>>> {
    list(&state, &principal, Resource::Constant, &id).await
}

/// Rename a constant or change its value.
#[utoipa::path(put, path = "/workflows/{id}/constants/{constantId}", tag = "scripts", params(("id" = String, Path), ("constantId" = String, Path)),
    request_body = NamedText, responses((status = 200, body = Constant), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_constant(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(ids): ApiPath<(String, String)>,
    ApiJson(input): ApiJson<NamedText>,
) -> ApiResult<ApiJson<Constant>> {
    update(&state, &principal, Resource::Constant, ids, &input).await
}

/// Delete a constant.
#[utoipa::path(delete, path = "/workflows/{id}/constants/{constantId}", tag = "scripts", params(("id" = String, Path), ("constantId" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
async fn delete_constant(State(state): State<AppState>, principal: Principal, ApiPath(ids): ApiPath<(String, String)>) -> ApiResult<StatusCode> {
    delete(&state, &principal, Resource::Constant, ids).await
}

/// Add a shared library (`text` is its script; it exports through `module.exports`).
#[utoipa::path(post, path = "/workflows/{id}/libraries", tag = "scripts", params(("id" = String, Path)), request_body = NamedText,
    responses((status = 201, body = Library), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_library(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<String>,
    ApiJson(input): ApiJson<NamedText>,
) -> ApiResult<(StatusCode, ApiJson<Library>)> {
    create(&state, &principal, Resource::Library, &id, &input).await
}

/// List the workflow's shared libraries.
#[utoipa::path(get, path = "/workflows/{id}/libraries", tag = "scripts", params(("id" = String, Path)),
    responses((status = 200, body = Vec<Library>), (status = 404, body = ErrorBody)))]
async fn list_libraries(State(state): State<AppState>, principal: Principal, ApiPath(id): ApiPath<String>) -> ApiResult<ApiJson<Vec<Library>>> {
    list(&state, &principal, Resource::Library, &id).await
}

/// Rename a library or change its script.
#[utoipa::path(put, path = "/workflows/{id}/libraries/{libraryId}", tag = "scripts", params(("id" = String, Path), ("libraryId" = String, Path)),
    request_body = NamedText, responses((status = 200, body = Library), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_library(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(ids): ApiPath<(String, String)>,
    ApiJson(input): ApiJson<NamedText>,
) -> ApiResult<ApiJson<Library>> {
    update(&state, &principal, Resource::Library, ids, &input).await
}

/// Delete a library.
#[utoipa::path(delete, path = "/workflows/{id}/libraries/{libraryId}", tag = "scripts", params(("id" = String, Path), ("libraryId" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
async fn delete_library(State(state): State<AppState>, principal: Principal, ApiPath(ids): ApiPath<(String, String)>) -> ApiResult<StatusCode> {
    delete(&state, &principal, Resource::Library, ids).await
}
