//! The skeleton every feature stands on: health, pages, JSON errors, the OpenAPI document,
//! clean shutdown and restart on the same database.

use outflow_tests::{TestServer, admin_browser, admin_client};
use serde_json::Value;

/// Pages and the bundle each loads (`app::bundles`): a page downloads only its group's code.
const SHELL_ROUTES: &[(&str, &str)] = &[
    ("/", "start"),
    ("/workflows", "workflows"),
    ("/integrations", "integrations"),
    ("/flows", "flows"),
    ("/integrations/new", "integration"),
    ("/endpoints", "endpoints"),
    ("/activity", "activity"),
    ("/alerts", "alerts"),
    ("/people", "people"),
    ("/agents", "people"),
    ("/audit", "start"),
    ("/account", "start"),
];
const BUNDLES: &[&str] =
    &["start", "workflows", "alerts", "integrations", "integration", "flows", "endpoints", "activity", "run", "people", "designer"];

/// The bundles whose files a page's HTML names.
fn bundles_named(html: &str) -> Vec<&'static str> {
    BUNDLES.iter().copied().filter(|bundle| html.contains(&format!("/pkg/{bundle}.js")) || html.contains(&format!("/pkg/{bundle}_bg.wasm"))).collect()
}

#[tokio::test]
async fn healthz_answers_ok_when_the_database_answers() {
    let server = TestServer::start();
    let response = reqwest::get(server.url("/healthz")).await.unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], "ok");
}

#[tokio::test]
async fn every_shell_route_renders_html_with_the_hydration_bundle_of_its_group() {
    let server = TestServer::start();
    let browser = admin_browser(&server).await;
    for (route, bundle) in SHELL_ROUTES {
        let response = browser.get(server.url(route)).send().await.unwrap();
        assert_eq!(response.status(), 200, "{route}");
        let content_type = response.headers()["content-type"].to_str().unwrap().to_string();
        assert!(content_type.starts_with("text/html"), "{route}: {content_type}");
        let html = response.text().await.unwrap();
        assert!(html.contains("<nav"), "{route} has the navigation");
        assert!(html.contains(&format!("/pkg/{bundle}.js")), "{route} loads the hydration script of {bundle}");
        assert_eq!(bundles_named(&html), [*bundle], "{route} loads no other bundle");
    }
    let assets = BUNDLES.iter().flat_map(|bundle| [format!("/pkg/{bundle}.js"), format!("/pkg/{bundle}_bg.wasm")]);
    for asset in assets.chain(["/outflow.css".into(), "/favicon.svg".into()]) {
        let response = reqwest::get(server.url(&asset)).await.unwrap();
        assert_eq!(response.status(), 200, "{asset} is embedded in the binary");
    }
    let wasm = reqwest::get(server.url("/pkg/start_bg.wasm")).await.unwrap();
    assert_eq!(wasm.headers()["content-type"], "application/wasm");
}

#[tokio::test]
async fn a_designer_address_gets_the_page_frame_and_the_designers_bundle_instead_of_the_apps() {
    let server = TestServer::start();
    let browser = admin_browser(&server).await;
    let page = |path: &'static str| browser.get(server.url(path)).send();
    let html = page("/flows/fl_any").await.unwrap().text().await.unwrap();
    assert!(html.contains("<nav"), "the frame's navigation");
    assert!(html.contains(r#"id="designer-root""#) && html.contains(r#"data-flow="fl_any""#), "the element the designer fills: {html}");
    assert!(html.contains("/pkg/designer.js") && html.contains("/pkg/designer_bg.wasm"), "the designer's bundle");
    assert_eq!(bundles_named(&html), ["designer"], "no hydrated bundle");
    // An address the router takes for the designer's but the server does not gets the flows
    // bundle, whose designer route then replaces it with the canonical address.
    let html = page("/flows/fl_any/").await.unwrap().text().await.unwrap();
    assert_eq!(bundles_named(&html), ["flows"]);
}

#[tokio::test]
async fn the_bundle_is_sent_compressed_at_build_time_when_the_browser_accepts_it() {
    let server = TestServer::start();
    let client = reqwest::Client::new();
    let fetch = |accept: &'static str, path: &'static str| client.get(server.url(path)).header("accept-encoding", accept).send();
    let plain = fetch("identity", "/pkg/start_bg.wasm").await.unwrap();
    assert!(plain.headers().get("content-encoding").is_none());
    let plain_etag = plain.headers()["etag"].clone();
    assert!(plain.bytes().await.unwrap().starts_with(b"\0asm"), "the wasm itself");

    for (accept, encoding, copy) in [("gzip, deflate, br, zstd", "br", "/pkg/start_bg.wasm.br"), ("br;q=0, gzip", "gzip", "/pkg/start_bg.wasm.gz")] {
        let compressed = fetch(accept, "/pkg/start_bg.wasm").await.unwrap();
        assert_eq!(compressed.status(), 200);
        assert_eq!(compressed.headers()["content-encoding"], encoding, "{accept}");
        assert_eq!(compressed.headers()["content-type"], "application/wasm");
        assert_eq!(compressed.headers()["vary"], "accept-encoding");
        assert_ne!(compressed.headers()["etag"], plain_etag, "each encoding is its own representation");
        let body = compressed.bytes().await.unwrap();
        let stored = fetch("identity", copy).await.unwrap().bytes().await.unwrap();
        assert_eq!(body, stored, "{accept}: the copy made at build time, not compressed again");
    }
}

/// Transparent huge pages would back the allocator's small objects with 2 MiB pages (a
/// third of an idle server's memory); the server turns them off for itself.
#[cfg(target_os = "linux")]
#[tokio::test]
async fn the_server_takes_no_transparent_huge_pages() {
    let server = TestServer::start();
    let status = std::fs::read_to_string(format!("/proc/{}/status", server.pid())).expect("the server's status is readable");
    let enabled = status.lines().find_map(|line| line.strip_prefix("THP_enabled:")).map(str::trim);
    assert_eq!(enabled, Some("0"), "{status}");
}

#[tokio::test]
async fn unknown_pages_render_a_not_found_page() {
    let server = TestServer::start();
    let response = admin_browser(&server).await.get(server.url("/no-such-page")).send().await.unwrap();
    assert_eq!(response.status(), 404);
    assert!(response.text().await.unwrap().contains("Page not found"));
}

#[tokio::test]
async fn unknown_api_routes_answer_json_404() {
    let server = TestServer::start();
    let response = admin_client().get(server.url("/api/v1/no-such-thing")).send().await.unwrap();
    assert_eq!(response.status(), 404);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "route_not_found");
    assert!(body["error"]["message"].as_str().unwrap().contains("/api/v1/no-such-thing"));
}

#[tokio::test]
async fn the_openapi_document_lists_the_routes() {
    let server = TestServer::start();
    let response = reqwest::get(server.url("/api/v1/openapi.json")).await.unwrap();
    assert_eq!(response.status(), 200);
    let document: Value = response.json().await.unwrap();
    assert!(document["openapi"].as_str().unwrap().starts_with("3."));
    let paths = document["paths"].as_object().unwrap();
    assert!(paths.contains_key("/healthz"), "paths: {:?}", paths.keys().collect::<Vec<_>>());
    // Every documented operation is really served: none falls through to the API 404.
    for (path, item) in paths {
        for method in item.as_object().unwrap().keys() {
            let concrete = path.replace(['{', '}'], "");
            let request = admin_client().request(method.to_uppercase().parse().unwrap(), server.url(&concrete));
            let answer = request.send().await.unwrap();
            if answer.status() == 404 {
                let body: Value = answer.json().await.unwrap_or_default();
                assert_ne!(body["error"]["code"], "route_not_found", "{method} {path} is documented but not routed");
            }
        }
    }
}

#[tokio::test]
async fn sigterm_stops_cleanly_and_the_database_survives_a_restart() {
    let server = TestServer::start();
    let data_dir = server.stop();
    if outflow_tests::postgres_server().is_none() {
        assert!(data_dir.path().join("outflow.db").exists());
    }
    let again = TestServer::start_in(data_dir);
    let response = reqwest::get(again.url("/healthz")).await.unwrap();
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn malformed_json_answers_a_json_4xx_and_writes_nothing() {
    let server = TestServer::start();
    let client = admin_client();
    let response = client.post(server.url("/api/v1/workflows")).header("content-type", "application/json").body("{\"name\": ").send().await.unwrap();
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "malformed_json");
    assert!(!body["error"]["message"].as_str().unwrap().is_empty());

    let wrong_shape = client.post(server.url("/api/v1/workflows")).json(&serde_json::json!({"title": "x"})).send().await.unwrap();
    assert_eq!(wrong_shape.status(), 422);
    let body: Value = wrong_shape.json().await.unwrap();
    assert!(body["error"]["message"].as_str().unwrap().contains("name"), "{body}");

    let listing: Value = client.get(server.url("/api/v1/workflows")).send().await.unwrap().json().await.unwrap();
    assert_eq!(listing, serde_json::json!([]));
}

#[tokio::test]
async fn oversized_bodies_are_refused_with_413() {
    let server = TestServer::start();
    let huge_name = "x".repeat(3 * 1024 * 1024);
    let response = admin_client().post(server.url("/api/v1/workflows")).json(&serde_json::json!({ "name": huge_name })).send().await.unwrap();
    assert_eq!(response.status(), 413);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "payload_too_large");
}

#[tokio::test]
async fn the_api_refuses_missing_or_unknown_keys() {
    let server = TestServer::start();
    let anonymous = reqwest::get(server.url("/api/v1/workflows")).await.unwrap();
    assert_eq!(anonymous.status(), 401);
    let body: Value = anonymous.json().await.unwrap();
    assert_eq!(body["error"]["code"], "unauthorized");
    let wrong = reqwest::Client::new().get(server.url("/api/v1/workflows")).bearer_auth("not-a-key").send().await.unwrap();
    assert_eq!(wrong.status(), 401);
}

/// A client at another loopback address than the server's 127.0.0.1.
fn client_at(local: &str) -> reqwest::Client {
    reqwest::Client::builder().local_address(local.parse::<std::net::IpAddr>().unwrap()).build().unwrap()
}

#[tokio::test]
async fn metrics_ask_for_their_token_when_one_is_set() {
    let server = TestServer::start_with(&[("OUTFLOW_METRICS_TOKEN", "scrape-token-0123456789")]);
    let scraper = client_at("127.0.0.2");
    let anonymous = scraper.get(server.url("/metrics")).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
    assert_eq!(anonymous.headers()["www-authenticate"], "Bearer");
    let wrong = scraper.get(server.url("/metrics")).bearer_auth("scrape-token-0123456788").send().await.unwrap();
    assert_eq!(wrong.status(), 401);
    let local = reqwest::get(server.url("/metrics")).await.unwrap();
    assert_eq!(local.status(), 401, "with a token set, loopback needs it too");

    let scraped = scraper.get(server.url("/metrics")).bearer_auth("scrape-token-0123456789").send().await.unwrap();
    assert_eq!(scraped.status(), 200);
    let text = scraped.text().await.unwrap();
    for line in ["outflow_queue_depth 0", "outflow_attempts_total{outcome=\"2xx\"} 0", "outflow_flow_runs_open{status=\"running\"} 0"] {
        assert!(text.lines().any(|l| l == line), "{line} in\n{text}");
    }
}

#[tokio::test]
async fn without_a_token_metrics_are_for_this_host_only() {
    let server = TestServer::start();
    assert_eq!(reqwest::get(server.url("/metrics")).await.unwrap().status(), 200);
    let proxied = reqwest::Client::new().get(server.url("/metrics")).header("x-forwarded-for", "203.0.113.9").send().await.unwrap();
    assert_eq!(proxied.status(), 403, "relayed by a proxy on this host: not this host's own client");
}
