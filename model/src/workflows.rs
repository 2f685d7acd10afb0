//! Workflows: the containers of forms, endpoints, integrations and flows.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Workflow {
    pub id: String,
    pub name: String,
    /// When it was created (RFC 3339, UTC).
    pub created_at: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct NewWorkflow {
    pub name: String,
}

/// A named value scripts of the workflow read as `constants['Name']`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Constant {
    pub id: String,
    pub workflow_id: String,
    pub name: String,
    pub value: String,
}

/// A shared script library, loaded with `require('Name')`; it exports through
/// `module.exports` (or `exports.x = …`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Library {
    pub id: String,
    pub workflow_id: String,
    pub name: String,
    pub script: String,
}

/// A constant or library as a client writes it: a name and its text (value or script).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct NamedText {
    pub name: String,
    /// The constant's value, or the library's script.
    pub text: String,
}
