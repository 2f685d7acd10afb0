//! People and forms through the REST API: users with devices, groups, and the validation
//! that keeps each of them consistent.

use outflow_tests::{TestServer, api::Api};
use serde_json::json;

#[tokio::test]
async fn users_devices_and_groups_are_managed() {
    let server = TestServer::start();
    let api = Api::new(&server);
    let user = api
        .post_ok("/api/v1/users", json!({"targetName": "mmcbride", "firstName": "Mary", "lastName": "McBride", "roles": ["responder"]}), 201)
        .await;
    assert_eq!(user["active"], true);
    let device = api
        .post_ok(
            "/api/v1/users/mmcbride/devices",
            json!({"name": "Work Email", "kind": "email", "address": "mary@example.com", "delaySeconds": 30}),
            201,
        )
        .await;
    assert_eq!(device["delaySeconds"], 30);
    let id = device["id"].as_str().unwrap();

    let (status, changed) = api.patch(&format!("/api/v1/users/mmcbride/devices/{id}"), json!({"active": false})).await;
    assert_eq!(status, 200);
    assert_eq!(changed["active"], false);
    let (status, deactivated) = api.patch("/api/v1/users/mmcbride", json!({"active": false})).await;
    assert_eq!(status, 200);
    assert_eq!(deactivated["active"], false);

    api.post_ok("/api/v1/users", json!({"targetName": "jsmith"}), 201).await;
    let group = api.post_ok("/api/v1/groups", json!({"targetName": "dba", "members": ["jsmith", "mmcbride"], "escalationSeconds": 120}), 201).await;
    assert_eq!(group["members"], json!(["jsmith", "mmcbride"]));
    let (_, reordered) = api.patch("/api/v1/groups/dba", json!({"members": ["mmcbride", "jsmith"]})).await;
    assert_eq!(reordered["members"], json!(["mmcbride", "jsmith"]));
    let (_, users) = api.get("/api/v1/users").await;
    assert_eq!(users.as_array().unwrap().len(), 3, "admin, mmcbride, jsmith");
}

#[tokio::test]
async fn bad_people_input_is_refused_and_changes_nothing() {
    let server = TestServer::start();
    let api = Api::new(&server);
    api.post_ok("/api/v1/users", json!({"targetName": "jsmith"}), 201).await;
    let (status, answer) = api.post("/api/v1/users", json!({"targetName": "jsmith"})).await;
    assert_eq!(status, 409, "{answer}");
    let (status, _) = api.post("/api/v1/users", json!({"targetName": "two words"})).await;
    assert_eq!(status, 422);
    let (status, _) = api.post("/api/v1/users", json!({"targetName": "x", "roles": ["overlord"]})).await;
    assert_eq!(status, 422);
    let bad_devices = [
        json!({"name": "Hook", "kind": "webhook", "address": "ftp://x"}),
        json!({"name": "Mail", "kind": "email", "address": "not-an-email"}),
        json!({"name": "Phone", "kind": "sms", "address": "12"}),
        json!({"name": "Pigeon", "kind": "pigeon", "address": "roof"}),
    ];
    for device in bad_devices {
        let (status, answer) = api.post("/api/v1/users/jsmith/devices", device.clone()).await;
        assert_eq!(status, 422, "{device} → {answer}");
    }
    let (status, _) = api.post("/api/v1/users/nobody/devices", json!({"name": "Mail", "kind": "email", "address": "a@b.co"})).await;
    assert_eq!(status, 404);

    let (status, answer) = api.post("/api/v1/groups", json!({"targetName": "dba", "members": ["jsmith", "ghost"]})).await;
    assert_eq!(status, 422);
    assert!(answer["error"]["message"].as_str().unwrap().contains("ghost"));
    let (status, _) = api.post("/api/v1/groups", json!({"targetName": "jsmith", "members": []})).await;
    assert_eq!(status, 409, "a group cannot take a user's targetName");

    let (_, user) = api.get("/api/v1/users/jsmith").await;
    assert_eq!(user["devices"], json!([]));
    let (_, groups) = api.get("/api/v1/groups").await;
    assert_eq!(groups, json!([]));
}

#[tokio::test]
async fn forms_are_validated_and_replaced_whole() {
    let server = TestServer::start();
    let api = Api::new(&server);
    let workflow = api.post_ok("/api/v1/workflows", json!({"name": "Ops"}), 201).await;
    let forms = format!("/api/v1/workflows/{}/forms", workflow["id"].as_str().unwrap());
    let form = api
        .post_ok(&forms, json!({"name": "Incident", "properties": [{"name": "number", "type": "text", "includeInOutbound": true}], "responses": [{"choice": "Accept", "action": "assign_to_user"}]}), 201)
        .await;
    assert!(form["id"].as_str().unwrap().starts_with("fm_"));
    assert_eq!(form["enabled"], true);

    let (status, _) = api.post(&forms, json!({"name": "Incident"})).await;
    assert_eq!(status, 409);
    let bad = [
        json!({"name": "A", "properties": [{"name": "x", "type": "text"}, {"name": "X", "type": "number"}]}),
        json!({"name": "B", "properties": [{"name": "sev", "type": "list"}]}),
        json!({"name": "C", "properties": [{"name": "x", "type": "colour"}]}),
        json!({"name": "D", "responses": [{"choice": "Ok"}, {"choice": "ok"}]}),
        json!({"name": "E", "responses": [{"choice": "Ok", "action": "explode"}]}),
    ];
    for body in bad {
        let (status, answer) = api.post(&forms, body.clone()).await;
        assert_eq!(status, 422, "{body} → {answer}");
    }
    let (status, _) = api.post("/api/v1/workflows/wf_missing/forms", json!({"name": "X"})).await;
    assert_eq!(status, 404);

    let path = format!("/api/v1/forms/{}", form["id"].as_str().unwrap());
    let (status, replaced) = api.put(&path, json!({"name": "Incident", "enabled": false, "properties": [], "responses": []})).await;
    assert_eq!(status, 200);
    assert_eq!(replaced["enabled"], false);
    assert_eq!(replaced["properties"], json!([]));
    let (_, listed) = api.get(&forms).await;
    assert_eq!(listed.as_array().unwrap().len(), 1);
}
