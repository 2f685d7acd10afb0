//! Switch: routes on one value. The port of the first case equal to the value is active,
//! or `default` when none is; everything reachable only through other ports is skipped.

use futures::future::BoxFuture;
use serde_json::{Map, Value};

use super::{Step, StepCall, StepOutcome, line};
use crate::engine::Engine;

pub struct Switch;

impl Step for Switch {
    fn run<'a>(&'a self, _engine: &'a Engine, call: &'a StepCall) -> BoxFuture<'a, StepOutcome> {
        Box::pin(async move {
            let value = call.setting("value");
            let port = call.block.names_setting("cases").into_iter().find(|case| *case == value).unwrap_or_else(|| "default".to_string());
            let logs = vec![line(format!("\"{value}\" goes to \"{port}\""))];
            let mut outputs = Map::new();
            outputs.insert("value".into(), Value::String(value));
            StepOutcome::Done { outputs, ports: Some(vec![port]), logs }
        })
    }
}
