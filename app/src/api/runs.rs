//! Server functions of the Activity pages: the run listing with its filters, one run (an
//! integration run with its attempts and log, a flow run with a record per step), and
//! re-sending or re-running one.

use leptos::{prelude::*, server_fn::codec::Json};

use super::UiError;
use crate::model::runs::{Run, RunPage, RunQuery};
#[cfg(feature = "ssr")]
use {
    super::ssr::{authorize, pool},
    outflow_core::{access::Need, store},
};

/// Runs, newest first, filtered and paged as the query says.
#[server(prefix = "/ui", input = Json)]
pub async fn list_runs(query: RunQuery) -> Result<RunPage, UiError> {
    authorize(Need::Viewer)?;
    Ok(store::list_runs(&pool()?, &query).await?)
}

#[server(prefix = "/ui", input = Json)]
pub async fn fetch_run(id: String) -> Result<Run, UiError> {
    let principal = authorize(Need::Viewer)?;
    let pool = pool()?;
    store::ensure_run_visible(&pool, &principal, &id).await?;
    Ok(store::get_run(&pool, &id).await?)
}

/// Sends a finished run again with the same payload and `webhook-id`, as a new run (a flow
/// run runs again with the same payload, acting as the signed-in user).
#[server(prefix = "/ui", input = Json)]
pub async fn rerun(id: String) -> Result<Run, UiError> {
    let principal = authorize(Need::Developer)?;
    let pool = pool()?;
    store::ensure_run_visible(&pool, &principal, &id).await?;
    Ok(store::rerun(&pool, &id, Some(&principal.actor())).await?)
}
