//! Server functions of the Workflows page: workflows with their forms, the form editor's
//! save, and the one-click example.

use leptos::{prelude::*, server_fn::codec::Json};
use serde::{Deserialize, Serialize};

use super::UiError;
#[cfg(feature = "ssr")]
use super::ssr::{caller, ops};
use crate::model::{
    access::Members,
    forms::{Form, NewForm},
    workflows::Workflow,
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

#[server(prefix = "/ui", endpoint = "/workflow_catalog", input = Json)]
pub async fn workflow_catalog() -> Result<Catalog, UiError> {
    let (ops, principal) = (ops()?, caller()?);
    let mut workflows = Vec::new();
    for workflow in ops.list_workflows(&principal).await? {
        let forms = ops.list_forms(&principal, &workflow.id).await?;
        let members = ops.list_members(&principal, &workflow.id).await?.members;
        workflows.push(WorkflowForms { workflow, forms, members });
    }
    let example_installed = workflows.iter().any(|listing| listing.workflow.name == outflow_core::example::EXAMPLE_WORKFLOW);
    Ok(Catalog { workflows, example_installed })
}

/// Creates a workflow owned by the signed-in user.
#[server(prefix = "/ui", endpoint = "/create_workflow", input = Json)]
pub async fn create_workflow(name: String) -> Result<Workflow, UiError> {
    Ok(ops()?.create_workflow(&caller()?, &name).await?)
}

#[server(prefix = "/ui", endpoint = "/save_form", input = Json)]
pub async fn save_form(slot: FormSlot, form: NewForm) -> Result<Form, UiError> {
    let (ops, principal) = (ops()?, caller()?);
    Ok(match slot {
        FormSlot::New { workflow_id } => ops.create_form(&principal, &workflow_id, &form).await?,
        FormSlot::Existing { form_id } => ops.update_form(&principal, &form_id, &form).await?,
    })
}

/// Replaces the workflow's members (developers and admins who are members may).
#[server(prefix = "/ui", endpoint = "/set_workflow_members", input = Json)]
pub async fn set_workflow_members(workflow_id: String, members: Vec<String>) -> Result<Members, UiError> {
    Ok(ops()?.set_members(&caller()?, &workflow_id, &Members { members }).await?)
}

/// Installs the example workflow, its form, two users with devices and a group.
#[server(prefix = "/ui", endpoint = "/install_example_workflow", input = Json)]
pub async fn install_example_workflow() -> Result<Workflow, UiError> {
    Ok(ops()?.install_example(&caller()?).await?)
}
