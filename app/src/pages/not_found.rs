//! Shown for any address that is not a page.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::components::page::PageHeader;

#[component]
pub fn NotFoundPage() -> impl IntoView {
    #[cfg(feature = "ssr")]
    {
        if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
            response.set_status(http::StatusCode::NOT_FOUND);
        }
    }
    view! {
        <PageHeader title="Page not found" summary="There is no page at this address." />
        <p>
            <A href="/">"Back to the start page"</A>
        </p>
    }
}
