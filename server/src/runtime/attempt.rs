//! One attempt at a job, as the integration worker and the agent record it: the attempt's
//! record (none when nothing was tried), its log lines, and what follows.

use std::time::Duration;

use outflow_core::store::AttemptRecord;
use outflow_model::flow_exec::Logs;

use crate::delivery::script::ScriptRun;

/// What follows an attempt.
#[derive(Debug, Clone, PartialEq)]
pub enum Next {
    Succeeded,
    /// Try again after this wait.
    RetryIn(Duration),
    /// Give up, with the reason.
    Failed(String),
    /// Not tried: the endpoint had no turn free (its limits); back to the queue for this
    /// long, not counted as an attempt.
    Deferred(Duration),
}

/// One attempt at a job.
#[derive(Debug)]
pub struct Attempt {
    pub record: Option<AttemptRecord>,
    pub logs: Logs,
    pub next: Next,
}

impl Attempt {
    /// Nothing was tried: the job cannot be done, for `reason`.
    pub fn refused(reason: impl Into<String>) -> Attempt {
        Attempt { record: None, logs: Vec::new(), next: Next::Failed(reason.into()) }
    }

    /// A script ran (or could not start), from `started_at` (ms) for `took`. A failing
    /// script is run data, not a delivery problem: it is not retried.
    pub fn of_script(started_at: i64, took: Duration, ran: Result<ScriptRun, String>) -> Attempt {
        let (logs, result) = match ran {
            Ok(run) => (run.logs, run.result),
            Err(error) => (Vec::new(), Err(error)),
        };
        let record = AttemptRecord {
            started_at,
            duration_ms: u64::try_from(took.as_millis()).unwrap_or(u64::MAX),
            error: result.as_ref().err().cloned(),
            ..AttemptRecord::default()
        };
        let next = match result {
            Ok(_) => Next::Succeeded,
            Err(error) => Next::Failed(error),
        };
        Attempt { record: Some(record), logs, next }
    }
}
