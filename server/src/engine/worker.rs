//! The flow worker: takes up the runs nobody in this process executes — created for it
//! (trigger events, re-runs, designer tests), parked on a long Delay until it is due, or
//! left open by a crash (leases are freed at start) — and hands each to the executor. It
//! sleeps until woken by new runs or until the earliest parked run is due.

use std::time::Duration;

use outflow_core::{clock, store};
use tokio::sync::watch;

use super::Engine;

/// Runs claimed per round.
const BATCH: i64 = 64;
/// Longest sleep without a wake-up.
const IDLE_POLL: Duration = Duration::from_secs(1);
/// Shortest sleep, so a failing database is not hammered.
const MIN_SLEEP: Duration = Duration::from_millis(5);

pub async fn run(engine: Engine, mut shutdown: watch::Receiver<bool>) {
    let store = engine.runtime().store.clone();
    loop {
        let claimed = match store::claim_flow_runs(&store, clock::now_millis(), BATCH).await {
            Ok(jobs) => jobs,
            Err(error) => {
                tracing::error!(%error, "cannot claim flow runs");
                Vec::new()
            }
        };
        let full = claimed.len() as i64 == BATCH;
        for job in claimed {
            engine.execute(job);
        }
        if full && !*shutdown.borrow() {
            continue;
        }
        let sleep = match store::next_flow_wake(&store).await {
            Ok(Some(due)) => Duration::from_millis(u64::try_from(due - clock::now_millis()).unwrap_or(0)).clamp(MIN_SLEEP, IDLE_POLL),
            Ok(None) => IDLE_POLL,
            Err(error) => {
                tracing::error!(%error, "cannot read when parked flow runs are due");
                IDLE_POLL
            }
        };
        if *shutdown.borrow() {
            return;
        }
        tokio::select! {
            () = store.flow_runs_created().notified() => {}
            () = tokio::time::sleep(sleep) => {}
            _ = shutdown.changed() => if *shutdown.borrow() { return },
        }
    }
}
