//! Browser sign-in over plain HTTP: the session cookie, the gate in front of pages and UI
//! server functions, CSRF refusal, expiry, logout, the first-start password link and the
//! security headers.

use std::time::Duration;

use outflow_tests::{
    ADMIN_PASSWORD, TestServer,
    api::{Api, eventually},
    post_login,
};
use reqwest::{Client, Response, header};
use serde_json::{Value, json};

fn browser() -> Client {
    Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

/// A browser on another machine: the server listens on 127.0.0.1, and a client bound to
/// another loopback address (`127.0.0.2`) is a different client address to it.
fn browser_at(local: &str) -> Client {
    let local: std::net::IpAddr = local.parse().unwrap();
    Client::builder().redirect(reqwest::redirect::Policy::none()).local_address(local).build().unwrap()
}

fn location(response: &Response) -> &str {
    response.headers().get(header::LOCATION).and_then(|value| value.to_str().ok()).unwrap_or_default()
}

/// Posts a browser form from one of the server's own pages (`Origin` set as a browser does).
async fn post_form(server: &TestServer, path: &str, form: &[(&str, &str)], cookie: Option<&str>) -> Response {
    post_form_with(&browser(), server, path, form, cookie).await
}

async fn post_form_with(client: &Client, server: &TestServer, path: &str, form: &[(&str, &str)], cookie: Option<&str>) -> Response {
    let mut request = client.post(server.url(path)).header(header::ORIGIN, &server.base_url).form(form);
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    request.send().await.unwrap()
}

/// Signs in and answers the `name=value` cookie pair.
async fn sign_in(server: &TestServer, name: &str, password: &str) -> String {
    let response = post_login(server, name, password, "/people").await;
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), "/people");
    let cookie = response.headers()[header::SET_COOKIE].to_str().unwrap().to_string();
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(cookie.contains(attribute), "the session cookie is {attribute}: {cookie}");
    }
    assert!(!cookie.contains("Secure"), "plain HTTP: not Secure");
    cookie.split(';').next().unwrap().to_string()
}

async fn page(server: &TestServer, path: &str, cookie: Option<&str>) -> Response {
    let mut request = browser().get(server.url(path));
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    request.send().await.unwrap()
}

async fn server_with_admin_password(env: &[(&str, &str)]) -> TestServer {
    let server = TestServer::start_with(env);
    assert_eq!(Api::new(&server).put("/api/v1/users/admin/password", json!({"password": ADMIN_PASSWORD})).await.0, 204);
    server
}

#[tokio::test]
async fn pages_need_a_session_and_a_wrong_password_gets_none() {
    let server = server_with_admin_password(&[]).await;
    let anonymous = page(&server, "/people", None).await;
    assert_eq!(anonymous.status(), 303);
    assert_eq!(location(&anonymous), "/login?next=%2Fpeople");
    assert_eq!(page(&server, "/login", None).await.status(), 200, "the sign-in page itself is open");
    assert_eq!(page(&server, "/outflow.css", None).await.status(), 200, "so are its assets");

    let wrong = post_login(&server, "admin", "wrong password!", "/").await;
    assert_eq!(location(&wrong), "/login?failed=1&next=%2F");
    assert!(wrong.headers().get(header::SET_COOKIE).is_none());

    let cookie = sign_in(&server, "admin", ADMIN_PASSWORD).await;
    let signed_in = page(&server, "/people", Some(&cookie)).await;
    assert_eq!(signed_in.status(), 200);
    let html = signed_in.text().await.unwrap();
    assert!(html.contains("Sign out"), "the page shows the user menu");

    let ui_call = browser().post(server.url("/ui/anything")).header(header::ORIGIN, &server.base_url).send().await.unwrap();
    assert_eq!(ui_call.status(), 401, "UI server functions need a session too");
    let body: Value = ui_call.json().await.unwrap();
    assert_eq!(body["message"], "Your session has ended. Sign in again.");
}

#[tokio::test]
async fn cross_site_posts_are_refused_and_change_nothing() {
    let server = server_with_admin_password(&[]).await;
    let cookie = sign_in(&server, "admin", ADMIN_PASSWORD).await;
    for origin in [Some("http://evil.example"), None] {
        let mut request = browser().post(server.url("/auth/logout")).header(header::COOKIE, &cookie);
        if let Some(origin) = origin {
            request = request.header(header::ORIGIN, origin);
        }
        let refused = request.send().await.unwrap();
        assert_eq!(refused.status(), 403, "origin {origin:?}");
        let body: Value = refused.json().await.unwrap();
        assert!(body["message"].as_str().unwrap().contains("cross-site"));
    }
    let server_fn = browser()
        .post(server.url("/ui/create_workflow"))
        .header(header::COOKIE, &cookie)
        .header(header::ORIGIN, "http://evil.example")
        .json(&json!({"name": "Forged"}))
        .send()
        .await
        .unwrap();
    assert_eq!(server_fn.status(), 403);
    assert_eq!(page(&server, "/people", Some(&cookie)).await.status(), 200, "the session survived the forged logout");
    assert_eq!(Api::new(&server).get("/api/v1/workflows").await.1, json!([]), "nothing was created");

    let logout = post_form(&server, "/auth/logout", &[], Some(&cookie)).await;
    assert_eq!(location(&logout), "/login");
    assert!(logout.headers()[header::SET_COOKIE].to_str().unwrap().contains("Max-Age=0"));
    assert_eq!(page(&server, "/people", Some(&cookie)).await.status(), 303, "the old cookie is dead");
}

#[tokio::test]
async fn after_sign_in_only_paths_of_this_site_are_followed() {
    let server = server_with_admin_password(&[]).await;
    // Browsers drop tabs and line breaks from an address: `/\t/evil.example/` is `//evil.example/`.
    for next in ["/\t/evil.example/", "/\\evil.example/", "//evil.example/", "/%2fevil.example/", "/%09/evil.example/", "https://evil.example/"] {
        let response = post_login(&server, "admin", ADMIN_PASSWORD, next).await;
        assert_eq!(response.status(), 303, "{next:?}");
        assert_eq!(location(&response), "/", "{next:?}");
        assert!(response.headers().get(header::SET_COOKIE).is_some(), "signed in all the same");
    }
    let wrong = post_login(&server, "admin", "wrong password!", "/\t/evil.example/").await;
    assert_eq!(location(&wrong), "/login?failed=1&next=%2F", "the sign-in page is not handed the hostile address either");
    let local = post_login(&server, "admin", ADMIN_PASSWORD, "/alerts?page=2").await;
    assert_eq!(location(&local), "/alerts?page=2");
}

#[tokio::test]
async fn ui_server_functions_refuse_bodies_past_the_api_limit_with_the_api_error() {
    let server = server_with_admin_password(&[]).await;
    let cookie = sign_in(&server, "admin", ADMIN_PASSWORD).await;
    let create_workflow = |name: String| {
        browser()
            .post(server.url("/ui/create_workflow"))
            .header(header::COOKIE, &cookie)
            .header(header::ORIGIN, &server.base_url)
            .json(&json!({"name": name}))
            .send()
    };
    assert_eq!(create_workflow("Small".into()).await.unwrap().status(), 200, "the server function's address is right");
    // Just past the 2 MiB limit, as the REST call below: the server reads up to the limit,
    // answers and closes the connection, so what it left unread must fit the loopback
    // socket's buffers (a client still writing megabytes sees a broken pipe, not the answer).
    let past_the_limit = || "x".repeat(2 * 1024 * 1024);
    let response = create_workflow(past_the_limit()).await.unwrap();
    assert_eq!(response.status(), 413);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "payload_too_large", "{body}");
    let rest = Api::new(&server).post("/api/v1/workflows", json!({"name": past_the_limit()})).await;
    assert_eq!(rest.0, 413);
    assert_eq!(rest.1, body, "the same answer as the REST API's");
    let (_, workflows) = Api::new(&server).get("/api/v1/workflows").await;
    assert_eq!(workflows.as_array().unwrap().len(), 1, "only the small one was created: {workflows}");
}

#[tokio::test]
async fn a_session_expires_after_its_idle_lifetime() {
    let server = server_with_admin_password(&[("OUTFLOW_SESSION_TTL_SECS", "1")]).await;
    let cookie = sign_in(&server, "admin", ADMIN_PASSWORD).await;
    assert_eq!(page(&server, "/people", Some(&cookie)).await.status(), 200);
    tokio::time::sleep(Duration::from_millis(2200)).await;
    let expired = page(&server, "/people", Some(&cookie)).await;
    assert_eq!(expired.status(), 303);
    assert_eq!(location(&expired), "/login?next=%2Fpeople");
}

#[tokio::test]
async fn the_first_start_prints_a_one_time_link_to_set_the_admin_password() {
    let server = TestServer::start_with(&[("OUTFLOW_BOOTSTRAP_API_KEY", "")]);
    let printed = eventually(Duration::from_secs(5), || async { server.printed().into_iter().find(|line| line.contains("/setup?token=")) });
    let line = printed.await.expect("a set-password link is printed");
    let token = line.split("token=").nth(1).unwrap().split_whitespace().next().unwrap().to_string();
    assert_eq!(page(&server, &format!("/setup?token={token}"), None).await.status(), 200);

    let differ = post_form(&server, "/auth/setup", &[("token", &token), ("password", ADMIN_PASSWORD), ("confirm", "something else")], None).await;
    assert!(location(&differ).contains("error=The+two+passwords+differ."), "{}", location(&differ));
    let set = post_form(&server, "/auth/setup", &[("token", &token), ("password", ADMIN_PASSWORD), ("confirm", ADMIN_PASSWORD)], None).await;
    assert_eq!(location(&set), "/");
    assert!(set.headers().get(header::SET_COOKIE).is_some(), "setting the password signs in");
    let again =
        post_form(&server, "/auth/setup", &[("token", &token), ("password", "another password!"), ("confirm", "another password!")], None).await;
    assert!(location(&again).contains("already+used"), "the link works once: {}", location(&again));
    sign_in(&server, "admin", ADMIN_PASSWORD).await;
}

#[tokio::test]
async fn the_password_link_refuses_wrong_tokens_before_hashing_and_throttles_each_address() {
    let server = TestServer::start_with(&[("OUTFLOW_BOOTSTRAP_API_KEY", "")]);
    let printed = eventually(Duration::from_secs(5), || async { server.printed().into_iter().find(|line| line.contains("/setup?token=")) });
    let line = printed.await.expect("a set-password link is printed");
    let token = line.split("token=").nth(1).unwrap().split_whitespace().next().unwrap().to_string();

    let mut refused = 0;
    let mut throttled = None;
    for attempt in 0..20 {
        // The password is too short: that a wrong token is named instead shows the token is
        // checked first, before the password is looked at (let alone hashed).
        let guess = format!("{attempt:064x}");
        let wrong = post_form(&server, "/auth/setup", &[("token", &guess), ("password", "short"), ("confirm", "short")], None).await;
        if wrong.status() == 429 {
            throttled = Some(wrong);
            break;
        }
        assert_eq!(wrong.status(), 303);
        assert!(location(&wrong).contains("error=This+link+is+unknown"), "{}", location(&wrong));
        assert!(wrong.headers().get(header::SET_COOKIE).is_none());
        refused += 1;
    }
    assert_eq!(refused, 10, "ten tries per address, then a wait");
    let throttled = throttled.expect("past ten tries the address waits");
    let retry_after: u64 = throttled.headers()[header::RETRY_AFTER].to_str().unwrap().parse().unwrap();
    assert!((1..=6).contains(&retry_after), "Retry-After: {retry_after}");
    let body: Value = throttled.json().await.unwrap();
    assert_eq!(body["error"]["code"], "rate_limited");
    let right = [("token", token.as_str()), ("password", ADMIN_PASSWORD), ("confirm", ADMIN_PASSWORD)];
    assert_eq!(post_form(&server, "/auth/setup", &right, None).await.status(), 429, "the throttled address waits even with the right token");

    let set = post_form_with(&browser_at("127.0.0.2"), &server, "/auth/setup", &right, None).await;
    assert_eq!(location(&set), "/", "another address is not throttled");
    assert!(set.headers().get(header::SET_COOKIE).is_some());
}

#[tokio::test]
async fn pages_carry_security_headers_and_a_nonce_for_their_scripts() {
    let server = TestServer::start();
    let login = page(&server, "/login", None).await;
    let headers = login.headers().clone();
    assert_eq!(headers["x-frame-options"], "DENY");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["referrer-policy"], "same-origin");
    let policy = headers["content-security-policy"].to_str().unwrap().to_string();
    assert!(policy.contains("frame-ancestors 'none'") && policy.contains("'wasm-unsafe-eval'"), "{policy}");
    let nonce = policy.split("'nonce-").nth(1).unwrap().split('\'').next().unwrap().to_string();
    let html = login.text().await.unwrap();
    let scripts = html.matches("<script").count();
    assert!(scripts >= 2, "the theme and hydration scripts");
    assert_eq!(html.matches(&format!("nonce=\"{nonce}\"")).count(), scripts, "every inline script carries the nonce");
    let api = reqwest::get(server.url("/healthz")).await.unwrap();
    assert_eq!(api.headers()["content-security-policy"], "default-src 'none'; frame-ancestors 'none'");
}

#[tokio::test]
async fn guessing_a_password_online_is_throttled_per_user_and_address_without_locking_the_user_out() {
    let server = server_with_admin_password(&[]).await;
    let mut throttled = None;
    for _ in 0..15 {
        let response = post_login(&server, "admin", "a wrong guess!", "/").await;
        if location(&response).contains("wait=") {
            throttled = Some(location(&response).to_string());
        }
    }
    let throttled = throttled.expect("after 10 quick attempts the next ones wait");
    assert!(throttled.starts_with("/login?wait="), "{throttled}");
    let refused = post_login(&server, "admin", ADMIN_PASSWORD, "/").await;
    assert!(refused.headers().get(header::SET_COOKIE).is_none(), "from the guessing address even the right password waits its turn");
    let other_user = post_login(&server, "someone", "whatever guess", "/").await;
    assert!(location(&other_user).contains("failed=1"), "other names are not throttled");

    // The real admin, at another address, signs in while the guesser's address waits.
    let form = [("targetName", "admin"), ("password", ADMIN_PASSWORD), ("next", "/people")];
    let real = post_form_with(&browser_at("127.0.0.2"), &server, "/auth/login", &form, None).await;
    assert_eq!(location(&real), "/people");
    assert!(real.headers().get(header::SET_COOKIE).is_some(), "the real user is not locked out");
    let still = post_login(&server, "admin", ADMIN_PASSWORD, "/").await;
    assert!(location(&still).starts_with("/login?wait="), "the guessing address still waits: {}", location(&still));
}

#[tokio::test]
async fn ui_server_functions_answer_with_request_logging_on() {
    // Debug builds overflowed a runtime thread's stack here once requests were traced.
    let server = TestServer::start_with(&[("RUST_LOG", "info")]);
    let api = Api::new(&server);
    let workflow = api.workflow("Logged").await;
    let form = api
        .form(&workflow, json!({"name": "Incident", "enabled": true, "properties": [], "responses": [{"choice": "Acknowledge", "action": "none"}]}))
        .await;
    let alert = api.post_ok("/api/v1/alerts", json!({"formId": form, "recipients": ["admin"]}), 201).await["eventIdentifier"].clone();
    let browser = outflow_tests::admin_browser(&server).await;
    let page = browser.get(server.url(&format!("/alerts/{alert}"))).send().await.expect("the server answers");
    assert_eq!(page.status(), 200);
    let answer = browser.post(server.url("/ui/fetch_alert")).json(&json!({"id": alert})).send().await.expect("the server answers");
    assert_eq!(answer.status(), 200);
    let detail: Value = answer.json().await.unwrap();
    assert_eq!(detail["alert"]["eventIdentifier"], alert);
    assert_eq!(api.get("/healthz").await.0, 200, "and it is still up");
}
