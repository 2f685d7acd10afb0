//! Server functions of the endpoint editor: create, change and delete endpoints. Secrets
//! are sealed by the store; answers carry them masked, except the signing secret in the
//! answer that created the endpoint.

use leptos::{prelude::*, server_fn::codec::Json};

use super::UiError;
use crate::model::endpoints::{Endpoint, EndpointPatch, NewEndpoint};
#[cfg(feature = "ssr")]
use {
    super::ssr::{authorize, pool, secrets},
    outflow_core::{access::Need, store},
};

/// Creates an endpoint; the answer is the only one that shows its signing secret.
#[server(prefix = "/ui", input = Json)]
pub async fn create_endpoint(input: NewEndpoint) -> Result<Endpoint, UiError> {
    let principal = authorize(Need::Developer)?;
    let pool = pool()?;
    store::ensure_workflow_access(&pool, &principal, &input.workflow_id, || format!("No workflow with id {}.", input.workflow_id)).await?;
    Ok(store::create_endpoint(&pool, Some(&principal.actor()), &secrets()?, &input).await?)
}

/// Changes an endpoint; secrets sent back as the mask keep their stored values.
#[server(prefix = "/ui", input = Json)]
pub async fn update_endpoint(id: String, patch: EndpointPatch) -> Result<Endpoint, UiError> {
    let principal = authorize(Need::Developer)?;
    let pool = pool()?;
    store::visible_endpoint(&pool, &principal, &id).await?;
    Ok(store::update_endpoint(&pool, Some(&principal.actor()), &secrets()?, &id, &patch).await?)
}

/// Deletes an endpoint no integration uses; otherwise says which ones do.
#[server(prefix = "/ui", input = Json)]
pub async fn delete_endpoint(id: String) -> Result<(), UiError> {
    let principal = authorize(Need::Developer)?;
    let pool = pool()?;
    store::visible_endpoint(&pool, &principal, &id).await?;
    Ok(store::delete_endpoint(&pool, Some(&principal.actor()), &id).await?)
}
