//! One click installs the example workflow (a form, two users with devices and a group) so
//! alerts can be started right away: the first step on an empty database, and a smaller
//! offer beside other workflows while the example is not installed.

use leptos::prelude::*;

use super::{
    empty_state::EmptyState,
    feedback::{ErrorMessage, failure},
};
use crate::api::workflows::InstallExampleWorkflow;

#[component]
pub fn ExampleOffer(
    /// Shared with the page, whose data reloads when it completes.
    action: ServerAction<InstallExampleWorkflow>,
    /// A panel beside existing workflows instead of the empty-database placeholder.
    #[prop(optional)]
    compact: bool,
) -> impl IntoView {
    let button = move || {
        view! {
            <button
                type="button"
                class="primary"
                disabled=move || action.pending().get()
                on:click=move |_| {
                    action.dispatch(InstallExampleWorkflow {});
                }
            >
                {move || if action.pending().get() { "Installing…" } else { "Install example workflow" }}
            </button>
            <ErrorMessage message=failure(action.into()) />
        }
    };
    if compact {
        return view! {
            <section class="panel stack" aria-label="Example workflow">
                <p class="hint">"Try Outflow with the example: a \"Major incident\" form, two users with devices, and a group that escalates."</p>
                <div>{button()}</div>
            </section>
        }
        .into_any();
    }
    view! {
        <EmptyState title="No workflows yet">
            <p>
                "A workflow holds the forms alerts start from. Create one on the Workflows page, or install the example: a \"Major incident\" form, two users with email and SMS devices, and a group that escalates."
            </p>
            {button()}
        </EmptyState>
    }
    .into_any()
}
