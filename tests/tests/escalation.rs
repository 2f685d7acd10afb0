//! Group escalation (SPEC §2): a group notifies its first member, escalates to the next
//! when nobody answers in time (`TIMEOUT`) or by hand (`MANUAL`), and its timers survive a
//! restart without firing twice.

use std::time::Duration;

use outflow_tests::{
    TestServer,
    api::{Api, eventually},
};
use serde_json::{Value, json};

/// A form, three on-call users with email devices, and group `dba` of them in order.
async fn on_call_setup(api: &Api<'_>, escalation_seconds: u32) -> String {
    let workflow = api.post_ok("/api/v1/workflows", json!({"name": "Ops"}), 201).await;
    let form = api
        .post_ok(
            &format!("/api/v1/workflows/{}/forms", workflow["id"].as_str().unwrap()),
            json!({"name": "Page", "responses": [{"choice": "Acknowledge", "action": "none"}, {"choice": "Escalate", "action": "escalate"}]}),
            201,
        )
        .await;
    for name in ["ann", "ben", "cat"] {
        api.post_ok("/api/v1/users", json!({"targetName": name, "firstName": name}), 201).await;
        api.post_ok(
            &format!("/api/v1/users/{name}/devices"),
            json!({"name": "Work Email", "kind": "email", "address": format!("{name}@example.com")}),
            201,
        )
        .await;
    }
    api.post_ok("/api/v1/groups", json!({"targetName": "dba", "members": ["ann", "ben", "cat"], "escalationSeconds": escalation_seconds}), 201).await;
    form["id"].as_str().unwrap().to_string()
}

async fn page_group(api: &Api<'_>, form: &str) -> i64 {
    let alert = api.post_ok("/api/v1/alerts", json!({"formId": form, "recipients": ["dba"]}), 201).await;
    alert["eventIdentifier"].as_i64().unwrap()
}

async fn notified(api: &Api<'_>, alert: i64) -> Vec<String> {
    let (_, alert) = api.get(&format!("/api/v1/alerts/{alert}")).await;
    alert["notifications"].as_array().unwrap().iter().map(|n| n["recipient"].as_str().unwrap().to_string()).collect()
}

async fn escalations_reaching(api: &Api<'_>, alert: i64, count: usize, within: Duration) -> Vec<Value> {
    eventually(within, || async {
        let events = api.events(alert, "escalation").await;
        (events.len() >= count).then_some(events)
    })
    .await
    .unwrap_or_else(|| panic!("{count} escalation events on alert {alert}"))
}

#[tokio::test]
async fn nobody_answering_escalates_to_the_next_member_after_the_delay() {
    let server = TestServer::start();
    let api = Api::new(&server);
    let form = on_call_setup(&api, 1).await;
    let alert = page_group(&api, &form).await;
    assert_eq!(notified(&api, alert).await, ["ann"], "a group first notifies its first member");

    let events = escalations_reaching(&api, alert, 1, Duration::from_secs(5)).await;
    assert_eq!(
        events[0]["fields"],
        json!({
            "group": {"targetName": "dba"}, "shift": "Default Shift", "reason": "No response within 1 seconds",
            "escalatedBy": null, "escalationType": "TIMEOUT", "from": ["ann"], "to": ["ben"]
        })
    );
    assert_eq!(notified(&api, alert).await, ["ann", "ben"]);
    let events = escalations_reaching(&api, alert, 2, Duration::from_secs(5)).await;
    assert_eq!(events[1]["fields"]["to"], json!(["cat"]));
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(api.events(alert, "escalation").await.len(), 2, "nobody is left after the last member");
}

#[tokio::test]
async fn a_response_from_the_current_member_stops_the_escalation() {
    let server = TestServer::start();
    let api = Api::new(&server);
    let form = on_call_setup(&api, 1).await;
    let alert = page_group(&api, &form).await;
    api.post_ok(&format!("/api/v1/alerts/{alert}/responses"), json!({"recipient": "ann", "response": "Acknowledge"}), 201).await;
    tokio::time::sleep(Duration::from_millis(1800)).await;
    assert!(api.events(alert, "escalation").await.is_empty());
    assert_eq!(notified(&api, alert).await, ["ann"]);
}

#[tokio::test]
async fn manual_escalations_name_who_escalated() {
    let server = TestServer::start();
    let api = Api::new(&server);
    let form = on_call_setup(&api, 3600).await;
    let alert = page_group(&api, &form).await;

    let escalated = api.post_ok(&format!("/api/v1/alerts/{alert}/escalations"), json!({}), 201).await;
    assert_eq!(escalated["notifications"].as_array().unwrap().len(), 2);
    let events = api.events(alert, "escalation").await;
    assert_eq!(events[0]["fields"]["escalationType"], "MANUAL");
    assert_eq!(events[0]["fields"]["escalatedBy"], "admin");
    assert_eq!(events[0]["fields"]["from"], json!(["ann"]));
    assert_eq!(events[0]["fields"]["to"], json!(["ben"]));

    // The Escalate response action escalates the responder's own step.
    api.post_ok(&format!("/api/v1/alerts/{alert}/responses"), json!({"recipient": "ben", "response": "Escalate"}), 201).await;
    let events = api.events(alert, "escalation").await;
    assert_eq!(events[1]["fields"]["escalatedBy"], "ben");
    assert_eq!(events[1]["fields"]["to"], json!(["cat"]));

    let (status, answer) = api.post(&format!("/api/v1/alerts/{alert}/escalations"), json!({})).await;
    assert_eq!(status, 409, "nobody after the last member: {answer}");
    let (status, _) = api.post(&format!("/api/v1/alerts/{alert}/escalations"), json!({"group": "web"})).await;
    assert_eq!(status, 422);
}

#[tokio::test]
async fn a_pending_escalation_fires_once_after_a_restart() {
    let server = TestServer::start();
    let api = Api::new(&server);
    let form = on_call_setup(&api, 2).await;
    let alert = page_group(&api, &form).await;
    let data_dir = server.stop();

    tokio::time::sleep(Duration::from_millis(2500)).await;
    let server = TestServer::start_in(data_dir);
    let api = Api::new(&server);
    let events = escalations_reaching(&api, alert, 1, Duration::from_secs(5)).await;
    assert_eq!(events[0]["fields"]["to"], json!(["ben"]));
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(api.events(alert, "escalation").await.len(), 1, "fired exactly once");
    assert_eq!(notified(&api, alert).await, ["ann", "ben"]);
}

#[tokio::test]
async fn inactive_members_are_skipped() {
    let server = TestServer::start();
    let api = Api::new(&server);
    let form = on_call_setup(&api, 3600).await;
    api.patch("/api/v1/users/ann", json!({"active": false})).await;
    let alert = page_group(&api, &form).await;
    assert_eq!(notified(&api, alert).await, ["ben"]);

    api.patch("/api/v1/groups/dba", json!({"active": false})).await;
    let unreachable = page_group(&api, &form).await;
    let failures = api.events(unreachable, "recipient_failure").await;
    assert_eq!(failures[0]["fields"]["failureType"], "INACTIVE_RECIPIENTS");
}
