//! Waking the workers after a change, so new work starts at once instead of at the next
//! poll. One value per process, shared by the operations and the workers.

use tokio::sync::Notify;

use crate::store::{AlertWork, Dispatched};

/// Wakes workers when there may be new work for them.
#[derive(Default)]
pub struct Wakeups {
    pub notifications: Notify,
    pub escalations: Notify,
    /// New trigger events to dispatch.
    pub events: Notify,
    /// New runs to send.
    pub runs: Notify,
    /// New queued work for Integration Agents; every waiting lease wakes (`notify_waiters`).
    pub agent_work: Notify,
    /// A flow was published, rolled back, imported or turned on or off: schedules to re-read.
    pub schedules: Notify,
}

impl Wakeups {
    /// After any change that may have created notifications, escalation timers or events.
    pub fn alert_changed(&self) {
        self.notifications.notify_one();
        self.escalations.notify_one();
        self.events.notify_one();
    }

    /// After an alert started: only the workers it left work for.
    pub fn alert_started(&self, work: &AlertWork) {
        if work.notifications {
            self.notifications.notify_one();
        }
        if work.escalation_timers {
            self.escalations.notify_one();
        }
        match &work.dispatched {
            Some(dispatched) => self.dispatched(dispatched),
            None => self.events.notify_one(),
        }
    }

    /// After a dispatch committed: the senders of the runs it created, and the dispatcher
    /// again when it left events waiting.
    pub fn dispatched(&self, dispatched: &Dispatched) {
        if dispatched.pending > 0 {
            self.runs.notify_one();
        }
        if dispatched.queued > 0 {
            self.agent_work.notify_waiters();
        }
        if dispatched.batch_full() {
            self.events.notify_one();
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    /// Whether `notify` holds a wake-up (taking it).
    async fn woken(notify: &Notify) -> bool {
        tokio::time::timeout(Duration::ZERO, notify.notified()).await.is_ok()
    }

    #[tokio::test]
    async fn a_started_alert_wakes_only_the_workers_it_left_work_for() {
        let wakeups = Wakeups::default();
        let dispatched = Dispatched { pending: 1, ..Dispatched::default() };
        wakeups.alert_started(&AlertWork { notifications: false, escalation_timers: false, dispatched: Some(dispatched) });
        assert!(woken(&wakeups.runs).await);
        for idle in [&wakeups.notifications, &wakeups.escalations, &wakeups.events] {
            assert!(!woken(idle).await);
        }

        wakeups.alert_started(&AlertWork { notifications: true, escalation_timers: true, dispatched: None });
        for busy in [&wakeups.notifications, &wakeups.escalations, &wakeups.events] {
            assert!(woken(busy).await, "notifications, timers, and events the dispatcher must take");
        }
        assert!(!woken(&wakeups.runs).await);
    }
}
