//! The Integrations page: each workflow's outbound integrations.

use leptos::prelude::*;

use crate::components::{empty_state::EmptyState, page::PageHeader};

#[component]
pub fn IntegrationsPage() -> impl IntoView {
    view! {
        <PageHeader title="Integrations" summary="Outbound integrations: what runs when an alert changes." />
        <EmptyState title="No outbound integrations yet">
            <p>"Each trigger of a form (status, comment, escalation, delivery, responses, recipient failure) can send a webhook, run a script or hand work to an Integration Agent. Integrations you create will be listed here with their last run."</p>
        </EmptyState>
    }
}
