//! Integration Agents (SPEC §4): the server and `outflow agent` as two real processes on
//! loopback. Routing (queued until the agent connects, discarded when nobody serves the
//! service), leases (a killed agent's job is re-leased and delivered once), two agents
//! sharing a service without duplicates, agent-token auth and who may pick an agent.

use std::{collections::HashSet, time::Duration};

use outflow_tests::{
    TestAgent, TestServer,
    api::{Api, eventually},
    receiver::Receiver,
};
use serde_json::{Value, json};

/// A short lease, so a killed agent's job comes back quickly.
const SHORT_LEASE: &[(&str, &str)] = &[("OUTFLOW_AGENT_LEASE_MS", "1500")];

/// A workflow with form "Incident" and user `bob` to alert.
async fn form(api: &Api<'_>) -> (String, String) {
    let workflow = api.post_ok("/api/v1/workflows", json!({"name": "Ops"}), 201).await;
    let workflow = workflow["id"].as_str().unwrap().to_string();
    let form = api
        .post_ok(
            &format!("/api/v1/workflows/{workflow}/forms"),
            json!({"name": "Incident", "properties": [{"name": "number", "type": "text", "includeInOutbound": true}]}),
            201,
        )
        .await;
    api.post_ok("/api/v1/users", json!({"targetName": "bob", "firstName": "Bob", "lastName": "Ray"}), 201).await;
    (workflow, form["id"].as_str().unwrap().to_string())
}

/// Registers an agent; answers (id, token).
/// Registers an agent, and the admin to it (so the admin may pick it); answers id and token.
async fn register(api: &Api<'_>, name: &str, services: &[&str]) -> (String, String) {
    let created = api.post_ok("/api/v1/agents", json!({"name": name, "services": services}), 201).await;
    let id = created["id"].as_str().unwrap().to_string();
    assert_eq!(api.put(&format!("/api/v1/agents/{id}/users"), json!({"users": ["admin"]})).await.0, 200);
    (id, created["token"].as_str().unwrap().to_string())
}

async fn integration(api: &Api<'_>, form: &str, action: Value, location: Value) -> String {
    let created = api
        .post_ok(
            "/api/v1/integrations",
            json!({"formId": form, "name": "To the agent", "trigger": "status", "action": action, "location": location}),
            201,
        )
        .await;
    created["id"].as_str().unwrap().to_string()
}

async fn start_alert(api: &Api<'_>, form: &str, number: &str) -> i64 {
    let alert = api.post_ok("/api/v1/alerts", json!({"formId": form, "properties": {"number": number}, "recipients": ["bob"]}), 201).await;
    alert["eventIdentifier"].as_i64().unwrap()
}

/// The integration's runs, once there are `count` of them all in one of `statuses`.
async fn runs_in(api: &Api<'_>, integration: &str, count: usize, statuses: &[&str], timeout: Duration) -> Vec<Value> {
    let found = eventually(timeout, || async {
        let (_, page) = api.get(&format!("/api/v1/runs?integrationId={integration}&limit=200")).await;
        let items = page["items"].as_array().cloned().unwrap_or_default();
        (items.len() == count && items.iter().all(|run| statuses.iter().any(|status| run["status"] == *status))).then_some(items)
    })
    .await;
    let (_, page) = api.get(&format!("/api/v1/runs?integrationId={integration}&limit=200")).await;
    found.unwrap_or_else(|| panic!("expected {count} runs in {statuses:?}: {page}"))
}

#[tokio::test]
async fn work_for_a_named_agent_waits_until_it_connects_and_is_delivered_signed() {
    let server = TestServer::start();
    let api = Api::new(&server);
    let receiver = Receiver::start().await;
    let (workflow, form) = form(&api).await;
    let (agent, token) = register(&api, "dc-east", &[]).await;
    let endpoint = api
        .post_ok(
            "/api/v1/endpoints",
            json!({"workflowId": workflow, "name": "Desk", "baseUrl": receiver.url("/api"), "auth": {"type": "bearer", "token": "desk-token"}}),
            201,
        )
        .await;
    let integration =
        integration(&api, &form, json!({"type": "webhook", "endpointId": endpoint["id"], "path": "/events"}), json!({"agents": [agent]})).await;
    start_alert(&api, &form, "INC1").await;

    let queued = runs_in(&api, &integration, 1, &["queued"], Duration::from_secs(10)).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(receiver.received().is_empty(), "the cloud worker never sends agent work");
    let (_, listed) = api.get(&format!("/api/v1/agents/{agent}")).await;
    assert_eq!((listed["online"].clone(), listed["queueDepth"].clone()), (json!(false), json!(1)), "{listed}");

    let running = TestAgent::start(&server, &token, &[]);
    let done = runs_in(&api, &integration, 1, &["succeeded"], Duration::from_secs(15)).await;
    assert_eq!(done[0]["id"], queued[0]["id"]);
    assert_eq!(done[0]["agentId"], agent.as_str());
    let received = receiver.received();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].path, "/api/events");
    assert_eq!(received[0].headers["authorization"], "Bearer desk-token");
    assert!(received[0].headers["webhook-signature"].to_str().unwrap().starts_with("v1,"));
    let (_, run) = api.get(&format!("/api/v1/runs/{}", done[0]["id"].as_str().unwrap())).await;
    assert_eq!(received[0].headers["webhook-id"], run["webhookId"].as_str().unwrap());
    assert_eq!(run["attempts"][0]["statusCode"], 200, "the agent's attempt is recorded like a cloud one: {run}");

    let (_, listed) = api.get(&format!("/api/v1/agents/{agent}")).await;
    assert_eq!((listed["online"].clone(), listed["queueDepth"].clone()), (json!(true), json!(0)), "{listed}");
    assert_eq!(listed["version"], env!("CARGO_PKG_VERSION"));
    assert!(running.stop().is_some_and(|status| status.success()), "the agent stops cleanly on SIGTERM");
}

#[tokio::test]
async fn agent_work_nobody_serves_is_discarded_with_the_reason() {
    let server = TestServer::start();
    let api = Api::new(&server);
    let (_, form) = form(&api).await;
    register(&api, "dc-west", &["other-service"]).await;
    let integration = integration(&api, &form, json!({"type": "agent", "service": "ticketing"}), json!("cloud")).await;
    start_alert(&api, &form, "INC2").await;
    let runs = runs_in(&api, &integration, 1, &["discarded"], Duration::from_secs(10)).await;
    assert_eq!(runs[0]["reason"], "No Integration Agent serves \"ticketing\" and no agent id was given; the webhook was discarded.");
}

#[tokio::test]
async fn a_job_held_by_a_killed_agent_is_leased_again_and_delivered_once() {
    let server = TestServer::start_with(SHORT_LEASE);
    let api = Api::new(&server);
    let receiver = Receiver::start().await;
    // Accepts connections and never answers: the first agent hangs mid-job there.
    let black_hole = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hole_url = format!("http://{}/hook", black_hole.local_addr().unwrap());
    let held = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let holder = held.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = black_hole.accept().await {
            holder.lock().unwrap().push(socket);
        }
    });
    let (_, form) = form(&api).await;
    let (agent, token) = register(&api, "dc-north", &["ticketing"]).await;
    let integration = integration(&api, &form, json!({"type": "agent", "service": "ticketing", "agentId": agent}), json!("cloud")).await;

    let first = TestAgent::start(&server, &token, &[("ticketing", &hole_url)]);
    start_alert(&api, &form, "INC3").await;
    let took = eventually(Duration::from_secs(10), || async { (!held.lock().unwrap().is_empty()).then_some(()) }).await;
    assert!(took.is_some(), "the first agent started the job");
    first.kill();

    let second = TestAgent::start(&server, &token, &[("ticketing", &receiver.url("/desk"))]);
    let runs = runs_in(&api, &integration, 1, &["succeeded"], Duration::from_secs(15)).await;
    assert_eq!(runs[0]["attemptCount"], 2, "the first lease expired and the job was leased again: {}", runs[0]);
    let received = receiver.received();
    assert_eq!(received.len(), 1, "delivered once");
    assert_eq!(received[0].body["eventProperties"], json!([{"number": "INC3"}]));
    assert_eq!(received[0].headers["x-outflow-service"], "ticketing");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(receiver.received().len(), 1, "and never again");
    drop(second);
}

#[tokio::test]
async fn two_agents_on_one_service_share_the_work_without_duplicates() {
    let server = TestServer::start();
    let api = Api::new(&server);
    let receiver = Receiver::start().await;
    receiver.answer_after(Duration::from_millis(100));
    let (_, form) = form(&api).await;
    let (one, one_token) = register(&api, "rack-1", &["chat"]).await;
    let (two, two_token) = register(&api, "rack-2", &["chat"]).await;
    let integration = integration(&api, &form, json!({"type": "agent", "service": "chat"}), json!("cloud")).await;
    let _first = TestAgent::start(&server, &one_token, &[("chat", &receiver.url("/chat"))]);
    let _second = TestAgent::start(&server, &two_token, &[("chat", &receiver.url("/chat"))]);

    const ALERTS: usize = 24;
    for number in 0..ALERTS {
        start_alert(&api, &form, &format!("INC{number}")).await;
    }
    let runs = runs_in(&api, &integration, ALERTS, &["succeeded"], Duration::from_secs(30)).await;
    let received = receiver.received();
    let ids: HashSet<String> = received.iter().map(|request| request.headers["webhook-id"].to_str().unwrap().to_string()).collect();
    assert_eq!((received.len(), ids.len()), (ALERTS, ALERTS), "each run delivered exactly once");
    let by = |agent: &str| runs.iter().filter(|run| run["agentId"] == agent).count();
    assert!(by(&one) > 0 && by(&two) > 0, "both agents took work: {} and {}", by(&one), by(&two));
    assert_eq!(by(&one) + by(&two), ALERTS);
}

#[tokio::test]
async fn a_bad_agent_token_is_refused_with_401() {
    let server = TestServer::start();
    let api = Api::new(&server);
    let (_, token) = register(&api, "dc-south", &[]).await;
    let client = reqwest::Client::new();
    for bad in ["ofa_not-a-real-token", outflow_tests::ADMIN_KEY, ""] {
        let answer = client.post(server.url("/api/v1/agent/heartbeat")).bearer_auth(bad).json(&json!({})).send().await.unwrap();
        assert_eq!(answer.status(), 401, "token {bad:?}");
    }
    let answer = client.post(server.url("/api/v1/agent/heartbeat")).bearer_auth(&token).json(&json!({"version": "9.9"})).send().await.unwrap();
    assert_eq!(answer.status(), 200);
    assert_eq!(api.get("/api/v1/agents").await.1[0]["version"], "9.9");

    let mut refused = TestAgent::spawn(&server, "ofa_wrong", &[], &[]);
    let exit = refused.wait_exit(Duration::from_secs(15));
    assert!(exit.is_some_and(|status| !status.success()), "an agent with a bad token stops with an error: {exit:?}");
}

#[tokio::test]
async fn only_users_registered_to_an_agent_may_pick_it() {
    let server = TestServer::start();
    let admin = Api::new(&server);
    let (workflow, form) = form(&admin).await;
    admin.post_ok("/api/v1/users", json!({"targetName": "dana", "roles": ["developer"]}), 201).await;
    let key = admin.post_ok("/api/v1/users/dana/api-keys", json!({"name": "tests"}), 201).await;
    assert_eq!(admin.put(&format!("/api/v1/workflows/{workflow}/members"), json!({"members": ["dana"]})).await.0, 200);
    let dana = Api::with_key(&server, key["key"].as_str().unwrap());
    let (agent, _) = register(&admin, "dc-private", &["desk"]).await;
    let input = json!({"formId": form, "name": "Private desk", "trigger": "comment", "action": {"type": "script", "script": ""}, "location": {"agents": [agent]}});

    let (status, refusal) = dana.post("/api/v1/integrations", input.clone()).await;
    assert_eq!(status, 403, "{refusal}");
    assert!(refusal["error"]["message"].as_str().unwrap().contains("dana is not registered to the Integration Agent \"dc-private\""), "{refusal}");
    let by_id = json!({"formId": form, "name": "Desk", "trigger": "status", "action": {"type": "agent", "service": "desk", "agentId": agent}});
    assert_eq!(dana.post("/api/v1/integrations", by_id).await.0, 403);
    assert_eq!(dana.put(&format!("/api/v1/agents/{agent}/users"), json!({"users": ["dana"]})).await.0, 403, "only admins register users");

    let (status, registered) = admin.put(&format!("/api/v1/agents/{agent}/users"), json!({"users": ["dana"]})).await;
    assert_eq!((status, registered["users"].clone()), (200, json!(["dana"])));
    let created = dana.post_ok("/api/v1/integrations", input.clone(), 201).await;
    assert_eq!(created["location"], json!({"agents": [agent]}));
    let mut as_admin = input;
    as_admin["trigger"] = json!("status");
    let (status, refusal) = admin.post("/api/v1/integrations", as_admin).await;
    assert_eq!(status, 403, "admins too pick only agents they are registered to: {refusal}");
    assert!(refusal["error"]["message"].as_str().unwrap().contains("admin is not registered"), "{refusal}");

    let (status, unknown) = admin
        .post(
            "/api/v1/integrations",
            json!({"formId": form, "name": "Nowhere", "trigger": "status", "action": {"type": "script"}, "location": {"agents": ["ag_missing"]}}),
        )
        .await;
    assert_eq!(status, 422, "{unknown}");
    let (_, audit) = admin.get("/api/v1/audit").await;
    let kinds: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|entry| entry["objectId"] == agent.as_str())
        .map(|entry| entry["action"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["update", "update", "create"], "agent changes are audited: created, admin registered, dana registered");
}

#[tokio::test]
async fn a_script_runs_on_the_agent_with_the_workflows_endpoints_and_constants_and_its_log_reaches_activity() {
    let server = TestServer::start();
    let api = Api::new(&server);
    let receiver = Receiver::start().await;
    let (workflow, form) = form(&api).await;
    api.post_ok("/api/v1/endpoints", json!({"workflowId": workflow, "name": "Desk", "baseUrl": receiver.url("/api"), "auth": {"type": "apiKey", "header": "x-key", "key": "k-123"}}), 201).await;
    api.post_ok(&format!("/api/v1/workflows/{workflow}/constants"), json!({"name": "Queue", "text": "L2"}), 201).await;
    let (agent, token) = register(&api, "dc-scripts", &[]).await;
    let script = r#"
        console.log('on the agent for', payload.properties.number, constants['Queue']);
        var reply = http.request({ endpoint: 'Desk', method: 'POST', path: '/notes' }).write(JSON.stringify({ ticket: payload.properties.number }));
        console.log('desk said', reply.statusCode);
    "#;
    let integration = integration(&api, &form, json!({"type": "script", "script": script}), json!({"agents": [agent]})).await;
    let _running = TestAgent::start(&server, &token, &[]);
    start_alert(&api, &form, "INC9").await;

    let runs = runs_in(&api, &integration, 1, &["succeeded"], Duration::from_secs(15)).await;
    let (_, run) = api.get(&format!("/api/v1/runs/{}", runs[0]["id"].as_str().unwrap())).await;
    let lines: Vec<&str> = run["logs"].as_array().unwrap().iter().map(|line| line["line"].as_str().unwrap()).collect();
    assert_eq!(lines, ["on the agent for INC9 L2", "http.request POST Desk /notes answered 200", "desk said 200"], "{run}");
    let note = receiver.received().into_iter().find(|post| post.path == "/api/notes").expect("the script's request arrived");
    assert_eq!((note.body.clone(), note.headers["x-key"].to_str().unwrap()), (json!({"ticket": "INC9"}), "k-123"));
}

#[tokio::test]
async fn an_agent_retries_a_failing_endpoint_on_its_schedule_and_each_attempt_is_recorded() {
    let server = TestServer::start();
    let api = Api::new(&server);
    let receiver = Receiver::start().await;
    receiver.answer_next(&[outflow_tests::receiver::Reply { status: 503, retry_after: None }]);
    let (_, form) = form(&api).await;
    let (_, token) = register(&api, "dc-retry", &["desk"]).await;
    let integration = integration(&api, &form, json!({"type": "agent", "service": "desk"}), json!("cloud")).await;
    let _running = TestAgent::spawn(&server, &token, &[("desk", &receiver.url("/desk"))], &[("OUTFLOW_RETRY_SCHEDULE", "300ms")]);
    start_alert(&api, &form, "INC10").await;

    let runs = runs_in(&api, &integration, 1, &["succeeded"], Duration::from_secs(15)).await;
    let (_, run) = api.get(&format!("/api/v1/runs/{}", runs[0]["id"].as_str().unwrap())).await;
    let codes: Vec<&Value> = run["attempts"].as_array().unwrap().iter().map(|attempt| &attempt["statusCode"]).collect();
    assert_eq!(codes, [&json!(503), &json!(200)], "{run}");
    assert_eq!(receiver.received().len(), 2);
}

#[tokio::test]
async fn deleting_an_agent_discards_the_work_only_it_could_take_and_stops_its_process() {
    let server = TestServer::start();
    let api = Api::new(&server);
    let (_, form) = form(&api).await;
    let (retired, _) = register(&api, "dc-retired", &[]).await;
    let integration = integration(&api, &form, json!({"type": "agent", "service": "desk", "agentId": retired}), json!("cloud")).await;
    start_alert(&api, &form, "INC11").await;
    runs_in(&api, &integration, 1, &["queued"], Duration::from_secs(10)).await;
    assert_eq!(api.delete(&format!("/api/v1/agents/{retired}")).await.0, 204);
    let runs = runs_in(&api, &integration, 1, &["discarded"], Duration::from_secs(5)).await;
    assert_eq!(runs[0]["reason"], "The Integration Agent \"dc-retired\" was deleted before it took this run.");

    let (live, token) = register(&api, "dc-live", &[]).await;
    let mut running = TestAgent::start(&server, &token, &[]);
    assert_eq!(api.delete(&format!("/api/v1/agents/{live}")).await.0, 204);
    let exit = running.wait_exit(Duration::from_secs(40));
    assert!(exit.is_some_and(|status| !status.success()), "a deleted agent's process stops: {exit:?}");
    let (_, audit) = api.get("/api/v1/audit").await;
    assert!(audit["items"].as_array().unwrap().iter().any(|entry| entry["objectId"] == live.as_str() && entry["action"] == "delete"));
}

#[tokio::test]
async fn an_agent_keeps_its_report_until_the_server_is_back() {
    let server = TestServer::start();
    let addr = server.base_url.trim_start_matches("http://").to_string();
    let api = Api::new(&server);
    let receiver = Receiver::start().await;
    receiver.answer_after(Duration::from_secs(3));
    let (_, form) = form(&api).await;
    let (_, token) = register(&api, "dc-patient", &["desk"]).await;
    let integration = integration(&api, &form, json!({"type": "agent", "service": "desk"}), json!("cloud")).await;
    let _running = TestAgent::start(&server, &token, &[("desk", &receiver.url("/desk"))]);
    start_alert(&api, &form, "INC13").await;
    let sent = eventually(Duration::from_secs(10), || async { (!receiver.received().is_empty()).then_some(()) }).await;
    assert!(sent.is_some(), "the agent is sending");

    // The server goes away while the endpoint is still answering the agent.
    let data_dir = server.stop();
    tokio::time::sleep(Duration::from_secs(4)).await;
    let server = TestServer::start_at(data_dir, &addr, &[]);
    let api = Api::new(&server);
    let runs = runs_in(&api, &integration, 1, &["succeeded"], Duration::from_secs(20)).await;
    assert_eq!(runs[0]["attemptCount"], 1, "the report of the first attempt arrived: {}", runs[0]);
    assert_eq!(receiver.received().len(), 1);
}
