//! The UI side of the router: server-side rendering of every Leptos route, embedded
//! assets, and the rendered "Page not found" for any other browser address.

use app::{App, shell};
use axum::{
    Router,
    extract::{Request, State},
    response::{IntoResponse, Response},
};
use leptos::config::LeptosOptions;
use leptos_axum::{LeptosRoutes, generate_route_list};

use crate::{assets, state::AppState};

/// The rendering options; the bundle names match what `./x` asks wasm-bindgen to write.
pub fn leptos_options(addr: std::net::SocketAddr) -> LeptosOptions {
    LeptosOptions::builder()
        .output_name("outflow")
        .site_pkg_dir("pkg")
        .site_root("target/site")
        .site_addr(addr)
        .build()
}

pub fn router(state: &AppState) -> Router<AppState> {
    let routes = generate_route_list(App);
    Router::<AppState>::new()
        .leptos_routes_with_context(state, routes, provide_server_context(state), {
            let options = state.leptos_options.clone();
            move || shell(options.clone())
        })
        .fallback(asset_or_not_found)
}

async fn asset_or_not_found(State(state): State<AppState>, request: Request) -> Response {
    if let Some(response) = assets::serve(request.uri().path(), request.headers()) {
        return response;
    }
    let options = state.leptos_options.clone();
    let render = leptos_axum::render_app_to_stream_with_context(provide_server_context(&state), move || shell(options.clone()));
    render(request).await.into_response()
}

/// What the UI's server functions find with `use_context` while rendering or answering.
fn provide_server_context(state: &AppState) -> impl Fn() + Clone + Send + Sync + 'static {
    let ops = state.ops.clone();
    move || leptos::prelude::provide_context(ops.clone())
}
