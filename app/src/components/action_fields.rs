//! What an integration does when its trigger fires, as the editor edits it: send a webhook
//! to an endpoint (with the joined URL shown as it will be called), run a script in the
//! script editor, or hand the payload to an Integration Agent (for a service an agent offers).

use leptos::prelude::*;

use super::{
    agent_service::ServicePicker,
    fields::{Choice, Field},
    script_editor::ScriptEditor,
};
use crate::model::{
    endpoints::{Endpoint, join_url},
    integrations::{ActionKind, IntegrationAction},
    trigger::Trigger,
};

/// The script Outflow writes for each trigger (SPEC §4), as the server sent them.
#[derive(Clone, Copy, Debug)]
pub struct DefaultScripts(StoredValue<Vec<(Trigger, String)>>);

impl DefaultScripts {
    pub fn new(scripts: Vec<(Trigger, String)>) -> DefaultScripts {
        DefaultScripts(StoredValue::new(scripts))
    }

    pub fn of(self, trigger: Trigger) -> String {
        self.0.with_value(|scripts| scripts.iter().find(|(known, _)| *known == trigger).map(|(_, script)| script.clone()).unwrap_or_default())
    }

    /// Whether nobody has written anything of their own yet.
    fn untouched(self, script: &str) -> bool {
        script.trim().is_empty() || self.0.with_value(|scripts| scripts.iter().any(|(_, default)| default == script))
    }
}

/// The values being typed for every kind of action, so switching kinds loses nothing.
#[derive(Clone, Copy, Debug)]
pub struct ActionForm {
    pub kind: RwSignal<ActionKind>,
    pub endpoint_id: RwSignal<Option<String>>,
    path: RwSignal<String>,
    script: RwSignal<String>,
    service: RwSignal<String>,
    agent_id: RwSignal<String>,
}

impl ActionForm {
    /// Starts from an integration's action, or a webhook to the given endpoint; the script
    /// starts as `script` unless the action is one.
    pub fn new(action: Option<&IntegrationAction>, endpoint_id: Option<String>, script: String) -> ActionForm {
        let form = ActionForm {
            kind: RwSignal::new(ActionKind::Webhook),
            endpoint_id: RwSignal::new(endpoint_id),
            path: RwSignal::new(String::new()),
            script: RwSignal::new(script),
            service: RwSignal::new(String::new()),
            agent_id: RwSignal::new(String::new()),
        };
        match action.cloned() {
            None => {}
            Some(IntegrationAction::Webhook { endpoint_id, path }) => {
                form.endpoint_id.set(Some(endpoint_id));
                form.path.set(path);
            }
            Some(IntegrationAction::Script { script }) => {
                form.kind.set(ActionKind::Script);
                form.script.set(script);
            }
            Some(IntegrationAction::Agent { service, agent_id }) => {
                form.kind.set(ActionKind::Agent);
                form.service.set(service);
                form.agent_id.set(agent_id.unwrap_or_default());
            }
            Some(IntegrationAction::FlowsOnly) => form.kind.set(ActionKind::FlowsOnly),
        }
        form
    }

    /// For a new integration: an untouched script follows the trigger it was written for,
    /// and the endpoint follows the workflow of the chosen form.
    pub fn follow(self, trigger: RwSignal<Trigger>, scripts: DefaultScripts, endpoints: Signal<Vec<Endpoint>>) {
        Effect::watch(
            move || trigger.get(),
            move |trigger, _, _| {
                if self.script.with_untracked(|script| scripts.untouched(script)) {
                    self.script.set(scripts.of(*trigger));
                }
            },
            false,
        );
        Effect::watch(
            move || endpoints.get(),
            move |endpoints, _, _| {
                let chosen = self.endpoint_id.get_untracked();
                if !endpoints.iter().any(|endpoint| Some(&endpoint.id) == chosen.as_ref()) {
                    self.endpoint_id.set(endpoints.first().map(|endpoint| endpoint.id.clone()));
                }
            },
            false,
        );
    }

    /// The action to save, or what is missing before it can be.
    pub fn action(self) -> Result<IntegrationAction, &'static str> {
        Ok(match self.kind.get_untracked() {
            ActionKind::Webhook => IntegrationAction::Webhook {
                endpoint_id: self.endpoint_id.get_untracked().ok_or("Choose the endpoint to send to, or add one with \"New endpoint\".")?,
                path: self.path.get_untracked(),
            },
            ActionKind::Script => IntegrationAction::Script { script: self.script.get_untracked() },
            ActionKind::Agent => {
                let agent_id = self.agent_id.get_untracked().trim().to_string();
                IntegrationAction::Agent { service: self.service.get_untracked(), agent_id: Some(agent_id).filter(|id| !id.is_empty()) }
            }
            ActionKind::FlowsOnly => IntegrationAction::FlowsOnly,
        })
    }
}

/// The kinds as a row of radio buttons that reads like tabs.
fn kind_picker(kind: RwSignal<ActionKind>) -> impl IntoView {
    let options = ActionKind::ALL
        .into_iter()
        .map(|option| {
            view! {
                <label class="segment" class:chosen=move || kind.get() == option>
                    <input
                        type="radio"
                        name="action-kind"
                        checked=kind.get_untracked() == option
                        prop:checked=move || kind.get() == option
                        on:change=move |_| kind.set(option)
                    />
                    <span>{option.label()}</span>
                </label>
            }
        })
        .collect_view();
    view! {
        <fieldset class="segmented">
            <legend>"Action"</legend>
            {options}
        </fieldset>
    }
}

#[component]
fn WebhookFields(
    form: ActionForm,
    /// The endpoints of the integration's workflow.
    endpoints: Signal<Vec<Endpoint>>,
    /// Opens the endpoint editor on an endpoint, or on a new one.
    edit_endpoint: Callback<Option<Endpoint>>,
) -> impl IntoView {
    let chosen = move || {
        let id = form.endpoint_id.get();
        endpoints.with(|endpoints| endpoints.iter().find(|endpoint| Some(&endpoint.id) == id.as_ref()).cloned())
    };
    let picker = move || {
        let options = std::iter::once((None, "Choose an endpoint…".to_string()))
            .chain(endpoints.get().into_iter().map(|endpoint| (Some(endpoint.id), endpoint.name)))
            .collect();
        view! { <Choice value=form.endpoint_id options /> }
    };
    let preview = move || {
        chosen().map(|endpoint| {
            view! {
                <p class="url-preview" aria-label="Request URL">
                    <span class="method">"POST"</span>
                    <code>{join_url(&endpoint.base_url, &form.path.get())}</code>
                </p>
            }
        })
    };
    view! {
        <div class="row">
            <Field label="Endpoint">{picker}</Field>
            <div class="row-actions">
                {move || chosen().map(|endpoint| view! {
                    <button type="button" on:click=move |_| edit_endpoint.run(Some(endpoint.clone()))>"Edit endpoint"</button>
                })}
                <button type="button" on:click=move |_| edit_endpoint.run(None)>"+ New endpoint"</button>
            </div>
        </div>
        {move || endpoints.with(Vec::is_empty).then(|| view! {
            <p class="hint">"This workflow has no endpoints yet: add one to say where the webhook goes."</p>
        })}
        <Field label="Path" hint="Appended to the endpoint's base URL; may carry a query.">
            <input type="text" class="mono" bind:value=form.path placeholder="/hooks/outflow" />
        </Field>
        {preview}
    }
}

#[component]
pub fn ActionFields(
    form: ActionForm,
    /// The endpoints of the integration's workflow.
    endpoints: Signal<Vec<Endpoint>>,
    /// Opens the endpoint editor on an endpoint, or on a new one.
    edit_endpoint: Callback<Option<Endpoint>>,
) -> impl IntoView {
    let fields = move || match form.kind.get() {
        ActionKind::Webhook => view! { <WebhookFields form endpoints edit_endpoint /> }.into_any(),
        ActionKind::Script => view! {
            <div class="field">
                <span class="field-label">"Script"</span>
                <ScriptEditor value=form.script label="Script" />
                <span class="field-hint">
                    "JavaScript with " <code>"payload"</code> ", " <code>"request.body"</code> ", " <code>"console.log"</code>
                    " (kept in the run log) and " <code>"http.request({endpoint, method, path, headers}).write(body)"</code> "."
                </span>
            </div>
        }
        .into_any(),
        ActionKind::Agent => view! {
            <div class="row">
                <Field label="Integration service">
                    <ServicePicker service=form.service />
                </Field>
                <Field label="Agent id (optional)">
                    <input type="text" class="mono" bind:value=form.agent_id />
                </Field>
            </div>
            <p class="hint">"Without an agent serving the service, runs are discarded and the Activity page says why."</p>
        }
        .into_any(),
        ActionKind::FlowsOnly => view! {
            <p class="hint">"Sends nothing itself: the trigger starts the flows that extend this integration on the form's canvas."</p>
        }
        .into_any(),
    };
    view! {
        {kind_picker(form.kind)}
        {fields}
    }
}
