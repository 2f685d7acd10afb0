//! Outbound integrations through HTTP (SPEC §3–§5): endpoints with write-only secrets,
//! one integration per trigger per form, signed webhook delivery with retries to a loopback
//! receiver, disabled forms, scripts and their limits, re-sending, and crash recovery.

use std::time::{Duration, Instant};

use base64::{Engine, engine::general_purpose::STANDARD};
use hmac::{Hmac, Mac};
use outflow_tests::{
    TestServer,
    api::{Api, eventually},
    receiver::{Receiver, Reply, TOKEN_PATH},
};
use serde_json::{Value, json};
use sha2::Sha256;

const FAST_RETRIES: &[(&str, &str)] = &[("OUTFLOW_RETRY_SCHEDULE", "300ms,300ms")];

struct Setup {
    workflow: String,
    form: String,
    endpoint: String,
    signing_secret: String,
}

/// A workflow with form "Incident" (property `number` flagged, `secret note` not), user
/// `bob` with an email device, and an endpoint pointing at the receiver.
async fn setup(api: &Api<'_>, receiver: &Receiver) -> Setup {
    let workflow = api.workflow("Ops").await;
    let form = api
        .form(
            &workflow,
            json!({"name": "Incident", "properties": [
                {"name": "number", "type": "text", "includeInOutbound": true},
                {"name": "secret note", "type": "text", "includeInOutbound": false}]}),
        )
        .await;
    api.user_with_email("bob", "Bob", "Ray").await;
    let endpoint = api
        .post_ok(
            "/api/v1/endpoints",
            json!({"workflowId": workflow, "name": "Help desk", "baseUrl": receiver.url("/api"),
                   "auth": {"type": "basic", "username": "outflow", "password": "pa55-word-in-clear"}}),
            201,
        )
        .await;
    Setup {
        workflow,
        form,
        endpoint: endpoint["id"].as_str().unwrap().to_string(),
        signing_secret: endpoint["signingSecret"].as_str().unwrap().to_string(),
    }
}

async fn webhook_integration(api: &Api<'_>, setup: &Setup, trigger: &str) -> String {
    let integration = api
        .post_ok(
            "/api/v1/integrations",
            json!({"formId": setup.form, "name": format!("{trigger} to help desk"), "trigger": trigger,
                   "action": {"type": "webhook", "endpointId": setup.endpoint, "path": "/v2/events"}, "location": "cloud"}),
            201,
        )
        .await;
    integration["id"].as_str().unwrap().to_string()
}

async fn start_alert(api: &Api<'_>, setup: &Setup) -> i64 {
    let alert = api
        .post_ok("/api/v1/alerts", json!({"formId": setup.form, "properties": {"number": "INC7", "secret note": "keep"}, "recipients": ["bob"]}), 201)
        .await;
    alert["eventIdentifier"].as_i64().unwrap()
}

#[tokio::test]
async fn a_trigger_sends_a_signed_webhook_with_the_exact_payload() {
    let server = TestServer::start();
    let api = Api::new(&server);
    let receiver = Receiver::start().await;
    let setup = setup(&api, &receiver).await;
    let integration = webhook_integration(&api, &setup, "status").await;
    let alert = start_alert(&api, &setup).await;

    let run = api.integration_run(&integration, &["succeeded"]).await;
    assert_eq!(run["attempts"].as_array().unwrap().len(), 1);
    assert_eq!(run["attempts"][0]["statusCode"], 200);
    let posts: Vec<_> = receiver.received().into_iter().filter(|post| post.path == "/api/v2/events").collect();
    assert_eq!(posts.len(), 1, "base URL and path are joined");
    let post = &posts[0];
    assert_eq!(post.body["eventIdentifier"], alert);
    assert_eq!(post.body["trigger"], "status");
    assert_eq!(post.body["status"], "active");
    assert_eq!(post.body["username"], "admin");
    assert_eq!(post.body["eventProperties"], json!([{"number": "INC7"}]));
    assert_eq!(post.body["properties"], json!({"number": "INC7"}));
    let date = post.body["date"].as_str().unwrap();
    assert_eq!(date.len(), "2026-11-28 21:19:31.123".len(), "{date}");
    assert_eq!(&date[10..11], " ");

    let header = |name: &str| post.headers.get(name).unwrap().to_str().unwrap().to_string();
    assert_eq!(header("authorization"), format!("Basic {}", STANDARD.encode("outflow:pa55-word-in-clear")));
    let key = STANDARD.decode(setup.signing_secret.strip_prefix("whsec_").unwrap()).unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(format!("{}.{}.{}", header("webhook-id"), header("webhook-timestamp"), post.raw).as_bytes());
    let expected = format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()));
    assert_eq!(header("webhook-signature"), expected, "the Standard Webhooks signature verifies");
    assert_eq!(header("webhook-id"), run["webhookId"].as_str().unwrap());

    let (_, listing) = api.get(&format!("/api/v1/integrations?workflowId={}", setup.workflow)).await;
    assert_eq!(listing[0]["lastRun"]["status"], "succeeded");
    assert_eq!(listing[0]["formName"], "Incident");

    let metrics = reqwest::get(server.url("/metrics")).await.unwrap().text().await.unwrap();
    for line in [
        "outflow_runs_finished_total{status=\"succeeded\"} 1",
        "outflow_attempts_total{outcome=\"2xx\"} 1",
        "outflow_trigger_events_total{trigger=\"status\"} 1",
        "outflow_delivery_latency_seconds_count 1",
        "outflow_queue_depth 0",
    ] {
        assert!(metrics.lines().any(|l| l == line), "{line} in\n{metrics}");
    }
}

#[tokio::test]
async fn endpoint_secrets_are_write_only_and_encrypted_at_rest() {
    let server = TestServer::start();
    let api = Api::new(&server);
    let receiver = Receiver::start().await;
    let setup = setup(&api, &receiver).await;
    assert!(setup.signing_secret.starts_with("whsec_"), "shown once at creation");

    let (_, endpoint) = api.get(&format!("/api/v1/endpoints/{}", setup.endpoint)).await;
    assert_eq!(endpoint["auth"], json!({"type": "basic", "username": "outflow", "password": "********"}));
    assert_eq!(endpoint["signingSecret"], "********");
    let (_, listing) = api.get(&format!("/api/v1/endpoints?workflowId={}", setup.workflow)).await;
    assert!(!listing.to_string().contains("pa55-word-in-clear"));

    // Sending the mask back keeps the password; renaming the user changes only the user.
    let (status, changed) = api
        .patch(&format!("/api/v1/endpoints/{}", setup.endpoint), json!({"auth": {"type": "basic", "username": "svc", "password": "********"}}))
        .await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!(changed["auth"]["password"], "********");

    let stored = server.stored_bytes();
    let text = String::from_utf8_lossy(&stored);
    assert!(text.contains(&setup.endpoint), "what was read holds the endpoint");
    assert!(!text.contains("pa55-word-in-clear"), "the password is not stored in clear");
    assert!(!text.contains(&setup.signing_secret), "the signing secret is not stored in clear");

    let integration = webhook_integration(&api, &setup, "status").await;
    start_alert(&api, &setup).await;
    api.integration_run(&integration, &["succeeded"]).await;
    let post = receiver.received().into_iter().find(|post| post.path == "/api/v2/events").unwrap();
    let expected = format!("Basic {}", STANDARD.encode("svc:pa55-word-in-clear"));
    assert_eq!(post.headers["authorization"].to_str().unwrap(), expected, "the kept password is used");

    for bad in [
        json!({"workflowId": setup.workflow, "name": "X", "baseUrl": "ftp://nowhere"}),
        json!({"workflowId": setup.workflow, "name": "Y", "baseUrl": "https://h", "auth": {"type": "bearer", "token": ""}}),
        json!({"workflowId": setup.workflow, "name": "Z", "baseUrl": "https://h", "signingSecret": "plain"}),
        json!({"workflowId": "wf_missing", "name": "W", "baseUrl": "https://h"}),
    ] {
        let (status, answer) = api.post("/api/v1/endpoints", bad.clone()).await;
        assert_eq!(status, 422, "{bad} → {answer}");
    }
    let (status, _) = api.post("/api/v1/endpoints", json!({"workflowId": setup.workflow, "name": "Help desk", "baseUrl": "https://h"})).await;
    assert_eq!(status, 409);
    let (status, answer) = api.post("/api/v1/endpoints", json!({})).await;
    assert_eq!(status, 422, "{answer}");
}

#[tokio::test]
async fn oauth2_tokens_are_fetched_once_and_reused() {
    let server = TestServer::start();
    let api = Api::new(&server);
    let receiver = Receiver::start().await;
    let setup = setup(&api, &receiver).await;
    let auth = json!({"type": "oauth2", "tokenUrl": receiver.url(TOKEN_PATH), "clientId": "outflow", "clientSecret": "client-secret-value"});
    let (status, endpoint) = api.patch(&format!("/api/v1/endpoints/{}", setup.endpoint), json!({"auth": auth})).await;
    assert_eq!(status, 200, "{endpoint}");
    assert_eq!(endpoint["auth"]["clientSecret"], "********");
    let integration = webhook_integration(&api, &setup, "comment").await;
    let alert = start_alert(&api, &setup).await;
    comment(&api, alert).await;
    comment(&api, alert).await;
    eventually(Duration::from_secs(10), || async {
        let (_, page) = api.get(&format!("/api/v1/runs?integrationId={integration}&status=succeeded")).await;
        (page["total"] == 2).then_some(())
    })
    .await
    .expect("both comments are delivered");

    let received = receiver.received();
    let token_requests: Vec<_> = received.iter().filter(|request| request.path == TOKEN_PATH).collect();
    assert_eq!(token_requests.len(), 1, "the token is cached");
    let credentials = format!("Basic {}", STANDARD.encode("outflow:client-secret-value"));
    assert_eq!(token_requests[0].headers["authorization"].to_str().unwrap(), credentials);
    let hooks: Vec<_> = received.iter().filter(|request| request.path == "/api/v2/events").collect();
    assert_eq!(hooks.len(), 2);
    for hook in hooks {
        assert_eq!(hook.headers["authorization"].to_str().unwrap(), "Bearer token-1");
    }
}

#[tokio::test]
async fn a_second_integration_for_the_same_form_and_trigger_is_refused() {
    let server = TestServer::start();
    let api = Api::new(&server);
    let receiver = Receiver::start().await;
    let setup = setup(&api, &receiver).await;
    webhook_integration(&api, &setup, "comment").await;
    let (status, answer) =
        api.post("/api/v1/integrations", json!({"formId": setup.form, "name": "Twin", "trigger": "comment", "action": {"type": "script"}})).await;
    assert_eq!(status, 409);
    assert!(answer["error"]["message"].as_str().unwrap().contains("comment to help desk"), "{answer}");
    let (status, _) =
        api.post("/api/v1/integrations", json!({"formId": setup.form, "name": "R", "trigger": "responses", "action": {"type": "script"}})).await;
    assert_eq!(status, 422, "the Responses trigger is for flows only");
    let (status, _) = api
        .post(
            "/api/v1/integrations",
            json!({"formId": setup.form, "name": "E", "trigger": "status", "action": {"type": "webhook", "endpointId": "ep_nope"}}),
        )
        .await;
    assert_eq!(status, 422);
    let (_, listing) = api.get("/api/v1/integrations").await;
    assert_eq!(listing.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn failures_retry_until_success_with_a_stable_webhook_id() {
    let server = TestServer::start_with(FAST_RETRIES);
    let api = Api::new(&server);
    let receiver = Receiver::start().await;
    let setup = setup(&api, &receiver).await;
    let integration = webhook_integration(&api, &setup, "status").await;
    receiver.answer_next(&[Reply { status: 503, retry_after: None }]);
    start_alert(&api, &setup).await;

    let run = api.integration_run(&integration, &["succeeded"]).await;
    let attempts = run["attempts"].as_array().unwrap();
    assert_eq!(attempts.len(), 2);
    assert_eq!(attempts[0]["statusCode"], 503);
    assert_eq!(attempts[1]["statusCode"], 200);
    let ids: Vec<String> = receiver.received().iter().map(|post| post.headers["webhook-id"].to_str().unwrap().to_string()).collect();
    assert_eq!(ids.len(), 2);
    assert_eq!(ids[0], ids[1], "retries keep the webhook-id");
}

#[tokio::test]
async fn client_errors_are_not_retried_and_the_run_can_be_re_sent() {
    let server = TestServer::start_with(FAST_RETRIES);
    let api = Api::new(&server);
    let receiver = Receiver::start().await;
    let setup = setup(&api, &receiver).await;
    let integration = webhook_integration(&api, &setup, "status").await;
    receiver.answer_next(&[Reply { status: 400, retry_after: None }]);
    start_alert(&api, &setup).await;

    let failed = api.integration_run(&integration, &["failed"]).await;
    assert_eq!(failed["attempts"].as_array().unwrap().len(), 1);
    assert!(failed["reason"].as_str().unwrap().contains("not retried"), "{failed}");
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(receiver.received().len(), 1, "no retry after a 400");

    let rerun = api.post_ok(&format!("/api/v1/runs/{}/rerun", failed["id"].as_str().unwrap()), json!({}), 201).await;
    assert_eq!(rerun["rerunOf"], failed["id"]);
    let resent = eventually(Duration::from_secs(10), || async {
        let (_, run) = api.get(&format!("/api/v1/runs/{}", rerun["id"].as_str().unwrap())).await;
        (run["status"] == "succeeded").then_some(run)
    })
    .await
    .expect("the re-sent run succeeds");
    assert_eq!(resent["payload"], failed["payload"]);
    assert_eq!(resent["webhookId"], failed["webhookId"]);
    let (status, _) = api.post("/api/v1/runs/run_missing/rerun", json!({})).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn retry_after_is_honoured_and_attempts_run_out() {
    let server = TestServer::start_with(&[("OUTFLOW_RETRY_SCHEDULE", "30s")]);
    let api = Api::new(&server);
    let receiver = Receiver::start().await;
    let setup = setup(&api, &receiver).await;
    let integration = webhook_integration(&api, &setup, "status").await;
    receiver.answer_next(&[Reply { status: 429, retry_after: Some(1) }]);
    let started = Instant::now();
    start_alert(&api, &setup).await;
    let run = api.integration_run(&integration, &["succeeded"]).await;
    let waited = started.elapsed();
    assert!(waited >= Duration::from_millis(900) && waited < Duration::from_secs(10), "waited {waited:?}, not the 30 s schedule");
    assert_eq!(run["attempts"][0]["statusCode"], 429);

    let server = TestServer::start_with(FAST_RETRIES);
    let api = Api::new(&server);
    let setup = self::setup(&api, &receiver).await;
    let integration = webhook_integration(&api, &setup, "status").await;
    receiver.answer_with(500);
    start_alert(&api, &setup).await;
    let run = api.integration_run(&integration, &["failed"]).await;
    assert_eq!(run["attempts"].as_array().unwrap().len(), 3, "the first attempt and two retries");
    assert!(run["reason"].as_str().unwrap().contains("Gave up after 3 attempts"));
}

#[tokio::test]
async fn a_disabled_form_sends_nothing_and_says_why() {
    let server = TestServer::start();
    let api = Api::new(&server);
    let receiver = Receiver::start().await;
    let setup = setup(&api, &receiver).await;
    let integration = webhook_integration(&api, &setup, "status").await;
    let (_, form) = api.get(&format!("/api/v1/forms/{}", setup.form)).await;
    let mut disabled = form.clone();
    disabled["enabled"] = json!(false);
    api.put(&format!("/api/v1/forms/{}", setup.form), disabled).await;
    start_alert(&api, &setup).await;

    let run = api.integration_run(&integration, &["skipped"]).await;
    assert!(run["reason"].as_str().unwrap().contains("disabled"), "{run}");
    assert!(receiver.received().iter().all(|post| post.path != "/api/v2/events"));
}

async fn script_integration(api: &Api<'_>, setup: &Setup, script: &str) -> Value {
    api.post_ok(
        "/api/v1/integrations",
        json!({"formId": setup.form, "name": "Transform", "trigger": "comment", "action": {"type": "script", "script": script}}),
        201,
    )
    .await
}

async fn comment(api: &Api<'_>, alert: i64) {
    api.post_ok(&format!("/api/v1/alerts/{alert}/comments"), json!({"author": "bob", "comment": "on it", "source": "INBOX"}), 201).await;
}

#[tokio::test]
async fn scripts_transform_and_send_through_endpoints() {
    let server = TestServer::start();
    let api = Api::new(&server);
    let receiver = Receiver::start().await;
    let setup = setup(&api, &receiver).await;
    let default = script_integration(&api, &setup, "").await;
    let default_script = default["action"]["script"].as_str().unwrap();
    assert!(default_script.contains("comment: payload.comment"), "the default script for the trigger is written");
    let id = default["id"].as_str().unwrap();

    let script = r#"
        var body = { ticket: payload.properties.number, note: payload.comment, by: payload.author.targetName };
        console.log('sending', body.ticket);
        var reply = http.request({ endpoint: 'Help desk', method: 'POST', path: '/notes', headers: {'Content-Type': 'application/json'} })
            .write(JSON.stringify(body));
        console.log('help desk said', reply.statusCode);
    "#;
    let (status, _) = api.patch(&format!("/api/v1/integrations/{id}"), json!({"action": {"type": "script", "script": script}})).await;
    assert_eq!(status, 200);
    let alert = start_alert(&api, &setup).await;
    comment(&api, alert).await;

    let run = api.integration_run(id, &["succeeded"]).await;
    let lines: Vec<&str> = run["logs"].as_array().unwrap().iter().map(|line| line["line"].as_str().unwrap()).collect();
    assert_eq!(lines, ["sending INC7", "http.request POST Help desk /notes answered 200", "help desk said 200"]);
    let note = receiver.received().into_iter().find(|post| post.path == "/api/notes").expect("the script's request arrived");
    assert_eq!(note.body, json!({"ticket": "INC7", "note": "on it", "by": "bob"}));
    assert!(note.headers.contains_key("authorization"), "the endpoint's auth applies to script calls");

    let (_, changed) = api.patch(&format!("/api/v1/integrations/{id}"), json!({"trigger": "status"})).await;
    assert_eq!(changed["action"]["script"], script, "changing the trigger keeps the script");
}

#[tokio::test]
async fn failing_scripts_are_run_data_with_the_line_and_the_server_stays_healthy() {
    let server = TestServer::start_with(&[("OUTFLOW_SCRIPT_TIMEOUT_MS", "500"), ("OUTFLOW_SCRIPT_MEMORY_MB", "16")]);
    let api = Api::new(&server);
    let receiver = Receiver::start().await;
    let setup = setup(&api, &receiver).await;
    let integration = script_integration(&api, &setup, "console.log('before');\nundefinedFunction();").await;
    let id = integration["id"].as_str().unwrap().to_string();
    let alert = start_alert(&api, &setup).await;
    comment(&api, alert).await;
    let run = api.integration_run(&id, &["failed"]).await;
    let reason = run["reason"].as_str().unwrap();
    assert!(reason.contains("line 2") && reason.contains("undefinedFunction"), "{reason}");
    assert_eq!(run["logs"][0]["line"], "before");

    for (script, expected) in [("while (true) {}", "ran longer than"), ("var a = []; while (true) { a.push(new Array(100000).fill(1)); }", "memory")]
    {
        api.patch(&format!("/api/v1/integrations/{id}"), json!({"action": {"type": "script", "script": script}})).await;
        let before = api.get(&format!("/api/v1/runs?integrationId={id}&status=failed")).await.1["total"].as_i64().unwrap();
        comment(&api, alert).await;
        let reason = eventually(Duration::from_secs(15), || async {
            let (_, page) = api.get(&format!("/api/v1/runs?integrationId={id}&status=failed")).await;
            (page["total"].as_i64()? > before).then(|| page["items"][0]["reason"].as_str().map(str::to_string))?
        })
        .await
        .expect("the runaway script fails");
        assert!(reason.contains(expected) || reason.contains("ran longer than"), "{reason}");
        let (status, _) = api.get("/healthz").await;
        assert_eq!(status, 200);
    }
}

#[tokio::test]
async fn runs_pending_at_a_crash_are_delivered_after_restart() {
    let server = TestServer::start_with(FAST_RETRIES);
    let api = Api::new(&server);
    let receiver = Receiver::start().await;
    let setup = setup(&api, &receiver).await;
    let integration = webhook_integration(&api, &setup, "comment").await;
    let alert = start_alert(&api, &setup).await;
    receiver.answer_with(503);
    for n in 0..20 {
        api.post_ok(&format!("/api/v1/alerts/{alert}/comments"), json!({"author": "bob", "comment": format!("note {n}")}), 201).await;
    }
    let data_dir = server.crash();

    receiver.answer_with(200);
    let server = TestServer::start_in_with(data_dir, FAST_RETRIES);
    let api = Api::new(&server);
    let delivered = eventually(Duration::from_secs(20), || async {
        let (_, page) = api.get(&format!("/api/v1/runs?integrationId={integration}&status=succeeded&limit=200")).await;
        (page["total"] == 20).then_some(page)
    })
    .await
    .expect("all 20 runs succeed after the restart");
    assert_eq!(delivered["total"], 20);
    let (_, all) = api.get(&format!("/api/v1/runs?integrationId={integration}")).await;
    assert_eq!(all["total"], 20, "no run was lost or doubled");

    let mut comments: Vec<(String, String)> = receiver
        .received()
        .into_iter()
        .filter(|post| post.path == "/api/v2/events" && post.body["trigger"] == "comment")
        .map(|post| (post.body["comment"].as_str().unwrap().to_string(), post.headers["webhook-id"].to_str().unwrap().to_string()))
        .collect();
    comments.sort();
    comments.dedup();
    let distinct: std::collections::HashSet<&String> = comments.iter().map(|(comment, _)| comment).collect();
    assert_eq!(distinct.len(), 20, "every comment arrived");
    assert_eq!(comments.len(), 20, "a comment that arrived twice carried the same webhook-id");
}

#[tokio::test]
async fn scripts_use_the_workflows_constants_and_libraries() {
    let server = TestServer::start();
    let api = Api::new(&server);
    let receiver = Receiver::start().await;
    let setup = setup(&api, &receiver).await;
    let constants = format!("/api/v1/workflows/{}/constants", setup.workflow);
    let libraries = format!("/api/v1/workflows/{}/libraries", setup.workflow);
    let constant = api.post_ok(&constants, json!({"name": "Queue", "text": "L2-Database"}), 201).await;
    assert_eq!(constant["value"], "L2-Database");
    api.post_ok(
        &libraries,
        json!({"name": "tickets", "text": "module.exports.title = function (p) { return p.properties.number + ': ' + p.comment; };"}),
        201,
    )
    .await;
    let (status, _) = api.post(&constants, json!({"name": "Queue", "text": "again"})).await;
    assert_eq!(status, 409);
    let (status, _) = api.post(&libraries, json!({"name": " ", "text": "x"})).await;
    assert_eq!(status, 422);
    let (status, _) = api.post("/api/v1/workflows/wf_missing/constants", json!({"name": "A", "text": "b"})).await;
    assert_eq!(status, 404);

    let script = "console.log(require('tickets').title(payload), 'to', constants['Queue']);";
    let integration = script_integration(&api, &setup, script).await;
    let alert = start_alert(&api, &setup).await;
    comment(&api, alert).await;
    let run = api.integration_run(integration["id"].as_str().unwrap(), &["succeeded"]).await;
    assert_eq!(run["logs"][0]["line"], "INC7: on it to L2-Database");

    let id = constant["id"].as_str().unwrap();
    let (status, changed) = api.put(&format!("{constants}/{id}"), json!({"name": "Queue", "text": "L3"})).await;
    assert_eq!((status, changed["value"].as_str()), (200, Some("L3")));
    let (status, _) = api.get(&constants).await;
    assert_eq!(status, 200);
}
