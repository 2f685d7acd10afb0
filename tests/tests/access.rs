//! Roles, keys, membership and the audit log, against the real server.
//!
//! The role × route matrix is generated from the OpenAPI document the router is built
//! from: every documented operation must have an expected rule in [`expected_rule`], so a
//! new route without one fails here, and the server itself refuses routes it has no rule for.

use outflow_tests::{TestServer, api::Api};
use serde_json::{Value, json};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Role {
    Viewer,
    Responder,
    Developer,
    Admin,
}

const ROLES: [Role; 4] = [Role::Viewer, Role::Responder, Role::Developer, Role::Admin];

impl Role {
    fn key(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Responder => "responder",
            Role::Developer => "developer",
            Role::Admin => "admin",
        }
    }
}

#[derive(Clone, Copy, Debug)]
enum Expect {
    Public,
    AtLeast(Role),
    /// The user named in the path, or an admin.
    SelfOrAdmin,
    /// The agent protocol: an agent's token only; every user key is refused as unknown.
    AgentToken,
}

/// What the security baseline says each route needs; written independently of the server's
/// own table so that the two must agree.
fn expected_rule(method: &str, path: &str) -> Option<Expect> {
    use Expect::*;
    use Role::*;
    let read = method == "get";
    Some(match path {
        "/healthz" => Public,
        "/api/v1/me" | "/api/v1/runs" | "/api/v1/runs/{id}" | "/api/v1/dashboard" => AtLeast(Viewer),
        "/api/v1/runs/{id}/rerun" => AtLeast(Developer),
        "/api/v1/runs/{id}/restart" => AtLeast(Responder),
        "/api/v1/flows/{id}/runs" | "/api/v1/flows/{id}/http" => AtLeast(Responder),
        "/api/v1/flows/{id}/test" => AtLeast(Developer),
        "/api/v1/flows/{id}/sample" => AtLeast(Viewer),
        "/api/v1/audit" => AtLeast(Admin),
        "/api/v1/agents" | "/api/v1/agents/{id}" | "/api/v1/agents/{id}/users" => AtLeast(if read { Viewer } else { Admin }),
        "/api/v1/agent/heartbeat" | "/api/v1/agent/lease" | "/api/v1/agent/runs/{id}/report" => AgentToken,
        "/api/v1/alerts"
        | "/api/v1/alerts/{eventIdentifier}"
        | "/api/v1/alerts/{eventIdentifier}/status"
        | "/api/v1/alerts/{eventIdentifier}/comments"
        | "/api/v1/alerts/{eventIdentifier}/responses"
        | "/api/v1/alerts/{eventIdentifier}/escalations" => AtLeast(if read { Viewer } else { Responder }),
        "/api/v1/users" | "/api/v1/users/{targetName}" | "/api/v1/groups" | "/api/v1/groups/{targetName}" => {
            AtLeast(if read { Viewer } else { Admin })
        }
        "/api/v1/users/{targetName}/devices"
        | "/api/v1/users/{targetName}/devices/{deviceId}"
        | "/api/v1/users/{targetName}/api-keys"
        | "/api/v1/users/{targetName}/api-keys/{keyId}"
        | "/api/v1/users/{targetName}/password" => SelfOrAdmin,
        "/api/v1/workflows"
        | "/api/v1/workflows/{id}"
        | "/api/v1/workflows/{id}/members"
        | "/api/v1/workflows/{id}/forms"
        | "/api/v1/forms/{id}"
        | "/api/v1/forms/{id}/triggers/{trigger}/sample-payload"
        | "/api/v1/endpoints"
        | "/api/v1/endpoints/{id}"
        | "/api/v1/integrations"
        | "/api/v1/integrations/{id}"
        | "/api/v1/workflows/{id}/constants"
        | "/api/v1/workflows/{id}/constants/{constantId}"
        | "/api/v1/workflows/{id}/libraries"
        | "/api/v1/workflows/{id}/libraries/{libraryId}"
        | "/api/v1/flows"
        | "/api/v1/flows/{id}"
        | "/api/v1/flows/{id}/export"
        | "/api/v1/flows/import"
        | "/api/v1/flows/{id}/versions"
        | "/api/v1/flows/{id}/versions/{version}"
        | "/api/v1/flows/{id}/versions/{version}/restore"
        | "/api/v1/flows/{id}/publish"
        | "/api/v1/flows/{id}/rollback" => AtLeast(if read { Viewer } else { Developer }),
        _ => return None,
    })
}

/// Creates a user with one role and an API key; answers the key.
async fn user_with_key(api: &Api<'_>, name: &str, role: &str) -> String {
    api.post_ok("/api/v1/users", json!({"targetName": name, "firstName": name, "lastName": "Test", "roles": [role]}), 201).await;
    let created = api.post_ok(&format!("/api/v1/users/{name}/api-keys"), json!({"name": "tests"}), 201).await;
    created["key"].as_str().expect("the key is shown once").to_string()
}

fn concrete(path: &str, target_name: &str) -> String {
    path.replace("{targetName}", target_name)
        .replace("{eventIdentifier}", "987654")
        .replace("{id}", "missing")
        .replace("{deviceId}", "dv_missing")
        .replace("{keyId}", "999999")
        .replace("{constantId}", "co_missing")
        .replace("{libraryId}", "lb_missing")
        .replace("{version}", "1")
        .replace("{trigger}", "status")
}

async fn call(client: &reqwest::Client, method: &str, url: &str) -> u16 {
    let request = match method {
        "get" => client.get(url),
        "post" => client.post(url).json(&json!({})),
        "put" => client.put(url).json(&json!({})),
        "patch" => client.patch(url).json(&json!({})),
        "delete" => client.delete(url),
        other => panic!("unexpected method {other}"),
    };
    request.send().await.expect("the server answers").status().as_u16()
}

#[tokio::test]
async fn every_route_enforces_its_role_and_refuses_missing_or_bad_credentials() {
    let server = TestServer::start();
    let admin = Api::new(&server);
    let mut keys = Vec::new();
    for role in ROLES {
        let name = format!("matrix-{}", role.key());
        let key = if role == Role::Admin { user_with_key(&admin, &name, "admin").await } else { user_with_key(&admin, &name, role.key()).await };
        keys.push((role, name, outflow_tests::client_with_key(&key)));
    }
    admin.post_ok("/api/v1/users", json!({"targetName": "someone-else", "roles": ["viewer"]}), 201).await;
    let anonymous = reqwest::Client::new();
    let wrong_key = outflow_tests::client_with_key("ofk_not-a-real-key");

    let (_, document) = admin.get("/api/v1/openapi.json").await;
    let paths = document["paths"].as_object().expect("the document lists paths");
    let mut unruled = Vec::new();
    let mut checked = 0;
    for (path, operations) in paths {
        for method in operations.as_object().expect("operations").keys() {
            let Some(expect) = expected_rule(method, path) else {
                unruled.push(format!("{} {path}", method.to_uppercase()));
                continue;
            };
            let someone_else = server.url(&concrete(path, "someone-else"));
            if matches!(expect, Expect::Public) {
                assert_eq!(call(&anonymous, method, &someone_else).await, 200, "{method} {path} is public");
                continue;
            }
            assert_eq!(call(&anonymous, method, &someone_else).await, 401, "{method} {path} without a key");
            assert_eq!(call(&wrong_key, method, &someone_else).await, 401, "{method} {path} with an unknown key");
            for (role, name, client) in &keys {
                let (url, allowed) = match expect {
                    Expect::AtLeast(need) => (someone_else.clone(), *role >= need),
                    Expect::SelfOrAdmin => (someone_else.clone(), *role == Role::Admin),
                    Expect::AgentToken => {
                        assert_eq!(call(client, method, &someone_else).await, 401, "{method} {path} with a user's key as {role:?}");
                        checked += 1;
                        continue;
                    }
                    Expect::Public => unreachable!(),
                };
                let status = call(client, method, &url).await;
                if allowed {
                    assert!(!matches!(status, 401 | 403) && status < 500, "{method} {path} as {role:?} must be allowed, got {status}");
                } else {
                    assert_eq!(status, 403, "{method} {path} as {role:?} must be refused");
                }
                if matches!(expect, Expect::SelfOrAdmin) {
                    let own = server.url(&concrete(path, name));
                    let status = call(client, method, &own).await;
                    assert!(!matches!(status, 401 | 403) && status < 500, "{method} {path} on their own name as {role:?}: {status}");
                }
                checked += 1;
            }
        }
    }
    assert!(unruled.is_empty(), "routes without an expected rule in this test: {unruled:?}");
    assert!(checked > 150, "the matrix covered only {checked} role × route pairs");
}

#[tokio::test]
async fn another_workflows_objects_are_not_found_until_the_developer_is_a_member() {
    let server = TestServer::start();
    let admin = Api::new(&server);
    let dev_key = user_with_key(&admin, "dana", "developer").await;
    let responder_key = user_with_key(&admin, "rick", "responder").await;
    let dev = Api::with_key(&server, &dev_key);
    let workflow = admin.post_ok("/api/v1/workflows", json!({"name": "Payments"}), 201).await;
    let id = workflow["id"].as_str().unwrap();
    let endpoint = json!({"workflowId": id, "name": "Chat", "baseUrl": "http://127.0.0.1:9/hook", "auth": {"type": "none"}});
    let created = admin.post_ok("/api/v1/endpoints", endpoint.clone(), 201).await;
    let endpoint_id = created["id"].as_str().unwrap();

    let (_, listed) = dev.get("/api/v1/workflows").await;
    assert_eq!(listed, json!([]), "a developer sees only workflows they are a member of");
    assert_eq!(dev.get(&format!("/api/v1/workflows/{id}")).await.0, 404);
    assert_eq!(dev.get(&format!("/api/v1/endpoints/{endpoint_id}")).await.0, 404);
    let (status, body) = dev.patch(&format!("/api/v1/endpoints/{endpoint_id}"), json!({"name": "Mine now"})).await;
    assert_eq!(status, 404, "{body}");
    assert_eq!(body["error"]["message"], format!("No endpoint with id {endpoint_id}."));
    assert_eq!(admin.get(&format!("/api/v1/endpoints/{endpoint_id}")).await.1["name"], "Chat", "nothing changed");

    let (status, members) = admin.put(&format!("/api/v1/workflows/{id}/members"), json!({"members": ["dana", "rick"]})).await;
    assert_eq!(status, 200, "{members}");
    assert_eq!(members["members"], json!(["dana", "rick"]));
    assert_eq!(dev.get(&format!("/api/v1/workflows/{id}")).await.0, 200);
    let (status, changed) = dev.patch(&format!("/api/v1/endpoints/{endpoint_id}"), json!({"name": "Chat ops"})).await;
    assert_eq!((status, changed["name"].clone()), (200, json!("Chat ops")));

    let responder = Api::with_key(&server, &responder_key);
    let (status, refusal) = responder.post("/api/v1/endpoints", endpoint).await;
    assert_eq!(status, 403);
    assert_eq!(refusal["error"]["message"], "This needs the developer role; rick has the responder role.");
    let (status, _) = admin.put(&format!("/api/v1/workflows/{id}/members"), json!({"members": ["nobody-by-that-name"]})).await;
    assert_eq!(status, 422);
}

#[tokio::test]
async fn keys_are_shown_once_record_their_use_and_stop_working_when_revoked() {
    let server = TestServer::start();
    let admin = Api::new(&server);
    let key = user_with_key(&admin, "vera", "viewer").await;
    assert!(key.starts_with("ofk_"));
    let vera = Api::with_key(&server, &key);
    let (status, me) = vera.get("/api/v1/me").await;
    assert_eq!((status, me["targetName"].clone(), me["roles"].clone()), (200, json!("vera"), json!(["viewer"])));

    let (_, keys) = vera.get("/api/v1/users/vera/api-keys").await;
    assert_eq!(keys.as_array().unwrap().len(), 1);
    assert!(keys[0]["lastUsedAt"].is_string(), "the use is recorded: {keys}");
    assert!(!keys.to_string().contains(&key), "a listing never shows the key");
    let key_id = keys[0]["id"].as_str().unwrap().to_string();

    assert_eq!(vera.get("/api/v1/users/admin/api-keys").await.0, 403, "someone else's keys");
    assert_eq!(vera.delete(&format!("/api/v1/users/vera/api-keys/{key_id}")).await.0, 204);
    let (status, refusal) = vera.get("/api/v1/me").await;
    assert_eq!(status, 401);
    assert_eq!(refusal["error"]["code"], "unauthorized");
    let (_, keys) = admin.get("/api/v1/users/vera/api-keys").await;
    assert!(keys[0]["revokedAt"].is_string());
}

#[tokio::test]
async fn a_changed_role_or_a_deactivated_user_takes_effect_on_the_next_request() {
    let server = TestServer::start();
    let admin = Api::new(&server);
    let key = user_with_key(&admin, "rosa", "responder").await;
    let rosa = Api::with_key(&server, &key);
    assert_eq!(rosa.post("/api/v1/workflows", json!({"name": "Not yet"})).await.0, 403);

    assert_eq!(admin.patch("/api/v1/users/rosa", json!({"roles": ["developer"]})).await.0, 200);
    let (status, created) = rosa.post("/api/v1/workflows", json!({"name": "Now allowed"})).await;
    assert_eq!(status, 201, "the new role counts at once: {created}");

    assert_eq!(admin.patch("/api/v1/users/rosa", json!({"active": false})).await.0, 200);
    let (status, refusal) = rosa.get("/api/v1/me").await;
    assert_eq!((status, refusal["error"]["code"].clone()), (401, json!("unauthorized")), "a deactivated user's key stops working");
}

#[tokio::test]
async fn the_audit_log_records_changes_with_diffs_and_never_secrets() {
    let server = TestServer::start();
    let admin = Api::new(&server);
    let workflow = admin.post_ok("/api/v1/workflows", json!({"name": "Audited"}), 201).await;
    let secret = "tok-SECRET-0123456789";
    let endpoint = admin
        .post_ok(
            "/api/v1/endpoints",
            json!({"workflowId": workflow["id"], "name": "Desk", "baseUrl": "http://127.0.0.1:9", "auth": {"type": "bearer", "token": secret}}),
            201,
        )
        .await;
    let id = endpoint["id"].as_str().unwrap();
    let moved = json!({"baseUrl": "http://127.0.0.1:10", "auth": {"type": "bearer", "token": secret}});
    assert_eq!(admin.patch(&format!("/api/v1/endpoints/{id}"), moved).await.0, 200);
    assert_eq!(admin.delete(&format!("/api/v1/endpoints/{id}")).await.0, 204);

    let (status, audit) = admin.get("/api/v1/audit").await;
    assert_eq!(status, 200);
    let entries: Vec<&Value> = audit["items"].as_array().unwrap().iter().filter(|entry| entry["objectId"] == id).collect();
    let actions: Vec<&str> = entries.iter().map(|entry| entry["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["delete", "update", "create"], "newest first");
    assert_eq!(entries[1]["changes"], json!({"baseUrl": ["http://127.0.0.1:9", "http://127.0.0.1:10"]}));
    assert_eq!(entries[1]["actor"], "admin");
    assert_eq!(entries[2]["objectName"], "Desk");
    assert!(!audit.to_string().contains(secret), "the audit log shows secrets masked");

    let viewer = user_with_key(&admin, "val", "viewer").await;
    assert_eq!(Api::with_key(&server, &viewer).get("/api/v1/audit").await.0, 403);
}

#[tokio::test]
async fn secrets_never_appear_in_any_answer() {
    let server = TestServer::start();
    let admin = Api::new(&server);
    let workflow = admin.post_ok("/api/v1/workflows", json!({"name": "Secrets"}), 201).await;
    let wf = workflow["id"].as_str().unwrap();
    let (token, password) = ("bearer-SECRET-abcdef", "basic-SECRET-ghijkl");
    let bearer = json!({"workflowId": wf, "name": "A", "baseUrl": "http://127.0.0.1:9", "auth": {"type": "bearer", "token": token}});
    let basic =
        json!({"workflowId": wf, "name": "B", "baseUrl": "http://127.0.0.1:9", "auth": {"type": "basic", "username": "u", "password": password}});
    let a = admin.post_ok("/api/v1/endpoints", bearer, 201).await;
    admin.post_ok("/api/v1/endpoints", basic, 201).await;
    assert_eq!(admin.put("/api/v1/users/admin/password", json!({"password": "a long enough password"})).await.0, 204);
    let key = user_with_key(&admin, "kim", "viewer").await;
    let answers = [
        admin.get(&format!("/api/v1/endpoints?workflowId={wf}")).await.1,
        admin.get(&format!("/api/v1/endpoints/{}", a["id"].as_str().unwrap())).await.1,
        admin.get("/api/v1/audit").await.1,
        admin.get("/api/v1/users").await.1,
        admin.get("/api/v1/users/admin").await.1,
        admin.get("/api/v1/users/kim/api-keys").await.1,
    ];
    for answer in answers {
        let text = answer.to_string();
        for secret in [token, password, key.as_str(), "argon2", "a long enough password"] {
            assert!(!text.contains(secret), "an answer shows {secret}: {text}");
        }
    }
}

#[tokio::test]
async fn a_key_over_its_rate_limit_is_told_when_to_retry() {
    let server = TestServer::start_with(&[("OUTFLOW_RATE_LIMIT", "2")]);
    let client = outflow_tests::admin_client();
    let mut refused = None;
    for _ in 0..12 {
        let response = client.get(server.url("/api/v1/me")).send().await.unwrap();
        if response.status() == 429 {
            refused = Some(response);
            break;
        }
    }
    let refused = refused.expect("12 requests at once exceed 2/s with a burst of 4");
    let retry_after: u64 = refused.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=2).contains(&retry_after));
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["error"]["code"], "rate_limited");
    tokio::time::sleep(std::time::Duration::from_secs(retry_after)).await;
    assert_eq!(client.get(server.url("/api/v1/me")).send().await.unwrap().status(), 200, "the key works again after waiting");
}

#[tokio::test]
async fn oversized_scripts_and_alert_values_are_refused_with_a_clear_message() {
    let server = TestServer::start();
    let admin = Api::new(&server);
    let workflow = admin.post_ok("/api/v1/workflows", json!({"name": "Limits"}), 201).await;
    let form = admin
        .post_ok(
            &format!("/api/v1/workflows/{}/forms", workflow["id"].as_str().unwrap()),
            json!({"name": "F", "enabled": true, "properties": [{"name": "note", "type": "text", "includeInOutbound": true}], "responses": []}),
            201,
        )
        .await;
    let script = "// x\n".repeat(60_000);
    let (status, refusal) = admin
        .post(
            "/api/v1/integrations",
            json!({"formId": form["id"], "name": "Huge", "trigger": "status", "action": {"type": "script", "script": script}}),
        )
        .await;
    assert_eq!((status, refusal["error"]["message"].clone()), (422, json!("A script is at most 256 KiB.")));
    admin.post_ok("/api/v1/users", json!({"targetName": "lim", "roles": ["viewer"]}), 201).await;
    let (status, refusal) = admin
        .post("/api/v1/alerts", json!({"formId": form["id"], "properties": {"note": "n".repeat(20_001)}, "recipients": ["lim"], "priority": "LOW"}))
        .await;
    assert_eq!(status, 422);
    assert!(refusal["error"]["message"].as_str().unwrap().contains("at most 20000 characters"), "{refusal}");
    assert_eq!(admin.get("/api/v1/alerts").await.1["total"], 0, "nothing was started");
}
