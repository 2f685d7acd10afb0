//! Endpoint limits: every request to an endpoint — an integration's webhook, a flow's
//! Webhook step, a script's `http.request`, and the webhook jobs this server hands to
//! Integration Agents — passes the endpoint's gate first, so together they never exceed its
//! `maxConcurrent` requests in flight or its `maxPerSecond` request starts in any second.
//!
//! The rate is a sliding window, not a token bucket: a request starts only when the one
//! `maxPerSecond` places before it started more than a second (and a margin, for the
//! jitter between here and the receiver) ago, so no second seen at the receiver holds more
//! (a bucket lets a burst of twice the rate straddle a second, as Svix documents of its
//! own). Waiters are served in the order they came. The gates are this process's: one
//! server per database (see README, "Limits").

use std::{
    collections::{HashMap, VecDeque},
    sync::{Arc, Mutex, PoisonError},
    time::Duration,
};

use outflow_model::endpoints::EndpointLimits;
use tokio::{
    sync::{Mutex as AsyncMutex, OwnedSemaphorePermit, Semaphore, oneshot},
    time::Instant,
};

/// Added to the rate's one-second window: what a request's start may drift by on its way to
/// the receiver.
const WINDOW_MARGIN: Duration = Duration::from_millis(25);

/// How long a queued job (an integration's run, an agent's lease) waits for its endpoint's
/// turn before it goes back to the queue, so a busy endpoint does not hold up the others.
pub const QUEUED_JOB_WAIT: Duration = Duration::from_millis(250);

/// The gates of every limited endpoint; cheap to clone (clones share them).
#[derive(Clone, Default)]
pub struct EndpointGates {
    gates: Arc<Mutex<HashMap<String, Arc<Gate>>>>,
    /// Passes held for agents' leases, by run id, until they report.
    held: Arc<Mutex<HashMap<String, oneshot::Sender<()>>>>,
}

/// One endpoint's gate, for the limits it was made with. A gate made for changed limits
/// takes over its predecessor's slots (resized) and start times, so the requests in flight
/// and the last second's starts still count.
struct Gate {
    limits: EndpointLimits,
    slots: Option<Arc<Semaphore>>,
    /// When the last requests started, oldest first (at most `per_second` of them).
    starts: Arc<AsyncMutex<VecDeque<Instant>>>,
}

/// Leave to send one request; its slot (under `maxConcurrent`) frees when it drops.
pub struct Pass {
    _slot: Option<OwnedSemaphorePermit>,
}

impl EndpointGates {
    /// Waits until a request to the endpoint may start under `limits`.
    pub async fn pass(&self, endpoint_id: &str, limits: EndpointLimits) -> Pass {
        if !limits.is_limited() {
            return Pass { _slot: None };
        }
        let gate = self.gate(endpoint_id, limits);
        let slot = match &gate.slots {
            // The semaphore is never closed.
            Some(slots) => slots.clone().acquire_owned().await.ok(),
            None => None,
        };
        if let Some(per_second) = limits.per_second {
            gate.wait_for_start(per_second).await;
        }
        Pass { _slot: slot }
    }

    /// The same, for a queued job that must not hold up the others: waits at most `within`,
    /// else answers how long until the endpoint may take a request (the job goes back to
    /// the queue for that long).
    pub async fn pass_within(&self, endpoint_id: &str, limits: EndpointLimits, within: Duration) -> Result<Pass, Duration> {
        if !limits.is_limited() {
            return Ok(Pass { _slot: None });
        }
        let deadline = Instant::now() + within;
        let gate = self.gate(endpoint_id, limits);
        let slot = match &gate.slots {
            Some(slots) => match tokio::time::timeout_at(deadline, slots.clone().acquire_owned()).await {
                Ok(slot) => slot.ok(),
                Err(_) => return Err(BUSY_RETRY),
            },
            None => None,
        };
        if let Some(per_second) = limits.per_second {
            gate.start_by(per_second, deadline).await?;
        }
        Ok(Pass { _slot: slot })
    }

    /// Holds a pass for an agent's lease of run `run_id` until [`Self::release`] or `within`.
    pub fn hold(&self, run_id: &str, pass: Pass, within: Duration) {
        let (release, released) = oneshot::channel();
        if let Some(earlier) = self.held().insert(run_id.to_string(), release) {
            let _ = earlier.send(());
        }
        tokio::spawn(async move {
            let _ = tokio::time::timeout(within, released).await;
            drop(pass);
        });
    }

    /// Frees the pass held for run `run_id`'s lease, if one is.
    pub fn release(&self, run_id: &str) {
        if let Some(release) = self.held().remove(run_id) {
            let _ = release.send(());
        }
    }

    /// The endpoint's gate; a successor when its limits changed.
    fn gate(&self, endpoint_id: &str, limits: EndpointLimits) -> Arc<Gate> {
        let mut gates = self.gates.lock().unwrap_or_else(PoisonError::into_inner);
        let before = gates.get(endpoint_id);
        if let Some(gate) = before.filter(|gate| gate.limits == limits) {
            return gate.clone();
        }
        let slots = match (before.and_then(|gate| gate.limits.concurrent.zip(gate.slots.clone())), limits.concurrent) {
            (Some((was, slots)), Some(now)) => {
                resize(&slots, was as usize, now as usize);
                Some(slots)
            }
            (_, now) => now.map(|now| Arc::new(Semaphore::new(now as usize))),
        };
        let starts = before.map(|gate| gate.starts.clone()).unwrap_or_default();
        let gate = Arc::new(Gate { limits, slots, starts });
        gates.insert(endpoint_id.to_string(), gate.clone());
        gate
    }

    fn held(&self) -> std::sync::MutexGuard<'_, HashMap<String, oneshot::Sender<()>>> {
        self.held.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Makes `slots` (made for `was` at once) hold `now`: more are added at once; fewer are
/// taken out of use as requests in flight end.
fn resize(slots: &Arc<Semaphore>, was: usize, now: usize) {
    if now > was {
        slots.add_permits(now - was);
    } else if now < was {
        let slots = slots.clone();
        let fewer = u32::try_from(was - now).unwrap_or(u32::MAX);
        tokio::spawn(async move {
            // The semaphore is never closed.
            if let Ok(taken) = slots.acquire_many_owned(fewer).await {
                taken.forget();
            }
        });
    }
}

/// How long a queued job whose endpoint has no free slot goes back to the queue for.
const BUSY_RETRY: Duration = Duration::from_millis(200);

impl Gate {
    /// [`Self::wait_for_start`], unless that means waiting past `deadline`: then how long
    /// until a start may be free (nothing is taken).
    async fn start_by(&self, per_second: u32, deadline: Instant) -> Result<(), Duration> {
        let Ok(mut starts) = tokio::time::timeout_at(deadline, self.starts.lock()).await else { return Err(BUSY_RETRY) };
        keep_newest(&mut starts, per_second);
        if starts.len() >= per_second as usize
            && let Some(&oldest) = starts.front()
        {
            let free_at = oldest + Duration::from_secs(1) + WINDOW_MARGIN;
            if free_at > deadline {
                return Err(free_at - Instant::now());
            }
            tokio::time::sleep_until(free_at).await;
            starts.pop_front();
        }
        starts.push_back(Instant::now());
        Ok(())
    }

    /// Waits (in turn: the lock is fair) until a start keeps any window at `per_second`.
    async fn wait_for_start(&self, per_second: u32) {
        let mut starts = self.starts.lock().await;
        keep_newest(&mut starts, per_second);
        if starts.len() >= per_second as usize
            && let Some(&oldest) = starts.front()
        {
            // Waited for with the start still counted: a wait given up on frees nothing.
            tokio::time::sleep_until(oldest + Duration::from_secs(1) + WINDOW_MARGIN).await;
            starts.pop_front();
        }
        starts.push_back(Instant::now());
    }
}

/// Only the newest `per_second` starts bound the next one (more are kept when the rate was
/// higher before a change).
fn keep_newest(starts: &mut VecDeque<Instant>, per_second: u32) {
    while starts.len() > per_second as usize {
        starts.pop_front();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(per_second: Option<u32>, concurrent: Option<u32>) -> EndpointLimits {
        EndpointLimits { per_second, concurrent }
    }

    #[tokio::test(start_paused = true)]
    async fn no_second_holds_more_starts_than_the_rate() {
        let gates = EndpointGates::default();
        let begun = Instant::now();
        let mut starts = Vec::new();
        for _ in 0..25 {
            drop(gates.pass("ep_1", limits(Some(10), None)).await);
            starts.push(Instant::now() - begun);
        }
        for (index, start) in starts.iter().enumerate() {
            let within_a_second = starts[index..].iter().take_while(|later| **later - *start < Duration::from_secs(1)).count();
            assert!(within_a_second <= 10, "{within_a_second} starts within a second of start {index}");
        }
        assert!(starts[24] >= Duration::from_secs(2), "25 starts at 10 a second take two seconds and more: {:?}", starts[24]);
        assert!(starts[9] < Duration::from_millis(1), "the first ten go at once");
    }

    #[tokio::test(start_paused = true)]
    async fn a_queued_job_waits_a_little_at_most_and_learns_when_to_come_back() {
        let gates = EndpointGates::default();
        let (rate, slots) = (limits(Some(1), None), limits(None, Some(1)));
        assert!(gates.pass_within("ep_1", rate, Duration::from_millis(100)).await.is_ok());
        let back_in = gates.pass_within("ep_1", rate, Duration::from_millis(100)).await.err().expect("the second second is not free yet");
        assert!(back_in > Duration::from_millis(900) && back_in <= Duration::from_millis(1025), "{back_in:?}");
        let held = gates.pass_within("ep_2", slots, Duration::from_millis(100)).await.expect("a free slot");
        assert_eq!(gates.pass_within("ep_2", slots, Duration::from_millis(100)).await.err(), Some(BUSY_RETRY));
        drop(held);
        assert!(gates.pass_within("ep_2", slots, Duration::from_millis(100)).await.is_ok());
    }

    #[tokio::test(start_paused = true)]
    async fn a_wait_given_up_on_lets_no_extra_request_through() {
        let gates = EndpointGates::default();
        for _ in 0..2 {
            drop(gates.pass("ep_1", limits(Some(2), None)).await);
        }
        let given_up = tokio::time::timeout(Duration::from_millis(500), gates.pass("ep_1", limits(Some(2), None))).await;
        assert!(given_up.is_err(), "the third waits for the second's window");
        let began = Instant::now();
        drop(gates.pass("ep_1", limits(Some(2), None)).await);
        assert!(began.elapsed() >= Duration::from_millis(500), "and the next still waits for it: {:?}", began.elapsed());
    }

    #[tokio::test(start_paused = true)]
    async fn at_most_the_concurrent_limit_hold_a_pass_and_an_unlimited_endpoint_waits_for_nothing() {
        let gates = EndpointGates::default();
        let first = gates.pass("ep_1", limits(None, Some(2))).await;
        let second = gates.pass("ep_1", limits(None, Some(2))).await;
        let third = tokio::time::timeout(Duration::from_secs(5), gates.pass("ep_1", limits(None, Some(2)))).await;
        assert!(third.is_err(), "a third waits while two are in flight");
        drop(first);
        assert!(tokio::time::timeout(Duration::from_millis(1), gates.pass("ep_1", limits(None, Some(2)))).await.is_ok(), "a freed slot lets one go");
        drop(second);
        assert!(tokio::time::timeout(Duration::from_millis(1), gates.pass("ep_2", limits(None, None))).await.is_ok());
    }

    #[tokio::test(start_paused = true)]
    async fn changed_limits_still_count_the_requests_in_flight_and_the_last_seconds_starts() {
        let gates = EndpointGates::default();
        let (first, second) = (gates.pass("ep_1", limits(None, Some(2))).await, gates.pass("ep_1", limits(None, Some(2))).await);
        let lowered = limits(None, Some(1));
        let waiting = tokio::time::timeout(Duration::from_secs(1), gates.pass("ep_1", lowered)).await;
        assert!(waiting.is_err(), "two are still in flight: none is free under a limit of one");
        drop(first);
        let still = tokio::time::timeout(Duration::from_secs(1), gates.pass("ep_1", lowered)).await;
        assert!(still.is_err(), "one is still in flight");
        drop(second);
        assert!(tokio::time::timeout(Duration::from_millis(10), gates.pass("ep_1", lowered)).await.is_ok(), "now one is free");

        for _ in 0..5 {
            drop(gates.pass("ep_2", limits(Some(5), None)).await);
        }
        let began = Instant::now();
        drop(gates.pass("ep_2", limits(Some(2), None)).await);
        assert!(began.elapsed() >= Duration::from_secs(1), "the last second's starts count under the new rate");
    }

    #[tokio::test(start_paused = true)]
    async fn a_held_pass_frees_its_slot_when_released_or_when_the_lease_ends() {
        let gates = EndpointGates::default();
        let pass = gates.pass("ep_1", limits(None, Some(1))).await;
        gates.hold("run_1", pass, Duration::from_secs(60));
        let waiting = tokio::time::timeout(Duration::from_secs(1), gates.pass("ep_1", limits(None, Some(1)))).await;
        assert!(waiting.is_err(), "the agent's lease holds the only slot");
        gates.release("run_1");
        let pass = tokio::time::timeout(Duration::from_millis(10), gates.pass("ep_1", limits(None, Some(1)))).await.expect("released");
        gates.hold("run_2", pass, Duration::from_secs(60));
        let after_lease = tokio::time::timeout(Duration::from_secs(61), gates.pass("ep_1", limits(None, Some(1)))).await;
        assert!(after_lease.is_ok(), "a lease that ends unreported frees its slot");
    }
}
