//! Sample payloads against the real server (issue 18): a form's trigger's sample
//! (`GET /api/v1/forms/{id}/triggers/{trigger}/sample-payload`) has exactly the shape of
//! what its integrations really receive; it is hidden from other workflows' users; and a
//! flagged property's own output (`${t1.properties.<name>}`, name with a space) resolves in
//! a real flow run; the designer's Test panel gets the built example for a trigger block
//! not saved yet.

use std::time::Duration;

use outflow_tests::{
    TestServer, admin_browser,
    api::{Api, eventually},
    receiver::{Received, Receiver},
};
use serde_json::{Value, json};

struct Setup {
    workflow: String,
    form: String,
    endpoint: String,
}

/// Workflow "Ops" with form "Incident" (flagged "Ticket Number" and "customers", unflagged
/// "internal"), user `bob` with an email device, and endpoint "Desk" at the receiver.
async fn setup(api: &Api<'_>, receiver: &Receiver) -> Setup {
    let workflow = api.workflow("Ops").await;
    let properties = json!([
        {"name": "Ticket Number", "type": "text", "includeInOutbound": true},
        {"name": "customers", "type": "number", "includeInOutbound": true},
        {"name": "internal", "type": "text", "includeInOutbound": false},
    ]);
    let form = api.form(&workflow, json!({"name": "Incident", "properties": properties, "responses": [{"choice": "Accept"}]})).await;
    api.user_with_email("bob", "Bob", "Ray").await;
    let endpoint = api.endpoint(&workflow, "Desk", &receiver.url("")).await;
    Setup { workflow, form, endpoint }
}

async fn start_alert(api: &Api<'_>, setup: &Setup) -> i64 {
    let properties = json!({"Ticket Number": "INC-7", "customers": 3, "internal": "not for webhooks"});
    let alert = api.post_ok("/api/v1/alerts", json!({"formId": setup.form, "properties": properties, "recipients": ["bob"]}), 201).await;
    alert["eventIdentifier"].as_i64().unwrap()
}

/// What the receiver got at `path`, once it got it.
async fn received_at(receiver: &Receiver, path: &str) -> Received {
    eventually(Duration::from_secs(15), || async { receiver.received().into_iter().find(|request| request.path == path) })
        .await
        .unwrap_or_else(|| panic!("a request to {path}"))
}

/// A value's JSON type, and the same of an object's fields or an array's first item: the
/// shape two payloads share when one is built like the other.
fn shape(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(map.iter().map(|(key, value)| (key.clone(), shape(value))).collect()),
        Value::Array(items) => json!([items.first().map(shape)]),
        Value::String(_) => json!("string"),
        Value::Number(_) => json!("number"),
        Value::Bool(_) => json!("boolean"),
        Value::Null => json!("null"),
    }
}

#[tokio::test]
async fn a_triggers_sample_payload_has_the_shape_its_integrations_receive() {
    let server = TestServer::start();
    let receiver = Receiver::start().await;
    let api = Api::new(&server);
    let setup = setup(&api, &receiver).await;
    for trigger in ["status", "comment"] {
        let integration = json!({"formId": setup.form, "name": trigger, "trigger": trigger,
                                 "action": {"type": "webhook", "endpointId": setup.endpoint, "path": format!("/{trigger}")}});
        api.post_ok("/api/v1/integrations", integration, 201).await;
    }
    let sample_path = |trigger: &str| format!("/api/v1/forms/{}/triggers/{trigger}/sample-payload", setup.form);
    let (status, sample) = api.get(&sample_path("status")).await;
    assert_eq!(status, 200, "{sample}");
    assert_eq!(sample["properties"], json!({"Ticket Number": "Example Ticket Number", "customers": 42}));
    assert_eq!(sample["eventProperties"], json!([{"Ticket Number": "Example Ticket Number"}, {"customers": 42}]));
    assert_eq!((&sample["trigger"], &sample["status"]), (&json!("status"), &json!("active")));

    let alert = start_alert(&api, &setup).await;
    // Rita comments herself: a comment posted on someone's behalf adds the optional `postedBy`.
    api.post_ok("/api/v1/users", json!({"targetName": "rita", "firstName": "Rita", "lastName": "Roe", "roles": ["responder"]}), 201).await;
    assert_eq!(api.put(&format!("/api/v1/workflows/{}/members", setup.workflow), json!({"members": ["rita"]})).await.0, 200);
    let key = api.post_ok("/api/v1/users/rita/api-keys", json!({"name": "tests"}), 201).await;
    let rita = Api::with_key(&server, key["key"].as_str().unwrap());
    rita.post_ok(&format!("/api/v1/alerts/{alert}/comments"), json!({"author": "rita", "comment": "on it"}), 201).await;
    for trigger in ["status", "comment"] {
        let real = received_at(&receiver, &format!("/{trigger}")).await.body;
        let (_, sample) = api.get(&sample_path(trigger)).await;
        assert_eq!(shape(&sample), shape(&real), "{trigger}: the sample {sample} and the real payload {real} differ in shape");
        assert_eq!(real["properties"], json!({"Ticket Number": "INC-7", "customers": 3}));
    }
}

#[tokio::test]
async fn a_sample_payload_is_refused_clearly_and_hidden_from_other_workflows() {
    let server = TestServer::start();
    let receiver = Receiver::start().await;
    let api = Api::new(&server);
    let setup = setup(&api, &receiver).await;
    let other = api.workflow("Elsewhere").await;
    let mut keys = Vec::new();
    for (name, workflow) in [("vic", &setup.workflow), ("otto", &other)] {
        api.post_ok("/api/v1/users", json!({"targetName": name, "roles": ["viewer"]}), 201).await;
        assert_eq!(api.put(&format!("/api/v1/workflows/{workflow}/members"), json!({"members": [name]})).await.0, 200);
        let key = api.post_ok(&format!("/api/v1/users/{name}/api-keys"), json!({"name": "tests"}), 201).await;
        keys.push(key["key"].as_str().unwrap().to_string());
    }
    let path = format!("/api/v1/forms/{}/triggers/escalation/sample-payload", setup.form);
    let (status, member) = Api::with_key(&server, &keys[0]).get(&path).await;
    assert_eq!((status, &member["from"], &member["group"]), (200, &json!(["mmcbride"]), &json!({"targetName": "Database-Team"})));
    let (status, hidden) = Api::with_key(&server, &keys[1]).get(&path).await;
    assert_eq!((status, hidden["error"]["code"].as_str()), (404, Some("not_found")), "{hidden}");
    assert!(hidden["error"]["message"].as_str().unwrap().contains(&setup.form), "{hidden}");

    let (status, unknown) = api.get(&format!("/api/v1/forms/{}/triggers/nope/sample-payload", setup.form)).await;
    assert_eq!(status, 404, "{unknown}");
    let message = unknown["error"]["message"].as_str().unwrap();
    assert!(message.contains("\"nope\"") && message.contains("status, comment"), "{message}");
    let (status, _) = api.get("/api/v1/forms/fm_missing/triggers/status/sample-payload").await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn a_flagged_propertys_own_output_resolves_in_a_real_run() {
    let server = TestServer::start();
    let receiver = Receiver::start().await;
    let api = Api::new(&server);
    let setup = setup(&api, &receiver).await;
    let body = r#"{"ticket": "${t1.properties.Ticket Number}", "customers": ${t1.properties.customers}}"#;
    let blocks = json!([
        {"id": "t1", "kind": "trigger", "trigger": "status", "position": {"x": 0, "y": 0}},
        {"id": "w1", "kind": "step", "step": "webhook", "label": "Post", "position": {"x": 200, "y": 0},
         "settings": {"endpointId": setup.endpoint, "method": "POST", "path": "/flow"}, "inputs": {"body": body}},
    ]);
    let edges = json!([{"from": "t1", "fromPort": "out", "to": "w1", "toPort": "in"}]);
    let flow = json!({"name": "Forward the ticket", "formId": setup.form, "blocks": blocks, "edges": edges});
    api.flows_only(&setup.form, "status").await;
    let saved = api.post_ok("/api/v1/flows/import", flow, 201).await;
    assert_eq!(saved["warnings"], json!([]), "the placeholders name outputs the trigger has");
    start_alert(&api, &setup).await;
    assert_eq!(received_at(&receiver, "/flow").await.body, json!({"ticket": "INC-7", "customers": 3}));
}

#[tokio::test]
async fn the_designer_gets_the_example_of_a_trigger_block_not_saved_yet() {
    let server = TestServer::start();
    let receiver = Receiver::start().await;
    let api = Api::new(&server);
    let setup = setup(&api, &receiver).await;
    let blocks = json!([{"id": "t1", "kind": "trigger", "trigger": "status", "position": {"x": 0, "y": 0}}]);
    let flow = api.post_ok("/api/v1/flows/import", json!({"name": "Draft", "formId": setup.form, "blocks": blocks, "edges": []}), 201).await;
    let browser = admin_browser(&server).await;
    let sample = |trigger: &'static str, key: &'static str| {
        let (browser, server, flow) = (&browser, &server, flow["id"].clone());
        async move {
            let answer =
                browser.post(server.url("/ui/flow_sample")).json(&json!({"flow_id": flow, "trigger": trigger, "key": key})).send().await.unwrap();
            (answer.status().as_u16(), answer.json::<Value>().await.unwrap())
        }
    };
    let (status, unsaved) = sample("t2", "escalation").await;
    assert_eq!((status, &unsaved["source"], &unsaved["payload"]["trigger"]), (200, &json!("example"), &json!("escalation")), "{unsaved}");
    assert_eq!(unsaved["payload"]["to"], json!(["jsmith"]));
    let (status, saved) = sample("t1", "status").await;
    assert_eq!((status, &saved["payload"]["trigger"]), (200, &json!("status")), "{saved}");
    let (status, bogus) = sample("t3", "bogus").await;
    assert_eq!(status, 422, "{bogus}");
    assert!(bogus.to_string().contains("There is no trigger \\\"bogus\\\""), "{bogus}");
}
