//! Call Flow (issue 20) against the real server: a Call Flow step runs another flow of the
//! workflow with its inputs as that flow's trigger outputs and continues with the called
//! run's result; runs link both ways; calls nest at most ten deep; a failing called flow
//! fails the step (or follows its error port); restarting the caller restarts the called
//! run from its failed step, so the receiver never sees the called flow's earlier steps
//! again.

use std::time::Duration;

use outflow_tests::{
    TestServer,
    api::{Api, eventually},
    flows::{Desk, desk, edge, ended, import, paths, record, run_and_wait, step, trigger, webhook},
};
use serde_json::{Value, json};

fn call_trigger(id: &str, inputs: &[&str]) -> Value {
    let mut block = trigger(id, "call");
    block["settings"] = json!({"inputs": inputs});
    block
}

fn call_flow(id: &str, flow: &str, inputs: Value) -> Value {
    let names: Vec<&String> = inputs.as_object().map(|inputs| inputs.keys().collect()).unwrap_or_default();
    step(id, "callFlow", json!({"flowId": flow, "inputs": names}), inputs)
}

async fn get_run(api: &Api<'_>, id: &str) -> Value {
    api.get(&format!("/api/v1/runs/{id}")).await.1
}

#[tokio::test]
async fn a_called_flow_gets_the_inputs_and_the_caller_its_result() {
    let Desk { server, receiver, form, desk, .. } = desk().await;
    let api = Api::new(&server);
    let enrich = import(
        &api,
        &form,
        "Enrich",
        vec![
            call_trigger("c1", &["ticket", "severity"]),
            webhook(&desk, "w1", "/enrich", "{\"ticket\": \"${c1.ticket}\", \"severity\": \"${c1.severity}\"}"),
        ],
        vec![edge("c1", "out", "w1")],
    )
    .await;
    let caller = import(
        &api,
        &form,
        "Caller",
        vec![
            trigger("t1", "status"),
            call_flow("k1", &enrich, json!({"ticket": "${t1.ticket}", "severity": "high"})),
            webhook(&desk, "w2", "/after", "{\"code\": ${k1.output.statusCode}, \"run\": \"${k1.runId}\"}"),
        ],
        vec![edge("t1", "out", "k1"), edge("k1", "out", "w2")],
    )
    .await;
    let run = run_and_wait(&api, &caller, json!({"payload": {"ticket": "T-7"}})).await;
    assert_eq!(run["status"], "succeeded", "{run}");
    assert_eq!(paths(&receiver), ["/enrich", "/after"]);
    assert_eq!(receiver.received()[0].body, json!({"ticket": "T-7", "severity": "high"}), "the called flow got the step's inputs");
    let called_id = record(&run, "k1")["outputs"]["runId"].as_str().expect("the step answers the called run's id").to_string();
    assert_eq!(receiver.received()[1].body, json!({"code": 200, "run": called_id}), "the caller continued with the called run's result");
    assert_eq!(record(&run, "k1")["calledRun"], called_id.as_str(), "the caller's step links to the called run");
    assert_eq!(record(&run, "k1")["outputs"]["output"]["statusCode"], 200, "output is the called flow's last step's outputs");

    let called = get_run(&api, &called_id).await;
    assert_eq!(called["flow"]["startedBy"], "call");
    assert_eq!(called["flow"]["flowId"], enrich.as_str());
    assert_eq!(called["flow"]["calledBy"], json!({"runId": run["id"], "step": "k1"}), "the called run links back");
    assert_eq!(called["payload"], json!({"ticket": "T-7", "severity": "high"}));
}

#[tokio::test]
async fn a_failing_called_flow_fails_the_step_or_follows_its_error_port() {
    let Desk { server, receiver, form, desk, flaky, .. } = desk().await;
    let api = Api::new(&server);
    let broken =
        import(&api, &form, "Broken", vec![call_trigger("c1", &[]), webhook(&flaky, "w1", "/never", "{}")], vec![edge("c1", "out", "w1")]).await;
    let caller = import(
        &api,
        &form,
        "Caller",
        vec![trigger("t1", "status"), call_flow("k1", &broken, json!({})), webhook(&desk, "w2", "/caught", "${k1.error}")],
        vec![edge("t1", "out", "k1"), edge("k1", "error", "w2")],
    )
    .await;
    let run = run_and_wait(&api, &caller, json!({"payload": {}})).await;
    assert_eq!(run["status"], "succeeded", "the error port caught it: {run}");
    let error = record(&run, "k1")["error"].as_str().unwrap().to_string();
    assert!(error.contains("The called flow's run") && error.contains("\"w1\" failed"), "{error}");
    assert_eq!(receiver.received()[0].raw, error, "${{k1.error}} holds the reason");
    let called = record(&run, "k1")["calledRun"].as_str().expect("a failed call still links to its run").to_string();
    assert_eq!(get_run(&api, &called).await["status"], "failed");

    // A flow that cannot be called fails the step with a clear reason and starts nothing.
    let plain = import(&api, &form, "Plain", vec![trigger("t1", "status"), webhook(&desk, "w1", "/x", "{}")], vec![edge("t1", "out", "w1")]).await;
    let wrong = import(
        &api,
        &form,
        "Wrong",
        vec![trigger("t1", "status"), call_flow("k1", &plain, json!({})), call_flow("k2", "flow_missing", json!({}))],
        vec![edge("t1", "out", "k1"), edge("t1", "out", "k2")],
    )
    .await;
    let run = run_and_wait(&api, &wrong, json!({"payload": {}})).await;
    assert_eq!(run["status"], "failed");
    let k1 = record(&run, "k1")["error"].as_str().unwrap().to_string();
    assert!(k1.contains("\"Plain\" cannot be called: it has no Called by a flow trigger"), "{k1}");
    let k2 = record(&run, "k2")["error"].as_str().unwrap().to_string();
    assert!(k2.contains("No flow with id flow_missing"), "{k2}");
    let (_, plain_runs) = api.get(&format!("/api/v1/runs?flowId={plain}")).await;
    assert_eq!(plain_runs["total"], 0, "nothing was started");
}

#[tokio::test]
async fn calls_nest_at_most_ten_deep() {
    let Desk { server, form, .. } = desk().await;
    let api = Api::new(&server);
    // A flow that calls itself: started by the API at depth 0, called at 1, 2, … 10.
    let id = import(&api, &form, "Deep", vec![trigger("t1", "status"), call_trigger("c1", &[])], vec![]).await;
    let (_, current) = api.get(&format!("/api/v1/flows/{id}")).await;
    let blocks = json!([trigger("t1", "status"), call_trigger("c1", &[]), call_flow("k1", &id, json!({}))]);
    let edges = json!([edge("t1", "out", "k1"), edge("c1", "out", "k1")]);
    // At most one run at once: the called runs go in their callers' turn instead of waiting
    // for them (which would wait forever).
    let save = json!({"baseVersion": current["version"], "name": "Deep", "blocks": blocks, "edges": edges, "maxConcurrentRuns": 1});
    assert_eq!(api.put(&format!("/api/v1/flows/{id}"), save).await.0, 200);
    api.post_ok(&format!("/api/v1/flows/{id}/publish"), json!({}), 200).await;

    let run = run_and_wait(&api, &id, json!({"trigger": "t1", "payload": {}})).await;
    assert_eq!(run["status"], "failed", "{run}");
    let mut deepest = run.clone();
    let mut depth = 0;
    while let Some(called) = record(&deepest, "k1")["calledRun"].as_str().map(str::to_string) {
        deepest = ended(&api, &called).await;
        depth += 1;
    }
    assert_eq!(depth, 10, "ten calls were made, the eleventh refused");
    let refusal = record(&deepest, "k1")["error"].as_str().unwrap().to_string();
    assert!(refusal.contains("at most 10 deep") && refusal.contains("number 11"), "{refusal}");
    let (_, runs) = api.get(&format!("/api/v1/runs?flowId={id}&limit=100")).await;
    assert_eq!(runs["total"], 11, "the first run and ten called ones");
}

#[tokio::test]
async fn restarting_the_caller_restarts_the_called_run_from_its_failed_step() {
    let Desk { server, receiver, form, desk, flaky, .. } = desk().await;
    let api = Api::new(&server);
    let called = import(
        &api,
        &form,
        "Called",
        vec![call_trigger("c1", &["n"]), webhook(&desk, "w1", "/inner-first", "${c1.n}"), webhook(&flaky, "w2", "/inner-second", "{}")],
        vec![edge("c1", "out", "w1"), edge("w1", "out", "w2")],
    )
    .await;
    let caller = import(
        &api,
        &form,
        "Caller",
        vec![
            trigger("t1", "status"),
            webhook(&desk, "w0", "/outer-first", "{}"),
            call_flow("k1", &called, json!({"n": "7"})),
            webhook(&desk, "w3", "/outer-last", "${k1.output.statusCode}"),
        ],
        vec![edge("t1", "out", "w0"), edge("w0", "out", "k1"), edge("k1", "out", "w3")],
    )
    .await;
    let first = run_and_wait(&api, &caller, json!({"payload": {}})).await;
    assert_eq!(first["status"], "failed", "{first}");
    assert_eq!(paths(&receiver), ["/outer-first", "/inner-first"]);
    let first_called = record(&first, "k1")["calledRun"].as_str().unwrap().to_string();

    assert_eq!(api.patch(&format!("/api/v1/endpoints/{flaky}"), json!({"baseUrl": receiver.url("")})).await.0, 200);
    let started = api.post_ok(&format!("/api/v1/runs/{}/restart", first["id"].as_str().unwrap()), json!({}), 201).await;
    assert_eq!(started["flow"]["restartOf"]["fromStep"], "k1", "the Call Flow step failed");
    let restarted = ended(&api, started["id"].as_str().unwrap()).await;
    assert_eq!(restarted["status"], "succeeded", "{restarted}");
    assert_eq!(
        paths(&receiver),
        ["/outer-first", "/inner-first", "/inner-second", "/outer-last"],
        "neither the caller's nor the called flow's earlier steps ran again"
    );
    let second_called = record(&restarted, "k1")["calledRun"].as_str().unwrap().to_string();
    assert_ne!(second_called, first_called);
    let second = get_run(&api, &second_called).await;
    assert_eq!(second["flow"]["restartOf"], json!({"runId": first_called, "fromStep": "w2"}), "the called run was restarted from its failed step");
    assert_eq!(second["flow"]["calledBy"]["runId"], restarted["id"]);
    let inner = receiver.received();
    assert_eq!(
        inner[2].headers["idempotency-key"].to_str().unwrap(),
        format!("{first_called}_w2"),
        "the called flow's webhook keeps its Idempotency-Key across the restart"
    );
}

#[tokio::test]
async fn a_caller_killed_while_its_called_flow_runs_finishes_with_that_one_run_after_the_restart() {
    let Desk { server, receiver, form, desk, .. } = desk().await;
    let api = Api::new(&server);
    receiver.answer_after(Duration::from_millis(300));
    let slow = import(
        &api,
        &form,
        "Slow",
        vec![
            call_trigger("c1", &[]),
            webhook(&desk, "w1", "/inner-1", "{}"),
            webhook(&desk, "w2", "/inner-2", "{}"),
            webhook(&desk, "w3", "/inner-3", "{}"),
        ],
        vec![edge("c1", "out", "w1"), edge("w1", "out", "w2"), edge("w2", "out", "w3")],
    )
    .await;
    let caller = import(
        &api,
        &form,
        "Caller",
        vec![trigger("t1", "status"), call_flow("k1", &slow, json!({})), webhook(&desk, "w4", "/after", "${k1.runId}")],
        vec![edge("t1", "out", "k1"), edge("k1", "out", "w4")],
    )
    .await;
    let started = api.post_ok(&format!("/api/v1/flows/{caller}/runs"), json!({"payload": {}}), 202).await;
    let run_id = started["runId"].as_str().unwrap().to_string();
    eventually(Duration::from_secs(10), || async { (!receiver.received().is_empty()).then_some(()) }).await.expect("the called flow is under way");
    let data_dir = server.crash();
    assert!(!paths(&receiver).contains(&"/inner-3".to_string()), "killed while the called flow ran");

    receiver.answer_after(Duration::ZERO);
    let server = TestServer::start_in(data_dir);
    let api = Api::new(&server);
    let run = ended(&api, &run_id).await;
    assert_eq!(run["status"], "succeeded", "{run}");
    let (_, called_runs) = api.get(&format!("/api/v1/runs?flowId={slow}")).await;
    assert_eq!(called_runs["total"], 1, "the resumed caller waited for the run it had started: {called_runs}");
    let called_id = called_runs["items"][0]["id"].as_str().unwrap();
    assert_eq!(record(&run, "k1")["calledRun"], called_id);
    let sent = paths(&receiver);
    for step in ["/inner-1", "/inner-2", "/inner-3", "/after"] {
        assert!(sent.contains(&step.to_string()), "{step} was sent: {sent:?}");
    }
    assert_eq!(sent.iter().filter(|path| *path == "/inner-3").count(), 1, "the called flow's last step ran once: {sent:?}");
    assert_eq!(receiver.received().last().unwrap().raw, called_id, "the caller went on with that run's result");
}
