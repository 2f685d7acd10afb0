//! Flows (SPEC §6): the export format of a flow graph, the step catalogue described as data,
//! and the graph rules. One implementation serves the server (which refuses a save with
//! errors) and the browser (which shows the same errors, and the warnings as badges).
//! Pure: no IO, no clock, no randomness.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::trigger::Trigger;

/// Most blocks one flow may hold; a bigger graph is refused, not slowly rendered.
pub const MAX_BLOCKS: usize = 2_000;
/// Most edges one flow may hold.
pub const MAX_EDGES: usize = 4_000;
/// Longest text of one input mapping or setting value.
pub const MAX_TEXT_CHARS: usize = 64 * 1024;
/// Longest block id (ids appear in `${blockId.output}` placeholders, so they stay short).
pub const MAX_ID_CHARS: usize = 64;

/// The trigger key of the HTTP trigger, which starts a flow from an inbound URL.
pub const HTTP_TRIGGER: &str = "http";

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
    /// Starts at 1; every save adds one.
    pub version: i64,
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
}

impl Flow {
    pub fn document(&self) -> FlowDocument {
        FlowDocument { name: self.name.clone(), form_id: self.form_id.clone(), blocks: self.blocks.clone(), edges: self.edges.clone() }
    }
}

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
    #[serde(default = "enabled_by_default")]
    pub enabled: bool,
    pub blocks: i64,
    pub updated_at: String,
}

fn enabled_by_default() -> bool {
    true
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

// ---------------------------------------------------------------------------------------
// The step catalogue
// ---------------------------------------------------------------------------------------

/// How a setting is edited and checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum SettingKind {
    /// One line of text (may hold placeholders).
    Text,
    /// A whole number.
    Number,
    /// One of the listed values.
    Choice(&'static [&'static str]),
    /// A list of names, one per line (switch cases, script inputs and outputs).
    Names,
    /// An endpoint of the flow's workflow, by id.
    Endpoint,
    /// A form of the flow's workflow, by id.
    Form,
    /// JavaScript.
    Code,
    /// Comparisons, one per line: `value operator operand`.
    Conditions,
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SettingSpec {
    pub key: &'static str,
    pub label: &'static str,
    pub kind: SettingKind,
    pub required: bool,
    pub help: &'static str,
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InputSpec {
    pub key: &'static str,
    pub label: &'static str,
    pub required: bool,
    pub multiline: bool,
}

/// Where a step's output ports come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum OutPorts {
    Fixed(&'static [&'static str]),
    /// One per name in the named list setting, then `default` (the switch).
    CasesOf(&'static str),
}

/// Where a step's outputs (what later steps reference) come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Outputs {
    Fixed(&'static [&'static str]),
    /// The names in the named list setting (the script step).
    Named(&'static str),
}

/// One entry of the palette: what a step type needs and offers.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StepSpec {
    pub key: &'static str,
    pub name: &'static str,
    pub category: &'static str,
    pub description: &'static str,
    /// Starts a flow (no input port) instead of running inside one.
    pub starts_flow: bool,
    pub settings: &'static [SettingSpec],
    pub inputs: &'static [InputSpec],
    pub out_ports: OutPorts,
    pub outputs: Outputs,
}

const fn setting(key: &'static str, label: &'static str, kind: SettingKind, required: bool, help: &'static str) -> SettingSpec {
    SettingSpec { key, label, kind, required, help }
}

const fn input(key: &'static str, label: &'static str, required: bool, multiline: bool) -> InputSpec {
    InputSpec { key, label, required, multiline }
}

const METHODS: &[&str] = &["POST", "PUT", "PATCH", "GET", "DELETE"];
/// How the HTTP trigger authenticates its caller.
pub const HTTP_AUTH: &[&str] = &["apiKey", "basic"];
/// How the HTTP trigger answers: at once with the run id, or with the run's result.
pub const HTTP_MODES: &[&str] = &["async", "sync"];
const STATUSES: &[&str] = &["ACTIVE", "SUSPENDED", "TERMINATED"];
const PRIORITIES: &[&str] = &["LOW", "MEDIUM", "HIGH"];

/// Every step type the designer offers (SPEC §6).
pub const STEPS: &[StepSpec] = &[
    StepSpec {
        key: "webhook",
        name: "Webhook",
        category: "Integrations",
        description: "Send an HTTP request to an endpoint.",
        starts_flow: false,
        settings: &[
            setting("endpointId", "Endpoint", SettingKind::Endpoint, true, "Where the request goes."),
            setting("method", "Method", SettingKind::Choice(METHODS), true, ""),
            setting("path", "Path", SettingKind::Text, false, "Appended to the endpoint's base URL."),
            setting(
                "retries",
                "Retries",
                SettingKind::Number,
                false,
                "0 to 10: how often a connection error, timeout, 5xx or 429 is tried again, waiting as the server's retry schedule says.",
            ),
        ],
        inputs: &[input("body", "Body", false, true), input("headers", "Headers (JSON)", false, true)],
        out_ports: OutPorts::Fixed(&["out"]),
        outputs: Outputs::Fixed(&["statusCode", "headers", "body"]),
    },
    StepSpec {
        key: "script",
        name: "Script",
        category: "Integrations",
        description: "A custom step: named inputs and outputs, and a JavaScript body.",
        starts_flow: false,
        settings: &[
            setting("inputs", "Input names", SettingKind::Names, false, "One per line; each becomes an input below."),
            setting("outputs", "Output names", SettingKind::Names, false, "One per line; set them with output['name'] = …"),
            setting("script", "Script", SettingKind::Code, true, ""),
        ],
        inputs: &[],
        out_ports: OutPorts::Fixed(&["out"]),
        outputs: Outputs::Named("outputs"),
    },
    StepSpec {
        key: "switch",
        name: "Switch",
        category: "Logic",
        description: "Route on one value: a path per case, and a default.",
        starts_flow: false,
        settings: &[
            setting("value", "Value", SettingKind::Text, true, "Usually a placeholder such as ${t1.status}."),
            setting("cases", "Cases", SettingKind::Names, true, "One per line; each becomes an output port."),
        ],
        inputs: &[],
        out_ports: OutPorts::CasesOf("cases"),
        outputs: Outputs::Fixed(&["value"]),
    },
    StepSpec {
        key: "condition",
        name: "Condition",
        category: "Logic",
        description: "AND/OR of string and number comparisons, with true and false paths.",
        starts_flow: false,
        settings: &[
            setting("match", "Match", SettingKind::Choice(&["all", "any"]), true, "all = AND, any = OR."),
            setting(
                "conditions",
                "Comparisons",
                SettingKind::Conditions,
                true,
                "One per line, e.g. ${t1.status} == terminated or ${w1.statusCode} >= 400.",
            ),
        ],
        inputs: &[],
        out_ports: OutPorts::Fixed(&["true", "false"]),
        outputs: Outputs::Fixed(&["result"]),
    },
    StepSpec {
        key: "merge",
        name: "Merge",
        category: "Logic",
        description: "Wait for every connected path, then continue once.",
        starts_flow: false,
        settings: &[],
        inputs: &[],
        out_ports: OutPorts::Fixed(&["out"]),
        outputs: Outputs::Fixed(&[]),
    },
    StepSpec {
        key: "delay",
        name: "Delay",
        category: "Logic",
        description: "Wait before continuing.",
        starts_flow: false,
        settings: &[setting("seconds", "Seconds", SettingKind::Number, true, "At most one day (86400).")],
        inputs: &[],
        out_ports: OutPorts::Fixed(&["out"]),
        outputs: Outputs::Fixed(&[]),
    },
    StepSpec {
        key: "create_alert",
        name: "Create Alert",
        category: "Outflow",
        description: "Start a new alert from a form.",
        starts_flow: false,
        settings: &[
            setting("formId", "Form", SettingKind::Form, true, ""),
            setting("priority", "Priority", SettingKind::Choice(PRIORITIES), true, ""),
        ],
        inputs: &[input("properties", "Properties (JSON)", false, true), input("recipients", "Recipients", true, false)],
        out_ports: OutPorts::Fixed(&["out"]),
        outputs: Outputs::Fixed(&["eventIdentifier", "status"]),
    },
    StepSpec {
        key: "add_comment",
        name: "Add Comment",
        category: "Outflow",
        description: "Add a comment to an alert.",
        starts_flow: false,
        settings: &[],
        inputs: &[input("eventIdentifier", "Alert", true, false), input("comment", "Comment", true, true)],
        out_ports: OutPorts::Fixed(&["out"]),
        outputs: Outputs::Fixed(&["comment"]),
    },
    StepSpec {
        key: "change_alert_status",
        name: "Change Alert Status",
        category: "Outflow",
        description: "Suspend, resume or terminate an alert.",
        starts_flow: false,
        settings: &[setting("status", "New status", SettingKind::Choice(STATUSES), true, "")],
        inputs: &[input("eventIdentifier", "Alert", true, false)],
        out_ports: OutPorts::Fixed(&["out"]),
        outputs: Outputs::Fixed(&["status"]),
    },
    StepSpec {
        key: "get_alerts",
        name: "Get Alerts",
        category: "Outflow",
        description: "Find alerts of a form, by status.",
        starts_flow: false,
        settings: &[
            setting("formId", "Form", SettingKind::Form, false, "Any form when empty."),
            setting("status", "Status", SettingKind::Choice(STATUSES), false, ""),
        ],
        inputs: &[input("property", "Property filter", false, false)],
        out_ports: OutPorts::Fixed(&["out"]),
        outputs: Outputs::Fixed(&["alerts", "count"]),
    },
    StepSpec {
        key: HTTP_TRIGGER,
        name: "HTTP Trigger",
        category: "Triggers",
        description: "An inbound URL that starts the flow, authenticated by API key or basic auth.",
        starts_flow: true,
        settings: &[
            setting(
                "auth",
                "Authentication",
                SettingKind::Choice(HTTP_AUTH),
                true,
                "apiKey: `Authorization: Bearer <API key>`; basic: user name and one of that user's API keys as the password.",
            ),
            setting(
                "mode",
                "Answer",
                SettingKind::Choice(HTTP_MODES),
                false,
                "async (default): 202 with the run id at once; sync: the last step's output once the run ends.",
            ),
            setting(
                "timeoutSeconds",
                "Sync timeout (s)",
                SettingKind::Number,
                false,
                "How long a sync call waits for the run, 1 to 25 (default 10); then 504.",
            ),
        ],
        inputs: &[],
        out_ports: OutPorts::Fixed(&["out"]),
        outputs: Outputs::Fixed(&["body", "headers", "query"]),
    },
];

/// The catalogue entry of a step type.
pub fn step_spec(key: &str) -> Option<&'static StepSpec> {
    STEPS.iter().find(|spec| spec.key == key)
}

/// The payload fields of a trigger (SPEC §3), which later steps reference.
pub fn trigger_outputs(trigger: Trigger) -> &'static [&'static str] {
    match trigger {
        Trigger::Status => &["eventIdentifier", "date", "properties", "eventProperties", "trigger", "status", "username"],
        Trigger::Comment => &["eventIdentifier", "date", "properties", "eventProperties", "trigger", "author", "comment", "source"],
        Trigger::Escalation => &[
            "eventIdentifier",
            "date",
            "properties",
            "eventProperties",
            "trigger",
            "group",
            "shift",
            "reason",
            "escalatedBy",
            "escalationType",
            "from",
            "to",
        ],
        Trigger::Delivery => &[
            "eventIdentifier",
            "date",
            "properties",
            "eventProperties",
            "trigger",
            "recipient",
            "device",
            "deviceId",
            "deliveryStatus",
            "eventType",
            "message",
        ],
        Trigger::Response | Trigger::Responses => {
            &["eventIdentifier", "date", "properties", "eventProperties", "trigger", "recipient", "device", "response", "annotation"]
        }
        Trigger::RecipientFailure => {
            &["eventIdentifier", "date", "properties", "eventProperties", "trigger", "failureType", "recipients", "totalRecipients"]
        }
    }
}

/// A trigger node's default label: the trigger's name, without "(flows only)".
pub fn trigger_label(trigger: Trigger) -> &'static str {
    match trigger {
        Trigger::Responses => "Responses",
        other => other.display_name(),
    }
}

/// What a block is, once its trigger or step key is known.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum BlockType {
    Trigger(Trigger),
    Step(&'static StepSpec),
}

impl Block {
    /// The block's type, or `None` for an unknown trigger or step key.
    pub fn block_type(&self) -> Option<BlockType> {
        match self.kind {
            BlockKind::Trigger => match self.trigger.as_deref() {
                Some(HTTP_TRIGGER) => step_spec(HTTP_TRIGGER).map(BlockType::Step),
                Some(key) => Trigger::from_key(key).map(BlockType::Trigger),
                None => None,
            },
            BlockKind::Step => self.step.as_deref().and_then(step_spec).filter(|spec| !spec.starts_flow).map(BlockType::Step),
        }
    }

    /// The type's name as the palette shows it.
    pub fn type_name(&self) -> String {
        match self.block_type() {
            Some(BlockType::Trigger(trigger)) => trigger_label(trigger).to_string(),
            Some(BlockType::Step(spec)) => spec.name.to_string(),
            None => self.step.clone().or_else(|| self.trigger.clone()).unwrap_or_default(),
        }
    }

    /// What the canvas shows as its title: the label, or the type's name.
    pub fn title(&self) -> String {
        if self.label.trim().is_empty() { self.type_name() } else { self.label.clone() }
    }

    /// Input ports: one `in` for steps; none for what starts a flow.
    pub fn in_ports(&self) -> Vec<String> {
        match self.block_type() {
            Some(BlockType::Step(spec)) if !spec.starts_flow => vec!["in".to_string()],
            _ => Vec::new(),
        }
    }

    /// Output ports, given the form's response choices (the Responses trigger has one per choice).
    pub fn out_ports(&self, response_choices: &[String]) -> Vec<String> {
        match self.block_type() {
            Some(BlockType::Trigger(Trigger::Responses)) => response_choices.to_vec(),
            Some(BlockType::Trigger(_)) => vec!["out".to_string()],
            Some(BlockType::Step(spec)) => match spec.out_ports {
                OutPorts::Fixed(ports) => ports.iter().map(|port| port.to_string()).collect(),
                OutPorts::CasesOf(setting) => {
                    let mut ports = self.names_setting(setting);
                    ports.push("default".to_string());
                    ports
                }
            },
            None => Vec::new(),
        }
    }

    /// The outputs later steps can reference as `${id.output}`.
    pub fn outputs(&self) -> Vec<String> {
        match self.block_type() {
            Some(BlockType::Trigger(trigger)) => trigger_outputs(trigger).iter().map(|name| name.to_string()).collect(),
            Some(BlockType::Step(spec)) => match spec.outputs {
                Outputs::Fixed(names) => names.iter().map(|name| name.to_string()).collect(),
                Outputs::Named(setting) => self.names_setting(setting),
            },
            None => Vec::new(),
        }
    }

    /// The inputs the block takes: the catalogue's, or a script's named ones.
    pub fn input_specs(&self) -> Vec<(String, String, bool, bool)> {
        match self.block_type() {
            Some(BlockType::Step(spec)) if spec.key == "script" => {
                self.names_setting("inputs").into_iter().map(|name| (name.clone(), name, false, false)).collect()
            }
            Some(BlockType::Step(spec)) => {
                spec.inputs.iter().map(|input| (input.key.to_string(), input.label.to_string(), input.required, input.multiline)).collect()
            }
            _ => Vec::new(),
        }
    }

    /// A list setting as names: a JSON array of strings, or text with one name per line.
    pub fn names_setting(&self, key: &str) -> Vec<String> {
        let names: Vec<String> = match self.settings.get(key) {
            Some(Value::Array(items)) => items.iter().filter_map(|item| item.as_str()).map(str::to_string).collect(),
            Some(Value::String(text)) => text.lines().map(str::to_string).collect(),
            _ => Vec::new(),
        };
        let mut seen = HashSet::new();
        names.into_iter().map(|name| name.trim().to_string()).filter(|name| !name.is_empty() && seen.insert(name.clone())).collect()
    }

    /// A setting as text, as an editor shows it.
    pub fn setting_text(&self, key: &str) -> String {
        match self.settings.get(key) {
            None | Some(Value::Null) => String::new(),
            Some(Value::String(text)) => text.clone(),
            Some(Value::Array(items)) => {
                items.iter().map(|item| item.as_str().map(str::to_string).unwrap_or_else(|| item.to_string())).collect::<Vec<_>>().join("\n")
            }
            Some(other) => other.to_string(),
        }
    }
}

/// Longest a Delay step waits.
pub const DELAY_MAX_SECONDS: u64 = 86_400;
/// Most retries a Webhook step may ask for.
pub const WEBHOOK_MAX_RETRIES: u64 = 10;
/// How long a sync HTTP trigger waits for its run by default, and at most (requests end after 30 s).
pub const SYNC_TIMEOUT_DEFAULT_SECONDS: u64 = 10;
pub const SYNC_TIMEOUT_MAX_SECONDS: u64 = 25;

impl Block {
    /// A whole-number setting, from a JSON number or text; `None` when absent or not one.
    pub fn number_setting(&self, key: &str) -> Option<u64> {
        match self.settings.get(key)? {
            Value::Number(number) => number.as_u64(),
            Value::String(text) if !text.trim().is_empty() => text.trim().parse().ok(),
            _ => None,
        }
    }

    /// What is wrong with a number setting's value, if it is set and out of its range.
    fn number_problem(&self, key: &str, range: std::ops::RangeInclusive<u64>) -> Option<String> {
        let text = self.setting_text(key);
        if text.trim().is_empty() {
            return None;
        }
        match self.number_setting(key) {
            Some(value) if range.contains(&value) => None,
            _ => Some(format!("\"{}\" needs {key} between {} and {}, not \"{}\".", self.title(), range.start(), range.end(), text.trim())),
        }
    }

    /// Problems with setting values the catalogue alone cannot express (ranges, comparisons).
    fn setting_problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        match self.block_type() {
            Some(BlockType::Step(spec)) if spec.key == "delay" => problems.extend(self.number_problem("seconds", 0..=DELAY_MAX_SECONDS)),
            Some(BlockType::Step(spec)) if spec.key == "webhook" => problems.extend(self.number_problem("retries", 0..=WEBHOOK_MAX_RETRIES)),
            Some(BlockType::Step(spec)) if spec.key == HTTP_TRIGGER => {
                problems.extend(self.number_problem("timeoutSeconds", 1..=SYNC_TIMEOUT_MAX_SECONDS));
            }
            Some(BlockType::Step(spec)) if spec.key == "condition" => {
                for line in self.setting_text("conditions").lines().filter(|line| !line.trim().is_empty()) {
                    if let Err(problem) = parse_comparison(line) {
                        problems.push(format!("\"{}\": {problem}", self.title()));
                    }
                }
            }
            _ => {}
        }
        problems
    }
}

/// A comparison operator of the Condition step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operator {
    Equal,
    NotEqual,
    AtLeast,
    AtMost,
    Greater,
    Less,
    Contains,
    NotContains,
    StartsWith,
    EndsWith,
}

/// Operators as written, longest first where one begins another.
const OPERATORS: &[(&str, Operator)] = &[
    ("==", Operator::Equal),
    ("!=", Operator::NotEqual),
    (">=", Operator::AtLeast),
    ("<=", Operator::AtMost),
    (">", Operator::Greater),
    ("<", Operator::Less),
    (" not contains ", Operator::NotContains),
    (" contains ", Operator::Contains),
    (" starts with ", Operator::StartsWith),
    (" ends with ", Operator::EndsWith),
];

impl Operator {
    /// Whether `left op right` holds. Both sides numbers: compared as numbers; otherwise as text.
    pub fn holds(self, left: &str, right: &str) -> bool {
        let numbers = left.trim().parse::<f64>().ok().zip(right.trim().parse::<f64>().ok());
        let ordering = match numbers {
            Some((a, b)) => a.partial_cmp(&b),
            None => Some(left.cmp(right)),
        };
        use std::cmp::Ordering::*;
        match self {
            Operator::Equal => ordering == Some(Equal),
            Operator::NotEqual => ordering != Some(Equal),
            Operator::AtLeast => matches!(ordering, Some(Greater | Equal)),
            Operator::AtMost => matches!(ordering, Some(Less | Equal)),
            Operator::Greater => ordering == Some(Greater),
            Operator::Less => ordering == Some(Less),
            Operator::Contains => left.contains(right),
            Operator::NotContains => !left.contains(right),
            Operator::StartsWith => left.starts_with(right),
            Operator::EndsWith => left.ends_with(right),
        }
    }
}

/// One line of a Condition: `left operator right`, both sides text that may hold placeholders.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Comparison<'a> {
    pub left: &'a str,
    pub operator: Operator,
    pub right: &'a str,
}

/// Splits a comparison line at its first operator outside a `${…}` placeholder.
pub fn parse_comparison(line: &str) -> Result<Comparison<'_>, String> {
    let spans: Vec<(usize, usize)> = placeholders(line).iter().map(|found| found.span).collect();
    let inside = |at: usize| spans.iter().any(|(start, end)| at >= *start && at < *end);
    for (at, _) in line.char_indices().filter(|(at, _)| !inside(*at)) {
        let rest = &line[at..];
        if let Some((written, operator)) = OPERATORS.iter().find(|(written, _)| rest.starts_with(written)) {
            let left = line[..at].trim();
            let right = line[at + written.len()..].trim();
            if left.is_empty() {
                return Err(format!("\"{}\" has nothing before its operator.", line.trim()));
            }
            return Ok(Comparison { left, operator: *operator, right });
        }
    }
    Err(format!("\"{}\" has no operator; use ==, !=, >, >=, <, <=, contains, not contains, starts with or ends with.", line.trim()))
}

// ---------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum IssueCode {
    // Errors: the graph is refused.
    TooLarge,
    BadBlock,
    DuplicateBlock,
    UnknownType,
    DanglingEdge,
    DuplicateEdge,
    Cycle,
    // Warnings: saved, shown as badges.
    MissingSetting,
    Unconnected,
    UnknownReference,
    /// A setting is set but its value cannot work (out of range, unreadable comparison).
    BadSetting,
}

/// One finding about a graph, naming the blocks it concerns.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Issue {
    pub code: IssueCode,
    pub blocks: Vec<String>,
    pub message: String,
}

/// What checking a graph found: errors refuse a save, warnings do not.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Validation {
    pub errors: Vec<Issue>,
    pub warnings: Vec<Issue>,
}

impl Validation {
    pub fn is_ok(&self) -> bool {
        self.errors.is_empty()
    }

    /// The errors as one message for a person.
    pub fn error_message(&self) -> String {
        let shown: Vec<&str> = self.errors.iter().take(5).map(|issue| issue.message.as_str()).collect();
        let more = self.errors.len().saturating_sub(shown.len());
        let mut message = shown.join(" ");
        if more > 0 {
            message.push_str(&format!(" ({more} more problems.)"));
        }
        message
    }

    /// The warnings about one block.
    pub fn warnings_for<'a>(&'a self, block: &'a str) -> impl Iterator<Item = &'a Issue> + 'a {
        self.warnings.iter().filter(move |issue| issue.blocks.iter().any(|id| id == block))
    }
}

fn issue(code: IssueCode, blocks: Vec<String>, message: String) -> Issue {
    Issue { code, blocks, message }
}

/// Checks a graph. `response_choices` are the form's response choices: the output ports
/// of the Responses trigger.
pub fn validate(blocks: &[Block], edges: &[Edge], response_choices: &[String]) -> Validation {
    let mut result = Validation::default();
    if blocks.len() > MAX_BLOCKS || edges.len() > MAX_EDGES {
        result.errors.push(issue(
            IssueCode::TooLarge,
            Vec::new(),
            format!("A flow holds at most {MAX_BLOCKS} blocks and {MAX_EDGES} edges; this one has {} and {}.", blocks.len(), edges.len()),
        ));
        return result;
    }
    let mut by_id: HashMap<&str, &Block> = HashMap::with_capacity(blocks.len());
    for block in blocks {
        check_block_shape(block, &mut result);
        if by_id.insert(block.id.as_str(), block).is_some() {
            result.errors.push(issue(IssueCode::DuplicateBlock, vec![block.id.clone()], format!("Two blocks share the id \"{}\".", block.id)));
        }
        if block.block_type().is_none() {
            let (what, key) = match block.kind {
                BlockKind::Trigger => ("trigger", block.trigger.as_deref().unwrap_or("")),
                BlockKind::Step => ("step type", block.step.as_deref().unwrap_or("")),
            };
            result.errors.push(issue(
                IssueCode::UnknownType,
                vec![block.id.clone()],
                format!("Block \"{}\" has an unknown {what} \"{key}\".", block.id),
            ));
        }
    }
    let good_edges = check_edges(edges, &by_id, response_choices, &mut result);
    if let Some(cycle) = find_cycle(blocks, &good_edges) {
        let names = cycle.iter().map(|id| format!("\"{id}\"")).collect::<Vec<_>>().join(" → ");
        result.errors.push(issue(IssueCode::Cycle, cycle.clone(), format!("Flows cannot loop: {names} → \"{}\" form a cycle.", cycle[0])));
    }
    if result.errors.is_empty() {
        result.warnings = warnings(blocks, edges, &by_id);
    }
    result
}

fn check_block_shape(block: &Block, result: &mut Validation) {
    let id_ok = !block.id.is_empty()
        && block.id.chars().count() <= MAX_ID_CHARS
        && block.id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if !id_ok {
        result.errors.push(issue(
            IssueCode::BadBlock,
            vec![block.id.clone()],
            format!("Block id \"{}\" must be 1 to {MAX_ID_CHARS} letters, digits, '_' or '-'.", block.id),
        ));
    }
    let too_long = block.label.chars().count() > crate::limits::NAME_CHARS
        || block.inputs.values().any(|text| text.chars().count() > MAX_TEXT_CHARS)
        || block.settings.values().any(|value| value.to_string().len() > MAX_TEXT_CHARS * 2);
    if too_long {
        result.errors.push(issue(
            IssueCode::BadBlock,
            vec![block.id.clone()],
            format!("Block \"{}\" has a label, setting or input that is too long.", block.id),
        ));
    }
    if !block.position.x.is_finite() || !block.position.y.is_finite() {
        result.errors.push(issue(IssueCode::BadBlock, vec![block.id.clone()], format!("Block \"{}\" has no valid position.", block.id)));
    }
}

/// Reports edges whose ends or ports do not exist; returns the sound ones.
fn check_edges<'a>(edges: &'a [Edge], by_id: &HashMap<&str, &Block>, choices: &[String], result: &mut Validation) -> Vec<&'a Edge> {
    let mut seen = HashSet::with_capacity(edges.len());
    let mut good = Vec::with_capacity(edges.len());
    for edge in edges {
        let (Some(from), Some(to)) = (by_id.get(edge.from.as_str()), by_id.get(edge.to.as_str())) else {
            let missing: Vec<&str> = [edge.from.as_str(), edge.to.as_str()].into_iter().filter(|id| !by_id.contains_key(id)).collect();
            result.errors.push(issue(
                IssueCode::DanglingEdge,
                vec![edge.from.clone(), edge.to.clone()],
                format!("The edge \"{}\" → \"{}\" points at a block that does not exist: \"{}\".", edge.from, edge.to, missing.join("\", \"")),
            ));
            continue;
        };
        if from.block_type().is_none() || to.block_type().is_none() {
            continue; // already reported as an unknown type
        }
        if !from.out_ports(choices).contains(&edge.from_port) {
            result.errors.push(issue(
                IssueCode::DanglingEdge,
                vec![edge.from.clone(), edge.to.clone()],
                format!(
                    "The edge \"{}\" → \"{}\" leaves from port \"{}\", which \"{}\" does not have.",
                    edge.from, edge.to, edge.from_port, edge.from
                ),
            ));
            continue;
        }
        if !to.in_ports().contains(&edge.to_port) {
            result.errors.push(issue(
                IssueCode::DanglingEdge,
                vec![edge.from.clone(), edge.to.clone()],
                format!("The edge \"{}\" → \"{}\" enters port \"{}\", which \"{}\" does not have.", edge.from, edge.to, edge.to_port, edge.to),
            ));
            continue;
        }
        if !seen.insert(edge) {
            result.errors.push(issue(
                IssueCode::DuplicateEdge,
                vec![edge.from.clone(), edge.to.clone()],
                format!("The edge \"{}\" → \"{}\" appears twice.", edge.from, edge.to),
            ));
            continue;
        }
        good.push(edge);
    }
    good
}

/// A cycle as the ids along it, if the graph has one (iterative DFS, no recursion limit).
pub fn find_cycle(blocks: &[Block], edges: &[&Edge]) -> Option<Vec<String>> {
    let index: HashMap<&str, usize> = blocks.iter().enumerate().map(|(i, block)| (block.id.as_str(), i)).collect();
    let mut next: Vec<Vec<usize>> = vec![Vec::new(); blocks.len()];
    for edge in edges {
        if let (Some(&from), Some(&to)) = (index.get(edge.from.as_str()), index.get(edge.to.as_str())) {
            next[from].push(to);
        }
    }
    // 0 = unseen, 1 = on the current path, 2 = done.
    let mut state = vec![0u8; blocks.len()];
    for start in 0..blocks.len() {
        if state[start] != 0 {
            continue;
        }
        let mut stack: Vec<(usize, usize)> = vec![(start, 0)];
        state[start] = 1;
        while let Some(&mut (node, ref mut child)) = stack.last_mut() {
            if let Some(&target) = next[node].get(*child) {
                *child += 1;
                match state[target] {
                    0 => {
                        state[target] = 1;
                        stack.push((target, 0));
                    }
                    1 => {
                        let from = stack.iter().position(|(n, _)| *n == target).unwrap_or(0);
                        return Some(stack[from..].iter().map(|(n, _)| blocks[*n].id.clone()).collect());
                    }
                    _ => {}
                }
            } else {
                state[node] = 2;
                stack.pop();
            }
        }
    }
    None
}

fn warnings(blocks: &[Block], edges: &[Edge], by_id: &HashMap<&str, &Block>) -> Vec<Issue> {
    let mut found = Vec::new();
    let entered: HashSet<&str> = edges.iter().map(|edge| edge.to.as_str()).collect();
    for block in blocks {
        let Some(BlockType::Step(spec)) = block.block_type() else { continue };
        let name = block.title();
        if !spec.starts_flow && !entered.contains(block.id.as_str()) {
            found.push(issue(IssueCode::Unconnected, vec![block.id.clone()], format!("\"{name}\" is not connected: nothing starts it.")));
        }
        for setting in spec.settings.iter().filter(|setting| setting.required) {
            let value = block.setting_text(setting.key);
            if value.trim().is_empty() {
                found.push(issue(IssueCode::MissingSetting, vec![block.id.clone()], format!("\"{name}\" needs {}.", setting.label)));
            }
        }
        for problem in block.setting_problems() {
            found.push(issue(IssueCode::BadSetting, vec![block.id.clone()], problem));
        }
        for (key, label, required, _) in block.input_specs() {
            if required && block.inputs.get(&key).is_none_or(|text| text.trim().is_empty()) {
                found.push(issue(IssueCode::MissingSetting, vec![block.id.clone()], format!("\"{name}\" needs the input {label}.")));
            }
        }
        let texts = block.inputs.values().map(String::as_str).chain(block.settings.values().filter_map(|value| value.as_str()));
        for text in texts {
            for reference in placeholders(text) {
                if let Some(problem) = reference_problem(&reference, by_id) {
                    found.push(issue(
                        IssueCode::UnknownReference,
                        vec![block.id.clone()],
                        format!("\"{name}\" uses ${{{}}}: {problem}", reference.raw),
                    ));
                }
            }
        }
    }
    found
}

/// One `${blockId.output.path}` placeholder found in a text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Placeholder {
    /// What stands between `${` and `}`.
    pub raw: String,
    pub block: String,
    /// The first segment after the block id; output names may contain spaces.
    pub output: String,
    /// Where the placeholder starts and ends (byte offsets, `$` to `}` inclusive).
    pub span: (usize, usize),
}

/// The placeholders in a text, in order. `${` without a closing `}` is plain text.
pub fn placeholders(text: &str) -> Vec<Placeholder> {
    let mut found = Vec::new();
    let mut rest = 0;
    while let Some(start) = text[rest..].find("${").map(|at| at + rest) {
        let Some(end) = text[start + 2..].find('}').map(|at| at + start + 2) else { break };
        let raw = &text[start + 2..end];
        let mut parts = raw.splitn(3, '.');
        let block = parts.next().unwrap_or_default().trim().to_string();
        let output = parts.next().unwrap_or_default().to_string();
        found.push(Placeholder { raw: raw.to_string(), block, output, span: (start, end + 1) });
        rest = end + 1;
    }
    found
}

impl Placeholder {
    /// What follows the output name, e.g. `ticket.id` in `${w1.body.ticket.id}`: a path
    /// into the output's JSON value.
    pub fn path(&self) -> Option<&str> {
        self.raw.splitn(3, '.').nth(2).filter(|path| !path.is_empty())
    }
}

/// The placeholder text for an output, e.g. `${t1.status}`.
pub fn placeholder(block: &str, output: &str) -> String {
    format!("${{{block}.{output}}}")
}

fn reference_problem(reference: &Placeholder, by_id: &HashMap<&str, &Block>) -> Option<String> {
    let Some(block) = by_id.get(reference.block.as_str()) else {
        return Some(format!("there is no block \"{}\".", reference.block));
    };
    if reference.output.is_empty() {
        return Some("name an output after the block id.".to_string());
    }
    if block.outputs().contains(&reference.output) { None } else { Some(format!("\"{}\" has no output \"{}\".", block.title(), reference.output)) }
}

/// The ids of every block upstream of `block` (whose outputs it may use), nearest first.
pub fn upstream(block: &str, edges: &[Edge]) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    let mut queue = vec![block.to_string()];
    let mut seen: HashSet<String> = HashSet::new();
    while let Some(current) = queue.pop() {
        for edge in edges.iter().filter(|edge| edge.to == current) {
            if seen.insert(edge.from.clone()) {
                found.push(edge.from.clone());
                queue.insert(0, edge.from.clone());
            }
        }
    }
    found
}

/// Positions in layers by depth (the longest path from a start), each layer a column,
/// blocks in a layer ordered by their current height. Cycles, which valid flows do not
/// have, are broken arbitrarily.
pub fn auto_layout(blocks: &[Block], edges: &[Edge]) -> HashMap<String, Position> {
    const COLUMN: f64 = 280.0;
    const ROW: f64 = 130.0;
    const ORIGIN: f64 = 40.0;
    let index: HashMap<&str, usize> = blocks.iter().enumerate().map(|(i, block)| (block.id.as_str(), i)).collect();
    let mut incoming = vec![0usize; blocks.len()];
    let mut next: Vec<Vec<usize>> = vec![Vec::new(); blocks.len()];
    for edge in edges {
        if let (Some(&from), Some(&to)) = (index.get(edge.from.as_str()), index.get(edge.to.as_str())) {
            next[from].push(to);
            incoming[to] += 1;
        }
    }
    let mut depth = vec![0usize; blocks.len()];
    let mut ready: Vec<usize> = (0..blocks.len()).filter(|&i| incoming[i] == 0).collect();
    let mut placed = 0;
    while let Some(node) = ready.pop() {
        placed += 1;
        for &target in &next[node] {
            depth[target] = depth[target].max(depth[node] + 1);
            incoming[target] -= 1;
            if incoming[target] == 0 {
                ready.push(target);
            }
        }
    }
    debug_assert!(placed <= blocks.len());
    let mut layers: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (i, &layer) in depth.iter().enumerate() {
        layers.entry(layer).or_default().push(i);
    }
    let mut positions = HashMap::with_capacity(blocks.len());
    for (layer, mut members) in layers {
        members.sort_by(|a, b| blocks[*a].position.y.total_cmp(&blocks[*b].position.y));
        for (row, i) in members.into_iter().enumerate() {
            positions.insert(blocks[i].id.clone(), Position { x: ORIGIN + COLUMN * layer as f64, y: ORIGIN + ROW * row as f64 });
        }
    }
    positions
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn step(id: &str, step: &str) -> Block {
        Block {
            id: id.into(),
            kind: BlockKind::Step,
            trigger: None,
            step: Some(step.into()),
            label: String::new(),
            settings: Map::new(),
            inputs: BTreeMap::new(),
            position: Position::default(),
        }
    }

    fn trigger(id: &str, key: &str) -> Block {
        Block { kind: BlockKind::Trigger, trigger: Some(key.into()), step: None, ..step(id, "") }
    }

    fn edge(from: &str, from_port: &str, to: &str) -> Edge {
        Edge { from: from.into(), from_port: from_port.into(), to: to.into(), to_port: "in".into() }
    }

    const SPEC_EXAMPLE: &str = r#"{"name": "Close ticket when alert ends", "formId": "fm_1",
       "blocks": [
         {"id": "t1", "kind": "trigger", "trigger": "status", "label": "Status Updates", "position": {"x": 40, "y": 80}},
         {"id": "s1", "kind": "step", "step": "switch", "label": "Terminated?", "settings": {"value": "${t1.status}", "cases": ["terminated"]}, "position": {"x": 260, "y": 80}},
         {"id": "w1", "kind": "step", "step": "webhook", "label": "Close ticket",
          "settings": {"endpointId": "ep_1", "method": "POST", "path": "/tickets/close"},
          "inputs": {"body": "{\"alert\": \"${t1.eventIdentifier}\"}"}, "position": {"x": 480, "y": 80}}],
       "edges": [{"from": "t1", "fromPort": "out", "to": "s1", "toPort": "in"},
                 {"from": "s1", "fromPort": "terminated", "to": "w1", "toPort": "in"}]}"#;

    #[test]
    fn the_spec_example_parses_validates_clean_and_round_trips() {
        let document: FlowDocument = serde_json::from_str(SPEC_EXAMPLE).unwrap();
        let check = validate(&document.blocks, &document.edges, &[]);
        assert_eq!(check, Validation::default());
        let again: FlowDocument = serde_json::from_str(&serde_json::to_string(&document).unwrap()).unwrap();
        assert_eq!(again, document);
        let exported = serde_json::to_value(&document).unwrap();
        assert_eq!(exported["blocks"][0].get("step"), None, "a trigger block has no step key");
        assert_eq!(exported["edges"][1]["fromPort"], "terminated");
        assert_eq!(exported["blocks"][0]["position"], json!({"x": 40, "y": 80}), "whole positions stay integers");
    }

    #[test]
    fn unknown_step_types_and_triggers_are_errors_naming_the_block() {
        let check = validate(&[trigger("t1", "sunrise"), step("x1", "teleport")], &[], &[]);
        let messages: Vec<&str> = check.errors.iter().map(|issue| issue.message.as_str()).collect();
        assert_eq!(messages, ["Block \"t1\" has an unknown trigger \"sunrise\".", "Block \"x1\" has an unknown step type \"teleport\"."]);
        assert_eq!(check.errors[1].code, IssueCode::UnknownType);
        let http_as_step = validate(&[step("h1", HTTP_TRIGGER)], &[], &[]);
        assert_eq!(http_as_step.errors[0].code, IssueCode::UnknownType, "the HTTP trigger is a trigger block");
    }

    #[test]
    fn cycles_are_refused_naming_the_loop() {
        let blocks = [trigger("t1", "status"), step("a", "merge"), step("b", "merge"), step("c", "delay")];
        let edges = [edge("t1", "out", "a"), edge("a", "out", "b"), edge("b", "out", "c"), edge("c", "out", "a")];
        let check = validate(&blocks, &edges, &[]);
        assert_eq!(check.errors.len(), 1);
        assert_eq!(check.errors[0].code, IssueCode::Cycle);
        assert_eq!(check.errors[0].blocks, ["a", "b", "c"]);
        assert!(check.errors[0].message.contains("\"a\" → \"b\" → \"c\" → \"a\""), "{}", check.errors[0].message);
        let self_loop = validate(&[step("a", "merge")], &[edge("a", "out", "a")], &[]);
        assert_eq!(self_loop.errors[0].blocks, ["a"]);
    }

    #[test]
    fn dangling_edges_and_missing_ports_are_errors() {
        let blocks = [trigger("t1", "status"), step("s1", "switch")];
        let check = validate(&blocks, &[edge("t1", "out", "gone")], &[]);
        assert_eq!(check.errors[0].code, IssueCode::DanglingEdge);
        assert!(check.errors[0].message.contains("\"gone\""));
        let bad_port = validate(&blocks, &[edge("t1", "sideways", "s1")], &[]);
        assert!(bad_port.errors[0].message.contains("port \"sideways\""), "{}", bad_port.errors[0].message);
        let into_trigger = validate(&blocks, &[Edge { from: "s1".into(), from_port: "default".into(), to: "t1".into(), to_port: "in".into() }], &[]);
        assert_eq!(into_trigger.errors[0].code, IssueCode::DanglingEdge, "triggers have no input port");
        let twice = validate(&blocks, &[edge("t1", "out", "s1"), edge("t1", "out", "s1")], &[]);
        assert_eq!(twice.errors[0].code, IssueCode::DuplicateEdge);
    }

    #[test]
    fn duplicate_and_malformed_ids_are_errors() {
        let check = validate(&[step("a", "merge"), step("a", "merge"), step("b c", "merge")], &[], &[]);
        let codes: Vec<IssueCode> = check.errors.iter().map(|issue| issue.code).collect();
        assert_eq!(codes, [IssueCode::DuplicateBlock, IssueCode::BadBlock]);
    }

    #[test]
    fn huge_graphs_are_refused_before_any_other_work() {
        let blocks: Vec<Block> = (0..=MAX_BLOCKS).map(|i| step(&format!("b{i}"), "merge")).collect();
        let check = validate(&blocks, &[], &[]);
        assert_eq!(check.errors.len(), 1);
        assert_eq!(check.errors[0].code, IssueCode::TooLarge);
    }

    #[test]
    fn incomplete_blocks_get_warnings_not_errors() {
        let mut webhook = step("w1", "webhook");
        webhook.inputs.insert("body".into(), "${t1.status} ${t1.nope} ${ghost.x} ${t1.properties.number}".into());
        let blocks = [trigger("t1", "status"), webhook, step("d1", "delay")];
        let check = validate(&blocks, &[edge("t1", "out", "w1")], &[]);
        assert!(check.is_ok());
        let about = |id: &str| check.warnings_for(id).map(|issue| issue.code).collect::<Vec<_>>();
        assert_eq!(about("t1"), [], "a trigger without steps is fine");
        assert_eq!(about("w1"), [IssueCode::MissingSetting, IssueCode::MissingSetting, IssueCode::UnknownReference, IssueCode::UnknownReference]);
        assert_eq!(about("d1"), [IssueCode::Unconnected, IssueCode::MissingSetting]);
        let unknown: Vec<&str> =
            check.warnings.iter().filter(|issue| issue.code == IssueCode::UnknownReference).map(|issue| issue.message.as_str()).collect();
        assert!(unknown[0].contains("no output \"nope\""), "{unknown:?}");
        assert!(unknown[1].contains("no block \"ghost\""), "{unknown:?}");
    }

    #[test]
    fn ports_follow_settings_and_response_choices() {
        let mut switch = step("s1", "switch");
        switch.settings.insert("cases".into(), json!(["high", "low", "high", " "]));
        assert_eq!(switch.out_ports(&[]), ["high", "low", "default"]);
        let responses = trigger("r1", "responses");
        let choices = vec!["Accept".to_string(), "Decline".to_string()];
        assert_eq!(responses.out_ports(&choices), choices);
        assert!(responses.in_ports().is_empty());
        let mut script = step("x1", "script");
        script.settings.insert("outputs".into(), json!("ticket id\nurl"));
        assert_eq!(script.outputs(), ["ticket id", "url"], "output names may contain spaces");
        let edges = [Edge { from: "r1".into(), from_port: "Accept".into(), to: "x1".into(), to_port: "in".into() }];
        assert!(validate(&[responses, script], &edges, &choices).is_ok());
    }

    #[test]
    fn placeholders_are_found_with_spaces_and_paths() {
        let found = placeholders("a ${x1.ticket id} b ${t1.properties.number}${broken");
        assert_eq!(found.len(), 2);
        assert_eq!((found[0].block.as_str(), found[0].output.as_str()), ("x1", "ticket id"));
        assert_eq!((found[1].block.as_str(), found[1].output.as_str()), ("t1", "properties"));
        assert_eq!(&"a ${x1.ticket id} b"[found[0].span.0..found[0].span.1], "${x1.ticket id}");
        assert_eq!(placeholder("t1", "status"), "${t1.status}");
    }

    #[test]
    fn placeholder_paths_go_into_json() {
        let found = placeholders("${w1.body.ticket.id} ${x1.ticket id}");
        assert_eq!(found[0].path(), Some("ticket.id"));
        assert_eq!(found[1].path(), None);
    }

    #[test]
    fn comparisons_split_at_the_first_operator_outside_placeholders() {
        let parsed = parse_comparison("${w1.statusCode} >= 400").unwrap();
        assert_eq!((parsed.left, parsed.operator, parsed.right), ("${w1.statusCode}", Operator::AtLeast, "400"));
        let words = parse_comparison("${x1.a == b} not contains x == y").unwrap();
        assert_eq!((words.left, words.operator, words.right), ("${x1.a == b}", Operator::NotContains, "x == y"));
        assert!(parse_comparison("just text").unwrap_err().contains("no operator"));
        assert!(parse_comparison("== 3").is_err());
        assert!(Operator::Greater.holds("10", "9"), "numbers compare as numbers");
        assert!(Operator::Less.holds("10", "9a"), "text compares as text");
        assert!(Operator::Equal.holds("4.0", "4") && Operator::NotEqual.holds("a", "b"));
        assert!(Operator::StartsWith.holds("terminated", "term") && Operator::Contains.holds("abc", "b"));
    }

    #[test]
    fn out_of_range_numbers_and_bad_comparisons_are_badges() {
        let mut delay = step("d1", "delay");
        delay.settings.insert("seconds".into(), json!(90000));
        let mut condition = step("c1", "condition");
        condition.settings.insert("match".into(), json!("all"));
        condition.settings.insert("conditions".into(), json!("${t1.status} == terminated\nnonsense"));
        let blocks = [trigger("t1", "status"), delay, condition];
        let check = validate(&blocks, &[edge("t1", "out", "d1"), edge("t1", "out", "c1")], &[]);
        let bad: Vec<&str> = check.warnings.iter().filter(|issue| issue.code == IssueCode::BadSetting).map(|issue| issue.message.as_str()).collect();
        assert_eq!(bad.len(), 2, "{bad:?}");
        assert!(bad[0].contains("seconds between 0 and 86400"), "{bad:?}");
        assert!(bad[1].contains("\"nonsense\" has no operator"), "{bad:?}");
    }

    #[test]
    fn upstream_lists_every_ancestor() {
        let edges = [edge("t1", "out", "a"), edge("a", "out", "b"), edge("t2", "out", "b"), edge("b", "out", "c")];
        let mut found = upstream("c", &edges);
        found.sort();
        assert_eq!(found, ["a", "b", "t1", "t2"]);
        assert!(upstream("t1", &edges).is_empty());
    }

    #[test]
    fn auto_layout_puts_each_block_one_column_after_its_deepest_parent() {
        let blocks = [trigger("t1", "status"), step("a", "merge"), step("b", "merge"), step("c", "merge")];
        let edges = [edge("t1", "out", "a"), edge("a", "out", "b"), edge("t1", "out", "c"), edge("b", "out", "c")];
        let layout = auto_layout(&blocks, &edges);
        let column = |id: &str| ((layout[id].x - 40.0) / 280.0) as usize;
        assert_eq!([column("t1"), column("a"), column("b"), column("c")], [0, 1, 2, 3]);
    }

    #[test]
    fn every_catalogue_entry_is_well_formed() {
        let keys: HashSet<&str> = STEPS.iter().map(|spec| spec.key).collect();
        assert_eq!(keys.len(), STEPS.len(), "keys are unique");
        for required in
            ["webhook", "script", "switch", "condition", "merge", "create_alert", "add_comment", "change_alert_status", "get_alerts", "delay", "http"]
        {
            assert!(keys.contains(required), "{required} is in the catalogue");
        }
    }
}
