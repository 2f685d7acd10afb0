//! Scripts that call back into Outflow (the built-in `Outflow` endpoint) act for the user who
//! started the alert, with borrowed rights: never more than that user's nor than those of
//! whoever last saved the script, only on the script's own workflow, and never people, API
//! keys, passwords, agents or the audit log. A refused call fails the script with the reason.

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

/// Tries what an admin may do, from a script a developer saved; logs each answer.
const GRAB: &str = r#"
function attempt(what, method, path, body) {
  try {
    var reply = http.request({endpoint: 'Outflow', method: method, path: path}).write(JSON.stringify(body));
    console.log(what + ': ' + reply.statusCode);
  } catch (e) {
    console.log(what + ': ' + e.message);
  }
}
attempt('key', 'POST', '/api/v1/users/admin/api-keys', {name: 'stolen'});
attempt('password', 'PUT', '/api/v1/users/admin/password', {password: 'owned by a script'});
attempt('audit', 'GET', '/api/v1/audit');
attempt('members', 'PUT', '/api/v1/workflows/' + constants['Other'] + '/members', {members: ['dave']});
attempt('other', 'GET', '/api/v1/workflows/' + constants['Other']);
attempt('user', 'POST', '/api/v1/users', {targetName: 'mallory', roles: ['admin']});
attempt('comment', 'POST', '/api/v1/alerts/' + payload.eventIdentifier + '/comments', {author: 'admin', comment: 'from the script'});
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
async fn a_script_calling_outflow_never_exceeds_the_alerts_initiator() {
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
    assert!(reason.contains("Outflow refused POST /api/v1/workflows acting as rita: "), "the run names the refusal: {refused}");
    let (_, workflows) = admin.get("/api/v1/workflows").await;
    assert_eq!(workflows.as_array().unwrap().len(), 1, "nothing was created: {workflows}");
}

#[tokio::test]
async fn a_developers_script_on_an_admins_alert_cannot_take_the_admins_rights() {
    let server = TestServer::start();
    let admin = Api::new(&server);
    let wf = admin.workflow("Team").await;
    let other = admin.workflow("Other team").await;
    let form = admin.form(&wf, json!({"name": "Incident", "enabled": true, "properties": [], "responses": []})).await;
    admin.post_ok("/api/v1/users", json!({"targetName": "dave", "roles": ["developer"]}), 201).await;
    assert_eq!(admin.put(&format!("/api/v1/workflows/{wf}/members"), json!({"members": ["dave"]})).await.0, 200);
    let dave_key = admin.post_ok("/api/v1/users/dave/api-keys", json!({"name": "laptop"}), 201).await;
    let dave = Api::with_key(&server, dave_key["key"].as_str().unwrap());
    dave.post_ok(&format!("/api/v1/workflows/{wf}/constants"), json!({"name": "Other", "text": other}), 201).await;
    let integration = json!({"formId": form, "name": "Grab", "trigger": "status", "action": {"type": "script", "script": GRAB}});
    dave.post_ok("/api/v1/integrations", integration, 201).await;

    let alert = admin.post_ok("/api/v1/alerts", json!({"formId": form, "recipients": ["admin"]}), 201).await["eventIdentifier"].as_i64().unwrap();
    let run = finished_run(&admin, alert).await;
    let logs: Vec<String> = run["logs"].as_array().unwrap().iter().map(|line| line["line"].as_str().unwrap().to_string()).collect();
    let said =
        |what: &str| logs.iter().find(|line| line.starts_with(&format!("{what}: "))).cloned().unwrap_or_else(|| panic!("no {what} line in {logs:?}"));
    // Refused either for the admin role the developer who saved it lacks, or because no
    // script may touch people, keys, passwords, members or the audit log at all.
    for what in ["key", "password", "audit", "members", "user"] {
        let line = said(what);
        assert!(line.contains("Outflow refused") && line.to_lowercase().contains("a script or flow acting for admin"), "{line}");
    }
    assert!(said("key").contains("may not manage people"), "even were the saver an admin: {}", said("key"));
    assert!(said("other").contains("404"), "another workflow does not exist for the script: {}", said("other"));
    assert_eq!(said("comment"), "comment: 201", "its own workflow's alert is within reach");
    let (_, keys) = admin.get("/api/v1/users/admin/api-keys").await;
    assert_eq!(keys.as_array().unwrap().len(), 1, "no key was minted: {keys}");
    assert_eq!(admin.get("/api/v1/users/mallory").await.0, 404);
}
