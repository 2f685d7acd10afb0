//! The access matrix, generated from the operations layer: every [`Operation`] × every role ×
//! {member of the object's workflow, member of another workflow only, member of none},
//! through the REST API, through the UI's server function and (where one exists) through a
//! flow step, asserting the same answer on each path and the answer the operation's rule
//! gives. An operation added without a case here does not compile (the `match` below is
//! exhaustive), and one without a rule does not compile in `core`.

use std::time::Duration;

use outflow_core::{access::Need, ops::Operation};
use outflow_tests::{
    TestServer,
    api::{Api, eventually},
    browser_as,
    receiver::Receiver,
};
use serde_json::{Value, json};

const ROLES: [(&str, Need); 4] = [("viewer", Need::Viewer), ("responder", Need::Responder), ("developer", Need::Developer), ("admin", Need::Admin)];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Membership {
    /// A member of the object's workflow.
    Member,
    /// A member of another workflow only.
    Other,
    /// A member of no workflow.
    None,
}

const MEMBERSHIPS: [Membership; 3] = [Membership::Member, Membership::Other, Membership::None];

/// What a caller sees, whatever the path's own success status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Answer {
    Allowed,
    /// 403: the role is missing.
    Forbidden,
    /// 404, or a listing without the object: another workflow's object does not exist.
    Hidden,
}

fn expected(operation: Operation, role: Need, membership: Membership) -> Answer {
    if role < operation.rule().need {
        Answer::Forbidden
    } else if role == Need::Admin || membership == Membership::Member {
        Answer::Allowed
    } else {
        Answer::Hidden
    }
}

fn classify(status: u16, body: &Value) -> Answer {
    match status {
        200..=299 => Answer::Allowed,
        403 => Answer::Forbidden,
        404 => Answer::Hidden,
        other => panic!("unexpected {other}: {body}"),
    }
}

/// A listing's answer: allowed when it shows the object of workflow A.
fn classify_listing(status: u16, body: &Value, shows: impl Fn(&Value) -> bool) -> Answer {
    match classify(status, body) {
        Answer::Allowed if shows(body) => Answer::Allowed,
        Answer::Allowed => Answer::Hidden,
        other => other,
    }
}

/// Workflow A with its objects, made by the admin.
struct World {
    workflow: String,
    form: String,
    endpoint: String,
    /// A finished integration run of workflow A.
    run: String,
    /// A flow of workflow A (saved by the admin) per step operation, run by id.
    flows: Vec<(Operation, String)>,
}

struct Caller<'a> {
    name: String,
    role: Need,
    api: Api<'a>,
    browser: reqwest::Client,
}

async fn world(admin: &Api<'_>, receiver: &Receiver) -> World {
    let workflow = admin.workflow("Alpha").await;
    admin.workflow("Beta").await;
    let form = admin
        .form(&workflow, json!({"name": "Incident", "enabled": true, "properties": [], "responses": [{"choice": "Acknowledge", "action": "none"}]}))
        .await;
    let endpoint = admin.post_ok("/api/v1/endpoints", json!({"workflowId": workflow, "name": "Sink", "baseUrl": receiver.url("")}), 201).await;
    let endpoint = endpoint["id"].as_str().unwrap().to_string();
    let integration = json!({"formId": form, "name": "Notify", "trigger": "status", "action": {"type": "webhook", "endpointId": endpoint, "path": "/hook"}});
    admin.post_ok("/api/v1/integrations", integration, 201).await;
    let alert = admin.post_ok("/api/v1/alerts", json!({"formId": form, "recipients": ["admin"]}), 201).await["eventIdentifier"].as_i64().unwrap();
    let run = eventually(Duration::from_secs(15), || async {
        let (_, page) = admin.get(&format!("/api/v1/runs?eventIdentifier={alert}")).await;
        let run = page["items"].as_array()?.iter().find(|run| run["status"] == "succeeded")?.clone();
        Some(run["id"].as_str()?.to_string())
    })
    .await
    .expect("the integration run finishes");
    let mut flows = Vec::new();
    for (operation, step, settings, inputs) in [
        (Operation::StartAlert, "create_alert", json!({"formId": form}), json!({"recipients": "${h1.body.recipient}"})),
        (Operation::ListAlerts, "get_alerts", json!({"formId": form}), json!({})),
        (Operation::CommentOnAlert, "add_comment", json!({}), json!({"eventIdentifier": "${h1.body.alert}", "comment": "from a flow"})),
        (Operation::ChangeAlertStatus, "change_alert_status", json!({"status": "SUSPENDED"}), json!({"eventIdentifier": "${h1.body.alert}"})),
    ] {
        let blocks = json!([
            {"id": "h1", "kind": "trigger", "trigger": "http", "position": {"x": 0, "y": 0}},
            {"id": "s1", "kind": "step", "step": step, "label": "s1", "settings": settings, "inputs": inputs, "position": {"x": 200, "y": 0}},
        ]);
        let edges = json!([{"from": "h1", "fromPort": "out", "to": "s1", "toPort": "in"}]);
        let flow = admin.post_ok("/api/v1/flows/import", json!({"name": format!("{operation:?}"), "formId": form, "blocks": blocks, "edges": edges}), 201).await;
        flows.push((operation, flow["id"].as_str().unwrap().to_string()));
    }
    World { workflow, form, endpoint, run, flows }
}

/// A fresh alert of workflow A that notifies `name` (directly and through their group).
async fn alert_for(admin: &Api<'_>, world: &World, name: &str) -> i64 {
    let body = json!({"formId": world.form, "recipients": [name, format!("{name}-group")]});
    admin.post_ok("/api/v1/alerts", body, 201).await["eventIdentifier"].as_i64().unwrap()
}

async fn fresh_endpoint(admin: &Api<'_>, world: &World, label: &str) -> String {
    let body = json!({"workflowId": world.workflow, "name": label, "baseUrl": "http://127.0.0.1:9/"});
    admin.post_ok("/api/v1/endpoints", body, 201).await["id"].as_str().unwrap().to_string()
}

async fn ui(browser: &reqwest::Client, server: &TestServer, function: &str, args: Value) -> (u16, Value) {
    let response = browser.post(server.url(&format!("/ui/{function}"))).json(&args).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// The answers of the REST API, the UI (where it offers the operation) and a flow step
/// (where one does it) for one caller.
async fn answers(server: &TestServer, admin: &Api<'_>, world: &World, operation: Operation, caller: &Caller<'_>, case: usize) -> Vec<(&'static str, Answer)> {
    let (api, name) = (&caller.api, caller.name.as_str());
    let ui_call = |function: &'static str, args: Value| ui(&caller.browser, server, function, args);
    let mut seen = Vec::new();
    match operation {
        Operation::StartAlert => {
            let body = json!({"formId": world.form, "recipients": [name]});
            let (status, answer) = api.post("/api/v1/alerts", body.clone()).await;
            seen.push(("rest", classify(status, &answer)));
            let (status, answer) = ui_call("start_alert", json!({"input": body})).await;
            seen.push(("ui", classify(status, &answer)));
        }
        Operation::ListAlerts => {
            let alert = alert_for(admin, world, name).await;
            let shows = |page: &Value| page["items"].as_array().is_some_and(|items| items.iter().any(|item| item["eventIdentifier"] == alert));
            let (status, answer) = api.get("/api/v1/alerts").await;
            seen.push(("rest", classify_listing(status, &answer, shows)));
            let (status, answer) = ui_call("recent_alerts", json!({})).await;
            seen.push(("ui", classify_listing(status, &answer, shows)));
        }
        Operation::ReadAlert => {
            let alert = alert_for(admin, world, name).await;
            let (status, answer) = api.get(&format!("/api/v1/alerts/{alert}")).await;
            seen.push(("rest", classify(status, &answer)));
            let (status, answer) = ui_call("fetch_alert", json!({"id": alert})).await;
            seen.push(("ui", classify(status, &answer)));
        }
        Operation::ChangeAlertStatus => {
            let alert = alert_for(admin, world, name).await;
            let (status, answer) = api.post(&format!("/api/v1/alerts/{alert}/status"), json!({"status": "SUSPENDED"})).await;
            seen.push(("rest", classify(status, &answer)));
            let alert = alert_for(admin, world, name).await;
            let (status, answer) = ui_call("set_alert_status", json!({"id": alert, "status": "SUSPENDED"})).await;
            seen.push(("ui", classify(status, &answer)));
        }
        Operation::CommentOnAlert => {
            let alert = alert_for(admin, world, name).await;
            let (status, answer) = api.post(&format!("/api/v1/alerts/{alert}/comments"), json!({"author": name, "comment": "hello"})).await;
            seen.push(("rest", classify(status, &answer)));
            let (status, answer) = ui_call("comment_on_alert", json!({"id": alert, "comment": "hello", "source": "INBOX"})).await;
            seen.push(("ui", classify(status, &answer)));
        }
        Operation::RespondToAlert => {
            let response = json!({"recipient": name, "response": "Acknowledge"});
            let alert = alert_for(admin, world, name).await;
            let (status, answer) = api.post(&format!("/api/v1/alerts/{alert}/responses"), response.clone()).await;
            seen.push(("rest", classify(status, &answer)));
            let (status, answer) = ui_call("respond_to_alert", json!({"id": alert, "input": response})).await;
            seen.push(("ui", classify(status, &answer)));
        }
        Operation::EscalateAlert => {
            let group = format!("{name}-group");
            let alert = alert_for(admin, world, name).await;
            let (status, answer) = api.post(&format!("/api/v1/alerts/{alert}/escalations"), json!({"group": group})).await;
            seen.push(("rest", classify(status, &answer)));
            let alert = alert_for(admin, world, name).await;
            let (status, answer) = ui_call("escalate_alert", json!({"id": alert, "group": group})).await;
            seen.push(("ui", classify(status, &answer)));
        }
        Operation::ListRuns => {
            let shows = |page: &Value| page["items"].as_array().is_some_and(|items| items.iter().any(|item| item["id"] == world.run.as_str()));
            let (status, answer) = api.get("/api/v1/runs").await;
            seen.push(("rest", classify_listing(status, &answer, shows)));
            let (status, answer) = ui_call("list_runs", json!({"query": {}})).await;
            seen.push(("ui", classify_listing(status, &answer, shows)));
        }
        Operation::ReadRun => {
            let (status, answer) = api.get(&format!("/api/v1/runs/{}", world.run)).await;
            seen.push(("rest", classify(status, &answer)));
            let (status, answer) = ui_call("fetch_run", json!({"id": world.run})).await;
            seen.push(("ui", classify(status, &answer)));
        }
        Operation::Rerun => {
            let (status, answer) = api.post(&format!("/api/v1/runs/{}/rerun", world.run), json!({})).await;
            seen.push(("rest", classify(status, &answer)));
            let (status, answer) = ui_call("rerun", json!({"id": world.run})).await;
            seen.push(("ui", classify(status, &answer)));
        }
        Operation::CreateEndpoint => {
            let body = |path: &str| json!({"workflowId": world.workflow, "name": format!("{name} {case} {path}"), "baseUrl": "http://127.0.0.1:9/"});
            let (status, answer) = api.post("/api/v1/endpoints", body("rest")).await;
            seen.push(("rest", classify(status, &answer)));
            let (status, answer) = ui_call("create_endpoint", json!({"input": body("ui")})).await;
            seen.push(("ui", classify(status, &answer)));
        }
        Operation::ListEndpoints => {
            let (status, answer) = api.get(&format!("/api/v1/endpoints?workflowId={}", world.workflow)).await;
            seen.push(("rest", classify(status, &answer)));
        }
        Operation::ReadEndpoint => {
            let (status, answer) = api.get(&format!("/api/v1/endpoints/{}", world.endpoint)).await;
            seen.push(("rest", classify(status, &answer)));
        }
        Operation::UpdateEndpoint => {
            let endpoint = fresh_endpoint(admin, world, &format!("update {name} {case}")).await;
            let (status, answer) = api.patch(&format!("/api/v1/endpoints/{endpoint}"), json!({"trustSelfSigned": true})).await;
            seen.push(("rest", classify(status, &answer)));
            let (status, answer) = ui_call("update_endpoint", json!({"id": endpoint, "patch": {"trustSelfSigned": false}})).await;
            seen.push(("ui", classify(status, &answer)));
        }
        Operation::DeleteEndpoint => {
            let endpoint = fresh_endpoint(admin, world, &format!("delete {name} {case} rest")).await;
            let (status, answer) = api.delete(&format!("/api/v1/endpoints/{endpoint}")).await;
            seen.push(("rest", classify(status, &answer)));
            let endpoint = fresh_endpoint(admin, world, &format!("delete {name} {case} ui")).await;
            let (status, answer) = ui_call("delete_endpoint", json!({"id": endpoint})).await;
            seen.push(("ui", classify(status, &answer)));
        }
    }
    if let Some(answer) = through_flow_step(admin, world, operation, caller).await {
        seen.push(("flow step", answer));
    }
    seen
}

/// Runs the flow whose step does `operation`, as the caller; `None` where no step does it,
/// or where the caller may not run flows at all (starting a run needs the responder role).
async fn through_flow_step(admin: &Api<'_>, world: &World, operation: Operation, caller: &Caller<'_>) -> Option<Answer> {
    let flow = &world.flows.iter().find(|(step_operation, _)| *step_operation == operation)?.1;
    if caller.role < Need::Responder {
        return None;
    }
    let alert = alert_for(admin, world, &caller.name).await;
    let payload = json!({"payload": {"body": {"alert": alert, "recipient": caller.name}}});
    let (status, run) = caller.api.post(&format!("/api/v1/flows/{flow}/runs?wait=true"), payload).await;
    if status == 404 {
        return Some(Answer::Hidden);
    }
    assert_eq!(status, 200, "{run}");
    let step = run["flow"]["steps"].as_array().and_then(|steps| steps.iter().find(|step| step["blockId"] == "s1")).cloned().unwrap_or(Value::Null);
    let error = step["error"].as_str().unwrap_or_default();
    Some(match run["status"].as_str() {
        Some("succeeded") if operation == Operation::ListAlerts && step["outputs"]["count"] == 0 => Answer::Hidden,
        Some("succeeded") => Answer::Allowed,
        _ if error.contains("This needs the") => Answer::Forbidden,
        _ if error.starts_with("No ") || error.contains("There is no") => Answer::Hidden,
        _ => panic!("unexpected flow run: {run}"),
    })
}

#[tokio::test]
async fn every_operation_gives_every_role_and_membership_the_same_answer_on_every_path() {
    let server = TestServer::start();
    let receiver = Receiver::start().await;
    let admin = Api::new(&server);
    let world = world(&admin, &receiver).await;
    let (_, workflows) = admin.get("/api/v1/workflows").await;
    let beta = workflows.as_array().unwrap().iter().find(|workflow| workflow["name"] == "Beta").unwrap()["id"].as_str().unwrap().to_string();

    let mut callers = Vec::new();
    let (mut alpha_members, mut beta_members) = (Vec::new(), Vec::new());
    for (role_name, role) in ROLES {
        for membership in MEMBERSHIPS {
            let name = format!("{role_name}-{membership:?}").to_lowercase();
            admin.post_ok("/api/v1/users", json!({"targetName": name, "roles": [role_name]}), 201).await;
            admin.post_ok(&format!("/api/v1/users/{name}/devices"), json!({"name": "Mail", "kind": "email", "address": format!("{name}@example.com")}), 201).await;
            let group = json!({"targetName": format!("{name}-group"), "members": [name, "spare"], "escalationSeconds": 600});
            if callers.is_empty() {
                admin.post_ok("/api/v1/users", json!({"targetName": "spare", "roles": ["viewer"]}), 201).await;
                admin.post_ok("/api/v1/users/spare/devices", json!({"name": "Mail", "kind": "email", "address": "spare@example.com"}), 201).await;
            }
            admin.post_ok("/api/v1/groups", group, 201).await;
            match membership {
                Membership::Member => alpha_members.push(name.clone()),
                Membership::Other => beta_members.push(name.clone()),
                Membership::None => {}
            }
            let key = admin.post_ok(&format!("/api/v1/users/{name}/api-keys"), json!({"name": "matrix"}), 201).await;
            let api = Api::with_key(&server, key["key"].as_str().unwrap());
            let browser = browser_as(&server, &name, "a long enough password").await;
            callers.push((membership, Caller { name, role, api, browser }));
        }
    }
    assert_eq!(admin.put(&format!("/api/v1/workflows/{}/members", world.workflow), json!({"members": alpha_members})).await.0, 200);
    assert_eq!(admin.put(&format!("/api/v1/workflows/{beta}/members"), json!({"members": beta_members})).await.0, 200);

    let mut cases = 0;
    let mut wrong = Vec::new();
    for operation in Operation::ALL {
        for (membership, caller) in &callers {
            let want = expected(operation, caller.role, *membership);
            for (path, got) in answers(&server, &admin, &world, operation, caller, cases).await {
                cases += 1;
                if got != want {
                    wrong.push(format!("{operation:?} by {} ({membership:?}) through {path}: {got:?}, expected {want:?}", caller.name));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{} of {cases} cases differ:\n{}", wrong.len(), wrong.join("\n"));
    println!("{} operations, {cases} cases", Operation::ALL.len());
}
