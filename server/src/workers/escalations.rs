//! The escalation worker: fires group escalations when they fall due. It sleeps until the
//! earliest due time (re-reading it after every wake-up), so a restart resumes where the
//! database says, and the store's compare-and-set keeps each escalation from firing twice.

use std::{sync::Arc, time::Duration};

use outflow_core::{Store, clock, store};
use tokio::sync::watch;

use super::{Wakeups, Work, breathe, pause};

/// Longest sleep, so suspended alerts that resume are noticed without a wake-up.
const MAX_SLEEP: Duration = Duration::from_secs(1);
/// Shortest sleep, so a failing database is not hammered in a tight loop.
const MIN_SLEEP: Duration = Duration::from_millis(10);

pub async fn run(store: Store, wakeups: Arc<Wakeups>, mut shutdown: watch::Receiver<bool>) {
    loop {
        match store::fire_due_escalations(&store, clock::now_millis()).await {
            Ok(0) => {}
            Ok(fired) => {
                tracing::info!(fired, "escalations fired");
                wakeups.wake(Work::Notifications);
                wakeups.wake(Work::Events);
            }
            Err(error) => tracing::error!(%error, "cannot fire escalations"),
        }
        let sleep = match store::next_escalation_due(&store).await {
            Ok(Some(due)) => Duration::from_millis(u64::try_from(due - clock::now_millis()).unwrap_or(0)).clamp(MIN_SLEEP, MAX_SLEEP),
            Ok(None) => MAX_SLEEP,
            Err(error) => {
                tracing::error!(%error, "cannot read the next escalation time");
                MAX_SLEEP
            }
        };
        // Every alert that sets a group timer wakes this worker: a short breather first, so a burst of alerts
        // costs two queries per breather instead of two per alert (due times stay exact to 10 ms).
        if !breathe(MIN_SLEEP, &mut shutdown).await || !pause(wakeups.signal(Work::Escalations), sleep.saturating_sub(MIN_SLEEP), &mut shutdown).await
        {
            return;
        }
    }
}
