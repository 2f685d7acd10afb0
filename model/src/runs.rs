//! Runs as the Activity view shows them: an integration run (one execution of an
//! integration for one trigger event, with every delivery attempt and log line) or a flow
//! run (one execution of a flow's graph, with a record per step, see `flow_runs`).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{
    flow_runs::{FlowRunDetail, StartedBy},
    trigger::Trigger,
};

/// Which kind of run a listing entry is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RunKind {
    #[default]
    Integration,
    Flow,
}

impl RunKind {
    pub fn key(self) -> &'static str {
        match self {
            RunKind::Integration => "integration",
            RunKind::Flow => "flow",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    /// Waiting for its (next) attempt.
    Pending,
    Succeeded,
    /// The last attempt failed; it can be re-sent.
    Failed,
    /// Not run, with the reason (e.g. the form is disabled).
    Skipped,
    /// Waiting for an Integration Agent to take it.
    Queued,
    /// Dropped with the reason (e.g. no agent serves the service).
    Discarded,
    /// A flow run whose steps are under way.
    Running,
}

impl RunStatus {
    pub const ALL: [RunStatus; 7] = [
        RunStatus::Pending,
        RunStatus::Running,
        RunStatus::Succeeded,
        RunStatus::Failed,
        RunStatus::Skipped,
        RunStatus::Queued,
        RunStatus::Discarded,
    ];

    pub fn key(self) -> &'static str {
        match self {
            RunStatus::Pending => "pending",
            RunStatus::Succeeded => "succeeded",
            RunStatus::Failed => "failed",
            RunStatus::Skipped => "skipped",
            RunStatus::Queued => "queued",
            RunStatus::Discarded => "discarded",
            RunStatus::Running => "running",
        }
    }

    pub fn from_key(key: &str) -> Option<RunStatus> {
        RunStatus::ALL.into_iter().find(|status| status.key() == key)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RunSummary {
    pub id: String,
    #[serde(default)]
    pub kind: RunKind,
    pub integration_id: Option<String>,
    /// The integration's name, or for a flow run the flow's.
    pub integration_name: String,
    /// The alert; a flow run started by its HTTP trigger or the API may have none.
    pub event_identifier: Option<i64>,
    /// The alert trigger; `None` for a flow run started from its HTTP trigger.
    pub trigger: Option<Trigger>,
    pub status: RunStatus,
    /// Why it was skipped, discarded or failed.
    pub reason: Option<String>,
    /// Delivery attempts; for a flow run, the steps it has run.
    pub attempt_count: u32,
    pub created_at: String,
    pub updated_at: String,
    /// The next attempt; for a flow run waiting on a Delay, when it continues.
    pub next_attempt_at: Option<String>,
    /// The Integration Agent that took the run last, for agent work.
    #[serde(default)]
    pub agent_id: Option<String>,
    /// The flow of a flow run (`None` once deleted, and for integration runs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flow_id: Option<String>,
    /// What started a flow run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_by: Option<StartedBy>,
}

impl RunSummary {
    /// What started it, as the UI names it.
    pub fn trigger_name(&self) -> &'static str {
        match (self.trigger, self.started_by) {
            (Some(trigger), _) => trigger.display_name(),
            (None, Some(StartedBy::Schedule)) => "Schedule",
            (None, Some(StartedBy::Call)) => "Called by a flow",
            (None, _) => "HTTP Trigger",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Run {
    #[serde(flatten)]
    pub summary: RunSummary,
    /// The trigger payload (SPEC §3) exactly as sent.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub payload: Value,
    /// Stable across retries: the `webhook-id` header. Flow runs have one per Webhook step
    /// (`<run id>_<block id>`), so none here.
    pub webhook_id: Option<String>,
    /// The run this one re-sends, if any.
    pub rerun_of: Option<String>,
    pub attempts: Vec<Attempt>,
    /// For a flow run, every step's log lines, each prefixed with its block id.
    pub logs: Vec<LogLine>,
    /// The graph and step records of a flow run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flow: Option<FlowRunDetail>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Attempt {
    pub number: u32,
    pub started_at: String,
    pub duration_ms: u64,
    pub url: Option<String>,
    pub status_code: Option<u16>,
    pub response_excerpt: Option<String>,
    pub error: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct LogLine {
    pub at: String,
    pub line: String,
}

/// Filters and paging for the run listing.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
#[serde(rename_all = "camelCase")]
pub struct RunQuery {
    pub integration_id: Option<String>,
    /// Only runs of this flow.
    pub flow_id: Option<String>,
    /// Only integration runs, or only flow runs.
    pub kind: Option<RunKind>,
    pub status: Option<RunStatus>,
    /// Only runs of this alert.
    pub event_identifier: Option<i64>,
    pub since: Option<String>,
    pub until: Option<String>,
    pub limit: Option<u32>,
    pub offset: Option<u32>,
}

/// A page of run summaries.
pub type RunPage = crate::Page<RunSummary>;
