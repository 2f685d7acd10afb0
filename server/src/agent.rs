//! `outflow agent`: the Integration Agent (SPEC §4). It connects outward only, to the
//! server's normal port: heartbeats, long-polls for jobs leased to it (`/api/v1/agent/…`),
//! runs each one here (a signed webhook through the same sender as the cloud worker, a
//! script in the same sandbox, or a service's local target) and reports the attempt, logs
//! and outcome back. Reports are retried while the server is unreachable. SIGTERM stops
//! taking jobs and lets the ones in hand finish and report. It never opens a port and
//! never touches a database.

use std::{collections::BTreeMap, sync::Arc, time::Duration};

use base64::{Engine, engine::general_purpose::STANDARD};
use clap::Args;
use outflow_core::{clock, store::EndpointSecrets};
use outflow_model::{
    agents::{
        AgentAttempt, AgentEndpoint, AgentIdentity, AgentJob, AgentLogLine, AgentOutcome, AgentReport, Heartbeat, Lease, MAX_LOG_LINE_CHARS,
        MAX_REPORT_LOG_LINES,
    },
    endpoints::EndpointAuth,
};
use reqwest::{Method, StatusCode};
use tokio::{sync::watch, task::JoinSet};

use crate::{
    delivery::{
        HttpClients,
        auth::TokenCache,
        egress::EgressPolicy,
        retry::RetrySchedule,
        script::{HttpBridge, HttpCall, HttpReply, Limits, ScriptThreads, Shared},
        webhooks::{OutgoingRequest, Sender},
    },
    runtime::{Attempt, Next, ScriptTask, scripts, webhooks},
};

/// Between heartbeats; the server shows an agent offline after 30 s without one.
const HEARTBEAT_EVERY: Duration = Duration::from_secs(10);
/// How long one lease request may wait for work (the server caps it at 25 s).
const LEASE_WAIT_MS: u64 = 25_000;
/// Longest pause between tries while the server is unreachable.
const MAX_BACKOFF: Duration = Duration::from_secs(5);
/// How long a stopping agent lets jobs in hand finish.
const DRAIN: Duration = Duration::from_secs(20);

fn parse_schedule(text: &str) -> Result<RetrySchedule, String> {
    RetrySchedule::parse(text)
}

/// `NAME=URL`: the local target of one integration service.
fn parse_service(text: &str) -> Result<(String, String), String> {
    let (name, url) = text.split_once('=').ok_or_else(|| format!("\"{text}\" is not NAME=URL"))?;
    let (name, url) = (name.trim(), url.trim());
    if name.is_empty() || reqwest::Url::parse(url).is_err() {
        return Err(format!("\"{text}\" is not NAME=URL with an http(s) URL"));
    }
    Ok((name.to_string(), url.to_string()))
}

#[derive(Debug, Args)]
pub struct AgentArgs {
    /// The Outflow server to connect to, e.g. https://outflow.example.com.
    #[arg(long, env = "OUTFLOW_AGENT_SERVER")]
    pub server: String,

    /// This agent's token, answered once when an admin registered it.
    #[arg(long, env = "OUTFLOW_AGENT_TOKEN", hide_env_values = true)]
    pub token: String,

    /// Where "Send to Integration Agent" work for a service goes: `NAME=URL`, repeatable
    /// (comma-separated in the environment). The payload is POSTed there as JSON.
    #[arg(long = "service", env = "OUTFLOW_AGENT_SERVICES", value_delimiter = ',', value_parser = parse_service)]
    pub services: Vec<(String, String)>,

    /// Jobs run at the same time.
    #[arg(long, env = "OUTFLOW_AGENT_CONCURRENCY", default_value_t = 4)]
    pub concurrency: usize,

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

    /// Refuse outbound calls to private and loopback addresses too.
    #[arg(long, env = "OUTFLOW_EGRESS_DENY_PRIVATE")]
    pub egress_deny_private: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum AgentError {
    #[error("the server refused this agent's token (401): {0}")]
    Unauthorized(String),
    #[error("cannot build the HTTP client: {0}")]
    Client(#[from] reqwest::Error),
    #[error("\"{0}\" is not a server URL")]
    ServerUrl(String),
    #[error("cannot start the script threads: {0}")]
    Threads(std::io::Error),
}

/// Talks to the server's agent protocol.
#[derive(Clone)]
struct Link {
    http: reqwest::Client,
    base: String,
    token: String,
}

/// A failed call to the server: refused for good, or worth trying again.
enum CallError {
    Unauthorized(String),
    /// The server answered with this 4xx: the call itself is wrong; trying again will not help.
    Refused(u16, String),
    Unreachable(String),
}

impl Link {
    async fn post(&self, path: &str, body: &impl serde::Serialize) -> Result<reqwest::Response, CallError> {
        let response = self
            .http
            .post(format!("{}/api/v1/agent/{path}", self.base))
            .bearer_auth(&self.token)
            .json(body)
            .send()
            .await
            .map_err(|error| CallError::Unreachable(crate::delivery::root_cause(&error)))?;
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        let text = response.text().await.unwrap_or_default();
        Err(match status {
            StatusCode::UNAUTHORIZED => CallError::Unauthorized(text),
            status if status.is_client_error() => CallError::Refused(status.as_u16(), text),
            status => CallError::Unreachable(format!("HTTP {status}: {text}")),
        })
    }

    async fn heartbeat(&self) -> Result<AgentIdentity, CallError> {
        let beat = Heartbeat { version: Some(env!("CARGO_PKG_VERSION").to_string()) };
        self.post("heartbeat", &beat).await?.json().await.map_err(|error| CallError::Unreachable(error.to_string()))
    }

    /// One long-poll; `None` when no work came.
    async fn lease(&self) -> Result<Option<Lease>, CallError> {
        let response = self.post(&format!("lease?waitMs={LEASE_WAIT_MS}"), &serde_json::json!({})).await?;
        if response.status() == StatusCode::NO_CONTENT {
            return Ok(None);
        }
        response.json().await.map(Some).map_err(|error| CallError::Unreachable(format!("unreadable lease: {error}")))
    }
}

/// What executing jobs needs.
struct Runner {
    sender: Sender,
    schedule: RetrySchedule,
    script_limits: Limits,
    scripts: ScriptThreads,
    services: BTreeMap<String, String>,
}

pub async fn run(args: AgentArgs) -> Result<(), AgentError> {
    let base = args.server.trim_end_matches('/').to_string();
    if reqwest::Url::parse(&base).is_err() {
        return Err(AgentError::ServerUrl(args.server));
    }
    let link = Link {
        // Longer than the server's longest long-poll.
        http: reqwest::Client::builder().connect_timeout(Duration::from_secs(5)).timeout(Duration::from_secs(40)).build()?,
        base,
        token: args.token.trim().to_string(),
    };
    let clients = HttpClients::new(EgressPolicy { deny_private: args.egress_deny_private })?;
    let runner = Arc::new(Runner {
        sender: Sender {
            clients,
            tokens: TokenCache::default(),
            timeout: Duration::from_millis(args.webhook_timeout_ms.max(1)),
            gates: Default::default(),
        },
        schedule: args.retry_schedule,
        script_limits: Limits {
            wall_time: Duration::from_millis(args.script_timeout_ms.max(1)),
            memory_bytes: args.script_memory_mb.max(1) * 1024 * 1024,
        },
        services: args.services.into_iter().collect(),
        scripts: ScriptThreads::start(ScriptThreads::suggested_count()).map_err(AgentError::Threads)?,
    });
    let (stop, stopping) = watch::channel(false);
    let signal = crate::serve::shutdown_signal();
    tokio::spawn(async move {
        signal.await;
        let _ = stop.send(true);
    });

    let Some(identity) = connect(&link, stopping.clone()).await? else { return Ok(()) };
    // Tests and operators read this line to know the agent is connected.
    println!("Outflow agent \"{}\" ({}) connected to {}", identity.name, identity.id, link.base);
    tracing::info!(agent = %identity.id, services = ?identity.services, "connected");

    let mut tasks = JoinSet::new();
    tasks.spawn(heartbeats(link.clone(), stopping.clone()));
    for _ in 0..args.concurrency.max(1) {
        tasks.spawn(work(link.clone(), runner.clone(), stopping.clone()));
    }
    let mut stopped = stopping.clone();
    let refused = tokio::select! {
        _ = stopped.wait_for(|stop| *stop) => false,
        // Only a task whose token was refused ends before the agent stops.
        Some(Ok(true)) = tasks.join_next() => true,
    };
    if refused {
        tasks.abort_all();
        return Err(AgentError::Unauthorized("the agent was deleted or its token replaced".into()));
    }
    tracing::info!("stopping: finishing the jobs in hand");
    if tokio::time::timeout(DRAIN, async { while tasks.join_next().await.is_some() {} }).await.is_err() {
        tracing::warn!("jobs did not finish within {} s; the server re-queues them after their lease", DRAIN.as_secs());
    }
    Ok(())
}

/// The first heartbeat, retried until the server answers; a refused token ends the agent.
async fn connect(link: &Link, mut stopping: watch::Receiver<bool>) -> Result<Option<AgentIdentity>, AgentError> {
    let mut backoff = Duration::from_millis(200);
    loop {
        match link.heartbeat().await {
            Ok(identity) => return Ok(Some(identity)),
            Err(CallError::Unauthorized(message)) => return Err(AgentError::Unauthorized(message)),
            Err(CallError::Refused(_, message) | CallError::Unreachable(message)) => {
                tracing::warn!(%message, "cannot reach the server yet; trying again");
            }
        }
        if pause(&mut stopping, backoff).await {
            return Ok(None);
        }
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}

/// Sleeps; true when the agent is stopping.
async fn pause(stopping: &mut watch::Receiver<bool>, wait: Duration) -> bool {
    if *stopping.borrow() {
        return true;
    }
    tokio::select! {
        () = tokio::time::sleep(wait) => *stopping.borrow(),
        _ = stopping.changed() => true,
    }
}

/// Heartbeats until stopping; true when the server refused the token.
async fn heartbeats(link: Link, mut stopping: watch::Receiver<bool>) -> bool {
    while !pause(&mut stopping, HEARTBEAT_EVERY).await {
        match link.heartbeat().await {
            Ok(_) => {}
            Err(CallError::Unauthorized(message)) => {
                tracing::error!(%message, "the server no longer accepts this agent's token");
                return true;
            }
            Err(CallError::Refused(_, message) | CallError::Unreachable(message)) => tracing::warn!(%message, "heartbeat failed"),
        }
    }
    false
}

/// One worker: lease, run, report, until stopping. True when the server refused the token.
async fn work(link: Link, runner: Arc<Runner>, mut stopping: watch::Receiver<bool>) -> bool {
    let mut backoff = Duration::from_millis(200);
    loop {
        if *stopping.borrow() {
            return false;
        }
        let leased = tokio::select! {
            leased = link.lease() => leased,
            _ = stopping.changed() => return false,
        };
        match leased {
            Ok(Some(lease)) => {
                backoff = Duration::from_millis(200);
                let span = tracing::info_span!("run", run_id = %lease.run_id, alert_id = lease.alert_id, attempt = lease.attempt);
                let report = tracing::Instrument::instrument(runner.execute(&lease), span).await;
                deliver_report(&link, &lease, &report).await;
            }
            Ok(None) => backoff = Duration::from_millis(200),
            Err(CallError::Unauthorized(message)) => {
                tracing::error!(%message, "the server refused this agent's token");
                return true;
            }
            Err(CallError::Refused(_, message) | CallError::Unreachable(message)) => {
                tracing::warn!(%message, "cannot lease work; trying again");
                if pause(&mut stopping, backoff).await {
                    return false;
                }
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
        }
    }
}

/// Sends a report, retrying while the server is unreachable, until the lease is long over
/// (then the run was re-queued and another attempt decides it). A stopping agent still
/// reports what it did.
async fn deliver_report(link: &Link, lease: &Lease, report: &AgentReport) {
    let give_up = tokio::time::Instant::now() + Duration::from_millis(u64::try_from(lease.lease_ms).unwrap_or(0)) + DRAIN;
    let mut backoff = Duration::from_millis(200);
    loop {
        match link.post(&format!("runs/{}/report", lease.run_id), report).await {
            Ok(_) => return,
            Err(CallError::Refused(status, message)) => {
                tracing::warn!(status, %message, "the server refused the report");
                return;
            }
            Err(CallError::Unauthorized(message) | CallError::Unreachable(message)) => {
                if tokio::time::Instant::now() >= give_up {
                    tracing::error!(%message, "could not report; the server will re-queue the run");
                    return;
                }
                tracing::warn!(%message, "cannot report yet; trying again");
            }
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}

impl Runner {
    async fn execute(&self, lease: &Lease) -> AgentReport {
        let attempt = match &lease.job {
            AgentJob::Service { service } => self.send_to_service(lease, service).await,
            AgentJob::Webhook { url, endpoint } => match endpoint_secrets(endpoint) {
                Ok(endpoint) => self.send_webhook(lease, &endpoint, url.clone(), Vec::new(), Some(&lease.webhook_id)).await,
                Err(reason) => Attempt::refused(reason),
            },
            AgentJob::Script { script, constants, libraries, endpoints } => {
                self.run_script(lease, script, Shared { constants: constants.clone(), libraries: libraries.clone() }, endpoints).await
            }
        };
        let Attempt { record, logs, next } = attempt;
        let outcome = match next {
            Next::Succeeded => AgentOutcome::Succeeded,
            Next::RetryIn(wait) => AgentOutcome::Retry {
                reason: record.as_ref().and_then(|record| record.error.clone()).unwrap_or_default(),
                after_ms: u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
            },
            Next::Failed(reason) => AgentOutcome::Failed { reason },
            // The server gates an agent's webhook leases; its own gates are open.
            Next::Deferred(wait) => {
                AgentOutcome::Retry { reason: "The endpoint had no turn free.".into(), after_ms: u64::try_from(wait.as_millis()).unwrap_or(u64::MAX) }
            }
        };
        AgentReport {
            attempt: lease.attempt,
            outcome,
            record: record.map(|record| AgentAttempt {
                started_at: record.started_at,
                duration_ms: record.duration_ms,
                url: record.url,
                status_code: record.status_code,
                response_excerpt: record.response_excerpt,
                error: record.error,
            }),
            logs: report_logs(logs),
        }
    }

    /// "Send to Integration Agent": the payload goes to the service's local target.
    async fn send_to_service(&self, lease: &Lease, service: &str) -> Attempt {
        let Some(url) = self.services.get(service) else {
            return Attempt::refused(format!("This agent has no local target for the service \"{service}\"; start it with --service {service}=URL."));
        };
        let target = EndpointSecrets {
            id: format!("service:{service}"),
            name: service.to_string(),
            base_url: url.clone(),
            auth: EndpointAuth::None,
            trust_self_signed: false,
            signing_key: Vec::new(),
            limits: Default::default(),
        };
        let headers = vec![
            ("content-type".to_string(), "application/json".to_string()),
            ("webhook-id".to_string(), lease.webhook_id.clone()),
            ("x-outflow-service".to_string(), service.to_string()),
        ];
        self.send_webhook(lease, &target, url.clone(), headers, None).await
    }

    async fn send_webhook(
        &self,
        lease: &Lease,
        endpoint: &EndpointSecrets,
        url: String,
        headers: Vec<(String, String)>,
        webhook_id: Option<&str>,
    ) -> Attempt {
        let request = OutgoingRequest { endpoint, method: Method::POST, url, headers, body: lease.payload.clone(), webhook_id };
        webhooks::send_once(&self.sender, &self.schedule, request, lease.attempt).await
    }

    async fn run_script(&self, lease: &Lease, source: &str, shared: Shared, endpoints: &[AgentEndpoint]) -> Attempt {
        let bridge = LocalBridge {
            runtime: tokio::runtime::Handle::current(),
            sender: self.sender.clone(),
            endpoints: endpoints.iter().map(|endpoint| (endpoint.name.clone(), endpoint.clone())).collect(),
        };
        let task = ScriptTask { source: source.to_string(), payload_json: lease.payload.clone(), input_json: None };
        scripts::run_timed(&self.scripts, task, Arc::new(shared), Box::new(bridge), self.script_limits).await.attempt()
    }
}

/// The log lines as a report carries them: long lines and logs cut to the protocol's limits,
/// saying so, so that a chatty script cannot make its report too big to be accepted.
fn report_logs(logs: Vec<(i64, String)>) -> Vec<AgentLogLine> {
    let total = logs.len();
    let mut lines: Vec<AgentLogLine> = logs
        .into_iter()
        .take(MAX_REPORT_LOG_LINES - 1)
        .map(|(at, line)| AgentLogLine { at, line: line.chars().take(MAX_LOG_LINE_CHARS).collect() })
        .collect();
    if total > lines.len() {
        let at = lines.last().map_or_else(clock::now_millis, |line| line.at);
        lines.push(AgentLogLine { at, line: format!("… {} more log lines were cut by the agent.", total - lines.len()) });
    }
    lines
}

fn endpoint_secrets(endpoint: &AgentEndpoint) -> Result<EndpointSecrets, String> {
    Ok(EndpointSecrets {
        id: endpoint.id.clone(),
        name: endpoint.name.clone(),
        base_url: endpoint.base_url.clone(),
        auth: endpoint.auth.clone(),
        trust_self_signed: endpoint.trust_self_signed,
        // The server let the lease go under the endpoint's limits.
        limits: Default::default(),
        signing_key: STANDARD.decode(&endpoint.signing_key).map_err(|error| format!("The lease carried an unreadable signing key: {error}"))?,
    })
}

/// A script's `http.request` calls, against the endpoints the lease carried.
struct LocalBridge {
    runtime: tokio::runtime::Handle,
    sender: Sender,
    endpoints: BTreeMap<String, AgentEndpoint>,
}

impl HttpBridge for LocalBridge {
    fn call(&mut self, call: HttpCall, body: String) -> Result<HttpReply, String> {
        let endpoint = self.endpoints.get(&call.endpoint).ok_or_else(|| {
            format!("This workflow has no endpoint named \"{}\" (calls back into Outflow are not available on an Integration Agent).", call.endpoint)
        })?;
        let endpoint = endpoint_secrets(endpoint)?;
        self.runtime.block_on(self.sender.script_call(&endpoint, call, body))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_logs_are_cut_to_the_protocol_limits_and_say_so() {
        let logs = (0..500).map(|n| (n, "x".repeat(if n == 0 { 10_000 } else { 3 }))).collect();
        let cut = report_logs(logs);
        assert_eq!(cut.len(), MAX_REPORT_LOG_LINES);
        assert_eq!(cut[0].line.chars().count(), MAX_LOG_LINE_CHARS);
        assert_eq!(cut.last().map(|line| line.line.as_str()), Some("… 301 more log lines were cut by the agent."));
        assert_eq!(report_logs(vec![(1, "hi".into())]).len(), 1);
    }

    #[test]
    fn services_are_name_equals_url() {
        assert_eq!(parse_service("desk=http://10.0.0.5/hook"), Ok(("desk".into(), "http://10.0.0.5/hook".into())));
        assert!(parse_service("desk").is_err());
        assert!(parse_service("=http://x").is_err());
        assert!(parse_service("desk=not a url").is_err());
    }
}
