//! Flow runs against the real server (SPEC §6, issue 6): trigger events start every enabled
//! flow with a connected step, the step types, branching and merging, the Responses
//! trigger's per-choice branches, the HTTP trigger (sync and async, auth, bad input), run by
//! id, re-runs, unresolved placeholders, limits, and crash recovery without repeating
//! finished steps. Webhook steps post to a loopback receiver.

use std::time::Duration;

use outflow_tests::{
    ADMIN_KEY, TestServer,
    api::{Api, eventually},
    flows::{edge, import, record, run_and_wait, step, trigger, webhook},
    receiver::{Receiver, Reply},
};
use serde_json::{Value, json};

struct Setup {
    workflow: String,
    form: String,
    endpoint: String,
}

/// A server (started with `env`), a receiver, and on the server workflow "Ops" with form
/// "Incident" (property `number` flagged; responses Accept and Decline), user `bob` with an
/// email device, and endpoint "Desk" at the receiver.
async fn start(env: &[(&str, &str)]) -> (TestServer, Receiver, Setup) {
    let server = TestServer::start_with(env);
    let receiver = Receiver::start().await;
    let api = Api::new(&server);
    let workflow = api.workflow("Ops").await;
    let incident = json!({"name": "Incident", "properties": [{"name": "number", "type": "text", "includeInOutbound": true}],
                          "responses": [{"choice": "Accept"}, {"choice": "Decline"}]});
    let form = api.form(&workflow, incident).await;
    api.user_with_email("bob", "Bob", "Ray").await;
    let endpoint = api.endpoint(&workflow, "Desk", &receiver.url("")).await;
    let setup = Setup { workflow, form, endpoint };
    (server, receiver, setup)
}

fn statuses(run: &Value) -> Vec<(String, String)> {
    run["flow"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|step| (step["blockId"].as_str().unwrap().into(), step["status"].as_str().unwrap().into()))
        .collect()
}

/// Waits until run `id` has `status`; answers it in full.
async fn run_reaching(api: &Api<'_>, id: &str, status: &str) -> Value {
    eventually(Duration::from_secs(15), || async {
        let (_, run) = api.get(&format!("/api/v1/runs/{id}")).await;
        (run["status"] == status).then_some(run)
    })
    .await
    .unwrap_or_else(|| panic!("run {id} reaches {status}"))
}

/// Waits for the flow's newest run to end; answers it in full.
async fn ended_run(api: &Api<'_>, flow: &str) -> Value {
    eventually(Duration::from_secs(20), || async {
        let (_, page) = api.get(&format!("/api/v1/runs?flowId={flow}")).await;
        let newest = page["items"].as_array()?.first()?.clone();
        if !matches!(newest["status"].as_str(), Some("succeeded" | "failed")) {
            return None;
        }
        Some(api.get(&format!("/api/v1/runs/{}", newest["id"].as_str()?)).await.1)
    })
    .await
    .unwrap_or_else(|| panic!("a run of {flow} ends"))
}

fn hits(receiver: &Receiver, path: &str) -> usize {
    receiver.received().iter().filter(|request| request.path == path).count()
}

#[tokio::test]
async fn a_status_event_runs_script_then_webhook_and_records_every_step() {
    let (server, receiver, setup) = start(&[]).await;
    let api = Api::new(&server);
    let integration = api
        .post_ok(
            "/api/v1/integrations",
            json!({"formId": setup.form, "name": "Status hook", "trigger": "status", "action": {"type": "webhook", "endpointId": setup.endpoint, "path": "/integration"}}),
            201,
        )
        .await;
    let script = "console.log('number is', input['number']);\noutput['ticket body'] = JSON.stringify({ref: input['number'], state: input.status.toUpperCase()});";
    let id = import(
        &api,
        &setup.form,
        "Open ticket",
        vec![
            trigger("t1", "status"),
            step(
                "x1",
                "script",
                json!({"inputs": "number\nstatus", "outputs": "ticket body", "script": script}),
                json!({"number": "${t1.properties.number}", "status": "${t1.status}"}),
            ),
            webhook(&setup.endpoint, "w1", "/tickets", "${x1.ticket body}"),
        ],
        vec![edge("t1", "out", "x1"), edge("x1", "out", "w1")],
    )
    .await;
    let alert = api.post_ok("/api/v1/alerts", json!({"formId": setup.form, "properties": {"number": "INC7"}, "recipients": ["bob"]}), 201).await;
    let alert = alert["eventIdentifier"].as_i64().unwrap();

    let run = ended_run(&api, &id).await;
    assert_eq!(run["status"], "succeeded", "{run}");
    assert_eq!((run["kind"].clone(), run["eventIdentifier"].clone(), run["trigger"].clone()), (json!("flow"), json!(alert), json!("status")));
    assert_eq!(run["flow"]["startedBy"], "trigger");
    assert_eq!(run["flow"]["actingAs"], "admin", "trigger runs act as the alert's initiator");
    let tickets: Vec<_> = receiver.received().into_iter().filter(|request| request.path == "/tickets").collect();
    assert_eq!(tickets.len(), 1);
    assert_eq!(tickets[0].body, json!({"ref": "INC7", "state": "ACTIVE"}), "the script's output reached the webhook");
    let webhook_id = format!("{}_w1", run["id"].as_str().unwrap());
    assert_eq!(tickets[0].headers["webhook-id"].to_str().unwrap(), webhook_id, "a stable webhook-id per run and step");

    let script_step = record(&run, "x1");
    assert_eq!(script_step["status"], "succeeded");
    assert_eq!(script_step["inputs"], json!({"number": "INC7", "status": "active"}), "inputs are recorded resolved");
    assert_eq!(script_step["outputs"], json!({"ticket body": "{\"ref\":\"INC7\",\"state\":\"ACTIVE\"}"}));
    assert_eq!(script_step["logs"][0]["line"], "number is INC7");
    assert!(script_step["startedAt"].is_string() && script_step["durationMs"].is_u64());
    let webhook_step = record(&run, "w1");
    assert_eq!(webhook_step["outputs"]["statusCode"], 200);
    assert_eq!(webhook_step["outputs"]["body"], "scripted answer");
    assert_eq!(record(&run, "t1")["outputs"]["properties"], json!({"number": "INC7"}), "the trigger's outputs are its payload");
    assert_eq!(run["flow"]["output"]["statusCode"], 200, "the run's result is the last step's output");

    // The integration of the same trigger keeps working beside the flow.
    let runs = eventually(Duration::from_secs(10), || async {
        let (_, page) = api.get(&format!("/api/v1/runs?integrationId={}&status=succeeded", integration["id"].as_str().unwrap())).await;
        (page["total"] == 1).then_some(page)
    })
    .await
    .expect("the integration run succeeds too");
    assert_eq!(runs["items"][0]["kind"], "integration");
    let (_, flows_only) = api.get("/api/v1/runs?kind=flow").await;
    assert_eq!(flows_only["total"], 1);
}

#[tokio::test]
async fn switch_condition_and_merge_run_only_the_active_paths() {
    let (server, receiver, setup) = start(&[]).await;
    let api = Api::new(&server);
    let id = import(
        &api,
        &setup.form,
        "Branches",
        vec![
            trigger("t1", "status"),
            step("sw", "switch", json!({"value": "${t1.status}", "cases": ["terminated", "suspended"]}), json!({})),
            webhook(&setup.endpoint, "w_term", "/terminated", "t"),
            webhook(&setup.endpoint, "w_susp", "/suspended", "s"),
            webhook(&setup.endpoint, "w_def", "/default", "d"),
            step("m", "merge", json!({}), json!({})),
            webhook(&setup.endpoint, "w_after", "/after", "after ${sw.value}"),
            step("c", "condition", json!({"match": "all", "conditions": "${t1.eventIdentifier} >= 100\n${t1.status} != active"}), json!({})),
            webhook(&setup.endpoint, "w_big", "/big", "b"),
            webhook(&setup.endpoint, "w_small", "/small", "${c.result}"),
        ],
        vec![
            edge("t1", "out", "sw"),
            edge("sw", "terminated", "w_term"),
            edge("sw", "suspended", "w_susp"),
            edge("sw", "default", "w_def"),
            edge("w_term", "out", "m"),
            edge("w_susp", "out", "m"),
            edge("w_def", "out", "m"),
            edge("m", "out", "w_after"),
            edge("t1", "out", "c"),
            edge("c", "true", "w_big"),
            edge("c", "false", "w_small"),
        ],
    )
    .await;
    let run = run_and_wait(&api, &id, json!({"payload": {"status": "terminated", "eventIdentifier": 5}})).await;
    assert_eq!(run["status"], "succeeded", "{run}");
    let expected = [
        ("t1", "succeeded"),
        ("sw", "succeeded"),
        ("w_term", "succeeded"),
        ("w_susp", "skipped"),
        ("w_def", "skipped"),
        ("m", "succeeded"),
        ("w_after", "succeeded"),
        ("c", "succeeded"),
        ("w_big", "skipped"),
        ("w_small", "succeeded"),
    ];
    assert_eq!(statuses(&run), expected.map(|(block, status)| (block.to_string(), status.to_string())));
    assert_eq!(record(&run, "sw")["ports"], json!(["terminated"]));
    assert_eq!(record(&run, "w_susp")["error"], "Not on an active path.");
    let mut paths: Vec<String> = receiver.received().into_iter().map(|request| request.path).collect();
    paths.sort();
    assert_eq!(paths, ["/after", "/small", "/terminated"]);
    let after = receiver.received().into_iter().find(|request| request.path == "/after").unwrap();
    assert_eq!(after.raw, "after terminated", "the merge ran once, after its active input");
    let small = receiver.received().into_iter().find(|request| request.path == "/small").unwrap();
    assert_eq!(small.raw, "false");
    assert!(record(&run, "c")["logs"][0]["line"].as_str().unwrap().contains("\"5\" vs \"100\": false"), "{run}");
}

#[tokio::test]
async fn the_responses_trigger_runs_only_the_chosen_choices_branch() {
    let (server, receiver, setup) = start(&[]).await;
    let api = Api::new(&server);
    let id = import(
        &api,
        &setup.form,
        "On response",
        vec![
            trigger("r1", "responses"),
            webhook(&setup.endpoint, "accept", "/accept", "${r1.recipient} accepted"),
            webhook(&setup.endpoint, "decline", "/decline", "${r1.response}"),
        ],
        vec![edge("r1", "Accept", "accept"), edge("r1", "Decline", "decline")],
    )
    .await;
    let alert = api.post_ok("/api/v1/alerts", json!({"formId": setup.form, "recipients": ["bob"]}), 201).await;
    let alert = alert["eventIdentifier"].as_i64().unwrap();
    api.post_ok(&format!("/api/v1/alerts/{alert}/responses"), json!({"recipient": "bob", "response": "Decline"}), 201).await;
    let run = ended_run(&api, &id).await;
    assert_eq!(run["status"], "succeeded", "{run}");
    assert_eq!(record(&run, "decline")["status"], "succeeded");
    assert_eq!(record(&run, "accept")["status"], "skipped");
    assert_eq!((hits(&receiver, "/accept"), hits(&receiver, "/decline")), (0, 1));
    assert_eq!(receiver.received()[0].raw, "Decline");

    api.post_ok(&format!("/api/v1/alerts/{alert}/responses"), json!({"recipient": "bob", "response": "Accept"}), 201).await;
    eventually(Duration::from_secs(10), || async { (hits(&receiver, "/accept") == 1).then_some(()) }).await.expect("Accept runs its branch");
    let (_, page) = api.get(&format!("/api/v1/runs?flowId={id}")).await;
    assert_eq!(page["total"], 2, "one run per response");
    let accepted = receiver.received().into_iter().find(|request| request.path == "/accept").unwrap();
    assert_eq!(accepted.raw, "bob accepted");
    assert_eq!(hits(&receiver, "/decline"), 1);
}

#[tokio::test]
async fn outflow_steps_act_with_the_acting_users_rights() {
    let (server, _receiver, setup) = start(&[]).await;
    let api = Api::new(&server);
    let id = import(
        &api,
        &setup.form,
        "Alert from outside",
        vec![
            trigger("h1", "http"),
            step(
                "new",
                "create_alert",
                json!({"formId": setup.form, "priority": "HIGH"}),
                json!({"properties": "{\"number\": \"${h1.body.number}\"}", "recipients": "bob"}),
            ),
            step(
                "note",
                "add_comment",
                json!({}),
                json!({"eventIdentifier": "${new.eventIdentifier}", "comment": "Opened by a flow for ${h1.body.number}"}),
            ),
            step("end", "change_alert_status", json!({"status": "TERMINATED"}), json!({"eventIdentifier": "${new.eventIdentifier}"})),
            step("find", "get_alerts", json!({"formId": setup.form, "status": "TERMINATED"}), json!({"property": "number=${h1.body.number}"})),
        ],
        vec![edge("h1", "out", "new"), edge("new", "out", "note"), edge("note", "out", "end"), edge("end", "out", "find")],
    )
    .await;
    let run = run_and_wait(&api, &id, json!({"payload": {"body": {"number": "EXT-1"}}})).await;
    assert_eq!(run["status"], "succeeded", "{run}");
    let alert = record(&run, "new")["outputs"]["eventIdentifier"].as_i64().unwrap();
    let (_, created) = api.get(&format!("/api/v1/alerts/{alert}")).await;
    assert_eq!((created["status"].clone(), created["priority"].clone()), (json!("TERMINATED"), json!("HIGH")));
    assert_eq!(created["properties"], json!({"number": "EXT-1"}));
    assert_eq!(
        (created["comments"][0]["author"].clone(), created["comments"][0]["comment"].clone()),
        (json!("admin"), json!("Opened by a flow for EXT-1"))
    );
    assert_eq!(created["initiator"], "admin", "API runs act as the caller");
    assert_eq!(record(&run, "find")["outputs"]["count"], 1);
    assert_eq!(record(&run, "find")["outputs"]["alerts"][0]["eventIdentifier"], alert);

    // A responder who is not a member of the workflow: the step is refused as the REST API would.
    api.post_ok("/api/v1/users", json!({"targetName": "rita", "roles": ["responder"]}), 201).await;
    let key = api.post_ok("/api/v1/users/rita/api-keys", json!({"name": "t"}), 201).await;
    let rita = Api::with_key(&server, key["key"].as_str().unwrap());
    assert_eq!(rita.post(&format!("/api/v1/flows/{id}/runs"), json!({})).await.0, 404, "another workflow's flow is not found");
    api.put(&format!("/api/v1/workflows/{}/members", setup.workflow), json!({"members": ["rita"]})).await;
    let (status, refused) = rita.post(&format!("/api/v1/flows/{id}/runs?wait=true"), json!({"payload": {"body": {"number": "EXT-2"}}})).await;
    assert_eq!(status, 200, "{refused}");
    assert_eq!(refused["status"], "succeeded", "a member responder may start alerts: {refused}");
    api.post_ok("/api/v1/users", json!({"targetName": "vic", "roles": ["viewer"]}), 201).await;
    let key = api.post_ok("/api/v1/users/vic/api-keys", json!({"name": "t"}), 201).await;
    let vic = Api::with_key(&server, key["key"].as_str().unwrap());
    let (status, body) = vic.post(&format!("/api/v1/flows/{id}/runs"), json!({})).await;
    assert_eq!((status, body["error"]["code"].clone()), (403, json!("forbidden")), "starting a run needs the responder role");
}

/// The benchmark's flow: HTTP trigger → Script (reshape) → Webhook → the receiver's answer.
async fn http_flow(api: &Api<'_>, setup: &Setup, mode: &str, auth: &str) -> String {
    let script = "var order = input.order;\noutput.body = JSON.stringify({id: order.id, total: order.items.length});";
    import(
        api,
        &setup.form,
        &format!("HTTP {mode} {auth}"),
        vec![
            json!({"id": "h1", "kind": "trigger", "trigger": "http", "settings": {"auth": auth, "mode": mode, "timeoutSeconds": 2}, "position": {"x": 0, "y": 0}}),
            step("x1", "script", json!({"inputs": "order", "outputs": "body", "script": script}), json!({"order": "${h1.body}"})),
            step("w1", "webhook", json!({"endpointId": setup.endpoint, "method": "POST", "path": "/orders?src=${h1.query.src}"}), json!({"body": "${x1.body}", "headers": "{\"content-type\": \"application/json\"}"})),
        ],
        vec![edge("h1", "out", "x1"), edge("x1", "out", "w1")],
    )
    .await
}

/// A counter of the server's `/metrics` (scraped from this host, which needs no token).
async fn metric(server: &TestServer, name: &str) -> u64 {
    let text = reqwest::get(server.url("/metrics")).await.unwrap().text().await.unwrap();
    let line = text.lines().find(|line| line.split_whitespace().next() == Some(name)).unwrap_or_else(|| panic!("{name} in {text}"));
    line.split_whitespace().nth(1).and_then(|value| value.parse().ok()).unwrap_or_else(|| panic!("a count in {line}"))
}

/// A quick script that calls nothing out runs before the records of the steps before it
/// are written, and its record joins theirs: trigger → Webhook → Script → Webhook writes each
/// run in two jobs (the run with the first webhook's and the script's records before the
/// second webhook is sent, then its record with the end), not three. Every record is kept.
/// A script that once took longer than the inline budget (a busy machine) runs as a step of
/// its own from then on, so each try imports the flow with a script of its own.
#[tokio::test]
async fn a_quick_script_step_shares_the_write_of_the_records_before_it() {
    let (server, receiver, setup) = start(&[]).await;
    let api = Api::new(&server);
    let client = reqwest::Client::new();
    let order = json!({"id": "o-1", "items": [1, 2, 3]});
    const CALLS: u64 = 10;
    let mut tries = Vec::new();
    for attempt in 0..3 {
        let script =
            format!("// try {attempt}\nvar order = input.order;\noutput.body = JSON.stringify({{id: order.id, total: order.items.length}});");
        let flow = import(
            &api,
            &setup.form,
            &format!("Look up, reshape, send {attempt}"),
            vec![
                json!({"id": "h1", "kind": "trigger", "trigger": "http", "settings": {"auth": "apiKey", "mode": "sync", "timeoutSeconds": 5}, "position": {"x": 0, "y": 0}}),
                webhook(&setup.endpoint, "w0", "/lookup", "${h1.body.id}"),
                step("x1", "script", json!({"inputs": "order", "outputs": "body", "script": script}), json!({"order": "${h1.body}"})),
                step("w1", "webhook", json!({"endpointId": setup.endpoint, "method": "POST", "path": "/orders"}), json!({"body": "${x1.body}", "headers": "{\"content-type\": \"application/json\"}"})),
            ],
            vec![edge("h1", "out", "w0"), edge("w0", "out", "x1"), edge("x1", "out", "w1")],
        )
        .await;
        let url = server.url(&format!("/api/v1/flows/{flow}/http"));
        // The first call fills the caches and compiles the script.
        assert_eq!(client.post(&url).bearer_auth(ADMIN_KEY).json(&order).send().await.unwrap().status(), 200);
        let jobs_before = metric(&server, "outflow_store_write_jobs_total").await;
        for _ in 0..CALLS {
            let answer = client.post(&url).bearer_auth(ADMIN_KEY).json(&order).send().await.unwrap();
            assert_eq!(answer.status(), 200);
        }
        let jobs = metric(&server, "outflow_store_write_jobs_total").await - jobs_before;
        tries.push(jobs);

        let (_, runs) = api.get(&format!("/api/v1/runs?flowId={flow}")).await;
        assert_eq!(runs["total"], json!(CALLS + 1), "every run is recorded: {runs}");
        let (_, run) = api.get(&format!("/api/v1/runs/{}", runs["items"][0]["id"].as_str().unwrap())).await;
        let steps = ["h1", "w0", "x1", "w1"].map(|block| (block.to_string(), "succeeded".to_string()));
        assert_eq!(statuses(&run), steps);
        assert_eq!(record(&run, "x1")["outputs"]["body"], json!("{\"id\":\"o-1\",\"total\":3}"));
        if jobs <= 2 * CALLS + 3 {
            break;
        }
    }
    assert!(
        tries.iter().any(|&jobs| jobs <= 2 * CALLS + 3),
        "write jobs per {CALLS} runs of trigger → webhook → script → webhook: {tries:?} (three each before)"
    );
    assert_eq!(receiver.received().iter().filter(|request| request.path == "/orders").count(), tries.len() * (CALLS as usize + 1));
}

#[tokio::test]
async fn the_http_trigger_answers_sync_and_async_and_refuses_bad_calls() {
    let (server, receiver, setup) = start(&[]).await;
    let api = Api::new(&server);
    let sync = http_flow(&api, &setup, "sync", "apiKey").await;
    let client = reqwest::Client::new();
    let url = server.url(&format!("/api/v1/flows/{sync}/http?src=shop"));
    let order = json!({"id": "o-1", "items": [1, 2, 3]});

    receiver.answer_next(&[Reply { status: 201, retry_after: None }]);
    let answer = client.post(&url).bearer_auth(ADMIN_KEY).json(&order).send().await.unwrap();
    assert_eq!(answer.status(), 201, "the receiver's status");
    assert_eq!(answer.text().await.unwrap(), "scripted answer", "the receiver's body");
    let posted = receiver.received().into_iter().find(|request| request.path == "/orders").expect("the webhook was sent");
    assert_eq!(posted.body, json!({"id": "o-1", "total": 3}));

    let anonymous = client.post(&url).json(&order).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
    assert_eq!(anonymous.json::<Value>().await.unwrap()["error"]["code"], "unauthorized");
    assert_eq!(client.post(&url).bearer_auth("ofk_wrong").json(&order).send().await.unwrap().status(), 401);
    let basic = client.post(&url).basic_auth("admin", Some(ADMIN_KEY)).json(&order).send().await.unwrap();
    assert_eq!(basic.status(), 401, "this trigger takes an API key as a Bearer token");
    let malformed = client.post(&url).bearer_auth(ADMIN_KEY).header("content-type", "application/json").body("{\"id\": ").send().await.unwrap();
    assert_eq!(malformed.status(), 400);
    assert_eq!(malformed.json::<Value>().await.unwrap()["error"]["code"], "malformed_json");
    let huge = reqwest::Client::new().post(&url).bearer_auth(ADMIN_KEY).json(&json!({"note": "x".repeat(3 << 20)})).send().await.unwrap();
    assert_eq!(huge.status(), 413);
    assert_eq!(huge.json::<Value>().await.unwrap()["error"]["code"], "payload_too_large", "the API's error, not plain text");
    let not_an_order = client.post(&url).bearer_auth(ADMIN_KEY).json(&json!({"id": 1})).send().await.unwrap();
    assert_eq!(not_an_order.status(), 502, "a failed run answers 502");
    let failure: Value = not_an_order.json().await.unwrap();
    assert_eq!(failure["error"]["code"], "flow_failed");
    assert!(failure["error"]["message"].as_str().unwrap().contains("\"x1\" failed: Script error at line 2"), "{failure}");
    let failed_run = failure["error"]["details"]["runId"].as_str().unwrap();
    assert_eq!(api.get(&format!("/api/v1/runs/{failed_run}")).await.1["status"], "failed");

    receiver.answer_after(Duration::from_secs(4));
    let slow = client.post(&url).bearer_auth(ADMIN_KEY).json(&order).send().await.unwrap();
    assert_eq!(slow.status(), 504, "the trigger's timeout is 2 s");
    let timeout: Value = slow.json().await.unwrap();
    assert_eq!(timeout["error"]["code"], "flow_timeout");
    let slow_run = timeout["error"]["details"]["runId"].as_str().unwrap().to_string();
    receiver.answer_after(Duration::ZERO);
    // The run goes on after the 504.
    run_reaching(&api, &slow_run, "succeeded").await;

    let asynchronous = http_flow(&api, &setup, "async", "basic").await;
    let url = server.url(&format!("/api/v1/flows/{asynchronous}/http?src=app"));
    let bearer = client.post(&url).bearer_auth(ADMIN_KEY).json(&order).send().await.unwrap();
    assert_eq!(bearer.status(), 401, "this trigger takes basic auth");
    let wrong_user = client.post(&url).basic_auth("bob", Some(ADMIN_KEY)).json(&order).send().await.unwrap();
    assert_eq!(wrong_user.status(), 401, "the key must belong to the named user");
    let accepted = client.post(&url).basic_auth("admin", Some(ADMIN_KEY)).json(&order).send().await.unwrap();
    assert_eq!(accepted.status(), 202);
    let started: Value = accepted.json().await.unwrap();
    let run_id = started["runId"].as_str().unwrap().to_string();
    let run = run_reaching(&api, &run_id, "succeeded").await;
    assert_eq!(run["flow"]["startedBy"], "http");
    assert_eq!(record(&run, "h1")["outputs"]["headers"]["authorization"], Value::Null, "credentials are not recorded");
    assert_eq!(record(&run, "w1")["inputs"]["path"], "/orders?src=app", "text settings are resolved and recorded");

    let (status, _) = api
        .put(
            &format!("/api/v1/flows/{asynchronous}"),
            json!({"baseVersion": 1, "name": "HTTP async basic", "blocks": run["flow"]["blocks"], "edges": run["flow"]["edges"], "enabled": false}),
        )
        .await;
    assert_eq!(status, 200);
    let off = client.post(&url).basic_auth("admin", Some(ADMIN_KEY)).json(&order).send().await.unwrap();
    assert_eq!(off.status(), 409, "a disabled flow's trigger is refused");
}

#[tokio::test]
async fn unresolved_placeholders_and_failing_scripts_fail_the_run_with_the_reason() {
    let (server, receiver, setup) = start(&[]).await;
    let api = Api::new(&server);
    let id = import(
        &api,
        &setup.form,
        "Typo",
        vec![
            trigger("t1", "status"),
            webhook(&setup.endpoint, "w1", "/one", "first"),
            webhook(&setup.endpoint, "w2", "/two", "${w1.body.ticket.id}"),
            webhook(&setup.endpoint, "w3", "/three", "never"),
            webhook(&setup.endpoint, "w4", "/four", "independent"),
        ],
        vec![edge("t1", "out", "w1"), edge("w1", "out", "w2"), edge("w2", "out", "w3"), edge("t1", "out", "w4")],
    )
    .await;
    let run = run_and_wait(&api, &id, json!({"payload": {"status": "active"}})).await;
    assert_eq!(run["status"], "failed");
    let reason = run["reason"].as_str().unwrap();
    assert_eq!(reason, "\"w2\" failed: ${w1.body.ticket.id} cannot be resolved: \"w1\" output \"body\" has no \"ticket\".");
    assert_eq!(record(&run, "w2")["status"], "failed");
    assert_eq!(record(&run, "w3")["status"], "skipped", "a failure stops its path");
    assert_eq!(record(&run, "w3")["error"], "Not run: \"w2\" failed upstream.");
    assert_eq!(record(&run, "w4")["status"], "succeeded", "an independent path runs on");
    assert_eq!((hits(&receiver, "/one"), hits(&receiver, "/two"), hits(&receiver, "/three"), hits(&receiver, "/four")), (1, 0, 0, 1));

    let broken = import(
        &api,
        &setup.form,
        "Broken script",
        vec![
            trigger("t1", "status"),
            step("x1", "script", json!({"outputs": "a", "script": "var a = 1;\nthrow new Error('no ticket system');"}), json!({})),
        ],
        vec![edge("t1", "out", "x1")],
    )
    .await;
    let run = run_and_wait(&api, &broken, json!({})).await;
    assert_eq!(run["status"], "failed");
    assert_eq!(record(&run, "x1")["error"], "Script error at line 2: no ticket system");
    assert_eq!(api.get("/healthz").await.0, 200, "a failing script is run data, not a server error");
}

#[tokio::test]
async fn runs_re_run_with_the_same_payload_and_flows_can_be_turned_off() {
    let (server, receiver, setup) = start(&[]).await;
    let api = Api::new(&server);
    let id = import(
        &api,
        &setup.form,
        "Echo",
        vec![trigger("t1", "status"), webhook(&setup.endpoint, "w1", "/echo", "${t1.properties.number}")],
        vec![edge("t1", "out", "w1")],
    )
    .await;
    let first = run_and_wait(&api, &id, json!({"payload": {"properties": {"number": "N-1"}}})).await;
    let (status, again) = api.post(&format!("/api/v1/runs/{}/rerun", first["id"].as_str().unwrap()), json!({})).await;
    assert_eq!(status, 201, "{again}");
    assert_eq!(again["rerunOf"], first["id"]);
    assert_eq!(again["flow"]["startedBy"], "rerun");
    let rerun_id = again["id"].as_str().unwrap().to_string();
    run_reaching(&api, &rerun_id, "succeeded").await;
    let bodies: Vec<String> = receiver.received().into_iter().map(|request| request.raw).collect();
    assert_eq!(bodies, ["N-1", "N-1"], "the same payload twice");

    let (_, current) = api.get(&format!("/api/v1/flows/{id}")).await;
    assert_eq!(current["enabled"], true, "flows start enabled");
    let save = json!({"baseVersion": current["version"], "name": "Echo", "blocks": current["blocks"], "edges": current["edges"], "enabled": false});
    let (status, saved) = api.put(&format!("/api/v1/flows/{id}"), save).await;
    assert_eq!((status, saved["enabled"].clone()), (200, json!(false)));
    let (status, refused) = api.post(&format!("/api/v1/flows/{id}/runs"), json!({})).await;
    assert_eq!(status, 409, "{refused}");
    api.post_ok("/api/v1/alerts", json!({"formId": setup.form, "recipients": ["bob"]}), 201).await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    let (_, page) = api.get(&format!("/api/v1/runs?flowId={id}")).await;
    assert_eq!(page["total"], 2, "a disabled flow does not start from its trigger");
    let (_, audit) = api.get("/api/v1/audit").await;
    let change = audit["items"].as_array().unwrap().iter().find(|entry| entry["objectId"] == id.as_str() && entry["action"] == "update").unwrap();
    assert_eq!(change["changes"]["enabled"], json!([true, false]), "turning a flow off is audited");
}

#[tokio::test]
async fn step_limits_and_timeouts_end_runs_with_a_clear_reason() {
    let (server, receiver, setup) = start(&[("OUTFLOW_FLOW_STEP_LIMIT", "2"), ("OUTFLOW_FLOW_STEP_TIMEOUT_MS", "700")]).await;
    let api = Api::new(&server);
    let long = import(
        &api,
        &setup.form,
        "Three steps",
        vec![
            trigger("t1", "status"),
            step("a", "merge", json!({}), json!({})),
            step("b", "merge", json!({}), json!({})),
            step("c", "merge", json!({}), json!({})),
        ],
        vec![edge("t1", "out", "a"), edge("a", "out", "b"), edge("b", "out", "c")],
    )
    .await;
    let run = run_and_wait(&api, &long, json!({})).await;
    assert_eq!((run["status"].clone(), run["reason"].clone()), (json!("failed"), json!("The run stopped: it reached the limit of 2 steps per run.")));
    assert_eq!(record(&run, "c")["status"], "skipped");

    receiver.answer_after(Duration::from_secs(3));
    let slow =
        import(&api, &setup.form, "Slow", vec![trigger("t1", "status"), webhook(&setup.endpoint, "w1", "/slow", "x")], vec![edge("t1", "out", "w1")])
            .await;
    let run = run_and_wait(&api, &slow, json!({})).await;
    assert_eq!(record(&run, "w1")["error"], "The step did not finish within 0.7 s (the per-step timeout).");
}

#[tokio::test]
async fn a_run_killed_during_a_delay_resumes_after_restart_without_repeating_steps() {
    let (server, receiver, setup) = start(&[]).await;
    let api = Api::new(&server);
    let id = import(
        &api,
        &setup.form,
        "Wait then close",
        vec![
            trigger("t1", "status"),
            webhook(&setup.endpoint, "before", "/before", "b"),
            step("d1", "delay", json!({"seconds": 3}), json!({})),
            webhook(&setup.endpoint, "after", "/after", "a"),
        ],
        vec![edge("t1", "out", "before"), edge("before", "out", "d1"), edge("d1", "out", "after")],
    )
    .await;
    let started = api.post_ok(&format!("/api/v1/flows/{id}/runs"), json!({}), 202).await;
    let run_id = started["runId"].as_str().unwrap().to_string();
    let waiting = eventually(Duration::from_secs(5), || async {
        let (_, run) = api.get(&format!("/api/v1/runs/{run_id}")).await;
        (record(&run, "d1")["status"] == "waiting").then_some(run)
    })
    .await
    .expect("the delay waits");
    assert!(record(&waiting, "d1")["dueAt"].is_string());
    assert_eq!(record(&waiting, "after")["status"], "pending");
    let data_dir = server.crash();

    let server = TestServer::start_in(data_dir);
    let api = Api::new(&server);
    let run = run_reaching(&api, &run_id, "succeeded").await;
    assert_eq!((hits(&receiver, "/before"), hits(&receiver, "/after")), (1, 1), "finished steps are not repeated");
    assert!(record(&run, "d1")["durationMs"].as_u64().unwrap() >= 3000, "the delay counted on from where it was: {run}");
}

#[tokio::test]
async fn a_run_killed_during_a_slow_step_runs_only_that_step_again() {
    let (server, receiver, setup) = start(&[("OUTFLOW_WEBHOOK_TIMEOUT_MS", "60000")]).await;
    let api = Api::new(&server);
    let id = import(
        &api,
        &setup.form,
        "Slow middle",
        vec![
            trigger("t1", "status"),
            webhook(&setup.endpoint, "first", "/first", "1"),
            step("d1", "delay", json!({"seconds": 1}), json!({})),
            webhook(&setup.endpoint, "slow", "/slow", "2"),
            webhook(&setup.endpoint, "last", "/last", "3"),
        ],
        vec![edge("t1", "out", "first"), edge("first", "out", "d1"), edge("d1", "out", "slow"), edge("slow", "out", "last")],
    )
    .await;
    let started = api.post_ok(&format!("/api/v1/flows/{id}/runs"), json!({}), 202).await;
    let run_id = started["runId"].as_str().unwrap().to_string();
    eventually(Duration::from_secs(5), || async { (hits(&receiver, "/first") == 1).then_some(()) }).await.expect("the first step runs");
    receiver.answer_after(Duration::from_secs(30));
    eventually(Duration::from_secs(5), || async { (hits(&receiver, "/slow") == 1).then_some(()) }).await.expect("the slow step is in flight");
    let data_dir = server.crash();

    receiver.answer_after(Duration::ZERO);
    let server = TestServer::start_in(data_dir);
    let api = Api::new(&server);
    run_reaching(&api, &run_id, "succeeded").await;
    assert_eq!((hits(&receiver, "/first"), hits(&receiver, "/slow"), hits(&receiver, "/last")), (1, 2, 1), "only the interrupted step ran again");
    let ids: Vec<String> = receiver
        .received()
        .into_iter()
        .filter(|request| request.path == "/slow")
        .map(|request| request.headers["webhook-id"].to_str().unwrap().to_string())
        .collect();
    assert_eq!(ids[0], ids[1], "the repeat carries the same webhook-id");
}

#[tokio::test]
async fn designer_tests_run_on_the_last_real_payload_and_unsaved_graphs() {
    let (server, receiver, setup) = start(&[]).await;
    let api = Api::new(&server);
    let id = import(
        &api,
        &setup.form,
        "Draft",
        vec![
            trigger("t1", "status"),
            json!({"id": "h1", "kind": "trigger", "trigger": "http", "settings": {"auth": "apiKey"}, "position": {"x": 0, "y": 0}}),
            webhook(&setup.endpoint, "w1", "/saved", "${t1.eventIdentifier}"),
        ],
        vec![edge("t1", "out", "w1")],
    )
    .await;
    let (_, example) = api.get(&format!("/api/v1/flows/{id}/sample?trigger=t1")).await;
    assert_eq!((&example["trigger"], &example["source"]), (&json!("t1"), &json!("example")), "no event yet: {example}");
    let (_, built) = api.get(&format!("/api/v1/forms/{}/triggers/status/sample-payload", setup.form)).await;
    let without_date = |payload: &Value| {
        let mut payload = payload.clone();
        payload.as_object_mut().unwrap().remove("date");
        payload
    };
    assert_eq!(without_date(&example["payload"]), without_date(&built), "the example is the form's sample payload");
    assert_eq!(example["payload"]["properties"], json!({"number": "Example number"}));
    let (_, flow_now) = api.get(&format!("/api/v1/flows/{id}")).await;
    let off =
        json!({"baseVersion": flow_now["version"], "name": "Draft", "blocks": flow_now["blocks"], "edges": flow_now["edges"], "enabled": false});
    assert_eq!(api.put(&format!("/api/v1/flows/{id}"), off).await.0, 200);
    let alert = api.post_ok("/api/v1/alerts", json!({"formId": setup.form, "properties": {"number": "S-1"}, "recipients": ["bob"]}), 201).await;
    let alert = alert["eventIdentifier"].as_i64().unwrap();
    let (_, sample) = api.get(&format!("/api/v1/flows/{id}/sample?trigger=t1")).await;
    assert_eq!((sample["payload"]["eventIdentifier"].clone(), sample["payload"]["status"].clone()), (json!(alert), json!("active")));
    assert_eq!(sample["payload"]["properties"], json!({"number": "S-1"}));
    assert_eq!(sample["source"], "event");
    let (_, http) = api.get(&format!("/api/v1/flows/{id}/sample?trigger=h1")).await;
    assert_eq!((http["payload"].clone(), http["source"].clone()), (json!({"body": null, "headers": {}, "query": {}}), json!("example")));
    assert_eq!(api.get(&format!("/api/v1/flows/{id}/sample?trigger=nope")).await.0, 404);

    let mut blocks = flow_now["blocks"].clone();
    blocks[2]["settings"]["path"] = json!("/unsaved");
    let test = json!({"trigger": "t1", "payload": sample["payload"], "blocks": blocks, "edges": flow_now["edges"]});
    let started = api.post_ok(&format!("/api/v1/flows/{id}/test"), test, 202).await;
    let run_id = started["runId"].as_str().unwrap().to_string();
    let run = run_reaching(&api, &run_id, "succeeded").await;
    assert_eq!(run["flow"]["startedBy"], "test");
    assert_eq!(run["flow"]["blocks"][2]["settings"]["path"], "/unsaved", "the run keeps the graph it ran");
    assert_eq!((hits(&receiver, "/unsaved"), hits(&receiver, "/saved")), (1, 0));
    assert_eq!(receiver.received()[0].raw, alert.to_string());
    let cyclic = json!({"payload": {}, "blocks": blocks, "edges": [edge("t1", "out", "w1"), edge("w1", "out", "w1")]});
    let (status, refused) = api.post(&format!("/api/v1/flows/{id}/test"), cyclic).await;
    assert_eq!(status, 422, "{refused}");
}

#[tokio::test]
async fn a_flow_that_triggers_itself_stops_at_the_per_alert_limit() {
    let (server, _receiver, setup) = start(&[]).await;
    let api = Api::new(&server);
    let id = import(
        &api,
        &setup.form,
        "Echo comments",
        vec![
            trigger("t1", "comment"),
            step("c1", "add_comment", json!({}), json!({"eventIdentifier": "${t1.eventIdentifier}", "comment": "seen: ${t1.comment}"})),
        ],
        vec![edge("t1", "out", "c1")],
    )
    .await;
    api.flows_only(&setup.form, "comment").await;
    let alert = api.post_ok("/api/v1/alerts", json!({"formId": setup.form, "recipients": ["bob"]}), 201).await;
    let alert = alert["eventIdentifier"].as_i64().unwrap();
    api.post_ok(&format!("/api/v1/alerts/{alert}/comments"), json!({"author": "bob", "comment": "go"}), 201).await;
    let path = format!("/api/v1/runs?flowId={id}&limit=1");
    eventually(Duration::from_secs(90), || async { (api.get(&path).await.1["total"].as_i64()? >= 500).then_some(()) })
        .await
        .expect("the loop runs up to the limit");
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(api.get(&path).await.1["total"], 500, "and no further");
}

#[tokio::test]
async fn a_flow_starts_from_a_trigger_only_through_the_forms_enabled_integration_of_it() {
    let (server, receiver, setup) = start(&[]).await;
    let api = Api::new(&server);
    let id = import(
        &api,
        &setup.form,
        "Echo",
        vec![trigger("t1", "status"), webhook(&setup.endpoint, "w1", "/flow", "${t1.status}")],
        vec![edge("t1", "out", "w1")],
    )
    .await;
    let posted = || receiver.received().into_iter().filter(|request| request.path == "/flow").map(|request| request.raw).collect::<Vec<_>>();
    let alert = api.post_ok("/api/v1/alerts", json!({"formId": setup.form, "recipients": ["bob"]}), 201).await;
    let alert = alert["eventIdentifier"].as_i64().unwrap();
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert!(posted().is_empty(), "without the form's status integration the flow does not start");

    // "Run flows only": the integration sends nothing itself and starts the flow.
    let integration = json!({"formId": setup.form, "name": "Status", "trigger": "status", "action": {"type": "flowsOnly"}});
    let integration = api.post_ok("/api/v1/integrations", integration, 201).await;
    assert_eq!(integration["action"], json!({"type": "flowsOnly"}));
    let integration = integration["id"].as_str().unwrap().to_string();
    api.post_ok(&format!("/api/v1/alerts/{alert}/status"), json!({"status": "SUSPENDED"}), 200).await;
    eventually(Duration::from_secs(10), || async { (posted() == ["suspended"]).then_some(()) }).await.expect("the flow starts");
    let (_, runs) = api.get(&format!("/api/v1/runs?integrationId={integration}")).await;
    assert_eq!(runs["total"], 0, "a flows-only integration records no run of its own: {runs}");

    // Turned off, its flows stop starting too.
    assert_eq!(api.patch(&format!("/api/v1/integrations/{integration}"), json!({"enabled": false})).await.0, 200);
    api.post_ok(&format!("/api/v1/alerts/{alert}/status"), json!({"status": "ACTIVE"}), 200).await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(posted(), ["suspended"], "a disabled integration starts no flow");
    let (_, page) = api.get(&format!("/api/v1/runs?flowId={id}")).await;
    assert_eq!(page["total"], 1);
}
