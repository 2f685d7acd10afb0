//! The Endpoints page: each workflow's endpoints (base URL, authentication, which
//! integrations use them, and their last 24 hours of deliveries: success rate, latency and
//! a latency sparkline), with the endpoint editor beside the list. On an empty database it
//! offers the example workflow.

use leptos::prelude::*;

use crate::{
    api::{
        dashboard::fetch_endpoint_health,
        integrations::{WorkflowOutbound, outbound_catalog},
        workflows::InstallExampleWorkflow,
    },
    components::{
        auth_fields::AuthKind,
        badge::{Badge, Tone},
        charts::Sparkline,
        endpoint_editor::{EndpointCallbacks, EndpointEditor},
        example_offer::ExampleOffer,
        feedback::loaded,
        page::PageHeader,
    },
    format::{count, millis, percent},
    model::{dashboard::EndpointHealth, endpoints::Endpoint, integrations::IntegrationAction},
};

/// What the editor is open on: a new endpoint of a workflow, or one of its endpoints.
#[derive(Clone, Debug, PartialEq)]
struct Editing {
    workflow_id: String,
    endpoint: Option<Endpoint>,
}

#[component]
pub fn EndpointsPage() -> impl IntoView {
    let install = ServerAction::<InstallExampleWorkflow>::new();
    // Grows with every saved or deleted endpoint; the list reloads when it does.
    let revision = RwSignal::new(0_usize);
    let catalog = Resource::new(move || (install.version().get(), revision.get()), |_| outbound_catalog());
    let health = Resource::new(move || revision.get(), |_| fetch_endpoint_health());
    let editing = RwSignal::new(None::<Editing>);
    let reload = move || revision.update(|count| *count += 1);
    let callbacks = EndpointCallbacks {
        saved: Callback::new(move |_| reload()),
        deleted: Some(Callback::new(move |_| {
            editing.set(None);
            reload();
        })),
        close: Callback::new(move |_| editing.set(None)),
    };
    let listing = move || {
        Suspend::new(async move {
            // Without its figures (they failed to load) the list still shows every endpoint.
            let health = health.await.unwrap_or_default();
            loaded(catalog.await.map(|catalog| {
                if catalog.is_empty() {
                    return view! { <ExampleOffer action=install /> }.into_any();
                }
                catalog
                    .into_iter()
                    .map(|listing| {
                        let health = health.iter().filter(|endpoint| endpoint.workflow_id == listing.workflow.id).cloned().collect();
                        view! { <WorkflowEndpoints listing health editing /> }
                    })
                    .collect_view()
                    .into_any()
            }))
        })
    };
    let editor = move || editing.get().map(|Editing { workflow_id, endpoint }| view! { <EndpointEditor workflow_id endpoint callbacks /> });
    view! {
        <PageHeader title="Endpoints" summary="Where webhooks and scripts send requests: base URLs with their authentication and signing secret." />
        <div class="master-detail wide-list">
            <div class="stack">
                <Transition fallback=|| view! { <p class="loading">"Loading endpoints…"</p> }>{listing}</Transition>
            </div>
            <div class="detail-pane">
                {editor}
                <Show when=move || editing.with(Option::is_none)>
                    <p class="hint pane-hint">"Pick an endpoint to edit it, or add a new one to a workflow."</p>
                </Show>
            </div>
        </div>
    }
}

/// The names of the workflow's integrations that send to the endpoint.
fn users_of(listing: &WorkflowOutbound, endpoint_id: &str) -> Vec<String> {
    listing
        .integrations
        .iter()
        .filter(|integration| matches!(&integration.action, IntegrationAction::Webhook { endpoint_id: used, .. } if used == endpoint_id))
        .map(|integration| integration.name.clone())
        .collect()
}

#[component]
fn WorkflowEndpoints(listing: WorkflowOutbound, health: Vec<EndpointHealth>, editing: RwSignal<Option<Editing>>) -> impl IntoView {
    let workflow_id = listing.workflow.id.clone();
    let items = listing
        .endpoints
        .iter()
        .map(|endpoint| {
            let users = users_of(&listing, &endpoint.id);
            let figures = health.iter().find(|figures| figures.endpoint_id == endpoint.id).cloned();
            let open = Editing { workflow_id: workflow_id.clone(), endpoint: Some(endpoint.clone()) };
            let is_open = {
                let id = endpoint.id.clone();
                move || editing.with(|editing| editing.as_ref().and_then(|editing| editing.endpoint.as_ref()).is_some_and(|open| open.id == id))
            };
            view! {
                <li class="item" class:selected=is_open>
                    <div class="item-head">
                        <strong>{endpoint.name.clone()}</strong>
                        <Badge tone=Tone::Info text=AuthKind::of(&endpoint.auth).short() />
                        {endpoint.trust_self_signed.then(|| view! { <Badge tone=Tone::Warn text="Self-signed OK" /> })}
                        <button type="button" class="small" on:click=move |_| editing.set(Some(open.clone()))>"Edit"</button>
                    </div>
                    <div class="sub mono">{endpoint.base_url.clone()}</div>
                    <div class="sub">
                        {if users.is_empty() { "Not used by any integration".to_string() } else { format!("Used by: {}", users.join(", ")) }}
                    </div>
                    {figures.map(|health| view! { <DeliveryHealth health /> })}
                </li>
            }
        })
        .collect_view();
    let empty = listing.endpoints.is_empty();
    let new_endpoint = Editing { workflow_id, endpoint: None };
    view! {
        <section class="panel" aria-label=listing.workflow.name.clone()>
            <header class="card-head">
                <h2>{listing.workflow.name.clone()}</h2>
                <button type="button" class="small" on:click=move |_| editing.set(Some(new_endpoint.clone()))>"+ New endpoint"</button>
            </header>
            <ul class="item-list">{items}</ul>
            {empty.then(|| view! { <p class="hint">"No endpoints yet. An endpoint is where webhooks go: a base URL and its authentication."</p> })}
        </section>
    }
}

/// An endpoint's last 24 hours of deliveries in a line, with its median latency per hour
/// as a sparkline (the line says the same in words).
#[component]
fn DeliveryHealth(health: EndpointHealth) -> impl IntoView {
    if health.attempts == 0 {
        return view! { <div class="sub">"No deliveries in the last 24 hours"</div> }.into_any();
    }
    let rate = health.success_rate.map(percent).unwrap_or_default();
    let succeeded = format!("{rate} of {} deliveries succeeded", count(health.attempts));
    let latency = format!("p50 {} · p99 {} · last 24 h", millis(health.latency.p50_ms), millis(health.latency.p99_ms));
    let points: Vec<Option<f64>> = health.hours.iter().map(|hour| hour.p50_ms.map(f64::from)).collect();
    let label = format!("Median latency per hour over the last 24 hours, for {}", health.name);
    let failing = health.failing.then(|| {
        let error = health.last_failure.map(|failure| failure.error).unwrap_or_default();
        view! {
            <div class="sub error-text">
                <Badge tone=Tone::Danger text="Failing" />
                " "
                {error}
            </div>
        }
    });
    view! {
        <div class="sub delivery-health">
            <Sparkline label points />
            <span>{succeeded}</span>
            <span>{latency}</span>
        </div>
        {failing}
    }
    .into_any()
}
