//! Keeps the leases on the runs this process executes. Every quarter of a lease one
//! statement extends, by a whole lease, the lease of every run executing here for longer
//! than that (a quick run never costs one). So a run whose steps outlast a lease (one step
//! may take up to the per-step timeout, 5 minutes by default) stays with this process, while
//! the runs of an instance that died go to another once their lease ran out. Should this
//! process fail to renew in time and another instance take a run up, this one may no longer
//! record that run's steps (`store::record_flow_steps` refuses), so it stops there.

use std::{collections::HashSet, sync::Weak, time::Duration};

use outflow_core::store;

use super::{Engine, Inner};

/// Renews for as long as the engine exists.
pub(super) async fn renew(engine: Weak<Inner>) {
    // Runs still executing here whose lease another instance holds: told once, not renewed.
    let mut lost: HashSet<String> = HashSet::new();
    loop {
        let Some(every) = engine.upgrade().map(|inner| Engine(inner).renewal_interval()) else { return };
        tokio::time::sleep(every).await;
        let Some(engine) = engine.upgrade().map(Engine) else { return };
        let executing: HashSet<String> = engine.held_for(Duration::ZERO).into_iter().collect();
        lost.retain(|id| executing.contains(id));
        let held: Vec<String> = engine.held_for(every).into_iter().filter(|id| !lost.contains(id)).collect();
        if held.is_empty() {
            continue;
        }
        match store::renew_flow_run_leases(&engine.runtime().store, held).await {
            Ok(not_renewed) => {
                let executing = engine.held_for(Duration::ZERO);
                for run_id in not_renewed.into_iter().filter(|id| executing.contains(id)) {
                    tracing::warn!(
                        run_id,
                        "another instance took up a flow run this one executes (its lease ran out); this one stops at its next step"
                    );
                    lost.insert(run_id);
                }
            }
            Err(error) => tracing::error!(%error, "cannot renew the leases of the flow runs executing here"),
        }
    }
}

impl Engine {
    /// How often leases are renewed: a quarter of a lease, so three renewals may fail in a row.
    fn renewal_interval(&self) -> Duration {
        Duration::from_millis(u64::try_from(self.runtime().store.flow_run_lease().ms / 4).unwrap_or(25).max(25))
    }
}
