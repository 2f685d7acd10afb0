//! Scripts that call back into Outflow (the built-in `Outflow` endpoint) act with the rights
//! of the user who started the alert: a responder's alert cannot create a workflow, and the
//! run says which right was missing; an admin's alert can.

use std::time::Duration;

use outflow_tests::{
    TestServer,
    api::{Api, eventually},
};
use serde_json::{Value, json};

const SCRIPT: &str = r#"
var reply = http.request({endpoint: 'Outflow', method: 'POST', path: '/api/v1/workflows'})
  .write(JSON.stringify({name: 'Made by alert ' + payload.eventIdentifier}));
console.log('created with status ' + reply.statusCode);
"#;

async fn finished_run(api: &Api<'_>, alert: i64) -> Value {
    let id = eventually(Duration::from_secs(15), || async {
        let (_, page) = api.get(&format!("/api/v1/runs?eventIdentifier={alert}")).await;
        let run = page["items"].as_array()?.iter().find(|run| matches!(run["status"].as_str(), Some("succeeded" | "failed")))?.clone();
        Some(run["id"].as_str()?.to_string())
    })
    .await
    .unwrap_or_else(|| panic!("a finished run for alert {alert}"));
    api.get(&format!("/api/v1/runs/{id}")).await.1
}

#[tokio::test]
async fn a_script_calling_outflow_has_exactly_the_rights_of_the_alerts_initiator() {
    let server = TestServer::start();
    let admin = Api::new(&server);
    let workflow = admin.post_ok("/api/v1/workflows", json!({"name": "Self calls"}), 201).await;
    let wf = workflow["id"].as_str().unwrap();
    let form = admin
        .post_ok(&format!("/api/v1/workflows/{wf}/forms"), json!({"name": "Incident", "enabled": true, "properties": [], "responses": []}), 201)
        .await;
    let form_id = form["id"].as_str().unwrap();
    admin
        .post_ok(
            "/api/v1/integrations",
            json!({"formId": form_id, "name": "Open a workflow", "trigger": "status", "action": {"type": "script", "script": SCRIPT}}),
            201,
        )
        .await;
    admin.post_ok("/api/v1/users", json!({"targetName": "rita", "roles": ["responder"]}), 201).await;
    admin.post_ok("/api/v1/users/rita/devices", json!({"name": "Mail", "kind": "email", "address": "rita@example.com"}), 201).await;
    assert_eq!(admin.put(&format!("/api/v1/workflows/{wf}/members"), json!({"members": ["rita"]})).await.0, 200);
    let rita_key = admin.post_ok("/api/v1/users/rita/api-keys", json!({"name": "pager"}), 201).await;
    let rita = Api::with_key(&server, rita_key["key"].as_str().unwrap());

    let body = json!({"formId": form_id, "properties": {}, "recipients": ["rita"], "priority": "HIGH"});
    let ritas = rita.post_ok("/api/v1/alerts", body.clone(), 201).await["eventIdentifier"].as_i64().unwrap();
    let refused = finished_run(&admin, ritas).await;
    assert_eq!(refused["status"], "failed", "{refused}");
    let reason = refused["reason"].as_str().unwrap_or_default().to_string() + &refused["attempts"].to_string();
    assert!(
        reason.contains("Outflow refused POST /api/v1/workflows acting as rita: This needs the developer role; rita has the responder role."),
        "the run names the missing right: {refused}"
    );

    let admins = admin.post_ok("/api/v1/alerts", body, 201).await["eventIdentifier"].as_i64().unwrap();
    let allowed = finished_run(&admin, admins).await;
    assert_eq!(allowed["status"], "succeeded", "{allowed}");
    assert!(allowed["logs"].to_string().contains("created with status 201"), "{allowed}");
    let (_, workflows) = admin.get("/api/v1/workflows").await;
    let names: Vec<&str> = workflows.as_array().unwrap().iter().filter_map(|w| w["name"].as_str()).collect();
    assert!(names.contains(&format!("Made by alert {admins}").as_str()), "{names:?}");
    assert!(!names.contains(&format!("Made by alert {ritas}").as_str()), "rita's alert created nothing");
}
