//! Outbound integrations (SPEC §4): what runs when a form's trigger fires.

use serde::{Deserialize, Serialize};

use crate::trigger::Trigger;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Integration {
    pub id: String,
    pub workflow_id: String,
    pub form_id: String,
    pub form_name: String,
    pub name: String,
    pub trigger: Trigger,
    pub action: IntegrationAction,
    pub location: Location,
    pub enabled: bool,
    pub created_at: String,
    /// The newest run's status and time, for the listing.
    pub last_run: Option<LastRun>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct LastRun {
    pub id: String,
    pub status: crate::runs::RunStatus,
    pub created_at: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct NewIntegration {
    pub form_id: String,
    pub name: String,
    pub trigger: Trigger,
    pub action: IntegrationAction,
    #[serde(default)]
    pub location: Location,
    #[serde(default = "default_true")]
    pub enabled: bool,
}

fn default_true() -> bool {
    true
}

/// A partial update; the form cannot change. Changing the trigger keeps the script.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct IntegrationPatch {
    pub name: Option<String>,
    pub trigger: Option<Trigger>,
    pub action: Option<IntegrationAction>,
    pub location: Option<Location>,
    pub enabled: Option<bool>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum IntegrationAction {
    /// POST the payload as JSON to an endpoint, with an optional path appended.
    #[serde(rename_all = "camelCase")]
    Webhook {
        endpoint_id: String,
        #[serde(default)]
        path: String,
    },
    /// Run a JavaScript transformation; empty on creation means the trigger's default script.
    Script {
        #[serde(default)]
        script: String,
    },
    /// Hand the payload to an Integration Agent serving `service` (or the given agent).
    #[serde(rename_all = "camelCase")]
    Agent {
        service: String,
        #[serde(default)]
        agent_id: Option<String>,
    },
    /// Send nothing: the integration only starts the flows that extend it on the canvas.
    FlowsOnly,
}

impl IntegrationAction {
    /// Whether the integration itself sends something (a run per event); "Run flows only"
    /// does not.
    pub fn sends(&self) -> bool {
        !matches!(self, IntegrationAction::FlowsOnly)
    }

    /// Why a run made before its integration became "Run flows only" sends nothing.
    pub const SENDS_NOTHING: &str = "The integration now runs flows only, so nothing was sent.";

    /// Which kind of action this is.
    pub fn kind(&self) -> ActionKind {
        match self {
            IntegrationAction::Webhook { .. } => ActionKind::Webhook,
            IntegrationAction::Script { .. } => ActionKind::Script,
            IntegrationAction::Agent { .. } => ActionKind::Agent,
            IntegrationAction::FlowsOnly => ActionKind::FlowsOnly,
        }
    }
}

/// The kind of an integration's action, without its settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ActionKind {
    Webhook,
    Script,
    Agent,
    FlowsOnly,
}

impl ActionKind {
    pub const ALL: [ActionKind; 4] = [ActionKind::Webhook, ActionKind::Script, ActionKind::Agent, ActionKind::FlowsOnly];

    /// How the UI names it.
    pub fn label(self) -> &'static str {
        match self {
            ActionKind::Webhook => "Send a webhook",
            ActionKind::Script => "Run a script",
            ActionKind::Agent => "Send to Integration Agent",
            ActionKind::FlowsOnly => "Run flows only",
        }
    }
}

/// An integration as the canvas of its form's flows shows it: one of the trigger nodes, with
/// only what the node and the inspector show (the designer's bundle never reads an action's
/// settings).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TriggerNode {
    pub id: String,
    pub name: String,
    pub trigger: Trigger,
    pub action: ActionKind,
    pub enabled: bool,
    pub last_run: Option<LastRun>,
}

impl From<Integration> for TriggerNode {
    fn from(integration: Integration) -> TriggerNode {
        TriggerNode {
            action: integration.action.kind(),
            id: integration.id,
            name: integration.name,
            trigger: integration.trigger,
            enabled: integration.enabled,
            last_run: integration.last_run,
        }
    }
}

/// Where an integration runs: `"cloud"` or `{"agents": [id, …]}`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Location {
    #[default]
    #[serde(with = "cloud")]
    Cloud,
    Agents {
        agents: Vec<String>,
    },
}

/// Written by hand: the derive would document `Cloud` as `null`, not as the text `"cloud"`
/// that `mod cloud` reads and writes.
#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for Location {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, OneOfBuilder, Type};
        let cloud = ObjectBuilder::new().schema_type(Type::String).enum_values(Some(["cloud"]));
        let agents = ObjectBuilder::new()
            .schema_type(Type::Object)
            .property("agents", ArrayBuilder::new().items(ObjectBuilder::new().schema_type(Type::String)).description(Some("Agent ids.")))
            .required("agents");
        OneOfBuilder::new().item(cloud).item(agents).description(Some("Where an integration runs: `\"cloud\"` or `{\"agents\": [id, …]}`.")).into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for Location {}

mod cloud {
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    pub fn serialize<S: Serializer>(serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str("cloud")
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<(), D::Error> {
        let text = String::deserialize(deserializer)?;
        if text == "cloud" { Ok(()) } else { Err(D::Error::custom("location must be \"cloud\" or {\"agents\": [...]}")) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_read_and_write_as_the_spec_shows() {
        assert_eq!(serde_json::to_value(Location::Cloud).unwrap(), serde_json::json!("cloud"));
        let agents: Location = serde_json::from_value(serde_json::json!({"agents": ["ag_1"]})).unwrap();
        assert_eq!(agents, Location::Agents { agents: vec!["ag_1".into()] });
        assert_eq!(serde_json::from_value::<Location>(serde_json::json!("cloud")).unwrap(), Location::Cloud);
        assert!(serde_json::from_value::<Location>(serde_json::json!("moon")).is_err());
    }
}
