//! The caller a handler acts for. [`crate::access::authorize`] has already authenticated
//! the request and checked the route's coarse rule; handlers take the [`Principal`] it left
//! in the request's extensions and hand it to the operations layer.

use axum::{extract::FromRequestParts, http::request::Parts};

pub use outflow_core::store::Principal;

use crate::{access::unauthorized, state::AppState};

impl FromRequestParts<AppState> for Principal {
    type Rejection = crate::error::ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &AppState) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<Principal>().cloned().ok_or_else(|| unauthorized("This API needs an `Authorization: Bearer <api key>` header."))
    }
}
