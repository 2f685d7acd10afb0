//! The frame every page sits in: brand, section navigation (Audit for admins), the
//! signed-in user with "Sign out", theme switch. Signed out (the sign-in pages) it shows
//! only the brand.

use leptos::prelude::*;
use leptos_router::components::A;

use super::theme_toggle::ThemeToggle;
use crate::{api::session::signed_in_user, model::access::CurrentUser};

/// One entry of the main navigation.
struct Section {
    href: &'static str,
    label: &'static str,
}

const SECTIONS: &[Section] = &[
    Section { href: "/workflows", label: "Workflows" },
    Section { href: "/integrations", label: "Integrations" },
    Section { href: "/flows", label: "Flows" },
    Section { href: "/endpoints", label: "Endpoints" },
    Section { href: "/activity", label: "Activity" },
    Section { href: "/alerts", label: "Alerts" },
    Section { href: "/people", label: "People" },
    Section { href: "/agents", label: "Agents" },
];

#[component]
pub fn Layout(children: Children) -> impl IntoView {
    let user = Resource::new(|| (), |_| signed_in_user());
    let signed_in = move || Suspend::new(async move { user.await.ok().flatten().map(|user| view! { <SignedIn user /> }) });
    view! {
        <div class="app">
            <header class="topbar">
                <A href="/" attr:class="brand">
                    <span class="brand-mark" aria-hidden="true">"⇢"</span>
                    <span class="brand-name">"Outflow"</span>
                </A>
                <Suspense fallback=|| view! { <div class="nav"></div> }>{signed_in}</Suspense>
                <ThemeToggle />
            </header>
            <main class="content">{children()}</main>
        </div>
    }
}

/// The navigation and the user menu, once someone is signed in.
#[component]
fn SignedIn(user: CurrentUser) -> impl IntoView {
    let is_admin = user.roles.iter().any(|role| role == "admin");
    view! {
        <nav class="nav" aria-label="Main">
            {SECTIONS.iter().map(|section| view! { <A href=section.href>{section.label}</A> }).collect_view()}
            {is_admin.then(|| view! { <A href="/audit">"Audit"</A> })}
        </nav>
        <form method="post" action="/auth/logout" class="user-menu">
            <A href="/account" attr:class="user-name" attr:title=format!("Your account ({})", user.roles.join(", "))>{user.target_name}</A>
            <button class="button small" type="submit">"Sign out"</button>
        </form>
    }
}
