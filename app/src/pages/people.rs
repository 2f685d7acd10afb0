//! The People page: users with devices, and groups.

use leptos::prelude::*;

use crate::components::{empty_state::EmptyState, page::PageHeader};

#[component]
pub fn PeoplePage() -> impl IntoView {
    view! {
        <PageHeader title="People" summary="Users, their devices, and groups with escalation." />
        <EmptyState title="No people yet">
            <p>"Users receive notifications on their devices; groups notify their members in order and escalate when nobody answers in time."</p>
        </EmptyState>
    }
}
