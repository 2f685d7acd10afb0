//! Alerts and everything that happens to them: notifications, responses, comments, and
//! the timeline of trigger events.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::trigger::Trigger;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "UPPERCASE")]
pub enum AlertStatus {
    Active,
    Suspended,
    Terminated,
}

impl AlertStatus {
    /// The REST spelling, e.g. `ACTIVE`.
    pub fn key(self) -> &'static str {
        match self {
            AlertStatus::Active => "ACTIVE",
            AlertStatus::Suspended => "SUSPENDED",
            AlertStatus::Terminated => "TERMINATED",
        }
    }

    pub fn from_key(key: &str) -> Option<AlertStatus> {
        [AlertStatus::Active, AlertStatus::Suspended, AlertStatus::Terminated].into_iter().find(|status| status.key().eq_ignore_ascii_case(key))
    }

    /// The spelling used in webhook payloads (SPEC §3): lower case.
    pub fn payload_key(self) -> &'static str {
        match self {
            AlertStatus::Active => "active",
            AlertStatus::Suspended => "suspended",
            AlertStatus::Terminated => "terminated",
        }
    }

    /// Whether SPEC §1 allows going from `self` to `next`.
    pub fn can_become(self, next: AlertStatus) -> bool {
        matches!(
            (self, next),
            (AlertStatus::Active, AlertStatus::Suspended)
                | (AlertStatus::Suspended, AlertStatus::Active)
                | (AlertStatus::Active | AlertStatus::Suspended, AlertStatus::Terminated)
        )
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "UPPERCASE")]
pub enum Priority {
    Low,
    #[default]
    Medium,
    High,
}

impl Priority {
    pub fn key(self) -> &'static str {
        match self {
            Priority::Low => "LOW",
            Priority::Medium => "MEDIUM",
            Priority::High => "HIGH",
        }
    }

    pub fn from_key(key: &str) -> Option<Priority> {
        [Priority::Low, Priority::Medium, Priority::High].into_iter().find(|priority| priority.key() == key)
    }
}

/// An alert as a client starts it.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct NewAlert {
    pub form_id: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub properties: Map<String, Value>,
    /// targetNames of users and groups.
    pub recipients: Vec<String>,
    #[serde(default)]
    pub priority: Priority,
}

/// An alert in listings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AlertSummary {
    pub event_identifier: i64,
    pub form_id: String,
    pub form_name: String,
    pub status: AlertStatus,
    pub priority: Priority,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub properties: Map<String, Value>,
    pub recipients: Vec<String>,
    /// targetName of the user who started it; `null` when the system did.
    pub initiator: Option<String>,
    /// targetName of the user a response assigned it to.
    pub assignee: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

/// One alert with all that happened to it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Alert {
    #[serde(flatten)]
    pub summary: AlertSummary,
    pub notifications: Vec<Notification>,
    pub responses: Vec<AlertResponse>,
    pub comments: Vec<Comment>,
    /// Every trigger event of the alert, oldest first.
    pub timeline: Vec<TimelineEvent>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum DeliveryStatus {
    /// Waiting for the device's delay or for the delivery worker.
    Pending,
    Delivered,
    Failed,
    /// The alert ended before the device's turn came.
    Cancelled,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Notification {
    pub id: String,
    pub recipient: String,
    pub device: String,
    pub device_id: String,
    pub status: DeliveryStatus,
    /// The delivery result: HTTP status, provider answer or error.
    pub message: Option<String>,
    pub created_at: String,
    pub due_at: String,
    pub completed_at: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AlertResponse {
    pub recipient: String,
    pub device: Option<String>,
    pub response: String,
    pub annotation: Option<String>,
    pub created_at: String,
    /// Who recorded it when not the recipient ("X on behalf of Y"): an admin, or a script or
    /// flow acting for a user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub posted_by: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct NewResponse {
    /// The notified recipient: the caller. Another person only for an admin, or a script or
    /// flow acting for a user, and then recorded as given on their behalf.
    pub recipient: String,
    /// The device name the response came from; optional when the recipient had one.
    #[serde(default)]
    pub device: Option<String>,
    pub response: String,
    #[serde(default)]
    pub annotation: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Comment {
    pub author: String,
    pub comment: String,
    pub source: CommentSource,
    pub created_at: String,
    /// Who posted it when not the author ("X on behalf of Y"): an admin, or a script or flow
    /// acting for a user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub posted_by: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct NewComment {
    /// targetName of the author: the caller. Another person only for an admin, or a script or
    /// flow acting for a user, and then recorded as posted on their behalf.
    pub author: String,
    pub comment: String,
    #[serde(default)]
    pub source: CommentSource,
}

/// Where a comment was written (SPEC §1).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CommentSource {
    MobileApp,
    Inbox,
    Email,
    TrackingReport,
    #[default]
    RestApi,
}

impl CommentSource {
    pub const ALL: [CommentSource; 5] =
        [CommentSource::MobileApp, CommentSource::Inbox, CommentSource::Email, CommentSource::TrackingReport, CommentSource::RestApi];

    pub fn key(self) -> &'static str {
        match self {
            CommentSource::MobileApp => "MOBILE_APP",
            CommentSource::Inbox => "INBOX",
            CommentSource::Email => "EMAIL",
            CommentSource::TrackingReport => "TRACKING_REPORT",
            CommentSource::RestApi => "REST_API",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            CommentSource::MobileApp => "Mobile app",
            CommentSource::Inbox => "Inbox",
            CommentSource::Email => "Email",
            CommentSource::TrackingReport => "Tracking report",
            CommentSource::RestApi => "REST API",
        }
    }

    pub fn from_key(key: &str) -> Option<CommentSource> {
        CommentSource::ALL.into_iter().find(|source| source.key() == key)
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct StatusChange {
    pub status: AlertStatus,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ManualEscalation {
    /// targetName of the group to escalate; may be left out when the alert targets one group.
    #[serde(default)]
    pub group: Option<String>,
}

/// One trigger event in an alert's life, as recorded in the activity log.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct TimelineEvent {
    pub id: i64,
    pub trigger: Trigger,
    /// The trigger's own payload fields (SPEC §3), e.g. `status` and `username`.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub fields: Value,
    pub created_at: String,
}

/// Filters and paging for the alert listing.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
#[serde(rename_all = "camelCase")]
pub struct AlertQuery {
    pub status: Option<AlertStatus>,
    pub form_id: Option<String>,
    /// `name=value`: only alerts whose property `name` has that value.
    pub property: Option<String>,
    /// Created at or after this RFC 3339 time.
    pub since: Option<String>,
    /// Created before this RFC 3339 time.
    pub until: Option<String>,
    /// At most this many (1–200, default 50).
    pub limit: Option<u32>,
    pub offset: Option<u32>,
}

/// A page of alert summaries.
pub type AlertPage = crate::Page<AlertSummary>;
