//! Starting flow runs: by id, through a flow's HTTP trigger, and designer tests with their
//! sample payloads (and the sample payload of a form's trigger, which integrations are
//! shown). The engine (in the server) executes runs; these decide who may start one, on
//! which flow.

use outflow_model::{
    flow_runs::{SamplePayload, SampleSource, TestFlowRun},
    flows::{BlockKind, CALL_TRIGGER, HTTP_TRIGGER, SCHEDULE_TRIGGER},
    trigger::Trigger,
};
use serde_json::Value;

use super::{Operation, Ops};
use crate::{
    clock, payload,
    store::{self, Principal, StoreError, StoreResult},
};

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

    /// A payload to test one of the flow's trigger blocks with: the newest real one, else
    /// the example its trigger would send for an alert of the flow's form. `unsaved_key` is
    /// the block's trigger when the designer's block is not saved yet.
    pub async fn flow_sample(&self, principal: &Principal, flow_id: &str, block_id: &str, unsaved_key: Option<&str>) -> StoreResult<SamplePayload> {
        self.admit(principal, Operation::ReadFlow)?;
        let flow = self.flow_of_member(principal, flow_id).await?;
        let saved_block = flow.blocks.iter().find(|block| block.id == block_id && block.kind == BlockKind::Trigger);
        let saved = saved_block.and_then(|block| block.trigger.as_deref());
        let key =
            saved.or(unsaved_key).ok_or_else(|| StoreError::NotFound(format!("The flow \"{}\" has no trigger block \"{block_id}\".", flow.name)))?;
        let (payload, source) = match store::sample_payload(&self.store, flow_id, &flow.form_id, key).await? {
            Some(payload) => (payload, SampleSource::Event),
            None if key == HTTP_TRIGGER => (payload::http_sample(), SampleSource::Example),
            // What a caller passes: each declared input, empty.
            None if key == CALL_TRIGGER => {
                let names = saved_block.map(|block| block.names_setting("inputs")).unwrap_or_default();
                (Value::Object(names.into_iter().map(|name| (name, Value::String(String::new()))).collect()), SampleSource::Example)
            }
            None if key == SCHEDULE_TRIGGER => {
                let (cron, zone) = saved_block.map(|block| (block.setting_text("cron"), block.setting_text("timeZone"))).unwrap_or_default();
                let schedule = crate::schedule::from_settings(&cron, &zone).or_else(|_| crate::schedule::from_settings("* * * * *", "UTC"));
                let now = clock::now_millis();
                let payload = schedule.map(|schedule| schedule.payload(now - now % 60_000, now)).unwrap_or_default();
                (payload, SampleSource::Example)
            }
            None => {
                let trigger = Trigger::from_key(key).ok_or_else(|| StoreError::invalid(format!("There is no trigger \"{key}\".")))?;
                (payload::sample(trigger, &store::get_form(&self.store, &flow.form_id).await?, clock::now_millis()), SampleSource::Example)
            }
        };
        Ok(SamplePayload { trigger: block_id.to_string(), payload, source })
    }

    /// The exact payload `trigger` sends for an alert of the form, built from an example alert
    /// (see [`payload::sample`]): what an integration of that trigger receives.
    pub async fn trigger_sample(&self, principal: &Principal, form_id: &str, trigger: Trigger) -> StoreResult<Value> {
        self.admit(principal, Operation::ReadSamplePayload)?;
        let form = self.form_of_member(principal, form_id).await?;
        Ok(payload::sample(trigger, &form, clock::now_millis()))
    }
}
