//! The dispatcher: reads new trigger events from the event log and turns them into runs of
//! the matching integrations (the store moves its cursor in the same transaction). A started
//! alert dispatches its own events as it is written; this worker takes every other change's.

use std::{sync::Arc, time::Duration};

use outflow_core::{Store, store};
use tokio::sync::watch;

use super::{Wakeups, Work, pause};

/// Longest sleep when nobody wakes the dispatcher.
const IDLE_POLL: Duration = Duration::from_millis(200);

pub async fn run(store: Store, wakeups: Arc<Wakeups>, mut shutdown: watch::Receiver<bool>) {
    loop {
        match store::dispatch_events(&store).await {
            Ok(dispatched) => wakeups.dispatched(&dispatched),
            Err(error) => tracing::error!(%error, "cannot dispatch trigger events"),
        }
        if !pause(wakeups.signal(Work::Events), IDLE_POLL, &mut shutdown).await {
            return;
        }
    }
}
