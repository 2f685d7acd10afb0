//! A property test over the JSON bodies of the main write routes: thousands of generated
//! bodies (random JSON, and valid bodies with fields dropped, retyped or blown up) must never
//! get a 5xx, and a refused body must change nothing. It prints how many inputs ran.

use outflow_tests::{TestServer, api::Api};
use rand::{Rng, SeedableRng, rngs::StdRng, seq::SliceRandom};
use serde_json::{Map, Value, json};

/// Inputs per route; the seed is fixed so a failure can be replayed.
const CASES_PER_ROUTE: usize = 100;
const SEED: u64 = 0x0f10_a11e;

fn random_scalar(rng: &mut StdRng) -> Value {
    match rng.gen_range(0..9) {
        0 => Value::Null,
        1 => json!(rng.r#gen::<bool>()),
        2 => json!(rng.r#gen::<i64>()),
        3 => json!(rng.r#gen::<f64>() * 1e12),
        4 => json!(""),
        5 => json!("x".repeat(rng.gen_range(0..70_000))),
        6 => json!("ünï\u{0}cødé \u{202e} ☃ '; DROP TABLE alerts; --"),
        7 => json!(["a", 1, null]),
        _ => json!({"nested": {"deeper": [1, 2, {"x": "y"}]}}),
    }
}

fn random_value(rng: &mut StdRng, depth: u32) -> Value {
    if depth == 0 || rng.gen_bool(0.5) {
        return random_scalar(rng);
    }
    if rng.gen_bool(0.5) {
        Value::Array((0..rng.gen_range(0..5)).map(|_| random_value(rng, depth - 1)).collect())
    } else {
        let keys = ["name", "formId", "workflowId", "targetName", "auth", "type", "baseUrl", "trigger", "action", "members", "x"];
        let mut object = Map::new();
        for _ in 0..rng.gen_range(0..6) {
            object.insert(keys.choose(rng).unwrap().to_string(), random_value(rng, depth - 1));
        }
        Value::Object(object)
    }
}

/// A valid body with one field dropped, retyped or replaced by junk, or random JSON.
fn mutated(rng: &mut StdRng, valid: &Value) -> Value {
    let Value::Object(fields) = valid else { return random_value(rng, 3) };
    if rng.gen_bool(0.25) {
        return random_value(rng, 4);
    }
    let mut fields = fields.clone();
    let keys: Vec<String> = fields.keys().cloned().collect();
    let key = keys.choose(rng).unwrap().clone();
    match rng.gen_range(0..3) {
        0 => {
            fields.remove(&key);
        }
        1 => {
            fields.insert(key, random_scalar(rng));
        }
        _ => {
            fields.insert(key, random_value(rng, 3));
        }
    }
    Value::Object(fields)
}

/// Everything a refused write could have changed.
async fn state(api: &Api<'_>, workflow: &str) -> Value {
    json!([
        api.get("/api/v1/workflows").await.1,
        api.get(&format!("/api/v1/workflows/{workflow}/forms")).await.1,
        api.get(&format!("/api/v1/endpoints?workflowId={workflow}")).await.1,
        without_last_runs(api.get("/api/v1/integrations").await.1),
        api.get("/api/v1/users").await.1,
        api.get("/api/v1/groups").await.1,
        api.get("/api/v1/alerts?limit=200").await.1["total"],
    ])
}

/// The listing without each integration's last run, which accepted alerts' deliveries
/// keep moving (retries to an unreachable endpoint) while refused requests are tried.
fn without_last_runs(mut integrations: Value) -> Value {
    for integration in integrations.as_array_mut().into_iter().flatten() {
        if let Some(fields) = integration.as_object_mut() {
            fields.remove("lastRun");
        }
    }
    integrations
}

#[tokio::test]
async fn generated_bodies_never_get_a_5xx_and_refused_ones_change_nothing() {
    let server = TestServer::start_with(&[("OUTFLOW_RATE_LIMIT", "0")]);
    let api = Api::new(&server);
    let workflow = api.post_ok("/api/v1/workflows", json!({"name": "Fuzz"}), 201).await;
    let wf = workflow["id"].as_str().unwrap().to_string();
    let form = api
        .post_ok(
            &format!("/api/v1/workflows/{wf}/forms"),
            json!({"name": "F", "enabled": true, "properties": [{"name": "p", "type": "text", "includeInOutbound": true}], "responses": []}),
            201,
        )
        .await;
    let form_id = form["id"].as_str().unwrap().to_string();
    api.post_ok("/api/v1/users", json!({"targetName": "fuzzy", "roles": ["responder"]}), 201).await;
    let endpoint = api
        .post_ok("/api/v1/endpoints", json!({"workflowId": wf, "name": "E", "baseUrl": "http://127.0.0.1:9", "auth": {"type": "none"}}), 201)
        .await;
    let endpoint_id = endpoint["id"].as_str().unwrap().to_string();

    let routes: Vec<(&str, String, Value)> = vec![
        ("post", "/api/v1/workflows".into(), json!({"name": "W"})),
        (
            "post",
            format!("/api/v1/workflows/{wf}/forms"),
            json!({"name": "G", "enabled": true, "properties": [], "responses": [{"choice": "Ack", "action": "none"}]}),
        ),
        ("post", "/api/v1/users".into(), json!({"targetName": "u", "firstName": "U", "lastName": "V", "roles": ["viewer"]})),
        ("post", "/api/v1/groups".into(), json!({"targetName": "g", "members": ["fuzzy"], "escalationSeconds": 60})),
        (
            "post",
            "/api/v1/endpoints".into(),
            json!({"workflowId": wf, "name": "N", "baseUrl": "http://127.0.0.1:1", "auth": {"type": "bearer", "token": "t"}, "trustSelfSigned": false}),
        ),
        ("patch", format!("/api/v1/endpoints/{endpoint_id}"), json!({"name": "E2", "baseUrl": "http://127.0.0.1:2"})),
        (
            "post",
            "/api/v1/integrations".into(),
            json!({"formId": form_id, "name": "I", "trigger": "status", "action": {"type": "webhook", "endpointId": endpoint_id, "path": "/x"}, "location": "cloud"}),
        ),
        ("post", "/api/v1/alerts".into(), json!({"formId": form_id, "properties": {"p": "v"}, "recipients": ["fuzzy"], "priority": "HIGH"})),
    ];
    let mut rng = StdRng::seed_from_u64(SEED);
    let (mut inputs, mut accepted) = (0, 0);
    for (method, path, valid) in &routes {
        for _ in 0..CASES_PER_ROUTE {
            let body = mutated(&mut rng, valid);
            let before = state(&api, &wf).await;
            let (status, answer) = if *method == "post" { api.post(path, body.clone()).await } else { api.patch(path, body.clone()).await };
            inputs += 1;
            assert!(status < 500, "{method} {path} answered {status} to {body}: {answer}");
            if (200..300).contains(&status) {
                accepted += 1;
                continue;
            }
            assert!(answer["error"]["message"].is_string(), "a refusal explains itself: {answer}");
            assert_eq!(state(&api, &wf).await, before, "{method} {path} refused {body} but changed something");
        }
    }
    println!(
        "fuzz: {inputs} generated bodies over {} routes, {accepted} accepted, {} refused, none answered 5xx or changed state when refused",
        routes.len(),
        inputs - accepted
    );
}
