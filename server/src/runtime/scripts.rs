//! Running scripts in the sandbox: a workflow's script with its constants, libraries and
//! endpoints, acting for a user on Outflow's own API ([`Runtime::run_script`]), on the one
//! path every runner uses ([`run_timed`]).

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use outflow_core::{
    clock,
    store::{self, Principal},
};

use super::{Attempt, Runtime};
use crate::delivery::{
    script::{self, HttpBridge, HttpCall, HttpReply, Limits, Scope, ScriptRun, ScriptThreads, Shared},
    self_calls::{Delegation, OUTFLOW_ENDPOINT},
};

/// A script to run in the sandbox: an integration's (no `input_json`) or a flow step's.
pub struct ScriptTask {
    pub source: String,
    pub payload_json: String,
    /// The step's resolved inputs, for a flow's Script step.
    pub input_json: Option<String>,
}

impl Runtime {
    /// Runs a script of `workflow_id` on a script thread with the workflow's constants and
    /// libraries (`shared`), its endpoints, and Outflow's API acting as `acting` (refused
    /// without one). `Err` when the script could not be started; the script's own failure is
    /// in the run.
    pub async fn run_script(&self, workflow_id: &str, acting: Option<Principal>, shared: Arc<Shared>, task: ScriptTask, limits: Limits) -> Timed {
        let bridge = EndpointBridge {
            runtime: tokio::runtime::Handle::current(),
            context: self.clone(),
            workflow_id: workflow_id.to_string(),
            acting,
            credential_ttl: limits.wall_time + Duration::from_secs(10),
            credential: None,
        };
        let timed = run_timed(&self.scripts, task, shared, Box::new(bridge), limits).await;
        self.metrics.script_duration.observe(timed.took);
        timed
    }

    /// Runs a script of a workflow on this thread if it finishes within the inline budget
    /// without calling `http.request` (see [`run_in_place`]); `None` when it cannot, and then
    /// nothing it did left the sandbox.
    pub fn run_script_in_place(&self, shared: &Shared, task: &ScriptTask, limits: Limits) -> Option<Timed> {
        let (started_at, started) = (clock::now_millis(), Instant::now());
        let run = run_in_place(task, shared, limits)?;
        let timed = Timed { started_at, took: started.elapsed(), ran: Ok(run) };
        self.metrics.script_duration.observe(timed.took);
        Some(timed)
    }
}

/// A script run, when it started (ms) and how long it took; `Err` when it could not start.
pub struct Timed {
    pub started_at: i64,
    pub took: Duration,
    pub ran: Result<ScriptRun, String>,
}

impl Timed {
    /// As an attempt of a queued job (an integration's or an agent's run).
    pub fn attempt(self) -> Attempt {
        Attempt::of_script(self.started_at, self.took, self.ran)
    }
}

/// How long a script may run on the calling async worker before it goes to a script thread
/// instead (see `script::run_inline`): most reshaping scripts take far less, and skip two
/// thread hand-offs; a longer one blocks a worker at most this long, once.
const INLINE_BUDGET: Duration = Duration::from_millis(2);

/// Runs `task` with `bridge` performing its `http.request` calls: inline when it is quick
/// and makes no calls, else on one of `threads`. The one way any runner (the server,
/// `outflow agent`) runs a script.
pub async fn run_timed(threads: &ScriptThreads, task: ScriptTask, shared: Arc<Shared>, bridge: Box<dyn HttpBridge + Send>, limits: Limits) -> Timed {
    let (started_at, started) = (clock::now_millis(), Instant::now());
    let ran = match run_in_place(&task, &shared, limits) {
        Some(run) => Ok(run),
        None => threads.run(move || script::run(&task.source, task.scope(), &shared, bridge, limits)).await,
    };
    Timed { started_at, took: started.elapsed(), ran }
}

/// Runs `task` on the calling thread when it is quick and makes no calls (see
/// `script::run_inline`); `None` when it cannot, and then nothing it did left the sandbox.
fn run_in_place(task: &ScriptTask, shared: &Shared, limits: Limits) -> Option<ScriptRun> {
    script::run_inline(&task.source, task.scope(), shared, limits, INLINE_BUDGET)
}

impl ScriptTask {
    fn scope(&self) -> Scope<'_> {
        match &self.input_json {
            Some(input_json) => Scope::Step { input_json, payload_json: &self.payload_json },
            None => Scope::Integration { payload_json: &self.payload_json },
        }
    }
}

/// Performs a script's `http.request` calls against the workflow's endpoints.
struct EndpointBridge {
    runtime: tokio::runtime::Handle,
    context: Runtime,
    workflow_id: String,
    /// Whom the script's calls to Outflow's own API act for.
    acting: Option<Principal>,
    credential_ttl: Duration,
    /// The credential acting for them, issued at the script's first call to Outflow's API
    /// (most scripts make none) and revoked when the script ends (the bridge is dropped).
    credential: Option<Delegation>,
}

impl HttpBridge for EndpointBridge {
    fn call(&mut self, call: HttpCall, body: String) -> Result<HttpReply, String> {
        let context = &self.context;
        if call.endpoint == OUTFLOW_ENDPOINT {
            let (api, method) = (&context.self_api, call.method()?);
            if self.credential.is_none()
                && let Some(user) = &self.acting
            {
                self.credential = Some(api.delegations.issue(user.clone(), self.credential_ttl));
            }
            let acting_as = self.acting.as_ref().map_or("nobody (the run acts for no user)", |user| user.target_name.as_str());
            return self.runtime.block_on(api.call(self.credential.as_ref(), acting_as, method, &call.path, call.headers, body));
        }
        self.runtime.block_on(async {
            let endpoint = store::endpoint_secrets_by_name(&context.store, &context.secrets, &self.workflow_id, &call.endpoint)
                .await
                .map_err(|error| error.to_string())?;
            context.sender.script_call(&endpoint, call, body).await
        })
    }
}
