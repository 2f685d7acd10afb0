//! The step catalogue as data: every step type ([`StepKind`]) with what it needs and offers
//! ([`StepSpec`]): settings, inputs, ports (with the `error` port of every step that can
//! fail), outputs (typed, see [`super::outputs`]), its palette entry and icon.

use serde::{Serialize, Serializer};

use super::{
    CALL_TRIGGER, HTTP_TRIGGER, SCHEDULE_TRIGGER,
    outputs::{JsonType, OutputSpec, optional, output},
};
use crate::trigger::Trigger;

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
    /// A flow of the flow's workflow, by id.
    Flow,
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
    Fixed(&'static [OutputSpec]),
    /// The names in the named list setting (the script step); their values are any JSON.
    Named(&'static str),
}

/// A step type, as a block's `step` key names it. The key stays text on the wire; a key no
/// type has is kept as [`StepKind::Unknown`], so the block is reported by name.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum StepKind {
    Webhook,
    Script,
    Switch,
    Condition,
    Merge,
    Delay,
    CreateAlert,
    AddComment,
    ChangeAlertStatus,
    GetAlerts,
    ForEach,
    CallFlow,
    /// The HTTP trigger: it starts a flow, and the catalogue describes it like a step.
    HttpTrigger,
    /// Called by a flow: what a Call Flow step starts.
    CallTrigger,
    /// The Schedule trigger: starts a flow at the times a cron expression names.
    ScheduleTrigger,
    Unknown(String),
}

impl StepKind {
    /// Every known type, in palette order.
    pub const KNOWN: [StepKind; 15] = [
        StepKind::Webhook,
        StepKind::Script,
        StepKind::Switch,
        StepKind::Condition,
        StepKind::Merge,
        StepKind::Delay,
        StepKind::CreateAlert,
        StepKind::AddComment,
        StepKind::ChangeAlertStatus,
        StepKind::GetAlerts,
        StepKind::ForEach,
        StepKind::CallFlow,
        StepKind::HttpTrigger,
        StepKind::CallTrigger,
        StepKind::ScheduleTrigger,
    ];

    /// The key of a known type.
    pub const fn known_key(&self) -> Option<&'static str> {
        Some(match self {
            StepKind::Webhook => "webhook",
            StepKind::Script => "script",
            StepKind::Switch => "switch",
            StepKind::Condition => "condition",
            StepKind::Merge => "merge",
            StepKind::Delay => "delay",
            StepKind::CreateAlert => "create_alert",
            StepKind::AddComment => "add_comment",
            StepKind::ChangeAlertStatus => "change_alert_status",
            StepKind::GetAlerts => "get_alerts",
            StepKind::ForEach => "forEach",
            StepKind::CallFlow => "callFlow",
            StepKind::HttpTrigger => HTTP_TRIGGER,
            StepKind::CallTrigger => CALL_TRIGGER,
            StepKind::ScheduleTrigger => SCHEDULE_TRIGGER,
            StepKind::Unknown(_) => return None,
        })
    }

    /// The key as written in a block.
    pub fn key(&self) -> &str {
        match self {
            StepKind::Unknown(key) => key,
            known => known.known_key().unwrap_or_default(),
        }
    }

    /// The type a key names.
    pub fn from_key(key: &str) -> StepKind {
        StepKind::KNOWN.into_iter().find(|kind| kind.known_key() == Some(key)).unwrap_or_else(|| StepKind::Unknown(key.to_string()))
    }
}

impl Serialize for StepKind {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.key())
    }
}

/// One entry of the palette: what a step type needs and offers.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StepSpec {
    /// The type, written as its key (`webhook`, …) on the wire.
    #[serde(rename = "key")]
    pub kind: StepKind,
    /// The glyph the canvas draws on the block (one every system font has).
    pub icon: &'static str,
    pub name: &'static str,
    pub category: &'static str,
    pub description: &'static str,
    /// Starts a flow (no input port) instead of running inside one.
    pub starts_flow: bool,
    pub settings: &'static [SettingSpec],
    pub inputs: &'static [InputSpec],
    pub out_ports: OutPorts,
    pub outputs: Outputs,
    /// It can fail, so it has an [`ERROR_PORT`] (and an `error` output) besides `out_ports`.
    pub can_fail: bool,
}

/// The port a failing step follows when it is connected; `${block.error}` holds the reason.
pub const ERROR_PORT: &str = "error";
/// The For Each port whose path runs once per item.
pub const EACH_PORT: &str = "each";
/// The For Each port that continues once every iteration ended.
pub const DONE_PORT: &str = "done";
/// How many iterations of one For Each may run at once, at most.
pub const FOR_EACH_MAX_PARALLEL: u64 = 50;

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
/// What the Schedule trigger does with due times that passed while Outflow was down.
pub const SCHEDULE_MISSED: &[&str] = &["skip", "runOnce"];
const STATUSES: &[&str] = &["ACTIVE", "SUSPENDED", "TERMINATED"];
const PRIORITIES: &[&str] = &["LOW", "MEDIUM", "HIGH"];

/// Every step type the designer offers (SPEC §6).
pub const STEPS: &[StepSpec] = &[
    StepSpec {
        kind: StepKind::Webhook,
        icon: "↗",
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
        outputs: Outputs::Fixed(&[output("statusCode", JsonType::Number), output("headers", JsonType::Object), output("body", JsonType::String)]),
        can_fail: true,
    },
    StepSpec {
        kind: StepKind::Script,
        icon: "{}",
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
        can_fail: true,
    },
    StepSpec {
        kind: StepKind::Switch,
        icon: "⇉",
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
        outputs: Outputs::Fixed(&[output("value", JsonType::String)]),
        can_fail: true,
    },
    StepSpec {
        kind: StepKind::Condition,
        icon: "?",
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
        outputs: Outputs::Fixed(&[output("result", JsonType::Boolean)]),
        can_fail: true,
    },
    StepSpec {
        kind: StepKind::Merge,
        icon: "⇶",
        name: "Merge",
        category: "Logic",
        description: "Wait for every connected path, then continue once.",
        starts_flow: false,
        settings: &[],
        inputs: &[],
        out_ports: OutPorts::Fixed(&["out"]),
        outputs: Outputs::Fixed(&[]),
        can_fail: false,
    },
    StepSpec {
        kind: StepKind::Delay,
        icon: "◷",
        name: "Delay",
        category: "Logic",
        description: "Wait before continuing.",
        starts_flow: false,
        settings: &[setting("seconds", "Seconds", SettingKind::Number, true, "At most one day (86400).")],
        inputs: &[],
        out_ports: OutPorts::Fixed(&["out"]),
        outputs: Outputs::Fixed(&[]),
        can_fail: true,
    },
    StepSpec {
        kind: StepKind::CreateAlert,
        icon: "+",
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
        outputs: Outputs::Fixed(&[output("eventIdentifier", JsonType::Number), output("status", JsonType::String)]),
        can_fail: true,
    },
    StepSpec {
        kind: StepKind::AddComment,
        icon: "✎",
        name: "Add Comment",
        category: "Outflow",
        description: "Add a comment to an alert.",
        starts_flow: false,
        settings: &[],
        inputs: &[input("eventIdentifier", "Alert", true, false), input("comment", "Comment", true, true)],
        out_ports: OutPorts::Fixed(&["out"]),
        outputs: Outputs::Fixed(&[output("comment", JsonType::String)]),
        can_fail: true,
    },
    StepSpec {
        kind: StepKind::ChangeAlertStatus,
        icon: "⇅",
        name: "Change Alert Status",
        category: "Outflow",
        description: "Suspend, resume or terminate an alert.",
        starts_flow: false,
        settings: &[setting("status", "New status", SettingKind::Choice(STATUSES), true, "")],
        inputs: &[input("eventIdentifier", "Alert", true, false)],
        out_ports: OutPorts::Fixed(&["out"]),
        outputs: Outputs::Fixed(&[output("status", JsonType::String)]),
        can_fail: true,
    },
    StepSpec {
        kind: StepKind::GetAlerts,
        icon: "≡",
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
        outputs: Outputs::Fixed(&[output("alerts", JsonType::Array), output("count", JsonType::Number)]),
        can_fail: true,
    },
    StepSpec {
        kind: StepKind::ForEach,
        icon: "↻",
        name: "For Each",
        category: "Logic",
        description: "Run the path on its each port once per item of a list, then continue on done with every iteration's result.",
        starts_flow: false,
        settings: &[setting(
            "parallel",
            "Parallel",
            SettingKind::Number,
            false,
            "1 to 50 (default 1): how many items run at once. 1 runs them one after the other, in order.",
        )],
        inputs: &[input("items", "Items (an array)", true, false)],
        out_ports: OutPorts::Fixed(&[EACH_PORT, DONE_PORT]),
        outputs: Outputs::Fixed(&[optional("item", JsonType::Any), optional("index", JsonType::Number), optional("results", JsonType::Array)]),
        can_fail: true,
    },
    StepSpec {
        kind: StepKind::CallFlow,
        icon: "↪",
        name: "Call Flow",
        category: "Logic",
        description: "Run another flow of this workflow (one whose trigger is Called by a flow) with these inputs, and continue with its result.",
        starts_flow: false,
        settings: &[
            setting("flowId", "Flow", SettingKind::Flow, true, "A flow of this workflow that starts with the Called by a flow trigger."),
            setting(
                "inputs",
                "Input names",
                SettingKind::Names,
                false,
                "One per line; each becomes an input below, and an output of the called flow's trigger.",
            ),
        ],
        inputs: &[],
        out_ports: OutPorts::Fixed(&["out"]),
        outputs: Outputs::Fixed(&[output("output", JsonType::Object), output("runId", JsonType::String)]),
        can_fail: true,
    },
    StepSpec {
        kind: StepKind::HttpTrigger,
        icon: "⇥",
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
        outputs: Outputs::Fixed(&[output("body", JsonType::Any), output("headers", JsonType::Object), output("query", JsonType::Object)]),
        can_fail: false,
    },
    StepSpec {
        kind: StepKind::CallTrigger,
        icon: "↩",
        name: "Called by a flow",
        category: "Triggers",
        description: "Starts the flow from a Call Flow step of another flow of this workflow; the flow's result goes back to it.",
        starts_flow: true,
        settings: &[setting(
            "inputs",
            "Input names",
            SettingKind::Names,
            false,
            "One per line: what callers pass (their Call Flow step's inputs), each an output of this trigger.",
        )],
        inputs: &[],
        out_ports: OutPorts::Fixed(&["out"]),
        outputs: Outputs::Named("inputs"),
        can_fail: false,
    },
    StepSpec {
        kind: StepKind::ScheduleTrigger,
        icon: "◴",
        name: "Schedule",
        category: "Triggers",
        description: "Starts the flow at the times a cron expression names, in a time zone.",
        starts_flow: true,
        settings: &[
            setting(
                "cron",
                "Cron",
                SettingKind::Text,
                true,
                "5 fields: minute hour day-of-month month day-of-week, e.g. 0 9 * * MON-FRI (9:00 on weekdays) or */15 * * * *.",
            ),
            setting("timeZone", "Time zone", SettingKind::Text, false, "An IANA name such as Europe/Berlin or America/New_York; UTC when empty."),
            setting(
                "missed",
                "After downtime",
                SettingKind::Choice(SCHEDULE_MISSED),
                false,
                "Times that passed while Outflow was down: skip (default) runs nothing for them; runOnce runs once, for the latest.",
            ),
        ],
        inputs: &[],
        out_ports: OutPorts::Fixed(&["out"]),
        outputs: Outputs::Fixed(&[
            output("scheduledAt", JsonType::String),
            output("scheduledAtLocal", JsonType::String),
            output("firedAt", JsonType::String),
            output("timeZone", JsonType::String),
        ]),
        can_fail: false,
    },
];

/// The catalogue entry of a step type.
pub fn step_spec(key: &str) -> Option<&'static StepSpec> {
    STEPS.iter().find(|spec| spec.kind.key() == key)
}

impl StepSpec {
    /// The type's key, as blocks name it.
    pub fn key(&self) -> &'static str {
        self.kind.known_key().unwrap_or_default()
    }
}

/// The icon of a trigger node other than the HTTP trigger.
pub const TRIGGER_ICON: &str = "⚡";
/// The icon of a block whose type is unknown.
pub const UNKNOWN_ICON: &str = "◆";

/// A trigger node's default label: the trigger's name, without "(flows only)".
pub fn trigger_label(trigger: Trigger) -> &'static str {
    match trigger {
        Trigger::Responses => "Responses",
        other => other.display_name(),
    }
}
