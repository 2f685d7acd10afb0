//! `/api/v1/runs`: integration runs with attempts and logs, flow runs with a record per
//! step, re-sending or re-running one, and restarting a flow run from a step.

use axum::{extract::State, http::StatusCode};
use outflow_model::{
    flow_runs::RestartFlowRun,
    runs::{Run, RunPage, RunQuery},
};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    auth::Principal,
    error::{ApiJson, ApiPath, ApiQuery, ApiResult, ErrorBody},
    state::AppState,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_runs)).routes(routes!(get_run)).routes(routes!(rerun)).routes(routes!(restart_run))
}

/// List integration and flow runs, newest first, filtered by integration, flow, kind,
/// status, alert and time.
#[utoipa::path(get, path = "/runs", tag = "runs", params(RunQuery), responses((status = 200, body = outflow_model::Page<outflow_model::runs::RunSummary>), (status = 422, body = ErrorBody)))]
async fn list_runs(State(state): State<AppState>, principal: Principal, ApiQuery(query): ApiQuery<RunQuery>) -> ApiResult<ApiJson<RunPage>> {
    Ok(ApiJson(state.ops.list_runs(&principal, &query).await?))
}

/// Read a run: an integration run with its payload, attempts and logs; a flow run also with
/// `flow`: the graph it ran and a record per block (resolved inputs, outputs, logs, timings).
#[utoipa::path(get, path = "/runs/{id}", tag = "runs", params(("id" = String, Path)), responses((status = 200, body = Run), (status = 404, body = ErrorBody)))]
async fn get_run(State(state): State<AppState>, principal: Principal, ApiPath(id): ApiPath<String>) -> ApiResult<ApiJson<Run>> {
    Ok(ApiJson(state.ops.get_run(&principal, &id).await?))
}

/// Re-send a finished integration run with the same payload and `webhook-id`, as a new run;
/// re-run a finished flow run with the same payload (the flow's current graph, acting as the
/// caller).
#[utoipa::path(post, path = "/runs/{id}/rerun", tag = "runs", params(("id" = String, Path)),
    responses((status = 201, body = Run), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn rerun(State(state): State<AppState>, principal: Principal, ApiPath(id): ApiPath<String>) -> ApiResult<(StatusCode, ApiJson<Run>)> {
    Ok((StatusCode::CREATED, ApiJson(state.ops.rerun(&principal, &id).await?)))
}

/// Restart a finished flow run from a step (`fromStep`, by default the step that failed): a
/// new run of the same flow version, linked as `restartOf`, that reuses the recorded outputs
/// of every step before it and runs from there (inside a For Each, only the iterations that
/// failed). 404 for an unknown run, 409 while it is still going, 422 for a step its version
/// lacks or that never ran.
#[utoipa::path(post, path = "/runs/{id}/restart", tag = "runs", params(("id" = String, Path)), request_body = RestartFlowRun,
    responses((status = 201, body = Run), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn restart_run(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<String>,
    ApiJson(restart): ApiJson<RestartFlowRun>,
) -> ApiResult<(StatusCode, ApiJson<Run>)> {
    Ok((StatusCode::CREATED, ApiJson(state.ops.restart_flow_run(&principal, &id, &restart).await?)))
}
