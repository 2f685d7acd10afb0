//! The heading every section page opens with.

use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn PageHeader(
    /// The section name, also used as the document title.
    title: &'static str,
    /// One line saying what the section is for.
    summary: &'static str,
) -> impl IntoView {
    view! {
        <Title text=title />
        <header class="page-header">
            <h1>{title}</h1>
            <p class="page-summary">{summary}</p>
        </header>
    }
}
