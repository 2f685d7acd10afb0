//! Runs: integration runs and flow runs, listed, read, re-run and restarted from a step. A run belongs to its
//! flow's workflow, or to its alert's; a run left with neither is an admin's alone.

use outflow_model::{
    flow_runs::RestartFlowRun,
    runs::{Run, RunPage, RunQuery},
};

use super::{Operation, Ops, Work};
use crate::store::{self, Principal, StoreError, StoreResult};

impl Ops {
    /// Runs of the workflows `principal` may see, newest first.
    pub async fn list_runs(&self, principal: &Principal, query: &RunQuery) -> StoreResult<RunPage> {
        self.admit(principal, Operation::ListRuns)?;
        let workflows = self.visible_workflows(principal).await?;
        store::list_runs(&self.store, query, workflows.as_deref()).await
    }

    pub async fn get_run(&self, principal: &Principal, id: &str) -> StoreResult<Run> {
        self.admit(principal, Operation::ReadRun)?;
        self.run_member(principal, id).await?;
        store::get_run(&self.store, id).await
    }

    /// Sends a finished integration run again, or runs a finished flow run's flow again with
    /// its payload acting as `principal`.
    pub async fn rerun(&self, principal: &Principal, id: &str) -> StoreResult<Run> {
        self.admit(principal, Operation::Rerun)?;
        self.run_member(principal, id).await?;
        let run = store::rerun(&self.store, id, Some(&principal.actor())).await?;
        self.wakeups.wake(Work::Runs);
        Ok(run)
    }

    /// Starts a new run of a finished flow run's graph that reuses what ran before
    /// `restart.from_step` (by default the step that failed) and runs from there, acting as
    /// `principal`, who needs the rights to start the flow.
    pub async fn restart_flow_run(&self, principal: &Principal, id: &str, restart: &RestartFlowRun) -> StoreResult<Run> {
        self.admit(principal, Operation::RestartFlowRun)?;
        self.run_member(principal, id).await?;
        let new_id = store::restart_flow_run(&self.store, id, restart.from_step.as_deref(), Some(&principal.actor())).await?;
        store::get_run(&self.store, &new_id).await
    }

    async fn run_member(&self, principal: &Principal, id: &str) -> StoreResult<()> {
        let missing = || format!("No run with id {id}.");
        match store::run_workflow(&self.store, id).await? {
            Some(workflow_id) => self.member(principal, &workflow_id, missing).await,
            None if principal.delegation.is_none() && principal.is_admin() => Ok(()),
            None => Err(StoreError::NotFound(missing())),
        }
    }
}
