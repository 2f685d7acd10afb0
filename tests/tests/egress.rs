//! The outbound side's trust boundaries (issue 16): the egress policy sees through every
//! spelling of a loopback address, scripts' calls to Outflow reach only its API, answers and
//! logs are capped, and a flow's sync reply sets only allowlisted headers.
//!
//! Only loopback receivers are ever called; link-local and metadata spellings are proven by
//! the unit tests over the classification function (`server/src/delivery/egress.rs`).

use outflow_tests::{
    TestServer,
    api::Api,
    flows::{edge, import, record, run_and_wait, step, trigger},
    receiver::Receiver,
};
use serde_json::{Value, json};

const DENY_PRIVATE: &[(&str, &str)] = &[("OUTFLOW_EGRESS_DENY_PRIVATE", "true"), ("OUTFLOW_RETRY_SCHEDULE", "200ms,200ms")];

struct Setup {
    workflow: String,
    form: String,
}

/// Workflow "Ops" with form "Incident" and user `bob` to notify.
async fn setup(api: &Api<'_>) -> Setup {
    let workflow = api.workflow("Ops").await;
    let form = api.form(&workflow, json!({"name": "Incident", "properties": [{"name": "number", "type": "text", "includeInOutbound": true}]})).await;
    api.user_with_email("bob", "Bob", "Ray").await;
    Setup { workflow, form }
}

async fn endpoint(api: &Api<'_>, setup: &Setup, name: &str, base_url: &str) -> String {
    let endpoint = api.post_ok("/api/v1/endpoints", json!({"workflowId": setup.workflow, "name": name, "baseUrl": base_url}), 201).await;
    endpoint["id"].as_str().unwrap().to_string()
}

async fn start_alert(api: &Api<'_>, setup: &Setup) -> i64 {
    let alert = api.post_ok("/api/v1/alerts", json!({"formId": setup.form, "properties": {"number": "INC7"}, "recipients": ["bob"]}), 201).await;
    alert["eventIdentifier"].as_i64().unwrap()
}

/// `http://127.0.0.1:PORT` of the receiver, spelled another way.
fn respelled(receiver: &Receiver, host: &str) -> String {
    let port = receiver.base_url.rsplit(':').next().unwrap();
    format!("http://{host}:{port}")
}

#[tokio::test]
async fn loopback_spelled_as_mapped_ipv6_or_unspecified_is_refused_under_deny_private() {
    let server = TestServer::start_with(DENY_PRIVATE);
    let api = Api::new(&server);
    let receiver = Receiver::start().await;
    let setup = setup(&api).await;
    let spellings = ["[::ffff:127.0.0.1]", "[::ffff:7f00:1]", "0.0.0.0", "[::]"];
    let mut blocks = vec![trigger("t1", "status")];
    let mut edges = Vec::new();
    for (n, host) in spellings.iter().enumerate() {
        let id = endpoint(&api, &setup, &format!("Spelling {n}"), &respelled(&receiver, host)).await;
        blocks.push(step(&format!("w{n}"), "webhook", json!({"endpointId": id, "method": "POST", "path": "/flow"}), json!({"body": "hello"})));
        edges.push(edge("t1", "out", &format!("w{n}")));
    }
    let id = import(&api, &setup.form, "Loopback in disguise", blocks, edges).await;
    let run = run_and_wait(&api, &id, json!({"payload": {}})).await;
    assert_eq!(run["status"], "failed", "{run}");
    for (n, host) in spellings.iter().enumerate() {
        let step = record(&run, &format!("w{n}"));
        let error = step["error"].as_str().unwrap_or_default();
        assert!(error.contains("Egress refused") && error.contains("private address"), "{host}: {step}");
    }

    // An integration webhook goes through the same check.
    let mapped = endpoint(&api, &setup, "Mapped", &respelled(&receiver, "[::ffff:127.0.0.1]")).await;
    let action = json!({"type": "webhook", "endpointId": mapped, "path": "/integration"});
    let run = integration_run(&api, &setup, "To mapped loopback", action, &["failed"]).await;
    let errors: Vec<&str> = run["attempts"].as_array().unwrap().iter().filter_map(|attempt| attempt["error"].as_str()).collect();
    assert!(!errors.is_empty() && errors.iter().all(|error| error.contains("Egress refused: ::ffff:127.0.0.1 (that is 127.0.0.1)")), "{run}");
    assert!(receiver.received().is_empty(), "nothing reached the receiver: {:?}", receiver.received());
}

#[tokio::test]
async fn the_same_spellings_reach_loopback_when_private_addresses_are_allowed() {
    // The control for the test above: these spellings do reach the receiver, so only the
    // policy stands between them and it.
    let server = TestServer::start();
    let api = Api::new(&server);
    let receiver = Receiver::start().await;
    let setup = setup(&api).await;
    let id = endpoint(&api, &setup, "Mapped", &respelled(&receiver, "[::ffff:7f00:1]")).await;
    let flow = import(
        &api,
        &setup.form,
        "Mapped",
        vec![trigger("t1", "status"), step("w1", "webhook", json!({"endpointId": id, "path": "/flow"}), json!({"body": "hi"}))],
        vec![edge("t1", "out", "w1")],
    )
    .await;
    let run = run_and_wait(&api, &flow, json!({"payload": {}})).await;
    assert_eq!(run["status"], "succeeded", "{run}");
    assert_eq!(receiver.received().len(), 1);
}

/// Adds an integration doing `action` on the status trigger, starts an alert, and answers
/// its run once it is in one of `statuses`.
async fn integration_run(api: &Api<'_>, setup: &Setup, name: &str, action: Value, statuses: &[&str]) -> Value {
    let integration =
        api.post_ok("/api/v1/integrations", json!({"formId": setup.form, "name": name, "trigger": "status", "action": action}), 201).await;
    start_alert(api, setup).await;
    api.integration_run(integration["id"].as_str().unwrap(), statuses).await
}

/// A script integration's finished (succeeded or failed) run.
async fn script_run(api: &Api<'_>, setup: &Setup, name: &str, script: &str) -> Value {
    integration_run(api, setup, name, json!({"type": "script", "script": script}), &["succeeded", "failed"]).await
}

fn log_lines(run: &Value) -> Vec<String> {
    run["logs"].as_array().unwrap().iter().map(|line| line["line"].as_str().unwrap().to_string()).collect()
}

#[tokio::test]
async fn scripts_reach_only_plain_api_paths_on_outflow() {
    let server = TestServer::start();
    let api = Api::new(&server);
    let setup = setup(&api).await;
    let script = r#"
['/api/v1/%2e%2e/healthz', '/api/v1/.%2E/auth/setup', '/api/v1/..\\auth/setup', '/api/v1//workflows', '/auth/setup', '/api/v1/auth/setup'].forEach(function (path) {
  try { http.request({endpoint: 'Outflow', method: 'GET', path: path}).write(''); console.log('reached ' + path); }
  catch (error) { console.log('refused ' + path); }
});
console.log('a plain path answers ' + http.request({endpoint: 'Outflow', method: 'GET', path: '/api/v1/workflows'}).write('').statusCode);
http.request({endpoint: 'Outflow', method: 'POST', path: '/api/v1/../auth/setup'}).write('{}');
"#;
    let run = script_run(&api, &setup, "Escape the API", script).await;
    assert_eq!(run["status"], "failed", "{run}");
    let reason = run["reason"].as_str().unwrap_or_default();
    assert!(
        reason.contains(
            r#"The Outflow endpoint reaches only Outflow's API (plain paths under /api/v1/), not "/api/v1/../auth/setup": it has a . or .. segment."#
        ),
        "{run}"
    );
    let logs = log_lines(&run);
    for path in
        ["/api/v1/%2e%2e/healthz", "/api/v1/.%2E/auth/setup", "/api/v1/..\\auth/setup", "/api/v1//workflows", "/auth/setup", "/api/v1/auth/setup"]
    {
        assert!(logs.contains(&format!("refused {path}")), "{path} is refused: {logs:?}");
    }
    assert!(logs.contains(&"a plain path answers 200".to_string()), "{logs:?}");
    assert!(
        logs.iter().any(|line| line.starts_with("http.request GET Outflow /api/v1/%2e%2e/healthz failed: The Outflow endpoint reaches only")),
        "{logs:?}"
    );
}

#[tokio::test]
async fn a_scripts_log_keeps_a_thousand_lines_then_says_it_was_truncated() {
    let server = TestServer::start();
    let api = Api::new(&server);
    let setup = setup(&api).await;
    let run = script_run(&api, &setup, "Chatty", "for (var i = 0; i < 100000; i++) { console.log('line ' + i); }").await;
    assert_eq!(run["status"], "succeeded", "{run}");
    let logs = log_lines(&run);
    assert_eq!(logs.len(), 1001, "1000 lines and the note");
    assert_eq!(logs[999], "line 999");
    assert_eq!(logs[1000], "Log truncated: a script run keeps at most 1000 lines; later lines were dropped.");
}

const MIB: usize = 1024 * 1024;

#[tokio::test]
async fn answers_are_read_up_to_one_mib() {
    let server = TestServer::start_with(&[("OUTFLOW_RETRY_SCHEDULE", "200ms,200ms")]);
    let api = Api::new(&server);
    let receiver = Receiver::start().await;
    receiver.answer_body(vec![b'a'; 3 * MIB]);
    let setup = setup(&api).await;
    let desk = endpoint(&api, &setup, "Desk", &receiver.url("")).await;
    let oauth = api
        .post_ok(
            "/api/v1/endpoints",
            json!({"workflowId": setup.workflow, "name": "Huge token", "baseUrl": receiver.url(""),
                   "auth": {"type": "oauth2", "tokenUrl": receiver.url("/huge-token"), "clientId": "outflow", "clientSecret": "s3cret"}}),
            201,
        )
        .await;
    let script = "var reply = http.request({endpoint: 'Desk', method: 'GET', path: '/big'}).write('');\noutput.length = reply.body.length; output.truncated = reply.bodyTruncated;";
    let id = import(
        &api,
        &setup.form,
        "Big answers",
        vec![
            trigger("t1", "status"),
            step("x1", "script", json!({"outputs": "length\ntruncated", "script": script}), json!({})),
            step("w1", "webhook", json!({"endpointId": desk, "path": "/big"}), json!({"body": "hi"})),
            step("w2", "webhook", json!({"endpointId": oauth["id"], "path": "/secured"}), json!({"body": "hi"})),
        ],
        vec![edge("t1", "out", "x1"), edge("t1", "out", "w1"), edge("t1", "out", "w2")],
    )
    .await;
    let run = run_and_wait(&api, &id, json!({"payload": {}})).await;
    let script_step = record(&run, "x1");
    assert_eq!(script_step["outputs"], json!({"length": MIB, "truncated": true}), "a script gets the first 1 MiB: {script_step}");
    let cut = "http.request GET Desk /big answered 200 (response body larger than 1 MiB, cut to its first 1 MiB)";
    assert!(script_step["logs"].to_string().contains(cut), "{script_step}");
    let webhook_step = record(&run, "w1");
    assert_eq!(
        webhook_step["error"].as_str().unwrap_or_default(),
        format!("POST {} answered 200 with a response body larger than 1 MiB, more than a step's outputs hold.", receiver.url("/big")),
        "{webhook_step}"
    );
    let token_step = record(&run, "w2");
    assert!(
        token_step["error"].as_str().unwrap_or_default().contains("OAuth2 token answer from")
            && token_step["error"].to_string().contains("larger than 1 MiB"),
        "{token_step}"
    );

    // An integration's webhook is judged by its status; the attempt keeps its usual excerpt.
    let action = json!({"type": "webhook", "endpointId": desk, "path": "/events"});
    let run = integration_run(&api, &setup, "Big answer", action, &["succeeded", "failed"]).await;
    assert_eq!(run["status"], "succeeded", "{run}");
    assert_eq!(run["attempts"][0]["statusCode"], 200);
    assert_eq!(run["attempts"][0]["responseExcerpt"].as_str().map(str::len), Some(500), "{}", run["attempts"][0]);
}

#[tokio::test]
async fn a_sync_reply_sets_only_allowlisted_headers() {
    let server = TestServer::start();
    let api = Api::new(&server);
    let setup = setup(&api).await;
    let script = r#"output.statusCode = 201; output.body = 'ok';
output.headers = {'Set-Cookie': 'session=taken; Path=/', 'Content-Security-Policy': "default-src *", 'X-Frame-Options': 'ALLOWALL',
  'Access-Control-Allow-Origin': '*', 'Strict-Transport-Security': 'max-age=0', 'X-Ticket': '1', 'Cache-Control': 'no-store'};"#;
    let id = import(
        &api,
        &setup.form,
        "Reply headers",
        vec![
            json!({"id": "h1", "kind": "trigger", "trigger": "http", "settings": {"auth": "apiKey", "mode": "sync"}, "position": {"x": 0, "y": 0}}),
            step("x1", "script", json!({"outputs": "statusCode\nheaders\nbody", "script": script}), json!({})),
        ],
        vec![edge("h1", "out", "x1")],
    )
    .await;
    let answer = reqwest::Client::new()
        .post(server.url(&format!("/api/v1/flows/{id}/http")))
        .bearer_auth(outflow_tests::ADMIN_KEY)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 201);
    let headers = answer.headers().clone();
    assert_eq!(headers.get("x-ticket").map(|value| value.to_str().unwrap()), Some("1"));
    assert_eq!(headers.get("cache-control").map(|value| value.to_str().unwrap()), Some("no-store"));
    assert!(headers.get("set-cookie").is_none(), "{headers:?}");
    assert!(headers.get("access-control-allow-origin").is_none() && headers.get("strict-transport-security").is_none(), "{headers:?}");
    assert_eq!(headers["content-security-policy"], "default-src 'none'; frame-ancestors 'none'", "the server's own policy stands");
    assert_eq!(headers["x-frame-options"], "DENY");
    assert_eq!(answer.text().await.unwrap(), "ok");
}
