//! The integration worker: claims due runs, executes each one's action (a signed webhook or
//! a sandboxed script), and records the attempt with the run's next state: succeeded,
//! retried later per the schedule or `Retry-After`, or failed.

use std::{collections::HashMap, sync::Arc, time::Duration};

use futures::future::join_all;
use outflow_core::{
    Pool, clock,
    secrets::SecretBox,
    store::{self, AttemptRecord, AttemptResult, EndpointSecrets, Principal, RunIntegration, RunJob, RunOutcome},
};
use outflow_model::{endpoints::join_url, integrations::IntegrationAction};
use reqwest::Method;
use tokio::{sync::watch, task::JoinHandle};
use tracing::Instrument;

use super::{Wakeups, pause};
use crate::delivery::{
    retry::RetrySchedule,
    script::{self, HttpBridge, HttpCall, HttpReply, Limits, Scope, ScriptRun, ScriptThreads, Shared},
    self_calls::{Delegation, OUTFLOW_ENDPOINT, SelfApi},
    webhooks::{NextStep, OutgoingRequest, Sender, next_step},
};
use crate::metrics::Metrics;

/// Runs claimed per round; they execute concurrently.
const BATCH: i64 = 256;
const IDLE_POLL: Duration = Duration::from_millis(250);

/// Everything executing a run needs.
#[derive(Clone)]
pub struct RunContext {
    pub pool: Pool,
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

pub async fn run(context: RunContext, wakeups: Arc<Wakeups>, mut shutdown: watch::Receiver<bool>) {
    // The previous batch's results, recorded while the next batch is claimed and sent. Its
    // runs stay leased until recorded, so no round claims them twice.
    let mut recording: Option<JoinHandle<()>> = None;
    loop {
        let claimed = match store::claim_due_runs(&context.pool, clock::now_millis(), BATCH).await {
            Ok(jobs) => jobs,
            Err(error) => {
                tracing::error!(%error, "cannot claim runs");
                Vec::new()
            }
        };
        let full_batch = claimed.len() as i64 == BATCH;
        if !claimed.is_empty() {
            let endpoints = endpoints_of(&context, &claimed).await;
            let results = join_all(claimed.iter().map(|job| execute_traced(&context, &endpoints, job))).await;
            context.metrics.attempted(&results);
            let record = store::record_attempts(&context.pool, &results);
            finish(recording.take()).await;
            recording = Some(tokio::spawn(report(results.len(), record)));
        }
        if full_batch && !*shutdown.borrow() {
            continue;
        }
        if !pause(&wakeups.runs, IDLE_POLL, &mut shutdown).await {
            finish(recording.take()).await;
            return;
        }
    }
}

async fn finish(recording: Option<JoinHandle<()>>) {
    if let Some(recording) = recording
        && let Err(error) = recording.await
    {
        tracing::error!(%error, "recording run attempts stopped unexpectedly; they will be retried after their lease");
    }
}

async fn report(sent: usize, record: impl Future<Output = store::StoreResult<usize>>) {
    match record.await {
        Ok(stored) if stored < sent => {
            tracing::warn!(dropped = sent - stored, "runs changed while their attempts ran; those results were dropped");
        }
        Ok(_) => {}
        Err(error) => tracing::error!(%error, "cannot record run attempts; they will be retried after their lease"),
    }
}

/// The endpoints a batch of runs sends to, each read (and its secrets opened) once.
type Endpoints = HashMap<String, Result<EndpointSecrets, String>>;

async fn endpoints_of(context: &RunContext, jobs: &[RunJob]) -> Endpoints {
    let mut endpoints = Endpoints::new();
    for job in jobs {
        if let Some(RunIntegration { action: IntegrationAction::Webhook { endpoint_id, .. }, .. }) = &job.integration
            && !endpoints.contains_key(endpoint_id)
        {
            let endpoint = store::endpoint_secrets(&context.pool, &context.secrets, endpoint_id).await.map_err(|error| error.to_string());
            endpoints.insert(endpoint_id.clone(), endpoint);
        }
    }
    endpoints
}

async fn execute_traced<'a>(context: &RunContext, endpoints: &Endpoints, job: &'a RunJob) -> AttemptResult<'a> {
    let span = tracing::info_span!("run", run_id = %job.run_id, alert_id = job.alert_id, attempt = job.attempt);
    let (attempt, logs, outcome) = execute(context, endpoints, job).instrument(span).await;
    AttemptResult { job, attempt, logs, outcome }
}

type Executed = (Option<AttemptRecord>, Vec<(i64, String)>, RunOutcome);

async fn execute(context: &RunContext, endpoints: &Endpoints, job: &RunJob) -> Executed {
    let Some(integration) = &job.integration else {
        return (None, Vec::new(), RunOutcome::Failed("The integration was deleted before this run could be sent.".into()));
    };
    if !integration.enabled {
        return (None, Vec::new(), RunOutcome::Skipped("The integration was disabled before this run could be sent.".into()));
    }
    match &integration.action {
        IntegrationAction::Webhook { endpoint_id, path } => match endpoints.get(endpoint_id) {
            Some(Ok(endpoint)) => send_webhook(context, job, endpoint, path).await,
            Some(Err(error)) => (None, Vec::new(), RunOutcome::Failed(format!("The endpoint cannot be used: {error}"))),
            None => (None, Vec::new(), RunOutcome::Failed("The endpoint was not looked up; the run will not be sent.".into())),
        },
        IntegrationAction::Script { script } => run_script(context, job, &integration.id, &integration.workflow_id, script).await,
        // Agent work is queued for agents at dispatch and never claimed here; only a re-sent
        // run of one that was discarded ends up in the cloud.
        IntegrationAction::Agent { service, .. } => {
            (None, Vec::new(), RunOutcome::Failed(format!("No Integration Agent serves \"{service}\"; the run cannot be sent from the cloud.")))
        }
    }
}

async fn send_webhook(context: &RunContext, job: &RunJob, endpoint: &EndpointSecrets, path: &str) -> Executed {
    let request = OutgoingRequest {
        endpoint,
        method: Method::POST,
        url: join_url(&endpoint.base_url, path),
        headers: Vec::new(),
        body: job.payload.clone(),
        webhook_id: Some(&job.webhook_id),
    };
    let (attempt, answer) = context.sender.send(request).await;
    let outcome = match next_step(&answer, attempt.error.as_deref(), job.attempt, &context.schedule) {
        NextStep::Delivered => {
            let since_event = clock::now_millis() - job.created_at;
            context.metrics.delivery_latency.observe(Duration::from_millis(u64::try_from(since_event).unwrap_or_default()));
            RunOutcome::Succeeded
        }
        NextStep::RetryIn(wait) => RunOutcome::RetryAt(clock::now_millis() + i64::try_from(wait.as_millis()).unwrap_or(i64::MAX / 2)),
        NextStep::GiveUp(reason) => RunOutcome::Failed(reason),
    };
    (Some(attempt), Vec::new(), outcome)
}

/// Runs an integration's script acting for the alert's initiator, with rights bounded by
/// whoever last saved the integration (`Principal::acting_through`).
async fn run_script(context: &RunContext, job: &RunJob, integration_id: &str, workflow_id: &str, source: &str) -> Executed {
    let acting = async {
        let Some((initiator, depth)) = store::initiator_of_alert(&context.pool, job.alert_id).await? else { return Ok(None) };
        let saver = store::saved_by(&context.pool, store::Saved::Integration(integration_id)).await?;
        Ok::<_, store::StoreError>(Some(initiator.acting_through(workflow_id, saver.as_ref(), depth)))
    };
    let initiator = match acting.await {
        Ok(initiator) => initiator,
        Err(error) => return (None, Vec::new(), RunOutcome::Failed(format!("The alert's initiating user cannot be read: {error}"))),
    };
    let started_at = clock::now_millis();
    let started = std::time::Instant::now();
    let task = ScriptTask { source: source.to_string(), payload_json: job.payload.clone(), input_json: None };
    let ran = match context.shared(workflow_id).await {
        Ok(shared) => context.run_sandboxed(workflow_id, initiator, Arc::new(shared), task, context.script_limits).await,
        Err(error) => Err(error),
    };
    let (logs, result) = match ran {
        Ok(run) => (run.logs, run.result),
        Err(error) => (Vec::new(), Err(error)),
    };
    let attempt = AttemptRecord {
        started_at,
        duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        error: result.as_ref().err().cloned(),
        ..AttemptRecord::default()
    };
    // A failing script is run data, not a delivery problem: it is not retried.
    let outcome = match result {
        Ok(_) => RunOutcome::Succeeded,
        Err(error) => RunOutcome::Failed(error),
    };
    (Some(attempt), logs, outcome)
}

/// A script to run in the sandbox: an integration's (no `input_json`) or a flow step's.
pub struct ScriptTask {
    pub source: String,
    pub payload_json: String,
    /// The step's resolved inputs, for a flow's Script step.
    pub input_json: Option<String>,
}

impl RunContext {
    /// The workflow's constants and libraries, as its scripts see them.
    pub async fn shared(&self, workflow_id: &str) -> Result<Shared, String> {
        let (constants, libraries) = store::script_resources(&self.pool, workflow_id)
            .await
            .map_err(|error| format!("The workflow's constants and libraries cannot be read: {error}"))?;
        Ok(Shared { constants, libraries })
    }

    /// Runs a script of `workflow_id` on a script thread with the workflow's constants and
    /// libraries (`shared`), its endpoints, and Outflow's API acting as `acting` (refused
    /// without one). `Err` when the script could not be started; the script's own failure is
    /// in the run.
    pub async fn run_sandboxed(
        &self,
        workflow_id: &str,
        acting: Option<Principal>,
        shared: Arc<Shared>,
        task: ScriptTask,
        limits: Limits,
    ) -> Result<ScriptRun, String> {
        let acting_as = acting.as_ref().map_or_else(|| "nobody (the run acts for no user)".to_string(), |user| user.target_name.clone());
        let credential_ttl = limits.wall_time + Duration::from_secs(10);
        let bridge = EndpointBridge {
            runtime: tokio::runtime::Handle::current(),
            context: self.clone(),
            workflow_id: workflow_id.to_string(),
            credential: acting.map(|user| self.self_api.delegations.issue(user, credential_ttl)),
            acting_as,
        };
        let started = std::time::Instant::now();
        let finished = self
            .scripts
            .run(move || {
                let scope = match &task.input_json {
                    Some(input_json) => Scope::Step { input_json, payload_json: &task.payload_json },
                    None => Scope::Integration { payload_json: &task.payload_json },
                };
                script::run(&task.source, scope, &shared, Box::new(bridge), limits)
            })
            .await;
        self.metrics.script_duration.observe(started.elapsed());
        finished
    }
}

/// Performs a script's `http.request` calls against the workflow's endpoints.
struct EndpointBridge {
    runtime: tokio::runtime::Handle,
    context: RunContext,
    workflow_id: String,
    /// Acts as the alert's initiator on Outflow's own API; revoked when the script ends.
    credential: Option<Delegation>,
    acting_as: String,
}

impl HttpBridge for EndpointBridge {
    fn call(&mut self, call: HttpCall, body: String) -> Result<HttpReply, String> {
        let context = &self.context;
        if call.endpoint == OUTFLOW_ENDPOINT {
            let (api, method) = (&context.self_api, call.method()?);
            return self.runtime.block_on(api.call(self.credential.as_ref(), &self.acting_as, method, &call.path, call.headers, body));
        }
        self.runtime.block_on(async {
            let endpoint = store::endpoint_secrets_by_name(&context.pool, &context.secrets, &self.workflow_id, &call.endpoint)
                .await
                .map_err(|error| error.to_string())?;
            context.sender.script_call(&endpoint, call, body).await
        })
    }
}
