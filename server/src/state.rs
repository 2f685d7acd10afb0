//! What every handler can reach: the store, the worker wake-ups and the UI's
//! rendering options.

use std::sync::Arc;

use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use outflow_core::Store;
use outflow_core::{ops::Ops, secrets::SecretBox};

use crate::{access::RateLimit, delivery::self_calls::Delegations, engine::Engine, metrics::Metrics, session::SignInThrottle, workers::Wakeups};

#[derive(Clone)]
pub struct AppState {
    /// The operations layer: every rule about who may do what.
    pub ops: Ops,
    pub store: Store,
    pub wakeups: Arc<Wakeups>,
    pub secrets: SecretBox,
    pub metrics: Arc<Metrics>,
    pub leptos_options: LeptosOptions,
    pub rate_limit: Arc<RateLimit>,
    /// Sign-in attempts per user name and client address.
    pub sign_in_limit: Arc<SignInThrottle>,
    /// Uses of the first-admin password link (`/auth/setup`) per client address.
    pub setup_limit: Arc<RateLimit>,
    /// Take the client address from `X-Forwarded-For` (`--trust-forwarded-for`).
    pub trust_forwarded_for: bool,
    /// The Bearer token `/metrics` asks for (`--metrics-token`); without one, loopback only.
    pub metrics_token: Option<Arc<str>>,
    /// Credentials of running scripts acting as their alert's initiator.
    pub delegations: Arc<Delegations>,
    /// Idle lifetime of a browser session, in milliseconds.
    pub session_ttl_ms: i64,
    /// How long an Integration Agent holds a leased run before it returns to the queue.
    pub agent_lease_ms: i64,
    /// Executes flow runs.
    pub engine: Engine,
    /// Turns true when the server starts shutting down, so long-polls answer at once.
    pub stopping: tokio::sync::watch::Receiver<bool>,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}
