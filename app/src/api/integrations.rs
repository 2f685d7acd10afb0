//! Server functions of the outbound-integration pages: the catalog every one of them reads
//! (each workflow's forms, endpoints, integrations and the flows extending them), the
//! default scripts that pre-fill the script editor, the sample payload of a form's trigger,
//! and creating, changing and deleting integrations.

use leptos::{prelude::*, server_fn::codec::Json};
use serde::{Deserialize, Serialize};

use super::UiError;
#[cfg(feature = "ssr")]
use super::ssr::{caller, ops};
use crate::model::{
    endpoints::Endpoint,
    flows::FlowTrigger,
    forms::Form,
    integrations::{Integration, IntegrationPatch, NewIntegration},
    trigger::Trigger,
    workflows::Workflow,
};

/// One workflow with what its outbound integrations are made of.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WorkflowOutbound {
    pub workflow: Workflow,
    pub forms: Vec<Form>,
    pub endpoints: Vec<Endpoint>,
    pub integrations: Vec<Integration>,
    /// The flows' trigger blocks with steps: which flows extend which integration.
    pub flow_triggers: Vec<FlowTrigger>,
}

impl WorkflowOutbound {
    /// The form of an integration, if it is still there.
    pub fn form(&self, id: &str) -> Option<&Form> {
        self.forms.iter().find(|form| form.id == id)
    }

    /// The flows that extend an integration: those with its trigger, on its form, connected.
    pub fn extending(&self, integration: &Integration) -> impl Iterator<Item = &FlowTrigger> {
        self.flow_triggers.iter().filter(|used| used.form_id == integration.form_id && used.trigger == integration.trigger.key())
    }

    /// The endpoint's name, for listings that only hold its id.
    pub fn endpoint_name(&self, id: &str) -> Option<&str> {
        self.endpoints.iter().find(|endpoint| endpoint.id == id).map(|endpoint| endpoint.name.as_str())
    }
}

/// Every workflow the signed-in user may see, with its forms, endpoints (secrets masked)
/// and integrations.
#[server(prefix = "/ui", endpoint = "/outbound_catalog", input = Json)]
pub async fn outbound_catalog() -> Result<Vec<WorkflowOutbound>, UiError> {
    let (ops, principal) = (ops()?, caller()?);
    let mut integrations = ops.list_integrations(&principal, None).await?;
    let mut catalog = Vec::new();
    for workflow in ops.list_workflows(&principal).await? {
        let forms = ops.list_forms(&principal, &workflow.id).await?;
        let endpoints = ops.list_endpoints(&principal, &workflow.id).await?;
        let flow_triggers = ops.list_flow_triggers(&principal, &workflow.id).await?;
        let (own, others): (Vec<_>, Vec<_>) = integrations.into_iter().partition(|integration| integration.workflow_id == workflow.id);
        integrations = others;
        catalog.push(WorkflowOutbound { workflow, forms, endpoints, integrations: own, flow_triggers });
    }
    Ok(catalog)
}

/// The script a new script integration starts from, per trigger that integrations offer.
#[server(prefix = "/ui", endpoint = "/default_scripts", input = Json)]
pub async fn default_scripts() -> Result<Vec<(Trigger, String)>, UiError> {
    caller()?;
    Ok(Trigger::ALL
        .into_iter()
        .filter(|trigger| *trigger != Trigger::Responses)
        .map(|trigger| (trigger, outflow_core::default_scripts::default_script(trigger)))
        .collect())
}

#[server(prefix = "/ui", endpoint = "/create_integration", input = Json)]
pub async fn create_integration(input: NewIntegration) -> Result<Integration, UiError> {
    Ok(ops()?.create_integration(&caller()?, &input).await?)
}

/// Changes name, trigger, action or enabled flag; a new trigger keeps the script.
#[server(prefix = "/ui", endpoint = "/update_integration", input = Json)]
pub async fn update_integration(id: String, patch: IntegrationPatch) -> Result<Integration, UiError> {
    Ok(ops()?.update_integration(&caller()?, &id, &patch).await?)
}

/// Deletes an integration; its past runs stay in the Activity view.
#[server(prefix = "/ui", endpoint = "/delete_integration", input = Json)]
pub async fn delete_integration(id: String) -> Result<(), UiError> {
    Ok(ops()?.delete_integration(&caller()?, &id).await?)
}

/// The exact payload `trigger` sends for an example alert of the form, as
/// `GET /api/v1/forms/{id}/triggers/{trigger}/sample-payload` answers.
#[server(prefix = "/ui", endpoint = "/trigger_sample", input = Json)]
pub async fn trigger_sample(form_id: String, trigger: Trigger) -> Result<serde_json::Value, UiError> {
    Ok(ops()?.trigger_sample(&caller()?, &form_id, trigger).await?)
}
