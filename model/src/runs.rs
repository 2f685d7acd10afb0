//! Runs: one execution of an integration for one trigger event, with every delivery
//! attempt and log line, as the Activity view shows them.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::trigger::Trigger;

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
}

impl RunStatus {
    pub const ALL: [RunStatus; 6] =
        [RunStatus::Pending, RunStatus::Succeeded, RunStatus::Failed, RunStatus::Skipped, RunStatus::Queued, RunStatus::Discarded];

    pub fn key(self) -> &'static str {
        match self {
            RunStatus::Pending => "pending",
            RunStatus::Succeeded => "succeeded",
            RunStatus::Failed => "failed",
            RunStatus::Skipped => "skipped",
            RunStatus::Queued => "queued",
            RunStatus::Discarded => "discarded",
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
    pub integration_id: Option<String>,
    pub integration_name: String,
    pub event_identifier: i64,
    pub trigger: Trigger,
    pub status: RunStatus,
    /// Why it was skipped, discarded or failed.
    pub reason: Option<String>,
    pub attempt_count: u32,
    pub created_at: String,
    pub updated_at: String,
    pub next_attempt_at: Option<String>,
    /// The Integration Agent that took the run last, for agent work.
    #[serde(default)]
    pub agent_id: Option<String>,
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
    /// Stable across retries: the `webhook-id` header.
    pub webhook_id: String,
    /// The run this one re-sends, if any.
    pub rerun_of: Option<String>,
    pub attempts: Vec<Attempt>,
    pub logs: Vec<LogLine>,
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
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[serde(rename_all = "camelCase")]
pub struct RunQuery {
    pub integration_id: Option<String>,
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
