//! The HTTP API. Each resource module exposes its own `router()` of documented handlers;
//! this module joins them, serves the OpenAPI document built from those same handlers and
//! answers unknown API paths with a JSON 404.

mod agent_protocol;
mod agents;
mod alerts;
mod audit;
mod dashboard;
mod endpoints;
mod flow_runs;
mod flows;
mod forms;
mod health;
mod integrations;
mod keys;
pub mod metrics;
mod openapi;
mod people;
mod runs;
mod script_resources;
mod workflows;

use axum::{Router, middleware, routing::any};
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

use crate::{access, error::ApiError, state::AppState};

#[derive(OpenApi)]
#[openapi(
    info(title = "Outflow API", description = "Incident-alert activity turned into automation."),
    components(schemas(crate::error::ErrorBody)),
    security(("apiKey" = []))
)]
struct ApiDoc;

/// Every documented route plus the OpenAPI document that describes them. Every `/api/v1`
/// route runs behind [`access::authorize`].
pub fn router(state: &AppState) -> Router<AppState> {
    let (routes, document) = documented(api_routes().route_layer(middleware::from_fn_with_state(state.clone(), access::authorize))).split_for_parts();
    routes.merge(openapi::router(openapi::finish(document))).route("/api", any(api_route_not_found)).route("/api/{*rest}", any(api_route_not_found))
}

/// The OpenAPI document `/api/v1/openapi.json` serves, built without a server (for tests
/// and `outflow openapi`).
pub fn document() -> serde_json::Value {
    openapi::finish(documented(api_routes()).split_for_parts().1)
}

fn documented(api: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi()).merge(health::router()).nest("/api/v1", api)
}

/// The `/api/v1` routes, before access control is layered on.
fn api_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(workflows::router())
        .merge(forms::router())
        .merge(people::router())
        .merge(alerts::router())
        .merge(endpoints::router())
        .merge(integrations::router())
        .merge(flows::router())
        .merge(flow_runs::router())
        .merge(runs::router())
        .merge(dashboard::router())
        .merge(script_resources::router())
        .merge(keys::router())
        .merge(audit::router())
        .merge(agents::router())
        .merge(agent_protocol::router())
}

async fn api_route_not_found(uri: axum::http::Uri) -> ApiError {
    ApiError::new(axum::http::StatusCode::NOT_FOUND, "route_not_found", format!("No API route at {}.", uri.path()))
}
