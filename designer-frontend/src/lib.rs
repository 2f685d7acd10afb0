//! The Flow Designer's browser entry point (see `app::pages::designer`). Like `frontend`, it
//! stays tiny so that the `app` crate never needs a `cdylib` build; built on its own, never
//! together with `frontend` (feature unification would mix `csr` and `hydrate`).

#[wasm_bindgen::prelude::wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
    app::pages::designer::start();
}
