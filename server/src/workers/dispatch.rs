//! The dispatcher: reads new trigger events from the event log and turns them into runs of
//! the matching integrations (the store moves its cursor in the same transaction).

use std::{sync::Arc, time::Duration};

use outflow_core::{Store, store};
use tokio::sync::watch;

use super::{Wakeups, pause};
use crate::metrics::Metrics;

/// Events read per transaction.
const BATCH: i64 = 500;
/// Longest sleep when nobody wakes the dispatcher.
const IDLE_POLL: Duration = Duration::from_millis(200);

pub async fn run(store: Store, metrics: Arc<Metrics>, wakeups: Arc<Wakeups>, mut shutdown: watch::Receiver<bool>) {
    loop {
        match store::dispatch_events(&store, BATCH).await {
            Ok(dispatched) => {
                metrics.dispatched(&dispatched);
                if dispatched.pending > 0 {
                    wakeups.runs.notify_one();
                }
                if dispatched.queued > 0 {
                    wakeups.agent_work.notify_waiters();
                }
            }
            Err(error) => tracing::error!(%error, "cannot dispatch trigger events"),
        }
        if !pause(&wakeups.events, IDLE_POLL, &mut shutdown).await {
            return;
        }
    }
}
