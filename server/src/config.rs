//! The resolved settings one `outflow serve` runs with.

use std::{net::SocketAddr, path::PathBuf, time::Duration};

use crate::{
    delivery::{retry::RetrySchedule, script::Limits},
    engine::EngineSettings,
};

#[derive(Debug, Clone)]
pub struct Config {
    pub addr: SocketAddr,
    pub data_dir: PathBuf,
    pub database_url: String,
    pub bootstrap_api_key: Option<String>,
    /// Install the example workflow at start (skipped when it is there already).
    pub install_example: bool,
    pub secret_key: Option<String>,
    pub retry_schedule: RetrySchedule,
    pub webhook_timeout: Duration,
    pub script_limits: Limits,
    /// API requests per second per key; 0 is unlimited.
    pub rate_limit: u32,
    /// Idle lifetime of a browser session.
    pub session_ttl: Duration,
    /// The Bearer token `/metrics` asks for; without one it answers loopback clients only.
    pub metrics_token: Option<String>,
    /// Take the client address from `X-Forwarded-For` (set by a reverse proxy in front).
    pub trust_forwarded_for: bool,
    /// Refuse outbound calls to private ranges too (link-local is always refused).
    pub deny_private_egress: bool,
    /// How long an Integration Agent holds a leased run before it returns to the queue.
    pub agent_lease: Duration,
    /// How long this instance holds a flow run it executes without renewing the lease.
    pub flow_run_lease: Duration,
    /// The per-step timeout and run-wide step limit of flow runs.
    pub flow_settings: EngineSettings,
    /// A test aid: the scheduler reads "now" (ms since the epoch) from this file.
    pub schedule_clock_file: Option<PathBuf>,
}
