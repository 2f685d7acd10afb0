//! Restarting a flow run from a step (issue 20) against the real server: the new run reuses
//! what ran before the step, so the receiver never sees an earlier step again; inside a For
//! Each only the failed iterations post again, with the same `Idempotency-Key` as their
//! first attempt; bad requests get a clear answer and start nothing.

use outflow_tests::{
    api::Api,
    flows::{Desk, desk, edge, ended, import, paths, record, run_and_wait, step, trigger, webhook},
    receiver::Reply,
};
use serde_json::{Value, json};

async fn runs_of(api: &Api<'_>, flow: &str) -> usize {
    api.get(&format!("/api/v1/runs?flowId={flow}")).await.1["items"].as_array().map_or(0, Vec::len)
}

#[tokio::test]
async fn a_restart_from_the_failed_step_runs_only_it_and_what_follows() {
    let Desk { server, receiver, form, desk, flaky, .. } = desk().await;
    let api = Api::new(&server);
    let id = import(
        &api,
        &form,
        "Chain",
        vec![
            trigger("t1", "status"),
            webhook(&desk, "w1", "/first", "{}"),
            webhook(&flaky, "w2", "/second", "{\"first\": ${w1.statusCode}}"),
            webhook(&desk, "w3", "/third", "{}"),
        ],
        vec![edge("t1", "out", "w1"), edge("w1", "out", "w2"), edge("w2", "out", "w3")],
    )
    .await;
    let original = run_and_wait(&api, &id, json!({"payload": {}})).await;
    assert_eq!(original["status"], "failed", "{original}");
    let original_id = original["id"].as_str().unwrap();
    assert_eq!(paths(&receiver), ["/first"]);

    // The endpoint is mended; the restart runs the flow version the run ran from w2 on.
    assert_eq!(api.patch(&format!("/api/v1/endpoints/{flaky}"), json!({"baseUrl": receiver.url("")})).await.0, 200);
    let started = api.post_ok(&format!("/api/v1/runs/{original_id}/restart"), json!({}), 201).await;
    assert_eq!(started["flow"]["restartOf"], json!({"runId": original_id, "fromStep": "w2"}), "by default the step that failed");
    let restarted = ended(&api, started["id"].as_str().unwrap()).await;
    assert_eq!(restarted["status"], "succeeded", "{restarted}");
    assert_eq!(paths(&receiver), ["/first", "/second", "/third"], "the receiver never sees w1 again");
    assert_eq!(receiver.received()[1].body, json!({"first": 200}), "w2 gets w1's recorded output");
    assert_eq!(record(&restarted, "w1")["status"], "succeeded", "w1's record is reused");
    assert_eq!((record(&restarted, "w1")["reused"].clone(), record(&restarted, "w2")["reused"].clone()), (json!(true), Value::Null), "and marked so");
    assert_eq!(restarted["attemptCount"], 2, "only w2 and w3 ran");
    let (_, original) = api.get(&format!("/api/v1/runs/{original_id}")).await;
    assert_eq!(original["flow"]["restarts"], json!([restarted["id"]]), "the old run lists its restart");
}

#[tokio::test]
async fn inside_a_for_each_only_the_failed_iterations_run_again_with_the_same_idempotency_key() {
    let Desk { server, receiver, form, desk, .. } = desk().await;
    let api = Api::new(&server);
    let check = "if (input['status'] != 200) throw new Error('the desk answered ' + input['status']);";
    let id = import(
        &api,
        &form,
        "Loop",
        vec![
            trigger("t1", "status"),
            step("fe", "forEach", json!({"parallel": 1}), json!({"items": "${t1.items}"})),
            webhook(&desk, "w1", "/item", "{\"item\": \"${fe.item}\"}"),
            step("x1", "script", json!({"inputs": "status", "script": check}), json!({"status": "${w1.statusCode}"})),
            webhook(&desk, "w2", "/done", "{}"),
        ],
        vec![edge("t1", "out", "fe"), edge("fe", "each", "w1"), edge("w1", "out", "x1"), edge("fe", "done", "w2")],
    )
    .await;
    let reply = |status| Reply { status, retry_after: None };
    receiver.answer_next(&[reply(200), reply(500), reply(200), reply(500), reply(200)]);
    let original = run_and_wait(&api, &id, json!({"payload": {"items": ["a", "b", "c", "d", "e"]}})).await;
    assert_eq!(original["status"], "failed", "{original}");
    let original_id = original["id"].as_str().unwrap().to_string();
    assert_eq!(record(&original, "x1")["iterations"]["failedItems"], json!(["1", "3"]));

    let started = api.post_ok(&format!("/api/v1/runs/{original_id}/restart"), json!({"fromStep": "w1"}), 201).await;
    let restarted = ended(&api, started["id"].as_str().unwrap()).await;
    assert_eq!(restarted["status"], "succeeded", "{restarted}");
    let items: Vec<_> = receiver.received().into_iter().filter(|request| request.path == "/item").collect();
    let sent: Vec<&str> = items.iter().map(|request| request.body["item"].as_str().unwrap()).collect();
    assert_eq!(sent, ["a", "b", "c", "d", "e", "b", "d"], "only items 1 and 3 post again");
    let header = |index: usize, name: &str| items[index].headers[name].to_str().unwrap().to_string();
    assert_eq!((header(1, "idempotency-key"), header(5, "idempotency-key")), (format!("{original_id}_w1_1"), format!("{original_id}_w1_1")));
    assert_eq!(header(6, "idempotency-key"), header(3, "idempotency-key"), "the same key for the same step and item");
    assert_ne!(header(5, "webhook-id"), header(1, "webhook-id"), "webhook-id names the run that sent it");
    assert_eq!(record(&restarted, "x1")["iterations"]["failed"], 0);
    assert_eq!(paths(&receiver).iter().filter(|path| *path == "/done").count(), 1, "the loop finished once, in the restart");
}

#[tokio::test]
async fn a_bad_restart_is_refused_clearly_and_starts_nothing() {
    let Desk { server, form, desk, flaky, .. } = desk().await;
    let api = Api::new(&server);
    let id = import(
        &api,
        &form,
        "Chain",
        vec![
            trigger("t1", "status"),
            webhook(&desk, "w1", "/first", "{}"),
            webhook(&flaky, "w2", "/second", "{}"),
            webhook(&desk, "w3", "/third", "{}"),
        ],
        vec![edge("t1", "out", "w1"), edge("w1", "out", "w2"), edge("w2", "out", "w3")],
    )
    .await;
    let run = run_and_wait(&api, &id, json!({"payload": {}})).await;
    let run_id = run["id"].as_str().unwrap();
    let restart = |body: Value| {
        let api = &api;
        async move { api.post(&format!("/api/v1/runs/{run_id}/restart"), body).await }
    };

    let (status, answer) = api.post("/api/v1/runs/frun_missing/restart", json!({})).await;
    assert_eq!((status, answer["error"]["code"].as_str()), (404, Some("not_found")), "{answer}");
    let (status, answer) = restart(json!({"fromStep": "nope"})).await;
    assert_eq!(status, 422, "{answer}");
    assert_eq!(answer["error"]["message"], "The flow version this run ran has no step \"nope\".");
    let (status, answer) = restart(json!({"fromStep": "w3"})).await;
    assert_eq!(status, 422, "w3 never ran: w2 must run first: {answer}");
    assert!(answer["error"]["message"].as_str().unwrap().contains("restart from \"w2\", the step that failed"), "{answer}");

    // A run still going: its Delay keeps it open.
    let slow = import(
        &api,
        &form,
        "Slow",
        vec![trigger("t1", "status"), step("d1", "delay", json!({"seconds": 600}), json!({}))],
        vec![edge("t1", "out", "d1")],
    )
    .await;
    let going = api.post_ok(&format!("/api/v1/flows/{slow}/runs"), json!({"payload": {}}), 202).await;
    let (status, answer) = api.post(&format!("/api/v1/runs/{}/restart", going["runId"].as_str().unwrap()), json!({})).await;
    assert_eq!(status, 409, "{answer}");
    assert_eq!((runs_of(&api, &id).await, runs_of(&api, &slow).await), (1, 1), "no refused restart started a run");
}
