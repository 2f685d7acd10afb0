//! Server functions of health at a glance: the home page's dashboard and the Endpoints
//! page's per-endpoint figures, of the signed-in user's workflows.

use leptos::{prelude::*, server_fn::codec::Json};

use super::UiError;
#[cfg(feature = "ssr")]
use super::ssr::{caller, ops};
use crate::model::dashboard::{Dashboard, EndpointHealth};

#[server(prefix = "/ui", endpoint = "/fetch_dashboard", input = Json)]
pub async fn fetch_dashboard() -> Result<Dashboard, UiError> {
    Ok(ops()?.dashboard(&caller()?).await?)
}

/// Each endpoint's last 24 hours of deliveries: success rate, latency, hour by hour.
#[server(prefix = "/ui", endpoint = "/fetch_endpoint_health", input = Json)]
pub async fn fetch_endpoint_health() -> Result<Vec<EndpointHealth>, UiError> {
    Ok(ops()?.endpoint_health(&caller()?).await?)
}
