//! The runtime that every kind of work shares: the integration worker, the flow steps and
//! `outflow agent` send webhooks and run scripts through it, and record what happened as one
//! [`Attempt`] type.
//!
//! - [`Runtime`]: what executing work needs (store, secrets, the sender, the retry schedule,
//!   the script threads and limits, metrics, Outflow's own API for scripts);
//! - [`scripts`]: running a script in the sandbox ([`Runtime::run_script`] for the server,
//!   [`scripts::run_timed`] for every runner, the agent included);
//! - [`webhooks`]: one attempt of a queued delivery ([`webhooks::send_once`]) and a request
//!   retried in place ([`webhooks::send_with_retries`]), both deciding by one rule;
//! - [`attempt`]: the attempt record and what follows it;
//! - [`cache`]: what runners read from the store once per configuration generation (the
//!   endpoints with their secrets, the workflows' script resources).

pub mod attempt;
pub mod cache;
pub mod scripts;
pub mod webhooks;

use std::sync::Arc;

use outflow_core::{
    Store,
    secrets::SecretBox,
    store::{self, EndpointSecrets},
};

pub use attempt::{Attempt, Next};
pub use scripts::ScriptTask;

use cache::Cache;

use crate::{
    delivery::{
        retry::RetrySchedule,
        script::{Limits, ScriptThreads, Shared},
        self_calls::SelfApi,
        webhooks::Sender,
    },
    metrics::Metrics,
};

/// Everything executing work needs.
#[derive(Clone)]
pub struct Runtime {
    pub store: Store,
    pub secrets: SecretBox,
    pub sender: Sender,
    pub schedule: RetrySchedule,
    pub script_limits: Limits,
    pub metrics: Arc<Metrics>,
    /// Outflow's own API, for scripts' calls to the `Outflow` endpoint.
    pub self_api: SelfApi,
    /// Where scripts run.
    pub scripts: ScriptThreads,
    pub caches: Arc<Caches>,
}

/// The runtime's caches (see [`cache`]).
#[derive(Default)]
pub struct Caches {
    endpoints: Cache<OwnedEndpoint>,
    /// Workflows' constants and libraries, by workflow id.
    shared: Cache<Shared>,
}

/// An endpoint with its secrets, and the workflow it belongs to.
pub struct OwnedEndpoint {
    pub workflow_id: String,
    pub secrets: EndpointSecrets,
}

impl Runtime {
    /// An endpoint with its secrets opened (cached), or why it cannot be used.
    pub async fn endpoint(&self, id: &str) -> Result<Arc<OwnedEndpoint>, String> {
        let generation = self.store.config_generation();
        if let Some(endpoint) = self.caches.endpoints.get(id, generation) {
            return Ok(endpoint);
        }
        let missing = |error: store::StoreError| format!("The endpoint cannot be used: {error}");
        let (workflow_id, secrets) = store::endpoint_with_workflow(&self.store, &self.secrets, id).await.map_err(missing)?;
        let endpoint = Arc::new(OwnedEndpoint { workflow_id, secrets });
        self.caches.endpoints.put(id, generation, endpoint.clone());
        Ok(endpoint)
    }

    /// A workflow's constants and libraries, as its scripts see them (cached).
    pub async fn shared(&self, workflow_id: &str) -> Result<Arc<Shared>, String> {
        let generation = self.store.config_generation();
        if let Some(shared) = self.caches.shared.get(workflow_id, generation) {
            return Ok(shared);
        }
        let (constants, libraries) = store::script_resources(&self.store, workflow_id)
            .await
            .map_err(|error| format!("The workflow's constants and libraries cannot be read: {error}"))?;
        let shared = Arc::new(Shared { constants, libraries });
        self.caches.shared.put(workflow_id, generation, shared.clone());
        Ok(shared)
    }
}
