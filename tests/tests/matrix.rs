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

/// Operations on no workflow's object, where membership plays no part.
fn unbound(operation: Operation) -> bool {
    use Operation::*;
    matches!(operation, CreateWorkflow | ReadPeople | ManagePeople | ManageOwnAccount | ReadAgents | ManageAgents | ReadAudit | InstallExample)
}

fn expected(operation: Operation, role: Need, membership: Membership) -> Answer {
    if role < operation.rule().need {
        Answer::Forbidden
    } else if role == Need::Admin || membership == Membership::Member || unbound(operation) {
        Answer::Allowed
    } else {
        Answer::Hidden
    }
}

/// Installing the example twice is a conflict, which still means the caller was let in.
fn classify_install(status: u16, body: &Value) -> Answer {
    if status == 409 { Answer::Allowed } else { classify(status, body) }
}

fn classify(status: u16, body: &Value) -> Answer {
    match status {
        200..=299 => Answer::Allowed,
        403 => Answer::Forbidden,
        404 => Answer::Hidden,
        other => panic!("unexpected {other}: {body}"),
    }
}

/// Whether a JSON array has an entry whose `key` (inside `within`, when not empty) is `id`.
fn contains(list: &Value, within: &str, key: &str, id: &str) -> bool {
    list.as_array().is_some_and(|items| items.iter().any(|item| if within.is_empty() { &item[key] } else { &item[within][key] } == id))
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
    /// A finished integration run of workflow A, and its alert.
    run: String,
    run_alert: i64,
    /// A flow of workflow A (saved by the admin) per step operation, run by id.
    flows: Vec<(Operation, String)>,
    /// A finished run of the harmless flow, to restart from its step.
    flow_run: String,
    /// The members of workflow A, which setting them again keeps.
    members: Vec<String>,
}

const FORM: &str = r#"{"name": "F", "enabled": true, "properties": [], "responses": []}"#;

fn form_named(name: &str) -> Value {
    let mut form: Value = serde_json::from_str(FORM).unwrap();
    form["name"] = json!(name);
    form
}

async fn fresh_form(admin: &Api<'_>, world: &World, name: &str) -> String {
    admin.form(&world.workflow, form_named(name)).await
}

async fn fresh_integration(admin: &Api<'_>, world: &World, name: &str) -> String {
    let form = fresh_form(admin, world, name).await;
    let body = json!({"formId": form, "name": name, "trigger": "comment", "action": {"type": "webhook", "endpointId": world.endpoint}});
    admin.post_ok("/api/v1/integrations", body, 201).await["id"].as_str().unwrap().to_string()
}

fn flow_document(world: &World, name: &str) -> Value {
    json!({"name": name, "formId": world.form, "blocks": [{"id": "h1", "kind": "trigger", "trigger": "http", "position": {"x": 0, "y": 0}}], "edges": []})
}

async fn fresh_flow(admin: &Api<'_>, world: &World, name: &str) -> String {
    admin.post_ok("/api/v1/flows/import", flow_document(world, name), 201).await["id"].as_str().unwrap().to_string()
}

/// The flow of workflow A whose step lists alerts: harmless to run.
fn harmless_flow(world: &World) -> &str {
    &world.flows.iter().find(|(operation, _)| *operation == Operation::ListAlerts).expect("the Get Alerts flow").1
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
    let endpoint = admin.endpoint(&workflow, "Sink", &receiver.url("")).await;
    let integration =
        json!({"formId": form, "name": "Notify", "trigger": "status", "action": {"type": "webhook", "endpointId": endpoint, "path": "/hook"}});
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
        let flow = admin
            .post_ok("/api/v1/flows/import", json!({"name": format!("{operation:?}"), "formId": form, "blocks": blocks, "edges": edges}), 201)
            .await;
        flows.push((operation, flow["id"].as_str().unwrap().to_string()));
    }
    let harmless = &flows.iter().find(|(operation, _)| *operation == Operation::ListAlerts).expect("the Get Alerts flow").1;
    let flow_run =
        admin.post_ok(&format!("/api/v1/flows/{harmless}/runs?wait=true"), json!({"payload": {}}), 200).await["id"].as_str().unwrap().to_string();
    World { workflow, form, endpoint, run, run_alert: alert, flows, flow_run, members: Vec::new() }
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
async fn answers(
    server: &TestServer,
    admin: &Api<'_>,
    world: &World,
    operation: Operation,
    caller: &Caller<'_>,
    case: usize,
) -> Vec<(&'static str, Answer)> {
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
            let (status, answer) = api.get(&format!("/api/v1/runs?eventIdentifier={}", world.run_alert)).await;
            seen.push(("rest", classify_listing(status, &answer, shows)));
            let (status, answer) = ui_call("list_runs", json!({"query": {"eventIdentifier": world.run_alert}})).await;
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
        Operation::CreateWorkflow => {
            let (status, answer) = api.post("/api/v1/workflows", json!({"name": format!("{name} {case} rest")})).await;
            seen.push(("rest", classify(status, &answer)));
            let (status, answer) = ui_call("create_workflow", json!({"name": format!("{name} {case} ui")})).await;
            seen.push(("ui", classify(status, &answer)));
        }
        Operation::ListWorkflows => {
            let (status, answer) = api.get("/api/v1/workflows").await;
            seen.push(("rest", classify_listing(status, &answer, |list| contains(list, "", "id", &world.workflow))));
            let (status, answer) = ui_call("workflow_catalog", json!({})).await;
            seen.push(("ui", classify_listing(status, &answer, |catalog| contains(&catalog["workflows"], "workflow", "id", &world.workflow))));
        }
        Operation::ReadWorkflow => {
            let (status, answer) = api.get(&format!("/api/v1/workflows/{}", world.workflow)).await;
            seen.push(("rest", classify(status, &answer)));
        }
        Operation::ListMembers => {
            let (status, answer) = api.get(&format!("/api/v1/workflows/{}/members", world.workflow)).await;
            seen.push(("rest", classify(status, &answer)));
        }
        Operation::SetMembers => {
            let members = json!({"members": world.members});
            let (status, answer) = api.put(&format!("/api/v1/workflows/{}/members", world.workflow), members).await;
            seen.push(("rest", classify(status, &answer)));
            let (status, answer) = ui_call("set_workflow_members", json!({"workflow_id": world.workflow, "members": world.members})).await;
            seen.push(("ui", classify(status, &answer)));
        }
        Operation::CreateForm => {
            let (status, answer) = api.post(&format!("/api/v1/workflows/{}/forms", world.workflow), form_named(&format!("{name} {case} rest"))).await;
            seen.push(("rest", classify(status, &answer)));
            let slot = json!({"New": {"workflow_id": world.workflow}});
            let (status, answer) = ui_call("save_form", json!({"slot": slot, "form": form_named(&format!("{name} {case} ui"))})).await;
            seen.push(("ui", classify(status, &answer)));
        }
        Operation::ListForms => {
            let (status, answer) = api.get(&format!("/api/v1/workflows/{}/forms", world.workflow)).await;
            seen.push(("rest", classify(status, &answer)));
        }
        Operation::ReadForm => {
            let (status, answer) = api.get(&format!("/api/v1/forms/{}", world.form)).await;
            seen.push(("rest", classify(status, &answer)));
        }
        Operation::UpdateForm => {
            let form = fresh_form(admin, world, &format!("update {name} {case}")).await;
            let (status, answer) = api.put(&format!("/api/v1/forms/{form}"), form_named(&format!("updated {name} {case} rest"))).await;
            seen.push(("rest", classify(status, &answer)));
            let slot = json!({"Existing": {"form_id": form}});
            let (status, answer) = ui_call("save_form", json!({"slot": slot, "form": form_named(&format!("updated {name} {case} ui"))})).await;
            seen.push(("ui", classify(status, &answer)));
        }
        Operation::InstallExample => {
            let (status, answer) = ui_call("install_example_workflow", json!({})).await;
            seen.push(("ui", classify_install(status, &answer)));
        }
        Operation::CreateIntegration => {
            for path in ["rest", "ui"] {
                let form = fresh_form(admin, world, &format!("integrate {name} {case} {path}")).await;
                let body = json!({"formId": form, "name": "Mine", "trigger": "comment", "action": {"type": "webhook", "endpointId": world.endpoint}});
                let (status, answer) = if path == "rest" {
                    api.post("/api/v1/integrations", body).await
                } else {
                    ui_call("create_integration", json!({"input": body})).await
                };
                seen.push((path, classify(status, &answer)));
            }
        }
        Operation::ListIntegrations => {
            let (status, answer) = api.get(&format!("/api/v1/integrations?workflowId={}", world.workflow)).await;
            seen.push(("rest", classify(status, &answer)));
            let (status, answer) = ui_call("outbound_catalog", json!({})).await;
            seen.push(("ui", classify_listing(status, &answer, |catalog| contains(catalog, "workflow", "id", &world.workflow))));
        }
        Operation::ReadIntegration => {
            let integration = fresh_integration(admin, world, &format!("read {name} {case}")).await;
            let (status, answer) = api.get(&format!("/api/v1/integrations/{integration}")).await;
            seen.push(("rest", classify(status, &answer)));
        }
        Operation::UpdateIntegration => {
            let integration = fresh_integration(admin, world, &format!("update {name} {case}")).await;
            let (status, answer) = api.patch(&format!("/api/v1/integrations/{integration}"), json!({"enabled": false})).await;
            seen.push(("rest", classify(status, &answer)));
            let (status, answer) = ui_call("update_integration", json!({"id": integration, "patch": {"enabled": true}})).await;
            seen.push(("ui", classify(status, &answer)));
        }
        Operation::DeleteIntegration => {
            let integration = fresh_integration(admin, world, &format!("delete {name} {case} rest")).await;
            let (status, answer) = api.delete(&format!("/api/v1/integrations/{integration}")).await;
            seen.push(("rest", classify(status, &answer)));
            let integration = fresh_integration(admin, world, &format!("delete {name} {case} ui")).await;
            let (status, answer) = ui_call("delete_integration", json!({"id": integration})).await;
            seen.push(("ui", classify(status, &answer)));
        }
        Operation::ListScriptResources => {
            let (status, answer) = api.get(&format!("/api/v1/workflows/{}/libraries", world.workflow)).await;
            seen.push(("rest", classify(status, &answer)));
        }
        Operation::ChangeScriptResources => {
            let constant = json!({"name": format!("C{case}"), "text": "v"});
            let (status, answer) = api.post(&format!("/api/v1/workflows/{}/constants", world.workflow), constant).await;
            seen.push(("rest", classify(status, &answer)));
        }
        Operation::ListFlows => {
            let flow = harmless_flow(world);
            let (status, answer) = api.get(&format!("/api/v1/flows?workflowId={}", world.workflow)).await;
            seen.push(("rest", classify_listing(status, &answer, |list| contains(list, "", "id", flow))));
            let (status, answer) = ui_call("flows_catalog", json!({})).await;
            seen.push(("ui", classify_listing(status, &answer, |catalog| contains(catalog, "workflow", "id", &world.workflow))));
        }
        Operation::ReadFlow => {
            let flow = harmless_flow(world);
            let (status, answer) = api.get(&format!("/api/v1/flows/{flow}/export")).await;
            seen.push(("rest", classify(status, &answer)));
            let (status, answer) = ui_call("load_designer", json!({"id": flow})).await;
            seen.push(("ui", classify(status, &answer)));
        }
        Operation::CreateFlow => {
            let (status, answer) = api.post("/api/v1/flows/import", flow_document(world, &format!("{name} {case} rest"))).await;
            seen.push(("rest", classify(status, &answer)));
            let (status, answer) = ui_call("import_flow", json!({"document": flow_document(world, &format!("{name} {case} ui"))})).await;
            seen.push(("ui", classify(status, &answer)));
        }
        Operation::ChangeFlow => {
            let flow = fresh_flow(admin, world, &format!("delete {name} {case} rest")).await;
            let (status, answer) = api.delete(&format!("/api/v1/flows/{flow}")).await;
            seen.push(("rest", classify(status, &answer)));
            let flow = fresh_flow(admin, world, &format!("delete {name} {case} ui")).await;
            let (status, answer) = ui_call("delete_flow", json!({"id": flow})).await;
            seen.push(("ui", classify(status, &answer)));
        }
        Operation::PublishFlow => {
            let flow = fresh_flow(admin, world, &format!("publish {name} {case} rest")).await;
            let (status, answer) = api.post(&format!("/api/v1/flows/{flow}/publish"), json!({})).await;
            seen.push(("rest", classify(status, &answer)));
            let flow = fresh_flow(admin, world, &format!("publish {name} {case} ui")).await;
            let (status, answer) = ui_call("publish_flow", json!({"id": flow})).await;
            seen.push(("ui", classify(status, &answer)));
        }
        Operation::StartFlowRun => {
            let (status, answer) = api.post(&format!("/api/v1/flows/{}/runs", harmless_flow(world)), json!({"payload": {}})).await;
            seen.push(("rest", classify(status, &answer)));
        }
        Operation::RestartFlowRun => {
            let restart = json!({"fromStep": "s1"});
            let (status, answer) = api.post(&format!("/api/v1/runs/{}/restart", world.flow_run), restart.clone()).await;
            seen.push(("rest", classify(status, &answer)));
            let (status, answer) = ui_call("restart_run", json!({"id": world.flow_run, "restart": restart})).await;
            seen.push(("ui", classify(status, &answer)));
        }
        Operation::CallHttpTrigger => {
            let (status, answer) = api.post(&format!("/api/v1/flows/{}/http", harmless_flow(world)), json!({})).await;
            seen.push(("rest", classify(status, &answer)));
        }
        Operation::TestFlow => {
            let test = json!({"trigger": "h1", "payload": {}});
            let (status, answer) = api.post(&format!("/api/v1/flows/{}/test", harmless_flow(world)), test.clone()).await;
            seen.push(("rest", classify(status, &answer)));
            let (status, answer) = ui_call("test_flow", json!({"flow_id": harmless_flow(world), "test": test})).await;
            seen.push(("ui", classify(status, &answer)));
        }
        Operation::ReadPeople => {
            let (status, answer) = api.get("/api/v1/users").await;
            seen.push(("rest", classify(status, &answer)));
            let (status, answer) = ui_call("list_people", json!({})).await;
            seen.push(("ui", classify(status, &answer)));
        }
        Operation::ManagePeople => {
            let (status, answer) = api.post("/api/v1/users", json!({"targetName": format!("made-{case}-rest")})).await;
            seen.push(("rest", classify(status, &answer)));
            let (status, answer) = ui_call("create_user", json!({"input": {"targetName": format!("made-{case}-ui")}})).await;
            seen.push(("ui", classify(status, &answer)));
        }
        Operation::ManageOwnAccount => {
            let (status, answer) = api.post(&format!("/api/v1/users/{name}/api-keys"), json!({"name": format!("k{case}")})).await;
            seen.push(("rest", classify(status, &answer)));
            let (status, answer) = ui_call("create_my_api_key", json!({"name": format!("k{case} ui")})).await;
            seen.push(("ui", classify(status, &answer)));
        }
        Operation::ReadAgents => {
            let (status, answer) = api.get("/api/v1/agents").await;
            seen.push(("rest", classify(status, &answer)));
            let (status, answer) = ui_call("list_agents", json!({})).await;
            seen.push(("ui", classify(status, &answer)));
        }
        Operation::ManageAgents => {
            let (status, answer) = api.post("/api/v1/agents", json!({"name": format!("agent {case} rest")})).await;
            seen.push(("rest", classify(status, &answer)));
            let (status, answer) = ui_call("register_agent", json!({"input": {"name": format!("agent {case} ui")}})).await;
            seen.push(("ui", classify(status, &answer)));
        }
        Operation::ReadAudit => {
            let (status, answer) = api.get("/api/v1/audit").await;
            seen.push(("rest", classify(status, &answer)));
            let (status, answer) = ui_call("audit_log", json!({"offset": 0})).await;
            seen.push(("ui", classify(status, &answer)));
        }
        Operation::ReadDashboard => {
            // Workflow A's endpoint delivered its run: only those who may see A see its figures.
            let shows = |endpoints: &Value| contains(endpoints, "", "endpointId", &world.endpoint);
            let (status, answer) = api.get("/api/v1/dashboard").await;
            seen.push(("rest", classify_listing(status, &answer, |dashboard| shows(&dashboard["endpoints"]))));
            let (status, answer) = ui_call("fetch_dashboard", json!({})).await;
            seen.push(("ui", classify_listing(status, &answer, |dashboard| shows(&dashboard["endpoints"]))));
            let (status, answer) = ui_call("fetch_endpoint_health", json!({})).await;
            seen.push(("ui endpoints", classify_listing(status, &answer, shows)));
        }
        Operation::ReadSamplePayload => {
            let (status, answer) = api.get(&format!("/api/v1/forms/{}/triggers/comment/sample-payload", world.form)).await;
            seen.push(("rest", classify(status, &answer)));
            let (status, answer) = ui_call("trigger_sample", json!({"form_id": world.form, "trigger": "comment"})).await;
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
    let mut world = world(&admin, &receiver).await;
    let (_, workflows) = admin.get("/api/v1/workflows").await;
    let beta = workflows.as_array().unwrap().iter().find(|workflow| workflow["name"] == "Beta").unwrap()["id"].as_str().unwrap().to_string();

    let mut callers = Vec::new();
    let (mut alpha_members, mut beta_members) = (Vec::new(), Vec::new());
    for (role_name, role) in ROLES {
        for membership in MEMBERSHIPS {
            let name = format!("{role_name}-{membership:?}").to_lowercase();
            admin.post_ok("/api/v1/users", json!({"targetName": name, "roles": [role_name]}), 201).await;
            admin
                .post_ok(
                    &format!("/api/v1/users/{name}/devices"),
                    json!({"name": "Mail", "kind": "email", "address": format!("{name}@example.com")}),
                    201,
                )
                .await;
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
    world.members = alpha_members;
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
