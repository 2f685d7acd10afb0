//! Cron expressions of the Schedule trigger: five fields (minute, hour, day of month, month,
//! day of week) with `*`, lists, ranges, steps and the names `JAN`–`DEC` and `SUN`–`SAT`,
//! plus `@hourly`, `@daily`, `@weekly`, `@monthly` and `@yearly`. Pure and dependency-free,
//! so the browser checks the syntax as the server does; which instants a cron names in a
//! time zone is the server's business (`outflow_core::schedule`), with its zone database.
//!
//! Days follow Vixie cron: when both the day of month and the day of week are restricted
//! (neither field starts with `*`), a day matches if *either* does; otherwise both must.

use std::fmt;

use serde::{Deserialize, Serialize};

/// What the designer shows under a Schedule trigger: the cron in words and its next due
/// times, computed by the server in the trigger's time zone.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SchedulePreview {
    pub summary: String,
    pub time_zone: String,
    pub next: Vec<DueTime>,
}

/// One due time: RFC 3339 in UTC and in the schedule's time zone (with its offset).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DueTime {
    pub utc: String,
    pub local: String,
    /// For people: `Sun 29 Mar 2026, 03:00 (UTC+02:00)`.
    pub label: String,
}

/// A parsed cron expression: one bit per allowed value of each field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cron {
    minutes: u64,
    hours: u32,
    /// Bits 1..=31.
    days: u32,
    /// Bits 1..=12.
    months: u16,
    /// Bits 0..=6, Sunday 0.
    weekdays: u8,
    /// The day-of-month field starts with `*` (Vixie's rule for combining the day fields).
    days_star: bool,
    weekdays_star: bool,
}

const MONTHS: [&str; 12] = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const WEEKDAYS: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];
const WEEKDAY_NAMES: [&str; 7] = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

/// One field's rules.
struct Field {
    name: &'static str,
    min: u32,
    max: u32,
    names: &'static [&'static str],
    /// The first name's value (`JAN` is 1, `SUN` 0).
    names_from: u32,
}

const MINUTE: Field = Field { name: "minute", min: 0, max: 59, names: &[], names_from: 0 };
const HOUR: Field = Field { name: "hour", min: 0, max: 23, names: &[], names_from: 0 };
const DAY: Field = Field { name: "day of month", min: 1, max: 31, names: &[], names_from: 0 };
const MONTH: Field = Field { name: "month", min: 1, max: 12, names: &MONTHS, names_from: 1 };
// 7 is Sunday too, as in every cron.
const WEEKDAY: Field = Field { name: "day of week", min: 0, max: 7, names: &WEEKDAYS, names_from: 0 };

/// Why a cron expression cannot be read, in words that follow "The cron expression …".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CronError(pub String);

impl fmt::Display for CronError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Field {
    fn value(&self, text: &str) -> Result<u32, CronError> {
        if let Some(index) = self.names.iter().position(|name| name.eq_ignore_ascii_case(text)) {
            return Ok(index as u32 + self.names_from);
        }
        let value: u32 = text.parse().map_err(|_| {
            let names = if self.names.is_empty() { String::new() } else { format!(" or a name such as {}", self.names[0]) };
            CronError(format!("has {} \"{text}\", which is not a number{names}.", self.name))
        })?;
        if value < self.min || value > self.max {
            return Err(CronError(format!("has {} {value}, which is not between {} and {}.", self.name, self.min, self.max)));
        }
        Ok(value)
    }

    /// The bits a field's text allows.
    fn parse(&self, text: &str) -> Result<u64, CronError> {
        let mut bits = 0u64;
        for item in text.split(',') {
            if item.is_empty() {
                return Err(CronError(format!("has an empty item in the {} field \"{text}\".", self.name)));
            }
            let (range, step) = match item.split_once('/') {
                Some((range, step)) => {
                    let step: u32 =
                        step.parse().ok().filter(|step| *step > 0).ok_or_else(|| {
                            CronError(format!("has the step \"{step}\" in the {} field; a step is a whole number from 1.", self.name))
                        })?;
                    (range, Some(step))
                }
                None => (item, None),
            };
            let (first, last) = if range == "*" {
                (self.min, if self.names.len() == 7 { 6 } else { self.max })
            } else if let Some((from, to)) = range.split_once('-') {
                let (from, mut to) = (self.value(from)?, self.value(to)?);
                // `MON-SUN`: a range of weekdays may end on Sunday as 7.
                if self.names.len() == 7 && to == 0 && from > 0 {
                    to = 7;
                }
                if from > to {
                    return Err(CronError(format!("has the range {range} in the {} field, which runs backwards.", self.name)));
                }
                (from, to)
            } else {
                let value = self.value(range)?;
                // `5/15` means from 5 to the end, every 15.
                (value, if step.is_some() { self.max } else { value })
            };
            let step = step.unwrap_or(1);
            let mut value = first;
            while value <= last {
                bits |= 1 << value;
                value += step;
            }
        }
        Ok(bits)
    }
}

impl Cron {
    /// Parses a cron expression.
    pub fn parse(text: &str) -> Result<Cron, CronError> {
        let text = text.trim();
        let expanded = match text.to_ascii_lowercase().as_str() {
            "@yearly" | "@annually" => "0 0 1 1 *",
            "@monthly" => "0 0 1 * *",
            "@weekly" => "0 0 * * 0",
            "@daily" | "@midnight" => "0 0 * * *",
            "@hourly" => "0 * * * *",
            _ if text.starts_with('@') => {
                return Err(CronError(format!("is \"{text}\", which is not one of @yearly, @monthly, @weekly, @daily and @hourly.")));
            }
            _ => text,
        };
        let fields: Vec<&str> = expanded.split_whitespace().collect();
        let [minute, hour, day, month, weekday] = fields[..] else {
            return Err(CronError(format!(
                "has {} fields; it needs 5: minute hour day-of-month month day-of-week (e.g. \"0 9 * * MON-FRI\").",
                fields.len()
            )));
        };
        let weekdays = WEEKDAY.parse(weekday)?;
        Ok(Cron {
            minutes: MINUTE.parse(minute)?,
            hours: HOUR.parse(hour)? as u32,
            days: DAY.parse(day)? as u32,
            months: MONTH.parse(month)? as u16,
            // Day 7 is Sunday.
            weekdays: ((weekdays | (weekdays >> 7)) & 0x7f) as u8,
            days_star: day.starts_with('*'),
            weekdays_star: weekday.starts_with('*'),
        })
    }

    pub fn minute(&self, minute: u32) -> bool {
        minute < 60 && self.minutes & (1 << minute) != 0
    }

    pub fn hour(&self, hour: u32) -> bool {
        hour < 24 && self.hours & (1 << hour) != 0
    }

    pub fn month(&self, month: u32) -> bool {
        (1..=12).contains(&month) && self.months & (1 << month) != 0
    }

    /// Whether a day is one the cron runs on (its month is checked separately, see
    /// [`Cron::month`]): `weekday` counts from Sunday = 0.
    pub fn day(&self, day: u32, weekday: u32) -> bool {
        let by_day = (1..=31).contains(&day) && self.days & (1 << day) != 0;
        let by_weekday = weekday < 7 && self.weekdays & (1 << weekday) != 0;
        if self.days_star || self.weekdays_star { by_day && by_weekday } else { by_day || by_weekday }
    }

    /// The minutes of an hour it runs at, ascending.
    pub fn minutes(&self) -> impl Iterator<Item = u32> + '_ {
        (0..60).filter(|minute| self.minute(*minute))
    }

    /// The hours of a day it runs at, ascending.
    pub fn hours(&self) -> impl Iterator<Item = u32> + '_ {
        (0..24).filter(|hour| self.hour(*hour))
    }

    /// What it means, in one English sentence ("Every 15 minutes, on Monday–Friday.").
    pub fn describe(&self) -> String {
        let minutes: Vec<u32> = self.minutes().collect();
        let hours: Vec<u32> = self.hours().collect();
        let every_hour = hours.len() == 24;
        let mut text = match (minutes.as_slice(), every_hour) {
            (all, true) if all.len() == 60 => "Every minute".to_string(),
            (some, true) if evenly_spaced(some).is_some() => format!("Every {} minutes", evenly_spaced(some).unwrap_or(1)),
            ([minute], true) => format!("Every hour at minute {minute}"),
            (some, true) => format!("Every hour at minutes {}", list(some, |minute| minute.to_string())),
            (some, false) if some.len() * hours.len() <= 6 => {
                let times: Vec<String> = hours.iter().flat_map(|hour| some.iter().map(move |minute| format!("{hour:02}:{minute:02}"))).collect();
                format!("At {}", times.join(", "))
            }
            (all, false) if all.len() == 60 => format!("Every minute of hours {}", list(&hours, |hour| format!("{hour:02}"))),
            (some, false) => format!(
                "At minute{} {} past hours {}",
                if some.len() == 1 { "" } else { "s" },
                list(some, |minute| minute.to_string()),
                list(&hours, |hour| format!("{hour:02}"))
            ),
        };
        let days: Vec<u32> = (1..=31).filter(|day| self.days & (1 << day) != 0).collect();
        let weekdays: Vec<u32> = (0..7).filter(|day| self.weekdays & (1 << day) != 0).collect();
        let on_days = (!self.days_star).then(|| format!("on day {} of the month", list(&days, |day| day.to_string())));
        let on_weekdays =
            (!self.weekdays_star && weekdays.len() < 7).then(|| format!("on {}", list(&weekdays, |day| WEEKDAY_NAMES[day as usize].to_string())));
        match (on_days, on_weekdays) {
            (Some(days), Some(weekdays)) => text.push_str(&format!(", {days} or {weekdays}")),
            (Some(days), None) => text.push_str(&format!(", {days}")),
            (None, Some(weekdays)) => text.push_str(&format!(", {weekdays}")),
            _ => {}
        }
        let months: Vec<u32> = (1..=12).filter(|month| self.month(*month)).collect();
        if months.len() < 12 {
            text.push_str(&format!(", in {}", list(&months, |month| title_case(MONTHS[month as usize - 1]))));
        }
        text.push('.');
        text
    }
}

/// The gap of minutes `0, n, 2n, …` covering the hour (more than one), if they are.
fn evenly_spaced(minutes: &[u32]) -> Option<u32> {
    let step = *minutes.get(1)?;
    (minutes[0] == 0 && 60 % step == 0 && minutes.len() as u32 == 60 / step && minutes.iter().enumerate().all(|(i, m)| *m == i as u32 * step))
        .then_some(step)
}

/// Values as a list with runs of three or more written as ranges: `1–5, 7, 9`.
fn list(values: &[u32], name: impl Fn(u32) -> String) -> String {
    let mut parts = Vec::new();
    let mut i = 0;
    while i < values.len() {
        let mut j = i;
        while j + 1 < values.len() && values[j + 1] == values[j] + 1 {
            j += 1;
        }
        if j >= i + 2 {
            parts.push(format!("{}–{}", name(values[i]), name(values[j])));
        } else {
            parts.extend(values[i..=j].iter().map(|value| name(*value)));
        }
        i = j + 1;
    }
    parts.join(", ")
}

fn title_case(name: &str) -> String {
    let mut chars = name.chars();
    chars.next().map(|first| first.to_string() + &chars.as_str().to_lowercase()).unwrap_or_default()
}

/// Whether a time zone name looks like an IANA name (`Europe/Berlin`, `UTC`, `Etc/GMT+5`).
/// Whether the zone exists only the server knows, with its zone database.
pub fn time_zone_syntax(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name.split('/').all(|part| !part.is_empty() && part.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '+')))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cron(text: &str) -> Cron {
        Cron::parse(text).unwrap_or_else(|error| panic!("{text}: {error}"))
    }

    fn error(text: &str) -> String {
        Cron::parse(text).expect_err(text).0
    }

    #[test]
    fn stars_lists_ranges_and_steps() {
        let every = cron("* * * * *");
        assert!((0..60).all(|m| every.minute(m)) && (0..24).all(|h| every.hour(h)));
        let c = cron("*/15 9-17/4 1,15 * *");
        assert_eq!(c.minutes().collect::<Vec<_>>(), [0, 15, 30, 45]);
        assert_eq!(c.hours().collect::<Vec<_>>(), [9, 13, 17]);
        assert!(c.day(15, 3) && !c.day(14, 3));
        assert_eq!(cron("5/20 * * * *").minutes().collect::<Vec<_>>(), [5, 25, 45], "a/n runs from a to the end");
        assert_eq!(cron("1-3,7,58-59 * * * *").minutes().collect::<Vec<_>>(), [1, 2, 3, 7, 58, 59]);
    }

    #[test]
    fn names_and_sunday_as_seven() {
        let c = cron("0 0 * jan,Jul mon-FRI");
        assert!(c.month(1) && c.month(7) && !c.month(2));
        assert!(c.day(10, 1) && c.day(10, 5) && !c.day(10, 6) && !c.day(10, 0));
        assert!(cron("0 0 * * 7").day(3, 0), "7 is Sunday");
        assert!(cron("0 0 * * 5-7").day(3, 0) && cron("0 0 * * 5-7").day(3, 6));
        let weekend = cron("0 0 * * SAT-SUN");
        assert!(weekend.day(3, 6) && weekend.day(3, 0) && !weekend.day(3, 1), "a range may end on Sunday");
        assert_eq!(cron("@daily"), cron("0 0 * * *"));
        assert_eq!(cron("@hourly"), cron("0 * * * *"));
    }

    #[test]
    fn day_of_month_or_day_of_week_when_both_are_restricted_as_vixie_cron_does() {
        // 13th of the month OR any Friday.
        let c = cron("0 0 13 * 5");
        assert!(c.day(13, 2), "the 13th, a Tuesday");
        assert!(c.day(20, 5), "a Friday, the 20th");
        assert!(!c.day(20, 4));
        // With one field starting with `*`, both must match (`*/2` counts as a star, as in Vixie).
        let c = cron("0 0 13 * *");
        assert!(c.day(13, 2) && !c.day(20, 5));
        let c = cron("0 0 */2 * 5");
        assert!(c.day(13, 5) && !c.day(13, 2) && !c.day(14, 5));
    }

    #[test]
    fn errors_say_what_is_wrong() {
        assert_eq!(error("* * * *"), "has 4 fields; it needs 5: minute hour day-of-month month day-of-week (e.g. \"0 9 * * MON-FRI\").");
        assert_eq!(error("60 * * * *"), "has minute 60, which is not between 0 and 59.");
        assert_eq!(error("* 24 * * *"), "has hour 24, which is not between 0 and 23.");
        assert_eq!(error("* * 0 * *"), "has day of month 0, which is not between 1 and 31.");
        assert_eq!(error("* * * 13 *"), "has month 13, which is not between 1 and 12.");
        assert_eq!(error("* * * * 8"), "has day of week 8, which is not between 0 and 7.");
        assert_eq!(error("*/0 * * * *"), "has the step \"0\" in the minute field; a step is a whole number from 1.");
        assert_eq!(error("30-10 * * * *"), "has the range 30-10 in the minute field, which runs backwards.");
        assert_eq!(error("* * * FOO *"), "has month \"FOO\", which is not a number or a name such as JAN.");
        assert_eq!(error("1,,2 * * * *"), "has an empty item in the minute field \"1,,2\".");
        assert!(error("@reboot").contains("not one of @yearly"));
    }

    #[test]
    fn descriptions_read_like_a_person_wrote_them() {
        assert_eq!(cron("* * * * *").describe(), "Every minute.");
        assert_eq!(cron("*/15 * * * *").describe(), "Every 15 minutes.");
        assert_eq!(cron("5 * * * *").describe(), "Every hour at minute 5.");
        assert_eq!(cron("30 9 * * MON-FRI").describe(), "At 09:30, on Monday–Friday.");
        assert_eq!(cron("0 0 1 1,7 *").describe(), "At 00:00, on day 1 of the month, in Jan, Jul.");
        assert_eq!(cron("0 0 13 * 5").describe(), "At 00:00, on day 13 of the month or on Friday.");
        assert_eq!(cron("0 8-18 * * *").describe(), "At minute 0 past hours 08–18.");
    }

    #[test]
    fn time_zone_names_are_checked_for_shape_only() {
        assert!(time_zone_syntax("Europe/Berlin") && time_zone_syntax("UTC") && time_zone_syntax("Etc/GMT+5"));
        assert!(time_zone_syntax("America/Argentina/Buenos_Aires"));
        assert!(!time_zone_syntax("") && !time_zone_syntax("Europe//Berlin") && !time_zone_syntax("Berlin time"));
    }
}
