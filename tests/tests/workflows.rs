//! Workflows through the REST API (SPEC §7): create, read, list, uniqueness, validation.

use outflow_tests::{TestServer, admin_client};
use serde_json::{Value, json};

#[tokio::test]
async fn a_workflow_is_created_read_and_listed() {
    let server = TestServer::start();
    let client = admin_client();
    let created = client.post(server.url("/api/v1/workflows")).json(&json!({"name": "  Help desk  "})).send().await.unwrap();
    assert_eq!(created.status(), 201);
    let workflow: Value = created.json().await.unwrap();
    let id = workflow["id"].as_str().unwrap();
    assert!(id.starts_with("wf_"), "{id}");
    assert_eq!(workflow["name"], "Help desk");

    let read: Value = client.get(server.url(&format!("/api/v1/workflows/{id}"))).send().await.unwrap().json().await.unwrap();
    assert_eq!(read["name"], "Help desk");
    let listing: Value = client.get(server.url("/api/v1/workflows")).send().await.unwrap().json().await.unwrap();
    assert_eq!(listing.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn duplicate_names_conflict_and_blank_names_are_refused() {
    let server = TestServer::start();
    let client = admin_client();
    let first = client.post(server.url("/api/v1/workflows")).json(&json!({"name": "Ops"})).send().await.unwrap();
    assert_eq!(first.status(), 201);
    let twin = client.post(server.url("/api/v1/workflows")).json(&json!({"name": "Ops"})).send().await.unwrap();
    assert_eq!(twin.status(), 409);
    let body: Value = twin.json().await.unwrap();
    assert!(body["error"]["message"].as_str().unwrap().contains("Ops"));

    let blank = client.post(server.url("/api/v1/workflows")).json(&json!({"name": "   "})).send().await.unwrap();
    assert_eq!(blank.status(), 422);
    let missing = client.get(server.url("/api/v1/workflows/wf_nope")).send().await.unwrap();
    assert_eq!(missing.status(), 404);
    let listing: Value = client.get(server.url("/api/v1/workflows")).send().await.unwrap().json().await.unwrap();
    assert_eq!(listing.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn the_example_workflow_installs_at_start_once() {
    let server = TestServer::start_with(&[("OUTFLOW_EXAMPLE", "true")]);
    let client = admin_client();
    let listing: Value = client.get(server.url("/api/v1/workflows")).send().await.unwrap().json().await.unwrap();
    assert_eq!(listing[0]["name"], "Example: Service desk");
    let forms: Value = client
        .get(server.url(&format!("/api/v1/workflows/{}/forms", listing[0]["id"].as_str().unwrap())))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(forms[0]["name"], "Major incident");
    let group: Value = client.get(server.url("/api/v1/groups/Database-Team")).send().await.unwrap().json().await.unwrap();
    assert_eq!(group["members"], json!(["mmcbride", "jsmith"]));
    let mary: Value = client.get(server.url("/api/v1/users/mmcbride")).send().await.unwrap().json().await.unwrap();
    assert_eq!(mary["devices"].as_array().unwrap().len(), 2);

    let again = TestServer::start_in_with(server.stop(), &[("OUTFLOW_EXAMPLE", "true")]);
    let listing: Value = client.get(again.url("/api/v1/workflows")).send().await.unwrap().json().await.unwrap();
    assert_eq!(listing.as_array().unwrap().len(), 1, "a restart with --example installs nothing twice");
}
