//! The Alerts page: alerts and their timelines.

use leptos::prelude::*;

use crate::components::{empty_state::EmptyState, page::PageHeader};

#[component]
pub fn AlertsPage() -> impl IntoView {
    view! {
        <PageHeader title="Alerts" summary="Start alerts and follow each one's notifications, responses and comments." />
        <EmptyState title="No alerts yet">
            <p>"Alerts started from a form notify their recipients' devices. Each change in an alert's life is a trigger for integrations and flows."</p>
        </EmptyState>
    }
}
