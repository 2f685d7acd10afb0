//! The caller a handler acts for. [`crate::access::authorize`] has already authenticated
//! the request and checked the route's rule; handlers take the [`Principal`] it left in the
//! request's extensions, and check workflow membership with [`visible`].

use axum::{extract::FromRequestParts, http::request::Parts};

pub use outflow_core::store::Principal;
use outflow_core::store;

use crate::{access::unauthorized, error::ApiResult, state::AppState};

impl FromRequestParts<AppState> for Principal {
    type Rejection = crate::error::ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &AppState) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<Principal>().cloned().ok_or_else(|| unauthorized("This API needs an `Authorization: Bearer <api key>` header."))
    }
}

/// Refuses with "not found" (the same answer as for a missing object) unless the
/// principal may see `workflow_id`.
pub async fn visible(state: &AppState, principal: &Principal, workflow_id: &str, not_found: impl FnOnce() -> String) -> ApiResult<()> {
    Ok(store::ensure_workflow_access(&state.pool, principal, workflow_id, not_found).await?)
}
