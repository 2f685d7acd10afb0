//! Background work that runs beside the HTTP server: delivering notifications, firing
//! group escalations, dispatching trigger events, sending integration runs, and taking up
//! flow runs for the engine, and firing flows' Schedule triggers. Workers take their work from the database, so a restart loses nothing;
//! `Wakeups` lets a handler cut a worker's sleep short after it wrote new work.

mod dispatch;
mod escalations;
mod notifications;
mod runs;
pub mod schedules;

use std::sync::Arc;

use tokio::{
    sync::{Notify, watch},
    task::JoinSet,
};

use crate::{delivery::devices::Providers, engine::Engine, runtime::Runtime};

pub use outflow_core::ops::{Wakeups, Work};

/// Starts every worker; they stop once `shutdown` turns true.
pub fn spawn(
    providers: Providers,
    runs: Runtime,
    engine: Engine,
    schedule_clock: schedules::SchedulerClock,
    wakeups: Arc<Wakeups>,
    shutdown: watch::Receiver<bool>,
) -> JoinSet<()> {
    let store = runs.store.clone();
    let mut workers = JoinSet::new();
    let started_at = schedule_clock.now();
    workers.spawn(schedules::run(store.clone(), schedule_clock, started_at, wakeups.clone(), shutdown.clone()));
    workers.spawn(notifications::run(store.clone(), providers, wakeups.clone(), shutdown.clone()));
    workers.spawn(escalations::run(store.clone(), wakeups.clone(), shutdown.clone()));
    workers.spawn(dispatch::run(store, wakeups.clone(), shutdown.clone()));
    workers.spawn(runs::run(runs, wakeups, shutdown.clone()));
    workers.spawn(crate::engine::worker::run(engine, shutdown));
    workers
}

/// Sleeps for `gap` (or until shutdown); returns false on shutdown. Workers woken once per
/// alert take this breather after a round that found nothing, so a burst of wake-ups costs
/// one round per gap instead of one database round trip per alert.
async fn breathe(gap: std::time::Duration, shutdown: &mut watch::Receiver<bool>) -> bool {
    if *shutdown.borrow() {
        return false;
    }
    tokio::select! {
        () = tokio::time::sleep(gap) => true,
        _ = shutdown.changed() => !*shutdown.borrow(),
    }
}

/// Sleeps until woken, the timeout passes, or shutdown; returns false on shutdown.
async fn pause(wake: &Notify, timeout: std::time::Duration, shutdown: &mut watch::Receiver<bool>) -> bool {
    if *shutdown.borrow() {
        return false;
    }
    tokio::select! {
        () = wake.notified() => true,
        () = tokio::time::sleep(timeout) => true,
        _ = shutdown.changed() => !*shutdown.borrow(),
    }
}
