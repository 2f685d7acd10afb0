//! Flows through the REST API (SPEC §6, §7): create with the form's trigger nodes, export and
//! import round trips, refusals (malformed JSON, unknown step types, cycles, dangling edges,
//! huge graphs), stale saves (409), and the version history with restore.

use outflow_tests::{TestServer, admin_client, api::Api};
use serde_json::{Value, json};

struct Setup {
    form: String,
    endpoint: String,
}

/// Workflow "Ops" with form "Incident" (responses Accept, Decline), an endpoint, and a
/// status integration, so new flows start with the Status and Responses trigger nodes.
async fn setup(api: &Api<'_>) -> Setup {
    let workflow = api.post_ok("/api/v1/workflows", json!({"name": "Ops"}), 201).await;
    let workflow = workflow["id"].as_str().unwrap();
    let form = api
        .post_ok(
            &format!("/api/v1/workflows/{workflow}/forms"),
            json!({"name": "Incident", "responses": [{"choice": "Accept"}, {"choice": "Decline"}]}),
            201,
        )
        .await;
    let form = form["id"].as_str().unwrap().to_string();
    let endpoint = api
        .post_ok(
            "/api/v1/endpoints",
            json!({"workflowId": workflow, "name": "Help desk", "baseUrl": "http://127.0.0.1:9/api", "auth": {"type": "none"}}),
            201,
        )
        .await;
    let endpoint = endpoint["id"].as_str().unwrap().to_string();
    api.post_ok(
        "/api/v1/integrations",
        json!({"formId": form, "name": "Status hook", "trigger": "status", "action": {"type": "webhook", "endpointId": endpoint}}),
        201,
    )
    .await;
    Setup { form, endpoint }
}

/// The SPEC §6 example, for the given form and endpoint.
fn spec_example(form: &str, endpoint: &str) -> Value {
    json!({"name": "Close ticket when alert ends", "formId": form,
       "blocks": [
         {"id": "t1", "kind": "trigger", "trigger": "status", "label": "Status Updates", "position": {"x": 40, "y": 80}},
         {"id": "s1", "kind": "step", "step": "switch", "label": "Terminated?", "settings": {"value": "${t1.status}", "cases": ["terminated"]}, "position": {"x": 260, "y": 80}},
         {"id": "w1", "kind": "step", "step": "webhook", "label": "Close ticket",
          "settings": {"endpointId": endpoint, "method": "POST", "path": "/tickets/close"},
          "inputs": {"body": "{\"alert\": \"${t1.eventIdentifier}\"}"}, "position": {"x": 480, "y": 80}}],
       "edges": [{"from": "t1", "fromPort": "out", "to": "s1", "toPort": "in"},
                 {"from": "s1", "fromPort": "terminated", "to": "w1", "toPort": "in"}]})
}

fn message(body: &Value) -> &str {
    body["error"]["message"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn a_new_flow_starts_with_the_forms_trigger_nodes_and_is_listed_per_form() {
    let server = TestServer::start();
    let api = Api::new(&server);
    let setup = setup(&api).await;
    let flow = api.post_ok("/api/v1/flows", json!({"formId": setup.form, "name": "Escalate on accept"}), 201).await;
    assert_eq!(flow["version"], 1);
    let triggers: Vec<&str> = flow["blocks"].as_array().unwrap().iter().map(|block| block["trigger"].as_str().unwrap()).collect();
    assert_eq!(triggers, ["status", "responses"]);

    let (status, listing) = api.get(&format!("/api/v1/flows?formId={}", setup.form)).await;
    assert_eq!(status, 200);
    assert_eq!(listing[0]["name"], "Escalate on accept");
    assert_eq!(listing[0]["blocks"], 2);
    let (_, none) = api.get("/api/v1/flows?formId=fm_other").await;
    assert_eq!(none, json!([]));

    let twin = api.post("/api/v1/flows", json!({"formId": setup.form, "name": "Escalate on accept"})).await;
    assert_eq!(twin.0, 409, "{}", twin.1);
    let no_form = api.post("/api/v1/flows", json!({"formId": "fm_nope", "name": "X"})).await;
    assert_eq!(no_form.0, 422);
}

#[tokio::test]
async fn export_and_import_round_trip_the_spec_format() {
    let server = TestServer::start();
    let api = Api::new(&server);
    let setup = setup(&api).await;
    let document = spec_example(&setup.form, &setup.endpoint);
    let imported = api.post_ok("/api/v1/flows/import", document.clone(), 201).await;
    assert_eq!(imported["warnings"], json!([]), "the example is complete");
    let id = imported["id"].as_str().unwrap();
    let (status, exported) = api.get(&format!("/api/v1/flows/{id}/export")).await;
    assert_eq!(status, 200);
    assert_eq!(exported, document, "export gives back exactly what was imported");

    // The export imports again (under a new name) and exports the same graph.
    let mut copy = exported.clone();
    copy["name"] = json!("Copy");
    let again = api.post_ok("/api/v1/flows/import", copy, 201).await;
    let (_, exported_again) = api.get(&format!("/api/v1/flows/{}/export", again["id"].as_str().unwrap())).await;
    assert_eq!(exported_again["blocks"], document["blocks"]);
    assert_eq!(exported_again["edges"], document["edges"]);
}

#[tokio::test]
async fn malformed_and_invalid_imports_are_refused_naming_the_blocks() {
    let server = TestServer::start();
    let api = Api::new(&server);
    let setup = setup(&api).await;
    let client = admin_client();
    let malformed = client
        .post(server.url("/api/v1/flows/import"))
        .header("content-type", "application/json")
        .body("{\"name\": \"x\", \"blocks\": [")
        .send()
        .await
        .unwrap();
    assert_eq!(malformed.status(), 400);
    let body: Value = malformed.json().await.unwrap();
    assert_eq!(body["error"]["code"], "malformed_json");

    let mut unknown = spec_example(&setup.form, &setup.endpoint);
    unknown["blocks"][2]["step"] = json!("teleport");
    let (status, body) = api.post("/api/v1/flows/import", unknown).await;
    assert_eq!(status, 422);
    assert!(message(&body).contains("Block \"w1\" has an unknown step type \"teleport\""), "{body}");
    assert_eq!(body["error"]["details"]["issues"][0]["blocks"], json!(["w1"]));

    let mut cycle = spec_example(&setup.form, &setup.endpoint);
    cycle["edges"].as_array_mut().unwrap().push(json!({"from": "w1", "fromPort": "out", "to": "s1", "toPort": "in"}));
    let (status, body) = api.post("/api/v1/flows/import", cycle).await;
    assert_eq!(status, 422);
    assert!(message(&body).contains("\"s1\" → \"w1\" → \"s1\""), "{body}");

    let mut dangling = spec_example(&setup.form, &setup.endpoint);
    dangling["edges"].as_array_mut().unwrap().push(json!({"from": "w1", "fromPort": "out", "to": "ghost", "toPort": "in"}));
    let (status, body) = api.post("/api/v1/flows/import", dangling).await;
    assert_eq!(status, 422);
    assert!(message(&body).contains("\"ghost\""), "{body}");

    let (_, listing) = api.get("/api/v1/flows").await;
    assert_eq!(listing, json!([]), "nothing half-written");
}

#[tokio::test]
async fn huge_graphs_are_refused_with_a_message() {
    let server = TestServer::start();
    let api = Api::new(&server);
    let setup = setup(&api).await;
    let blocks: Vec<Value> =
        (0..2_001).map(|i| json!({"id": format!("m{i}"), "kind": "step", "step": "merge", "position": {"x": 0, "y": 0}})).collect();
    let (status, body) = api.post("/api/v1/flows/import", json!({"name": "Big", "formId": setup.form, "blocks": blocks})).await;
    assert_eq!(status, 422);
    assert!(message(&body).contains("at most 2000 blocks"), "{body}");

    // Past the request size limit the body is not even read.
    let huge_label = "x".repeat(3 * 1024 * 1024);
    let (status, body) = api
        .post(
            "/api/v1/flows/import",
            json!({"name": "Huge", "formId": setup.form, "blocks": [{"id": "a", "kind": "step", "step": "merge", "label": huge_label}]}),
        )
        .await;
    assert_eq!(status, 413, "{body}");
}

#[tokio::test]
async fn saves_are_versions_stale_saves_conflict_and_old_versions_restore() {
    let server = TestServer::start();
    let api = Api::new(&server);
    let setup = setup(&api).await;
    let flow = api.post_ok("/api/v1/flows", json!({"formId": setup.form, "name": "Route"}), 201).await;
    let id = flow["id"].as_str().unwrap();
    let mut blocks = flow["blocks"].as_array().unwrap().clone();
    blocks.push(json!({"id": "d1", "kind": "step", "step": "delay", "label": "Wait", "position": {"x": 300, "y": 40}}));

    let (status, saved) = api.put(&format!("/api/v1/flows/{id}"), json!({"baseVersion": 1, "name": "Route", "blocks": blocks, "edges": []})).await;
    assert_eq!(status, 200, "{saved}");
    assert_eq!(saved["version"], 2);
    let badges: Vec<&str> = saved["warnings"].as_array().unwrap().iter().map(|issue| issue["code"].as_str().unwrap()).collect();
    assert_eq!(badges, ["unconnected", "missing_setting"], "incomplete flows are kept, with warnings");

    // A second editor still holding version 1 cannot overwrite version 2.
    let (status, body) = api.put(&format!("/api/v1/flows/{id}"), json!({"baseVersion": 1, "name": "Route", "blocks": [], "edges": []})).await;
    assert_eq!(status, 409);
    assert!(message(&body).contains("version 2 has been saved since"), "{body}");

    let edges = json!([{"from": "t1", "fromPort": "out", "to": "d1", "toPort": "in"}]);
    let (status, cyclic) = api
        .put(
            &format!("/api/v1/flows/{id}"),
            json!({"baseVersion": 2, "name": "Route", "blocks": blocks, "edges": [{"from": "d1", "fromPort": "out", "to": "d1", "toPort": "in"}]}),
        )
        .await;
    assert_eq!(status, 422, "{cyclic}");
    let (status, third) =
        api.put(&format!("/api/v1/flows/{id}"), json!({"baseVersion": 2, "name": "Route 3", "blocks": blocks, "edges": edges})).await;
    assert_eq!(status, 200, "{third}");
    assert_eq!(third["version"], 3);

    let (_, versions) = api.get(&format!("/api/v1/flows/{id}/versions")).await;
    let listed: Vec<(i64, &str)> =
        versions.as_array().unwrap().iter().map(|v| (v["version"].as_i64().unwrap(), v["note"].as_str().unwrap())).collect();
    assert_eq!(listed, [(3, "saved"), (1, "created")], "one editor's consecutive saves of a draft are one entry");
    assert_eq!(versions[0]["savedBy"], "admin");
    // A version that ran is kept: publish 3, save again, and both are listed.
    api.post_ok(&format!("/api/v1/flows/{id}/publish"), json!({}), 200).await;
    let (status, _) = api.put(&format!("/api/v1/flows/{id}"), json!({"baseVersion": 3, "name": "Route", "blocks": blocks, "edges": edges})).await;
    assert_eq!(status, 200);
    let (_, versions) = api.get(&format!("/api/v1/flows/{id}/versions")).await;
    let listed: Vec<i64> = versions.as_array().unwrap().iter().map(|v| v["version"].as_i64().unwrap()).collect();
    assert_eq!(listed, [4, 3, 1]);

    let (status, first) = api.get(&format!("/api/v1/flows/{id}/versions/1")).await;
    assert_eq!(status, 200);
    assert_eq!(first["document"]["blocks"].as_array().unwrap().len(), 2);
    let (status, _) = api.get(&format!("/api/v1/flows/{id}/versions/9")).await;
    assert_eq!(status, 404);

    let restored = api.post_ok(&format!("/api/v1/flows/{id}/versions/1/restore"), json!({}), 200).await;
    assert_eq!(restored["version"], 5);
    assert_eq!(restored["name"], "Route");
    assert_eq!(restored["blocks"].as_array().unwrap().len(), 2);
    let (_, versions) = api.get(&format!("/api/v1/flows/{id}/versions")).await;
    assert_eq!(versions[0]["note"], "restored from 1");

    assert_eq!(api.delete(&format!("/api/v1/flows/{id}")).await.0, 204);
    assert_eq!(api.get(&format!("/api/v1/flows/{id}")).await.0, 404);
    assert_eq!(api.get(&format!("/api/v1/flows/{id}/versions")).await.0, 404);
}

#[tokio::test]
async fn the_flow_routes_are_in_the_openapi_document() {
    let server = TestServer::start();
    let api = Api::new(&server);
    let (_, document) = api.get("/api/v1/openapi.json").await;
    for path in [
        "/api/v1/flows",
        "/api/v1/flows/{id}",
        "/api/v1/flows/{id}/export",
        "/api/v1/flows/import",
        "/api/v1/flows/{id}/versions",
        "/api/v1/flows/{id}/versions/{version}",
        "/api/v1/flows/{id}/versions/{version}/restore",
        "/api/v1/flows/{id}/publish",
        "/api/v1/flows/{id}/rollback",
    ] {
        assert!(document["paths"].get(path).is_some(), "{path} is documented");
    }
}
