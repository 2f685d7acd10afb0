//! The Flows page: each workflow's flows by form, creating or importing a flow (it opens in
//! the designer), and deleting one.

use leptos::prelude::*;
use leptos_router::{components::A, hooks::use_navigate};

use crate::{
    api::flows::{CreateFlow, DeleteFlow, WorkflowFlows, flows_catalog},
    components::{
        confirm::ConfirmButton,
        empty_state::EmptyState,
        feedback::{ErrorMessage, failure, loaded, on_success},
        flow_import::FlowImport,
        page::PageHeader,
        table::DataTable,
    },
    format::{date_of, time_of_day},
    model::flows::NewFlow,
};

#[component]
pub fn FlowsPage() -> impl IntoView {
    let create = ServerAction::<CreateFlow>::new();
    let delete = ServerAction::<DeleteFlow>::new();
    let catalog = Resource::new(move || delete.version().get(), |_| flows_catalog());
    let navigate = use_navigate();
    on_success(create.into(), move |flow| navigate(&format!("/flows/{}", flow.id), Default::default()));
    let listing = move || {
        Suspend::new(async move {
            loaded(catalog.await.map(|catalog| {
                if catalog.iter().all(|listing| listing.forms.is_empty()) {
                    return view! {
                        <EmptyState title="No forms yet">
                            <p>"A flow belongs to a form: its triggers start the flow. Create a workflow and a form first."</p>
                            <A href="/workflows" attr:class="button primary">"Go to Workflows"</A>
                        </EmptyState>
                    }
                    .into_any();
                }
                catalog.into_iter().map(|listing| view! { <WorkflowFlowsCard listing create delete /> }).collect_view().into_any()
            }))
        })
    };
    view! {
        <PageHeader title="Flows" summary="Multi-step processes built on the Flow Designer canvas, per form." />
        <p class="hint">
            "A form's integrations are the trigger nodes of every flow of that form. A form may have several flows: each event of a trigger starts every published, enabled flow of the form that has a step connected to that trigger. Responses and HTTP triggers belong to the flow alone."
        </p>
        <ErrorMessage message=failure(delete.into()) />
        <div class="stack">
            <Transition fallback=|| view! { <p class="loading">"Loading flows…"</p> }>{listing}</Transition>
        </div>
    }
}

#[component]
fn WorkflowFlowsCard(listing: WorkflowFlows, create: ServerAction<CreateFlow>, delete: ServerAction<DeleteFlow>) -> impl IntoView {
    let WorkflowFlows { workflow, forms, flows } = listing;
    let form_id = RwSignal::new(forms.first().map(|form| form.id.clone()).unwrap_or_default());
    let name = RwSignal::new(String::new());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        create.dispatch(CreateFlow { input: NewFlow { form_id: form_id.get_untracked(), name: name.get_untracked() } });
    };
    // The `<Show>` below may draw the form picker more than once: keep the data, not a view.
    let options = StoredValue::new(forms.iter().map(|form| (form.id.clone(), form.name.clone())).collect::<Vec<_>>());
    let rows = flows
        .into_iter()
        .map(|flow| {
            let id = flow.id.clone();
            let flow_name = flow.name.clone();
            view! {
                <tr>
                    <td><A href=format!("/flows/{}", flow.id)>{flow.name}</A></td>
                    <td>{flow.form_name}</td>
                    <td class="num">{flow.blocks}</td>
                    <td>{publish_state(flow.published_version, flow.draft_version)}</td>
                    <td class="nowrap">{time_of_day(&flow.updated_at)} " " <span class="sub">{date_of(&flow.updated_at)}</span></td>
                    <td class="row-actions">
                        <ConfirmButton
                            label="Delete"
                            question=format!("Delete \"{}\" and its history?", flow_name)
                            on_confirm=Callback::new(move |_| {
                                delete.dispatch(DeleteFlow { id: id.clone() });
                            })
                            busy=delete.pending()
                        />
                    </td>
                </tr>
            }
        })
        .collect_view();
    let has_forms = !forms.is_empty();
    let import = has_forms.then(|| view! { <FlowImport forms=forms.clone() form_id /> });
    view! {
        <section class="panel" aria-label=workflow.name.clone()>
            <header class="card-head">
                <h2>{workflow.name.clone()}</h2>
            </header>
            <DataTable label=format!("Flows of {}", workflow.name) headers=&["Flow", "Form", "Blocks", "Runs", "Saved", ""]>
                {rows}
            </DataTable>
            <Show when=move || has_forms>
                <form class="inline-form" on:submit=submit>
                    <label class="field">
                        <span class="field-label">"Form"</span>
                        <select on:change=move |ev| form_id.set(event_target_value(&ev))>{options.with_value(|options| options.iter().map(|(id, name)| view! { <option value=id.clone()>{name.clone()}</option> }).collect_view())}</select>
                    </label>
                    <label class="field">
                        <span class="field-label">"New flow"</span>
                        <input type="text" bind:value=name placeholder="e.g. Close ticket when alert ends" />
                    </label>
                    <button type="submit" class="primary" disabled=move || create.pending().get()>"Create flow"</button>
                    <ErrorMessage message=failure(create.into()) />
                </form>
            </Show>
            {import}
        </section>
    }
}

/// Which version runs, and whether a newer draft waits.
fn publish_state(published: Option<i64>, draft: Option<i64>) -> impl IntoView {
    match (published, draft) {
        (Some(running), None) => view! { <span class="badge ok">{format!("version {running}")}</span> }.into_any(),
        (Some(running), Some(draft)) => view! {
            <span class="badge ok">{format!("version {running}")}</span>
            " "
            <span class="badge" title="Saved, not published">{format!("draft {draft}")}</span>
        }
        .into_any(),
        (None, _) => view! { <span class="badge warn" title="Open it and Publish to run it">"not published"</span> }.into_any(),
    }
}
