//! `/api/v1/dashboard`: the caller's workflows at a glance, the same figures the home page
//! and the Endpoints page show.

use axum::extract::State;
use outflow_model::dashboard::Dashboard;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    auth::Principal,
    error::{ApiJson, ApiResult},
    state::AppState,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_dashboard))
}

/// Health at a glance for the caller's workflows: runs per minute by outcome over the last
/// hour and day (integration and flow runs), how long endpoints took to answer webhook
/// deliveries (p50/p99), each endpoint's last 24 hours with the failing ones marked (their
/// last error and the run to re-send), queue depths and Integration Agents online.
#[utoipa::path(get, path = "/dashboard", tag = "dashboard", responses((status = 200, body = Dashboard)))]
async fn get_dashboard(State(state): State<AppState>, principal: Principal) -> ApiResult<ApiJson<Dashboard>> {
    Ok(ApiJson(state.ops.dashboard(&principal).await?))
}
