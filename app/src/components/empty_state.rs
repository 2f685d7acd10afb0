//! The honest placeholder a section shows while it holds nothing yet.

use leptos::prelude::*;

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
