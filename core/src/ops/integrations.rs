//! Outbound integrations of a workflow's forms (the Integration Builder).

use outflow_model::integrations::{Integration, IntegrationPatch, NewIntegration};

use super::{Operation, Ops};
use crate::store::{self, Principal, StoreError, StoreResult};

impl Ops {
    /// Creates an integration; a second one for the same form and trigger is a conflict.
    pub async fn create_integration(&self, principal: &Principal, input: &NewIntegration) -> StoreResult<Integration> {
        self.admit(principal, Operation::CreateIntegration)?;
        self.form_usable(principal, &input.form_id).await?;
        store::create_integration(&self.store, Some(&principal.actor()), input).await
    }

    /// The integrations of the workflows `principal` may see (of one, when given).
    pub async fn list_integrations(&self, principal: &Principal, workflow_id: Option<&str>) -> StoreResult<Vec<Integration>> {
        self.admit(principal, Operation::ListIntegrations)?;
        if let Some(workflow_id) = workflow_id {
            self.workflow_member(principal, workflow_id).await?;
        }
        let mut integrations = store::list_integrations(&self.store, workflow_id).await?;
        if let Some(visible) = self.visible_workflows(principal).await? {
            integrations.retain(|integration| visible.contains(&integration.workflow_id));
        }
        Ok(integrations)
    }

    pub async fn get_integration(&self, principal: &Principal, id: &str) -> StoreResult<Integration> {
        self.admit(principal, Operation::ReadIntegration)?;
        self.integration_of_member(principal, id).await
    }

    /// Changes name, trigger, action, location or enabled flag; a new trigger keeps the script.
    pub async fn update_integration(&self, principal: &Principal, id: &str, patch: &IntegrationPatch) -> StoreResult<Integration> {
        self.admit(principal, Operation::UpdateIntegration)?;
        self.integration_of_member(principal, id).await?;
        store::update_integration(&self.store, Some(&principal.actor()), id, patch).await
    }

    /// Deletes an integration; its runs stay in Activity.
    pub async fn delete_integration(&self, principal: &Principal, id: &str) -> StoreResult<()> {
        self.admit(principal, Operation::DeleteIntegration)?;
        self.integration_of_member(principal, id).await?;
        store::delete_integration(&self.store, Some(&principal.actor()), id).await
    }

    async fn integration_of_member(&self, principal: &Principal, id: &str) -> StoreResult<Integration> {
        let integration = store::get_integration(&self.store, id).await?;
        self.member(principal, &integration.workflow_id, || format!("No integration with id {id}.")).await?;
        Ok(integration)
    }

    /// Refuses a form of a workflow `principal` may not see, as if it did not exist; a form
    /// that does not exist at all passes, for the store to refuse as bad input.
    pub(super) async fn form_usable(&self, principal: &Principal, form_id: &str) -> StoreResult<()> {
        // An admin in person may use every form: nothing to look up (the hot path of
        // starting alerts).
        if principal.delegation.is_none() && principal.sees_every_workflow() {
            return Ok(());
        }
        match store::get_form(&self.store, form_id).await {
            Ok(form) => self.member(principal, &form.workflow_id, || format!("There is no form with id \"{form_id}\".")).await,
            Err(StoreError::NotFound(_)) => Ok(()),
            Err(error) => Err(error),
        }
    }
}
