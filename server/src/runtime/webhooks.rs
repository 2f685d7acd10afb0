//! Sending webhooks with retries, by one rule ([`next`]): a 2xx is delivered; a connection
//! error, a timeout, a 5xx or a 429 is tried again after `Retry-After` or else the schedule's
//! wait, while attempts are left; anything else gives up at once.
//!
//! A queued job (an integration's run, an agent's lease) makes one attempt per claim and
//! stores when to try again ([`send_once`]); a flow's Webhook step retries in place, within
//! its step ([`send_with_retries`]).

use std::time::Duration;

use outflow_model::flow_exec::Logs;

use super::{Attempt, Next};
use crate::delivery::{
    limits::QUEUED_JOB_WAIT,
    retry::RetrySchedule,
    webhooks::{Answer, OutgoingRequest, Sender, Verdict, verdict},
};

/// The wait before a retry when neither `Retry-After` nor the schedule gives one (a step
/// asking for more retries than the schedule lists).
const FALLBACK_WAIT: Duration = Duration::from_secs(5);

/// What follows attempt number `attempt` (1-based) of at most `max_attempts`, which answered
/// `answer` (`error` is the attempt's recorded error).
pub fn next(answer: &Result<Answer, String>, error: Option<&str>, attempt: u32, max_attempts: u32, schedule: &RetrySchedule) -> Next {
    let error = error.unwrap_or_default();
    match verdict(answer) {
        Verdict::Delivered => Next::Succeeded,
        Verdict::Final => Next::Failed(format!("{error} (not retried: the endpoint refused the request)")),
        Verdict::Retryable { .. } if attempt >= max_attempts => Next::Failed(format!("Gave up after {attempt} attempts; the last one: {error}")),
        Verdict::Retryable { retry_after } => Next::RetryIn(retry_after.or_else(|| schedule.delay_after(attempt)).unwrap_or(FALLBACK_WAIT)),
    }
}

/// Attempt number `attempt` of a queued job: sent once; the schedule says what follows. When
/// the endpoint has no turn free soon, nothing is sent and the job is deferred.
pub async fn send_once(sender: &Sender, schedule: &RetrySchedule, request: OutgoingRequest<'_>, attempt: u32) -> Attempt {
    let pass = match sender.gates.pass_within(&request.endpoint.id, request.endpoint.limits, QUEUED_JOB_WAIT).await {
        Ok(pass) => pass,
        Err(free_in) => return Attempt { record: None, logs: Vec::new(), next: Next::Deferred(free_in) },
    };
    let (record, answer) = sender.send_passed(request, pass).await;
    let next = next(&answer, record.error.as_deref(), attempt, schedule.max_attempts(), schedule);
    Attempt { record: Some(record), logs: Vec::new(), next }
}

/// Sends `request`, retrying in place up to `retries` times; a log line per attempt and
/// retry goes to `logs`. Answers the last answer (or why there was none).
pub async fn send_with_retries(
    sender: &Sender,
    schedule: &RetrySchedule,
    request: OutgoingRequest<'_>,
    retries: u64,
    logs: &mut Logs,
) -> Result<Answer, String> {
    let max_attempts = u32::try_from(retries).unwrap_or(u32::MAX - 1) + 1;
    let mut attempt = 0;
    loop {
        attempt += 1;
        let (record, answer) = sender.send(request.clone()).await;
        let outcome = match &answer {
            Ok(answer) => format!("answered {}", answer.status),
            Err(error) => format!("failed: {error}"),
        };
        logs.push(stamped(format!("{} {} {outcome} ({} ms)", request.method, request.url, record.duration_ms)));
        match next(&answer, record.error.as_deref(), attempt, max_attempts, schedule) {
            Next::RetryIn(wait) => {
                logs.push(stamped(format!("retry {attempt} of {retries} in {} ms", wait.as_millis())));
                tokio::time::sleep(wait).await;
            }
            // `next` judges an answer, so never defers.
            Next::Succeeded | Next::Failed(_) | Next::Deferred(_) => return answer,
        }
    }
}

fn stamped(line: String) -> (i64, String) {
    (outflow_core::clock::now_millis(), line)
}

#[cfg(test)]
mod tests {
    use reqwest::header::{HeaderMap, HeaderValue, RETRY_AFTER};

    use super::*;

    fn answer(status: u16, retry_after: Option<&str>) -> Result<Answer, String> {
        let mut headers = HeaderMap::new();
        if let Some(seconds) = retry_after {
            headers.insert(RETRY_AFTER, HeaderValue::from_str(seconds).unwrap());
        }
        Ok(Answer { status, headers, body: String::new(), truncated: false })
    }

    #[test]
    fn one_rule_decides_for_queued_jobs_and_steps() {
        let schedule = RetrySchedule(vec![Duration::from_secs(10)]);
        assert_eq!(next(&answer(204, None), None, 1, 2, &schedule), Next::Succeeded);
        assert_eq!(next(&answer(503, Some("7")), Some("503"), 1, 2, &schedule), Next::RetryIn(Duration::from_secs(7)), "Retry-After wins");
        assert!(matches!(next(&answer(503, None), Some("503"), 1, 2, &schedule), Next::RetryIn(wait) if wait >= Duration::from_secs(9)));
        assert_eq!(next(&answer(503, None), Some("503"), 2, 4, &schedule), Next::RetryIn(FALLBACK_WAIT), "a step asking for more retries");
        assert_eq!(
            next(&answer(503, None), Some("answered 503"), 2, 2, &schedule),
            Next::Failed("Gave up after 2 attempts; the last one: answered 503".into())
        );
        assert_eq!(
            next(&answer(404, None), Some("answered 404"), 1, 2, &schedule),
            Next::Failed("answered 404 (not retried: the endpoint refused the request)".into())
        );
        assert!(matches!(next(&Err("refused".into()), Some("refused"), 1, 2, &schedule), Next::RetryIn(_)));
    }
}
