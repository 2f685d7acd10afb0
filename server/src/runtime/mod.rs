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
//! - [`attempt`]: the attempt record and what follows it.

pub mod attempt;
pub mod scripts;
pub mod webhooks;

use std::sync::Arc;

use outflow_core::{Store, secrets::SecretBox};

pub use attempt::{Attempt, Next};
pub use scripts::ScriptTask;

use crate::{
    delivery::{
        retry::RetrySchedule,
        script::{Limits, ScriptThreads},
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
}
