//! The browser entry point: hydrates the server-rendered page of one bundle (`app::bundles`),
//! chosen by this crate's feature. It stays tiny so that the `app` crate never needs a
//! `cdylib` build on the server side.

#[cfg(not(any(
    feature = "start",
    feature = "workflows",
    feature = "alerts",
    feature = "integrations",
    feature = "integration",
    feature = "flows",
    feature = "endpoints",
    feature = "activity",
    feature = "run",
    feature = "people"
)))]
compile_error!(
    "build one bundle at a time: --features start, workflows, alerts, integrations, integration, flows, endpoints, activity, run or people"
);

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    use app::routes::hydrate;

    console_error_panic_hook::set_once();
    #[cfg(feature = "start")]
    hydrate::start();
    #[cfg(feature = "workflows")]
    hydrate::workflows();
    #[cfg(feature = "alerts")]
    hydrate::alerts();
    #[cfg(feature = "integrations")]
    hydrate::integrations();
    #[cfg(feature = "integration")]
    hydrate::integration();
    #[cfg(feature = "flows")]
    hydrate::flows();
    #[cfg(feature = "endpoints")]
    hydrate::endpoints();
    #[cfg(feature = "activity")]
    hydrate::activity();
    #[cfg(feature = "run")]
    hydrate::run();
    #[cfg(feature = "people")]
    hydrate::people();
}
