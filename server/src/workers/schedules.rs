//! The scheduler: fires the Schedule triggers of enabled, published flows. Each round it
//! reads every such trigger, arms a new or changed one at the current time, and for each asks
//! `outflow_core::schedule::next_step` what is due; the store advances the trigger's last due
//! time and creates the run in one compare-and-set transaction, so a due time fires once
//! across restarts. It sleeps until the next due time, a publish, or its longest nap.
//!
//! Its clock is the system's, or — a test aid only (`--schedule-clock-file`) — a file holding
//! the current time in milliseconds since the epoch, re-read every 50 ms, so tests move time
//! minute by minute without waiting. Nothing else in the server reads that file.

use std::{collections::HashSet, path::PathBuf, sync::Arc, time::Duration};

use outflow_core::{
    Store, clock,
    schedule::{self, Schedule, Step},
    store::{self, Advanced, ScheduleAdvance, ScheduledTrigger},
};
use outflow_model::flows::{StepKind, StepSettings};
use tokio::sync::watch;

use super::{Wakeups, Work, breathe, pause};

/// Longest sleep: a trigger published without a wake-up (another process) is armed this late at most.
const MAX_SLEEP: Duration = Duration::from_secs(30);
/// Shortest sleep, so a failing database is not hammered.
const MIN_SLEEP: Duration = Duration::from_millis(5);
/// How often a clock file is read again.
const FILE_POLL: Duration = Duration::from_millis(50);
/// Most due times one trigger handles per round, so one trigger cannot starve the others.
const STEPS_PER_ROUND: usize = 100;

/// Where the scheduler's "now" comes from.
#[derive(Clone, Debug)]
pub enum SchedulerClock {
    System,
    /// A file holding milliseconds since the epoch (tests).
    File(PathBuf),
}

impl SchedulerClock {
    /// The current time, if the clock can be read.
    pub fn now(&self) -> Option<i64> {
        match self {
            SchedulerClock::System => Some(clock::now_millis()),
            SchedulerClock::File(path) => match std::fs::read_to_string(path).map(|text| text.trim().parse::<i64>()) {
                Ok(Ok(now)) => Some(now),
                Ok(Err(_)) | Err(_) => {
                    tracing::warn!(path = %path.display(), "the schedule clock file does not hold milliseconds since the epoch");
                    None
                }
            },
        }
    }

    fn longest_sleep(&self) -> Duration {
        match self {
            SchedulerClock::System => MAX_SLEEP,
            SchedulerClock::File(_) => FILE_POLL,
        }
    }
}

/// Runs the scheduler. `started_at` is when the server started, by `clock` (read before the
/// server announced itself): due times before it passed while no server ran, and the
/// triggers' `missed` setting decides about them.
pub async fn run(store: Store, clock: SchedulerClock, started_at: Option<i64>, wakeups: Arc<Wakeups>, mut shutdown: watch::Receiver<bool>) {
    let started_at = match started_at {
        Some(started_at) => started_at,
        None => loop {
            match clock.now() {
                Some(now) => break now,
                None if !breathe(clock.longest_sleep(), &mut shutdown).await => return,
                None => {}
            }
        },
    };
    let mut reported = HashSet::new();
    loop {
        let sleep = match clock.now() {
            Some(now) => match round(&store, started_at, now, &mut reported).await {
                Some(due) => Duration::from_millis(u64::try_from(due - now).unwrap_or(0)),
                None => MAX_SLEEP,
            },
            None => MAX_SLEEP,
        };
        if !pause(wakeups.signal(Work::Schedules), sleep.clamp(MIN_SLEEP, clock.longest_sleep()), &mut shutdown).await {
            return;
        }
    }
}

/// Handles everything due at `now`; answers the next due time of any trigger.
async fn round(store: &Store, started_at: i64, now: i64, reported: &mut HashSet<String>) -> Option<i64> {
    let triggers = match store::scheduled_triggers(store).await {
        Ok(triggers) => triggers,
        Err(error) => {
            tracing::error!(%error, "cannot read the flows' schedules");
            return None;
        }
    };
    let mut earliest: Option<i64> = None;
    for trigger in triggers {
        let span = tracing::info_span!("schedule", flow_id = %trigger.flow.id, block_id = %trigger.block.id);
        let _entered = span.enter();
        let Some(schedule) = schedule_of(&trigger, reported) else { continue };
        if let Some(due) = fire_due(store, &trigger, &schedule, started_at, now).await {
            earliest = Some(earliest.map_or(due, |earliest| earliest.min(due)));
        }
    }
    earliest
}

/// The trigger's schedule; one that cannot run (published before this server knew better, or
/// a zone database without its zone) is reported once and left alone.
fn schedule_of(trigger: &ScheduledTrigger, reported: &mut HashSet<String>) -> Option<Schedule> {
    let problem = match StepSettings::parse(&StepKind::ScheduleTrigger, &trigger.block.settings) {
        Ok(StepSettings::Schedule(settings)) => match Schedule::new(&settings) {
            Ok(schedule) => return Some(schedule),
            Err(problem) => problem,
        },
        Ok(_) => "is not a schedule".to_string(),
        Err(problems) => problems.into_iter().map(|problem| problem.message).collect::<Vec<_>>().join(" "),
    };
    if reported.insert(format!("{}\n{}\n{problem}", trigger.flow.id, trigger.block.id)) {
        tracing::warn!("the schedule \"{}\" of the flow \"{}\" does not run: it {problem}", trigger.block.title(), trigger.flow.name);
    }
    None
}

/// Fires or skips what is due for one trigger; answers its next due time (now, when it has
/// more to do than one round does).
async fn fire_due(store: &Store, trigger: &ScheduledTrigger, schedule: &Schedule, started_at: i64, now: i64) -> Option<i64> {
    let fingerprint = schedule.fingerprint();
    let mut last_due = match &trigger.armed {
        Some((armed, last_due)) if *armed == fingerprint => *last_due,
        _ => match store::arm_schedule(store, &trigger.flow.id, &trigger.block.id, &fingerprint, now).await {
            Ok(Some(last_due)) => last_due,
            // Turned off meanwhile.
            Ok(None) => return None,
            Err(error) => {
                tracing::error!(%error, "cannot arm the schedule");
                return None;
            }
        },
    };
    for _ in 0..STEPS_PER_ROUND {
        let (due, fires) = match schedule::next_step(schedule, last_due, started_at, now) {
            Step::Wait(next) => return next,
            Step::Fire(due) => (due, true),
            Step::Skip(due) => (due, false),
        };
        let advance = ScheduleAdvance {
            trigger: trigger.clone(),
            fingerprint: fingerprint.clone(),
            last_due,
            due,
            payload: fires.then(|| schedule.payload(due, now)),
        };
        match store::advance_schedule(store, advance).await {
            Ok(Advanced::Fired(run_id)) => tracing::info!(%run_id, scheduled_at = %clock::rfc3339(due), "schedule fired"),
            Ok(Advanced::Skipped) => tracing::info!(through = %clock::rfc3339(due), "skipped the due times missed while down"),
            // Changed under us (turned off, re-armed, another server): the next round re-reads it.
            Ok(Advanced::Lost) => return Some(now),
            Err(error) => {
                tracing::error!(%error, "cannot fire the schedule");
                return None;
            }
        }
        last_due = due;
    }
    Some(now)
}
