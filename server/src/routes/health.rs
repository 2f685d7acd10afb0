//! `GET /healthz`: 200 only while the database answers.

use axum::{Json, extract::State};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{error::ApiResult, state::AppState};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(healthz))
}

#[derive(Serialize, ToSchema)]
struct Health {
    status: &'static str,
}

/// Liveness and readiness: answers 200 when a query on the database succeeds.
#[utoipa::path(get, path = "/healthz", tag = "system",
    responses((status = 200, body = Health), (status = 503, body = crate::error::ErrorBody)))]
async fn healthz(State(state): State<AppState>) -> ApiResult<Json<Health>> {
    let ping = tokio::time::timeout(std::time::Duration::from_secs(2), state.store.ping()).await;
    match ping {
        Ok(Ok(())) => Ok(Json(Health { status: "ok" })),
        Ok(Err(error)) => {
            tracing::warn!(%error, "health check failed");
            Err(crate::error::ApiError::unavailable("The database does not answer."))
        }
        Err(_) => Err(crate::error::ApiError::unavailable("The database did not answer within 2 seconds.")),
    }
}
