//! When a Schedule trigger is due: the instants a cron expression names in an IANA time zone
//! (DST-correct, with the zone database `jiff` brings), and the pure decision of what the
//! scheduler does next for one trigger, given the last due time it handled. The scheduler
//! worker (server) applies the decisions through `store::flow_schedules`, which advances the
//! last due time and creates the run in one transaction; nothing here reads a clock.
//!
//! Daylight saving time:
//! - a local time that does not exist (spring forward, e.g. 02:30 in Europe/Berlin on the last
//!   Sunday of March) is due at the instant the clock jumps (03:00 local); several such times
//!   collapse into that one instant, which fires once;
//! - a local time that happens twice (fall back) is due once, at its first occurrence.

use jiff::{
    Timestamp,
    civil::{DateTime, Time},
    tz::{AmbiguousOffset, TimeZone},
};
use outflow_model::flows::{Block, BlockKind, BlockType, DueTime, Missed, SCHEDULE_TRIGGER, SchedulePreview, ScheduleSettings, StepSettings};

use crate::clock;

/// A due time more than this late while the server runs (a suspended machine, a stalled
/// process) counts as missed, as one that passed while it was down does.
pub const LATE_MS: i64 = 10 * 60_000;
/// How far ahead a due time is looked for: a cron that names no day in this long (`0 0 30 2 *`)
/// never comes due.
const SEARCH_DAYS: usize = 366 * 8 + 2;
/// Local times earlier than this before the starting one are not looked at (no zone's fold is
/// this long, so nothing after the starting instant is missed).
const FOLD_MARGIN_MS: i64 = 3 * 3_600_000;
const DAY_MS: i64 = 86_400_000;

/// A cron expression in a time zone.
#[derive(Clone, Debug)]
pub struct Schedule {
    settings: ScheduleSettings,
    zone: TimeZone,
}

impl Schedule {
    /// The schedule of parsed settings; an error (reading after the block's name) when the
    /// time zone is not one the zone database knows.
    pub fn new(settings: &ScheduleSettings) -> Result<Schedule, String> {
        let zone = TimeZone::get(&settings.time_zone).map_err(|_| {
            format!("has the time zone \"{}\", which this server does not know: use an IANA name such as Europe/Berlin.", settings.time_zone)
        })?;
        Ok(Schedule { settings: settings.clone(), zone })
    }

    pub fn missed(&self) -> Missed {
        self.settings.missed
    }

    /// What identifies when it fires: a change to it re-arms the trigger (no burst of old times).
    pub fn fingerprint(&self) -> String {
        format!("{}\n{}", self.settings.cron_text, self.settings.time_zone)
    }

    /// The instant a local time is due at (see the module's DST rules).
    fn instant(&self, local: DateTime) -> Option<i64> {
        let at = match self.zone.to_ambiguous_timestamp(local).offset() {
            AmbiguousOffset::Unambiguous { offset } => offset.to_timestamp(local).ok()?,
            AmbiguousOffset::Fold { before, .. } => before.to_timestamp(local).ok()?,
            AmbiguousOffset::Gap { after, .. } => {
                // Read with the offset after the jump, the time lies before the jump: the jump is
                // the next transition.
                let ahead = after.to_timestamp(local).ok()?;
                self.zone.following(ahead).next()?.timestamp()
            }
        };
        Some(at.as_millisecond())
    }

    /// The first due time strictly after `after` (ms since the epoch), if any in the next
    /// eight years.
    pub fn next_after(&self, after: i64) -> Option<i64> {
        let cron = &self.settings.cron;
        let from = Timestamp::from_millisecond(after.saturating_sub(FOLD_MARGIN_MS)).ok()?;
        let earliest = self.zone.to_offset(from).to_datetime(from);
        let mut date = earliest.date();
        for _ in 0..SEARCH_DAYS {
            let weekday = date.weekday().to_sunday_zero_offset() as u32;
            if cron.month(date.month() as u32) && cron.day(date.day() as u32, weekday) {
                for hour in cron.hours() {
                    for minute in cron.minutes() {
                        let local = DateTime::from_parts(date, Time::new(hour as i8, minute as i8, 0, 0).ok()?);
                        if local < earliest {
                            continue;
                        }
                        // Instants grow with local times (a fold's first pass, a gap's jump), so
                        // the first one past `after` is the next.
                        match self.instant(local) {
                            Some(at) if at > after => return Some(at),
                            _ => {}
                        }
                    }
                }
            }
            date = date.tomorrow().ok()?;
        }
        None
    }

    /// The latest due time in `(floor, bound)`, if any.
    pub fn latest_before(&self, bound: i64, floor: i64) -> Option<i64> {
        let mut window = DAY_MS;
        loop {
            let from = floor.max(bound.saturating_sub(window));
            let mut found = None;
            let mut at = from;
            while let Some(due) = self.next_after(at).filter(|due| *due < bound) {
                found = Some(due);
                at = due;
            }
            if found.is_some() || from == floor {
                return found;
            }
            window = window.saturating_mul(4);
        }
    }

    /// The next `count` due times after `after`, as the designer shows them.
    pub fn preview(&self, after: i64, count: usize) -> SchedulePreview {
        let mut next = Vec::with_capacity(count);
        let mut at = after;
        while next.len() < count {
            let Some(due) = self.next_after(at) else { break };
            next.push(self.due_time(due));
            at = due;
        }
        SchedulePreview { summary: self.settings.cron.describe(), time_zone: self.settings.time_zone.clone(), next }
    }

    /// A due time in UTC and in the schedule's zone.
    pub fn due_time(&self, due: i64) -> DueTime {
        let zoned = Timestamp::from_millisecond(due).unwrap_or(Timestamp::UNIX_EPOCH).to_zoned_datetime(self.zone.clone());
        DueTime {
            utc: clock::rfc3339(due),
            local: zoned.strftime("%Y-%m-%dT%H:%M:%S%:z").to_string(),
            label: zoned.strftime("%a %-d %b %Y, %H:%M (UTC%:z)").to_string(),
        }
    }

    /// The outputs of a run for due time `due`, fired at `now`.
    pub fn payload(&self, due: i64, now: i64) -> serde_json::Value {
        let local = self.due_time(due);
        serde_json::json!({
            "scheduledAt": local.utc,
            "scheduledAtLocal": local.local,
            "firedAt": clock::rfc3339(now),
            "timeZone": self.settings.time_zone,
        })
    }
}

/// What the scheduler does next for one trigger.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// Nothing is due; the next due time, if the cron has one.
    Wait(Option<i64>),
    /// Start a run for this due time and make it the last one handled.
    Fire(i64),
    /// Make this due time the last one handled without a run (missed ones, `skip`).
    Skip(i64),
}

/// The next step for a trigger whose last handled due time is `last_due`, at `now`, in a
/// server that started at `started_at`. A due time is *missed* when it passed before the
/// server started (it was down) or is more than [`LATE_MS`] late; missed ones are skipped
/// (`skip`) or the latest of them fires once (`runOnce`); every other due time fires, in order.
pub fn next_step(schedule: &Schedule, last_due: i64, started_at: i64, now: i64) -> Step {
    let Some(first) = schedule.next_after(last_due) else { return Step::Wait(None) };
    if first > now {
        return Step::Wait(Some(first));
    }
    let on_time_from = started_at.max(now - LATE_MS);
    if first >= on_time_from {
        return Step::Fire(first);
    }
    let latest_missed = schedule.latest_before(on_time_from, last_due).unwrap_or(first);
    match schedule.missed() {
        Missed::Skip => Step::Skip(latest_missed),
        Missed::RunOnce => Step::Fire(latest_missed),
    }
}

/// The Schedule trigger blocks of a graph that cannot run, each as a sentence naming the
/// block: an unreadable or missing cron, a time zone this server does not know, a cron that
/// never comes due. A flow with one is not published.
pub fn graph_problems(blocks: &[Block], now: i64) -> Vec<String> {
    let mut problems = Vec::new();
    for block in blocks.iter().filter(|block| block.kind == BlockKind::Trigger && block.trigger.as_deref() == Some(SCHEDULE_TRIGGER)) {
        let Some(BlockType::Step(spec)) = block.block_type() else { continue };
        let title = block.title();
        match StepSettings::parse(&spec.kind, &block.settings) {
            Ok(StepSettings::Schedule(settings)) => match Schedule::new(&settings) {
                Ok(schedule) if schedule.next_after(now).is_none() => {
                    problems.push(format!("\"{title}\" has a cron expression that never comes due: \"{}\".", settings.cron_text))
                }
                Ok(_) => {}
                Err(problem) => problems.push(format!("\"{title}\" {problem}")),
            },
            Ok(_) => {}
            Err(found) => problems.extend(found.into_iter().map(|problem| format!("\"{title}\" {}", problem.message))),
        }
    }
    problems
}

/// A schedule from the designer's settings, for its preview: the settings' problems, or the
/// zone's, as one sentence.
pub fn from_settings(cron: &str, time_zone: &str) -> Result<Schedule, String> {
    let settings = serde_json::json!({"cron": cron, "timeZone": time_zone});
    let settings = settings.as_object().cloned().unwrap_or_default();
    match StepSettings::parse(&outflow_model::flows::StepKind::ScheduleTrigger, &settings) {
        Ok(StepSettings::Schedule(settings)) => Schedule::new(&settings).map_err(|problem| format!("The schedule {problem}")),
        Ok(_) => Err("The schedule cannot be read.".to_string()),
        Err(problems) => Err(problems.into_iter().map(|problem| format!("The schedule {}", problem.message)).collect::<Vec<_>>().join(" ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schedule(cron: &str, zone: &str, missed: &str) -> Schedule {
        let settings = serde_json::json!({"cron": cron, "timeZone": zone, "missed": missed});
        let Ok(StepSettings::Schedule(settings)) =
            StepSettings::parse(&outflow_model::flows::StepKind::ScheduleTrigger, settings.as_object().expect("an object"))
        else {
            panic!("{cron} parses")
        };
        Schedule::new(&settings).expect("a known zone")
    }

    fn ms(text: &str) -> i64 {
        clock::parse_rfc3339(text).unwrap_or_else(|| panic!("{text} is RFC 3339"))
    }

    /// The next `n` due times after `after`, in UTC.
    fn next(schedule: &Schedule, after: &str, n: usize) -> Vec<String> {
        schedule.preview(ms(after), n).next.into_iter().map(|due| due.utc).collect()
    }

    #[test]
    fn every_minute_steps_and_ranges_in_utc() {
        let every = schedule("* * * * *", "UTC", "skip");
        assert_eq!(next(&every, "2026-01-01T10:00:00Z", 2), ["2026-01-01T10:01:00.000Z", "2026-01-01T10:02:00.000Z"]);
        assert_eq!(next(&every, "2026-01-01T10:00:30Z", 1), ["2026-01-01T10:01:00.000Z"], "strictly after, on whole minutes");
        let steps = schedule("*/20 9-10 * * *", "UTC", "skip");
        assert_eq!(next(&steps, "2026-01-01T10:30:00Z", 3), ["2026-01-01T10:40:00.000Z", "2026-01-02T09:00:00.000Z", "2026-01-02T09:20:00.000Z"]);
    }

    #[test]
    fn month_ends_and_leap_days() {
        let last_day = schedule("0 0 31 * *", "UTC", "skip");
        assert_eq!(
            next(&last_day, "2026-01-31T00:00:00Z", 3),
            ["2026-03-31T00:00:00.000Z", "2026-05-31T00:00:00.000Z", "2026-07-31T00:00:00.000Z"],
            "months without a 31st are skipped"
        );
        let leap = schedule("0 12 29 2 *", "UTC", "skip");
        assert_eq!(next(&leap, "2026-01-01T00:00:00Z", 2), ["2028-02-29T12:00:00.000Z", "2032-02-29T12:00:00.000Z"]);
        let never = schedule("0 0 30 2 *", "UTC", "skip");
        assert_eq!(never.next_after(ms("2026-01-01T00:00:00Z")), None);
    }

    #[test]
    fn day_of_month_or_day_of_week_in_time() {
        // The 13th or any Friday: Fri 2 Jan, Fri 9 Jan, Tue 13 Jan, Fri 16 Jan 2026.
        let c = schedule("0 8 13 * FRI", "UTC", "skip");
        assert_eq!(
            next(&c, "2026-01-01T00:00:00Z", 4),
            ["2026-01-02T08:00:00.000Z", "2026-01-09T08:00:00.000Z", "2026-01-13T08:00:00.000Z", "2026-01-16T08:00:00.000Z"]
        );
    }

    #[test]
    fn local_times_in_a_zone_follow_its_offset() {
        let berlin = schedule("30 9 * * MON-FRI", "Europe/Berlin", "skip");
        // Friday 2 January 2026 (winter, +01:00), then Monday 5 January.
        let preview = berlin.preview(ms("2026-01-02T00:00:00Z"), 2);
        assert_eq!(preview.next[0].utc, "2026-01-02T08:30:00.000Z");
        assert_eq!(preview.next[0].local, "2026-01-02T09:30:00+01:00");
        assert_eq!(preview.next[0].label, "Fri 2 Jan 2026, 09:30 (UTC+01:00)");
        assert_eq!(preview.next[1].utc, "2026-01-05T08:30:00.000Z");
        assert_eq!(preview.summary, "At 09:30, on Monday–Friday.");
        // Summer: +02:00.
        assert_eq!(next(&berlin, "2026-07-01T00:00:00Z", 1), ["2026-07-01T07:30:00.000Z"]);
    }

    #[test]
    fn spring_forward_a_missing_local_time_is_due_when_the_clock_jumps_once() {
        // Europe/Berlin jumps from 02:00 to 03:00 (+01:00 → +02:00) on 29 March 2026, at 01:00Z.
        let daily = schedule("30 2 * * *", "Europe/Berlin", "skip");
        let due = daily.preview(ms("2026-03-28T12:00:00Z"), 3);
        let utc: Vec<&str> = due.next.iter().map(|due| due.utc.as_str()).collect();
        assert_eq!(utc, ["2026-03-29T01:00:00.000Z", "2026-03-30T00:30:00.000Z", "2026-03-31T00:30:00.000Z"]);
        assert_eq!(due.next[0].local, "2026-03-29T03:00:00+02:00");
        // Every 15 minutes: 02:00–02:45 do not exist and collapse into 03:00, which fires once.
        let quarter = schedule("*/15 * * * *", "Europe/Berlin", "skip");
        assert_eq!(
            next(&quarter, "2026-03-29T00:30:00Z", 4),
            ["2026-03-29T00:45:00.000Z", "2026-03-29T01:00:00.000Z", "2026-03-29T01:15:00.000Z", "2026-03-29T01:30:00.000Z"]
        );
    }

    #[test]
    fn fall_back_a_repeated_local_time_is_due_once_at_its_first_occurrence() {
        // Europe/Berlin repeats 02:00–02:59 on 25 October 2026: first at +02:00 (00:00Z–00:59Z),
        // again at +01:00 (01:00Z–01:59Z).
        let daily = schedule("30 2 * * *", "Europe/Berlin", "skip");
        assert_eq!(
            next(&daily, "2026-10-24T12:00:00Z", 2),
            ["2026-10-25T00:30:00.000Z", "2026-10-26T01:30:00.000Z"],
            "once, at 02:30 +02:00; not again at 02:30 +01:00"
        );
        // Asked during the second pass, the repeated time is not due again.
        assert_eq!(next(&daily, "2026-10-25T01:10:00Z", 1), ["2026-10-26T01:30:00.000Z"]);
        let hourly = schedule("0 * * * *", "Europe/Berlin", "skip");
        assert_eq!(
            next(&hourly, "2026-10-24T23:30:00Z", 3),
            ["2026-10-25T00:00:00.000Z", "2026-10-25T02:00:00.000Z", "2026-10-25T03:00:00.000Z"],
            "02:00 fires once; 03:00 +01:00 is next"
        );
    }

    #[test]
    fn us_zones_too() {
        // America/New_York springs forward at 02:00 on 8 March 2026 (07:00Z).
        let c = schedule("30 2 * * *", "America/New_York", "skip");
        assert_eq!(next(&c, "2026-03-07T12:00:00Z", 2), ["2026-03-08T07:00:00.000Z", "2026-03-09T06:30:00.000Z"]);
    }

    #[test]
    fn an_unknown_zone_or_a_cron_that_never_comes_due_is_named() {
        assert_eq!(
            from_settings("* * * * *", "Mars/Olympus").unwrap_err(),
            "The schedule has the time zone \"Mars/Olympus\", which this server does not know: use an IANA name such as Europe/Berlin."
        );
        assert!(from_settings("61 * * * *", "UTC").unwrap_err().starts_with("The schedule has a cron expression that cannot be read"));
        let block = |cron: &str, zone: &str| Block {
            id: "s1".into(),
            kind: BlockKind::Trigger,
            trigger: Some(SCHEDULE_TRIGGER.into()),
            step: None,
            label: "Nightly".into(),
            settings: serde_json::json!({"cron": cron, "timeZone": zone}).as_object().cloned().unwrap_or_default(),
            inputs: Default::default(),
            position: Default::default(),
        };
        let now = ms("2026-01-01T00:00:00Z");
        assert!(graph_problems(&[block("0 3 * * *", "Europe/Berlin")], now).is_empty());
        assert_eq!(
            graph_problems(&[block("0 3 * * *", "Europe/Atlantis")], now),
            ["\"Nightly\" has the time zone \"Europe/Atlantis\", which this server does not know: use an IANA name such as Europe/Berlin."]
        );
        assert_eq!(graph_problems(&[block("0 0 30 2 *", "UTC")], now), ["\"Nightly\" has a cron expression that never comes due: \"0 0 30 2 *\"."]);
        assert_eq!(graph_problems(&[block("", "UTC")], now), ["\"Nightly\" needs a cron expression, e.g. 0 9 * * MON-FRI."]);
    }

    const MINUTE: i64 = 60_000;

    #[test]
    fn on_time_due_times_fire_one_by_one() {
        let every = schedule("* * * * *", "UTC", "skip");
        let (t0, started) = (ms("2026-01-01T10:00:00Z"), ms("2026-01-01T09:00:00Z"));
        assert_eq!(next_step(&every, t0, started, t0 + 30_000), Step::Wait(Some(t0 + MINUTE)));
        assert_eq!(next_step(&every, t0, started, t0 + MINUTE), Step::Fire(t0 + MINUTE));
        // Late by a little (a busy server): each due time still fires, the oldest first.
        assert_eq!(next_step(&every, t0, started, t0 + 3 * MINUTE + 5_000), Step::Fire(t0 + MINUTE));
        assert_eq!(next_step(&every, t0 + MINUTE, started, t0 + 3 * MINUTE + 5_000), Step::Fire(t0 + 2 * MINUTE));
    }

    #[test]
    fn times_missed_while_down_are_skipped_or_run_once_for_the_latest() {
        let (t0, restarted) = (ms("2026-01-01T10:00:00Z"), ms("2026-01-01T10:05:30Z"));
        let skip = schedule("* * * * *", "UTC", "skip");
        // Down from before 10:01 until 10:05:30: 10:01–10:05 were missed.
        assert_eq!(next_step(&skip, t0, restarted, restarted), Step::Skip(t0 + 5 * MINUTE));
        assert_eq!(next_step(&skip, t0 + 5 * MINUTE, restarted, restarted), Step::Wait(Some(t0 + 6 * MINUTE)));
        assert_eq!(next_step(&skip, t0 + 5 * MINUTE, restarted, t0 + 6 * MINUTE), Step::Fire(t0 + 6 * MINUTE), "then on time again");
        let once = schedule("* * * * *", "UTC", "runOnce");
        assert_eq!(next_step(&once, t0, restarted, restarted), Step::Fire(t0 + 5 * MINUTE), "one run, for the latest missed");
        assert_eq!(next_step(&once, t0 + 5 * MINUTE, restarted, restarted), Step::Wait(Some(t0 + 6 * MINUTE)));
        // A daily schedule missed for three days runs once, for the latest day.
        let daily = schedule("0 6 * * *", "UTC", "runOnce");
        let (last, back) = (ms("2026-01-01T06:00:00Z"), ms("2026-01-04T12:00:00Z"));
        assert_eq!(next_step(&daily, last, back, back), Step::Fire(ms("2026-01-04T06:00:00Z")));
    }

    #[test]
    fn a_due_time_far_too_late_while_running_counts_as_missed() {
        let every = schedule("*/5 * * * *", "UTC", "skip");
        let (t0, started) = (ms("2026-01-01T10:00:00Z"), ms("2026-01-01T09:00:00Z"));
        // The machine slept an hour: 10:05…10:50 are more than LATE_MS late; 10:55 and 11:00 are not.
        let woke = ms("2026-01-01T11:02:00Z");
        assert_eq!(next_step(&every, t0, started, woke), Step::Skip(ms("2026-01-01T10:50:00Z")));
        assert_eq!(next_step(&every, ms("2026-01-01T10:50:00Z"), started, woke), Step::Fire(ms("2026-01-01T10:55:00Z")));
    }
}
