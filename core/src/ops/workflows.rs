//! Workflows, their members and their forms. Creating a workflow or changing who belongs to
//! one is never lent to a script or flow.

use outflow_model::{
    access::Members,
    forms::{Form, NewForm},
    workflows::Workflow,
};

use super::{Operation, Ops};
use crate::store::{self, Principal, StoreResult};

impl Ops {
    pub async fn create_workflow(&self, principal: &Principal, name: &str) -> StoreResult<Workflow> {
        self.admit(principal, Operation::CreateWorkflow)?;
        store::create_workflow(&self.store, Some(&principal.actor()), name).await
    }

    /// The workflows `principal` may see, by name.
    pub async fn list_workflows(&self, principal: &Principal) -> StoreResult<Vec<Workflow>> {
        self.admit(principal, Operation::ListWorkflows)?;
        let visible = self.visible_workflows(principal).await?;
        store::list_workflows(&self.store, visible.as_deref()).await
    }

    pub async fn get_workflow(&self, principal: &Principal, id: &str) -> StoreResult<Workflow> {
        self.admit(principal, Operation::ReadWorkflow)?;
        self.workflow_member(principal, id).await?;
        store::get_workflow(&self.store, id).await
    }

    pub async fn list_members(&self, principal: &Principal, workflow_id: &str) -> StoreResult<Members> {
        self.admit(principal, Operation::ListMembers)?;
        self.workflow_member(principal, workflow_id).await?;
        store::list_members(&self.store, workflow_id).await
    }

    /// Replaces the workflow's members (by `targetName`).
    pub async fn set_members(&self, principal: &Principal, workflow_id: &str, members: &Members) -> StoreResult<Members> {
        self.admit(principal, Operation::SetMembers)?;
        self.workflow_member(principal, workflow_id).await?;
        store::set_members(&self.store, Some(&principal.actor()), workflow_id, members).await
    }

    pub async fn create_form(&self, principal: &Principal, workflow_id: &str, input: &NewForm) -> StoreResult<Form> {
        self.admit(principal, Operation::CreateForm)?;
        self.workflow_member(principal, workflow_id).await?;
        store::create_form(&self.store, Some(&principal.actor()), workflow_id, input).await
    }

    pub async fn list_forms(&self, principal: &Principal, workflow_id: &str) -> StoreResult<Vec<Form>> {
        self.admit(principal, Operation::ListForms)?;
        self.workflow_member(principal, workflow_id).await?;
        store::list_forms(&self.store, workflow_id).await
    }

    pub async fn get_form(&self, principal: &Principal, id: &str) -> StoreResult<Form> {
        self.admit(principal, Operation::ReadForm)?;
        self.form_of_member(principal, id).await
    }

    /// Replaces a form's name, enabled flag, properties and responses.
    pub async fn update_form(&self, principal: &Principal, id: &str, input: &NewForm) -> StoreResult<Form> {
        self.admit(principal, Operation::UpdateForm)?;
        self.form_of_member(principal, id).await?;
        store::update_form(&self.store, Some(&principal.actor()), id, input).await
    }

    /// Installs the example workflow, its form, two users with devices and a group.
    pub async fn install_example(&self, principal: &Principal) -> StoreResult<Workflow> {
        self.admit(principal, Operation::InstallExample)?;
        crate::example::install_example(&self.store, Some(&principal.actor())).await
    }

    /// Refuses a workflow `principal` may not see, as if it did not exist.
    pub(super) async fn workflow_member(&self, principal: &Principal, workflow_id: &str) -> StoreResult<()> {
        store::get_workflow(&self.store, workflow_id).await?;
        self.member(principal, workflow_id, || format!("No workflow with id {workflow_id}.")).await
    }

    /// The form, if `principal` may see its workflow; else "not found".
    pub(super) async fn form_of_member(&self, principal: &Principal, id: &str) -> StoreResult<Form> {
        let form = store::get_form(&self.store, id).await?;
        self.member(principal, &form.workflow_id, || format!("No form with id {id}.")).await?;
        Ok(form)
    }
}
