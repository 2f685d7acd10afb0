//! Server functions of the Agents page: the registry, read by anyone signed in and
//! changed by admins, exactly as `/api/v1/agents` allows.

use leptos::{prelude::*, server_fn::codec::Json};

use super::UiError;
#[cfg(feature = "ssr")]
use super::ssr::{caller, ops};
use crate::model::agents::{Agent, CreatedAgent, NewAgent};

/// Every registered agent with its online state, version, services and queue depth.
#[server(prefix = "/ui", endpoint = "/list_agents", input = Json)]
pub async fn list_agents() -> Result<Vec<Agent>, UiError> {
    Ok(ops()?.list_agents(&caller()?).await?)
}

/// Registers an agent (admins); the answer carries its token, shown this once.
#[server(prefix = "/ui", endpoint = "/register_agent", input = Json)]
pub async fn register_agent(input: NewAgent) -> Result<CreatedAgent, UiError> {
    Ok(ops()?.create_agent(&caller()?, &input).await?)
}
