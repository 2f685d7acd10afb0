//! Server functions of the Flows page and the Flow Designer: flows per form, creating and
//! importing a flow, what the designer needs to open one (the flow, its form's response choices
//! and flagged properties, the names of the workflow's endpoints and forms, the form's
//! integration triggers), creating a trigger's integration from the canvas, saving it as a new
//! version, and its version history (list, view, restore).

use leptos::{prelude::*, server_fn::codec::Json};
use serde::{Deserialize, Serialize};

use super::UiError;
#[cfg(feature = "ssr")]
use super::ssr::{caller, ops};
#[cfg(feature = "ssr")]
use crate::model::integrations::{IntegrationAction, NewIntegration};
use crate::model::{
    flows::{Flow, FlowDocument, FlowSave, FlowSummary, FlowVersion, FlowVersionDetail, NewFlow, SchedulePreview},
    forms::{Form, PropertyDef},
    integrations::TriggerNode,
    trigger::Trigger,
    workflows::Workflow,
};

/// A workflow with its forms and their flows, as the Flows page lists them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WorkflowFlows {
    pub workflow: Workflow,
    pub forms: Vec<Form>,
    pub flows: Vec<FlowSummary>,
}

/// What the designer opens: the flow and the choices its palette and inspector offer, no more
/// (the page downloads the code that reads every field).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DesignerData {
    pub flow: Flow,
    /// The response choices of the flow's form: the Responses trigger's output ports.
    pub choices: Vec<String>,
    /// The properties of the flow's form flagged for outbound integrations: each is an
    /// output (`properties.<name>`) of the trigger blocks.
    pub properties: Vec<PropertyDef>,
    /// The forms of the flow's workflow (for Create Alert and Get Alerts).
    pub forms: Vec<Named>,
    /// The workflow's endpoints (for Webhook); none of their settings or credentials.
    pub endpoints: Vec<Named>,
    /// The form's integrations: each is a trigger node of the canvas.
    pub integrations: Vec<TriggerNode>,
    /// The flows of the workflow (for Call Flow), this one included.
    pub flows: Vec<Named>,
}

/// Something a setting names by id and the inspector shows by name.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Named {
    pub id: String,
    pub name: String,
}

#[server(prefix = "/ui", endpoint = "/flows_catalog", input = Json)]
pub async fn flows_catalog() -> Result<Vec<WorkflowFlows>, UiError> {
    let (ops, principal) = (ops()?, caller()?);
    let mut listing = Vec::new();
    for workflow in ops.list_workflows(&principal).await? {
        let forms = ops.list_forms(&principal, &workflow.id).await?;
        let flows = ops.list_flows(&principal, None, Some(&workflow.id)).await?;
        listing.push(WorkflowFlows { workflow, forms, flows });
    }
    Ok(listing)
}

#[server(prefix = "/ui", endpoint = "/create_flow", input = Json)]
pub async fn create_flow(input: NewFlow) -> Result<Flow, UiError> {
    Ok(ops()?.create_flow(&caller()?, &input).await?)
}

#[server(prefix = "/ui", endpoint = "/load_designer", input = Json)]
pub async fn load_designer(id: String) -> Result<DesignerData, UiError> {
    let (ops, principal) = (ops()?, caller()?);
    let flow = ops.get_flow(&principal, &id).await?;
    let form = ops.get_form(&principal, &flow.form_id).await?;
    let choices = form.responses.into_iter().map(|option| option.choice).collect();
    let properties = form.properties.into_iter().filter(|property| property.include_in_outbound).collect();
    let forms = ops.list_forms(&principal, &flow.workflow_id).await?.into_iter().map(|form| Named { id: form.id, name: form.name }).collect();
    let endpoints =
        ops.list_endpoints(&principal, &flow.workflow_id).await?.into_iter().map(|endpoint| Named { id: endpoint.id, name: endpoint.name }).collect();
    let integrations = ops
        .list_integrations(&principal, Some(&flow.workflow_id))
        .await?
        .into_iter()
        .filter(|integration| integration.form_id == flow.form_id)
        .map(TriggerNode::from)
        .collect();
    let flows = ops
        .list_flows(&principal, None, Some(&flow.workflow_id))
        .await?
        .into_iter()
        .map(|summary| Named { id: summary.id, name: summary.name })
        .collect();
    Ok(DesignerData { flow, choices, properties, forms, endpoints, integrations, flows })
}

/// Creates the form's integration for `trigger`, one that runs flows only: what dropping a
/// trigger the form has no integration of onto the canvas does.
#[server(prefix = "/ui", endpoint = "/create_trigger_integration", input = Json)]
pub async fn create_trigger_integration(form_id: String, trigger: Trigger) -> Result<TriggerNode, UiError> {
    let input = NewIntegration {
        form_id,
        name: trigger.display_name().to_string(),
        trigger,
        action: IntegrationAction::FlowsOnly,
        location: Default::default(),
        enabled: true,
    };
    Ok(ops()?.create_integration(&caller()?, &input).await?.into())
}

/// Saves the graph as a new version; refused when someone saved since `baseVersion`.
#[server(prefix = "/ui", endpoint = "/save_flow", input = Json)]
pub async fn save_flow(id: String, save: FlowSave) -> Result<Flow, UiError> {
    Ok(ops()?.save_flow(&caller()?, &id, &save).await?)
}

#[server(prefix = "/ui", endpoint = "/delete_flow", input = Json)]
pub async fn delete_flow(id: String) -> Result<(), UiError> {
    Ok(ops()?.delete_flow(&caller()?, &id).await?)
}

/// Creates a flow from a SPEC §6 export document; a graph with errors is refused whole, with
/// a message naming the blocks.
#[server(prefix = "/ui", endpoint = "/import_flow", input = Json)]
pub async fn import_flow(document: FlowDocument) -> Result<Flow, UiError> {
    Ok(ops()?.import_flow(&caller()?, &document).await?)
}

/// The flow's saved versions, newest first.
#[server(prefix = "/ui", endpoint = "/flow_versions", input = Json)]
pub async fn flow_versions(id: String) -> Result<Vec<FlowVersion>, UiError> {
    Ok(ops()?.list_flow_versions(&caller()?, &id).await?)
}

/// One saved version with its graph.
#[server(prefix = "/ui", endpoint = "/load_flow_version", input = Json)]
pub async fn load_flow_version(id: String, version: i64) -> Result<FlowVersionDetail, UiError> {
    Ok(ops()?.get_flow_version(&caller()?, &id, version).await?)
}

/// Makes an old version the newest again, saved as a new version (nothing is lost).
#[server(prefix = "/ui", endpoint = "/restore_flow_version", input = Json)]
pub async fn restore_flow_version(id: String, version: i64) -> Result<Flow, UiError> {
    Ok(ops()?.restore_flow_version(&caller()?, &id, version).await?)
}

/// Publishes the flow's newest saved version; answers the version that now runs.
#[server(prefix = "/ui", endpoint = "/publish_flow", input = Json)]
pub async fn publish_flow(id: String) -> Result<i64, UiError> {
    Ok(ops()?.publish_flow(&caller()?, &id).await?)
}

/// Runs an earlier published version again; answers the version that now runs.
#[server(prefix = "/ui", endpoint = "/rollback_flow", input = Json)]
pub async fn rollback_flow(id: String, version: i64) -> Result<i64, UiError> {
    Ok(ops()?.rollback_flow(&caller()?, &id, version).await?)
}

/// What a Schedule trigger with these settings does: the cron in words and its next five due
/// times in its time zone (the browser has no zone database). Fails with the problem named
/// when the cron cannot be read or the zone is unknown.
#[server(prefix = "/ui", endpoint = "/preview_schedule", input = Json)]
pub async fn preview_schedule(cron: String, time_zone: String) -> Result<SchedulePreview, UiError> {
    Ok(ops()?.preview_schedule(&caller()?, &cron, &time_zone).await?)
}
