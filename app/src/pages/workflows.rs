//! The Workflows page: workflows with their forms, creating a workflow, and the form
//! editor beside the list. On an empty database it offers the example workflow.

use leptos::prelude::*;

use crate::{
    api::{
        people::list_people,
        workflows::{CreateWorkflow, InstallExampleWorkflow, SaveForm, SetWorkflowMembers, WorkflowForms, workflow_catalog},
    },
    components::{
        badge::{Badge, Tone},
        example_offer::ExampleOffer,
        feedback::{ErrorMessage, failure, loaded, on_success},
        fields::Field,
        form_editor::{Editing, FormEditor},
        page::PageHeader,
    },
    format::utc_time,
};

#[component]
pub fn WorkflowsPage() -> impl IntoView {
    let install = ServerAction::<InstallExampleWorkflow>::new();
    let create = ServerAction::<CreateWorkflow>::new();
    let save = ServerAction::<SaveForm>::new();
    let catalog = Resource::new(move || (install.version().get(), create.version().get(), save.version().get()), |_| workflow_catalog());
    let editing = RwSignal::new(None::<Editing>);
    // A new workflow opens straight into its first form; a saved form stays open, now as itself.
    on_success(create.into(), move |workflow| editing.set(Some(Editing { workflow: workflow.clone(), form: None })));
    on_success(save.into(), move |form| {
        editing.update(|editing| {
            if let Some(editing) = editing {
                editing.form = Some(form.clone());
            }
        })
    });

    let listing = move || {
        Suspend::new(async move {
            loaded(catalog.await.map(|catalog| {
                if catalog.workflows.is_empty() {
                    return view! { <ExampleOffer action=install /> }.into_any();
                }
                let cards = catalog.workflows.into_iter().map(|listing| view! { <WorkflowCard listing editing /> }).collect_view();
                view! {
                    {cards}
                    {(!catalog.example_installed).then(|| view! { <ExampleOffer action=install compact=true /> })}
                }
                .into_any()
            }))
        })
    };
    let editor =
        move || editing.get().map(|opened| view! { <FormEditor editing=opened action=save on_close=Callback::new(move |_| editing.set(None)) /> });
    view! {
        <PageHeader title="Workflows" summary="Workflows hold the forms alerts start from: their properties and response options." />
        <div class="master-detail">
            <div class="stack">
                <NewWorkflowForm action=create />
                <Transition fallback=|| view! { <p class="loading">"Loading workflows…"</p> }>{listing}</Transition>
            </div>
            <div class="detail-pane">
                {editor}
                <Show when=move || editing.with(Option::is_none)>
                    <p class="hint pane-hint">"Pick a form to edit it, or add a new form to a workflow."</p>
                </Show>
            </div>
        </div>
    }
}

#[component]
fn NewWorkflowForm(action: ServerAction<CreateWorkflow>) -> impl IntoView {
    let name = RwSignal::new(String::new());
    on_success(action.into(), move |_| name.set(String::new()));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        action.dispatch(CreateWorkflow { name: name.get_untracked() });
    };
    view! {
        <form class="panel stack" on:submit=submit>
            <div class="row">
                <Field label="New workflow">
                    <input type="text" bind:value=name placeholder="e.g. Service desk" />
                </Field>
                <button type="submit" class="primary" disabled=move || action.pending().get()>"Create workflow"</button>
            </div>
            <ErrorMessage message=failure(action.into()) />
        </form>
    }
}

#[component]
fn WorkflowCard(listing: WorkflowForms, editing: RwSignal<Option<Editing>>) -> impl IntoView {
    let WorkflowForms { workflow, forms, members } = listing;
    let empty = forms.is_empty();
    let rows = forms
        .into_iter()
        .map(|form| {
            let open = Editing { workflow: workflow.clone(), form: Some(form.clone()) };
            let is_open = {
                let id = form.id.clone();
                move || editing.with(|editing| editing.as_ref().and_then(|editing| editing.form.as_ref()).is_some_and(|open| open.id == id))
            };
            let properties = form.properties.iter().map(|property| property.name.as_str()).collect::<Vec<_>>().join(", ");
            let responses = form.responses.iter().map(|option| option.choice.as_str()).collect::<Vec<_>>().join(", ");
            view! {
                <li class="form-item" class:selected=is_open>
                    <div class="form-item-head">
                        <strong>{form.name.clone()}</strong>
                        {if form.enabled {
                            view! { <Badge tone=Tone::Ok text="Enabled" /> }
                        } else {
                            view! { <Badge tone=Tone::Muted text="Disabled" /> }
                        }}
                        <button type="button" class="small" on:click=move |_| editing.set(Some(open.clone()))>"Edit"</button>
                    </div>
                    <div class="sub">{format!("Properties: {}", if properties.is_empty() { "none".into() } else { properties })}</div>
                    <div class="sub">{format!("Responses: {}", if responses.is_empty() { "none".into() } else { responses })}</div>
                </li>
            }
        })
        .collect_view();
    let new_form = Editing { workflow: workflow.clone(), form: None };
    view! {
        <section class="panel workflow-card" aria-label=workflow.name.clone()>
            <header class="card-head">
                <div>
                    <h2>{workflow.name.clone()}</h2>
                    <div class="sub">{format!("Created {}", utc_time(&workflow.created_at))}</div>
                </div>
                <button type="button" class="small" on:click=move |_| editing.set(Some(new_form.clone()))>"+ New form"</button>
            </header>
            <WorkflowMembers workflow_id=workflow.id.clone() members />
            <ul class="form-list">{rows}</ul>
            {empty.then(|| view! { <p class="hint">"No forms yet. A form is the template an alert starts from."</p> })}
        </section>
    }
}

/// Who may work on the workflow besides admins: a checkbox per user, saved together.
#[component]
fn WorkflowMembers(workflow_id: String, members: Vec<String>) -> impl IntoView {
    let chosen = RwSignal::new(members);
    let save = ServerAction::<SetWorkflowMembers>::new();
    on_success(save.into(), move |saved| chosen.set(saved.members.clone()));
    let people = Resource::new(|| (), |_| list_people());
    let summary = move || {
        let names = chosen.get();
        if names.is_empty() { "Members: admins only".to_string() } else { format!("Members: {}", names.join(", ")) }
    };
    let choices = move || {
        Suspend::new(async move {
            loaded(people.await.map(|people| {
                people
                    .users
                    .into_iter()
                    .map(|user| {
                        let name = user.target_name.clone();
                        let checked = {
                            let name = name.clone();
                            move || chosen.with(|chosen| chosen.contains(&name))
                        };
                        let toggle = {
                            let name = name.clone();
                            move |_| {
                                chosen.update(|chosen| {
                                    if let Some(at) = chosen.iter().position(|n| *n == name) {
                                        chosen.remove(at);
                                    } else {
                                        chosen.push(name.clone());
                                    }
                                })
                            }
                        };
                        view! {
                            <label class="check">
                                <input type="checkbox" prop:checked=checked on:change=toggle />
                                {format!("{} {} ({})", user.first_name, user.last_name, name)}
                            </label>
                        }
                    })
                    .collect_view()
            }))
        })
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        save.dispatch(SetWorkflowMembers { workflow_id: workflow_id.clone(), members: chosen.get_untracked() });
    };
    view! {
        <details class="members">
            <summary>{summary}</summary>
            <form class="stack" on:submit=submit aria-label="Workflow members">
                <Transition fallback=|| view! { <p class="loading">"Loading people…"</p> }>{choices}</Transition>
                <div class="form-actions">
                    <button type="submit" class="small" disabled=move || save.pending().get()>"Save members"</button>
                </div>
                <ErrorMessage message=failure(save.into()) />
            </form>
        </details>
    }
}
