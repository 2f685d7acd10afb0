//! The browser assets (hydration JS and wasm, CSS, icons), embedded into the binary at build
//! time from `target/site` so that `outflow serve` needs no files beside it. `./x build`
//! fills that folder before compiling the server.

use axum::{
    body::Body,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use rust_embed::RustEmbed;
use std::borrow::Cow;

#[derive(RustEmbed)]
#[folder = "../target/site"]
struct Site;

/// Answers a request for an embedded file, or `None` when there is no such file.
/// Answers carry a strong ETag so browsers revalidate cheaply (file names are not hashed).
/// The bundle, scripts and styles are sent as the brotli or gzip copy `./x` made at build time
/// when the browser accepts it (the compression layer leaves encoded answers alone).
pub fn serve(path: &str, request_headers: &HeaderMap) -> Option<Response> {
    let path = path.trim_start_matches('/');
    let file = Site::get(path)?;
    let (encoding, body) = precompressed(path, request_headers).unwrap_or((None, file.data));
    let digest = hex::encode(file.metadata.sha256_hash());
    let etag = match encoding {
        Some(encoding) => format!("\"{digest}-{encoding}\""),
        None => format!("\"{digest}\""),
    };
    let unchanged = request_headers.get(header::IF_NONE_MATCH).and_then(|value| value.to_str().ok()).is_some_and(|value| value == etag);
    let mut response = if unchanged {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let mime = mime_guess::from_path(path).first_or_octet_stream();
        let mut response = Body::from(body.into_owned()).into_response();
        if let Ok(content_type) = HeaderValue::from_str(mime.as_ref()) {
            response.headers_mut().insert(header::CONTENT_TYPE, content_type);
        }
        response
    };
    let headers = response.headers_mut();
    if let Ok(etag) = HeaderValue::from_str(&etag) {
        headers.insert(header::ETAG, etag);
    }
    if let Some(encoding) = encoding {
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(encoding));
    }
    headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    Some(response)
}

/// The build-time compressed copy of `path` the request accepts, brotli first.
fn precompressed(path: &str, request_headers: &HeaderMap) -> Option<(Option<&'static str>, Cow<'static, [u8]>)> {
    let accepted = request_headers.get(header::ACCEPT_ENCODING)?.to_str().ok()?;
    [("br", "br"), ("gzip", "gz")].into_iter().find_map(|(encoding, suffix)| {
        if !accepts(accepted, encoding) {
            return None;
        }
        Site::get(&format!("{path}.{suffix}")).map(|file| (Some(encoding), file.data))
    })
}

/// Whether an `Accept-Encoding` value lists `encoding` without refusing it (`;q=0`).
fn accepts(accept_encoding: &str, encoding: &str) -> bool {
    accept_encoding.split(',').any(|item| {
        let mut parts = item.split(';').map(str::trim);
        let named = parts.next().is_some_and(|name| name.eq_ignore_ascii_case(encoding));
        let refused = parts.any(|parameter| parameter.strip_prefix("q=").and_then(|q| q.trim().parse::<f32>().ok()) == Some(0.0));
        named && !refused
    })
}

/// Whether every browser bundle was embedded; without them pages render but never hydrate,
/// and the designer never opens.
pub fn has_browser_bundles() -> bool {
    app::bundles::Bundle::ALL.into_iter().all(|bundle| [bundle.script(), bundle.wasm()].iter().all(|path| exists(path)))
}

/// Whether `path` names an embedded file (assets are public: the sign-in page needs them).
pub fn exists(path: &str) -> bool {
    Site::get(path.trim_start_matches('/')).is_some()
}

#[cfg(test)]
mod tests {
    use super::accepts;

    #[test]
    fn accept_encoding_lists_and_refusals() {
        assert!(accepts("gzip, deflate, br, zstd", "br"));
        assert!(accepts("GZIP;q=0.5", "gzip"));
        assert!(!accepts("gzip, br;q=0", "br"));
        assert!(!accepts("brotli, gzip", "br"));
        assert!(!accepts("", "gzip"));
    }
}
