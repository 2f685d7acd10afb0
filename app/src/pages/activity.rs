//! The Activity page: the record of integration and flow runs.

use leptos::prelude::*;

use crate::components::{empty_state::EmptyState, page::PageHeader};

#[component]
pub fn ActivityPage() -> impl IntoView {
    view! {
        <PageHeader title="Activity" summary="Every integration and flow run, with attempts and logs." />
        <EmptyState title="No runs yet">
            <p>"When a trigger fires, each run it starts appears here with its payload, delivery attempts, step records and logs, ready to inspect or re-send."</p>
        </EmptyState>
    }
}
