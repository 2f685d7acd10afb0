//! Trust boundaries between teams: one regression test per hole the operations layer closed
//! (another workflow's alerts and runs, comments and responses "as" someone else, an
//! endpoint's secret following it to a new host).

use std::time::Duration;

use outflow_tests::{
    TestServer,
    api::{Api, eventually},
    receiver::Receiver,
};
use serde_json::{Value, json};

/// Workflows A and B with a form each; an alert of A; callers who are members of B only.
struct Teams<'a> {
    admin: Api<'a>,
    form_a: String,
    alert_a: i64,
    viewer_b: Api<'a>,
    responder_b: Api<'a>,
}

async fn user(admin: &Api<'_>, name: &str, role: &str) -> String {
    admin.post_ok("/api/v1/users", json!({"targetName": name, "roles": [role]}), 201).await;
    admin
        .post_ok(&format!("/api/v1/users/{name}/devices"), json!({"name": "Mail", "kind": "email", "address": format!("{name}@example.com")}), 201)
        .await;
    admin.post_ok(&format!("/api/v1/users/{name}/api-keys"), json!({"name": "k"}), 201).await["key"].as_str().unwrap().to_string()
}

async fn teams(server: &TestServer) -> Teams<'_> {
    let admin = Api::new(server);
    let (a, b) = (admin.workflow("A").await, admin.workflow("B").await);
    let form = json!({"name": "Incident", "enabled": true, "properties": [], "responses": [{"choice": "Acknowledge", "action": "none"}]});
    let form_a = admin.form(&a, form.clone()).await;
    admin.form(&b, form).await;
    let viewer = user(&admin, "vera", "viewer").await;
    let responder = user(&admin, "rob", "responder").await;
    user(&admin, "ann", "responder").await;
    assert_eq!(admin.put(&format!("/api/v1/workflows/{a}/members"), json!({"members": ["ann"]})).await.0, 200);
    assert_eq!(admin.put(&format!("/api/v1/workflows/{b}/members"), json!({"members": ["vera", "rob"]})).await.0, 200);
    let alert_a =
        admin.post_ok("/api/v1/alerts", json!({"formId": form_a, "recipients": ["ann", "rob"]}), 201).await["eventIdentifier"].as_i64().unwrap();
    Teams { viewer_b: Api::with_key(server, &viewer), responder_b: Api::with_key(server, &responder), admin, form_a, alert_a }
}

#[tokio::test]
async fn another_workflows_alerts_and_runs_are_not_found_nor_listed() {
    let server = TestServer::start();
    let teams = teams(&server).await;
    let alert = teams.alert_a;
    let (status, answer) = teams.viewer_b.get(&format!("/api/v1/alerts/{alert}")).await;
    assert_eq!(status, 404, "{answer}");
    assert_eq!(answer["error"]["message"], format!("No alert with eventIdentifier {alert}."));
    let (_, listing) = teams.viewer_b.get("/api/v1/alerts").await;
    assert_eq!((listing["total"].clone(), listing["items"].clone()), (json!(0), json!([])), "{listing}");
    let (_, own) = teams.admin.get("/api/v1/alerts").await;
    assert_eq!(own["total"], 1, "the admin sees it");

    let receiver = Receiver::start().await;
    let admin = &teams.admin;
    let (_, workflows) = admin.get("/api/v1/workflows").await;
    let a = workflows.as_array().unwrap().iter().find(|workflow| workflow["name"] == "A").unwrap()["id"].clone();
    let endpoint = admin.endpoint(a.as_str().unwrap(), "Sink", &receiver.url("")).await;
    let integration =
        json!({"formId": teams.form_a, "name": "Comments", "trigger": "comment", "action": {"type": "webhook", "endpointId": endpoint}});
    admin.post_ok("/api/v1/integrations", integration, 201).await;
    admin.post_ok(&format!("/api/v1/alerts/{alert}/comments"), json!({"author": "admin", "comment": "hi"}), 201).await;
    let run = eventually(Duration::from_secs(15), || async { admin.get("/api/v1/runs").await.1["items"][0]["id"].as_str().map(str::to_string) })
        .await
        .expect("the comment starts a run of workflow A");
    let (_, runs) = teams.viewer_b.get("/api/v1/runs").await;
    assert_eq!((runs["total"].clone(), runs["items"].clone()), (json!(0), json!([])), "{runs}");
    let (status, answer) = teams.viewer_b.get(&format!("/api/v1/runs/{run}")).await;
    assert_eq!(status, 404, "{answer}");
}

#[tokio::test]
async fn a_responder_of_another_workflow_cannot_act_on_an_alert() {
    let server = TestServer::start();
    let teams = teams(&server).await;
    let alert = teams.alert_a;
    let rob = &teams.responder_b;
    let attempts: [(&str, Value); 4] = [
        ("status", json!({"status": "SUSPENDED"})),
        ("comments", json!({"author": "rob", "comment": "mine now"})),
        ("responses", json!({"recipient": "rob", "response": "Acknowledge"})),
        ("escalations", json!({})),
    ];
    for (what, body) in attempts {
        let (status, answer) = rob.post(&format!("/api/v1/alerts/{alert}/{what}"), body).await;
        assert_eq!(status, 404, "{what}: {answer}");
    }
    let (_, after) = teams.admin.get(&format!("/api/v1/alerts/{alert}")).await;
    assert_eq!(after["status"], "ACTIVE");
    assert_eq!((after["comments"].clone(), after["responses"].clone()), (json!([]), json!([])), "nothing changed: {after}");
}

#[tokio::test]
async fn comments_and_responses_are_the_callers_own_unless_an_admin_posts_on_someones_behalf() {
    let server = TestServer::start();
    let teams = teams(&server).await;
    let alert = teams.alert_a;
    let ann_key = teams.admin.post_ok("/api/v1/users/ann/api-keys", json!({"name": "second"}), 201).await;
    let ann = Api::with_key(&server, ann_key["key"].as_str().unwrap());

    let (status, refused) = ann.post(&format!("/api/v1/alerts/{alert}/comments"), json!({"author": "admin", "comment": "forged"})).await;
    assert_eq!(status, 403, "{refused}");
    assert!(refused["error"]["message"].as_str().unwrap().contains("only as yourself (ann), not as \"admin\""), "{refused}");
    let (status, refused) = ann.post(&format!("/api/v1/alerts/{alert}/responses"), json!({"recipient": "rob", "response": "Acknowledge"})).await;
    assert_eq!(status, 403, "{refused}");

    ann.post_ok(&format!("/api/v1/alerts/{alert}/comments"), json!({"author": "ann", "comment": "on it"}), 201).await;
    teams.admin.post_ok(&format!("/api/v1/alerts/{alert}/comments"), json!({"author": "rob", "comment": "rob said so by phone"}), 201).await;
    teams.admin.post_ok(&format!("/api/v1/alerts/{alert}/responses"), json!({"recipient": "rob", "response": "Acknowledge"}), 201).await;
    let (_, after) = teams.admin.get(&format!("/api/v1/alerts/{alert}")).await;
    let comments = after["comments"].as_array().unwrap();
    assert_eq!(comments.len(), 2, "only the allowed comments: {after}");
    assert_eq!((comments[0]["author"].clone(), comments[0].get("postedBy").cloned()), (json!("ann"), None));
    assert_eq!((comments[1]["author"].clone(), comments[1]["postedBy"].clone()), (json!("rob"), json!("admin")));
    assert_eq!((after["responses"][0]["recipient"].clone(), after["responses"][0]["postedBy"].clone()), (json!("rob"), json!("admin")));
}

#[tokio::test]
async fn an_endpoint_moved_to_another_host_needs_its_secrets_again() {
    let server = TestServer::start();
    let admin = Api::new(&server);
    let receiver = Receiver::start().await;
    let workflow = admin.workflow("Tickets").await;
    let body = json!({"workflowId": workflow, "name": "Desk", "baseUrl": receiver.url("/api"), "auth": {"type": "bearer", "token": "t0p-secret"}});
    let endpoint = admin.post_ok("/api/v1/endpoints", body, 201).await;
    let id = endpoint["id"].as_str().unwrap();

    let elsewhere = receiver.url("/other");
    for patch in [json!({"baseUrl": elsewhere}), json!({"baseUrl": elsewhere, "auth": {"type": "bearer", "token": "********"}})] {
        let (status, refused) = admin.patch(&format!("/api/v1/endpoints/{id}"), patch.clone()).await;
        assert_eq!(status, 422, "{patch}: {refused}");
        assert!(refused["error"]["message"].as_str().unwrap().contains("auth.token"), "{refused}");
        assert_eq!(refused["error"]["details"]["fields"], json!(["auth.token"]));
    }
    let (_, unchanged) = admin.get(&format!("/api/v1/endpoints/{id}")).await;
    assert_eq!(unchanged["baseUrl"], receiver.url("/api"), "nothing changed");

    let (status, renamed) =
        admin.patch(&format!("/api/v1/endpoints/{id}"), json!({"name": "Help desk", "auth": {"type": "bearer", "token": "********"}})).await;
    assert_eq!(status, 200, "staying put keeps the masked secret: {renamed}");
    let moved = json!({"baseUrl": elsewhere, "auth": {"type": "bearer", "token": "new-secret"}});
    let (status, moved) = admin.patch(&format!("/api/v1/endpoints/{id}"), moved).await;
    assert_eq!((status, moved["baseUrl"].clone()), (200, json!(elsewhere)), "{moved}");
}

#[tokio::test]
async fn a_flow_that_starts_itself_through_the_alerts_it_creates_stops_with_a_reason() {
    let server = TestServer::start();
    let admin = Api::new(&server);
    let workflow = admin.workflow("Loops").await;
    let form = admin.form(&workflow, json!({"name": "Incident", "enabled": true, "properties": [], "responses": []})).await;
    admin.flows_only(&form, "status").await;
    let blocks = json!([
        {"id": "t1", "kind": "trigger", "trigger": "status", "position": {"x": 0, "y": 0}},
        {"id": "again", "kind": "step", "step": "create_alert", "label": "Again", "settings": {"formId": form}, "inputs": {"recipients": "admin"},
         "position": {"x": 200, "y": 0}},
    ]);
    let edges = json!([{"from": "t1", "fromPort": "out", "to": "again", "toPort": "in"}]);
    let flow = admin.post_ok("/api/v1/flows/import", json!({"name": "Echo", "formId": form, "blocks": blocks, "edges": edges}), 201).await;
    let flow = flow["id"].as_str().unwrap();
    admin.post_ok("/api/v1/alerts", json!({"formId": form, "recipients": ["admin"]}), 201).await;

    let refused = eventually(Duration::from_secs(30), || async {
        let (_, page) = admin.get(&format!("/api/v1/runs?flowId={flow}&status=failed")).await;
        page["items"].as_array()?.first().cloned()
    })
    .await
    .expect("the chain is cut with a failed run");
    assert!(refused["reason"].as_str().unwrap().contains("number 10 in a chain of flows and scripts"), "{refused}");
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (_, alerts) = admin.get("/api/v1/alerts").await;
    assert_eq!(alerts["total"], 10, "the person's alert and nine made by the flow, then no more");
    let (_, runs) = admin.get(&format!("/api/v1/runs?flowId={flow}")).await;
    assert_eq!(runs["total"], 10, "nine runs and the refused one: {runs}");
}
