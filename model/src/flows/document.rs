//! The wire types of flows (SPEC §6): a document as exported, imported and edited, its
//! blocks and edges, and a stored flow with its versions.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::Issue;

/// A flow as exported and imported (SPEC §6), and as the designer edits it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct FlowDocument {
    pub name: String,
    pub form_id: String,
    #[serde(default)]
    pub blocks: Vec<Block>,
    #[serde(default)]
    pub edges: Vec<Edge>,
    /// At most this many runs of the flow at once; later ones wait, in order, as queued.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_concurrent_runs: Option<u32>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum BlockKind {
    Trigger,
    Step,
}

/// One node of the graph. `trigger` names the trigger key of a trigger block, `step` the
/// step type of a step block; both stay text on the wire so that an unknown one is reported
/// naming its block instead of failing the whole document.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Block {
    pub id: String,
    pub kind: BlockKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trigger: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<String>,
    #[serde(default)]
    pub label: String,
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub settings: Map<String, Value>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub inputs: BTreeMap<String, String>,
    #[serde(default)]
    pub position: Position,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Position {
    #[serde(serialize_with = "whole_when_possible")]
    pub x: f64,
    #[serde(serialize_with = "whole_when_possible")]
    pub y: f64,
}

/// Writes `40` rather than `40.0`, so an export reads like the canvases users already have.
fn whole_when_possible<S: serde::Serializer>(value: &f64, serializer: S) -> Result<S::Ok, S::Error> {
    if value.fract() == 0.0 && value.abs() < 1e15 { serializer.serialize_i64(*value as i64) } else { serializer.serialize_f64(*value) }
}

/// Joins an output port of one block to an input port of another.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Edge {
    pub from: String,
    pub from_port: String,
    pub to: String,
    pub to_port: String,
}

/// A stored flow: its document plus identity and version.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Flow {
    pub id: String,
    pub workflow_id: String,
    pub form_id: String,
    pub form_name: String,
    pub name: String,
    /// The newest saved version (the one shown here): starts at 1; every save adds one.
    pub version: i64,
    /// The version that runs; `None` until the flow is first published.
    #[serde(default)]
    pub published_version: Option<i64>,
    /// The newest version when it is not the published one (unpublished changes).
    #[serde(default)]
    pub draft_version: Option<i64>,
    /// Whether triggers and the HTTP trigger start it (test runs and re-runs work either way).
    #[serde(default = "enabled_by_default")]
    pub enabled: bool,
    pub created_at: String,
    pub updated_at: String,
    pub blocks: Vec<Block>,
    pub edges: Vec<Edge>,
    /// What is incomplete (shown as badges); saving keeps incomplete flows.
    #[serde(default)]
    pub warnings: Vec<Issue>,
    /// At most this many runs at once (`None`: no limit); later ones wait as queued.
    #[serde(default)]
    pub max_concurrent_runs: Option<u32>,
}

impl Flow {
    pub fn document(&self) -> FlowDocument {
        FlowDocument {
            name: self.name.clone(),
            form_id: self.form_id.clone(),
            blocks: self.blocks.clone(),
            edges: self.edges.clone(),
            max_concurrent_runs: self.max_concurrent_runs,
        }
    }
}

/// Most runs of one flow a limit may let run at once.
pub const MAX_CONCURRENT_RUNS: u32 = 1_000;

/// A flow in a listing.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct FlowSummary {
    pub id: String,
    pub workflow_id: String,
    pub form_id: String,
    pub form_name: String,
    pub name: String,
    pub version: i64,
    /// As on [`Flow`].
    #[serde(default)]
    pub published_version: Option<i64>,
    #[serde(default)]
    pub draft_version: Option<i64>,
    #[serde(default = "enabled_by_default")]
    pub enabled: bool,
    pub blocks: i64,
    pub updated_at: String,
}

/// Which version is a draft: the newest one, unless it is the published one.
pub fn draft_version(newest: i64, published: Option<i64>) -> Option<i64> {
    (published != Some(newest)).then_some(newest)
}

fn enabled_by_default() -> bool {
    true
}

/// A trigger block of a flow with a step connected to it: the flow extends the form's
/// integration of that trigger (the integrations listing counts them).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FlowTrigger {
    pub flow_id: String,
    pub flow_name: String,
    pub form_id: String,
    /// The trigger key (`status`, …).
    pub trigger: String,
}

/// A new flow of a form; it starts with the form's trigger nodes.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct NewFlow {
    pub form_id: String,
    pub name: String,
}

/// A save: the whole graph, and the version it was edited from. A save over a newer
/// version than `baseVersion` is refused (409) instead of overwriting someone's work.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct FlowSave {
    pub base_version: i64,
    pub name: String,
    #[serde(default)]
    pub blocks: Vec<Block>,
    #[serde(default)]
    pub edges: Vec<Edge>,
    /// Turns the flow on or off; left as it is when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// At most this many runs at once (1 to 1000; 0 removes the limit); left as it is when
    /// absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_concurrent_runs: Option<u32>,
}

/// One entry of a flow's version history.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct FlowVersion {
    pub version: i64,
    pub name: String,
    pub blocks: i64,
    pub edges: i64,
    pub created_at: String,
    /// Who saved it, when known.
    pub saved_by: Option<String>,
    /// "created", "saved", "imported" or "restored from N".
    pub note: String,
    /// Each time this version was made the one that runs, oldest first.
    #[serde(default)]
    pub publications: Vec<Publication>,
}

/// A version made the one that runs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Publication {
    pub published_at: String,
    /// Who published it, when known.
    pub published_by: Option<String>,
    pub how: PublishedHow,
}

/// How a version came to run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub enum PublishedHow {
    /// Publish, after a save.
    Published,
    /// Roll back to an earlier published version.
    RolledBack,
    /// Imported (an import runs at once).
    Imported,
    /// Running before drafts existed.
    Upgraded,
}

impl PublishedHow {
    pub fn key(self) -> &'static str {
        match self {
            PublishedHow::Published => "published",
            PublishedHow::RolledBack => "rolledBack",
            PublishedHow::Imported => "imported",
            PublishedHow::Upgraded => "upgraded",
        }
    }

    pub fn from_key(key: &str) -> Option<PublishedHow> {
        [PublishedHow::Published, PublishedHow::RolledBack, PublishedHow::Imported, PublishedHow::Upgraded].into_iter().find(|how| how.key() == key)
    }
}

/// The answer of Publish and Roll back: the version that now runs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct PublishedVersion {
    pub version: i64,
}

/// Roll back: which earlier published version to run again.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Rollback {
    pub version: i64,
}

/// One version with its whole document.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct FlowVersionDetail {
    #[serde(flatten)]
    pub version: FlowVersion,
    pub document: FlowDocument,
}
