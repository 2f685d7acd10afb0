//! Call Flow: who may call which flow. A Call Flow step calls a flow of its own run's
//! workflow that starts with the Called by a flow trigger, is published and turned on, with
//! the rights of the caller (the run's acting user, bounded as a flow's; nobody when the
//! run acts for nobody, and then the called run acts for nobody too), at most
//! [`MAX_CALL_DEPTH`] calls deep. Calls are structured, not chains: the called run keeps
//! the caller's chain depth (`chains`). Writing the call is `store::flow_calls`'s.

use outflow_model::{
    flow_runs::Iteration,
    flows::{BlockKind, CALL_TRIGGER, MAX_CALL_DEPTH},
};
use serde_json::{Map, Value};

use super::{Operation, Ops};
use crate::store::{self, CalledRun, Edition, NewCall, Principal, StoreError, StoreResult};

/// The calling run and step.
#[derive(Debug, Clone)]
pub struct Caller {
    pub run_id: String,
    pub workflow_id: String,
    pub block: String,
    pub iteration: Iteration,
    /// How deeply calls nest at the calling run.
    pub call_depth: i64,
    pub chain_depth: i64,
    pub acting_user_id: Option<i64>,
    pub alert_id: Option<i64>,
}

/// Why a call from a run at `caller_depth` may not start another run; `None` when it may.
pub fn depth_refusal(caller_depth: i64) -> Option<String> {
    (caller_depth >= MAX_CALL_DEPTH).then(|| {
        format!("The flow was not called: flows may call flows at most {MAX_CALL_DEPTH} deep, and this call would be number {}.", caller_depth + 1)
    })
}

impl Ops {
    /// Starts the run of flow `flow_id` a Call Flow step asks for, with `inputs` as its
    /// trigger's outputs, or finds the one it started before (see `store::flow_calls`).
    pub async fn call_flow(&self, acting: Option<&Principal>, caller: &Caller, flow_id: &str, inputs: Map<String, Value>) -> StoreResult<CalledRun> {
        if let Some(refusal) = depth_refusal(caller.call_depth) {
            return Err(StoreError::invalid(refusal));
        }
        let missing = || format!("No flow with id {flow_id} in this workflow.");
        if let Some(principal) = acting {
            self.admit(principal, Operation::StartFlowRun)?;
            self.member(principal, &caller.workflow_id, missing).await?;
        }
        let flow = match store::runnable_flow(&self.store, flow_id, Edition::Published).await {
            Ok(flow) if flow.workflow_id == caller.workflow_id => flow,
            Ok(_) | Err(StoreError::NotFound(_)) => return Err(StoreError::NotFound(missing())),
            Err(error) => return Err(error),
        };
        if let Some(refusal) = flow.refusal() {
            return Err(StoreError::invalid(refusal));
        }
        let trigger_block = flow
            .graph
            .blocks
            .iter()
            .find(|block| block.kind == BlockKind::Trigger && block.trigger.as_deref() == Some(CALL_TRIGGER))
            .cloned()
            .ok_or_else(|| StoreError::invalid(format!("The flow \"{}\" cannot be called: it has no Called by a flow trigger.", flow.name)))?;
        let call = NewCall {
            caller_run: caller.run_id.clone(),
            block: caller.block.clone(),
            iteration: caller.iteration.clone(),
            depth: caller.call_depth + 1,
            flow,
            trigger_block,
            payload: Value::Object(inputs),
            acting_user_id: caller.acting_user_id,
            alert_id: caller.alert_id,
            chain_depth: caller.chain_depth,
        };
        store::start_called_run(&self.store, call).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calls_nest_at_most_ten_deep() {
        assert_eq!(depth_refusal(0), None);
        assert_eq!(depth_refusal(MAX_CALL_DEPTH - 1), None, "the tenth call is allowed");
        let refusal = depth_refusal(MAX_CALL_DEPTH).expect("the eleventh call is refused");
        assert!(refusal.contains("at most 10 deep") && refusal.contains("number 11"), "{refusal}");
    }
}
