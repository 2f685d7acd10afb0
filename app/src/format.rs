//! How values read on screen: times, durations, property values and form names. Times
//! stay in UTC so the server-rendered page and the hydrated one agree to the character.

use serde_json::Value;

use crate::model::forms::Form;

/// `2026-11-28T21:19:31.123Z` as `2026-11-28 21:19:31 UTC`; anything else as it is.
pub fn utc_time(rfc3339: &str) -> String {
    match (rfc3339.get(..10), rfc3339.get(11..19)) {
        (Some(date), Some(time)) => format!("{date} {time} UTC"),
        _ => rfc3339.to_string(),
    }
}

/// Only the time of day, for entries that sit under their date already.
pub fn time_of_day(rfc3339: &str) -> String {
    rfc3339.get(11..19).unwrap_or(rfc3339).to_string()
}

/// Only the date, `2026-11-28`.
pub fn date_of(rfc3339: &str) -> String {
    rfc3339.get(..10).unwrap_or(rfc3339).to_string()
}

/// A number of seconds the way people say it: `45 s`, `5 min`, `1 h 30 min`.
pub fn duration(seconds: u32) -> String {
    match (seconds / 3600, seconds % 3600 / 60, seconds % 60) {
        (0, 0, s) => format!("{s} s"),
        (0, m, 0) => format!("{m} min"),
        (0, m, s) => format!("{m} min {s} s"),
        (h, 0, 0) => format!("{h} h"),
        (h, m, _) => format!("{h} h {m} min"),
    }
}

/// A count with thousands separated: `1,234,567`.
pub fn count(number: u64) -> String {
    let digits = number.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// A latency: `45 ms` below a second, `1.2 s` above; `—` when there is none.
pub fn millis(ms: Option<u32>) -> String {
    match ms {
        None => "—".to_string(),
        Some(ms) if ms < 1_000 => format!("{ms} ms"),
        Some(ms) => format!("{:.1} s", f64::from(ms) / 1_000.0),
    }
}

/// A share as a percentage with one decimal, `99.5 %`, never rounded up to 100 when it is less.
pub fn percent(share: f64) -> String {
    let tenths = (share * 1_000.0).floor() / 10.0;
    format!("{tenths:.1} %")
}

/// A property value without JSON quoting: `INC001`, `42`, `yes`.
pub fn value_text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Bool(true) => "yes".to_string(),
        Value::Bool(false) => "no".to_string(),
        Value::Null => "—".to_string(),
        other => other.to_string(),
    }
}

/// A form as pickers offer it, `Workflow › Form`, saying when it is disabled.
pub fn form_label(workflow: &str, form: &Form) -> String {
    let disabled = if form.enabled { "" } else { " (disabled: sends nothing)" };
    format!("{workflow} › {}{disabled}", form.name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_in_utc_and_broken_ones_pass_through() {
        assert_eq!(utc_time("2026-11-28T21:19:31.123Z"), "2026-11-28 21:19:31 UTC");
        assert_eq!(time_of_day("2026-11-28T21:19:31.123Z"), "21:19:31");
        assert_eq!(date_of("2026-11-28T21:19:31.123Z"), "2026-11-28");
        assert_eq!(utc_time("soon"), "soon");
    }

    #[test]
    fn durations_use_the_largest_fitting_units() {
        assert_eq!(duration(45), "45 s");
        assert_eq!(duration(300), "5 min");
        assert_eq!(duration(90), "1 min 30 s");
        assert_eq!(duration(5400), "1 h 30 min");
        assert_eq!(duration(7200), "2 h");
    }

    #[test]
    fn figures_read_as_people_write_them() {
        assert_eq!(count(0), "0");
        assert_eq!(count(999), "999");
        assert_eq!(count(1_000), "1,000");
        assert_eq!(count(1_234_567), "1,234,567");
        assert_eq!(millis(None), "—");
        assert_eq!(millis(Some(45)), "45 ms");
        assert_eq!(millis(Some(1_260)), "1.3 s");
        assert_eq!(percent(1.0), "100.0 %");
        assert_eq!(percent(0.9999), "99.9 %");
        assert_eq!(percent(0.0), "0.0 %");
    }

    #[test]
    fn values_read_without_json_quotes() {
        assert_eq!(value_text(&Value::String("INC001".into())), "INC001");
        assert_eq!(value_text(&Value::Bool(true)), "yes");
        assert_eq!(value_text(&serde_json::json!(42)), "42");
    }
}
