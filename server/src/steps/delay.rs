//! Delay: a durable timer. The step answers when to continue; the executor records it as
//! waiting with that due time before anything else happens, so a restart continues the
//! countdown instead of starting it again.

use futures::future::BoxFuture;
use outflow_model::flows::DELAY_MAX_SECONDS;
use serde_json::Map;

use super::{Step, StepCall, StepOutcome};
use crate::engine::Engine;

pub struct Delay;

impl Step for Delay {
    fn run<'a>(&'a self, _engine: &'a Engine, call: &'a StepCall) -> BoxFuture<'a, StepOutcome> {
        Box::pin(async move {
            match call.block.number_setting("seconds") {
                Some(0) => StepOutcome::done(Map::new(), Vec::new()),
                Some(seconds) if seconds <= DELAY_MAX_SECONDS => {
                    StepOutcome::Wait { until: call.started_at + i64::try_from(seconds * 1000).unwrap_or(i64::MAX / 2) }
                }
                _ => StepOutcome::failed(format!(
                    "A delay needs seconds from 0 to {DELAY_MAX_SECONDS}, not \"{}\".",
                    call.block.setting_text("seconds")
                )),
            }
        })
    }
}
