//! `/api/v1/audit` (admins: who changed which configuration object, newest first) and
//! `/api/v1/me` (who the key belongs to).

use axum::extract::State;
use outflow_model::{
    Page,
    access::{AuditEntry, CurrentUser},
    limits::paging,
};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    auth::Principal,
    error::{ApiError, ApiJson, ApiQuery, ApiResult, ErrorBody},
    state::AppState,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_audit)).routes(routes!(me))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
struct AuditQuery {
    limit: Option<u32>,
    offset: Option<u32>,
}

/// The audit log, newest first.
#[utoipa::path(get, path = "/audit", tag = "access", params(AuditQuery),
    responses((status = 200, body = Page<AuditEntry>), (status = 403, body = ErrorBody)))]
async fn list_audit(
    State(state): State<AppState>,
    principal: Principal,
    ApiQuery(query): ApiQuery<AuditQuery>,
) -> ApiResult<ApiJson<Page<AuditEntry>>> {
    let (limit, offset) = paging(query.limit, query.offset).map_err(ApiError::validation)?;
    Ok(ApiJson(state.ops.list_audit(&principal, limit, offset).await?))
}

/// The user this API key acts for, with their roles.
#[utoipa::path(get, path = "/me", tag = "access", responses((status = 200, body = CurrentUser)))]
async fn me(principal: Principal) -> ApiJson<CurrentUser> {
    ApiJson(CurrentUser { target_name: principal.target_name, roles: principal.roles })
}
