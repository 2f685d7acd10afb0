//! The browser assets (hydration JS and wasm, CSS, icons), embedded into the binary at build
//! time from `target/site` so that `outflow serve` needs no files beside it. `./x build`
//! fills that folder before compiling the server.

use axum::{
    body::Body,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "../target/site"]
struct Site;

/// Answers a request for an embedded file, or `None` when there is no such file.
/// Answers carry a strong ETag so browsers revalidate cheaply (file names are not hashed).
pub fn serve(path: &str, request_headers: &HeaderMap) -> Option<Response> {
    let file = Site::get(path.trim_start_matches('/'))?;
    let etag = format!("\"{}\"", hex::encode(file.metadata.sha256_hash()));
    let unchanged = request_headers
        .get(header::IF_NONE_MATCH)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value == etag);
    let mut response = if unchanged {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let mime = mime_guess::from_path(path).first_or_octet_stream();
        let mut response = Body::from(file.data.into_owned()).into_response();
        if let Ok(content_type) = HeaderValue::from_str(mime.as_ref()) {
            response.headers_mut().insert(header::CONTENT_TYPE, content_type);
        }
        response
    };
    let headers = response.headers_mut();
    if let Ok(etag) = HeaderValue::from_str(&etag) {
        headers.insert(header::ETAG, etag);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    Some(response)
}

/// The bytes of an embedded file.
pub fn contents(path: &str) -> Option<std::borrow::Cow<'static, [u8]>> {
    Site::get(path).map(|file| file.data)
}

/// Whether the hydration bundle was embedded; without it pages render but never hydrate.
pub fn has_hydration_bundle() -> bool {
    Site::get("pkg/outflow.js").is_some() && Site::get("pkg/outflow_bg.wasm").is_some()
}

/// Whether `path` names an embedded file (assets are public: the sign-in page needs them).
pub fn exists(path: &str) -> bool {
    Site::get(path.trim_start_matches('/')).is_some()
}
