//! The Integrations page: each workflow's outbound integrations with their form, trigger,
//! action, endpoint, location, enabled flag and last run. It re-reads them while open, so
//! last runs appear as they happen. On an empty database it offers the example workflow.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::{
    api::{
        integrations::{WorkflowOutbound, outbound_catalog},
        workflows::InstallExampleWorkflow,
    },
    components::{
        badge::{Badge, RunStatusBadge, Tone},
        empty_state::EmptyState,
        example_offer::ExampleOffer,
        feedback::loaded,
        page::PageHeader,
        polling::{LIVE_REFRESH, refresh_every},
        table::DataTable,
    },
    format::{date_of, time_of_day},
    model::integrations::{Integration, IntegrationAction, Location},
};

#[component]
pub fn IntegrationsPage() -> impl IntoView {
    let install = ServerAction::<InstallExampleWorkflow>::new();
    let catalog = Resource::new(move || install.version().get(), |_| outbound_catalog());
    refresh_every(LIVE_REFRESH, move || catalog.refetch());
    let listing = move || {
        Suspend::new(async move {
            loaded(catalog.await.map(|catalog| {
                if catalog.is_empty() {
                    return view! { <ExampleOffer action=install /> }.into_any();
                }
                if catalog.iter().all(|listing| listing.integrations.is_empty()) {
                    return view! {
                        <EmptyState title="No outbound integrations yet">
                            <p>"Each trigger of a form (status, comment, escalation, delivery, response, recipient failure) can send a webhook, run a script or hand work to an Integration Agent. Integrations you create are listed here with their last run."</p>
                            <A href="/integrations/new" attr:class="button primary">"New integration"</A>
                        </EmptyState>
                    }
                    .into_any();
                }
                catalog.into_iter().map(|listing| view! { <WorkflowIntegrations listing /> }).collect_view().into_any()
            }))
        })
    };
    view! {
        <PageHeader title="Integrations" summary="What runs when an alert changes: per form and trigger, a webhook, a script or an Integration Agent." />
        <div class="toolbar">
            <A href="/integrations/new" attr:class="button primary">"+ New integration"</A>
            <A href="/endpoints" attr:class="button">"Endpoints"</A>
        </div>
        <div class="stack">
            <Transition fallback=|| view! { <p class="loading">"Loading integrations…"</p> }>{listing}</Transition>
        </div>
    }
}

/// The action's kind, and what it names: the script's size or the agent's service.
fn action_text(action: &IntegrationAction) -> (&'static str, String) {
    match action {
        IntegrationAction::Webhook { .. } => ("Webhook", String::new()),
        IntegrationAction::Script { script } => ("Script", format!("{} lines", script.lines().count())),
        IntegrationAction::Agent { service, .. } => ("Agent", service.clone()),
    }
}

fn location_text(location: &Location) -> String {
    match location {
        Location::Cloud => "Cloud".to_string(),
        Location::Agents { agents } => format!("Agents: {}", agents.join(", ")),
    }
}

#[component]
fn WorkflowIntegrations(listing: WorkflowOutbound) -> impl IntoView {
    let new_here = format!("/integrations/new?workflow={}", listing.workflow.id);
    let rows = listing
        .integrations
        .iter()
        .map(|integration| {
            let endpoint = match &integration.action {
                IntegrationAction::Webhook { endpoint_id, path } => {
                    Some((listing.endpoint_name(endpoint_id).unwrap_or("(deleted)").to_string(), path.clone()))
                }
                _ => None,
            };
            view! { <IntegrationRow integration=integration.clone() endpoint /> }
        })
        .collect_view();
    let empty = listing.integrations.is_empty();
    view! {
        <section class="panel" aria-label=listing.workflow.name.clone()>
            <header class="card-head">
                <h2>{listing.workflow.name.clone()}</h2>
                <A href=new_here attr:class="button small">"+ New integration"</A>
            </header>
            {if empty {
                view! { <p class="hint">"No integrations in this workflow yet."</p> }.into_any()
            } else {
                view! {
                    <DataTable
                        label=format!("Integrations of {}", listing.workflow.name)
                        headers=&["Integration", "Trigger", "Action", "Endpoint", "Location", "Enabled", "Last run"]
                    >
                        {rows}
                    </DataTable>
                }
                .into_any()
            }}
        </section>
    }
}

#[component]
fn IntegrationRow(
    integration: Integration,
    /// The endpoint's name and the path, for webhooks.
    endpoint: Option<(String, String)>,
) -> impl IntoView {
    let href = format!("/integrations/{}", integration.id);
    let (action, action_detail) = action_text(&integration.action);
    let last_run = match integration.last_run {
        Some(run) => view! {
            <A href=format!("/activity/{}", run.id)><RunStatusBadge status=run.status /></A>
            <div class="sub">{time_of_day(&run.created_at)} " " {date_of(&run.created_at)}</div>
        }
        .into_any(),
        None => view! { <span class="sub">"Never ran"</span> }.into_any(),
    };
    view! {
        <tr class:inactive=!integration.enabled>
            <td>
                <A href=href>{integration.name}</A>
                <div class="sub">{integration.form_name}</div>
            </td>
            <td>{integration.trigger.display_name()}</td>
            <td>
                {action}
                <div class="sub">{action_detail}</div>
            </td>
            <td>
                {endpoint.map(|(name, path)| view! {
                    {name}
                    <div class="sub mono">{path}</div>
                })}
            </td>
            <td>{location_text(&integration.location)}</td>
            <td>
                {if integration.enabled {
                    view! { <Badge tone=Tone::Ok text="On" /> }
                } else {
                    view! { <Badge tone=Tone::Muted text="Off" /> }
                }}
            </td>
            <td class="nowrap">{last_run}</td>
        </tr>
    }
}
