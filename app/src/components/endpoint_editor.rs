//! The endpoint editor, used on the Endpoints page and in place on an integration's page:
//! name, base URL, authentication, trust in self-signed certificates, the signing secret
//! and how much it takes (requests per second, at once). A created endpoint stays open as itself, with its signing secret shown once.

use leptos::prelude::*;

use super::{
    auth_fields::{AuthFields, AuthForm},
    confirm::ConfirmButton,
    feedback::{ErrorMessage, failure, first_failure, on_success},
    fields::Field,
    secret_reveal::SecretReveal,
};
use crate::{
    api::endpoints::{CreateEndpoint, DeleteEndpoint, UpdateEndpoint},
    model::endpoints::{Endpoint, EndpointPatch, MASK, NewEndpoint},
};

/// What the editor does with the endpoint once it is saved or deleted.
#[derive(Clone, Copy)]
pub struct EndpointCallbacks {
    /// With the endpoint as saved (secrets masked).
    pub saved: Callback<Endpoint>,
    /// Offers deletion when given.
    pub deleted: Option<Callback<()>>,
    pub close: Callback<()>,
}

#[component]
pub fn EndpointEditor(
    workflow_id: String,
    /// The endpoint to edit; none for a new one.
    endpoint: Option<Endpoint>,
    callbacks: EndpointCallbacks,
) -> impl IntoView {
    let create = ServerAction::<CreateEndpoint>::new();
    let update = ServerAction::<UpdateEndpoint>::new();
    let remove = ServerAction::<DeleteEndpoint>::new();
    let current = RwSignal::new(endpoint);
    let revealed = RwSignal::new(None::<String>);
    on_success(create.into(), move |created| {
        revealed.set(Some(created.signing_secret.clone()));
        let saved = Endpoint { signing_secret: MASK.to_string(), ..created.clone() };
        current.set(Some(saved.clone()));
        callbacks.saved.run(saved);
    });
    on_success(update.into(), move |saved| {
        current.set(Some(saved.clone()));
        callbacks.saved.run(saved.clone());
    });
    if let Some(deleted) = callbacks.deleted {
        on_success(remove.into(), move |_| deleted.run(()));
    }
    let problem = first_failure(vec![failure(create.into()), failure(update.into()), failure(remove.into())]);
    let workflow_id = StoredValue::new(workflow_id);
    let delete = move || {
        callbacks.deleted?;
        let endpoint = current.get()?;
        let id = endpoint.id.clone();
        Some(view! {
            <ConfirmButton
                label="Delete endpoint"
                question=format!("Delete \"{}\"?", endpoint.name)
                on_confirm=Callback::new(move |_| {
                    remove.dispatch(DeleteEndpoint { id: id.clone() });
                })
                busy=remove.pending()
            />
        })
    };
    // The fields start again from what was saved, so secrets show as the mask once stored.
    let fields = move || {
        view! {
            <EndpointFields workflow_id=workflow_id.get_value() endpoint=current.get() create update>
                {delete}
            </EndpointFields>
        }
    };
    view! {
        <section class="panel stack endpoint-editor" aria-label="Endpoint editor">
            <header class="card-head">
                <h2>{move || current.with(|endpoint| endpoint.as_ref().map_or("New endpoint".to_string(), |endpoint| endpoint.name.clone()))}</h2>
                <button type="button" class="icon" title="Close the endpoint editor" on:click=move |_| callbacks.close.run(())>"✕"</button>
            </header>
            {move || revealed.get().map(|secret| view! {
                <SecretReveal
                    title="Endpoint created"
                    label="Signing secret"
                    secret
                    use_hint="Receivers check the webhook-signature header with it (Standard Webhooks)."
                />
            })}
            {fields}
            <ErrorMessage message=problem />
        </section>
    }
}

#[component]
fn EndpointFields(
    workflow_id: String,
    endpoint: Option<Endpoint>,
    create: ServerAction<CreateEndpoint>,
    update: ServerAction<UpdateEndpoint>,
    /// More buttons beside Save.
    children: Children,
) -> impl IntoView {
    let stored = endpoint.is_some();
    let name = RwSignal::new(endpoint.as_ref().map(|endpoint| endpoint.name.clone()).unwrap_or_default());
    let base_url = RwSignal::new(endpoint.as_ref().map(|endpoint| endpoint.base_url.clone()).unwrap_or_default());
    let auth = AuthForm::new(&endpoint.as_ref().map(|endpoint| endpoint.auth.clone()).unwrap_or_default());
    let trust_self_signed = RwSignal::new(endpoint.as_ref().is_some_and(|endpoint| endpoint.trust_self_signed));
    let signing_secret = RwSignal::new(endpoint.as_ref().map(|endpoint| endpoint.signing_secret.clone()).unwrap_or_default());
    let limit_text = |limit: Option<u32>| limit.map(|limit| limit.to_string()).unwrap_or_default();
    let per_second = RwSignal::new(limit_text(endpoint.as_ref().and_then(|endpoint| endpoint.max_per_second)));
    let concurrent = RwSignal::new(limit_text(endpoint.as_ref().and_then(|endpoint| endpoint.max_concurrent)));
    let id = endpoint.map(|endpoint| endpoint.id);
    let busy = move || create.pending().get() || update.pending().get();
    let saved_here = {
        let id = id.clone();
        move || !busy() && update.value().with(|value| matches!(value, Some(Ok(saved)) if Some(&saved.id) == id.as_ref()))
    };
    let limits_problem = RwSignal::new(None::<String>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let secret = signing_secret.get_untracked().trim().to_string();
        // Empty is no limit (0 to the server, which removes one); the server checks ranges.
        let limit = |text: RwSignal<String>, what: &str| match text.get_untracked().trim() {
            "" => Ok(0),
            text => text.parse::<u32>().map_err(|_| format!("{what} must be a whole number, or empty for no limit.")),
        };
        let (max_per_second, max_concurrent) = match (limit(per_second, "Requests per second"), limit(concurrent, "Requests at once")) {
            (Ok(per_second), Ok(concurrent)) => (per_second, concurrent),
            (Err(problem), _) | (_, Err(problem)) => {
                limits_problem.set(Some(problem));
                return;
            }
        };
        limits_problem.set(None);
        match &id {
            Some(id) => {
                let patch = EndpointPatch {
                    name: Some(name.get_untracked()),
                    base_url: Some(base_url.get_untracked()),
                    auth: Some(auth.auth()),
                    trust_self_signed: Some(trust_self_signed.get_untracked()),
                    signing_secret: Some(secret),
                    max_per_second: Some(max_per_second),
                    max_concurrent: Some(max_concurrent),
                };
                update.dispatch(UpdateEndpoint { id: id.clone(), patch });
            }
            None => {
                let input = NewEndpoint {
                    workflow_id: workflow_id.clone(),
                    name: name.get_untracked(),
                    base_url: base_url.get_untracked(),
                    auth: auth.auth(),
                    trust_self_signed: trust_self_signed.get_untracked(),
                    signing_secret: Some(secret).filter(|secret| !secret.is_empty()),
                    max_per_second: Some(max_per_second).filter(|limit| *limit > 0),
                    max_concurrent: Some(max_concurrent).filter(|limit| *limit > 0),
                };
                create.dispatch(CreateEndpoint { input });
            }
        }
    };
    let secret_hint = if stored {
        "Signs every webhook. Leave the mask to keep it; paste a new whsec_… secret to replace it."
    } else {
        "A Standard Webhooks secret (whsec_…). Leave it empty to have one generated."
    };
    view! {
        <form class="stack" on:submit=submit aria-label="Endpoint">
            <Field label="Endpoint name">
                <input type="text" bind:value=name placeholder="e.g. Help desk" />
            </Field>
            <Field label="Base URL" hint="Scheme, host, port and an optional base path; integrations add their path to it.">
                <input type="text" class="mono" bind:value=base_url placeholder="https://help.example.com:8443/api" />
            </Field>
            <AuthFields form=auth stored />
            <label class="check">
                <input type="checkbox" bind:checked=trust_self_signed />
                <span>"Trust self-signed certificates"</span>
            </label>
            <Field label="Signing secret" hint=secret_hint>
                <input type="password" autocomplete="new-password" class="mono" bind:value=signing_secret />
            </Field>
            <div class="field-row">
                <Field label="Requests per second" hint="At most this many start in any second, from integrations, flows and agents together. Empty: no limit.">
                    <input type="number" min="1" max="10000" placeholder="no limit" data-testid="max-per-second" bind:value=per_second />
                </Field>
                <Field label="Requests at once" hint="At most this many in flight. Empty: no limit.">
                    <input type="number" min="1" max="1000" placeholder="no limit" data-testid="max-concurrent" bind:value=concurrent />
                </Field>
            </div>
            {move || limits_problem.get().map(|problem| view! { <p class="error" role="alert">{problem}</p> })}
            <div class="form-actions">
                <button type="submit" class="primary" disabled=busy>
                    {if stored { "Save endpoint" } else { "Create endpoint" }}
                </button>
                {children()}
                {move || saved_here().then(|| view! { <p class="notice" role="status">"Saved."</p> })}
            </div>
        </form>
    }
}
