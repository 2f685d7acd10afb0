//! `/api/v1/alerts`: start, list and read alerts, and everything people do to them
//! (status changes, comments, responses, manual escalations).

use axum::{extract::State, http::StatusCode};
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
async fn start_alert(
    State(state): State<AppState>,
    principal: Principal,
    ApiJson(input): ApiJson<NewAlert>,
) -> ApiResult<(StatusCode, ApiJson<Alert>)> {
    Ok((StatusCode::CREATED, ApiJson(state.ops.start_alert(&principal, &input).await?)))
}

/// List alerts, newest first, filtered by status, form, a property value and time.
#[utoipa::path(get, path = "/alerts", tag = "alerts", params(AlertQuery),
    responses((status = 200, body = outflow_model::Page<outflow_model::alerts::AlertSummary>), (status = 422, body = ErrorBody)))]
async fn list_alerts(State(state): State<AppState>, principal: Principal, ApiQuery(query): ApiQuery<AlertQuery>) -> ApiResult<ApiJson<AlertPage>> {
    Ok(ApiJson(state.ops.list_alerts(&principal, &query).await?))
}

/// Read an alert with its notifications, responses, comments and timeline.
#[utoipa::path(get, path = "/alerts/{eventIdentifier}", tag = "alerts", params(("eventIdentifier" = i64, Path)),
    responses((status = 200, body = Alert), (status = 404, body = ErrorBody)))]
async fn get_alert(State(state): State<AppState>, principal: Principal, ApiPath(id): ApiPath<i64>) -> ApiResult<ApiJson<Alert>> {
    Ok(ApiJson(state.ops.get_alert(&principal, id).await?))
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
    Ok(ApiJson(state.ops.set_alert_status(&principal, id, change.status).await?))
}

/// Comment on an alert, from any source, as the caller (`author`); an admin may comment on
/// someone's behalf, recorded as `postedBy`.
#[utoipa::path(post, path = "/alerts/{eventIdentifier}/comments", tag = "alerts", params(("eventIdentifier" = i64, Path)),
    request_body = NewComment,
    responses((status = 201, body = Alert), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn add_comment(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<NewComment>,
) -> ApiResult<(StatusCode, ApiJson<Alert>)> {
    Ok((StatusCode::CREATED, ApiJson(state.ops.add_comment(&principal, id, &input).await?)))
}

/// Respond to a notification as its recipient (the caller; an admin may respond on a
/// recipient's behalf, recorded as `postedBy`); applies the choice's action.
#[utoipa::path(post, path = "/alerts/{eventIdentifier}/responses", tag = "alerts", params(("eventIdentifier" = i64, Path)),
    request_body = NewResponse,
    responses((status = 201, body = Alert), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn add_response(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<NewResponse>,
) -> ApiResult<(StatusCode, ApiJson<Alert>)> {
    Ok((StatusCode::CREATED, ApiJson(state.ops.respond(&principal, id, &input).await?)))
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
    Ok((StatusCode::CREATED, ApiJson(state.ops.escalate_alert(&principal, id, input.group.as_deref()).await?)))
}
