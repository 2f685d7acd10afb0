//! Time as Outflow stores and shows it: milliseconds since the Unix epoch in the database,
//! RFC 3339 (UTC, milliseconds) on the wire, `YYYY-MM-DD HH:mm:ss.SSS` in webhook payloads.

use time::{OffsetDateTime, format_description::well_known::Rfc3339, macros::format_description};

pub fn now_millis() -> i64 {
    // Before 1970 only on a broken clock; 0 then keeps ordering sane.
    (OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}

fn at(millis: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(millis) * 1_000_000).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// `2026-11-28T21:39:31.123Z`.
pub fn rfc3339(millis: i64) -> String {
    let format = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");
    at(millis).format(&format).unwrap_or_default()
}

/// `2026-11-28 21:39:31.123`, the `date` of every webhook payload (SPEC §3).
pub fn payload_date(millis: i64) -> String {
    let format = format_description!("[year]-[month]-[day] [hour]:[minute]:[second].[subsecond digits:3]");
    at(millis).format(&format).unwrap_or_default()
}

/// Parses an RFC 3339 time into milliseconds; `None` when it is not one.
pub fn parse_rfc3339(text: &str) -> Option<i64> {
    OffsetDateTime::parse(text, &Rfc3339).ok().map(|time| (time.unix_timestamp_nanos() / 1_000_000) as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_and_parses_round_trip() {
        let millis = 1_795_900_771_123;
        assert_eq!(rfc3339(millis), "2026-11-28T21:19:31.123Z");
        assert_eq!(payload_date(millis), "2026-11-28 21:19:31.123");
        assert_eq!(parse_rfc3339(&rfc3339(millis)), Some(millis));
        assert_eq!(parse_rfc3339("yesterday"), None);
    }
}
