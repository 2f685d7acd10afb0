//! `/api/v1/alerts`: start, list and read alerts, and everything people do to them
//! (status changes, comments, responses, manual escalations).

use axum::{
    extract::State,
    http::StatusCode,
};
use outflow_core::store;
use outflow_model::alerts::{Alert, AlertPage, AlertQuery, ManualEscalation, NewAlert, NewComment, NewResponse, StatusChange};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    auth::Principal,
    error::{ApiJson, ApiPath, ApiQuery, ApiResult, ErrorBody},
    state::AppState,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(start_alert, list_alerts))
        .routes(routes!(get_alert))
        .routes(routes!(change_status))
        .routes(routes!(add_comment))
        .routes(routes!(add_response))
        .routes(routes!(escalate))
}

/// Start an alert: validates it against its form and notifies its recipients.
#[utoipa::path(post, path = "/alerts", tag = "alerts", request_body = NewAlert,
    responses((status = 201, body = Alert), (status = 422, body = ErrorBody)))]
async fn start_alert(State(state): State<AppState>, principal: Principal, ApiJson(input): ApiJson<NewAlert>) -> ApiResult<(StatusCode, ApiJson<Alert>)> {
    store::ensure_form_usable(&state.pool, &principal, &input.form_id).await?;
    let alert = store::create_alert(&state.pool, Some(&principal.actor()), &input).await?;
    state.wakeups.alert_changed();
    Ok((StatusCode::CREATED, ApiJson(alert)))
}

/// List alerts, newest first, filtered by status, form, a property value and time.
#[utoipa::path(get, path = "/alerts", tag = "alerts", params(AlertQuery),
    responses((status = 200, body = outflow_model::Page<outflow_model::alerts::AlertSummary>), (status = 422, body = ErrorBody)))]
async fn list_alerts(
    State(state): State<AppState>,
    _principal: Principal,
    ApiQuery(query): ApiQuery<AlertQuery>,
) -> ApiResult<ApiJson<AlertPage>> {
    Ok(ApiJson(store::list_alerts(&state.pool, &query).await?))
}

/// Read an alert with its notifications, responses, comments and timeline.
#[utoipa::path(get, path = "/alerts/{eventIdentifier}", tag = "alerts", params(("eventIdentifier" = i64, Path)),
    responses((status = 200, body = Alert), (status = 404, body = ErrorBody)))]
async fn get_alert(State(state): State<AppState>, _principal: Principal, ApiPath(id): ApiPath<i64>) -> ApiResult<ApiJson<Alert>> {
    Ok(ApiJson(store::get_alert(&state.pool, id).await?))
}

/// Suspend, resume or terminate an alert; illegal transitions answer 409.
#[utoipa::path(post, path = "/alerts/{eventIdentifier}/status", tag = "alerts", params(("eventIdentifier" = i64, Path)),
    request_body = StatusChange,
    responses((status = 200, body = Alert), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn change_status(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<i64>,
    ApiJson(change): ApiJson<StatusChange>,
) -> ApiResult<ApiJson<Alert>> {
    let alert = store::change_status(&state.pool, Some(&principal.actor()), id, change.status).await?;
    state.wakeups.alert_changed();
    Ok(ApiJson(alert))
}

/// Comment on an alert, from any source.
#[utoipa::path(post, path = "/alerts/{eventIdentifier}/comments", tag = "alerts", params(("eventIdentifier" = i64, Path)),
    request_body = NewComment,
    responses((status = 201, body = Alert), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn add_comment(
    State(state): State<AppState>,
    _principal: Principal,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<NewComment>,
) -> ApiResult<(StatusCode, ApiJson<Alert>)> {
    let alert = store::add_comment(&state.pool, id, &input).await?;
    state.wakeups.alert_changed();
    Ok((StatusCode::CREATED, ApiJson(alert)))
}

/// Respond to a notification as its recipient; applies the choice's action.
#[utoipa::path(post, path = "/alerts/{eventIdentifier}/responses", tag = "alerts", params(("eventIdentifier" = i64, Path)),
    request_body = NewResponse,
    responses((status = 201, body = Alert), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn add_response(
    State(state): State<AppState>,
    _principal: Principal,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<NewResponse>,
) -> ApiResult<(StatusCode, ApiJson<Alert>)> {
    let alert = store::add_response(&state.pool, id, &input).await?;
    state.wakeups.alert_changed();
    Ok((StatusCode::CREATED, ApiJson(alert)))
}

/// Escalate a targeted group to its next member now (`MANUAL`).
#[utoipa::path(post, path = "/alerts/{eventIdentifier}/escalations", tag = "alerts", params(("eventIdentifier" = i64, Path)),
    request_body = ManualEscalation,
    responses((status = 201, body = Alert), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn escalate(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<ManualEscalation>,
) -> ApiResult<(StatusCode, ApiJson<Alert>)> {
    let alert = store::escalate_manually(&state.pool, Some(&principal.actor()), id, input.group.as_deref()).await?;
    state.wakeups.alert_changed();
    Ok((StatusCode::CREATED, ApiJson(alert)))
}
