//! Flows as code with the real binary: `outflow flows export` writes a workflow's flows as
//! files that name forms and endpoints (never ids, never secrets); `outflow flows apply`
//! makes another server's workflow match them, prints what changes, changes nothing the
//! second time or with `--dry-run`, and refuses an invalid folder whole, naming the blocks.

use std::{
    collections::BTreeMap,
    path::Path,
    process::{Command, Output},
};

use outflow_tests::{ADMIN_KEY, TestServer, api::Api, outflow_bin};
use serde_json::{Value, json};

struct Setup {
    incident: String,
    change: String,
    endpoint: String,
}

/// The workflow "Ops" with the forms and the endpoint its flows refer to; the endpoint's
/// token differs per server, as it would between environments.
async fn setup(api: &Api<'_>, token: &str) -> Setup {
    let workflow = api.workflow("Ops").await;
    let form = |name: &str| json!({"name": name, "properties": [{"name": "number", "type": "text", "includeInOutbound": true}], "responses": [{"choice": "Acknowledge"}]});
    let incident = api.form(&workflow, form("Incident")).await;
    let change = api.form(&workflow, form("Change")).await;
    let endpoint = api
        .post_ok(
            "/api/v1/endpoints",
            json!({"workflowId": workflow, "name": "Desk", "baseUrl": "https://desk.example.com/api", "auth": {"type": "bearer", "token": token}}),
            201,
        )
        .await;
    Setup { incident, change, endpoint: endpoint["id"].as_str().expect("an endpoint id").to_string() }
}

fn block(id: &str, kind: &str, key: &str, settings: Value, inputs: Value, x: i64) -> Value {
    let key_field = if kind == "trigger" { "trigger" } else { "step" };
    json!({"id": id, "kind": kind, key_field: key, "label": id.to_uppercase(), "settings": settings, "inputs": inputs, "position": {"x": x, "y": 80}})
}

fn edge(from: &str, port: &str, to: &str) -> Value {
    json!({"from": from, "fromPort": port, "to": to, "toPort": "in"})
}

/// Three flows: two share a name on different forms; they use an endpoint and a form by id.
async fn flows(api: &Api<'_>, setup: &Setup) {
    let close = |form: &str| {
        json!({"name": "Close ticket", "formId": form, "blocks": [
            block("t1", "trigger", "status", json!({}), json!({}), 40),
            block("s1", "step", "switch", json!({"value": "${t1.status}", "cases": "TERMINATED"}), json!({}), 260),
            block("w1", "step", "webhook", json!({"method": "POST", "path": "/tickets/close", "endpointId": setup.endpoint}), json!({"body": "{\"alert\": \"${t1.eventIdentifier}\"}"}), 480),
        ], "edges": [edge("t1", "out", "s1"), edge("s1", "TERMINATED", "w1")]})
    };
    api.post_ok("/api/v1/flows/import", close(&setup.incident), 201).await;
    api.post_ok("/api/v1/flows/import", close(&setup.change), 201).await;
    let open_change = json!({"name": "Open change", "formId": setup.incident, "blocks": [
        block("h1", "trigger", "http", json!({"auth": "basic", "mode": "async"}), json!({}), 40),
        block("c1", "step", "create_alert", json!({"formId": setup.change, "priority": "HIGH"}), json!({"recipients": "admin", "properties": "{\"number\": \"${h1.body.number}\"}"}), 260),
    ], "edges": [edge("h1", "out", "c1")]});
    api.post_ok("/api/v1/flows/import", open_change, 201).await;
}

/// Runs `outflow flows …` against a server; answers (success, stdout, stderr).
fn outflow_flows(server: &TestServer, args: &[&str]) -> (bool, String, String) {
    let Output { status, stdout, stderr } = Command::new(outflow_bin())
        .arg("flows")
        .args(args)
        .args(["--server", &server.base_url, "--token", ADMIN_KEY, "--workflow", "Ops"])
        .env("RUST_LOG", "warn")
        .output()
        .expect("the outflow binary runs");
    (status.success(), String::from_utf8_lossy(&stdout).into_owned(), String::from_utf8_lossy(&stderr).into_owned())
}

fn export(server: &TestServer, dir: &Path) -> BTreeMap<String, String> {
    let (ok, stdout, stderr) = outflow_flows(server, &["export", "--out", dir.to_str().expect("a UTF-8 path")]);
    assert!(ok, "export failed:\n{stdout}\n{stderr}");
    files(dir)
}

fn apply(server: &TestServer, dir: &Path, extra: &[&str]) -> (bool, String, String) {
    let mut args = vec!["apply", dir.to_str().expect("a UTF-8 path")];
    args.extend_from_slice(extra);
    outflow_flows(server, &args)
}

fn files(dir: &Path) -> BTreeMap<String, String> {
    std::fs::read_dir(dir)
        .expect("the folder exists")
        .map(|entry| entry.expect("a folder entry").path())
        .map(|path| (path.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read_to_string(&path).expect("a text file")))
        .collect()
}

/// Each flow's name, form and version on a server.
async fn versions(api: &Api<'_>) -> Vec<(String, String, i64)> {
    let (_, flows) = api.get("/api/v1/flows").await;
    let mut found: Vec<(String, String, i64)> = flows
        .as_array()
        .expect("a list")
        .iter()
        .map(|flow| (flow["formName"].as_str().unwrap().into(), flow["name"].as_str().unwrap().into(), flow["version"].as_i64().unwrap()))
        .collect();
    found.sort();
    found
}

#[tokio::test]
async fn flows_move_between_servers_as_files_and_a_second_apply_changes_nothing() {
    let (first, second) = (TestServer::start(), TestServer::start());
    let (api_a, api_b) = (Api::new(&first), Api::new(&second));
    let setup_a = setup(&api_a, "token-of-the-first-server").await;
    flows(&api_a, &setup_a).await;
    let setup_b = setup(&api_b, "token-of-the-second-server").await;

    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let exported = export(&first, dir_a.path());
    assert_eq!(exported.keys().collect::<Vec<_>>(), ["change--close-ticket.json", "incident--close-ticket.json", "open-change.json"]);
    for (name, text) in &exported {
        assert!(!text.contains("token-of") && !text.contains("desk.example.com"), "{name} holds an endpoint's settings:\n{text}");
        for id in [&setup_a.incident, &setup_a.change, &setup_a.endpoint] {
            assert!(!text.contains(id.as_str()), "{name} holds the id {id}:\n{text}");
        }
        assert!(text.ends_with("}\n"));
    }
    let close: Value = serde_json::from_str(&exported["incident--close-ticket.json"]).unwrap();
    assert_eq!((close["name"].as_str(), close["form"].as_str()), (Some("Close ticket"), Some("Incident")));
    assert_eq!(close["blocks"][2]["settings"], json!({"endpoint": "Desk", "method": "POST", "path": "/tickets/close"}));
    let open: Value = serde_json::from_str(&exported["open-change.json"]).unwrap();
    assert_eq!(open["blocks"][1]["settings"], json!({"form": "Change", "priority": "HIGH"}));
    assert_eq!(export(&first, dir_a.path()), exported, "exporting again writes the same files");

    let (ok, stdout, stderr) = apply(&second, dir_a.path(), &["--dry-run"]);
    assert!(ok, "{stdout}\n{stderr}");
    assert_eq!(stdout.lines().filter(|line| line.starts_with("+ create")).count(), 3, "{stdout}");
    assert!(stdout.contains("Dry run: 3 to create, 0 to update, 0 to delete, 0 unchanged; nothing was changed."), "{stdout}");
    assert!(versions(&api_b).await.is_empty(), "a dry run creates nothing");

    let (ok, stdout, stderr) = apply(&second, dir_a.path(), &[]);
    assert!(ok, "{stdout}\n{stderr}");
    assert!(stdout.contains("Applied: 3 to create, 0 to update, 0 to delete, 0 unchanged."), "{stdout}");
    let (_, flows_b) = api_b.get("/api/v1/flows").await;
    let open_b = flows_b.as_array().unwrap().iter().find(|flow| flow["name"] == "Open change").unwrap();
    let (_, open_b) = api_b.get(&format!("/api/v1/flows/{}", open_b["id"].as_str().unwrap())).await;
    assert_eq!(open_b["blocks"][1]["settings"]["formId"], json!(setup_b.change), "names resolve to the second server's ids");
    assert_eq!(export(&second, dir_b.path()), exported, "the second server exports the very same files");

    let before = versions(&api_b).await;
    let (ok, stdout, _) = apply(&second, dir_a.path(), &[]);
    assert!(ok);
    assert!(stdout.contains("No changes: 3 flows already match"), "{stdout}");
    assert!(!stdout.lines().any(|line| line.starts_with('+') || line.starts_with('~') || line.starts_with('-')), "{stdout}");
    assert_eq!(versions(&api_b).await, before, "a second apply saves nothing");

    // An edit in git goes back to the first server as an update of that one flow.
    let path = dir_b.path().join("incident--close-ticket.json");
    std::fs::write(&path, exported["incident--close-ticket.json"].replace("\"label\": \"W1\"", "\"label\": \"Close the ticket\"")).unwrap();
    let (ok, stdout, stderr) = apply(&first, dir_b.path(), &[]);
    assert!(ok, "{stdout}\n{stderr}");
    assert!(stdout.contains("~ update \"Close ticket\" (form \"Incident\") from incident--close-ticket.json: blocks ~w1"), "{stdout}");
    assert!(stdout.contains("Applied: 0 to create, 1 to update, 0 to delete, 2 unchanged."), "{stdout}");
    assert_eq!(export(&first, dir_a.path()), files(dir_b.path()));

    // What apply saves runs at once; a draft saved in the designer stays out of exports.
    let (_, listing) = api_a.get("/api/v1/flows").await;
    let close_a = listing.as_array().unwrap().iter().find(|flow| flow["name"] == "Close ticket" && flow["formName"] == "Incident").unwrap().clone();
    assert_eq!((close_a["publishedVersion"].clone(), close_a["draftVersion"].clone()), (close_a["version"].clone(), Value::Null), "apply publishes");
    let id = close_a["id"].as_str().unwrap();
    let (_, flow) = api_a.get(&format!("/api/v1/flows/{id}")).await;
    let mut blocks = flow["blocks"].clone();
    blocks[2]["label"] = json!("Half-done edit");
    let draft = json!({"baseVersion": flow["version"], "name": flow["name"], "blocks": blocks, "edges": flow["edges"]});
    assert_eq!(api_a.put(&format!("/api/v1/flows/{id}"), draft).await.0, 200);
    assert_eq!(export(&first, dir_a.path()), files(dir_b.path()), "export writes what runs, not the draft");
}

#[tokio::test]
async fn an_invalid_folder_is_refused_whole_naming_the_blocks() {
    let server = TestServer::start();
    let api = Api::new(&server);
    let setup = setup(&api, "a-token").await;
    flows(&api, &setup).await;
    let dir = tempfile::tempdir().unwrap();
    let exported = export(&server, dir.path());
    let before = versions(&api).await;

    let mut looping: Value = serde_json::from_str(&exported["incident--close-ticket.json"]).unwrap();
    looping["blocks"][0]["label"] = json!("Edited");
    looping["edges"].as_array_mut().unwrap().push(edge("w1", "out", "s1"));
    std::fs::write(dir.path().join("incident--close-ticket.json"), serde_json::to_string_pretty(&looping).unwrap()).unwrap();
    let mut elsewhere: Value = serde_json::from_str(&exported["open-change.json"]).unwrap();
    elsewhere["blocks"][1]["settings"]["form"] = json!("Nowhere");
    elsewhere["blocks"].as_array_mut().unwrap().push(block("z9", "step", "teleport", json!({}), json!({}), 700));
    std::fs::write(dir.path().join("open-change.json"), serde_json::to_string_pretty(&elsewhere).unwrap()).unwrap();

    for extra in [&[][..], &["--dry-run"][..]] {
        let (ok, stdout, stderr) = apply(&server, dir.path(), extra);
        assert!(!ok, "an invalid folder fails the command:\n{stdout}");
        let cycle = stderr.lines().find(|line| line.contains("[cycle]")).unwrap_or_default();
        assert!(stderr.contains("incident--close-ticket.json: refused") && cycle.contains("\"s1\"") && cycle.contains("\"w1\""), "{stderr}");
        assert!(stderr.contains("open-change.json: refused") && stderr.contains("block \"c1\"") && stderr.contains("\"Nowhere\""), "{stderr}");
        assert!(stderr.contains("Nothing was applied: 2 of 3 files refused."), "{stderr}");
        assert_eq!(versions(&api).await, before, "nothing changed, not even the valid file's flow");
    }
    let (ok, _, stderr) = apply(&server, Path::new("/nonexistent/flows"), &[]);
    assert!(!ok && stderr.contains("/nonexistent/flows"), "{stderr}");
}
