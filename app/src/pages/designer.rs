//! `/flows/:id`: the Flow Designer for one flow. It is a browser bundle of its own
//! (`designer-frontend`, built with this crate's `csr` feature): the server renders the page's
//! frame around an empty `#designer-root` and loads that bundle instead of a hydration
//! (`crate::bundles`), and `start` builds the designer into it. The designer is
//! pointer-driven and has nothing useful to render on the server, and this way the page
//! downloads neither a router and pages nor the code that hydrates them, and the app's pages
//! never download the designer.
//!
//! Inside the app (the flows bundle), a link to a designer address lands on `DesignerPage`,
//! which loads the page anew so that the server answers it with the designer's bundle.

use leptos::prelude::*;

/// The element the designer is built into; `data-flow` names the flow.
const ROOT_ID: &str = "designer-root";

/// Whether the server answers `path` with the designer's bundle: `/flows/{id}`.
pub fn is_designer_path(path: &str) -> bool {
    path.strip_prefix("/flows/").is_some_and(|id| !id.is_empty() && !id.contains('/'))
}

/// What the page shows until the designer is drawn.
fn opening() -> impl IntoView {
    view! { <p class="loading">"Opening the designer…"</p> }
}

/// The designer's page in the app's router: the frame the designer's bundle fills in.
#[cfg(not(feature = "csr"))]
#[component]
pub fn DesignerPage() -> impl IntoView {
    let params = leptos_router::hooks::use_params_map();
    let flow = Memo::new(move |_| params.with(|params| params.get("id").unwrap_or_default()));
    // Reached inside the app (a link, or an address the server did not take for the designer's,
    // such as one with a trailing slash): load the designer's canonical address, which the
    // server always answers with its bundle, so this never happens twice. `replace`, not
    // `assign`: going back must not land here again.
    Effect::new(move |_| {
        #[cfg(feature = "browser")]
        if let Some(window) = web_sys::window() {
            let address = format!("/flows/{}", js_sys::encode_uri_component(&flow.get_untracked()));
            // Navigating to a same-origin path cannot fail.
            let _ = window.location().replace(&address);
        }
    });
    view! {
        <leptos_meta::Title text="Flow Designer" />
        <div id=ROOT_ID class="designer-root" data-flow=flow>
            {opening()}
        </div>
    }
}

/// The designer bundle's entry point: builds the designer for the flow named by
/// `#designer-root` into it, and brings the page frame's theme switch to life (nothing else
/// of the frame needs code: its links and "Sign out" are plain HTML).
#[cfg(feature = "csr")]
pub fn start() {
    use leptos::{mount::mount_to, wasm_bindgen::JsCast};

    use crate::components::theme_toggle::ThemeToggle;

    let Some(document) = web_sys::window().and_then(|window| window.document()) else { return };
    let Some(root) = document.get_element_by_id(ROOT_ID) else { return };
    let flow = root.get_attribute("data-flow").unwrap_or_default();
    // `?history=N` (a run's "Version N" link) opens the history at that version.
    let search = web_sys::window().and_then(|window| window.location().search().ok()).unwrap_or_default();
    let history = url_query_number(&search, "history");
    root.set_inner_html("");
    mount_to(root.unchecked_into(), move || view! { <OpenDesigner flow history /> }).forget();
    if let Some(switch) = document.query_selector(".topbar .theme-toggle").ok().flatten()
        && let Some(frame) = switch.parent_element()
    {
        switch.remove();
        mount_to(frame.unchecked_into(), ThemeToggle).forget();
    }
}

/// Loads the flow and shows the designer, or why it could not be opened.
#[cfg(feature = "csr")]
#[component]
fn OpenDesigner(flow: String, history: Option<i64>) -> impl IntoView {
    use crate::{
        api::flows::load_designer,
        components::{designer::FlowDesigner, feedback::loaded},
    };

    crate::mark_hydrated();
    let load = LocalResource::new(move || load_designer(flow.clone()));
    view! {
        <Suspense fallback=opening>
            {move || Suspend::new(async move { loaded(load.await.map(|data| view! { <FlowDesigner data history /> })) })}
        </Suspense>
    }
}

/// The number a query string (`?a=1&history=3`) gives `name`, if any.
#[cfg_attr(not(feature = "csr"), allow(dead_code))]
fn url_query_number(search: &str, name: &str) -> Option<i64> {
    search.trim_start_matches('?').split('&').find_map(|pair| pair.strip_prefix(name)?.strip_prefix('=')?.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::{is_designer_path, url_query_number};

    #[test]
    fn a_number_is_read_from_the_query_string() {
        assert_eq!(url_query_number("?history=3", "history"), Some(3));
        assert_eq!(url_query_number("?a=1&history=12", "history"), Some(12));
        assert_eq!(url_query_number("?histories=3&history=x", "history"), None);
        assert_eq!(url_query_number("", "history"), None);
    }

    #[test]
    fn only_a_flow_address_without_more_segments_is_the_designers() {
        assert!(is_designer_path("/flows/fl_1"));
        for other in ["/flows", "/flows/", "/flows/fl_1/", "/flows/fl_1/versions", "/flowsx/fl_1", "/"] {
            assert!(!is_designer_path(other), "{other}");
        }
    }
}
