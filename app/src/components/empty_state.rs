//! The honest placeholders a section shows while it holds nothing yet, or while what it
//! needs does not exist yet.

use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn EmptyState(
    /// What is missing, e.g. "No outbound integrations yet".
    title: &'static str,
    /// One or two sentences on what will appear here and how to get it.
    children: Children,
) -> impl IntoView {
    view! {
        <section class="empty-state">
            <div class="empty-state-icon" aria-hidden="true">"∅"</div>
            <h2>{title}</h2>
            <div class="empty-state-body">{children()}</div>
        </section>
    }
}

/// Where a form is needed and there is none: the way to the Workflows page.
#[component]
pub fn NoFormYet(
    /// What is missing and why, in a sentence.
    text: &'static str,
) -> impl IntoView {
    view! {
        <p class="hint">
            {text} " Add one to a workflow on the " <A href="/workflows">"Workflows"</A> " page."
        </p>
    }
}
