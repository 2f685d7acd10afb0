//! The Integrations page: each workflow's outbound integrations with their form (marked
//! when it is disabled, so nothing is sent), trigger, action, endpoint, location (agents by
//! name), the flows extending them (links into the designer), an enabled switch, and last
//! run; filtered by workflow, form, trigger, action and last run. It re-reads them while
//! open, so last runs appear as they happen. On an empty database it offers the example
//! workflow.

use std::collections::HashMap;

use leptos::prelude::*;
use leptos_router::components::A;

use crate::{
    api::{
        agents::list_agents,
        integrations::{UpdateIntegration, WorkflowOutbound, outbound_catalog},
        workflows::InstallExampleWorkflow,
    },
    components::{
        badge::{Badge, RunStatusBadge, Tone},
        empty_state::EmptyState,
        example_offer::ExampleOffer,
        feedback::{ErrorMessage, failure, loaded, on_success},
        integration_filters::{Filter, FilterControls, Filters},
        page::PageHeader,
        polling::{LIVE_REFRESH, refresh_every},
        table::DataTable,
    },
    format::{date_of, time_of_day},
    model::integrations::{Integration, IntegrationAction, IntegrationPatch, Location},
};

/// Agents' names by id, for locations.
type AgentNames = HashMap<String, String>;

#[component]
pub fn IntegrationsPage() -> impl IntoView {
    let install = ServerAction::<InstallExampleWorkflow>::new();
    let toggle = ServerAction::<UpdateIntegration>::new();
    let catalog = Resource::new(move || install.version().get(), |_| outbound_catalog());
    // Read once, not with every refresh, so the controls stay put while the listing updates.
    let choices = Resource::new(move || install.version().get(), |_| outbound_catalog());
    let agents = Resource::new(|| (), |_| list_agents());
    let filters = Filters::default();
    refresh_every(LIVE_REFRESH, move || catalog.refetch());
    on_success(toggle.into(), move |_| catalog.refetch());
    let listing = move || {
        Suspend::new(async move {
            // Without the agents (e.g. none may be read) locations show ids.
            let names: AgentNames = agents.await.map(|agents| agents.into_iter().map(|agent| (agent.id, agent.name)).collect()).unwrap_or_default();
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
                view! { <FilteredListing catalog names filters toggle /> }.into_any()
            }))
        })
    };
    let controls = move || {
        Suspend::new(async move {
            let catalog = choices.await.unwrap_or_default();
            (catalog.iter().any(|listing| !listing.integrations.is_empty())).then(|| view! { <FilterControls filters catalog /> })
        })
    };
    view! {
        <PageHeader title="Integrations" summary="What runs when an alert changes: per form and trigger, a webhook, a script or an Integration Agent." />
        <div class="toolbar">
            <A href="/integrations/new" attr:class="button primary">"+ New integration"</A>
            <A href="/endpoints" attr:class="button">"Endpoints"</A>
        </div>
        <Transition fallback=|| ()>{controls}</Transition>
        <ErrorMessage message=failure(toggle.into()) />
        <div class="stack">
            <Transition fallback=|| view! { <p class="loading">"Loading integrations…"</p> }>{listing}</Transition>
        </div>
    }
}

/// Each workflow with integrations the filters admit.
#[component]
fn FilteredListing(catalog: Vec<WorkflowOutbound>, names: AgentNames, filters: Filters, toggle: ServerAction<UpdateIntegration>) -> impl IntoView {
    let catalog = StoredValue::new(catalog);
    let names = StoredValue::new(names);
    move || {
        let filter: Filter = filters.get();
        let shown: Vec<AnyView> = catalog.with_value(|catalog| {
            catalog
                .iter()
                .filter(|listing| !filter.narrows() || listing.integrations.iter().any(|integration| filter.admits(integration)))
                .map(|listing| {
                    names.with_value(|names| {
                        view! { <WorkflowIntegrations listing=listing.clone() filter=filter.clone() names=names.clone() toggle /> }.into_any()
                    })
                })
                .collect()
        });
        if shown.is_empty() {
            view! { <EmptyState title="No integrations match these filters"><p>"Choose \"All\" in a filter to see more."</p></EmptyState> }.into_any()
        } else {
            shown.into_iter().collect_view().into_any()
        }
    }
}

/// The action's kind, and what it names: the script's size or the agent's service.
fn action_text(action: &IntegrationAction) -> (&'static str, String) {
    match action {
        IntegrationAction::Webhook { .. } => ("Webhook", String::new()),
        IntegrationAction::Script { script } => match script.lines().count() {
            1 => ("Script", "1 line".to_string()),
            lines => ("Script", format!("{lines} lines")),
        },
        IntegrationAction::Agent { service, .. } => ("Agent", service.clone()),
        IntegrationAction::FlowsOnly => ("Flows only", String::new()),
    }
}

fn location_text(location: &Location, names: &AgentNames) -> String {
    match location {
        Location::Cloud => "Cloud".to_string(),
        Location::Agents { agents } => {
            let named: Vec<&str> = agents.iter().map(|id| names.get(id).map_or(id.as_str(), String::as_str)).collect();
            format!("Agents: {}", named.join(", "))
        }
    }
}

#[component]
fn WorkflowIntegrations(listing: WorkflowOutbound, filter: Filter, names: AgentNames, toggle: ServerAction<UpdateIntegration>) -> impl IntoView {
    let new_here = format!("/integrations/new?workflow={}", listing.workflow.id);
    let rows = listing
        .integrations
        .iter()
        .filter(|integration| filter.admits(integration))
        .map(|integration| {
            let endpoint = match &integration.action {
                IntegrationAction::Webhook { endpoint_id, path } => {
                    Some((listing.endpoint_name(endpoint_id).unwrap_or("(deleted)").to_string(), path.clone()))
                }
                _ => None,
            };
            let form_enabled = listing.form(&integration.form_id).is_none_or(|form| form.enabled);
            let flows: Vec<(String, String)> = listing.extending(integration).map(|used| (used.flow_id.clone(), used.flow_name.clone())).collect();
            let location = location_text(&integration.location, &names);
            view! { <IntegrationRow integration=integration.clone() endpoint form_enabled flows location toggle /> }
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
                        headers=&["Integration", "Trigger", "Action", "Endpoint", "Location", "Flows", "Enabled", "Last run"]
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
    /// The form is enabled: an alert of a disabled one sends nothing.
    form_enabled: bool,
    /// The flows extending the integration: id and name.
    flows: Vec<(String, String)>,
    location: String,
    toggle: ServerAction<UpdateIntegration>,
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
    let flows = if flows.is_empty() {
        view! { <span class="sub">"None"</span> }.into_any()
    } else {
        let count = if flows.len() == 1 { "1 flow".to_string() } else { format!("{} flows", flows.len()) };
        // The designer is a page of its own (its own bundle): links to it load it.
        let links = flows.into_iter().map(|(id, name)| view! { <li><a href=format!("/flows/{id}") rel="external">{name}</a></li> }).collect_view();
        view! {
            {count}
            <ul class="sub plain">{links}</ul>
        }
        .into_any()
    };
    let (id, name) = (integration.id.clone(), integration.name.clone());
    let switched = move |ev: leptos::ev::Event| {
        let patch = IntegrationPatch { enabled: Some(event_target_checked(&ev)), ..IntegrationPatch::default() };
        toggle.dispatch(UpdateIntegration { id: id.clone(), patch });
    };
    view! {
        <tr class:inactive=!integration.enabled>
            <td>
                <A href=href>{integration.name}</A>
                <div class="sub">{integration.form_name}</div>
                {(!form_enabled).then(|| view! { <div class="row-note"><Badge tone=Tone::Warn text="Form disabled — sends nothing" /></div> })}
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
            <td>{location}</td>
            <td>{flows}</td>
            <td>
                <label class="switch">
                    <input
                        type="checkbox"
                        role="switch"
                        aria-label=format!("{name} enabled")
                        prop:checked=integration.enabled
                        disabled=move || toggle.pending().get()
                        on:change=switched
                    />
                    <span>{if integration.enabled { "On" } else { "Off" }}</span>
                </label>
            </td>
            <td class="nowrap">{last_run}</td>
        </tr>
    }
}
