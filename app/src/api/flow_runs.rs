//! Server functions of "Test flow" in the designer: a payload of a trigger block to start
//! from, and starting a test run of the graph as drawn. The run itself is read with
//! `runs::fetch_run` while the engine's worker executes it.

use leptos::{prelude::*, server_fn::codec::Json};

use super::UiError;
#[cfg(feature = "ssr")]
use super::ssr::{caller, ops};
use crate::model::flow_runs::{SamplePayload, TestFlowRun};

/// What the trigger block `trigger` last sent, else the example its trigger would send, as
/// `GET /api/v1/flows/{id}/sample` answers; `key` is the block's trigger, for a block not
/// saved yet.
#[server(prefix = "/ui", endpoint = "/flow_sample", input = Json)]
pub async fn flow_sample(flow_id: String, trigger: String, key: String) -> Result<SamplePayload, UiError> {
    Ok(ops()?.flow_sample(&caller()?, &flow_id, &trigger, Some(&key)).await?)
}

/// Starts a test run of the flow (of `test.blocks`/`test.edges` when given: the unsaved
/// canvas) acting as the signed-in user, as `POST /api/v1/flows/{id}/test` does; answers
/// the run's id.
#[server(prefix = "/ui", endpoint = "/test_flow", input = Json)]
pub async fn test_flow(flow_id: String, test: TestFlowRun) -> Result<String, UiError> {
    Ok(ops()?.test_flow(&caller()?, &flow_id, &test).await?)
}
