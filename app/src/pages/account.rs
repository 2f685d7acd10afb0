//! The Account page: the signed-in user's API keys (made here, shown once, revoked here)
//! and their password.

use leptos::prelude::*;

use crate::{
    api::session::{ChangeMyPassword, CreateMyApiKey, RevokeMyApiKey, my_api_keys},
    components::{
        empty_state::EmptyState,
        feedback::{ErrorMessage, failure, loaded, on_success},
        fields::Field,
        page::PageHeader,
        secret_reveal::SecretReveal,
        table::DataTable,
    },
    format::{date_of, time_of_day},
    model::access::ApiKey,
};

#[component]
pub fn AccountPage() -> impl IntoView {
    let create = ServerAction::<CreateMyApiKey>::new();
    let revoke = ServerAction::<RevokeMyApiKey>::new();
    let keys = Resource::new(move || (create.version().get(), revoke.version().get()), |_| my_api_keys());
    let listing = move || Suspend::new(async move { loaded(keys.await.map(|keys| view! { <KeyList keys revoke /> })) });
    view! {
        <PageHeader title="Account" summary="Your API keys for automation, and your sign-in password." />
        <section class="panel stack">
            <h2>"API keys"</h2>
            <NewKeyForm create />
            <Transition fallback=|| view! { <p class="loading">"Loading keys…"</p> }>{listing}</Transition>
            <ErrorMessage message=failure(revoke.into()) />
        </section>
        <PasswordForm />
    }
}

#[component]
fn NewKeyForm(create: ServerAction<CreateMyApiKey>) -> impl IntoView {
    let name = RwSignal::new(String::new());
    on_success(create.into(), move |_| name.set(String::new()));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        create.dispatch(CreateMyApiKey { name: name.get_untracked() });
    };
    let created = move || {
        create.value().get().and_then(Result::ok).map(|created| {
            view! { <SecretReveal title="API key created" label="API key" secret=created.key use_hint="Send it as `Authorization: Bearer <key>`." /> }
        })
    };
    view! {
        <form class="row" on:submit=submit>
            <Field label="New key name">
                <input type="text" bind:value=name placeholder="e.g. Monitoring" />
            </Field>
            <button type="submit" class="primary" disabled=move || create.pending().get()>"Create API key"</button>
        </form>
        <ErrorMessage message=failure(create.into()) />
        {created}
    }
}

#[component]
fn KeyList(keys: Vec<ApiKey>, revoke: ServerAction<RevokeMyApiKey>) -> impl IntoView {
    if keys.is_empty() {
        return view! { <EmptyState title="No API keys yet">"Keys you create here act as you on the REST API."</EmptyState> }.into_any();
    }
    let when = |at: &Option<String>| at.as_deref().map_or_else(|| "—".to_string(), |at| format!("{} {}", date_of(at), time_of_day(at)));
    let rows = keys
        .into_iter()
        .map(|key| {
            let id = key.id.clone();
            let revoked = key.revoked_at.is_some();
            view! {
                <tr>
                    <td>{key.name.clone()}</td>
                    <td>{date_of(&key.created_at)}</td>
                    <td>{when(&key.last_used_at)}</td>
                    <td>
                        {if revoked {
                            view! { <span class="sub">"revoked " {when(&key.revoked_at)}</span> }.into_any()
                        } else {
                            let label = format!("Revoke {}", key.name);
                            view! {
                                <button class="button small" aria-label=label on:click=move |_| { revoke.dispatch(RevokeMyApiKey { id: id.clone() }); }>
                                    "Revoke"
                                </button>
                            }
                            .into_any()
                        }}
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! { <DataTable label="API keys" headers=&["Name", "Created", "Last used", ""]>{rows}</DataTable> }.into_any()
}

#[component]
fn PasswordForm() -> impl IntoView {
    let change = ServerAction::<ChangeMyPassword>::new();
    let (current, new) = (RwSignal::new(String::new()), RwSignal::new(String::new()));
    on_success(change.into(), move |_| {
        current.set(String::new());
        new.set(String::new());
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        change.dispatch(ChangeMyPassword { current: current.get_untracked(), new: new.get_untracked() });
    };
    let saved = move || {
        matches!(change.value().get(), Some(Ok(()))).then(|| view! { <p role="status">"Password changed. Other sessions were signed out."</p> })
    };
    view! {
        <form class="panel stack" on:submit=submit>
            <h2>"Password"</h2>
            <div class="row">
                <Field label="Current password">
                    <input type="password" autocomplete="current-password" bind:value=current />
                </Field>
                <Field label="New password" hint="At least 10 characters.">
                    <input type="password" autocomplete="new-password" bind:value=new />
                </Field>
                <button type="submit" class="primary" disabled=move || change.pending().get()>"Change password"</button>
            </div>
            <ErrorMessage message=failure(change.into()) />
            {saved}
        </form>
    }
}
