//! Server functions of the Workflows page: workflows with their forms, the form editor's
//! save, and the one-click example.

use leptos::{prelude::*, server_fn::codec::Json};
use serde::{Deserialize, Serialize};

use super::UiError;
use crate::model::{
    access::Members,
    forms::{Form, NewForm},
    workflows::Workflow,
};
#[cfg(feature = "ssr")]
use {
    super::ssr::{authorize, pool},
    outflow_core::{access::Need, store},
};

/// A workflow and its forms, as the Workflows and Alerts pages list them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WorkflowForms {
    pub workflow: Workflow,
    pub forms: Vec<Form>,
    /// Who may work on it besides admins, by targetName.
    pub members: Vec<String>,
}

/// Every workflow with its forms, and whether the example is among them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Catalog {
    pub workflows: Vec<WorkflowForms>,
    pub example_installed: bool,
}

/// Where a form being saved goes: a new form of a workflow, or an existing form.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum FormSlot {
    New { workflow_id: String },
    Existing { form_id: String },
}

#[server(prefix = "/ui", input = Json)]
pub async fn workflow_catalog() -> Result<Catalog, UiError> {
    let principal = authorize(Need::Viewer)?;
    let pool = pool()?;
    let mut workflows = Vec::new();
    for workflow in store::list_workflows(&pool, &principal).await? {
        let forms = store::list_forms(&pool, &workflow.id).await?;
        let members = store::list_members(&pool, &workflow.id).await?.members;
        workflows.push(WorkflowForms { workflow, forms, members });
    }
    let example_installed =
        workflows.iter().any(|listing| listing.workflow.name == outflow_core::example::EXAMPLE_WORKFLOW);
    Ok(Catalog { workflows, example_installed })
}

/// Creates a workflow owned by the signed-in user.
#[server(prefix = "/ui", input = Json)]
pub async fn create_workflow(name: String) -> Result<Workflow, UiError> {
    let principal = authorize(Need::Developer)?;
    Ok(store::create_workflow(&pool()?, Some(&principal.actor()), &name).await?)
}

#[server(prefix = "/ui", input = Json)]
pub async fn save_form(slot: FormSlot, form: NewForm) -> Result<Form, UiError> {
    let principal = authorize(Need::Developer)?;
    let actor = principal.actor();
    let pool = pool()?;
    Ok(match slot {
        FormSlot::New { workflow_id } => {
            store::ensure_workflow_access(&pool, &principal, &workflow_id, || format!("No workflow with id {workflow_id}.")).await?;
            store::create_form(&pool, Some(&actor), &workflow_id, &form).await?
        }
        FormSlot::Existing { form_id } => {
            store::visible_form(&pool, &principal, &form_id).await?;
            store::update_form(&pool, Some(&actor), &form_id, &form).await?
        }
    })
}

/// Replaces the workflow's members (developers and admins who are members may).
#[server(prefix = "/ui", input = Json)]
pub async fn set_workflow_members(workflow_id: String, members: Vec<String>) -> Result<Members, UiError> {
    let principal = authorize(Need::Developer)?;
    let pool = pool()?;
    store::ensure_workflow_access(&pool, &principal, &workflow_id, || format!("No workflow with id {workflow_id}.")).await?;
    Ok(store::set_members(&pool, Some(&principal.actor()), &workflow_id, &Members { members }).await?)
}

/// Installs the example workflow, its form, two users with devices and a group.
#[server(prefix = "/ui", input = Json)]
pub async fn install_example_workflow() -> Result<Workflow, UiError> {
    let principal = authorize(Need::Admin)?;
    Ok(outflow_core::example::install_example(&pool()?, Some(&principal.actor())).await?)
}
