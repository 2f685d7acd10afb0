//! An endpoint's authentication as the editor edits it: the kind, and the fields of that
//! kind. Secrets are password inputs that start as the mask the store answers with;
//! sending the mask back keeps the stored secret, so an untouched field changes nothing.

use leptos::prelude::*;

use super::fields::{Choice, Field};
use crate::model::endpoints::EndpointAuth;

/// The kinds of authentication an endpoint offers (SPEC §5).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthKind {
    None,
    Basic,
    Bearer,
    ApiKey,
    Oauth2,
}

impl AuthKind {
    const ALL: [AuthKind; 5] = [AuthKind::None, AuthKind::Basic, AuthKind::Bearer, AuthKind::ApiKey, AuthKind::Oauth2];

    pub fn of(auth: &EndpointAuth) -> AuthKind {
        match auth {
            EndpointAuth::None => AuthKind::None,
            EndpointAuth::Basic { .. } => AuthKind::Basic,
            EndpointAuth::Bearer { .. } => AuthKind::Bearer,
            EndpointAuth::ApiKey { .. } => AuthKind::ApiKey,
            EndpointAuth::Oauth2 { .. } => AuthKind::Oauth2,
        }
    }

    /// A word for listings.
    pub fn short(self) -> &'static str {
        match self {
            AuthKind::None => "No auth",
            AuthKind::Basic => "Basic",
            AuthKind::Bearer => "Bearer",
            AuthKind::ApiKey => "API key",
            AuthKind::Oauth2 => "OAuth2",
        }
    }

    fn label(self) -> &'static str {
        match self {
            AuthKind::None => "None",
            AuthKind::Basic => "Basic (pre-emptive)",
            AuthKind::Bearer => "Bearer token",
            AuthKind::ApiKey => "API key header",
            AuthKind::Oauth2 => "OAuth2 client credentials",
        }
    }
}

/// The values being typed, one signal a field of every kind, so switching kinds back and
/// forth loses nothing.
#[derive(Clone, Copy, Debug)]
pub struct AuthForm {
    kind: RwSignal<AuthKind>,
    username: RwSignal<String>,
    password: RwSignal<String>,
    token: RwSignal<String>,
    header: RwSignal<String>,
    key: RwSignal<String>,
    token_url: RwSignal<String>,
    client_id: RwSignal<String>,
    client_secret: RwSignal<String>,
    scope: RwSignal<String>,
}

impl AuthForm {
    /// Starts from an endpoint's (masked) settings.
    pub fn new(auth: &EndpointAuth) -> AuthForm {
        let text = || RwSignal::new(String::new());
        let form = AuthForm {
            kind: RwSignal::new(AuthKind::of(auth)),
            username: text(),
            password: text(),
            token: text(),
            header: RwSignal::new("X-API-Key".to_string()),
            key: text(),
            token_url: text(),
            client_id: text(),
            client_secret: text(),
            scope: text(),
        };
        match auth.clone() {
            EndpointAuth::None => {}
            EndpointAuth::Basic { username, password } => {
                form.username.set(username);
                form.password.set(password);
            }
            EndpointAuth::Bearer { token } => form.token.set(token),
            EndpointAuth::ApiKey { header, key } => {
                form.header.set(header);
                form.key.set(key);
            }
            EndpointAuth::Oauth2 { token_url, client_id, client_secret, scope } => {
                form.token_url.set(token_url);
                form.client_id.set(client_id);
                form.client_secret.set(client_secret);
                form.scope.set(scope.unwrap_or_default());
            }
        }
        form
    }

    /// The settings to send, as typed; the store checks that required fields are there.
    pub fn auth(self) -> EndpointAuth {
        let value = |signal: RwSignal<String>| signal.get_untracked().trim().to_string();
        match self.kind.get_untracked() {
            AuthKind::None => EndpointAuth::None,
            AuthKind::Basic => EndpointAuth::Basic { username: value(self.username), password: self.password.get_untracked() },
            AuthKind::Bearer => EndpointAuth::Bearer { token: value(self.token) },
            AuthKind::ApiKey => EndpointAuth::ApiKey { header: value(self.header), key: value(self.key) },
            AuthKind::Oauth2 => EndpointAuth::Oauth2 {
                token_url: value(self.token_url),
                client_id: value(self.client_id),
                client_secret: value(self.client_secret),
                scope: Some(value(self.scope)).filter(|scope| !scope.is_empty()),
            },
        }
    }
}

/// A secret's input: a password field, so the mask or what is typed stays hidden.
fn secret_field(label: &'static str, value: RwSignal<String>) -> impl IntoView {
    view! {
        <Field label=label>
            <input type="password" autocomplete="new-password" bind:value=value />
        </Field>
    }
}

#[component]
pub fn AuthFields(
    form: AuthForm,
    /// Whether the endpoint exists already, so its secret fields hold the mask.
    stored: bool,
) -> impl IntoView {
    let kinds = AuthKind::ALL.into_iter().map(|kind| (kind, kind.label().to_string())).collect();
    let fields = move || match form.kind.get() {
        AuthKind::None => view! { <p class="hint">"Requests carry only the signature headers."</p> }.into_any(),
        AuthKind::Basic => view! {
            <Field label="Username">
                <input type="text" autocomplete="off" bind:value=form.username />
            </Field>
            {secret_field("Password", form.password)}
        }
        .into_any(),
        AuthKind::Bearer => secret_field("Token", form.token).into_any(),
        AuthKind::ApiKey => view! {
            <Field label="Header name">
                <input type="text" class="mono" bind:value=form.header />
            </Field>
            {secret_field("Key", form.key)}
        }
        .into_any(),
        AuthKind::Oauth2 => view! {
            <Field label="Token URL">
                <input type="text" placeholder="https://login.example.com/oauth2/token" bind:value=form.token_url />
            </Field>
            <Field label="Client id">
                <input type="text" autocomplete="off" bind:value=form.client_id />
            </Field>
            {secret_field("Client secret", form.client_secret)}
            <Field label="Scope" hint="Optional, space separated.">
                <input type="text" bind:value=form.scope />
            </Field>
        }
        .into_any(),
    };
    view! {
        <fieldset class="auth-fields">
            <Field label="Authentication">
                <Choice value=form.kind options=kinds />
            </Field>
            {fields}
            {move || (stored && form.kind.get() != AuthKind::None)
                .then(|| view! { <p class="field-hint">"Secrets show masked; leave them as they are to keep the stored ones."</p> })}
        </fieldset>
    }
}
