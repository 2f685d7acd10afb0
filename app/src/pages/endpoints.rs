//! The Endpoints page: base URLs and authentication that integrations target.

use leptos::prelude::*;

use crate::components::{empty_state::EmptyState, page::PageHeader};

#[component]
pub fn EndpointsPage() -> impl IntoView {
    view! {
        <PageHeader title="Endpoints" summary="Where integrations send their requests, with their credentials." />
        <EmptyState title="No endpoints yet">
            <p>"An endpoint is a base URL with its authentication (basic, bearer, API key header or OAuth2 client credentials). Secrets are write-only and encrypted at rest."</p>
        </EmptyState>
    }
}
