//! Limits (issue 20) against the real server: a flow's `maxConcurrentRuns` — runs past it
//! wait as `queued`, visibly, and go in the order they came, never more at once than the
//! limit — and an endpoint's `maxPerSecond` and `maxConcurrent`, measured at the receiver
//! over integrations, flow steps and an Integration Agent sending to it together; bad
//! limits are refused and change nothing.

use std::time::Duration;

use outflow_tests::{
    TestAgent, TestServer,
    api::{Api, eventually},
    flows::{Desk, desk, edge, import, trigger, webhook},
    receiver::Receiver,
};
use serde_json::{Value, json};

async fn run_status(api: &Api<'_>, id: &str) -> String {
    api.get(&format!("/api/v1/runs/{id}")).await.1["status"].as_str().unwrap_or_default().to_string()
}

#[tokio::test]
async fn runs_past_a_flows_limit_wait_queued_and_go_in_order() {
    let Desk { server, receiver, form, desk, .. } = desk().await;
    let api = Api::new(&server);
    receiver.answer_after(Duration::from_millis(400));
    let id =
        import(&api, &form, "Limited", vec![trigger("t1", "status"), webhook(&desk, "w1", "/run", "${t1.n}")], vec![edge("t1", "out", "w1")]).await;
    let (_, current) = api.get(&format!("/api/v1/flows/{id}")).await;
    let limited = |limit: Value| json!({"baseVersion": current["version"], "name": "Limited", "blocks": current["blocks"], "edges": current["edges"], "maxConcurrentRuns": limit});
    let (status, refused) = api.put(&format!("/api/v1/flows/{id}"), limited(json!(1001))).await;
    assert_eq!(status, 422, "{refused}");
    assert!(refused.to_string().contains("between 1 and 1000"), "{refused}");
    let (status, saved) = api.put(&format!("/api/v1/flows/{id}"), limited(json!(2))).await;
    assert_eq!((status, saved["maxConcurrentRuns"].clone()), (200, json!(2)), "{saved}");
    let (_, exported) = api.get(&format!("/api/v1/flows/{id}/export")).await;
    assert_eq!(exported["maxConcurrentRuns"], 2, "the export keeps the limit");

    let mut runs = Vec::new();
    for n in 0..6 {
        let started = api.post_ok(&format!("/api/v1/flows/{id}/runs"), json!({"payload": {"n": n}}), 202).await;
        runs.push(started["runId"].as_str().unwrap().to_string());
        if n == 5 {
            assert_eq!(started["status"], "queued", "the sixth run waits for a turn");
        }
    }
    let (_, page) = api.get(&format!("/api/v1/runs?flowId={id}&status=queued")).await;
    assert!(page["total"].as_u64().unwrap() >= 3, "runs past the limit are listed as queued: {page}");
    for run in &runs {
        let ended = eventually(Duration::from_secs(20), || async { (run_status(&api, run).await == "succeeded").then_some(()) }).await;
        assert!(ended.is_some(), "run {run} ends");
    }
    assert_eq!(receiver.peak_in_flight(), 2, "never more than the limit at once");
    let mut started = Vec::new();
    for run in &runs {
        started.push(api.get(&format!("/api/v1/runs/{run}")).await.1["flow"]["startedAt"].as_str().unwrap().to_string());
    }
    assert!(started.windows(2).all(|pair| pair[0] <= pair[1]), "queued runs start in the order they came: {started:?}");

    // Lifting the limit lets every run go at once.
    let (_, current) = api.get(&format!("/api/v1/flows/{id}")).await;
    let lifted =
        json!({"baseVersion": current["version"], "name": "Limited", "blocks": current["blocks"], "edges": current["edges"], "maxConcurrentRuns": 0});
    let (status, saved) = api.put(&format!("/api/v1/flows/{id}"), lifted).await;
    assert_eq!((status, saved["maxConcurrentRuns"].clone()), (200, Value::Null));
    let started = api.post_ok(&format!("/api/v1/flows/{id}/runs"), json!({"payload": {"n": 6}}), 202).await;
    assert_eq!(started["status"], "running");
}

/// A workflow with form "Incident" (whose status trigger sends to `endpoint` from
/// `location`) and a flow posting to it: answers the flow's id and the form's.
async fn senders(api: &Api<'_>, workflow: &str, endpoint: &str, location: Value) -> (String, String) {
    let form = api.form(workflow, json!({"name": "Incident", "properties": []})).await;
    let integration = json!({"formId": form, "name": "Hook", "trigger": "status", "location": location,
        "action": {"type": "webhook", "endpointId": endpoint, "path": "/integration"}});
    api.post_ok("/api/v1/integrations", integration, 201).await;
    let flow =
        import(api, &form, "Poster", vec![trigger("t1", "status"), webhook(endpoint, "w1", "/flow", "{}")], vec![edge("t1", "out", "w1")]).await;
    (flow, form)
}

async fn wait_for(receiver: &Receiver, count: usize, within: Duration) {
    let arrived = eventually(within, || async { (receiver.received().len() >= count).then_some(()) }).await;
    assert!(arrived.is_some(), "{count} requests arrive; {} did", receiver.received().len());
}

#[tokio::test]
async fn an_endpoints_rate_holds_over_integrations_and_flows_together() {
    let server = TestServer::start();
    let receiver = Receiver::start().await;
    let api = Api::new(&server);
    let workflow = api.workflow("Ops").await;
    let (status, refused) =
        api.post("/api/v1/endpoints", json!({"workflowId": workflow, "name": "Desk", "baseUrl": receiver.url(""), "maxPerSecond": 0})).await;
    assert_eq!(status, 422, "a rate of 0 is refused: {refused}");
    let created =
        api.post_ok("/api/v1/endpoints", json!({"workflowId": workflow, "name": "Desk", "baseUrl": receiver.url(""), "maxPerSecond": 10}), 201).await;
    assert_eq!(created["maxPerSecond"], 10);
    let endpoint = created["id"].as_str().unwrap().to_string();
    let (status, _) = api.patch(&format!("/api/v1/endpoints/{endpoint}"), json!({"maxConcurrent": 5000})).await;
    assert_eq!(status, 422, "more than 1000 at once is refused");
    let (flow, form) = senders(&api, &workflow, &endpoint, json!("cloud")).await;

    // Each alert's status event starts the integration and the flow; with 32 runs started
    // by the API, 100 runs send a request each.
    for round in 0..34 {
        api.post_ok("/api/v1/alerts", json!({"formId": form, "recipients": ["admin"]}), 201).await;
        if round < 32 {
            api.post_ok(&format!("/api/v1/flows/{flow}/runs"), json!({"payload": {}}), 202).await;
        }
    }
    wait_for(&receiver, 100, Duration::from_secs(40)).await;
    let arrivals: Vec<std::time::Instant> = receiver.received().into_iter().map(|request| request.at).collect();
    let busiest = (0..arrivals.len())
        .map(|first| arrivals[first..].iter().take_while(|at| at.duration_since(arrivals[first]) < Duration::from_secs(1)).count())
        .max()
        .unwrap_or_default();
    assert!(busiest <= 10, "at most 10 requests arrived in any second; the busiest second had {busiest}");
    assert_eq!(busiest, 10, "the rate is used, not undershot");
    let paths: Vec<String> = receiver.received().into_iter().map(|request| request.path).collect();
    assert_eq!(paths.iter().filter(|path| *path == "/integration").count(), 34);
    assert_eq!(paths.iter().filter(|path| *path == "/flow").count(), 66);
}

#[tokio::test]
async fn an_endpoints_concurrency_holds_over_an_agent_and_the_server_together() {
    let server = TestServer::start();
    let receiver = Receiver::start().await;
    receiver.answer_after(Duration::from_millis(300));
    let api = Api::new(&server);
    let workflow = api.workflow("Ops").await;
    let created =
        api.post_ok("/api/v1/endpoints", json!({"workflowId": workflow, "name": "Desk", "baseUrl": receiver.url(""), "maxConcurrent": 2}), 201).await;
    let endpoint = created["id"].as_str().unwrap().to_string();
    let agent = api.post_ok("/api/v1/agents", json!({"name": "dc-east", "services": []}), 201).await;
    let agent_id = agent["id"].as_str().unwrap().to_string();
    assert_eq!(api.put(&format!("/api/v1/agents/{agent_id}/users"), json!({"users": ["admin"]})).await.0, 200);
    let (_, form) = senders(&api, &workflow, &endpoint, json!({"agents": [agent_id]})).await;
    let _agent = TestAgent::start(&server, agent["token"].as_str().unwrap(), &[]);

    for _ in 0..6 {
        api.post_ok("/api/v1/alerts", json!({"formId": form, "recipients": ["admin"]}), 201).await;
    }
    // Each alert starts the integration (sent by the agent) and the flow (sent here).
    wait_for(&receiver, 12, Duration::from_secs(40)).await;
    let paths: Vec<String> = receiver.received().into_iter().map(|request| request.path).collect();
    assert_eq!(paths.iter().filter(|path| *path == "/integration").count(), 6, "the agent delivered every integration run");
    assert_eq!(receiver.peak_in_flight(), 2, "never more than two in flight, whoever sent them");
}

#[tokio::test]
async fn a_rate_limited_endpoint_holds_up_no_other_endpoints_deliveries_and_costs_no_attempts() {
    let Desk { server, receiver, workflow, .. } = desk().await;
    let api = Api::new(&server);
    let slow = api
        .post_ok("/api/v1/endpoints", json!({"workflowId": workflow, "name": "Slow", "baseUrl": receiver.url("/slow"), "maxPerSecond": 1}), 201)
        .await;
    let fast = api.endpoint(&workflow, "Fast", &receiver.url("/fast")).await;
    let sending = |endpoint: String, name: &'static str| {
        let api = &api;
        let workflow = &workflow;
        async move {
            let form = api.form(workflow, json!({"name": name, "properties": []})).await;
            let integration =
                json!({"formId": form, "name": name, "trigger": "status", "action": {"type": "webhook", "endpointId": endpoint, "path": ""}});
            let integration = api.post_ok("/api/v1/integrations", integration, 201).await;
            (form, integration["id"].as_str().unwrap().to_string())
        }
    };
    let (slow_form, slow_integration) = sending(slow["id"].as_str().unwrap().to_string(), "Slow").await;
    let (fast_form, _) = sending(fast, "Fast").await;
    for _ in 0..8 {
        api.post_ok("/api/v1/alerts", json!({"formId": slow_form, "recipients": ["admin"]}), 201).await;
    }
    let began = std::time::Instant::now();
    for _ in 0..3 {
        api.post_ok("/api/v1/alerts", json!({"formId": fast_form, "recipients": ["admin"]}), 201).await;
    }
    let fast_sent = || receiver.received().into_iter().filter(|request| request.path == "/fast").count();
    assert!(eventually(Duration::from_secs(20), || async { (fast_sent() == 3).then_some(()) }).await.is_some(), "the fast endpoint's runs are sent");
    assert!(began.elapsed() < Duration::from_secs(3), "without waiting behind the slow endpoint's queue: {:?}", began.elapsed());
    wait_for(&receiver, 11, Duration::from_secs(30)).await;
    let (_, runs) = api.get(&format!("/api/v1/runs?integrationId={slow_integration}&limit=50")).await;
    let runs = runs["items"].as_array().unwrap().clone();
    assert_eq!(runs.len(), 8);
    for run in &runs {
        assert_eq!((run["status"].as_str(), run["attemptCount"].as_u64()), (Some("succeeded"), Some(1)), "waiting for a turn is no attempt: {run}");
    }
}
