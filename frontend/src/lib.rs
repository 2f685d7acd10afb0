//! The browser entry point: hydrates the server-rendered page into the live Leptos app.
//! It stays tiny so that the `app` crate never needs a `cdylib` build on the server side.

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
}
