//! The steps that are pure functions of their settings, their upstream outputs and the
//! time: Switch, Condition, Merge and Delay. The machine runs them at once.

use serde_json::{Map, Value};

use super::Outcome;
use crate::flows::{Resolver, StepKind, StepSettings, settings::ConditionSettings};

/// Runs a pure step; `None` for a step that does IO (the driver runs it).
pub fn run(kind: &StepKind, settings: &StepSettings, resolver: &Resolver, now: i64) -> Option<Outcome> {
    Some(match (kind, settings) {
        (StepKind::Merge, _) => Outcome::done(Map::new(), Vec::new()),
        (StepKind::Delay, StepSettings::Delay { seconds: 0 }) => Outcome::done(Map::new(), Vec::new()),
        (StepKind::Delay, StepSettings::Delay { seconds }) => {
            Outcome::Wait { until: now.saturating_add(i64::try_from(seconds * 1000).unwrap_or(i64::MAX / 2)) }
        }
        (StepKind::Switch, StepSettings::Switch(switch)) => {
            let port = switch.cases.iter().find(|case| **case == switch.value).cloned().unwrap_or_else(|| "default".to_string());
            let logs = vec![(now, format!("\"{}\" goes to \"{port}\"", switch.value))];
            let mut outputs = Map::new();
            outputs.insert("value".into(), Value::String(switch.value.clone()));
            Outcome::Done { outputs, ports: Some(vec![port]), logs }
        }
        (StepKind::Condition, StepSettings::Condition(condition)) => condition_outcome(condition, resolver, now),
        _ => return None,
    })
}

/// Every comparison resolved and checked, joined with AND (`match: all`) or OR (`any`).
fn condition_outcome(condition: &ConditionSettings, resolver: &Resolver, now: i64) -> Outcome {
    let mut logs = Vec::new();
    let mut results = Vec::new();
    for comparison in &condition.comparisons {
        let (left, right) = match (resolver.resolve_text(&comparison.left), resolver.resolve_text(&comparison.right)) {
            (Ok(left), Ok(right)) => (left, right),
            (Err(error), _) | (_, Err(error)) => return Outcome::Failed { error, logs },
        };
        let holds = comparison.operator.holds(&left, &right);
        logs.push((now, format!("{} {} {} → \"{left}\" vs \"{right}\": {holds}", comparison.left, comparison.operator.written(), comparison.right)));
        results.push(holds);
    }
    if results.is_empty() {
        return Outcome::Failed { error: "The condition has no comparisons.".into(), logs };
    }
    let result = if condition.any { results.iter().any(|holds| *holds) } else { results.iter().all(|holds| *holds) };
    let mut outputs = Map::new();
    outputs.insert("result".into(), Value::Bool(result));
    Outcome::Done { outputs, ports: Some(vec![result.to_string()]), logs }
}
