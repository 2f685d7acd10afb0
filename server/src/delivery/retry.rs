//! When a failed delivery is tried again: which failures retry (connection errors,
//! timeouts, 5xx, 429) and after how long (the schedule, with jitter, or `Retry-After`).

use std::time::Duration;

use rand::Rng;

/// The wait before each retry; its length is the number of retries after the first attempt.
#[derive(Debug, Clone, PartialEq)]
pub struct RetrySchedule(pub Vec<Duration>);

impl Default for RetrySchedule {
    /// 5 s, 5 min, 30 min, 2 h, 5 h, 10 h.
    fn default() -> Self {
        let minutes = |m: u64| Duration::from_secs(m * 60);
        RetrySchedule(vec![Duration::from_secs(5), minutes(5), minutes(30), minutes(120), minutes(300), minutes(600)])
    }
}

impl RetrySchedule {
    /// Parses `5s,5m,30m,2h` (units ms, s, m, h).
    pub fn parse(text: &str) -> Result<RetrySchedule, String> {
        let parse_one = |item: &str| -> Result<Duration, String> {
            let item = item.trim();
            let split = item.find(|c: char| !c.is_ascii_digit()).unwrap_or(item.len());
            let (number, unit) = item.split_at(split);
            let number: u64 = number.parse().map_err(|_| format!("\"{item}\" is not a duration like 5s"))?;
            match unit {
                "ms" => Ok(Duration::from_millis(number)),
                "s" => Ok(Duration::from_secs(number)),
                "m" => Ok(Duration::from_secs(number * 60)),
                "h" => Ok(Duration::from_secs(number * 3600)),
                _ => Err(format!("\"{item}\" needs a unit: ms, s, m or h")),
            }
        };
        if text.trim().is_empty() {
            return Ok(RetrySchedule(Vec::new()));
        }
        text.split(',').map(parse_one).collect::<Result<_, _>>().map(RetrySchedule)
    }

    /// Attempts in all: the first plus one per scheduled retry.
    pub fn max_attempts(&self) -> u32 {
        u32::try_from(self.0.len()).unwrap_or(u32::MAX - 1) + 1
    }

    /// The wait after failed attempt `attempt` (1-based), ±10 % jitter; `None` when none is left.
    pub fn delay_after(&self, attempt: u32) -> Option<Duration> {
        let base = *self.0.get(usize::try_from(attempt).ok()?.checked_sub(1)?)?;
        let jitter = rand::thread_rng().gen_range(0.9..=1.1);
        Some(base.mul_f64(jitter))
    }
}

/// Whether an HTTP answer is worth retrying.
pub fn retryable_status(status: u16) -> bool {
    status == 429 || status >= 500
}

/// A `Retry-After` header in seconds (the HTTP-date form is rare from webhook receivers).
pub fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let seconds: u64 = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?.trim().parse().ok()?;
    Some(Duration::from_secs(seconds.min(24 * 3600)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedules_parse_and_end() {
        let schedule = RetrySchedule::parse("500ms, 2s,1m").unwrap();
        assert_eq!(schedule.0, [Duration::from_millis(500), Duration::from_secs(2), Duration::from_secs(60)]);
        assert_eq!(schedule.max_attempts(), 4);
        let first = schedule.delay_after(1).unwrap();
        assert!(first >= Duration::from_millis(450) && first <= Duration::from_millis(550));
        assert!(schedule.delay_after(4).is_none());
        assert!(RetrySchedule::parse("5 minutes").is_err());
        assert_eq!(RetrySchedule::default().max_attempts(), 7);
    }

    #[test]
    fn only_server_errors_and_throttling_retry() {
        assert!(retryable_status(500) && retryable_status(503) && retryable_status(429));
        assert!(!retryable_status(400) && !retryable_status(404) && !retryable_status(410));
    }
}
