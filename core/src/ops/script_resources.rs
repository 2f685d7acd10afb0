//! What a workflow's scripts share: constants and libraries, both named texts.

use outflow_model::workflows::NamedText;

use super::{Operation, Ops};
use crate::store::{self, NamedRow, Principal, Resource, StoreResult};

impl Ops {
    pub async fn create_named(&self, principal: &Principal, resource: Resource, workflow_id: &str, input: &NamedText) -> StoreResult<NamedRow> {
        self.admit(principal, Operation::ChangeScriptResources)?;
        self.workflow_member(principal, workflow_id).await?;
        store::create_named(&self.store, Some(&principal.actor()), resource, workflow_id, input).await
    }

    pub async fn list_named(&self, principal: &Principal, resource: Resource, workflow_id: &str) -> StoreResult<Vec<NamedRow>> {
        self.admit(principal, Operation::ListScriptResources)?;
        self.workflow_member(principal, workflow_id).await?;
        store::list_named(&self.store, resource, workflow_id).await
    }

    pub async fn update_named(
        &self,
        principal: &Principal,
        resource: Resource,
        workflow_id: &str,
        id: &str,
        input: &NamedText,
    ) -> StoreResult<NamedRow> {
        self.admit(principal, Operation::ChangeScriptResources)?;
        self.workflow_member(principal, workflow_id).await?;
        store::update_named(&self.store, Some(&principal.actor()), resource, workflow_id, id, input).await
    }

    pub async fn delete_named(&self, principal: &Principal, resource: Resource, workflow_id: &str, id: &str) -> StoreResult<()> {
        self.admit(principal, Operation::ChangeScriptResources)?;
        self.workflow_member(principal, workflow_id).await?;
        store::delete_named(&self.store, Some(&principal.actor()), resource, workflow_id, id).await
    }
}
