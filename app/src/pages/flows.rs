//! The Flows page: flows per form, opening into the Flow Designer.

use leptos::prelude::*;

use crate::components::{empty_state::EmptyState, page::PageHeader};

#[component]
pub fn FlowsPage() -> impl IntoView {
    view! {
        <PageHeader title="Flows" summary="Multi-step processes built on the Flow Designer canvas." />
        <EmptyState title="No flows yet">
            <p>"A flow starts from a form's trigger and chains steps such as webhooks, scripts, switches and alert actions. Flows you build will be listed here by form."</p>
        </EmptyState>
    }
}
