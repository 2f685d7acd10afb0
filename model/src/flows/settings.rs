//! A block's settings parsed into typed structs. Settings are JSON on the wire (text,
//! numbers, lists); this is the one parser that reads them. Validation shows its problems as
//! badges (a save with them is kept: a flow is often saved half-built), and the executor
//! parses the settings of each step it runs, with their placeholders resolved, and fails the
//! step with the same problems.

use std::collections::HashSet;

use serde_json::{Map, Value};

use super::{Comparison, Cron, FOR_EACH_MAX_PARALLEL, StepKind, cron, parse_comparison};
use crate::alerts::{AlertStatus, Priority};

/// Longest a Delay step waits.
pub const DELAY_MAX_SECONDS: u64 = 86_400;
/// Most retries a Webhook step may ask for.
pub const WEBHOOK_MAX_RETRIES: u64 = 10;
/// How long a sync HTTP trigger waits for its run by default, and at most (requests end after 30 s).
pub const SYNC_TIMEOUT_DEFAULT_SECONDS: u64 = 10;
pub const SYNC_TIMEOUT_MAX_SECONDS: u64 = 25;

/// The settings of one step type.
#[derive(Clone, Debug, PartialEq)]
pub enum StepSettings {
    Webhook(WebhookSettings),
    Script(ScriptSettings),
    Switch(SwitchSettings),
    Condition(ConditionSettings),
    Delay {
        seconds: u64,
    },
    CreateAlert {
        form_id: String,
        priority: Priority,
    },
    ChangeAlertStatus {
        status: AlertStatus,
    },
    GetAlerts {
        form_id: Option<String>,
        status: Option<AlertStatus>,
    },
    HttpTrigger(HttpTriggerSettings),
    Schedule(ScheduleSettings),
    ForEach {
        /// How many iterations run at once (1 to [`FOR_EACH_MAX_PARALLEL`]).
        parallel: u64,
    },
    CallFlow {
        /// The flow to call (of the same workflow).
        flow_id: String,
    },
    /// Merge and Add Comment have nothing to set.
    Nothing,
}

#[derive(Clone, Debug, PartialEq)]
pub struct WebhookSettings {
    pub endpoint_id: String,
    /// Upper-case; `POST` when not set.
    pub method: String,
    /// Appended to the endpoint's base URL.
    pub path: String,
    pub retries: u64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ScriptSettings {
    /// Declared input names: each becomes an input of the block.
    pub inputs: Vec<String>,
    /// Declared output names: what the script sets that later steps may use.
    pub outputs: Vec<String>,
    pub source: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct SwitchSettings {
    pub value: String,
    /// One output port each, then `default`.
    pub cases: Vec<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ConditionSettings {
    /// `match: any` (OR) instead of `all` (AND).
    pub any: bool,
    pub comparisons: Vec<Comparison>,
}

/// How the HTTP trigger authenticates its caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HttpAuth {
    ApiKey,
    Basic,
}

/// How the HTTP trigger answers: at once with the run id, or with the run's result.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HttpMode {
    Async,
    Sync,
}

#[derive(Clone, Debug, PartialEq)]
pub struct HttpTriggerSettings {
    pub auth: HttpAuth,
    pub mode: HttpMode,
    /// How long a sync call waits for its run.
    pub timeout_seconds: u64,
}

impl HttpTriggerSettings {
    /// An HTTP trigger's settings as saved, read leniently: a save with a badge still runs
    /// (a timeout out of its range is brought into it).
    pub fn of(settings: &Map<String, Value>) -> HttpTriggerSettings {
        Reader { settings, problems: Vec::new() }.http_trigger()
    }
}

/// What the Schedule trigger does with due times that passed while Outflow was down.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Missed {
    /// Nothing runs for them; the next due time does.
    #[default]
    Skip,
    /// One run, for the latest of them.
    RunOnce,
}

impl Missed {
    pub fn from_key(key: &str) -> Option<Missed> {
        match key {
            "skip" => Some(Missed::Skip),
            "runOnce" => Some(Missed::RunOnce),
            _ => None,
        }
    }
}

/// The Schedule trigger's settings. The time zone's name is only checked for its shape here;
/// whether the zone exists is the server's to say (it has the zone database).
#[derive(Clone, Debug, PartialEq)]
pub struct ScheduleSettings {
    pub cron: Cron,
    /// The cron expression as written (trimmed).
    pub cron_text: String,
    /// An IANA name; `UTC` when not set.
    pub time_zone: String,
    pub missed: Missed,
}

/// The time zone of a Schedule trigger whose setting is empty.
pub const DEFAULT_TIME_ZONE: &str = "UTC";

/// What is wrong with one setting.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SettingProblem {
    pub key: &'static str,
    /// Reads after the block's name: `needs seconds between 0 and 86400, not "x".`
    pub message: String,
}

impl StepSettings {
    /// Parses the settings of a step of `kind`; every problem found, or the typed settings.
    pub fn parse(kind: &StepKind, settings: &Map<String, Value>) -> Result<StepSettings, Vec<SettingProblem>> {
        let mut reader = Reader { settings, problems: Vec::new() };
        let parsed = match kind {
            StepKind::Webhook => StepSettings::Webhook(WebhookSettings {
                endpoint_id: reader.text("endpointId").trim().to_string(),
                method: match reader.text("method").trim() {
                    "" => "POST".to_string(),
                    method => method.to_uppercase(),
                },
                path: reader.text("path").trim().to_string(),
                retries: reader.number("retries", 0..=WEBHOOK_MAX_RETRIES).unwrap_or(0),
            }),
            StepKind::Script => StepSettings::Script(ScriptSettings {
                inputs: names(settings, "inputs"),
                outputs: names(settings, "outputs"),
                source: reader.text("script"),
            }),
            StepKind::Switch => {
                StepSettings::Switch(SwitchSettings { value: reader.text("value").trim().to_string(), cases: names(settings, "cases") })
            }
            StepKind::Condition => StepSettings::Condition(reader.condition()),
            StepKind::Delay => StepSettings::Delay { seconds: reader.required_number("seconds", 0..=DELAY_MAX_SECONDS) },
            StepKind::CreateAlert => StepSettings::CreateAlert {
                form_id: reader.text("formId").trim().to_string(),
                priority: reader.choice("priority", Priority::from_key).unwrap_or_default(),
            },
            StepKind::ChangeAlertStatus => StepSettings::ChangeAlertStatus {
                status: match reader.choice("status", AlertStatus::from_key) {
                    Some(status) => status,
                    None => {
                        reader.problem("status", "needs a status: ACTIVE, SUSPENDED or TERMINATED.".into());
                        AlertStatus::Active
                    }
                },
            },
            StepKind::GetAlerts => StepSettings::GetAlerts {
                form_id: Some(reader.text("formId").trim().to_string()).filter(|id| !id.is_empty()),
                status: reader.choice("status", AlertStatus::from_key),
            },
            StepKind::HttpTrigger => StepSettings::HttpTrigger(reader.http_trigger()),
            StepKind::ScheduleTrigger => StepSettings::Schedule(reader.schedule()),
            StepKind::ForEach => StepSettings::ForEach { parallel: reader.number("parallel", 1..=FOR_EACH_MAX_PARALLEL).unwrap_or(1) },
            StepKind::CallFlow => {
                let flow_id = reader.text("flowId").trim().to_string();
                if flow_id.is_empty() {
                    reader.problem("flowId", "needs a flow to call.".into());
                }
                StepSettings::CallFlow { flow_id }
            }
            StepKind::Merge | StepKind::AddComment | StepKind::CallTrigger => StepSettings::Nothing,
            StepKind::Unknown(key) => {
                reader.problem("", format!("names \"{key}\", which is not a step type this server knows."));
                StepSettings::Nothing
            }
        };
        if reader.problems.is_empty() { Ok(parsed) } else { Err(reader.problems) }
    }
}

/// Reads settings, noting what is wrong.
struct Reader<'a> {
    settings: &'a Map<String, Value>,
    problems: Vec<SettingProblem>,
}

impl Reader<'_> {
    fn problem(&mut self, key: &'static str, message: String) {
        self.problems.push(SettingProblem { key, message });
    }

    fn text(&self, key: &str) -> String {
        text(self.settings, key)
    }

    /// A whole number in `range`; `None` when not set or not a number. Wrong values are
    /// noted; one out of the range is brought into it.
    fn number(&mut self, key: &'static str, range: std::ops::RangeInclusive<u64>) -> Option<u64> {
        let written = self.text(key);
        if written.trim().is_empty() {
            return None;
        }
        match number(self.settings, key) {
            Some(value) if range.contains(&value) => Some(value),
            value => {
                self.problem(key, format!("needs {key} between {} and {}, not \"{}\".", range.start(), range.end(), written.trim()));
                value.map(|value| value.clamp(*range.start(), *range.end()))
            }
        }
    }

    fn required_number(&mut self, key: &'static str, range: std::ops::RangeInclusive<u64>) -> u64 {
        let known = self.problems.len();
        let value = self.number(key, range.clone());
        if self.problems.len() == known && value.is_none() {
            self.problem(key, format!("needs {key} between {} and {}.", range.start(), range.end()));
        }
        value.unwrap_or(*range.start())
    }

    /// One of a choice's values; `None` when not set (or not one of them, which is noted).
    fn choice<T>(&mut self, key: &'static str, from_key: fn(&str) -> Option<T>) -> Option<T> {
        let written = self.text(key);
        let written = written.trim();
        if written.is_empty() {
            return None;
        }
        let value = from_key(written);
        if value.is_none() {
            self.problem(key, format!("has \"{written}\" for {key}, which is not one of its choices."));
        }
        value
    }

    fn http_trigger(&mut self) -> HttpTriggerSettings {
        HttpTriggerSettings {
            auth: if self.text("auth").trim() == "basic" { HttpAuth::Basic } else { HttpAuth::ApiKey },
            mode: if self.text("mode").trim() == "sync" { HttpMode::Sync } else { HttpMode::Async },
            timeout_seconds: self.number("timeoutSeconds", 1..=SYNC_TIMEOUT_MAX_SECONDS).unwrap_or(SYNC_TIMEOUT_DEFAULT_SECONDS),
        }
    }

    fn schedule(&mut self) -> ScheduleSettings {
        let cron_text = self.text("cron").trim().to_string();
        let cron = match Cron::parse(&cron_text) {
            Ok(cron) => cron,
            Err(_) if cron_text.is_empty() => {
                self.problem("cron", "needs a cron expression, e.g. 0 9 * * MON-FRI.".into());
                Cron::parse("* * * * *").unwrap_or_else(|_| unreachable!("a constant cron parses"))
            }
            Err(error) => {
                self.problem("cron", format!("has a cron expression that cannot be read: \"{cron_text}\" {error}"));
                Cron::parse("* * * * *").unwrap_or_else(|_| unreachable!("a constant cron parses"))
            }
        };
        let time_zone = match self.text("timeZone").trim() {
            "" => DEFAULT_TIME_ZONE.to_string(),
            zone => zone.to_string(),
        };
        if !cron::time_zone_syntax(&time_zone) {
            self.problem("timeZone", format!("has the time zone \"{time_zone}\", which is not an IANA name such as Europe/Berlin."));
        }
        let missed = self.choice("missed", Missed::from_key).unwrap_or_default();
        ScheduleSettings { cron, cron_text, time_zone, missed }
    }

    fn condition(&mut self) -> ConditionSettings {
        let any = self.text("match").trim() == "any";
        let mut comparisons = Vec::new();
        for line in self.text("conditions").lines().filter(|line| !line.trim().is_empty()) {
            match parse_comparison(line) {
                Ok(comparison) => comparisons.push(comparison),
                Err(problem) => self.problem("conditions", format!("has a comparison that cannot be read: {problem}")),
            }
        }
        ConditionSettings { any, comparisons }
    }
}

/// A setting as text, as an editor shows it (a list one item per line).
pub fn text(settings: &Map<String, Value>, key: &str) -> String {
    match settings.get(key) {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(text)) => text.clone(),
        Some(Value::Array(items)) => {
            items.iter().map(|item| item.as_str().map(str::to_string).unwrap_or_else(|| item.to_string())).collect::<Vec<_>>().join("\n")
        }
        Some(other) => other.to_string(),
    }
}

/// A list setting as names: a JSON array of strings, or text with one name per line;
/// trimmed, without blanks or repeats.
pub fn names(settings: &Map<String, Value>, key: &str) -> Vec<String> {
    let names: Vec<String> = match settings.get(key) {
        Some(Value::Array(items)) => items.iter().filter_map(|item| item.as_str()).map(str::to_string).collect(),
        Some(Value::String(text)) => text.lines().map(str::to_string).collect(),
        _ => Vec::new(),
    };
    let mut seen = HashSet::new();
    names.into_iter().map(|name| name.trim().to_string()).filter(|name| !name.is_empty() && seen.insert(name.clone())).collect()
}

/// A whole-number setting, from a JSON number or text; `None` when absent or not one.
pub fn number(settings: &Map<String, Value>, key: &str) -> Option<u64> {
    match settings.get(key)? {
        Value::Number(number) => number.as_u64(),
        Value::String(text) if !text.trim().is_empty() => text.trim().parse().ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::flows::Operator;

    fn parse(kind: StepKind, settings: Value) -> Result<StepSettings, Vec<SettingProblem>> {
        let Value::Object(settings) = settings else { panic!("settings are an object") };
        StepSettings::parse(&kind, &settings)
    }

    #[test]
    fn numbers_are_read_from_numbers_or_text_and_checked_against_their_range() {
        assert_eq!(parse(StepKind::Delay, json!({"seconds": "90"})), Ok(StepSettings::Delay { seconds: 90 }));
        assert_eq!(parse(StepKind::Delay, json!({"seconds": 0})), Ok(StepSettings::Delay { seconds: 0 }));
        let problems = parse(StepKind::Delay, json!({"seconds": 90000})).unwrap_err();
        assert_eq!(problems[0].message, "needs seconds between 0 and 86400, not \"90000\".");
        assert_eq!(parse(StepKind::Delay, json!({})).unwrap_err()[0].message, "needs seconds between 0 and 86400.");
        let Ok(StepSettings::Webhook(webhook)) = parse(StepKind::Webhook, json!({"endpointId": " ep_1 ", "method": "put", "retries": "3"})) else {
            panic!("a webhook's settings parse")
        };
        assert_eq!((webhook.endpoint_id.as_str(), webhook.method.as_str(), webhook.retries), ("ep_1", "PUT", 3));
        assert_eq!(parse(StepKind::Webhook, json!({"retries": 11})).unwrap_err()[0].key, "retries");
    }

    #[test]
    fn choices_names_and_comparisons_become_types() {
        assert_eq!(
            parse(StepKind::GetAlerts, json!({"status": "SUSPENDED"})),
            Ok(StepSettings::GetAlerts { form_id: None, status: Some(AlertStatus::Suspended) })
        );
        assert_eq!(parse(StepKind::ChangeAlertStatus, json!({"status": "GONE"})).unwrap_err()[0].key, "status");
        let Ok(StepSettings::Switch(switch)) = parse(StepKind::Switch, json!({"value": "${t1.status}", "cases": "a\n b\n\na"})) else {
            panic!("a switch's settings parse")
        };
        assert_eq!(switch.cases, ["a", "b"]);
        let Ok(StepSettings::Condition(condition)) = parse(StepKind::Condition, json!({"match": "any", "conditions": "${t1.n} >= 3\n\n"})) else {
            panic!("a condition's settings parse")
        };
        assert!(condition.any);
        assert_eq!(condition.comparisons, [Comparison { left: "${t1.n}".into(), operator: Operator::AtLeast, right: "3".into() }]);
        let problems = parse(StepKind::Condition, json!({"conditions": "nonsense"})).unwrap_err();
        assert!(problems[0].message.contains("\"nonsense\" has no operator"), "{problems:?}");
    }

    #[test]
    fn the_http_trigger_defaults_to_an_api_key_and_async() {
        let Ok(StepSettings::HttpTrigger(http)) = parse(StepKind::HttpTrigger, json!({})) else { panic!("defaults parse") };
        assert_eq!((http.auth, http.mode, http.timeout_seconds), (HttpAuth::ApiKey, HttpMode::Async, SYNC_TIMEOUT_DEFAULT_SECONDS));
        let problems = parse(StepKind::HttpTrigger, json!({"timeoutSeconds": 0})).unwrap_err();
        assert_eq!(problems[0].message, "needs timeoutSeconds between 1 and 25, not \"0\".");
        let Value::Object(settings) = json!({"timeoutSeconds": 60, "mode": "sync"}) else { unreachable!() };
        let http = HttpTriggerSettings::of(&settings);
        assert_eq!((http.timeout_seconds, http.mode), (25, HttpMode::Sync), "a saved timeout out of range is brought into it");
    }

    #[test]
    fn for_each_runs_one_item_at_a_time_unless_told_and_at_most_fifty() {
        assert_eq!(parse(StepKind::ForEach, json!({})), Ok(StepSettings::ForEach { parallel: 1 }));
        assert_eq!(parse(StepKind::ForEach, json!({"parallel": "5"})), Ok(StepSettings::ForEach { parallel: 5 }));
        assert_eq!(parse(StepKind::ForEach, json!({"parallel": 51})).unwrap_err()[0].message, "needs parallel between 1 and 50, not \"51\".");
        assert_eq!(parse(StepKind::ForEach, json!({"parallel": 0})).unwrap_err()[0].key, "parallel");
    }

    #[test]
    fn a_schedule_needs_a_readable_cron_and_defaults_to_utc_and_skip() {
        let Ok(StepSettings::Schedule(schedule)) = parse(StepKind::ScheduleTrigger, json!({"cron": " */5 * * * * "})) else {
            panic!("a schedule's settings parse")
        };
        assert_eq!((schedule.cron_text.as_str(), schedule.time_zone.as_str(), schedule.missed), ("*/5 * * * *", "UTC", Missed::Skip));
        let Ok(StepSettings::Schedule(schedule)) =
            parse(StepKind::ScheduleTrigger, json!({"cron": "0 9 * * *", "timeZone": "Europe/Berlin", "missed": "runOnce"}))
        else {
            panic!("a schedule's settings parse")
        };
        assert_eq!((schedule.time_zone.as_str(), schedule.missed), ("Europe/Berlin", Missed::RunOnce));
        let problems = parse(StepKind::ScheduleTrigger, json!({"cron": "61 * * * *"})).unwrap_err();
        assert_eq!(problems[0].message, "has a cron expression that cannot be read: \"61 * * * *\" has minute 61, which is not between 0 and 59.");
        assert_eq!(parse(StepKind::ScheduleTrigger, json!({})).unwrap_err()[0].key, "cron");
        let problems = parse(StepKind::ScheduleTrigger, json!({"cron": "* * * * *", "timeZone": "Berlin time", "missed": "later"})).unwrap_err();
        assert_eq!(problems.iter().map(|problem| problem.key).collect::<Vec<_>>(), ["timeZone", "missed"]);
    }

    #[test]
    fn an_unknown_kind_is_a_problem() {
        let problems = parse(StepKind::Unknown("teleport".into()), json!({})).unwrap_err();
        assert_eq!(problems[0].message, "names \"teleport\", which is not a step type this server knows.");
    }
}
