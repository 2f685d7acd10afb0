//! Health at a glance against the real server: after real deliveries to loopback receivers
//! (some answered 2xx, some refused) and a flow run, the dashboard of a member of that
//! workflow counts exactly those runs, shows the failing endpoint with its last error and
//! the run to re-send, the latency and queue depth; a member of another workflow sees none
//! of it; and the home page and the Endpoints page show the same, with text equivalents.

use std::time::Duration;

use outflow_tests::{
    TestServer,
    api::{Api, eventually},
    browser_as,
    receiver::Receiver,
};
use serde_json::{Value, json};

const GOOD: u64 = 3;
const BAD: u64 = 2;

/// A form of `workflow` whose alerts' status trigger sends to `endpoint` (from `location`).
async fn sending_form(admin: &Api<'_>, workflow: &str, name: &str, endpoint: &str, location: Value) -> String {
    let form = admin.form(workflow, json!({"name": name, "enabled": true, "properties": [], "responses": []})).await;
    let integration = json!({"formId": form, "name": name, "trigger": "status", "location": location,
        "action": {"type": "webhook", "endpointId": endpoint, "path": "/hook"}});
    admin.post_ok("/api/v1/integrations", integration, 201).await;
    form
}

async fn start_alerts(admin: &Api<'_>, form: &str, count: u64) {
    for _ in 0..count {
        admin.post_ok("/api/v1/alerts", json!({"formId": form, "recipients": ["admin"]}), 201).await;
    }
}

/// A viewer who is a member of `workflow` only, with an API key and a browser session.
async fn viewer_of<'a>(server: &'a TestServer, admin: &Api<'_>, name: &str, workflow: &str) -> (Api<'a>, reqwest::Client) {
    admin.post_ok("/api/v1/users", json!({"targetName": name, "roles": ["viewer"]}), 201).await;
    assert_eq!(admin.put(&format!("/api/v1/workflows/{workflow}/members"), json!({"members": [name]})).await.0, 200);
    let key = admin.post_ok(&format!("/api/v1/users/{name}/api-keys"), json!({"name": "dash"}), 201).await;
    (Api::with_key(server, key["key"].as_str().unwrap()), browser_as(server, name, "a long enough password").await)
}

fn endpoint_named<'a>(dashboard: &'a Value, name: &str) -> &'a Value {
    dashboard["endpoints"].as_array().unwrap().iter().find(|endpoint| endpoint["name"] == name).unwrap_or_else(|| panic!("{name} in {dashboard}"))
}

async fn page(browser: &reqwest::Client, server: &TestServer, path: &str) -> String {
    let response = browser.get(server.url(path)).send().await.unwrap();
    assert_eq!(response.status(), 200);
    response.text().await.unwrap()
}

#[tokio::test]
async fn the_dashboard_counts_a_workflows_deliveries_for_its_members_only() {
    let server = TestServer::start();
    let admin = Api::new(&server);
    let (good_receiver, bad_receiver) = (Receiver::start().await, Receiver::start().await);
    good_receiver.answer_after(Duration::from_millis(30));
    // Any 4xx but 429 fails a delivery at once, without retries.
    bad_receiver.answer_with(422);
    bad_receiver.answer_body("nope, not this payload");

    let alpha = admin.workflow("Alpha").await;
    let beta = admin.workflow("Beta").await;
    let good = admin.endpoint(&alpha, "Good desk", &good_receiver.url("")).await;
    let bad = admin.endpoint(&alpha, "Bad desk", &bad_receiver.url("")).await;
    let beta_sink = admin.endpoint(&beta, "Beta sink", &good_receiver.url("")).await;
    let good_form = sending_form(&admin, &alpha, "Good", &good, json!("cloud")).await;
    let bad_form = sending_form(&admin, &alpha, "Bad", &bad, json!("cloud")).await;
    let beta_form = sending_form(&admin, &beta, "Beta", &beta_sink, json!("cloud")).await;
    // Work for an agent that never takes it waits in Alpha's agent queue.
    let agent = admin.post_ok("/api/v1/agents", json!({"name": "Edge", "services": []}), 201).await;
    assert_eq!(admin.put(&format!("/api/v1/agents/{}/users", agent["id"].as_str().unwrap()), json!({"users": ["admin"]})).await.0, 200);
    let agent_form = sending_form(&admin, &alpha, "Edge", &good, json!({"agents": [agent["id"]]})).await;
    let (alice, alice_browser) = viewer_of(&server, &admin, "alice", &alpha).await;
    let (bob, bob_browser) = viewer_of(&server, &admin, "bob", &beta).await;

    start_alerts(&admin, &good_form, GOOD).await;
    start_alerts(&admin, &bad_form, BAD).await;
    start_alerts(&admin, &beta_form, 1).await;
    start_alerts(&admin, &agent_form, 1).await;
    // A flow run counts among the runs, as integration runs do.
    let blocks = json!([
        {"id": "h1", "kind": "trigger", "trigger": "http", "position": {"x": 0, "y": 0}},
        {"id": "s1", "kind": "step", "step": "get_alerts", "label": "s1", "settings": {"formId": good_form}, "inputs": {}, "position": {"x": 200, "y": 0}},
    ]);
    let edges = json!([{"from": "h1", "fromPort": "out", "to": "s1", "toPort": "in"}]);
    let flow = admin.post_ok("/api/v1/flows/import", json!({"name": "Look", "formId": good_form, "blocks": blocks, "edges": edges}), 201).await;
    let run =
        admin.post_ok(&format!("/api/v1/flows/{}/runs?wait=true", flow["id"].as_str().unwrap()), json!({"trigger": "h1", "payload": {}}), 200).await;
    assert_eq!(run["status"], "succeeded", "{run}");

    let dashboard = eventually(Duration::from_secs(20), || async {
        let (status, dashboard) = alice.get("/api/v1/dashboard").await;
        assert_eq!(status, 200, "{dashboard}");
        let hour = &dashboard["lastHour"]["runs"];
        (hour["succeeded"] == GOOD + 1 && hour["failed"] == BAD).then_some(dashboard)
    })
    .await
    .expect("Alpha's runs reach the dashboard");

    // Alice sees Alpha's runs (3 deliveries and the flow run succeeded, 2 failed), nothing of Beta's.
    assert_eq!(dashboard["lastHour"]["runs"], json!({"succeeded": GOOD + 1, "failed": BAD, "skipped": 0, "discarded": 0}));
    assert_eq!(dashboard["lastDay"]["runs"], dashboard["lastHour"]["runs"]);
    let slots = dashboard["lastHour"]["slots"].as_array().unwrap();
    assert_eq!((slots.len(), dashboard["lastDay"]["slots"].as_array().unwrap().len()), (60, 96));
    let charted: u64 = slots.iter().map(|slot| slot["runs"]["succeeded"].as_u64().unwrap() + slot["runs"]["failed"].as_u64().unwrap()).sum();
    assert_eq!(charted, GOOD + 1 + BAD, "the slots add up to the total");
    let names: Vec<&str> = dashboard["endpoints"].as_array().unwrap().iter().map(|endpoint| endpoint["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Bad desk", "Good desk"]);

    let good_health = endpoint_named(&dashboard, "Good desk");
    assert_eq!((good_health["attempts"].as_u64(), good_health["succeeded"].as_u64()), (Some(GOOD), Some(GOOD)));
    assert_eq!((good_health["successRate"].as_f64(), &good_health["failing"]), (Some(1.0), &json!(false)));
    let p50 = good_health["latency"]["p50Ms"].as_u64().expect("a median");
    assert!((20..=300).contains(&p50), "the receiver waits 30 ms before answering: p50 {p50} ms");
    assert_eq!(good_health["hours"].as_array().unwrap().len(), 24);
    assert_eq!(good_health["hours"][23]["attempts"], GOOD, "the latest hour holds them");

    let bad_health = endpoint_named(&dashboard, "Bad desk");
    assert_eq!((bad_health["attempts"].as_u64(), bad_health["succeeded"].as_u64()), (Some(BAD), Some(0)));
    assert_eq!(bad_health["failing"], true);
    let failure = &bad_health["lastFailure"];
    assert_eq!(failure["error"], "HTTP 422: nope, not this payload");
    assert_eq!(failure["runStatus"], "failed");
    let failed_run = failure["runId"].as_str().unwrap().to_string();
    assert_eq!(admin.get(&format!("/api/v1/runs/{failed_run}")).await.1["integrationName"], "Bad");

    let latency = &dashboard["lastHour"]["latency"];
    assert_eq!(latency["samples"], GOOD + BAD);
    assert!(latency["p99Ms"].as_u64() >= latency["p50Ms"].as_u64(), "{latency}");
    assert_eq!(dashboard["queues"]["agentRuns"], 1, "Alpha's run waits for its agent: {}", dashboard["queues"]);
    assert_eq!(dashboard["agents"], json!({"online": 0, "registered": 1}));

    // Bob, of Beta only, sees Beta's one delivery and none of Alpha's numbers.
    let (_, seen_by_bob) = bob.get("/api/v1/dashboard").await;
    assert_eq!(seen_by_bob["lastDay"]["runs"], json!({"succeeded": 1, "failed": 0, "skipped": 0, "discarded": 0}), "{seen_by_bob}");
    let names: Vec<&str> = seen_by_bob["endpoints"].as_array().unwrap().iter().map(|endpoint| endpoint["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Beta sink"]);
    assert_eq!(seen_by_bob["lastDay"]["latency"]["samples"], 1);
    assert_eq!(seen_by_bob["queues"]["agentRuns"], 0);

    // The admin sees every workflow.
    let (_, everything) = admin.get("/api/v1/dashboard").await;
    assert_eq!(everything["lastHour"]["runs"]["succeeded"], GOOD + 2);
    assert_eq!(everything["endpoints"].as_array().unwrap().len(), 3);

    // The home page shows the same: tiles, charts with their text equivalents, the failing
    // endpoint with its error and the run to re-send.
    let home = page(&alice_browser, &server, "/").await;
    for expected in [
        "Health at a glance",
        "Runs per minute, last hour",
        "Runs per 15 minutes, last 24 hours",
        "6 runs: 4 succeeded, 2 failed",
        "Failing endpoints",
        "Bad desk",
        "HTTP 422: nope, not this payload",
        &format!("href=\"/activity/{failed_run}\""),
        "Agents online",
    ] {
        assert!(home.contains(expected), "the home page shows {expected:?}");
    }
    let home_of_bob = page(&bob_browser, &server, "/").await;
    assert!(home_of_bob.contains("1 run: 1 succeeded") && !home_of_bob.contains("Bad desk"), "Bob's home page shows only Beta");
    let endpoints_page = page(&alice_browser, &server, "/endpoints").await;
    assert!(endpoints_page.contains("100.0 % of 3 deliveries succeeded"), "the Endpoints page shows each endpoint's success rate");
    assert!(endpoints_page.contains("0.0 % of 2 deliveries succeeded"));
    assert!(endpoints_page.contains("Median latency per hour over the last 24 hours, for Good desk"), "and its sparkline, labelled");

    // Re-sending the failed run is one more failed delivery, counted where it belongs.
    admin.post_ok(&format!("/api/v1/runs/{failed_run}/rerun"), json!({}), 201).await;
    let failed = eventually(Duration::from_secs(15), || async {
        let (_, dashboard) = alice.get("/api/v1/dashboard").await;
        let failed = dashboard["lastHour"]["runs"]["failed"].as_u64()?;
        (failed == BAD + 1).then_some(endpoint_named(&dashboard, "Bad desk")["attempts"].clone())
    })
    .await
    .expect("the re-sent run fails again");
    assert_eq!(failed, BAD + 1);

    // An agent's heartbeat puts it online.
    let token = agent["token"].as_str().unwrap();
    let heartbeat = reqwest::Client::new().post(server.url("/api/v1/agent/heartbeat")).bearer_auth(token).json(&json!({})).send().await.unwrap();
    assert!(heartbeat.status().is_success());
    assert_eq!(alice.get("/api/v1/dashboard").await.1["agents"], json!({"online": 1, "registered": 1}));
}
