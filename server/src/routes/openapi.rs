//! `GET /api/v1/openapi.json`: the OpenAPI document generated from the handlers themselves,
//! so a route cannot exist without being documented.

use std::sync::Arc;

use axum::{Json, Router, routing::get};
use utoipa::openapi::OpenApi;

use crate::state::AppState;

pub fn router(document: OpenApi) -> Router<AppState> {
    let document = Arc::new(document);
    Router::new().route("/api/v1/openapi.json", get(move || async move { Json(document.as_ref().clone()) }))
}
