//! Starting flow runs: by id, through a flow's HTTP trigger, and designer tests with their
//! sample payloads. The engine (in the server) executes runs; these decide who may start
//! one, on which flow.

use outflow_model::flow_runs::{SamplePayload, TestFlowRun};

use super::{Operation, Ops};
use crate::store::{self, Principal, StoreError, StoreResult};

impl Ops {
    /// Refuses `principal` a run of a flow of `workflow_id` started by id (`flow_id` names it
    /// in the refusal), unless they may start one there.
    pub async fn may_start_flow_run(&self, principal: &Principal, flow_id: &str, workflow_id: &str) -> StoreResult<()> {
        self.admit(principal, Operation::StartFlowRun)?;
        self.member(principal, workflow_id, || format!("No flow with id {flow_id}.")).await?;
        self.chain_allows(principal, flow_id).await
    }

    /// The same for a call of a flow's HTTP trigger.
    pub async fn may_call_http_trigger(&self, principal: &Principal, flow_id: &str, workflow_id: &str) -> StoreResult<()> {
        self.admit(principal, Operation::CallHttpTrigger)?;
        self.member(principal, workflow_id, || format!("No flow with id {flow_id}.")).await?;
        self.chain_allows(principal, flow_id).await
    }

    /// Refuses a script's or flow's start of a flow past the chain bounds (`chains`).
    async fn chain_allows(&self, principal: &Principal, flow_id: &str) -> StoreResult<()> {
        let depth = principal.chain_depth();
        if depth == 0 {
            return Ok(());
        }
        let recent = store::chained_runs_since(&self.store, flow_id, crate::clock::now_millis() - super::chains::CHAIN_WINDOW_MS).await?;
        match super::chains::refusal(depth, recent) {
            Some(reason) => Err(StoreError::Conflict(reason)),
            None => Ok(()),
        }
    }

    /// Starts a test run of the flow (of the unsaved graph when given), acting as
    /// `principal`; answers its id. Disabled flows can be tested.
    pub async fn test_flow(&self, principal: &Principal, flow_id: &str, test: &TestFlowRun) -> StoreResult<String> {
        self.admit(principal, Operation::TestFlow)?;
        self.flow_of_member(principal, flow_id).await?;
        store::start_test_run(&self.store, flow_id, test, Some(&principal.actor())).await
    }

    /// The newest real payload of one of the flow's trigger blocks.
    pub async fn flow_sample(&self, principal: &Principal, flow_id: &str, trigger: &str) -> StoreResult<SamplePayload> {
        self.admit(principal, Operation::ReadFlow)?;
        self.flow_of_member(principal, flow_id).await?;
        let payload = store::sample_payload(&self.store, flow_id, trigger).await?;
        Ok(SamplePayload { trigger: trigger.to_string(), payload })
    }
}
