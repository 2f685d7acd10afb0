//! Logging setup: human-readable `tracing` output on stderr, filtered by `RUST_LOG`
//! (default: info for Outflow, warnings for libraries).

use tracing_subscriber::EnvFilter;

pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn,outflow_server=info,outflow=info,tower_http=warn"));
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).init();
}
