//! `GET /api/v1/openapi.json`: the OpenAPI document generated from the handlers themselves,
//! so a route cannot exist without being documented. [`finish`] adds what every operation
//! shares and a handler cannot say for itself: the security schemes (which follow
//! [`access::rule_for`]) and the error answers the access layer and the extractors give
//! (401, 403, 429, 400 for unreadable input, 422 for invalid input), all in the one error
//! shape. The tests hold the contract that generated clients rely on: every parameter where
//! the document says it is, one stable `operationId` per operation, errors documented.

use std::sync::Arc;

use axum::{
    Router,
    http::{Method, header},
    routing::get,
};
use serde_json::Value;
use utoipa::openapi::{
    OpenApi, PathItem, Ref, RefOr, ResponseBuilder,
    content::ContentBuilder,
    path::Operation,
    security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme},
};

use crate::{
    access::{self, Rule},
    state::AppState,
};

pub fn router(document: Value) -> Router<AppState> {
    // Serialized once: the document never changes while the server runs.
    let body: Arc<str> = document.to_string().into();
    let answer = move || {
        let body = body.clone();
        async move { ([(header::CONTENT_TYPE, "application/json")], body.to_string()) }
    };
    Router::new().route("/api/v1/openapi.json", get(answer))
}

/// The security scheme of user API keys (`Authorization: Bearer ofk_…`).
pub const API_KEY: &str = "apiKey";
/// The security scheme of an Integration Agent's token, on `/api/v1/agent/…` only.
pub const AGENT_TOKEN: &str = "agentToken";
/// Basic auth with a user name and one of that user's API keys, on a flow's HTTP trigger.
pub const BASIC: &str = "basicAuth";

/// Completes the document the handlers describe: security schemes, each operation's
/// security as its access rule says, and the shared error answers; as JSON, which is what
/// the last step edits (utoipa's types do not read their own JSON back).
pub fn finish(mut document: OpenApi) -> Value {
    document.info.version = env!("CARGO_PKG_VERSION").to_string();
    let components = document.components.get_or_insert_with(Default::default);
    let bearer = |description: &str| SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).description(Some(description)).build());
    components
        .add_security_scheme(API_KEY, bearer("An API key (`ofk_…`): `Authorization: Bearer <key>`. See POST /api/v1/users/{targetName}/api-keys."));
    components.add_security_scheme(
        AGENT_TOKEN,
        bearer("An Integration Agent's token (`ofa_…`), answered once by POST /api/v1/agents; only /api/v1/agent/… routes take it."),
    );
    components.add_security_scheme(
        BASIC,
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Basic)
                .description(Some("A flow's HTTP trigger set to `basic`: a user name, and one of that user's API keys as the password."))
                .build(),
        ),
    );
    for (path, item) in document.paths.paths.iter_mut() {
        for (method, operation) in operations_mut(item) {
            complete(path, &method, operation);
        }
    }
    open_free_form_objects(document)
}

/// Says `additionalProperties: true` on every object schema without properties (payloads,
/// settings, details: any JSON object): left unsaid, openapi-typescript types them as
/// `Record<string, never>`, an object nothing can be put in.
fn open_free_form_objects(document: OpenApi) -> Value {
    fn open(value: &mut Value) {
        match value {
            Value::Object(map) => {
                let is_object = match map.get("type") {
                    Some(Value::String(kind)) => kind == "object",
                    Some(Value::Array(kinds)) => kinds.iter().any(|kind| kind == "object"),
                    _ => false,
                };
                if is_object && !map.contains_key("properties") && !map.contains_key("additionalProperties") {
                    map.insert("additionalProperties".into(), Value::Bool(true));
                }
                map.values_mut().for_each(open);
            }
            Value::Array(items) => items.iter_mut().for_each(open),
            _ => {}
        }
    }
    // utoipa's types are plain data: they always serialize.
    let mut value = serde_json::to_value(&document).unwrap_or_default();
    open(&mut value);
    value
}

/// Each operation of a path with its method.
fn operations_mut(item: &mut PathItem) -> impl Iterator<Item = (Method, &mut Operation)> {
    [
        (Method::GET, item.get.as_mut()),
        (Method::PUT, item.put.as_mut()),
        (Method::POST, item.post.as_mut()),
        (Method::DELETE, item.delete.as_mut()),
        (Method::OPTIONS, item.options.as_mut()),
        (Method::HEAD, item.head.as_mut()),
        (Method::PATCH, item.patch.as_mut()),
        (Method::TRACE, item.trace.as_mut()),
    ]
    .into_iter()
    .filter_map(|(method, operation)| operation.map(|operation| (method, operation)))
}

fn complete(path: &str, method: &Method, operation: &mut Operation) {
    if !path.starts_with("/api/v1/") {
        // `/healthz`: no key, no access errors.
        operation.security = Some(vec![SecurityRequirement::default()]);
        return;
    }
    // A route without a rule is refused by the access layer (fail closed); it still takes a key.
    let rule = access::rule_for(method, path).unwrap_or(Rule::Role(outflow_core::access::Need::Admin));
    let requirement = |scheme: &str| SecurityRequirement::new::<_, _, &str>(scheme, []);
    operation.security = Some(match rule {
        Rule::Agent => vec![requirement(AGENT_TOKEN)],
        Rule::Hook(_) => vec![requirement(API_KEY), requirement(BASIC)],
        Rule::Role(_) | Rule::SelfOrAdmin => vec![requirement(API_KEY)],
    });
    let has_input = operation.request_body.is_some() || operation.parameters.as_ref().is_some_and(|parameters| !parameters.is_empty());
    add_error(operation, "400", "The request cannot be read: malformed JSON, a bad path or query value.", has_input);
    add_error(operation, "401", "No credentials, or unknown or revoked ones.", true);
    let user_route = !matches!(rule, Rule::Agent);
    add_error(operation, "403", "The caller's role does not allow this.", user_route);
    // A flow's HTTP trigger takes any body: nothing in it can break a rule.
    let validated = operation.request_body.is_some() && !matches!(rule, Rule::Hook(_));
    add_error(operation, "422", "The input breaks a rule; `details` says which.", validated);
    add_error(operation, "429", "Too many requests with this API key; `Retry-After` says when to try again.", user_route);
}

/// Documents an error answer in the API's error shape, unless the handler documented it.
fn add_error(operation: &mut Operation, status: &str, description: &str, applies: bool) {
    if !applies || operation.responses.responses.contains_key(status) {
        return;
    }
    let response = ResponseBuilder::new()
        .description(description)
        .content("application/json", ContentBuilder::new().schema(Some(Ref::from_schema_name("ErrorBody"))).build())
        .build();
    operation.responses.responses.insert(status.to_string(), RefOr::T(response));
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use serde_json::Value;

    fn document() -> Value {
        crate::routes::document()
    }

    /// Every operation of the document as (method, path, operation).
    fn operations(document: &Value) -> Vec<(String, String, Value)> {
        let mut found = Vec::new();
        for (path, item) in document["paths"].as_object().expect("paths") {
            for (method, operation) in item.as_object().expect("a path item") {
                if ["get", "put", "post", "delete", "patch", "head", "options", "trace"].contains(&method.as_str()) {
                    found.push((method.clone(), path.clone(), operation.clone()));
                }
            }
        }
        found
    }

    /// The `{name}` segments of a path template.
    fn template_names(path: &str) -> BTreeSet<String> {
        path.split('/').filter_map(|segment| segment.strip_prefix('{')?.strip_suffix('}').map(str::to_string)).collect()
    }

    #[test]
    fn path_parameters_are_exactly_the_path_templates_names() {
        let document = document();
        let mut wrong = Vec::new();
        for (method, path, operation) in operations(&document) {
            let parameters = operation["parameters"].as_array().cloned().unwrap_or_default();
            let in_path: BTreeSet<String> = parameters
                .iter()
                .filter(|parameter| parameter["in"] == "path")
                .map(|parameter| parameter["name"].as_str().unwrap_or_default().to_string())
                .collect();
            if in_path != template_names(&path) {
                wrong.push(format!("{method} {path}: path parameters {in_path:?}"));
            }
            for parameter in &parameters {
                if parameter["in"] == "path" && parameter["required"] != true {
                    wrong.push(format!("{method} {path}: path parameter {} is not required", parameter["name"]));
                }
            }
        }
        assert!(wrong.is_empty(), "parameters declared in the wrong place:\n{}", wrong.join("\n"));
    }

    #[test]
    fn parameters_are_unique_per_operation() {
        for (method, path, operation) in operations(&document()) {
            let mut seen = BTreeSet::new();
            for parameter in operation["parameters"].as_array().cloned().unwrap_or_default() {
                let key = (parameter["in"].to_string(), parameter["name"].to_string());
                assert!(seen.insert(key.clone()), "{method} {path} declares {key:?} twice");
            }
        }
    }

    /// The operation ids generated clients name their functions after: changing one breaks
    /// every client, so the list is spelled out here and a rename has to be deliberate.
    const OPERATION_IDS: &[&str] = &[
        "add_comment",
        "add_device",
        "add_response",
        "change_status",
        "create_agent",
        "create_constant",
        "create_endpoint",
        "create_flow",
        "create_form",
        "create_group",
        "create_integration",
        "create_key",
        "create_library",
        "create_user",
        "create_workflow",
        "delete_agent",
        "delete_constant",
        "delete_device",
        "delete_endpoint",
        "delete_flow",
        "delete_integration",
        "delete_library",
        "escalate",
        "export_flow",
        "get_agent",
        "get_alert",
        "get_dashboard",
        "get_endpoint",
        "get_flow",
        "get_form",
        "get_group",
        "get_integration",
        "get_run",
        "get_user",
        "get_version",
        "get_workflow",
        "healthz",
        "heartbeat",
        "http_trigger",
        "import_flow",
        "lease",
        "list_agents",
        "list_alerts",
        "list_audit",
        "list_constants",
        "list_endpoints",
        "list_flows",
        "list_forms",
        "list_groups",
        "list_integrations",
        "list_keys",
        "list_libraries",
        "list_members",
        "list_runs",
        "list_users",
        "list_versions",
        "list_workflows",
        "me",
        "publish_flow",
        "replace_form",
        "report",
        "rerun",
        "restart_run",
        "restore_version",
        "revoke_key",
        "rollback_flow",
        "sample_payload",
        "save_flow",
        "set_agent_users",
        "set_members",
        "set_password",
        "start_alert",
        "start_run",
        "test_run",
        "trigger_sample_payload",
        "update_constant",
        "update_device",
        "update_endpoint",
        "update_group",
        "update_integration",
        "update_library",
        "update_user",
    ];

    #[test]
    fn every_operation_has_a_unique_stable_operation_id() {
        let mut ids = BTreeMap::<String, Vec<String>>::new();
        for (method, path, operation) in operations(&document()) {
            let id = operation["operationId"].as_str().unwrap_or_else(|| panic!("{method} {path} has no operationId")).to_string();
            ids.entry(id).or_default().push(format!("{method} {path}"));
        }
        let repeated: Vec<_> = ids.iter().filter(|(_, uses)| uses.len() > 1).collect();
        assert!(repeated.is_empty(), "operationIds used more than once: {repeated:?}");
        let actual: Vec<&str> = ids.keys().map(String::as_str).collect();
        assert_eq!(actual, OPERATION_IDS, "the operationIds changed: generated clients' function names change with them");
    }

    #[test]
    fn every_api_operation_documents_its_errors_in_the_error_shape() {
        let document = document();
        for (method, path, operation) in operations(&document) {
            if !path.starts_with("/api/v1/") {
                continue;
            }
            let responses = operation["responses"].as_object().expect("responses");
            assert!(responses.contains_key("401"), "{method} {path} does not document 401");
            for (status, response) in responses {
                if status.starts_with('4') {
                    let schema = &response["content"]["application/json"]["schema"]["$ref"];
                    assert_eq!(schema, "#/components/schemas/ErrorBody", "{method} {path} answers {status} without the error schema");
                }
            }
            if operation.get("requestBody").is_some() && !path.ends_with("/http") {
                assert!(responses.contains_key("422") && responses.contains_key("400"), "{method} {path} takes a body but documents no 400/422");
            }
        }
    }

    #[test]
    fn security_follows_the_access_rules() {
        let document = document();
        let schemes = document["components"]["securitySchemes"].as_object().expect("security schemes");
        assert_eq!(schemes["apiKey"]["scheme"], "bearer");
        assert_eq!(schemes["basicAuth"]["scheme"], "basic");
        assert_eq!(schemes["agentToken"]["scheme"], "bearer");
        let trigger = &document["paths"]["/api/v1/flows/{id}/http"]["post"]["security"];
        assert_eq!(trigger, &serde_json::json!([{"apiKey": []}, {"basicAuth": []}]));
        assert_eq!(document["paths"]["/api/v1/agent/lease"]["post"]["security"], serde_json::json!([{"agentToken": []}]));
        assert_eq!(document["paths"]["/api/v1/alerts"]["get"]["security"], serde_json::json!([{"apiKey": []}]));
        assert_eq!(document["paths"]["/healthz"]["get"]["security"], serde_json::json!([{}]));
    }

    #[test]
    fn the_flow_execution_api_shows_example_bodies() {
        let document = document();
        for (path, media) in [
            ("/api/v1/flows/{id}/runs", "application/json"),
            ("/api/v1/flows/{id}/http", "application/json"),
            ("/api/v1/flows/{id}/test", "application/json"),
        ] {
            let content = &document["paths"][path]["post"]["requestBody"]["content"][media];
            assert!(content.get("example").is_some() || content.get("examples").is_some(), "POST {path} has no example body: {content}");
        }
    }

    #[test]
    fn free_form_objects_take_any_property() {
        let document = document();
        let payload = &document["components"]["schemas"]["StartFlowRun"]["properties"]["payload"];
        assert_eq!(payload["additionalProperties"], true, "{payload}");
        let details = &document["components"]["schemas"]["ErrorContent"]["properties"]["details"];
        assert_eq!(details["additionalProperties"], true, "{details}");
    }

    #[test]
    fn schema_names_are_plain_identifiers() {
        let document = document();
        for name in document["components"]["schemas"].as_object().expect("schemas").keys() {
            assert!(name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'), "schema name {name:?} is not a plain identifier");
        }
    }
}
