//! The delivery worker: claims due notifications in batches, delivers them concurrently
//! through the device providers, and records each result with its `delivery` event.

use std::{sync::Arc, time::Duration};

use futures::future::join_all;
use outflow_core::{Store, clock, store};
use tokio::sync::watch;

use super::{Wakeups, Work, breathe, pause};
use crate::delivery::devices::Providers;

/// Notifications claimed per round; they are delivered concurrently.
const BATCH: i64 = 64;
/// Longest sleep between rounds when nobody wakes the worker (device delays end unannounced).
const IDLE_POLL: Duration = Duration::from_millis(250);
/// Pause after a round that claimed nothing (alerts whose notifications wait for a device's
/// delay wake this worker too); a notification made meanwhile waits at most this long.
const EMPTY_ROUND_GAP: Duration = Duration::from_millis(5);

pub async fn run(store: Store, providers: Providers, wakeups: Arc<Wakeups>, mut shutdown: watch::Receiver<bool>) {
    loop {
        let claimed = match store::claim_due_notifications(&store, clock::now_millis(), BATCH).await {
            Ok(jobs) => jobs,
            Err(error) => {
                tracing::error!(%error, "cannot claim notifications");
                Vec::new()
            }
        };
        let full_batch = claimed.len() as i64 == BATCH;
        let deliveries = claimed.iter().map(|job| async {
            let result = providers.deliver(job).await;
            tracing::debug!(alert_id = job.alert_id, notification = %job.notification_id, ?result, "delivered");
            if let Err(error) = store::record_delivery(&store, job, &result).await {
                tracing::error!(alert_id = job.alert_id, %error, "cannot record a delivery; it will be retried after its lease");
            }
        });
        join_all(deliveries).await;
        if !claimed.is_empty() {
            wakeups.wake(Work::Events);
        }
        if full_batch && !*shutdown.borrow() {
            continue;
        }
        if claimed.is_empty() && !breathe(EMPTY_ROUND_GAP, &mut shutdown).await {
            return;
        }
        if !pause(wakeups.signal(Work::Notifications), IDLE_POLL, &mut shutdown).await {
            return;
        }
    }
}
