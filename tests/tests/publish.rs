//! Draft and publish against the real server (issue 18): a save is a draft that runs
//! nothing; Publish makes it the version that runs; Roll back runs an earlier published
//! version again; an import runs at once. Webhook steps post to a loopback receiver, so
//! "which version ran" is what the receiver got.

use std::time::Duration;

use outflow_tests::{
    TestServer,
    api::{Api, eventually},
    receiver::Receiver,
};
use serde_json::{Value, json};

struct Setup {
    form: String,
    endpoint: String,
}

/// Workflow "Ops" with form "Incident" (an integration on its status trigger, so the
/// trigger is in use), user `bob` with an email device, and endpoint "Desk" at the receiver.
async fn start(server: &TestServer, receiver: &Receiver) -> Setup {
    let api = Api::new(server);
    let workflow = api.workflow("Ops").await;
    let form = api.form(&workflow, json!({"name": "Incident", "properties": [{"name": "number", "type": "text", "includeInOutbound": true}]})).await;
    api.user_with_email("bob", "Bob", "Ray").await;
    let endpoint = api.endpoint(&workflow, "Desk", &receiver.url("")).await;
    let integration = json!({"formId": form, "name": "Status hook", "trigger": "status", "action": {"type": "webhook", "endpointId": endpoint, "path": "/integration"}});
    api.post_ok("/api/v1/integrations", integration, 201).await;
    Setup { form, endpoint }
}

/// A status trigger posting `body` to `/flow`.
fn graph(setup: &Setup, body: &str) -> (Value, Value) {
    let blocks = json!([
        {"id": "t1", "kind": "trigger", "trigger": "status", "position": {"x": 0, "y": 0}},
        {"id": "w1", "kind": "step", "step": "webhook", "label": "Post", "position": {"x": 300, "y": 0},
         "settings": {"endpointId": setup.endpoint, "method": "POST", "path": "/flow"}, "inputs": {"body": body}},
    ]);
    (blocks, json!([{"from": "t1", "fromPort": "out", "to": "w1", "toPort": "in"}]))
}

/// Saves `body`'s graph over the flow's newest version; answers the saved flow.
async fn save(api: &Api<'_>, setup: &Setup, id: &str, body: &str) -> Value {
    let (_, current) = api.get(&format!("/api/v1/flows/{id}")).await;
    let (blocks, edges) = graph(setup, body);
    let (status, saved) = api
        .put(&format!("/api/v1/flows/{id}"), json!({"baseVersion": current["version"], "name": current["name"], "blocks": blocks, "edges": edges}))
        .await;
    assert_eq!(status, 200, "{saved}");
    saved
}

/// What the flow's webhook received, in order.
fn flow_bodies(receiver: &Receiver) -> Vec<String> {
    receiver.received().into_iter().filter(|request| request.path == "/flow").map(|request| request.raw).collect()
}

/// Starts an alert and waits until the flow's webhook got `count` requests in all.
async fn alert_reaching(api: &Api<'_>, setup: &Setup, receiver: &Receiver, count: usize) -> Vec<String> {
    api.post_ok("/api/v1/alerts", json!({"formId": setup.form, "properties": {"number": "N-1"}, "recipients": ["bob"]}), 201).await;
    eventually(Duration::from_secs(15), || async { (flow_bodies(receiver).len() >= count).then(|| flow_bodies(receiver)) })
        .await
        .unwrap_or_else(|| panic!("the flow posts {count} times: {:?}", flow_bodies(receiver)))
}

fn versions(flow: &Value) -> (Value, Value, Value) {
    (flow["version"].clone(), flow["publishedVersion"].clone(), flow["draftVersion"].clone())
}

#[tokio::test]
async fn a_draft_runs_nothing_until_published_and_roll_back_runs_an_earlier_version_again() {
    let server = TestServer::start();
    let receiver = Receiver::start().await;
    let setup = start(&server, &receiver).await;
    let api = Api::new(&server);

    let (blocks, edges) = graph(&setup, "one");
    let imported = api.post_ok("/api/v1/flows/import", json!({"name": "Post", "formId": setup.form, "blocks": blocks, "edges": edges}), 201).await;
    let id = imported["id"].as_str().unwrap().to_string();
    assert_eq!(versions(&imported), (json!(1), json!(1), Value::Null), "an import runs at once");

    let draft = save(&api, &setup, &id, "two").await;
    assert_eq!(versions(&draft), (json!(2), json!(1), json!(2)), "a save is a draft");
    assert_eq!(alert_reaching(&api, &setup, &receiver, 1).await, ["one"], "the running version is unchanged");
    let (_, page) = api.get(&format!("/api/v1/runs?flowId={id}")).await;
    let first_run = page["items"][0]["id"].as_str().unwrap().to_string();
    let (_, run) = api.get(&format!("/api/v1/runs/{first_run}")).await;
    assert_eq!(run["flow"]["flowVersion"], 1, "a run names the version it ran");

    let published = api.post_ok(&format!("/api/v1/flows/{id}/publish"), json!({}), 200).await;
    assert_eq!(published, json!({"version": 2}));
    let (_, flow) = api.get(&format!("/api/v1/flows/{id}")).await;
    assert_eq!(versions(&flow), (json!(2), json!(2), Value::Null));
    assert_eq!(api.post_ok(&format!("/api/v1/flows/{id}/publish"), json!({}), 200).await, json!({"version": 2}), "publishing again changes nothing");
    assert_eq!(alert_reaching(&api, &setup, &receiver, 2).await, ["one", "two"], "the next run uses the published version");

    // A re-run of a real run runs what is published now.
    let rerun = api.post_ok(&format!("/api/v1/runs/{first_run}/rerun"), json!({}), 201).await;
    assert_eq!(rerun["flow"]["flowVersion"], 2, "{rerun}");
    eventually(Duration::from_secs(15), || async { (flow_bodies(&receiver).len() == 3).then_some(()) }).await.expect("the re-run posts");
    assert_eq!(flow_bodies(&receiver)[2], "two");

    let third = save(&api, &setup, &id, "three").await;
    assert_eq!(versions(&third), (json!(3), json!(2), json!(3)));
    let rolled_back = api.post_ok(&format!("/api/v1/flows/{id}/rollback"), json!({"version": 1}), 200).await;
    assert_eq!(rolled_back, json!({"version": 1}));
    let (_, flow) = api.get(&format!("/api/v1/flows/{id}")).await;
    assert_eq!(versions(&flow), (json!(3), json!(1), json!(3)), "rolling back leaves the draft alone");
    assert_eq!(flow["blocks"][1]["inputs"]["body"], "three", "the flow shows its draft");
    assert_eq!(alert_reaching(&api, &setup, &receiver, 4).await[3], "one", "version 1 runs again");

    // Only a version that ran before can be rolled back to; a refusal changes nothing.
    let (status, body) = api.post(&format!("/api/v1/flows/{id}/rollback"), json!({"version": 3})).await;
    assert_eq!(status, 422, "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("Version 3 was never published"), "{body}");
    let (status, body) = api.post(&format!("/api/v1/flows/{id}/rollback"), json!({"version": 99})).await;
    assert_eq!(status, 404, "{body}");
    let (status, body) = api.post(&format!("/api/v1/flows/{id}/rollback"), json!({"version": "one"})).await;
    assert_eq!(status, 422, "{body}");
    let (_, flow) = api.get(&format!("/api/v1/flows/{id}")).await;
    assert_eq!(versions(&flow), (json!(3), json!(1), json!(3)));

    // The history says which versions ran, when, how and by whom.
    let (_, history) = api.get(&format!("/api/v1/flows/{id}/versions")).await;
    let ran = |version: i64| -> Vec<(String, String)> {
        let entry = history.as_array().unwrap().iter().find(|entry| entry["version"] == version).unwrap();
        entry["publications"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| (p["how"].as_str().unwrap().into(), p["publishedBy"].as_str().unwrap().into()))
            .collect()
    };
    assert_eq!(ran(1), [("imported".to_string(), "admin".to_string()), ("rolledBack".into(), "admin".into())]);
    assert_eq!(ran(2), [("published".to_string(), "admin".to_string())]);
    assert!(ran(3).is_empty());
    let (_, listing) = api.get("/api/v1/flows").await;
    assert_eq!((listing[0]["publishedVersion"].clone(), listing[0]["draftVersion"].clone()), (json!(1), json!(3)));
}

#[tokio::test]
async fn a_flow_made_in_the_designer_starts_only_once_published() {
    let server = TestServer::start();
    let receiver = Receiver::start().await;
    let setup = start(&server, &receiver).await;
    let api = Api::new(&server);

    let created = api.post_ok("/api/v1/flows", json!({"formId": setup.form, "name": "New"}), 201).await;
    let id = created["id"].as_str().unwrap().to_string();
    assert_eq!(versions(&created), (json!(1), Value::Null, json!(1)));
    save(&api, &setup, &id, "draft").await;

    let (status, refused) = api.post(&format!("/api/v1/flows/{id}/runs"), json!({"trigger": "t1", "payload": {}})).await;
    assert_eq!(status, 409, "{refused}");
    assert!(refused["error"]["message"].as_str().unwrap().contains("never been published"), "{refused}");
    // An alert's status event starts nothing (its integration does post).
    api.post_ok("/api/v1/alerts", json!({"formId": setup.form, "properties": {"number": "N-1"}, "recipients": ["bob"]}), 201).await;
    eventually(Duration::from_secs(10), || async { receiver.received().iter().any(|request| request.path == "/integration").then_some(()) })
        .await
        .expect("the integration posts");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(flow_bodies(&receiver).is_empty(), "an unpublished flow does not start from its trigger");

    // The designer's test runs the draft.
    let test = api.post_ok(&format!("/api/v1/flows/{id}/test"), json!({"trigger": "t1", "payload": {"properties": {}}}), 202).await;
    assert!(test["runId"].is_string(), "{test}");
    eventually(Duration::from_secs(15), || async { (flow_bodies(&receiver) == ["draft"]).then_some(()) }).await.expect("the test posts the draft");

    api.post_ok(&format!("/api/v1/flows/{id}/publish"), json!({}), 200).await;
    assert_eq!(alert_reaching(&api, &setup, &receiver, 2).await, ["draft", "draft"], "published, it starts from its trigger");
}
