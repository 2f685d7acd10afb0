//! Health at a glance: the dashboard and the endpoints' health, of the workflows the caller
//! may see (an admin: all of them), so a member of one workflow never sees another's
//! numbers. Agents online are shown only to those who may read the agent registry.

use outflow_model::dashboard::{Dashboard, EndpointHealth, Period, PeriodShape, QueueDepth};

use super::{Operation, Ops, rules};
use crate::{
    clock,
    store::{self, Principal, StoreResult},
};

impl Ops {
    /// Runs per minute by outcome over the last hour and day, delivery latency, every
    /// endpoint's health (the failing ones marked), queue depths and agents online.
    pub async fn dashboard(&self, principal: &Principal) -> StoreResult<Dashboard> {
        self.admit(principal, Operation::ReadDashboard)?;
        let workflows = self.visible_workflows(principal).await?;
        let workflows = workflows.as_deref();
        let now = clock::now_millis();
        let activity = store::run_activity(&self.store, workflows, now).await?;
        let endpoints = store::endpoint_figures(&self.store, workflows, now).await?;
        let (hour_latency, day_latency) = store::latency_of(&endpoints);
        let period = |shape: PeriodShape, latency| {
            let (slots, runs) = activity.period(shape);
            Period { slot_minutes: shape.slot_minutes, slots, runs, latency }
        };
        let queues = store::queue_depths(&self.store, workflows).await?;
        let agents = match rules::admit(principal, Operation::ReadAgents) {
            Ok(()) => Some(store::agents_online(&self.store, now).await?),
            Err(_) => None,
        };
        Ok(Dashboard {
            generated_at: clock::rfc3339(now),
            last_hour: period(PeriodShape::HOUR, hour_latency),
            last_day: period(PeriodShape::DAY, day_latency),
            endpoints: endpoints.into_iter().map(|endpoint| endpoint.health).collect(),
            queues: QueueDepth {
                notifications: count(queues.pending_notifications),
                runs: count(queues.pending_runs),
                agent_runs: count(queues.queued_runs),
                flow_runs: count(queues.pending_flow_runs + queues.running_flow_runs),
            },
            agents,
        })
    }

    /// Each endpoint's deliveries over the last 24 hours: success rate, latency, hour by hour.
    pub async fn endpoint_health(&self, principal: &Principal) -> StoreResult<Vec<EndpointHealth>> {
        self.admit(principal, Operation::ReadDashboard)?;
        let workflows = self.visible_workflows(principal).await?;
        let endpoints = store::endpoint_figures(&self.store, workflows.as_deref(), clock::now_millis()).await?;
        Ok(endpoints.into_iter().map(|endpoint| endpoint.health).collect())
    }
}

/// A row count as SQLite answers it (never negative).
fn count(rows: i64) -> u64 {
    u64::try_from(rows).unwrap_or_default()
}
