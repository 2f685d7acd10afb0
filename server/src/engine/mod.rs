//! The flow engine: executes flow runs. The store creates runs (the dispatcher, in the
//! transaction that consumes a trigger event; [`Engine::start`] for the HTTP trigger and the
//! API, which execute at once in this process), [`executor`] runs one step by step with the
//! planner of `outflow_model::flow_plan`, recording each step before anything after it
//! starts, and [`worker`] takes up runs nobody executes: created for it, parked on a long
//! Delay, or left behind by a crash (or by an instance that died). `leases` keeps the runs
//! executing here leased to this process. Step types live in `crate::steps`.
//!
//! Hot-path lookups (a flow's graph, an endpoint with its secrets) are cached until the
//! store's configuration generation moves, i.e. until any configuration change commits.

pub mod executor;
mod leases;
pub mod worker;

use std::{
    collections::{HashMap, hash_map::Entry},
    sync::{Arc, Mutex, MutexGuard, PoisonError},
    time::{Duration, Instant},
};

use futures::future::BoxFuture;
use outflow_core::ops::{Ops, Wakeups};
use outflow_core::store::{self, FlowRunJob, NewFlowRun, Principal, RunEnd, RunnableFlow, StoreResult, UnwrittenRun};
use outflow_model::runs::RunStatus;
use serde_json::Value;
use tokio::sync::{Notify, oneshot};

use crate::{
    delivery::script::Shared,
    runtime::{OwnedEndpoint, Runtime, cache::Cache},
    steps::StepEnv,
};

/// Limits every run obeys.
#[derive(Debug, Clone, Copy)]
pub struct EngineSettings {
    /// Longest one step may take (a Delay's wait does not count).
    pub step_timeout: Duration,
    /// Most steps one run may execute.
    pub step_limit: i64,
}

/// How an execution of a run stopped.
#[derive(Debug, Clone, PartialEq)]
pub enum Ending {
    /// The run ended (and that is recorded).
    Finished { status: RunStatus, reason: Option<String>, output: Option<Value> },
    /// Only a long Delay is left; the worker takes the run up again when it is due.
    Parked,
    /// The run could not go on here (a database failure); it stays open for the worker.
    Interrupted(String),
}

/// How often a wait for a run's end looks whether it ended in another process.
const AWAIT_POLL: Duration = Duration::from_secs(1);

/// The engine; cheap to clone.
#[derive(Clone)]
pub struct Engine(Arc<Inner>);

struct Inner {
    runtime: Runtime,
    /// What Outflow steps do, with the same rules as the REST API.
    ops: Ops,
    settings: EngineSettings,
    /// Runs executing in this process (since when), so the worker never takes one twice and
    /// their leases are renewed (`leases`).
    active: Mutex<HashMap<String, Instant>>,
    /// Per run someone waits for (a Call Flow step): woken when it ends here.
    awaited: Mutex<HashMap<String, Arc<Notify>>>,
    flows: Cache<RunnableFlow>,
    /// Active users by id (whom runs act as), and who last saved each flow.
    principals: Cache<Principal>,
}

impl Engine {
    /// The engine, renewing the leases of the runs it executes for as long as it exists
    /// (so it must be made inside the Tokio runtime).
    pub fn new(runtime: Runtime, ops: Ops, settings: EngineSettings) -> Engine {
        let engine = Engine(Arc::new(Inner {
            runtime,
            ops,
            settings,
            active: Mutex::default(),
            awaited: Mutex::default(),
            flows: Cache::default(),
            principals: Cache::default(),
        }));
        tokio::spawn(leases::renew(Arc::downgrade(&engine.0)));
        engine
    }

    pub fn runtime(&self) -> &Runtime {
        &self.0.runtime
    }

    pub fn wakeups(&self) -> &Wakeups {
        &self.0.ops.wakeups
    }

    pub fn ops(&self) -> &Ops {
        &self.0.ops
    }

    pub fn settings(&self) -> EngineSettings {
        self.0.settings
    }

    /// A flow's published version, ready to start runs from (cached).
    pub async fn runnable_flow(&self, id: &str) -> StoreResult<Arc<RunnableFlow>> {
        let generation = self.runtime().store.config_generation();
        if let Some(flow) = self.0.flows.get(id, generation) {
            return Ok(flow);
        }
        let flow = Arc::new(store::runnable_flow(&self.runtime().store, id, store::Edition::Published).await?);
        self.0.flows.put(id, generation, flow.clone());
        Ok(flow)
    }

    /// The active user a run acts as (cached); `None` once deactivated or deleted.
    /// Whom a run's Outflow steps and scripts act for: its acting user, with rights bounded
    /// by whoever last saved the flow and to the flow's workflow (`Principal::acting_through`).
    pub async fn acting(&self, job: &FlowRunJob) -> StoreResult<Option<Principal>> {
        let Some(user) = job.acting_user_id else { return Ok(None) };
        let Some(principal) = self.principal(user).await? else { return Ok(None) };
        let saver = match &job.flow_id {
            Some(flow_id) => self.flow_saver(flow_id).await?,
            None => None,
        };
        Ok(Some(principal.acting_through(&job.workflow_id, saver.as_deref(), job.chain_depth)))
    }

    /// Who last saved a flow (cached like the users runs act for).
    async fn flow_saver(&self, flow_id: &str) -> StoreResult<Option<Arc<Principal>>> {
        let key = format!("saver of {flow_id}");
        let generation = self.runtime().store.config_generation();
        if let Some(saver) = self.0.principals.get(&key, generation) {
            return Ok(Some(saver));
        }
        let saver = store::saved_by(&self.runtime().store, store::Saved::Flow(flow_id)).await?.map(Arc::new);
        if let Some(saver) = &saver {
            self.0.principals.put(&key, generation, saver.clone());
        }
        Ok(saver)
    }

    async fn principal(&self, user_id: i64) -> StoreResult<Option<Principal>> {
        let key = user_id.to_string();
        let generation = self.runtime().store.config_generation();
        if let Some(principal) = self.0.principals.get(&key, generation) {
            return Ok(Some((*principal).clone()));
        }
        let principal = store::principal_by_id(&self.runtime().store, user_id).await?;
        if let Some(principal) = &principal {
            self.0.principals.put(&key, generation, Arc::new(principal.clone()));
        }
        Ok(principal)
    }

    /// An endpoint of `workflow_id` with its secrets opened (cached), or why it cannot be used.
    pub async fn endpoint(&self, id: &str, workflow_id: &str) -> Result<Arc<OwnedEndpoint>, String> {
        let endpoint = self.runtime().endpoint(id).await?;
        if endpoint.workflow_id != workflow_id {
            return Err(format!("The endpoint \"{}\" belongs to another workflow.", endpoint.secrets.name));
        }
        Ok(endpoint)
    }

    /// Creates a run (written before this answers) and executes it in this process at once,
    /// unless it waits, queued, for a turn under its flow's limit of runs at once (the worker
    /// takes it up then). Answers its id, its status, and what becomes of it, for a caller
    /// that waits.
    pub async fn start(&self, new: NewFlowRun) -> StoreResult<(String, RunStatus, oneshot::Receiver<Ending>)> {
        let job = store::create_flow_run(&self.runtime().store, new, true).await?;
        if job.queued {
            return Ok((job.run_id.clone(), RunStatus::Queued, self.follow(job.run_id)));
        }
        let (run_id, ending) = self.begin(job, None);
        Ok((run_id, RunStatus::Running, ending))
    }

    /// Starts a run for a caller that acknowledges nothing until it ends (a sync HTTP
    /// trigger): executed at once, it is written with its first step record, one commit
    /// fewer; a run of a flow with a limit of runs at once is written first, as [`Self::start`] does.
    pub async fn start_unacknowledged(&self, new: NewFlowRun) -> StoreResult<(String, oneshot::Receiver<Ending>)> {
        if new.flow.max_concurrent_runs.is_some() {
            let (run_id, _, ending) = self.start(new).await?;
            return Ok((run_id, ending));
        }
        let (job, unwritten) = store::prepare_flow_run(new, Some(self.runtime().store.flow_run_lease()));
        Ok(self.begin(job, Some(unwritten)))
    }

    /// What becomes of a run executed elsewhere or later (a queued one), followed while
    /// someone waits for it.
    fn follow(&self, run_id: String) -> oneshot::Receiver<Ending> {
        let (mut reply, answer) = oneshot::channel();
        let engine = self.clone();
        tokio::spawn(async move {
            let ending = tokio::select! {
                end = engine.run_end(&run_id) => match end {
                    Ok(end) => Ending::Finished { status: end.status, reason: end.reason, output: end.output },
                    Err(error) => Ending::Interrupted(format!("cannot read how the run ended: {error}")),
                },
                () = reply.closed() => return,
            };
            let _ = reply.send(ending);
        });
        answer
    }

    fn begin(&self, job: FlowRunJob, unwritten: Option<UnwrittenRun>) -> (String, oneshot::Receiver<Ending>) {
        let run_id = job.run_id.clone();
        self.active().insert(run_id.clone(), Instant::now());
        (run_id, self.spawn(job, unwritten))
    }

    /// Executes a claimed run on a task of its own, unless this process already does.
    pub fn execute(&self, job: FlowRunJob) {
        let taken = match self.active().entry(job.run_id.clone()) {
            Entry::Vacant(entry) => {
                entry.insert(Instant::now());
                true
            }
            Entry::Occupied(_) => false,
        };
        if taken {
            drop(self.spawn(job, None));
        }
    }

    /// The runs executing here that this process took up at least `for_at_least` ago.
    fn held_for(&self, for_at_least: Duration) -> Vec<String> {
        self.active().iter().filter(|(_, since)| since.elapsed() >= for_at_least).map(|(id, _)| id.clone()).collect()
    }

    /// Waits (up to `within`) for the runs this process executes to end or park, so that a
    /// shutdown lets steps in flight finish; whatever is left resumes after the restart.
    pub async fn drain(&self, within: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + within;
        while !self.active().is_empty() {
            if tokio::time::Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        true
    }

    fn spawn(&self, job: FlowRunJob, unwritten: Option<UnwrittenRun>) -> oneshot::Receiver<Ending> {
        let (reply, answer) = oneshot::channel();
        let engine = self.clone();
        tokio::spawn(async move {
            let run_id = job.run_id.clone();
            let ending = executor::execute(&engine, job, unwritten).await;
            engine.active().remove(&run_id);
            if let Ending::Finished { status, .. } = &ending {
                engine.runtime().metrics.flow_run_ended(*status);
                engine.ended(&run_id);
            }
            if let Ending::Interrupted(reason) = &ending {
                tracing::error!(run_id, reason, "a flow run stopped here; whoever holds it next (after its lease, here or elsewhere) goes on");
            }
            // Nobody may be waiting for it.
            let _ = reply.send(ending);
        });
        answer
    }

    /// How run `run_id` ended, once it has: woken when it ends in this process, and every
    /// second to see whether it ended elsewhere.
    pub async fn run_end(&self, run_id: &str) -> StoreResult<RunEnd> {
        loop {
            let notify = self.awaited().entry(run_id.to_string()).or_default().clone();
            let ended = notify.notified();
            tokio::pin!(ended);
            ended.as_mut().enable();
            let end = match store::flow_run_end(&self.runtime().store, run_id).await {
                Ok(Some(end)) => Ok(end),
                Err(error) => Err(error),
                Ok(None) => {
                    let _ = tokio::time::timeout(AWAIT_POLL, ended).await;
                    continue;
                }
            };
            let mut awaited = self.awaited();
            // Nobody else waits for it (the map and this are the only holders).
            if awaited.get(run_id).is_some_and(|held| Arc::strong_count(held) == 2) {
                awaited.remove(run_id);
            }
            return end;
        }
    }

    /// Wakes whoever waits for run `run_id`, which ended.
    fn ended(&self, run_id: &str) {
        if let Some(notify) = self.awaited().remove(run_id) {
            notify.notify_waiters();
        }
    }

    fn awaited(&self) -> MutexGuard<'_, HashMap<String, Arc<Notify>>> {
        // Every change is one insert or remove, so a poisoned map is still consistent.
        self.0.awaited.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn active(&self) -> MutexGuard<'_, HashMap<String, Instant>> {
        // Every change is one insert or remove, so a poisoned set is still consistent.
        self.0.active.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl StepEnv for Engine {
    fn runtime(&self) -> &Runtime {
        Engine::runtime(self)
    }

    fn ops(&self) -> &Ops {
        Engine::ops(self)
    }

    fn step_timeout(&self) -> Duration {
        self.0.settings.step_timeout
    }

    fn endpoint<'a>(&'a self, id: &'a str, workflow_id: &'a str) -> BoxFuture<'a, Result<Arc<OwnedEndpoint>, String>> {
        Box::pin(Engine::endpoint(self, id, workflow_id))
    }

    fn shared<'a>(&'a self, workflow_id: &'a str) -> BoxFuture<'a, Result<Arc<Shared>, String>> {
        Box::pin(self.runtime().shared(workflow_id))
    }

    fn execute(&self, job: FlowRunJob) {
        Engine::execute(self, job);
    }

    fn run_end<'a>(&'a self, run_id: &'a str) -> BoxFuture<'a, Result<RunEnd, String>> {
        Box::pin(async move { Engine::run_end(self, run_id).await.map_err(|error| error.to_string()) })
    }
}
