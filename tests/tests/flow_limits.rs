//! Limits (issue 20) against the real server: a flow's `maxConcurrentRuns` — runs past it
//! wait as `queued`, visibly, and go in the order they came, never more at once than the
//! limit; bad limits are refused and change nothing.

use std::time::Duration;

use outflow_tests::{
    TestServer,
    api::{Api, eventually},
    flows::{edge, import, trigger, webhook},
    receiver::Receiver,
};
use serde_json::{Value, json};

async fn run_status(api: &Api<'_>, id: &str) -> String {
    api.get(&format!("/api/v1/runs/{id}")).await.1["status"].as_str().unwrap_or_default().to_string()
}

#[tokio::test]
async fn runs_past_a_flows_limit_wait_queued_and_go_in_order() {
    let server = TestServer::start();
    let receiver = Receiver::start().await;
    let api = Api::new(&server);
    let workflow = api.workflow("Ops").await;
    let form = api.form(&workflow, json!({"name": "Incident", "properties": []})).await;
    let desk = api.endpoint(&workflow, "Desk", &receiver.url("")).await;
    receiver.answer_after(Duration::from_millis(400));
    let id = import(&api, &form, "Limited", vec![trigger("t1", "status"), webhook(&desk, "w1", "/run", "${t1.n}")], vec![edge("t1", "out", "w1")]).await;
    let (_, current) = api.get(&format!("/api/v1/flows/{id}")).await;
    let limited = |limit: Value| {
        json!({"baseVersion": current["version"], "name": "Limited", "blocks": current["blocks"], "edges": current["edges"], "maxConcurrentRuns": limit})
    };
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
    let order: Vec<String> = receiver.received().into_iter().map(|request| request.raw).collect();
    assert_eq!(order, ["0", "1", "2", "3", "4", "5"], "queued runs go in the order they came");

    // Lifting the limit lets every run go at once.
    let (_, current) = api.get(&format!("/api/v1/flows/{id}")).await;
    let lifted = json!({"baseVersion": current["version"], "name": "Limited", "blocks": current["blocks"], "edges": current["edges"], "maxConcurrentRuns": 0});
    let (status, saved) = api.put(&format!("/api/v1/flows/{id}"), lifted).await;
    assert_eq!((status, saved["maxConcurrentRuns"].clone()), (200, Value::Null));
    let started = api.post_ok(&format!("/api/v1/flows/{id}/runs"), json!({"payload": {"n": 6}}), 202).await;
    assert_eq!(started["status"], "running");
}
