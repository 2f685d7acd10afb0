//! Flows of a workflow's forms: their graphs, export and import, and version history.
//! Graph rules live in `outflow_model::flows`.

use outflow_model::flows::{Flow, FlowDocument, FlowSave, FlowSummary, FlowTrigger, FlowVersion, FlowVersionDetail, NewFlow, SchedulePreview};

use super::{Operation, Ops, Work};
use crate::{
    clock,
    store::{self, Principal, StoreError, StoreResult},
};

impl Ops {
    /// Flows of the workflows `principal` may see, by form then name.
    pub async fn list_flows(&self, principal: &Principal, form_id: Option<&str>, workflow_id: Option<&str>) -> StoreResult<Vec<FlowSummary>> {
        self.admit(principal, Operation::ListFlows)?;
        let mut flows = store::list_flows(&self.store, form_id, workflow_id).await?;
        if let Some(visible) = self.visible_workflows(principal).await? {
            flows.retain(|flow| visible.contains(&flow.workflow_id));
        }
        Ok(flows)
    }

    /// The trigger blocks with a step connected in the flows of a workflow: which flows
    /// extend which of its forms' integrations.
    pub async fn list_flow_triggers(&self, principal: &Principal, workflow_id: &str) -> StoreResult<Vec<FlowTrigger>> {
        self.admit(principal, Operation::ListFlows)?;
        self.workflow_member(principal, workflow_id).await?;
        store::list_flow_triggers(&self.store, workflow_id).await
    }

    pub async fn create_flow(&self, principal: &Principal, input: &NewFlow) -> StoreResult<Flow> {
        self.admit(principal, Operation::CreateFlow)?;
        self.form_usable(principal, &input.form_id).await?;
        store::create_flow(&self.store, input, Some(&principal.actor())).await
    }

    /// Creates a flow from an export (SPEC §6).
    pub async fn import_flow(&self, principal: &Principal, document: &FlowDocument) -> StoreResult<Flow> {
        self.admit(principal, Operation::CreateFlow)?;
        self.form_usable(principal, &document.form_id).await?;
        let flow = store::import_flow(&self.store, document, Some(&principal.actor())).await?;
        self.wakeups.wake(Work::Schedules);
        Ok(flow)
    }

    pub async fn get_flow(&self, principal: &Principal, id: &str) -> StoreResult<Flow> {
        self.admit(principal, Operation::ReadFlow)?;
        self.flow_of_member(principal, id).await
    }

    /// Saves the whole graph as a new version (409 over a newer one).
    pub async fn save_flow(&self, principal: &Principal, id: &str, save: &FlowSave) -> StoreResult<Flow> {
        self.admit(principal, Operation::ChangeFlow)?;
        self.flow_of_member(principal, id).await?;
        let flow = store::save_flow(&self.store, id, save, Some(&principal.actor())).await?;
        if save.enabled.is_some() {
            self.wakeups.wake(Work::Schedules);
        }
        Ok(flow)
    }

    pub async fn delete_flow(&self, principal: &Principal, id: &str) -> StoreResult<()> {
        self.admit(principal, Operation::ChangeFlow)?;
        self.flow_of_member(principal, id).await?;
        store::delete_flow(&self.store, id, Some(&principal.actor())).await
    }

    pub async fn list_flow_versions(&self, principal: &Principal, id: &str) -> StoreResult<Vec<FlowVersion>> {
        self.admit(principal, Operation::ReadFlow)?;
        self.flow_of_member(principal, id).await?;
        store::list_flow_versions(&self.store, id).await
    }

    pub async fn get_flow_version(&self, principal: &Principal, id: &str, version: i64) -> StoreResult<FlowVersionDetail> {
        self.admit(principal, Operation::ReadFlow)?;
        self.flow_of_member(principal, id).await?;
        store::get_flow_version(&self.store, id, version).await
    }

    /// Makes an old version the newest again, saved as a new version.
    pub async fn restore_flow_version(&self, principal: &Principal, id: &str, version: i64) -> StoreResult<Flow> {
        self.admit(principal, Operation::ChangeFlow)?;
        self.flow_of_member(principal, id).await?;
        store::restore_flow_version(&self.store, id, version, Some(&principal.actor())).await
    }

    /// Publishes the flow's newest saved version; answers the version that now runs.
    pub async fn publish_flow(&self, principal: &Principal, id: &str) -> StoreResult<i64> {
        self.admit(principal, Operation::PublishFlow)?;
        self.flow_of_member(principal, id).await?;
        let version = store::publish_flow(&self.store, id, Some(&principal.actor())).await?;
        self.wakeups.wake(Work::Schedules);
        Ok(version)
    }

    /// Runs an earlier published version again; answers the version that now runs.
    pub async fn rollback_flow(&self, principal: &Principal, id: &str, version: i64) -> StoreResult<i64> {
        self.admit(principal, Operation::PublishFlow)?;
        self.flow_of_member(principal, id).await?;
        let version = store::rollback_flow(&self.store, id, version, Some(&principal.actor())).await?;
        self.wakeups.wake(Work::Schedules);
        Ok(version)
    }

    /// What a Schedule trigger with these settings would do: the cron in words and its next
    /// five due times in its time zone (the designer's inspector; the browser has no zone
    /// database). An unreadable cron or an unknown zone is bad input, named.
    pub async fn preview_schedule(&self, principal: &Principal, cron: &str, time_zone: &str) -> StoreResult<SchedulePreview> {
        self.admit(principal, Operation::ListFlows)?;
        let schedule = crate::schedule::from_settings(cron, time_zone).map_err(StoreError::invalid)?;
        let preview = schedule.preview(clock::now_millis(), 5);
        if preview.next.is_empty() {
            return Err(StoreError::invalid(format!("The cron expression \"{}\" never comes due.", cron.trim())));
        }
        Ok(preview)
    }

    /// The flow, if `principal` may see its workflow; else "not found".
    pub(super) async fn flow_of_member(&self, principal: &Principal, id: &str) -> StoreResult<Flow> {
        let flow = store::get_flow(&self.store, id).await?;
        self.member(principal, &flow.workflow_id, || format!("No flow with id {id}.")).await?;
        Ok(flow)
    }
}
