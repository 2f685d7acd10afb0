//! People: `/api/v1/users` (with their devices and API keys) and `/api/v1/groups`.

use axum::{extract::State, http::StatusCode};
use outflow_model::people::{Device, DevicePatch, Group, GroupPatch, NewDevice, NewGroup, NewUser, User, UserPatch};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    auth::Principal,
    error::{ApiJson, ApiPath, ApiResult, ErrorBody},
    state::AppState,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_user, list_users))
        .routes(routes!(get_user, update_user))
        .routes(routes!(add_device))
        .routes(routes!(update_device, delete_device))
        .routes(routes!(create_group, list_groups))
        .routes(routes!(get_group, update_group))
}

/// Create a user; the targetName must be free among users and groups.
#[utoipa::path(post, path = "/users", tag = "people", request_body = NewUser,
    responses((status = 201, body = User), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_user(
    State(state): State<AppState>,
    principal: Principal,
    ApiJson(input): ApiJson<NewUser>,
) -> ApiResult<(StatusCode, ApiJson<User>)> {
    Ok((StatusCode::CREATED, ApiJson(state.ops.create_user(&principal, &input).await?)))
}

/// List users with their devices.
#[utoipa::path(get, path = "/users", tag = "people", responses((status = 200, body = Vec<User>)))]
async fn list_users(State(state): State<AppState>, principal: Principal) -> ApiResult<ApiJson<Vec<User>>> {
    Ok(ApiJson(state.ops.list_users(&principal).await?))
}

/// Read one user with devices.
#[utoipa::path(get, path = "/users/{targetName}", tag = "people", params(("targetName" = String, Path)),
    responses((status = 200, body = User), (status = 404, body = ErrorBody)))]
async fn get_user(State(state): State<AppState>, principal: Principal, ApiPath(target_name): ApiPath<String>) -> ApiResult<ApiJson<User>> {
    Ok(ApiJson(state.ops.get_user(&principal, &target_name).await?))
}

/// Change a user's names, roles or active flag (deactivate with `{"active": false}`).
#[utoipa::path(patch, path = "/users/{targetName}", tag = "people", params(("targetName" = String, Path)), request_body = UserPatch,
    responses((status = 200, body = User), (status = 404, body = ErrorBody)))]
async fn update_user(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(target_name): ApiPath<String>,
    ApiJson(patch): ApiJson<UserPatch>,
) -> ApiResult<ApiJson<User>> {
    Ok(ApiJson(state.ops.update_user(&principal, &target_name, &patch).await?))
}

/// Add a device to a user.
#[utoipa::path(post, path = "/users/{targetName}/devices", tag = "people", params(("targetName" = String, Path)), request_body = NewDevice,
    responses((status = 201, body = Device), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn add_device(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(target_name): ApiPath<String>,
    ApiJson(input): ApiJson<NewDevice>,
) -> ApiResult<(StatusCode, ApiJson<Device>)> {
    Ok((StatusCode::CREATED, ApiJson(state.ops.add_device(&principal, &target_name, &input).await?)))
}

/// Change a device (name, address, delay, active flag, test outcome).
#[utoipa::path(patch, path = "/users/{targetName}/devices/{deviceId}", tag = "people",
    params(("targetName" = String, Path), ("deviceId" = String, Path)), request_body = DevicePatch,
    responses((status = 200, body = Device), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_device(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath((target_name, device_id)): ApiPath<(String, String)>,
    ApiJson(patch): ApiJson<DevicePatch>,
) -> ApiResult<ApiJson<Device>> {
    Ok(ApiJson(state.ops.update_device(&principal, &target_name, &device_id, &patch).await?))
}

/// Remove a device; its past notifications keep its name.
#[utoipa::path(delete, path = "/users/{targetName}/devices/{deviceId}", tag = "people",
    params(("targetName" = String, Path), ("deviceId" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
async fn delete_device(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath((target_name, device_id)): ApiPath<(String, String)>,
) -> ApiResult<StatusCode> {
    state.ops.delete_device(&principal, &target_name, &device_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Create a group with ordered members and an escalation delay.
#[utoipa::path(post, path = "/groups", tag = "people", request_body = NewGroup,
    responses((status = 201, body = Group), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_group(
    State(state): State<AppState>,
    principal: Principal,
    ApiJson(input): ApiJson<NewGroup>,
) -> ApiResult<(StatusCode, ApiJson<Group>)> {
    Ok((StatusCode::CREATED, ApiJson(state.ops.create_group(&principal, &input).await?)))
}

/// List groups.
#[utoipa::path(get, path = "/groups", tag = "people", responses((status = 200, body = Vec<Group>)))]
async fn list_groups(State(state): State<AppState>, principal: Principal) -> ApiResult<ApiJson<Vec<Group>>> {
    Ok(ApiJson(state.ops.list_groups(&principal).await?))
}

/// Read one group.
#[utoipa::path(get, path = "/groups/{targetName}", tag = "people", params(("targetName" = String, Path)),
    responses((status = 200, body = Group), (status = 404, body = ErrorBody)))]
async fn get_group(State(state): State<AppState>, principal: Principal, ApiPath(target_name): ApiPath<String>) -> ApiResult<ApiJson<Group>> {
    Ok(ApiJson(state.ops.get_group(&principal, &target_name).await?))
}

/// Change a group's members, escalation delay or active flag.
#[utoipa::path(patch, path = "/groups/{targetName}", tag = "people", params(("targetName" = String, Path)), request_body = GroupPatch,
    responses((status = 200, body = Group), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_group(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(target_name): ApiPath<String>,
    ApiJson(patch): ApiJson<GroupPatch>,
) -> ApiResult<ApiJson<Group>> {
    Ok(ApiJson(state.ops.update_group(&principal, &target_name, &patch).await?))
}
