//! Error ports and For Each against the real server (issue 20): a failing step follows its
//! connected `error` port with the reason; nested loops post every inner item with its own
//! outer item; `parallel` bounds what the receiver sees in flight; a run killed mid-loop
//! delivers every item after the restart, a repeat only with the same `webhook-id`.

use std::{
    collections::{BTreeSet, HashMap},
    time::Duration,
};

use outflow_tests::{
    TestServer,
    api::{Api, eventually},
    flows::{Desk, desk, edge, import, record, run_and_wait, step, trigger, webhook},
    receiver::Receiver,
};
use serde_json::{Value, json};

fn for_each(id: &str, items: &str, parallel: u32) -> Value {
    step(id, "forEach", json!({"parallel": parallel}), json!({"items": items}))
}

fn bodies(receiver: &Receiver, path: &str) -> Vec<Value> {
    receiver.received().into_iter().filter(|request| request.path == path).map(|request| request.body).collect()
}

#[tokio::test]
async fn a_failing_step_follows_its_error_port_with_the_reason_and_the_run_goes_on() {
    let Desk { server, receiver, form, desk: endpoint, .. } = desk().await;
    let api = Api::new(&server);
    let id = import(
        &api,
        &form,
        "Caught",
        vec![
            trigger("t1", "status"),
            step("x1", "script", json!({"script": "throw new Error('the ticket system is down');"}), json!({})),
            webhook(&endpoint, "never", "/never", "{}"),
            webhook(&endpoint, "handled", "/handled", "{\"reason\": \"${x1.error}\"}"),
        ],
        vec![edge("t1", "out", "x1"), edge("x1", "out", "never"), edge("x1", "error", "handled")],
    )
    .await;
    let run = run_and_wait(&api, &id, json!({"payload": {"status": "active"}})).await;
    assert_eq!(run["status"], "succeeded", "a caught failure does not fail the run: {run}");
    let failed = record(&run, "x1");
    assert_eq!((failed["status"].as_str(), &failed["ports"]), (Some("failed"), &json!(["error"])));
    let reason = failed["error"].as_str().unwrap();
    assert!(reason.contains("the ticket system is down"), "{reason}");
    assert_eq!(bodies(&receiver, "/handled"), [json!({"reason": reason})], "${{x1.error}} holds the reason");
    assert!(bodies(&receiver, "/never").is_empty());
    assert_eq!(record(&run, "never")["status"], "skipped");

    // Unconnected, the same failure fails the run as before.
    let unhandled = import(
        &api,
        &form,
        "Unhandled",
        vec![trigger("t1", "status"), step("x1", "script", json!({"script": "throw new Error('down');"}), json!({}))],
        vec![edge("t1", "out", "x1")],
    )
    .await;
    let run = run_and_wait(&api, &unhandled, json!({"payload": {}})).await;
    assert_eq!(run["status"], "failed");
    assert!(run["reason"].as_str().unwrap().starts_with("\"x1\" failed: "), "{run}");
}

#[tokio::test]
async fn nested_for_each_posts_every_inner_item_with_its_own_outer_item() {
    let Desk { server, receiver, form, desk: endpoint, .. } = desk().await;
    let api = Api::new(&server);
    let id = import(
        &api,
        &form,
        "Nested",
        vec![
            trigger("t1", "status"),
            for_each("teams", "${t1.teams}", 1),
            for_each("members", "${teams.item.members}", 2),
            webhook(
                &endpoint,
                "w1",
                "/member",
                "{\"team\": \"${teams.item.name}\", \"t\": ${teams.index}, \"member\": \"${members.item}\", \"m\": ${members.index}}",
            ),
            webhook(&endpoint, "w2", "/team", "{\"team\": \"${teams.item.name}\", \"sent\": ${members.results}}"),
            webhook(&endpoint, "w3", "/all", "{\"teams\": ${teams.results}}"),
        ],
        vec![
            edge("t1", "out", "teams"),
            edge("teams", "each", "members"),
            edge("members", "each", "w1"),
            edge("members", "done", "w2"),
            edge("teams", "done", "w3"),
        ],
    )
    .await;
    let teams: Vec<Value> = ["red", "green", "blue"]
        .iter()
        .map(|team| json!({"name": team, "members": (0..4).map(|m| format!("{team}-{m}")).collect::<Vec<_>>()}))
        .collect();
    let run = run_and_wait(&api, &id, json!({"payload": {"teams": teams}})).await;
    assert_eq!(run["status"], "succeeded", "{}", run["reason"]);

    let posted: BTreeSet<(String, u64, String, u64)> = bodies(&receiver, "/member")
        .iter()
        .map(|body| {
            (body["team"].as_str().unwrap().into(), body["t"].as_u64().unwrap(), body["member"].as_str().unwrap().into(), body["m"].as_u64().unwrap())
        })
        .collect();
    let expected: BTreeSet<(String, u64, String, u64)> = ["red", "green", "blue"]
        .iter()
        .enumerate()
        .flat_map(|(t, team)| (0..4).map(move |m| (team.to_string(), t as u64, format!("{team}-{m}"), m)))
        .collect();
    assert_eq!(bodies(&receiver, "/member").len(), 12);
    assert_eq!(posted, expected, "every inner item with its own index and its outer item");
    let per_team: Vec<(String, usize)> =
        bodies(&receiver, "/team").iter().map(|body| (body["team"].as_str().unwrap().into(), body["sent"].as_array().unwrap().len())).collect();
    assert_eq!(per_team, [("red".to_string(), 4), ("green".into(), 4), ("blue".into(), 4)], "after the inner loop the outer item is still its own");
    assert_eq!(bodies(&receiver, "/all")[0]["teams"].as_array().map(Vec::len), Some(3));
    let inner = &record(&run, "w1")["iterations"];
    assert_eq!((inner["ran"].as_u64(), inner["failed"].as_u64()), (Some(12), Some(0)), "{inner}");
    assert_eq!(run["attemptCount"], 1 + 3 + 12 + 3 + 1, "the step count counts every iteration's steps");
}

#[tokio::test]
async fn parallel_five_over_fifty_items_never_has_more_than_five_in_flight() {
    let Desk { server, receiver, form, desk: endpoint, .. } = desk().await;
    let api = Api::new(&server);
    receiver.answer_after(Duration::from_millis(150));
    let id = import(
        &api,
        &form,
        "Parallel",
        vec![trigger("t1", "status"), for_each("fe", "${t1.items}", 5), webhook(&endpoint, "w1", "/item", "{\"item\": ${fe.item}}")],
        vec![edge("t1", "out", "fe"), edge("fe", "each", "w1")],
    )
    .await;
    let run = run_and_wait(&api, &id, json!({"payload": {"items": (0..50).collect::<Vec<u32>>()}})).await;
    assert_eq!(run["status"], "succeeded", "{}", run["reason"]);
    let items: BTreeSet<u64> = bodies(&receiver, "/item").iter().map(|body| body["item"].as_u64().unwrap()).collect();
    assert_eq!(items, (0..50).collect(), "every item once");
    assert_eq!(receiver.peak_in_flight(), 5, "five at a time, never more");
    let results = record(&run, "fe")["outputs"]["results"].as_array().unwrap().clone();
    assert_eq!(results.len(), 50);
    assert!(results.iter().all(|result| result["statusCode"] == 200), "each iteration's last output, in item order");
}

#[tokio::test]
async fn a_run_killed_mid_loop_delivers_every_item_after_the_restart() {
    let Desk { server, receiver, form, desk: endpoint, .. } = desk().await;
    let api = Api::new(&server);
    receiver.answer_after(Duration::from_millis(200));
    let id = import(
        &api,
        &form,
        "Crash",
        vec![trigger("t1", "status"), for_each("fe", "${t1.items}", 2), webhook(&endpoint, "w1", "/item", "{\"item\": ${fe.item}}")],
        vec![edge("t1", "out", "fe"), edge("fe", "each", "w1")],
    )
    .await;
    let started = api.post_ok(&format!("/api/v1/flows/{id}/runs"), json!({"payload": {"items": (0..20).collect::<Vec<u32>>()}}), 202).await;
    let run_id = started["runId"].as_str().unwrap().to_string();
    eventually(Duration::from_secs(10), || async { (bodies(&receiver, "/item").len() >= 6).then_some(()) }).await.expect("the loop is under way");
    let data_dir = server.crash();
    let before = bodies(&receiver, "/item").len();
    assert!(before < 20, "killed mid-loop");

    receiver.answer_after(Duration::ZERO);
    let server = TestServer::start_in(data_dir);
    let api = Api::new(&server);
    let run = eventually(Duration::from_secs(20), || async {
        let (_, run) = api.get(&format!("/api/v1/runs/{run_id}")).await;
        (run["status"] == "succeeded").then_some(run)
    })
    .await
    .expect("the resumed run ends");
    let mut ids_per_item: HashMap<u64, BTreeSet<String>> = HashMap::new();
    for request in receiver.received().into_iter().filter(|request| request.path == "/item") {
        let id = request.headers["webhook-id"].to_str().unwrap().to_string();
        ids_per_item.entry(request.body["item"].as_u64().unwrap()).or_default().insert(id);
    }
    assert_eq!(ids_per_item.keys().copied().collect::<BTreeSet<_>>(), (0..20).collect(), "no item lost");
    assert!(ids_per_item.values().all(|ids| ids.len() == 1), "a repeat carries its item's webhook-id: {ids_per_item:?}");
    let distinct: BTreeSet<&String> = ids_per_item.values().flatten().collect();
    assert_eq!(distinct.len(), 20, "each item has its own webhook-id");
    assert!(bodies(&receiver, "/item").len() <= 20 + 2, "at most the two in flight were sent again");
    assert_eq!(record(&run, "fe")["outputs"]["results"].as_array().map(Vec::len), Some(20));
}
