//! The frame every page sits in: brand, section navigation, theme switch.

use leptos::prelude::*;
use leptos_router::components::A;

use super::theme_toggle::ThemeToggle;

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
];

#[component]
pub fn Layout(children: Children) -> impl IntoView {
    view! {
        <div class="app">
            <header class="topbar">
                <A href="/" attr:class="brand">
                    <span class="brand-mark" aria-hidden="true">"⇢"</span>
                    <span class="brand-name">"Outflow"</span>
                </A>
                <nav class="nav" aria-label="Main">
                    {SECTIONS
                        .iter()
                        .map(|section| view! { <A href=section.href>{section.label}</A> })
                        .collect_view()}
                </nav>
                <ThemeToggle />
            </header>
            <main class="content">{children()}</main>
        </div>
    }
}
