//! Integration Agents (SPEC §4, §7): the registry an admin manages, and the wire types of
//! the protocol an `outflow agent` process speaks with the server (heartbeat, lease,
//! report) over `/api/v1/agent/…`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::endpoints::EndpointAuth;

/// How long after its last heartbeat an agent still counts as online.
pub const ONLINE_WINDOW_MS: i64 = 30_000;
/// Most services one agent may serve.
pub const MAX_SERVICES: usize = 50;
/// Largest report body an agent may send (logs are cut to fit before that).
pub const MAX_REPORT_BYTES: usize = 1024 * 1024;
/// Most log lines one report may carry.
pub const MAX_REPORT_LOG_LINES: usize = 200;
/// Longest log line a report keeps.
pub const MAX_LOG_LINE_CHARS: usize = 4_000;

#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct NewAgent {
    pub name: String,
    /// Integration service names this agent serves ("Send to Integration Agent").
    #[serde(default)]
    pub services: Vec<String>,
}

/// The answer to registering an agent: the only time its token is shown.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CreatedAgent {
    pub id: String,
    pub name: String,
    pub token: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Agent {
    pub id: String,
    pub name: String,
    pub services: Vec<String>,
    /// The `outflow` version the agent reported in its last heartbeat.
    pub version: Option<String>,
    /// A heartbeat arrived within the last 30 s.
    pub online: bool,
    pub last_heartbeat_at: Option<String>,
    /// Runs waiting that this agent may take.
    pub queue_depth: i64,
    /// Users registered to the agent (who may select it for their integrations).
    pub users: Vec<String>,
    pub created_at: String,
}

/// `PUT /agents/{id}/users`: the users registered to an agent, replacing the old list.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AgentUsers {
    pub users: Vec<String>,
}

/// `POST /agent/heartbeat`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Heartbeat {
    #[serde(default)]
    pub version: Option<String>,
}

/// Who the server knows the agent as.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AgentIdentity {
    pub id: String,
    pub name: String,
    pub services: Vec<String>,
}

/// One job handed to an agent. It must report before `leaseMs` pass, or the job goes back
/// to the queue for another agent; `attempt` fences late reports.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Lease {
    pub run_id: String,
    pub attempt: u32,
    pub lease_ms: i64,
    pub alert_id: i64,
    /// Stable across attempts and agents: the `webhook-id` header.
    pub webhook_id: String,
    /// The trigger payload (SPEC §3) as JSON text, sent as is.
    pub payload: String,
    pub job: AgentJob,
}

/// What the agent executes.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum AgentJob {
    /// "Send to Integration Agent": hand the payload to the agent's local target for `service`.
    Service { service: String },
    /// POST the payload, signed, to the endpoint (URL already joined with the path).
    Webhook { url: String, endpoint: AgentEndpoint },
    /// Run the script in the agent's sandbox with the workflow's shared resources.
    Script {
        script: String,
        #[cfg_attr(feature = "openapi", schema(value_type = TextMap))]
        constants: BTreeMap<String, String>,
        #[cfg_attr(feature = "openapi", schema(value_type = TextMap))]
        libraries: BTreeMap<String, String>,
        /// The workflow's endpoints, for `http.request({endpoint: name, …})`.
        endpoints: Vec<AgentEndpoint>,
    },
}

/// Names to texts (a workflow's constants or its libraries' code), documented as one named
/// schema: generated clients (openapi-python-client) fail on a map written inline inside one
/// variant of a tagged union.
#[cfg(feature = "openapi")]
#[derive(utoipa::ToSchema)]
pub struct TextMap(#[allow(dead_code)] BTreeMap<String, String>);

/// An endpoint with what calling it needs: auth secrets and the signing key travel to the
/// agent only inside a lease, over the agent's authenticated connection.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AgentEndpoint {
    pub id: String,
    pub name: String,
    pub base_url: String,
    pub auth: EndpointAuth,
    pub trust_self_signed: bool,
    /// The raw HMAC key of the signing secret, base64.
    pub signing_key: String,
}

/// `POST /agent/runs/{id}/report`: how the leased attempt went.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AgentReport {
    /// The `attempt` of the lease being reported.
    pub attempt: u32,
    pub outcome: AgentOutcome,
    #[serde(default)]
    pub record: Option<AgentAttempt>,
    #[serde(default)]
    pub logs: Vec<AgentLogLine>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "status", rename_all = "camelCase")]
pub enum AgentOutcome {
    Succeeded,
    Failed {
        reason: String,
    },
    /// Put the job back in the queue, due after this many milliseconds.
    #[serde(rename_all = "camelCase")]
    Retry {
        reason: String,
        after_ms: u64,
    },
}

/// One attempt as the agent saw it (times in Unix milliseconds).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AgentAttempt {
    pub started_at: i64,
    pub duration_ms: u64,
    pub url: Option<String>,
    pub status_code: Option<u16>,
    pub response_excerpt: Option<String>,
    pub error: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AgentLogLine {
    pub at: i64,
    pub line: String,
}
