//! The integration editor: name, form, trigger, action, enabled flag, with the endpoint
//! editor opening beside it. A new script integration starts from the trigger's default
//! script, and picking another trigger swaps it while it is untouched; an existing
//! integration's script is never rewritten (SPEC §4). The store checks everything again,
//! and its refusals (a second integration for the same trigger, bad input) show here.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_navigate};

use super::{
    action_fields::{ActionFields, ActionForm, DefaultScripts},
    confirm::ConfirmButton,
    empty_state::NoFormYet,
    endpoint_editor::{EndpointCallbacks, EndpointEditor},
    feedback::{ErrorMessage, failure, first_failure, on_success},
    fields::{Choice, Field},
    integration_help::IntegrationHelp,
    location_picker::LocationPicker,
};
use crate::{
    api::integrations::{CreateIntegration, DeleteIntegration, UpdateIntegration, WorkflowOutbound},
    format::{form_label, utc_time},
    model::{
        endpoints::Endpoint,
        forms::Form,
        integrations::{Integration, IntegrationPatch, NewIntegration},
        trigger::Trigger,
    },
};

/// A form with the name the editor shows for it, "Workflow › Form".
type NamedForm = (Form, String);

/// Where the editor opens: the integration's form, or for a new one the first form of
/// the asked-for workflow (or of any).
fn starting_form(forms: &[NamedForm], integration: Option<&Integration>, workflow: Option<&str>) -> Option<Form> {
    let wanted = |form: &Form| match (integration, workflow) {
        (Some(integration), _) => form.id == integration.form_id,
        (None, Some(workflow)) => form.workflow_id == workflow,
        (None, None) => true,
    };
    forms.iter().map(|(form, _)| form).find(|form| wanted(form)).or(forms.first().map(|(form, _)| form)).cloned()
}

#[component]
pub fn IntegrationForm(
    catalog: Vec<WorkflowOutbound>,
    /// The default script of each trigger.
    scripts: Vec<(Trigger, String)>,
    /// The integration to edit; none for a new one.
    integration: Option<Integration>,
    /// For a new integration: the workflow whose first form it starts on.
    workflow: Option<String>,
) -> impl IntoView {
    let forms: Vec<NamedForm> =
        catalog.iter().flat_map(|listing| listing.forms.iter().map(|form| (form.clone(), form_label(&listing.workflow.name, form)))).collect();
    let Some(start) = starting_form(&forms, integration.as_ref(), workflow.as_deref()) else {
        return view! { <NoFormYet text="An integration belongs to a form, and there is none yet." /> }.into_any();
    };
    let is_new = integration.is_none();
    let own_id = integration.as_ref().map(|integration| integration.id.clone());
    let others = catalog.iter().flat_map(|listing| listing.integrations.clone()).collect::<Vec<_>>();
    let endpoints = RwSignal::new(catalog.into_iter().flat_map(|listing| listing.endpoints).collect::<Vec<_>>());
    let scripts = DefaultScripts::new(scripts);
    let form_id = RwSignal::new(start.id.clone());
    let forms = StoredValue::new(forms);
    let workflow_id = Memo::new(move |_| {
        let id = form_id.get();
        forms.with_value(|forms| forms.iter().find(|(form, _)| form.id == id).map(|(form, _)| form.workflow_id.clone()).unwrap_or_default())
    });
    let workflow_endpoints = Signal::derive(move || {
        let workflow = workflow_id.get();
        endpoints.with(|endpoints| endpoints.iter().filter(|endpoint| endpoint.workflow_id == workflow).cloned().collect::<Vec<_>>())
    });
    let name = RwSignal::new(integration.as_ref().map(|integration| integration.name.clone()).unwrap_or_default());
    let trigger = RwSignal::new(integration.as_ref().map_or(Trigger::Status, |integration| integration.trigger));
    let enabled = RwSignal::new(integration.as_ref().is_none_or(|integration| integration.enabled));
    let saved_location = integration.as_ref().map(|integration| integration.location.clone()).unwrap_or_default();
    let location = RwSignal::new(saved_location.clone());
    let action = ActionForm::new(
        integration.as_ref().map(|integration| &integration.action),
        workflow_endpoints.with_untracked(|endpoints| endpoints.first().map(|endpoint| endpoint.id.clone())),
        scripts.of(trigger.get_untracked()),
    );
    if is_new {
        action.follow(trigger, scripts, workflow_endpoints);
    }

    let create = ServerAction::<CreateIntegration>::new();
    let update = ServerAction::<UpdateIntegration>::new();
    let remove = ServerAction::<DeleteIntegration>::new();
    let navigate = use_navigate();
    let to_listing = move || navigate("/integrations", Default::default());
    on_success(create.into(), {
        let to_listing = to_listing.clone();
        move |_| to_listing()
    });
    on_success(remove.into(), move |_| to_listing());
    // The heading shows the name as saved, not as it is being typed.
    let heading = RwSignal::new(integration.as_ref().map_or("New integration".to_string(), |integration| integration.name.clone()));
    on_success(update.into(), move |saved| heading.set(saved.name.clone()));
    let summary = match &integration {
        Some(integration) => format!("{} · created {}", integration.form_name, utc_time(&integration.created_at)),
        None => "Pick a form and a trigger, then what should happen when it fires.".to_string(),
    };
    let missing = RwSignal::new(None::<String>);
    let problem = first_failure(vec![missing.into(), failure(create.into()), failure(update.into()), failure(remove.into())]);
    let busy = Signal::derive(move || create.pending().get() || update.pending().get() || remove.pending().get());
    let saved = move || !busy.get() && update.value().with(|value| matches!(value, Some(Ok(_))));

    let submit = {
        let own_id = own_id.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let chosen = match action.action() {
                Ok(chosen) => chosen,
                Err(message) => return missing.set(Some(message.to_string())),
            };
            missing.set(None);
            match own_id.clone() {
                Some(id) => {
                    let patch = IntegrationPatch {
                        name: Some(name.get_untracked()),
                        trigger: Some(trigger.get_untracked()),
                        action: Some(chosen),
                        // Sent only when changed: re-checking an unchanged choice could refuse a save.
                        location: Some(location.get_untracked()).filter(|chosen| *chosen != saved_location),
                        enabled: Some(enabled.get_untracked()),
                    };
                    update.dispatch(UpdateIntegration { id, patch });
                }
                None => {
                    let input = NewIntegration {
                        form_id: form_id.get_untracked(),
                        name: name.get_untracked(),
                        trigger: trigger.get_untracked(),
                        action: chosen,
                        location: location.get_untracked(),
                        enabled: enabled.get_untracked(),
                    };
                    create.dispatch(CreateIntegration { input });
                }
            }
        }
    };
    let form_field = if is_new {
        let options = forms.with_value(|forms| forms.iter().map(|(form, label)| (form.id.clone(), label.clone())).collect());
        view! { <Field label="Form"><Choice value=form_id options /></Field> }.into_any()
    } else {
        let label = forms.with_value(|forms| forms.iter().find(|(form, _)| form.id == start.id).map(|(_, label)| label.clone()));
        view! {
            <Field label="Form">
                <input type="text" readonly title="An integration stays with its form." value=label.unwrap_or_default() />
            </Field>
        }
        .into_any()
    };
    let editing_endpoint = RwSignal::new(None::<Option<Endpoint>>);
    let delete = own_id.clone().map(|id| {
        view! {
            <ConfirmButton
                label="Delete integration"
                question="Delete it? Its past runs stay on the Activity page."
                on_confirm=Callback::new(move |_| {
                    remove.dispatch(DeleteIntegration { id: id.clone() });
                })
                busy
            />
        }
    });
    view! {
        <Title text=move || heading.get() />
        <header class="page-header">
            <h1>{move || heading.get()}</h1>
            <p class="page-summary">{summary}</p>
        </header>
        <div class="detail-grid">
            <form class="panel stack" on:submit=submit aria-label="Integration">
                <div class="row">
                    <Field label="Name">
                        <input type="text" bind:value=name placeholder="e.g. Post status changes to the help desk" />
                    </Field>
                    {form_field}
                </div>
                <div class="row">
                    <TriggerPicker trigger form_id others own_id=own_id.clone() />
                    <label class="check">
                        <input type="checkbox" bind:checked=enabled />
                        <span>"Enabled"</span>
                    </label>
                </div>
                <ActionFields
                    form=action
                    endpoints=workflow_endpoints
                    edit_endpoint=Callback::new(move |endpoint| editing_endpoint.set(Some(endpoint)))
                />
                <LocationPicker location />
                <div class="form-actions">
                    <button type="submit" class="primary" disabled=move || busy.get()>
                        {if is_new { "Create integration" } else { "Save integration" }}
                    </button>
                    <A href="/integrations" attr:class="button">"Cancel"</A>
                    {delete}
                    {move || saved().then(|| view! { <p class="notice" role="status">"Saved."</p> })}
                </div>
                <ErrorMessage message=problem />
            </form>
            <aside class="detail-side">
                <SidePane editing_endpoint endpoints action workflow_id form_id trigger id=own_id />
            </aside>
        </div>
    }
    .into_any()
}

/// The trigger choice; a trigger another integration of the form has already says by whom,
/// since a form has one integration per trigger.
#[component]
fn TriggerPicker(trigger: RwSignal<Trigger>, form_id: RwSignal<String>, others: Vec<Integration>, own_id: Option<String>) -> impl IntoView {
    let taken_by = move |option: Trigger, form: &str| {
        others
            .iter()
            .find(|other| other.form_id == form && other.trigger == option && Some(&other.id) != own_id.as_ref())
            .map(|other| other.name.clone())
    };
    let picker = move || {
        let form = form_id.get();
        let options = Trigger::ALL
            .into_iter()
            // Responses starts flows only.
            .filter(|option| *option != Trigger::Responses)
            .map(|option| {
                let text = match taken_by(option, &form) {
                    Some(name) => format!("{} (taken by \"{name}\")", option.display_name()),
                    None => option.display_name().to_string(),
                };
                (option, text)
            })
            .collect();
        view! { <Choice value=trigger options /> }
    };
    view! { <Field label="Trigger">{picker}</Field> }
}

/// Beside the form: the endpoint editor while an endpoint is edited or added in place,
/// otherwise what the trigger sends and the action does.
#[component]
fn SidePane(
    /// The endpoint being edited; `Some(None)` for a new one.
    editing_endpoint: RwSignal<Option<Option<Endpoint>>>,
    /// Every endpoint the picker offers; a saved one is put in or updated here.
    endpoints: RwSignal<Vec<Endpoint>>,
    action: ActionForm,
    workflow_id: Memo<String>,
    form_id: RwSignal<String>,
    trigger: RwSignal<Trigger>,
    id: Option<String>,
) -> impl IntoView {
    let saved = Callback::new(move |saved: Endpoint| {
        endpoints.update(|endpoints| match endpoints.iter_mut().find(|endpoint| endpoint.id == saved.id) {
            Some(known) => *known = saved.clone(),
            None => endpoints.push(saved.clone()),
        });
        action.endpoint_id.set(Some(saved.id));
    });
    let callbacks = EndpointCallbacks { saved, deleted: None, close: Callback::new(move |_| editing_endpoint.set(None)) };
    move || match editing_endpoint.get() {
        Some(endpoint) => view! { <EndpointEditor workflow_id=workflow_id.get_untracked() endpoint callbacks /> }.into_any(),
        None => view! { <IntegrationHelp form_id trigger kind=action.kind id=id.clone() /> }.into_any(),
    }
}
