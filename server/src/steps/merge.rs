//! Merge: joins paths. The planner starts it once every input is decided and at least one
//! is active, so it only passes the run on.

use futures::future::BoxFuture;
use serde_json::Map;

use super::{Step, StepCall, StepOutcome};
use crate::engine::Engine;

pub struct Merge;

impl Step for Merge {
    fn run<'a>(&'a self, _engine: &'a Engine, _call: &'a StepCall) -> BoxFuture<'a, StepOutcome> {
        Box::pin(async { StepOutcome::done(Map::new(), Vec::new()) })
    }
}
