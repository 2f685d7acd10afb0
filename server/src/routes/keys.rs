//! `/api/v1/users/{targetName}/api-keys` and `…/password`: a user manages their own keys
//! and password, an admin anyone's (the rule is in `crate::access`). Key values are shown
//! once, at creation.

use axum::{extract::State, http::StatusCode};
use outflow_model::access::{ApiKey, CreatedApiKey, NewApiKey, NewPassword};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    auth::Principal,
    error::{ApiJson, ApiPath, ApiResult, ErrorBody},
    state::AppState,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(create_key, list_keys)).routes(routes!(revoke_key)).routes(routes!(set_password))
}

/// Create an API key for a user; the answer is the only time the key is shown.
#[utoipa::path(post, path = "/users/{targetName}/api-keys", tag = "access", params(("targetName" = String, Path)), request_body = NewApiKey,
    responses((status = 201, body = CreatedApiKey), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_key(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(target_name): ApiPath<String>,
    ApiJson(input): ApiJson<NewApiKey>,
) -> ApiResult<(StatusCode, ApiJson<CreatedApiKey>)> {
    Ok((StatusCode::CREATED, ApiJson(state.ops.create_api_key(&principal, &target_name, &input.name).await?)))
}

/// List a user's API keys with when each was last used; never their values.
#[utoipa::path(get, path = "/users/{targetName}/api-keys", tag = "access", params(("targetName" = String, Path)),
    responses((status = 200, body = Vec<ApiKey>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn list_keys(State(state): State<AppState>, principal: Principal, ApiPath(target_name): ApiPath<String>) -> ApiResult<ApiJson<Vec<ApiKey>>> {
    Ok(ApiJson(state.ops.list_api_keys(&principal, &target_name).await?))
}

/// Revoke an API key: from now on it authenticates nothing.
#[utoipa::path(delete, path = "/users/{targetName}/api-keys/{keyId}", tag = "access", params(("targetName" = String, Path), ("keyId" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn revoke_key(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath((target_name, key_id)): ApiPath<(String, String)>,
) -> ApiResult<StatusCode> {
    state.ops.revoke_api_key(&principal, &target_name, &key_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Set a user's sign-in password (at least 10 characters); their browser sessions end.
#[utoipa::path(put, path = "/users/{targetName}/password", tag = "access", params(("targetName" = String, Path)), request_body = NewPassword,
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn set_password(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(target_name): ApiPath<String>,
    ApiJson(input): ApiJson<NewPassword>,
) -> ApiResult<StatusCode> {
    state.ops.set_password(&principal, &target_name, &input.password).await?;
    Ok(StatusCode::NO_CONTENT)
}
