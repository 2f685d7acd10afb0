//! The HTTP API. Each resource module exposes its own `router()` of documented handlers;
//! this module joins them, serves the OpenAPI document built from those same handlers and
//! answers unknown API paths with a JSON 404.

mod alerts;
mod endpoints;
mod flows;
mod forms;
mod health;
mod integrations;
mod openapi;
mod people;
mod runs;
mod script_resources;
mod workflows;

use axum::{Router, routing::any};
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

use crate::{error::ApiError, state::AppState};

#[derive(OpenApi)]
#[openapi(
    info(title = "Outflow API", description = "Incident-alert activity turned into automation."),
    components(schemas(crate::error::ErrorBody))
)]
struct ApiDoc;

/// Every documented route plus the OpenAPI document that describes them.
pub fn router() -> Router<AppState> {
    let (routes, document) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(health::router())
        .nest(
            "/api/v1",
            OpenApiRouter::new()
                .merge(workflows::router())
                .merge(forms::router())
                .merge(people::router())
                .merge(alerts::router())
                .merge(endpoints::router())
                .merge(integrations::router())
                .merge(flows::router())
                .merge(runs::router())
                .merge(script_resources::router()),
        )
        .split_for_parts();
    routes
        .merge(openapi::router(document))
        .route("/api", any(api_route_not_found))
        .route("/api/{*rest}", any(api_route_not_found))
}

async fn api_route_not_found(uri: axum::http::Uri) -> ApiError {
    ApiError::new(axum::http::StatusCode::NOT_FOUND, "route_not_found", format!("No API route at {}.", uri.path()))
}
