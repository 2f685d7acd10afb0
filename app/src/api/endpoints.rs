//! Server functions of the endpoint editor: create, change and delete endpoints. Secrets
//! are sealed by the store; answers carry them masked, except the signing secret in the
//! answer that created the endpoint.

use leptos::{prelude::*, server_fn::codec::Json};

use super::UiError;
#[cfg(feature = "ssr")]
use super::ssr::{caller, ops};
use crate::model::endpoints::{Endpoint, EndpointPatch, NewEndpoint};

/// Creates an endpoint; the answer is the only one that shows its signing secret.
#[server(prefix = "/ui", endpoint = "/create_endpoint", input = Json)]
pub async fn create_endpoint(input: NewEndpoint) -> Result<Endpoint, UiError> {
    Ok(ops()?.create_endpoint(&caller()?, &input).await?)
}

/// Changes an endpoint; secrets sent back as the mask keep their stored values unless the
/// endpoint moves (see `ops::endpoints`).
#[server(prefix = "/ui", endpoint = "/update_endpoint", input = Json)]
pub async fn update_endpoint(id: String, patch: EndpointPatch) -> Result<Endpoint, UiError> {
    Ok(ops()?.update_endpoint(&caller()?, &id, &patch).await?)
}

/// Deletes an endpoint no integration uses; otherwise says which ones do.
#[server(prefix = "/ui", endpoint = "/delete_endpoint", input = Json)]
pub async fn delete_endpoint(id: String) -> Result<(), UiError> {
    Ok(ops()?.delete_endpoint(&caller()?, &id).await?)
}
