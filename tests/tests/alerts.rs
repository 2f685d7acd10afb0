//! The alerting core through HTTP (SPEC §1–§3): starting alerts, real device delivery to a
//! loopback receiver, recipient failures, comments, responses with their actions, status
//! transitions and the exact fields of every trigger event.

use std::time::Duration;

use outflow_tests::{
    TestServer,
    api::{Api, eventually},
    receiver::Receiver,
};
use serde_json::{Value, json};

/// A workflow with one form ("Incident"), users `alice` (webhook device to the receiver)
/// and `bob` (email through the test provider). Returns the form id.
async fn incident_setup(api: &Api<'_>, receiver: &Receiver) -> String {
    let workflow = api.post_ok("/api/v1/workflows", json!({"name": "Ops"}), 201).await;
    let form = api
        .post_ok(
            &format!("/api/v1/workflows/{}/forms", workflow["id"].as_str().unwrap()),
            json!({
                "name": "Incident", "enabled": true,
                "properties": [
                    {"name": "number", "type": "text", "includeInOutbound": true},
                    {"name": "severity", "type": "list", "includeInOutbound": true, "values": ["low", "high"]},
                    {"name": "impact", "type": "number", "includeInOutbound": false},
                    {"name": "customer facing", "type": "boolean", "includeInOutbound": true}
                ],
                "responses": [
                    {"choice": "Acknowledge", "action": "none"},
                    {"choice": "Accept", "action": "assign_to_user"},
                    {"choice": "Resolve", "action": "end_alert"}
                ]
            }),
            201,
        )
        .await;
    api.post_ok("/api/v1/users", json!({"targetName": "alice", "firstName": "Alice", "lastName": "Ng", "roles": ["responder"]}), 201).await;
    api.post_ok(
        "/api/v1/users/alice/devices",
        json!({"name": "Pager hook", "kind": "webhook", "address": receiver.url("/page"), "delaySeconds": 0}),
        201,
    )
    .await;
    api.post_ok("/api/v1/users", json!({"targetName": "bob", "firstName": "Bob", "lastName": "Ray", "roles": ["responder"]}), 201).await;
    api.post_ok("/api/v1/users/bob/devices", json!({"name": "Work Email", "kind": "email", "address": "bob@example.com"}), 201).await;
    form["id"].as_str().unwrap().to_string()
}

async fn start(api: &Api<'_>, form: &str, recipients: Value) -> i64 {
    let alert = api
        .post_ok(
            "/api/v1/alerts",
            json!({"formId": form, "properties": {"number": "INC001", "severity": "high"}, "recipients": recipients, "priority": "HIGH"}),
            201,
        )
        .await;
    assert_eq!(alert["status"], "ACTIVE");
    alert["eventIdentifier"].as_i64().unwrap()
}

/// Waits until the alert's delivery events number `count`, and returns them.
async fn deliveries(api: &Api<'_>, alert: i64, count: usize) -> Vec<Value> {
    eventually(Duration::from_secs(10), || async {
        let events = api.events(alert, "delivery").await;
        (events.len() >= count).then_some(events)
    })
    .await
    .unwrap_or_else(|| panic!("{count} delivery events on alert {alert}"))
}

#[tokio::test]
async fn an_alert_notifies_real_devices_and_records_status_and_delivery_events() {
    let server = TestServer::start();
    let api = Api::new(&server);
    let receiver = Receiver::start().await;
    let form = incident_setup(&api, &receiver).await;
    let alert = start(&api, &form, json!(["alice", "bob"])).await;

    let status = api.events(alert, "status").await;
    assert_eq!(status.len(), 1);
    assert_eq!(status[0]["fields"], json!({"status": "active", "username": "admin"}));

    let events = deliveries(&api, alert, 2).await;
    let alice = events.iter().find(|event| event["fields"]["recipient"] == "alice").unwrap();
    assert_eq!(alice["fields"]["device"], "Pager hook");
    assert_eq!(alice["fields"]["deliveryStatus"], "Delivered");
    assert!(alice["fields"]["deviceId"].as_str().unwrap().starts_with("dv_"));
    assert!(alice["fields"]["message"].as_str().unwrap().contains("HTTP 200"));
    assert!(alice["fields"]["eventType"].is_string());
    let bob = events.iter().find(|event| event["fields"]["recipient"] == "bob").unwrap();
    assert_eq!(bob["fields"]["deliveryStatus"], "Delivered");

    let posts = receiver.received();
    assert_eq!(posts.len(), 1, "the webhook device got exactly one POST");
    assert_eq!(posts[0].path, "/page");
    assert_eq!(posts[0].body["eventIdentifier"], alert);
    assert_eq!(posts[0].body["responses"], json!(["Acknowledge", "Accept", "Resolve"]));
    assert!(posts[0].body["message"].as_str().unwrap().contains("INC001"));

    let (_, read) = api.get(&format!("/api/v1/alerts/{alert}")).await;
    let statuses: Vec<&str> = read["notifications"].as_array().unwrap().iter().map(|n| n["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["delivered", "delivered"]);
    assert_eq!(read["properties"], json!({"number": "INC001", "severity": "high"}));
    assert_eq!(read["priority"], "HIGH");
}

#[tokio::test]
async fn failed_deliveries_say_why() {
    let server = TestServer::start();
    let api = Api::new(&server);
    let receiver = Receiver::start().await;
    let form = incident_setup(&api, &receiver).await;
    receiver.answer_with(503);
    let (_, bob) = api.get("/api/v1/users/bob").await;
    let device = bob["devices"][0]["id"].as_str().unwrap();
    api.patch(&format!("/api/v1/users/bob/devices/{device}"), json!({"testOutcome": "failed"})).await;

    let alert = start(&api, &form, json!(["alice", "bob"])).await;
    let events = deliveries(&api, alert, 2).await;
    for event in &events {
        assert_eq!(event["fields"]["deliveryStatus"], "Failed", "{event}");
    }
    let alice = events.iter().find(|event| event["fields"]["recipient"] == "alice").unwrap();
    assert!(alice["fields"]["message"].as_str().unwrap().contains("HTTP 503"), "{alice}");
}

#[tokio::test]
async fn bad_alerts_are_refused_with_the_problem_named_and_nothing_written() {
    let server = TestServer::start();
    let api = Api::new(&server);
    let receiver = Receiver::start().await;
    let form = incident_setup(&api, &receiver).await;
    let cases = [
        (json!({"formId": "fm_missing", "recipients": ["alice"]}), "fm_missing"),
        (json!({"formId": form, "properties": {"colour": "red"}, "recipients": ["alice"]}), "colour"),
        (json!({"formId": form, "properties": {"impact": "lots"}, "recipients": ["alice"]}), "impact"),
        (json!({"formId": form, "properties": {"severity": "medium"}, "recipients": ["alice"]}), "severity"),
        (json!({"formId": form, "recipients": ["alice", "nobody", "ghost"]}), "nobody"),
        (json!({"formId": form, "recipients": []}), "recipient"),
        (json!({"formId": form, "recipients": ["alice"], "priority": "URGENT"}), "priority"),
    ];
    for (body, named) in cases {
        let (status, answer) = api.post("/api/v1/alerts", body.clone()).await;
        assert_eq!(status, 422, "{body} → {answer}");
        let message = answer["error"]["message"].as_str().unwrap();
        assert!(message.contains(named), "{message} names {named}");
    }
    let (_, listing) = api.get("/api/v1/alerts").await;
    assert_eq!(listing["total"], 0);
    assert!(receiver.received().is_empty());
}

#[tokio::test]
async fn nobody_reachable_records_a_recipient_failure() {
    let server = TestServer::start();
    let api = Api::new(&server);
    let receiver = Receiver::start().await;
    let form = incident_setup(&api, &receiver).await;
    api.post_ok("/api/v1/users", json!({"targetName": "carol"}), 201).await;
    api.post_ok("/api/v1/users", json!({"targetName": "dave"}), 201).await;

    let alert = start(&api, &form, json!(["carol", "dave"])).await;
    let failures = api.events(alert, "recipient_failure").await;
    assert_eq!(failures.len(), 1);
    assert_eq!(failures[0]["fields"], json!({"failureType": "NO_DEVICES", "recipients": ["carol", "dave"], "totalRecipients": 2}));

    api.patch("/api/v1/users/alice", json!({"active": false})).await;
    let inactive = start(&api, &form, json!(["alice"])).await;
    let failures = api.events(inactive, "recipient_failure").await;
    assert_eq!(failures[0]["fields"]["failureType"], "INACTIVE_RECIPIENTS");

    let reachable = start(&api, &form, json!(["bob", "carol"])).await;
    assert!(api.events(reachable, "recipient_failure").await.is_empty());
}

#[tokio::test]
async fn a_recipient_failure_lists_at_most_a_hundred_names() {
    let server = TestServer::start();
    let api = Api::new(&server);
    let receiver = Receiver::start().await;
    let form = incident_setup(&api, &receiver).await;
    let names: Vec<String> = (0..105).map(|n| format!("silent{n:03}")).collect();
    for name in &names {
        api.post_ok("/api/v1/users", json!({"targetName": name}), 201).await;
    }
    let alert = start(&api, &form, json!(names)).await;
    let failure = &api.events(alert, "recipient_failure").await[0]["fields"];
    assert_eq!(failure["totalRecipients"], 105);
    assert_eq!(failure["recipients"].as_array().unwrap().len(), 100);
    assert_eq!(failure["recipients"][0], "silent000");
}

#[tokio::test]
async fn comments_come_from_every_source_and_carry_their_author() {
    let server = TestServer::start();
    let api = Api::new(&server);
    let receiver = Receiver::start().await;
    let form = incident_setup(&api, &receiver).await;
    let alert = start(&api, &form, json!(["alice"])).await;
    let path = format!("/api/v1/alerts/{alert}/comments");
    for source in ["MOBILE_APP", "INBOX", "EMAIL", "TRACKING_REPORT", "REST_API"] {
        api.post_ok(&path, json!({"author": "alice", "comment": format!("from {source}"), "source": source}), 201).await;
    }
    let comments = api.events(alert, "comment").await;
    assert_eq!(comments.len(), 5);
    assert_eq!(
        comments[0]["fields"],
        json!({"author": {"targetName": "alice", "firstName": "Alice", "lastName": "Ng"}, "comment": "from MOBILE_APP", "source": "MOBILE_APP",
               "postedBy": "admin"}),
        "the admin posted it on alice's behalf, which the event says"
    );
    let (status, answer) = api.post(&path, json!({"author": "mallory", "comment": "hi"})).await;
    assert_eq!(status, 422, "{answer}");
    let (status, _) = api.post(&path, json!({"author": "alice", "comment": "   "})).await;
    assert_eq!(status, 422);
    let (status, _) = api.post(&path, json!({"author": "alice", "comment": "x", "source": "CARRIER_PIGEON"})).await;
    assert_eq!(status, 422);
    let (status, _) = api.post("/api/v1/alerts/999999/comments", json!({"author": "alice", "comment": "x"})).await;
    assert_eq!(status, 404);
    assert_eq!(api.events(alert, "comment").await.len(), 5);
}

#[tokio::test]
async fn responses_are_validated_recorded_and_apply_their_action() {
    let server = TestServer::start();
    let api = Api::new(&server);
    let receiver = Receiver::start().await;
    let form = incident_setup(&api, &receiver).await;
    let alert = start(&api, &form, json!(["alice"])).await;
    let path = format!("/api/v1/alerts/{alert}/responses");

    let (status, answer) = api.post(&path, json!({"recipient": "bob", "response": "Accept"})).await;
    assert_eq!(status, 422, "bob was not notified: {answer}");
    let (status, answer) = api.post(&path, json!({"recipient": "alice", "response": "Maybe"})).await;
    assert_eq!(status, 422);
    assert!(answer["error"]["message"].as_str().unwrap().contains("Acknowledge"));
    let (status, _) = api.post(&path, json!({"recipient": "alice", "device": "Fax", "response": "Accept"})).await;
    assert_eq!(status, 422);

    let accepted = api.post_ok(&path, json!({"recipient": "alice", "device": "Pager hook", "response": "Accept", "annotation": ""}), 201).await;
    assert_eq!(accepted["assignee"], "alice");
    let expected = json!({"recipient": "alice", "device": "Pager hook", "response": "Accept", "annotation": null, "postedBy": "admin"});
    assert_eq!(api.events(alert, "response").await[0]["fields"], expected);
    assert_eq!(api.events(alert, "responses").await[0]["fields"], expected);

    let resolved = api.post_ok(&path, json!({"recipient": "alice", "response": "resolve", "annotation": "fixed the disk"}), 201).await;
    assert_eq!(resolved["status"], "TERMINATED");
    let status_events = api.events(alert, "status").await;
    assert_eq!(status_events.last().unwrap()["fields"], json!({"status": "terminated", "username": "alice"}));
    assert_eq!(api.events(alert, "response").await[1]["fields"]["annotation"], "fixed the disk");

    let (status, _) = api.post(&path, json!({"recipient": "alice", "response": "Accept"})).await;
    assert_eq!(status, 409, "a terminated alert takes no responses");
}

#[tokio::test]
async fn status_follows_the_allowed_transitions() {
    let server = TestServer::start();
    let api = Api::new(&server);
    let receiver = Receiver::start().await;
    let form = incident_setup(&api, &receiver).await;
    let alert = start(&api, &form, json!(["bob"])).await;
    let path = format!("/api/v1/alerts/{alert}/status");

    let (status, answer) = api.post(&path, json!({"status": "ACTIVE"})).await;
    assert_eq!(status, 409, "{answer}");
    assert!(answer["error"]["message"].as_str().unwrap().contains("ACTIVE"));
    assert_eq!(api.post_ok(&path, json!({"status": "SUSPENDED"}), 200).await["status"], "SUSPENDED");
    assert_eq!(api.post_ok(&path, json!({"status": "ACTIVE"}), 200).await["status"], "ACTIVE");
    assert_eq!(api.post_ok(&path, json!({"status": "TERMINATED"}), 200).await["status"], "TERMINATED");
    for next in ["ACTIVE", "SUSPENDED", "TERMINATED"] {
        let (status, _) = api.post(&path, json!({"status": next})).await;
        assert_eq!(status, 409, "TERMINATED is final ({next})");
    }
    let (status, _) = api.post(&path, json!({"status": "PAUSED"})).await;
    assert_eq!(status, 422);
    let (status, _) = api.post("/api/v1/alerts/424242/status", json!({"status": "SUSPENDED"})).await;
    assert_eq!(status, 404);

    let fields: Vec<Value> = api.events(alert, "status").await.into_iter().map(|event| event["fields"].clone()).collect();
    assert_eq!(
        fields,
        [
            json!({"status": "active", "username": "admin"}),
            json!({"status": "suspended", "username": "admin"}),
            json!({"status": "active", "username": "admin"}),
            json!({"status": "terminated", "username": "admin"}),
        ]
    );
}

#[tokio::test]
async fn alerts_are_listed_with_filters_and_paging() {
    let server = TestServer::start();
    let api = Api::new(&server);
    let receiver = Receiver::start().await;
    let form = incident_setup(&api, &receiver).await;
    let first = start(&api, &form, json!(["bob"])).await;
    let second = start(&api, &form, json!(["bob"])).await;
    api.post_ok("/api/v1/alerts", json!({"formId": form, "properties": {"number": "INC999"}, "recipients": ["bob"]}), 201).await;
    api.post_ok(&format!("/api/v1/alerts/{first}/status"), json!({"status": "TERMINATED"}), 200).await;

    let (_, all) = api.get("/api/v1/alerts").await;
    assert_eq!(all["total"], 3);
    assert_eq!(all["items"][2]["eventIdentifier"], first, "newest first");
    let (_, terminated) = api.get("/api/v1/alerts?status=TERMINATED").await;
    assert_eq!(terminated["total"], 1);
    assert_eq!(terminated["items"][0]["eventIdentifier"], first);
    let (_, by_property) = api.get("/api/v1/alerts?property=number%3DINC999").await;
    assert_eq!(by_property["total"], 1);
    let (_, by_form) = api.get(&format!("/api/v1/alerts?formId={form}&limit=1&offset=1")).await;
    assert_eq!(by_form["total"], 3);
    assert_eq!(by_form["items"].as_array().unwrap().len(), 1);
    assert_eq!(by_form["items"][0]["eventIdentifier"], second);
    let (_, future) = api.get("/api/v1/alerts?since=2999-01-01T00:00:00Z").await;
    assert_eq!(future["total"], 0);
    let (status, _) = api.get("/api/v1/alerts?since=yesterday").await;
    assert_eq!(status, 422);
    let (status, _) = api.get("/api/v1/alerts?limit=0").await;
    assert_eq!(status, 422);
}
