//! The command line of the `outflow` binary (SPEC §8). Each flag has an environment twin.

use std::{net::SocketAddr, path::PathBuf, time::Duration};

use clap::{Args, Parser, Subcommand};

use crate::{
    config::Config,
    delivery::{retry::RetrySchedule, script::Limits},
    engine::EngineSettings,
};

fn parse_schedule(text: &str) -> Result<RetrySchedule, String> {
    RetrySchedule::parse(text)
}

#[derive(Debug, Parser)]
#[command(name = "outflow", version, about = "Turns incident-alert activity into automation.")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start everything: API, UI and workers, with migrations run first.
    Serve(ServeArgs),
    /// Run an Integration Agent: connects out to a server, takes its work, runs it here.
    Agent(crate::agent::AgentArgs),
    /// Flows as code: export a workflow's flows to files, and apply files to a workflow.
    #[command(subcommand)]
    Flows(crate::flows_cli::FlowsCommand),
    /// Print the OpenAPI document of this build's REST API (what `/api/v1/openapi.json` serves).
    Openapi,
    /// Copy a whole deployment's database into a new, empty one (e.g. SQLite to PostgreSQL),
    /// then check every table's row count.
    MigrateDb(MigrateDbArgs),
}

#[derive(Debug, Args)]
pub struct MigrateDbArgs {
    /// The database to copy, as `--database-url` names it, e.g. `sqlite://./data/outflow.db`.
    /// Stop its server first; it is only read.
    #[arg(long, env = "OUTFLOW_MIGRATE_FROM", hide_env_values = true)]
    pub from: String,

    /// The database to copy into, e.g. `postgres://outflow@db.internal/outflow`: it must exist
    /// and hold no data (its schema is created here).
    #[arg(long, env = "OUTFLOW_MIGRATE_TO", hide_env_values = true)]
    pub to: String,
}

/// `outflow migrate-db`: runs the copy (`outflow_core::store::copy_database`) and prints each
/// table's rows, the total and the time taken; fails unless every count matches.
pub async fn migrate_db(args: MigrateDbArgs) -> Result<(), String> {
    match outflow_core::store::copy_database(&args.from, &args.to).await {
        Ok(report) => {
            print!("{}", copy_summary(&report));
            Ok(())
        }
        Err(outflow_core::store::CopyError::CountsDiffer(report)) => {
            print!("{}", copy_summary(&report));
            Err(outflow_core::store::CopyError::CountsDiffer(report).to_string())
        }
        Err(error) => Err(error.to_string()),
    }
}

/// A table of each table's rows in the source and copied, the totals and the time taken.
pub fn copy_summary(report: &outflow_core::store::CopyReport) -> String {
    let width = report.tables.iter().map(|table| table.table.len()).max().unwrap_or(0).max("table".len());
    let mut out = format!("{:<width$}  {:>10}  {:>10}\n", "table", "source", "copied");
    for table in &report.tables {
        let differs = if table.source_rows == table.target_rows { "" } else { "  differs" };
        out.push_str(&format!("{:<width$}  {:>10}  {:>10}{differs}\n", table.table, table.source_rows, table.target_rows));
    }
    let source: u64 = report.tables.iter().map(|table| table.source_rows).sum();
    out.push_str(&format!("{:<width$}  {:>10}  {:>10}\n", "total", source, report.total()));
    let verdict = if report.mismatches().is_empty() { "every table's count matches its source" } else { "counts differ, nothing was committed" };
    let tables = report.tables.len();
    let plural = if tables == 1 { "" } else { "s" };
    out.push_str(&format!("{} rows of {tables} table{plural} in {:.2} s: {verdict}.\n", report.total(), report.elapsed.as_secs_f64()));
    out
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on; port 0 picks a free port (printed at start).
    #[arg(long, env = "OUTFLOW_ADDR", default_value = "127.0.0.1:3000")]
    pub addr: SocketAddr,

    /// Folder for the SQLite database and other local state.
    #[arg(long, env = "OUTFLOW_DATA_DIR", default_value = "./data")]
    pub data_dir: PathBuf,

    /// Database URL; defaults to `sqlite://<data-dir>/outflow.db`.
    #[arg(long, env = "OUTFLOW_DATABASE_URL")]
    pub database_url: Option<String>,

    /// API key for the first admin, used only while the database has no admin yet.
    #[arg(long, env = "OUTFLOW_BOOTSTRAP_API_KEY", hide_env_values = true)]
    pub bootstrap_api_key: Option<String>,

    /// Key for stored secrets: 32 bytes as base64 or hex. Without it a key file is created
    /// in the data folder (owner-only permissions) on first start.
    #[arg(long, env = "OUTFLOW_SECRET_KEY", hide_env_values = true)]
    pub secret_key: Option<String>,

    /// Waits before each webhook retry, e.g. `5s,5m,30m,2h,5h,10h` (units ms, s, m, h).
    #[arg(long, env = "OUTFLOW_RETRY_SCHEDULE", default_value = "5s,5m,30m,2h,5h,10h", value_parser = parse_schedule)]
    pub retry_schedule: RetrySchedule,

    /// How long one webhook attempt may take, in milliseconds.
    #[arg(long, env = "OUTFLOW_WEBHOOK_TIMEOUT_MS", default_value_t = 10_000)]
    pub webhook_timeout_ms: u64,

    /// Wall-time limit of one script run, in milliseconds.
    #[arg(long, env = "OUTFLOW_SCRIPT_TIMEOUT_MS", default_value_t = 60_000)]
    pub script_timeout_ms: u64,

    /// Memory limit of one script run, in MiB.
    #[arg(long, env = "OUTFLOW_SCRIPT_MEMORY_MB", default_value_t = 64)]
    pub script_memory_mb: usize,

    /// Refuse outbound calls to private and loopback addresses too (link-local and cloud
    /// metadata addresses are always refused).
    #[arg(long, env = "OUTFLOW_EGRESS_DENY_PRIVATE")]
    pub egress_deny_private: bool,

    /// Install the example workflow (a form, two users with devices, a group) at start.
    #[arg(long, env = "OUTFLOW_EXAMPLE")]
    pub example: bool,

    /// API requests per second one key may make (bursts of twice that); 0 turns the limit off.
    #[arg(long, env = "OUTFLOW_RATE_LIMIT", default_value_t = 100)]
    pub rate_limit: u32,

    /// Bearer token a Prometheus scrape of `/metrics` must send; without one, `/metrics`
    /// answers only clients on this host.
    #[arg(long, env = "OUTFLOW_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<String>,

    /// Take the client address (for sign-in throttling and `/metrics`) from the last entry of
    /// `X-Forwarded-For`; set only when a reverse proxy you run appends it to every request.
    #[arg(long, env = "OUTFLOW_TRUST_FORWARDED_FOR")]
    pub trust_forwarded_for: bool,

    /// How long a browser session lasts without use, in seconds.
    #[arg(long, env = "OUTFLOW_SESSION_TTL_SECS", default_value_t = 12 * 3600)]
    pub session_ttl_secs: u64,

    /// How long an Integration Agent may hold a job before it goes back to the queue for
    /// another agent, in milliseconds (longer than the slowest job it runs).
    #[arg(long, env = "OUTFLOW_AGENT_LEASE_MS", default_value_t = 120_000)]
    pub agent_lease_ms: u64,

    /// Longest one flow step may run, in milliseconds (a Delay's wait does not count).
    #[arg(long, env = "OUTFLOW_FLOW_STEP_TIMEOUT_MS", default_value_t = 300_000)]
    pub flow_step_timeout_ms: u64,

    /// Most steps one flow run may execute.
    #[arg(long, env = "OUTFLOW_FLOW_STEP_LIMIT", default_value_t = 1_000)]
    pub flow_step_limit: u32,

    /// How long an instance holds a flow run it executes without renewing the lease, in
    /// milliseconds (renewed every quarter of it while the run executes): how long the runs
    /// of an instance that died wait before another instance takes them up.
    #[arg(long, env = "OUTFLOW_FLOW_RUN_LEASE_MS", default_value_t = outflow_core::store::FLOW_RUN_LEASE_MS.unsigned_abs())]
    pub flow_run_lease_ms: u64,

    /// A test aid: Schedule triggers read the current time (milliseconds since the epoch)
    /// from this file, re-read every 50 ms, instead of the system clock.
    #[arg(long, env = "OUTFLOW_SCHEDULE_CLOCK_FILE", hide = true)]
    pub schedule_clock_file: Option<PathBuf>,
}

impl ServeArgs {
    pub fn into_config(self) -> Config {
        let database_url = self.database_url.unwrap_or_else(|| format!("sqlite://{}", self.data_dir.join("outflow.db").display()));
        Config {
            addr: self.addr,
            data_dir: self.data_dir,
            database_url,
            bootstrap_api_key: self.bootstrap_api_key.filter(|key| !key.trim().is_empty()),
            install_example: self.example,
            rate_limit: self.rate_limit,
            session_ttl: Duration::from_secs(self.session_ttl_secs.max(1)),
            deny_private_egress: self.egress_deny_private,
            trust_forwarded_for: self.trust_forwarded_for,
            metrics_token: self.metrics_token.map(|token| token.trim().to_string()).filter(|token| !token.is_empty()),
            agent_lease: Duration::from_millis(self.agent_lease_ms.max(100)),
            flow_run_lease: Duration::from_millis(self.flow_run_lease_ms.max(100)),
            flow_settings: EngineSettings {
                step_timeout: Duration::from_millis(self.flow_step_timeout_ms.max(1)),
                step_limit: i64::from(self.flow_step_limit.max(1)),
            },
            secret_key: self.secret_key.filter(|key| !key.trim().is_empty()),
            retry_schedule: self.retry_schedule,
            webhook_timeout: Duration::from_millis(self.webhook_timeout_ms.max(1)),
            script_limits: Limits {
                wall_time: Duration::from_millis(self.script_timeout_ms.max(1)),
                memory_bytes: self.script_memory_mb.max(1) * 1024 * 1024,
            },
            schedule_clock_file: self.schedule_clock_file,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use outflow_core::store::{CopyReport, TableCount};

    use super::copy_summary;

    #[test]
    fn the_summary_names_each_table_its_counts_the_total_and_what_differs() {
        let count = |table: &str, source_rows, target_rows| TableCount { table: table.into(), source_rows, target_rows };
        let report = CopyReport { tables: vec![count("users", 3, 3), count("flow_runs", 1200, 1200)], elapsed: Duration::from_millis(1250) };
        assert_eq!(
            copy_summary(&report),
            "table          source      copied\n\
             users               3           3\n\
             flow_runs        1200        1200\n\
             total            1203        1203\n\
             1203 rows of 2 tables in 1.25 s: every table's count matches its source.\n"
        );
        let report = CopyReport { tables: vec![count("runs", 10, 9)], elapsed: Duration::ZERO };
        let summary = copy_summary(&report);
        assert!(summary.contains("runs           10           9  differs\n"), "{summary}");
        assert!(summary.contains("9 rows of 1 table in 0.00 s"), "{summary}");
        assert!(summary.ends_with("counts differ, nothing was committed.\n"), "{summary}");
    }
}
