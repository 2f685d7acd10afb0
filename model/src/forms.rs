//! Forms: the alert templates of a workflow, with typed properties and response options.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Form {
    pub id: String,
    pub workflow_id: String,
    pub name: String,
    pub enabled: bool,
    pub properties: Vec<PropertyDef>,
    pub responses: Vec<ResponseOption>,
}

/// A form as a client creates or replaces it.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct NewForm {
    pub name: String,
    #[serde(default = "default_true")]
    pub enabled: bool,
    #[serde(default)]
    pub properties: Vec<PropertyDef>,
    #[serde(default)]
    pub responses: Vec<ResponseOption>,
}

fn default_true() -> bool {
    true
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct PropertyDef {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: PropertyKind,
    /// Whether the value goes into outbound integration payloads (SPEC §3).
    #[serde(default)]
    pub include_in_outbound: bool,
    /// The allowed values of a `list` property; empty for other kinds.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum PropertyKind {
    Text,
    Number,
    Boolean,
    List,
}

impl PropertyKind {
    pub const ALL: [PropertyKind; 4] = [PropertyKind::Text, PropertyKind::Number, PropertyKind::Boolean, PropertyKind::List];

    pub fn key(self) -> &'static str {
        match self {
            PropertyKind::Text => "text",
            PropertyKind::Number => "number",
            PropertyKind::Boolean => "boolean",
            PropertyKind::List => "list",
        }
    }

    pub fn from_key(key: &str) -> Option<PropertyKind> {
        PropertyKind::ALL.into_iter().find(|kind| kind.key() == key)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ResponseOption {
    /// The text a recipient picks, e.g. "Accept".
    pub choice: String,
    #[serde(default)]
    pub action: ResponseAction,
}

/// What picking a response choice does to the alert.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ResponseAction {
    #[default]
    None,
    /// Assign the alert to the responding user.
    #[serde(alias = "assign")]
    AssignToUser,
    /// Escalate the responder's group to its next member now.
    Escalate,
    /// Terminate the alert.
    #[serde(alias = "end")]
    EndAlert,
}

impl ResponseAction {
    pub const ALL: [ResponseAction; 4] = [ResponseAction::None, ResponseAction::AssignToUser, ResponseAction::Escalate, ResponseAction::EndAlert];

    pub fn key(self) -> &'static str {
        match self {
            ResponseAction::None => "none",
            ResponseAction::AssignToUser => "assign_to_user",
            ResponseAction::Escalate => "escalate",
            ResponseAction::EndAlert => "end_alert",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ResponseAction::None => "No action",
            ResponseAction::AssignToUser => "Assign to user",
            ResponseAction::Escalate => "Escalate",
            ResponseAction::EndAlert => "End alert",
        }
    }

    pub fn from_key(key: &str) -> Option<ResponseAction> {
        ResponseAction::ALL.into_iter().find(|action| action.key() == key)
    }
}
