//! Outflow's user interface (Leptos, rendered on the server and hydrated in the browser).
//! Pages read and change data only through the server functions in [`api`], which call
//! the store of `outflow_core`; no SQL and no HTTP client live here.
//!
//! The browser bundles use this crate: `frontend` hydrates one group of pages per build
//! (`routes`, feature `hydrate`, see [`bundles`]), and `designer-frontend` renders only the
//! Flow Designer (`pages::designer::start`, feature `csr`), without the router or hydration.

// Leptos view types nest deeply; the default limit stops at the larger pages.
#![recursion_limit = "256"]

pub mod api;
pub mod bundles;
pub mod components;
pub mod format;
/// The shared wire types, re-exported so UI code reads `crate::model::…`.
pub use outflow_model as model;
pub mod pages;
#[cfg(not(feature = "csr"))]
pub mod routes;

#[cfg(not(feature = "csr"))]
pub use routes::{app_of, shell};

use leptos::prelude::*;

/// Sets `<body data-hydrated="true">` once the browser has taken over the page (effects run
/// after hydration, or after the designer's first render); tests and scripts wait for it
/// before interacting. Effects never run on the server.
pub(crate) fn mark_hydrated() {
    Effect::new(move |_| {
        #[cfg(feature = "browser")]
        if let Some(body) = web_sys::window().and_then(|window| window.document()).and_then(|document| document.body()) {
            // Setting a data attribute on <body> cannot fail.
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });
}
