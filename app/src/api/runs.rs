//! Server functions of the Activity pages: the run listing with its filters, one run (an
//! integration run with its attempts and log, a flow run with a record per step),
//! re-sending or re-running one, and restarting a flow run from a step.

use leptos::{prelude::*, server_fn::codec::Json};

use super::UiError;
#[cfg(feature = "ssr")]
use super::ssr::{caller, ops};
use crate::model::{
    flow_runs::RestartFlowRun,
    runs::{Run, RunPage, RunQuery},
};

/// Runs, newest first, filtered and paged as the query says.
#[server(prefix = "/ui", endpoint = "/list_runs", input = Json)]
pub async fn list_runs(query: RunQuery) -> Result<RunPage, UiError> {
    Ok(ops()?.list_runs(&caller()?, &query).await?)
}

#[server(prefix = "/ui", endpoint = "/fetch_run", input = Json)]
pub async fn fetch_run(id: String) -> Result<Run, UiError> {
    Ok(ops()?.get_run(&caller()?, &id).await?)
}

/// Sends a finished run again with the same payload and `webhook-id`, as a new run (a flow
/// run runs again with the same payload, acting as the signed-in user).
#[server(prefix = "/ui", endpoint = "/rerun", input = Json)]
pub async fn rerun(id: String) -> Result<Run, UiError> {
    Ok(ops()?.rerun(&caller()?, &id).await?)
}

/// Restarts a finished flow run from a step (by default the one that failed), reusing what
/// ran before it, acting as the signed-in user; answers the new run.
#[server(prefix = "/ui", endpoint = "/restart_run", input = Json)]
pub async fn restart_run(id: String, restart: RestartFlowRun) -> Result<Run, UiError> {
    Ok(ops()?.restart_flow_run(&caller()?, &id, &restart).await?)
}
