//! Waking the workers after a change, so new work starts at once instead of at the next
//! poll. One value per process, shared by the operations and the workers. On PostgreSQL the
//! other instances on the database are told too (coalesced, see [`Wakeups::share`]), so an
//! idle instance helps with work another one queued, and an agent waiting on one instance
//! gets work queued on another at once.

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicU8, Ordering},
    },
    time::Duration,
};

use tokio::sync::Notify;

use crate::store::{AlertWork, Dispatched, Store};

/// Least time between two announcements to other instances: a burst of work costs one.
const ANNOUNCE_GAP: Duration = Duration::from_millis(10);

/// A kind of work workers wait for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Work {
    /// Notifications to deliver.
    Notifications,
    /// Group escalation timers set.
    Escalations,
    /// New trigger events to dispatch.
    Events,
    /// New runs to send.
    Runs,
    /// New queued work for Integration Agents; every waiting lease wakes.
    AgentWork,
    /// A flow was published, rolled back, imported or turned on or off: schedules to re-read.
    Schedules,
}

impl Work {
    const ALL: [Work; 6] = [Work::Notifications, Work::Escalations, Work::Events, Work::Runs, Work::AgentWork, Work::Schedules];

    /// Its bit in an announcement's set of kinds.
    fn bit(self) -> u8 {
        1 << self as u8
    }
}

/// The bit announcing flow runs for the engine, whose worker waits on the store's own
/// signal (`Store::flow_runs_created`, woken by the store where it creates them).
const FLOW_RUNS: u8 = 1 << Work::ALL.len();

/// Wakes workers when there may be new work for them.
#[derive(Default)]
pub struct Wakeups {
    notifications: Notify,
    escalations: Notify,
    events: Notify,
    runs: Notify,
    agent_work: Notify,
    schedules: Notify,
    /// Whether other instances are told (see [`Wakeups::share`]); on SQLite nobody is.
    sharing: AtomicBool,
    /// Kinds woken here that other instances were not told of yet (bits of [`Work::bit`]).
    untold: AtomicU8,
    /// Wakes the announcer (see [`Wakeups::share`]).
    announce: Notify,
}

impl Wakeups {
    /// Wakes this process's workers for `work` and, on PostgreSQL, the other instances'.
    pub fn wake(&self, work: Work) {
        self.wake_here(work);
        self.tell(work.bit());
    }

    /// What a worker for `work` waits on between rounds.
    pub fn signal(&self, work: Work) -> &Notify {
        match work {
            Work::Notifications => &self.notifications,
            Work::Escalations => &self.escalations,
            Work::Events => &self.events,
            Work::Runs => &self.runs,
            Work::AgentWork => &self.agent_work,
            Work::Schedules => &self.schedules,
        }
    }

    fn wake_here(&self, work: Work) {
        match work {
            Work::AgentWork => self.agent_work.notify_waiters(),
            work => self.signal(work).notify_one(),
        }
    }

    /// Marks `kinds` for the next announcement to other instances, when they are told.
    fn tell(&self, kinds: u8) {
        if !self.sharing.load(Ordering::Relaxed) {
            return;
        }
        self.untold.fetch_or(kinds, Ordering::AcqRel);
        self.announce.notify_one();
    }

    /// On PostgreSQL: tells the other instances on `store`'s database of the work woken
    /// here (one announcement per [`ANNOUNCE_GAP`] at most), for as long as the process runs,
    /// and wakes this process's workers for the work they announce. Nothing on SQLite, where
    /// one process serves a database.
    pub fn share(self: &Arc<Self>, store: &Store) {
        if store.engine() != crate::store::db::Engine::Postgres {
            return;
        }
        self.sharing.store(true, Ordering::Relaxed);
        let heard = Arc::downgrade(self);
        store.on_work_announced(move |store, kinds| {
            let Some(wakeups) = heard.upgrade() else { return };
            for work in Work::ALL.into_iter().filter(|work| kinds & work.bit() != 0) {
                wakeups.wake_here(work);
            }
            if kinds & FLOW_RUNS != 0 {
                store.flow_runs_created().notify_one();
            }
        });
        let (wakeups, store) = (self.clone(), store.clone());
        tokio::spawn(async move {
            loop {
                wakeups.announce.notified().await;
                let kinds = wakeups.untold.swap(0, Ordering::AcqRel);
                if kinds != 0
                    && let Err(error) = store.announce_work(kinds).await
                {
                    tracing::warn!(%error, "other instances could not be told of queued work; they find it at their next poll");
                }
                tokio::time::sleep(ANNOUNCE_GAP).await;
            }
        });
    }

    /// After any change that may have created notifications, escalation timers or events.
    pub fn alert_changed(&self) {
        for work in [Work::Notifications, Work::Escalations, Work::Events] {
            self.wake(work);
        }
    }

    /// After an alert started: only the workers it left work for.
    pub fn alert_started(&self, work: &AlertWork) {
        if work.notifications {
            self.wake(Work::Notifications);
        }
        if work.escalation_timers {
            self.wake(Work::Escalations);
        }
        match &work.dispatched {
            Some(dispatched) => self.dispatched(dispatched),
            None => self.wake(Work::Events),
        }
    }

    /// After a dispatch committed: the senders of the runs it created, and the dispatcher
    /// again when it left events waiting.
    pub fn dispatched(&self, dispatched: &Dispatched) {
        if dispatched.pending > 0 {
            self.wake(Work::Runs);
        }
        if dispatched.queued > 0 {
            self.wake(Work::AgentWork);
        }
        if dispatched.flows > 0 {
            // The store woke this process's engine.
            self.tell(FLOW_RUNS);
        }
        if dispatched.batch_full() {
            self.wake(Work::Events);
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

    #[test]
    fn what_is_woken_here_is_kept_for_the_other_instances_until_announced() {
        let wakeups = Wakeups::default();
        // As `share` leaves it on PostgreSQL.
        wakeups.sharing.store(true, Ordering::Relaxed);
        wakeups.wake(Work::Runs);
        wakeups.dispatched(&Dispatched { queued: 1, flows: 1, ..Dispatched::default() });
        let told = wakeups.untold.swap(0, Ordering::AcqRel);
        assert_eq!(told, Work::Runs.bit() | Work::AgentWork.bit() | FLOW_RUNS);
        assert!(Work::ALL.iter().all(|work| work.bit() & FLOW_RUNS == 0), "flow runs have a bit of their own");
    }
}
