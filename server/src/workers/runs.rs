//! The integration worker: claims due runs, executes each one's action (a signed webhook or
//! a sandboxed script), and records the attempt with the run's next state: succeeded,
//! retried later per the schedule or `Retry-After`, or failed.

use std::{collections::HashMap, sync::Arc, time::Duration};

use futures::future::join_all;
use outflow_core::{
    clock,
    store::{self, AttemptResult, EndpointSecrets, RunIntegration, RunJob, RunOutcome},
};
use outflow_model::{endpoints::join_url, integrations::IntegrationAction};
use reqwest::Method;
use tokio::{sync::watch, task::JoinHandle};
use tracing::Instrument;

use super::{Wakeups, Work, pause};
use crate::{
    delivery::webhooks::OutgoingRequest,
    runtime::{Attempt, Next, OwnedEndpoint, Runtime, ScriptTask, webhooks},
};

/// Runs claimed per round; they execute concurrently.
const BATCH: i64 = 256;
const IDLE_POLL: Duration = Duration::from_millis(250);

pub async fn run(runtime: Runtime, wakeups: Arc<Wakeups>, mut shutdown: watch::Receiver<bool>) {
    // The previous batch's results, recorded while the next batch is claimed and sent. Its
    // runs stay leased until recorded, so no round claims them twice.
    let mut recording: Option<JoinHandle<()>> = None;
    loop {
        let claimed = match store::claim_due_runs(&runtime.store, clock::now_millis(), BATCH).await {
            Ok(jobs) => jobs,
            Err(error) => {
                tracing::error!(%error, "cannot claim runs");
                Vec::new()
            }
        };
        let full_batch = claimed.len() as i64 == BATCH;
        if !claimed.is_empty() {
            let endpoints = endpoints_of(&runtime, &claimed).await;
            let results = join_all(claimed.iter().map(|job| execute_traced(&runtime, &endpoints, job))).await;
            runtime.metrics.attempted(&results);
            let record = store::record_attempts(&runtime.store, &results);
            finish(recording.take()).await;
            recording = Some(tokio::spawn(report(results.len(), record)));
        }
        if full_batch && !*shutdown.borrow() {
            continue;
        }
        if !pause(wakeups.signal(Work::Runs), IDLE_POLL, &mut shutdown).await {
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

/// The endpoints a batch of runs sends to, each looked up once.
type Endpoints = HashMap<String, Result<Arc<OwnedEndpoint>, String>>;

async fn endpoints_of(runtime: &Runtime, jobs: &[RunJob]) -> Endpoints {
    let mut endpoints = Endpoints::new();
    for job in jobs {
        if let Some(RunIntegration { action: IntegrationAction::Webhook { endpoint_id, .. }, .. }) = &job.integration
            && !endpoints.contains_key(endpoint_id)
        {
            endpoints.insert(endpoint_id.clone(), runtime.endpoint(endpoint_id).await);
        }
    }
    endpoints
}

async fn execute_traced<'a>(runtime: &Runtime, endpoints: &Endpoints, job: &'a RunJob) -> AttemptResult<'a> {
    let span = tracing::info_span!("run", run_id = %job.run_id, alert_id = job.alert_id, attempt = job.attempt);
    let (attempt, outcome) = execute(runtime, endpoints, job).instrument(span).await;
    AttemptResult { job, attempt: attempt.record, logs: attempt.logs, outcome }
}

/// The attempt, and the run's next state.
async fn execute(runtime: &Runtime, endpoints: &Endpoints, job: &RunJob) -> (Attempt, RunOutcome) {
    let Some(integration) = &job.integration else {
        return as_run(Attempt::refused("The integration was deleted before this run could be sent."));
    };
    if !integration.enabled {
        let reason = "The integration was disabled before this run could be sent.";
        return (Attempt::refused(reason), RunOutcome::Skipped(reason.into()));
    }
    let attempt = match &integration.action {
        IntegrationAction::Webhook { endpoint_id, path } => match endpoints.get(endpoint_id) {
            Some(Ok(endpoint)) => send_webhook(runtime, job, &endpoint.secrets, path).await,
            Some(Err(error)) => Attempt::refused(error.clone()),
            None => Attempt::refused("The endpoint was not looked up; the run will not be sent."),
        },
        IntegrationAction::Script { script } => run_script(runtime, job, &integration.id, &integration.workflow_id, script).await,
        // Agent work is queued for agents at dispatch and never claimed here; only a re-sent
        // run of one that was discarded ends up in the cloud.
        IntegrationAction::Agent { service, .. } => {
            Attempt::refused(format!("No Integration Agent serves \"{service}\"; the run cannot be sent from the cloud."))
        }
        // A run made before the integration became "Run flows only".
        IntegrationAction::FlowsOnly => {
            let reason = IntegrationAction::SENDS_NOTHING;
            return (Attempt::refused(reason), RunOutcome::Skipped(reason.into()));
        }
    };
    as_run(attempt)
}

/// An attempt with the run state its `next` means.
fn as_run(attempt: Attempt) -> (Attempt, RunOutcome) {
    let outcome = match &attempt.next {
        Next::Succeeded => RunOutcome::Succeeded,
        Next::RetryIn(wait) => RunOutcome::RetryAt(clock::now_millis() + i64::try_from(wait.as_millis()).unwrap_or(i64::MAX / 2)),
        Next::Failed(reason) => RunOutcome::Failed(reason.clone()),
        Next::Deferred(wait) => RunOutcome::Deferred(clock::now_millis() + i64::try_from(wait.as_millis()).unwrap_or(i64::MAX / 2)),
    };
    (attempt, outcome)
}

async fn send_webhook(runtime: &Runtime, job: &RunJob, endpoint: &EndpointSecrets, path: &str) -> Attempt {
    let request = OutgoingRequest {
        endpoint,
        method: Method::POST,
        url: join_url(&endpoint.base_url, path),
        headers: Vec::new(),
        body: job.payload.clone(),
        webhook_id: Some(&job.webhook_id),
    };
    let attempt = webhooks::send_once(&runtime.sender, &runtime.schedule, request, job.attempt).await;
    if attempt.next == Next::Succeeded {
        let since_event = clock::now_millis() - job.created_at;
        runtime.metrics.delivery_latency.observe(Duration::from_millis(u64::try_from(since_event).unwrap_or_default()));
    }
    attempt
}

/// Runs an integration's script acting for the alert's initiator, with rights bounded by
/// whoever last saved the integration (`Principal::acting_through`).
async fn run_script(runtime: &Runtime, job: &RunJob, integration_id: &str, workflow_id: &str, source: &str) -> Attempt {
    let acting = async {
        let Some((initiator, depth)) = store::initiator_of_alert(&runtime.store, job.alert_id).await? else { return Ok(None) };
        let saver = store::saved_by(&runtime.store, store::Saved::Integration(integration_id)).await?;
        Ok::<_, store::StoreError>(Some(initiator.acting_through(workflow_id, saver.as_ref(), depth)))
    };
    let initiator = match acting.await {
        Ok(initiator) => initiator,
        Err(error) => return Attempt::refused(format!("The alert's initiating user cannot be read: {error}")),
    };
    let task = ScriptTask { source: source.to_string(), payload_json: job.payload.clone(), input_json: None };
    match runtime.shared(workflow_id).await {
        Ok(shared) => runtime.run_script(workflow_id, initiator, shared, task, runtime.script_limits).await.attempt(),
        Err(error) => Attempt::of_script(clock::now_millis(), Duration::ZERO, Err(error)),
    }
}
