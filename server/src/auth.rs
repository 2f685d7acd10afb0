//! Who is calling: the `Authorization: Bearer <api key>` header resolved to an active user.
//! A missing, unknown or revoked key is a 401 before any handler runs.

use axum::{
    extract::FromRequestParts,
    http::{StatusCode, header, request::Parts},
};

pub use outflow_core::store::Principal;
use outflow_core::store;

use crate::{error::ApiError, state::AppState};

impl FromRequestParts<AppState> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let header = parts.headers.get(header::AUTHORIZATION).ok_or_else(|| {
            unauthorized("This API needs an `Authorization: Bearer <api key>` header.")
        })?;
        let key = header
            .to_str()
            .ok()
            .and_then(|value| value.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|key| !key.is_empty())
            .ok_or_else(|| unauthorized("The Authorization header must be `Bearer <api key>`."))?;
        store::principal_for_api_key(&state.pool, key)
            .await?
            .ok_or_else(|| unauthorized("This API key is unknown, revoked, or its user is inactive."))
    }
}

fn unauthorized(message: &str) -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
}
