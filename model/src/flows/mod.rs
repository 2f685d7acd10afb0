//! Flows (SPEC §6): the export format of a flow graph, the step catalogue described as data,
//! and the graph rules. One implementation serves the server (which refuses a save with
//! errors) and the browser (which shows the same errors, and the warnings as badges).
//! Pure: no IO, no clock, no randomness.
//!
//! - [`document`]: the wire types (a flow, its blocks and edges, versions);
//! - [`catalogue`]: every step type as data ([`StepKind`], [`StepSpec`], [`STEPS`]);
//! - [`outputs`]: what blocks offer later steps, typed: each trigger's payload fields and
//!   the form's flagged properties;
//! - [`block`]: what a block is and offers (type, ports, outputs), read from its catalogue entry;
//! - [`settings`]: a block's settings parsed into typed structs, by the one parser that both
//!   validation and the executor use;
//! - [`loops`]: the For Each bodies (what each `each` port reaches), for validation and the executor;
//! - [`comparison`]: the Condition step's comparison lines;
//! - [`cron`]: the Schedule trigger's cron expressions (syntax and meaning; instants are the server's);
//! - [`validate`]: the graph rules (errors refuse a save, warnings are badges);
//! - [`placeholders`]: `${block.output}` references and what is upstream of a block;
//! - [`resolve`]: resolving them against the outputs of a run;
//! - [`layout`]: automatic placement.

pub mod block;
pub mod catalogue;
pub mod comparison;
pub mod cron;
pub mod document;
pub mod layout;
pub mod loops;
pub mod outputs;
pub mod placeholders;
pub mod resolve;
pub mod settings;
pub mod validate;

#[cfg(test)]
pub(crate) mod tests;

pub use block::BlockType;
pub use catalogue::*;
pub use comparison::{Comparison, Operator, parse_comparison};
pub use cron::{Cron, CronError, DueTime, SchedulePreview};
pub use document::*;
pub use layout::auto_layout;
pub use loops::Loops;
pub use outputs::{JsonType, Output, OutputSpec, trigger_offers, trigger_outputs};
pub use placeholders::{Placeholder, placeholder, placeholders, upstream};
pub use resolve::{Resolver, as_text};
pub use settings::{
    DEFAULT_TIME_ZONE, DELAY_MAX_SECONDS, Missed, SYNC_TIMEOUT_DEFAULT_SECONDS, SYNC_TIMEOUT_MAX_SECONDS, ScheduleSettings, ScriptSettings,
    StepSettings, WEBHOOK_MAX_RETRIES,
};
pub use validate::{Issue, IssueCode, Validation, find_cycle, validate};

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
/// The trigger key of Called by a flow, which a Call Flow step starts.
pub const CALL_TRIGGER: &str = "call";
/// Deepest nesting of flows calling flows: a Call Flow step of the run at this depth fails.
pub const MAX_CALL_DEPTH: i64 = 10;
/// The trigger key of the Schedule trigger, which starts a flow at the times of a cron expression.
pub const SCHEDULE_TRIGGER: &str = "schedule";
