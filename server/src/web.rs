//! The UI side of the router: server-side rendering of every Leptos route, embedded
//! assets, and the rendered "Page not found" for any other browser address.

use app::{app_of, bundles::Bundle, shell};
use axum::{
    Router,
    body::Body,
    extract::{Request, State},
    middleware::Next,
    response::{IntoResponse, Response},
};
use leptos::config::LeptosOptions;
use leptos_axum::{LeptosRoutes, generate_route_list};

use crate::{assets, error::ApiError, serve::MAX_BODY_BYTES, state::AppState};

/// The rendering options; each page names its bundle's files itself (`app::bundles`).
pub fn leptos_options(addr: std::net::SocketAddr) -> LeptosOptions {
    LeptosOptions::builder().output_name(Bundle::Start.stem()).site_pkg_dir("pkg").site_root("target/site").site_addr(addr).build()
}

pub fn router(state: &AppState) -> Router<AppState> {
    // Every bundle's router, each address once (the designer's address renders the flows router).
    let mut routes = Vec::new();
    for bundle in Bundle::ALL {
        for route in generate_route_list(move || app_of(bundle)) {
            if !routes.iter().any(|known: &leptos_axum::AxumRouteListing| known.path() == route.path()) {
                routes.push(route);
            }
        }
    }
    Router::<AppState>::new()
        .leptos_routes_with_context(state, routes, provide_server_context(state), {
            let options = state.leptos_options.clone();
            move || shell(options.clone())
        })
        .fallback(asset_or_not_found)
}

/// UI server functions (`/ui/…`) read their body themselves, past axum's `DefaultBodyLimit`:
/// this reads it first, at most [`MAX_BODY_BYTES`] like the REST API, and answers the API's
/// 413 beyond that. Like the REST API it reads up to the limit even when `Content-Length`
/// already says more: answering at once and closing the connection while the client still
/// writes megabytes gave the client a broken pipe instead of the answer.
pub async fn limit_server_fn_body(request: Request, next: Next) -> Response {
    if !request.uri().path().starts_with("/ui/") {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    match axum::body::to_bytes(body, MAX_BODY_BYTES).await {
        Ok(bytes) => next.run(Request::from_parts(parts, Body::from(bytes))).await,
        Err(error) if is_length_limit(&error) => ApiError::payload_too_large().into_response(),
        Err(error) => ApiError::bad_request(format!("The request body could not be read: {error}")).into_response(),
    }
}

fn is_length_limit(error: &axum::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(cause) = source {
        if cause.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        source = cause.source();
    }
    false
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

#[cfg(test)]
mod tests {
    use axum::{
        body::Bytes,
        http::{Request, StatusCode},
        middleware,
        routing::post,
    };
    use tower::ServiceExt;

    use super::*;

    fn echo() -> Router {
        Router::new().route("/ui/echo", post(|body: Bytes| async move { body.len().to_string() })).layer(middleware::from_fn(limit_server_fn_body))
    }

    async fn refused_as_too_large(response: Response) {
        assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
        let body = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
        let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(body["error"]["code"], "payload_too_large", "{body}");
    }

    #[tokio::test]
    async fn server_functions_refuse_bodies_past_the_limit_with_or_without_a_length() {
        let small = echo().oneshot(Request::post("/ui/echo").body(Body::from("{}")).unwrap()).await.unwrap();
        assert_eq!(small.status(), StatusCode::OK);
        let declared = Request::post("/ui/echo").header(axum::http::header::CONTENT_LENGTH, 8 << 20).body(Body::from(vec![b'x'; 8 << 20])).unwrap();
        refused_as_too_large(echo().oneshot(declared).await.unwrap()).await;
        // Chunked, no Content-Length: refused once the limit is read past.
        let chunks = futures::stream::iter((0..5).map(|_| Ok::<_, std::io::Error>(vec![b'x'; 1 << 20])));
        let streamed = Request::post("/ui/echo").body(Body::from_stream(chunks)).unwrap();
        refused_as_too_large(echo().oneshot(streamed).await.unwrap()).await;
    }
}
