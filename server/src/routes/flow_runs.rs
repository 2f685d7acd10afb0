//! Starting flow runs: by id (`POST /api/v1/flows/{id}/runs`, for other systems and scripts),
//! through a flow's HTTP trigger (`POST /api/v1/flows/{id}/http`, an inbound URL
//! authenticated by an API key as a Bearer token or as the password of basic auth, per the
//! trigger block's `auth` setting), both executed in this process at once, and testing one
//! from the designer on a sample payload (`/test`, `/sample`). Reading runs is `/api/v1/runs`.

use std::time::Duration;

use axum::{
    Extension,
    body::Bytes,
    extract::{RawQuery, State, rejection::BytesRejection},
    http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use outflow_core::{
    payload,
    store::{NewFlowRun, RunnableFlow},
};
use outflow_model::{
    flow_runs::{SamplePayload, SampleQuery, StartFlowRun, StartedBy, StartedFlowRun, TestFlowRun, WaitQuery},
    flows::{
        HTTP_TRIGGER, SYNC_TIMEOUT_MAX_SECONDS, as_text,
        settings::{HttpAuth, HttpMode, HttpTriggerSettings},
    },
    runs::{Run, RunStatus},
};
use serde_json::{Map, Value, json};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    access::{Credential, unauthorized},
    auth::Principal,
    engine::Ending,
    error::{ApiError, ApiJson, ApiPath, ApiQuery, ApiResult, ErrorBody},
    state::AppState,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(start_run)).routes(routes!(http_trigger)).routes(routes!(test_run)).routes(routes!(sample_payload))
}

/// Longest `?wait=true` waits before answering 202 instead.
const LONGEST_WAIT: Duration = Duration::from_secs(SYNC_TIMEOUT_MAX_SECONDS);

/// The flow (from the engine's cache), if the caller may start a run of it.
async fn runnable(state: &AppState, principal: &Principal, id: &str, http: bool) -> ApiResult<std::sync::Arc<RunnableFlow>> {
    let flow = state.engine.runnable_flow(id).await?;
    if http {
        state.ops.may_call_http_trigger(principal, id, &flow.workflow_id).await?;
    } else {
        state.ops.may_start_flow_run(principal, id, &flow.workflow_id).await?;
    }
    Ok(flow)
}

/// A flow never published or turned off answers 409 (see `RunnableFlow::refusal`).
fn refuse_disabled(flow: &RunnableFlow) -> ApiResult<()> {
    match flow.refusal() {
        None => Ok(()),
        Some(reason) => Err(ApiError::conflict(reason)),
    }
}

/// Start a run of the flow with a trigger payload. `trigger` names the trigger block (needed
/// when several have steps); a Responses trigger takes the chosen `response` in the payload.
/// Answers 202 with the run id at once, or with `?wait=true` 200 with the finished run (202
/// when it takes longer than 25 s). A flow turned off or never published answers 409. The run's Outflow steps act
/// as the caller.
#[utoipa::path(post, path = "/flows/{id}/runs", tag = "flows", params(("id" = String, Path), WaitQuery),
    request_body(content = StartFlowRun, example = json!({"trigger": "t1", "payload": {"ticket": "INC-4711", "severity": "high"}})),
    responses((status = 202, body = StartedFlowRun), (status = 200, body = Run), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn start_run(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<String>,
    ApiQuery(wait): ApiQuery<WaitQuery>,
    ApiJson(start): ApiJson<StartFlowRun>,
) -> ApiResult<Response> {
    let flow = runnable(&state, &principal, &id, false).await?;
    refuse_disabled(&flow)?;
    let payload = if start.payload.is_null() { Value::Object(Map::new()) } else { start.payload };
    let (trigger_block, _) = flow.start_point(start.trigger.as_deref(), false, &payload)?;
    let new = NewFlowRun {
        flow: (*flow).clone(),
        started_by: StartedBy::Api,
        trigger_block,
        payload,
        acting_user_id: Some(principal.user_id),
        rerun_of: None,
        chain_depth: principal.chain_depth(),
    };
    let (run_id, status, ending) = state.engine.start(new).await?;
    if wait.wait && matches!(tokio::time::timeout(LONGEST_WAIT, ending).await, Ok(Ok(Ending::Finished { .. }))) {
        return Ok(ApiJson(state.ops.get_run(&principal, &run_id).await?).into_response());
    }
    Ok((StatusCode::ACCEPTED, ApiJson(StartedFlowRun { run_id, status })).into_response())
}

/// The flow's HTTP trigger: the request (`body`, `headers` without credentials, `query`)
/// becomes the trigger's outputs. Authenticate with an API key, as the trigger's `auth`
/// setting says: `Authorization: Bearer <key>` (apiKey) or basic auth with a user name and
/// one of that user's API keys as the password (basic). In async mode (default) the answer
/// is 202 with the run id; in sync mode it is the last step's output — `statusCode`,
/// `headers` and `body` — once the run ends (502 when it failed; 504 when it takes longer
/// than the trigger's `timeoutSeconds`; the run goes on either way). A JSON content type
/// with a body that is not JSON answers 400.
#[utoipa::path(post, path = "/flows/{id}/http", tag = "flows", params(("id" = String, Path)),
    request_body(content = serde_json::Value, description = "Any JSON (the trigger's `body` output); a body of another type is taken as text.",
        example = json!({"ticket": "INC-4711", "severity": "high", "summary": "Database latency above 2 s"})),
    responses((status = 202, body = StartedFlowRun), (status = 200, body = serde_json::Value, description = "sync mode: the last step's output `body`"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 502, body = ErrorBody), (status = 504, body = ErrorBody)))]
async fn http_trigger(
    State(state): State<AppState>,
    principal: Principal,
    Extension(credential): Extension<Credential>,
    ApiPath(id): ApiPath<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let flow = runnable(&state, &principal, &id, true).await?;
    let body = body?;
    let trigger = flow
        .graph
        .blocks
        .iter()
        .find(|block| block.trigger.as_deref() == Some(HTTP_TRIGGER))
        .ok_or_else(|| ApiError::not_found(format!("The flow \"{}\" has no HTTP trigger.", flow.name)))?;
    let settings = HttpTriggerSettings::of(&trigger.settings);
    let wants_basic = settings.auth == HttpAuth::Basic;
    if wants_basic != (credential == Credential::Basic) {
        let how = if wants_basic {
            "basic authentication (a user name, and one of that user's API keys as the password)"
        } else {
            "an API key: `Authorization: Bearer <key>`"
        };
        return Err(unauthorized(&format!("This flow's HTTP trigger takes {how}.")));
    }
    refuse_disabled(&flow)?;
    let payload = payload::http(request_body(&headers, &body)?, request_headers(&headers), query_fields(query.as_deref()));
    let sync = settings.mode == HttpMode::Sync;
    let timeout = Duration::from_secs(settings.timeout_seconds);
    let new = NewFlowRun {
        flow: (*flow).clone(),
        started_by: StartedBy::Http,
        trigger_block: trigger.clone(),
        payload,
        acting_user_id: Some(principal.user_id),
        rerun_of: None,
        chain_depth: principal.chain_depth(),
    };
    if !sync {
        let (run_id, status, _) = state.engine.start(new).await?;
        return Ok((StatusCode::ACCEPTED, ApiJson(StartedFlowRun { run_id, status })).into_response());
    }
    // Nothing is acknowledged before the run ends, so the run is written with its first step.
    let (run_id, ending) = state.engine.start_unacknowledged(new).await?;
    match tokio::time::timeout(timeout, ending).await {
        Ok(Ok(Ending::Finished { status: RunStatus::Succeeded, output, .. })) => Ok(reply(output.as_ref())),
        Ok(Ok(Ending::Finished { reason, .. })) => {
            Err(ApiError::new(StatusCode::BAD_GATEWAY, "flow_failed", reason.unwrap_or_else(|| "The flow run failed.".into()))
                .with_details(json!({ "runId": run_id })))
        }
        _ => Err(ApiError::new(
            StatusCode::GATEWAY_TIMEOUT,
            "flow_timeout",
            format!("The flow run did not end within {} s; it goes on as {run_id}.", timeout.as_secs()),
        )
        .with_details(json!({ "runId": run_id }))),
    }
}

/// Test the flow on a sample payload: the saved graph, or the `blocks` and `edges` given
/// (the designer's unsaved ones; a graph with errors answers 422). Runs on disabled flows
/// too, acting as the caller. Answers 202 with the run id; read it at `/runs/{runId}`.
#[utoipa::path(post, path = "/flows/{id}/test", tag = "flows", params(("id" = String, Path)),
    request_body(content = TestFlowRun, example = json!({"trigger": "t1", "payload": {"eventIdentifier": 42, "status": "TERMINATED"}})),
    responses((status = 202, body = StartedFlowRun), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn test_run(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<String>,
    ApiJson(test): ApiJson<TestFlowRun>,
) -> ApiResult<(StatusCode, ApiJson<StartedFlowRun>)> {
    let run_id = state.ops.test_flow(&principal, &id, &test).await?;
    Ok((StatusCode::ACCEPTED, ApiJson(StartedFlowRun { run_id, status: RunStatus::Pending })))
}

/// A payload to test one of the flow's trigger blocks with: the newest real one (what the
/// trigger's last event on the flow's form sent, or the last HTTP-triggered run's payload;
/// `source` is `event`), else the payload the trigger would send for an example alert of the
/// form (`source` is `example`; for the HTTP trigger, a call with no body).
#[utoipa::path(get, path = "/flows/{id}/sample", tag = "flows", params(("id" = String, Path), SampleQuery),
    responses((status = 200, body = SamplePayload), (status = 404, body = ErrorBody)))]
async fn sample_payload(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<String>,
    ApiQuery(query): ApiQuery<SampleQuery>,
) -> ApiResult<ApiJson<SamplePayload>> {
    Ok(ApiJson(state.ops.flow_sample(&principal, &id, &query.trigger, None).await?))
}

/// The request body as the trigger's `body` output: JSON when it is JSON, else the text.
fn request_body(headers: &HeaderMap, body: &Bytes) -> ApiResult<Value> {
    if body.is_empty() {
        return Ok(Value::Null);
    }
    let declared_json = headers.get(header::CONTENT_TYPE).and_then(|value| value.to_str().ok()).is_some_and(|kind| kind.contains("json"));
    if declared_json {
        return serde_json::from_slice(body)
            .map_err(|error| ApiError::new(StatusCode::BAD_REQUEST, "malformed_json", format!("The body is declared as JSON but is not: {error}")));
    }
    let text = std::str::from_utf8(body).map_err(|_| ApiError::bad_request("The body must be UTF-8 text or JSON."))?;
    Ok(serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_string())))
}

/// Request headers as the trigger's `headers` output; credentials are left out.
fn request_headers(headers: &HeaderMap) -> Map<String, Value> {
    headers
        .iter()
        .filter(|(name, _)| *name != header::AUTHORIZATION && *name != header::COOKIE)
        .filter_map(|(name, value)| Some((name.to_string(), Value::String(value.to_str().ok()?.to_string()))))
        .collect()
}

fn query_fields(query: Option<&str>) -> Map<String, Value> {
    url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .map(|(name, value)| (name.into_owned(), Value::String(value.into_owned())))
        .collect()
}

/// Headers a step's output may set on the sync reply, besides `x-…` ones (see
/// [`reply_header_allowed`]): what describes the content, its caching, and where to go next.
const REPLY_HEADERS: [HeaderName; 10] = [
    header::CONTENT_TYPE,
    header::CONTENT_LANGUAGE,
    header::CONTENT_DISPOSITION,
    header::CACHE_CONTROL,
    header::EXPIRES,
    header::ETAG,
    header::LAST_MODIFIED,
    header::LOCATION,
    header::RETRY_AFTER,
    header::LINK,
];

/// `x-…` headers that are browser security settings or instructions to a reverse proxy
/// (nginx's `X-Accel-Redirect` serves internal files), not data.
const REFUSED_X_PREFIXES: [&str; 9] = [
    "x-frame-",
    "x-content-type-",
    "x-xss-",
    "x-permitted-cross-domain-",
    "x-dns-prefetch-",
    "x-download-options",
    "x-accel-",
    "x-sendfile",
    "x-lighttpd-",
];

/// Whether the sync reply carries a header of the last step's output: the content and
/// caching headers of [`REPLY_HEADERS`] and `x-…` data headers. Never cookies, security
/// policies (CSP, HSTS, framing), CORS, or the server's own framing (length, encoding).
fn reply_header_allowed(name: &HeaderName) -> bool {
    let name = name.as_str();
    REPLY_HEADERS.iter().any(|allowed| allowed == name)
        || (name.starts_with("x-") && !REFUSED_X_PREFIXES.iter().any(|refused| name.starts_with(refused)))
}

/// The sync answer from the last step's output: its `statusCode` (else 200), its `headers`
/// that [`reply_header_allowed`] lets through (others are dropped), and its `body` (text as
/// it is, anything else as JSON; the whole output when it has none).
fn reply(output: Option<&Value>) -> Response {
    let empty = Value::Object(Map::new());
    let output = output.unwrap_or(&empty);
    let status = output
        .get("statusCode")
        .and_then(Value::as_u64)
        .and_then(|code| u16::try_from(code).ok())
        .and_then(|code| StatusCode::from_u16(code).ok())
        .unwrap_or(StatusCode::OK);
    let (body, json_body) = match output.get("body") {
        Some(Value::String(text)) => (text.clone(), serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok()),
        Some(other) => (other.to_string(), true),
        None => (output.to_string(), true),
    };
    let mut response = (status, body).into_response();
    let kind = if json_body { "application/json" } else { "text/plain; charset=utf-8" };
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    if let Some(Value::Object(headers)) = output.get("headers") {
        for (name, value) in headers {
            let (Ok(name), Ok(value)) = (HeaderName::try_from(name.as_str()), HeaderValue::try_from(as_text(value).as_ref())) else { continue };
            if reply_header_allowed(&name) {
                response.headers_mut().insert(name, value);
            }
        }
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sync_reply_takes_only_allowlisted_headers() {
        let output = json!({"statusCode": 201, "body": "ok", "headers": {
            "Set-Cookie": "session=stolen", "Content-Security-Policy": "default-src *", "Content-Security-Policy-Report-Only": "x",
            "X-Frame-Options": "ALLOW", "Strict-Transport-Security": "max-age=0", "Access-Control-Allow-Origin": "*",
            "X-Content-Type-Options": "sniff", "X-Accel-Redirect": "/internal", "Content-Length": "1", "Transfer-Encoding": "chunked",
            "X-Ticket": "1", "Cache-Control": "no-store", "Location": "/next", "ETag": "\"v1\"", "Content-Language": "de", "Retry-After": 5}});
        let response = reply(Some(&output));
        assert_eq!(response.status(), StatusCode::CREATED);
        let mut names: Vec<&str> = response.headers().keys().map(HeaderName::as_str).collect();
        names.sort_unstable();
        assert_eq!(names, ["cache-control", "content-language", "content-type", "etag", "location", "retry-after", "x-ticket"]);
        assert_eq!(response.headers()["x-ticket"], "1");
        assert_eq!(response.headers()["retry-after"], "5");
    }
}
