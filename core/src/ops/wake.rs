//! Waking the workers after a change, so new work starts at once instead of at the next
//! poll. One value per process, shared by the operations and the workers.

use tokio::sync::Notify;

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
}
