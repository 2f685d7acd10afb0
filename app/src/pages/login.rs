//! The sign-in page and the page where a one-time link sets a password. Both are plain HTML
//! forms posting to the server's `/auth/*` routes, so they work before (or without) wasm.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn LoginPage() -> impl IntoView {
    let query = use_query_map();
    let failed = move || query.read().get("failed").is_some();
    let wait = move || query.read().get("wait");
    let next = move || query.read().get("next").unwrap_or_else(|| "/".to_string());
    view! {
        <Title text="Sign in" />
        <section class="auth-card">
            <h1>"Sign in to Outflow"</h1>
            <form method="post" action="/auth/login" class="stack">
                <input type="hidden" name="next" value=next />
                <label class="field">
                    <span class="field-label">"User name"</span>
                    <input name="targetName" autocomplete="username" required autofocus />
                </label>
                <label class="field">
                    <span class="field-label">"Password"</span>
                    <input name="password" type="password" autocomplete="current-password" required />
                </label>
                {move || failed().then(|| view! { <p class="error" role="alert">"That user name and password do not match an active user."</p> })}
                {move || wait().map(|seconds| view! { <p class="error" role="alert">"Too many sign-in attempts for this user. Try again in " {seconds} " s."</p> })}
                <button class="button primary" type="submit">"Sign in"</button>
            </form>
        </section>
    }
}

#[component]
pub fn SetupPage() -> impl IntoView {
    let query = use_query_map();
    let token = move || query.read().get("token").unwrap_or_default();
    let error = move || query.read().get("error");
    view! {
        <Title text="Choose a password" />
        <section class="auth-card">
            <h1>"Choose your password"</h1>
            <p class="page-summary">"This link works once. Use at least 10 characters."</p>
            <form method="post" action="/auth/setup" class="stack">
                <input type="hidden" name="token" value=token />
                <label class="field">
                    <span class="field-label">"New password"</span>
                    <input name="password" type="password" autocomplete="new-password" minlength="10" required autofocus />
                </label>
                <label class="field">
                    <span class="field-label">"The same password again"</span>
                    <input name="confirm" type="password" autocomplete="new-password" minlength="10" required />
                </label>
                {move || error().map(|message| view! { <p class="error" role="alert">{message}</p> })}
                <button class="button primary" type="submit">"Set password and sign in"</button>
            </form>
        </section>
    }
}
