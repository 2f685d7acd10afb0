//! Condition: comparisons, one per line (`left operator right`, see
//! `outflow_model::flows::parse_comparison`), joined with AND (`match: all`) or OR (`any`).
//! Each side is resolved on its own, so a value holding an operator cannot confuse it. The
//! `true` or `false` port is active.

use futures::future::BoxFuture;
use outflow_model::flows::parse_comparison;
use serde_json::{Map, Value};

use super::{Step, StepCall, StepOutcome, line};
use crate::engine::Engine;

pub struct Condition;

impl Step for Condition {
    fn run<'a>(&'a self, _engine: &'a Engine, call: &'a StepCall) -> BoxFuture<'a, StepOutcome> {
        Box::pin(async move {
            let any = call.setting("match") == "any";
            let mut logs = Vec::new();
            let mut results = Vec::new();
            for text in call.block.setting_text("conditions").lines().filter(|text| !text.trim().is_empty()) {
                let comparison = match parse_comparison(text) {
                    Ok(comparison) => comparison,
                    Err(error) => return StepOutcome::Failed { error, logs },
                };
                let (left, right) = match (call.resolver.resolve_text(comparison.left), call.resolver.resolve_text(comparison.right)) {
                    (Ok(left), Ok(right)) => (left, right),
                    (Err(error), _) | (_, Err(error)) => return StepOutcome::Failed { error, logs },
                };
                let holds = comparison.operator.holds(&left, &right);
                logs.push(line(format!("{} → \"{left}\" vs \"{right}\": {holds}", text.trim())));
                results.push(holds);
            }
            if results.is_empty() {
                return StepOutcome::Failed { error: "The condition has no comparisons.".into(), logs };
            }
            let result = if any { results.iter().any(|holds| *holds) } else { results.iter().all(|holds| *holds) };
            let mut outputs = Map::new();
            outputs.insert("result".into(), Value::Bool(result));
            StepOutcome::Done { outputs, ports: Some(vec![result.to_string()]), logs }
        })
    }
}
