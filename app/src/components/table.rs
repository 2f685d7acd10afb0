//! The data table every listing uses: named for assistive technology (and tests), a row
//! of column headers, and the rows the caller renders.

use leptos::prelude::*;

#[component]
pub fn DataTable(
    /// What the table lists, e.g. "Notifications".
    #[prop(into)]
    label: String,
    /// The column headers; an empty string for a column without one (row buttons).
    headers: &'static [&'static str],
    /// Tighter rows, for tables inside cards.
    #[prop(optional)]
    compact: bool,
    children: Children,
) -> impl IntoView {
    let headers = headers.iter().map(|header| view! { <th>{*header}</th> }).collect_view();
    view! {
        <table class="table" class:compact=compact aria-label=label>
            <thead>
                <tr>{headers}</tr>
            </thead>
            <tbody>{children()}</tbody>
        </table>
    }
}
