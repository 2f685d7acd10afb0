//! `outflow migrate-db` with the real binary: a deployment built through the API on SQLite is
//! copied into a fresh PostgreSQL database; a server started on the copy (same data folder,
//! so the same secret key) answers the same, the old API key still works, and a new alert
//! still reaches the endpoint with its copied (sealed) password and signing secret. Copying
//! again onto the now non-empty target is refused and changes no count.
//!
//! It needs a PostgreSQL server (`OUTFLOW_TEST_POSTGRES`, set by `./x test`); without one it
//! says so and passes.

use std::{collections::BTreeMap, process::Command, time::Duration};

use base64::{Engine, engine::general_purpose::STANDARD};
use hmac::{Hmac, Mac};
use outflow_tests::{
    TestServer,
    api::{Api, eventually},
    outflow_bin, postgres_server,
    receiver::{Received, Receiver},
};
use serde_json::{Value, json};
use sha2::Sha256;

/// A new, empty database on the PostgreSQL server; answers its URL.
fn fresh_postgres_database(server: &str) -> String {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|elapsed| elapsed.subsec_nanos()).unwrap_or_default();
    outflow_tests::create_postgres_database(server, &format!("outflow_migrate_{}_{nanos}", std::process::id()))
}

/// Every table's row count in a PostgreSQL database, read behind the servers' backs.
fn postgres_counts(url: &str) -> BTreeMap<String, i64> {
    let sql =
        "SELECT table_name, (xpath('/row/c/text()', query_to_xml(format('SELECT COUNT(*) AS c FROM %I', table_name), false, true, '')))[1]::text
               FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name";
    let output = Command::new("psql").args([url, "-v", "ON_ERROR_STOP=1", "-AtF", "=", "-c", sql]).output().expect("psql runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| line.split_once('='))
        .map(|(table, rows)| (table.to_string(), rows.parse().expect("a count")))
        .collect()
}

/// Runs `outflow migrate-db --from <from> --to <to>`: (success, stdout, stderr).
fn migrate_db(from: &str, to: &str) -> (bool, String, String) {
    let output = Command::new(outflow_bin())
        .args(["migrate-db", "--from", from, "--to", to])
        .env("RUST_LOG", "warn")
        .env_remove("OUTFLOW_MIGRATE_FROM")
        .env_remove("OUTFLOW_MIGRATE_TO")
        .output()
        .expect("the outflow binary runs");
    (output.status.success(), String::from_utf8_lossy(&output.stdout).into(), String::from_utf8_lossy(&output.stderr).into())
}

/// The summary's (source, copied) counts, by table.
fn summary_counts(stdout: &str) -> BTreeMap<String, (u64, u64)> {
    stdout
        .lines()
        .skip(1)
        .filter_map(|line| match line.split_whitespace().collect::<Vec<_>>().as_slice() {
            [table, source, copied] => Some((table.to_string(), (source.parse().ok()?, copied.parse().ok()?))),
            _ => None,
        })
        .collect()
}

/// Checks a Standard Webhooks signature and the basic-auth header the endpoint's copied
/// secrets produce.
fn assert_signed(post: &Received, signing_secret: &str) {
    let header = |name: &str| post.headers.get(name).and_then(|value| value.to_str().ok()).unwrap_or_default().to_string();
    assert_eq!(header("authorization"), format!("Basic {}", STANDARD.encode("outflow:pa55-word-in-clear")), "the sealed password opens");
    let key = STANDARD.decode(signing_secret.strip_prefix("whsec_").expect("a whsec_ secret")).expect("base64");
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).expect("any key length");
    mac.update(format!("{}.{}.{}", header("webhook-id"), header("webhook-timestamp"), post.raw).as_bytes());
    let expected = format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()));
    assert_eq!(header("webhook-signature"), expected, "the Standard Webhooks signature verifies with the original secret");
}

/// What the API answers about the deployment, to compare before and after the move.
async fn answers(api: &Api<'_>, flow: &str, alert: i64, workflow: &str) -> BTreeMap<&'static str, Value> {
    let mut answers = BTreeMap::new();
    for (name, path) in [
        ("alerts", "/api/v1/alerts".to_string()),
        ("alert", format!("/api/v1/alerts/{alert}")),
        ("runs", "/api/v1/runs?limit=100".to_string()),
        ("flows", "/api/v1/flows".to_string()),
        ("flow", format!("/api/v1/flows/{flow}")),
        ("flow versions", format!("/api/v1/flows/{flow}/versions")),
        ("users", "/api/v1/users".to_string()),
        ("groups", "/api/v1/groups".to_string()),
        ("endpoints", format!("/api/v1/endpoints?workflowId={workflow}")),
        ("integrations", format!("/api/v1/integrations?workflowId={workflow}")),
        ("members", format!("/api/v1/workflows/{workflow}/members")),
    ] {
        let (status, body) = api.get(&path).await;
        assert_eq!(status, 200, "GET {path}: {body}");
        answers.insert(name, body);
    }
    let (_, audit) = api.get("/api/v1/audit").await;
    answers.insert("audit entries", audit["total"].clone());
    answers
}

/// The receiver's requests to `path`.
fn posts_to(receiver: &Receiver, path: &str) -> Vec<Received> {
    receiver.received().into_iter().filter(|request| request.path == path).collect()
}

#[tokio::test]
async fn a_sqlite_deployment_moves_to_postgresql_whole_and_a_second_copy_is_refused() {
    let Some(postgres) = postgres_server() else {
        println!("skipped: migrate-db copies into PostgreSQL, and OUTFLOW_TEST_POSTGRES names no server (./x test sets it)");
        return;
    };
    let data_dir = tempfile::tempdir().expect("a temporary folder");
    let sqlite = format!("sqlite://{}", data_dir.path().join("outflow.db").display());
    let server = TestServer::start_on(data_dir, &sqlite);
    let api = Api::new(&server);
    let receiver = Receiver::start().await;

    // A deployment: people, a key, a workflow with a form, an endpoint with secrets, an
    // integration, a flow imported then published again, an alert whose integration run and
    // flow runs (one a re-run) finished, and a comment.
    let workflow = api.workflow("Ops").await;
    let form = api.form(&workflow, json!({"name": "Incident", "properties": [{"name": "number", "type": "text", "includeInOutbound": true}]})).await;
    api.user_with_email("bob", "Bob", "Ray").await;
    api.post_ok("/api/v1/users", json!({"targetName": "rita", "firstName": "Rita", "lastName": "Ruiz", "roles": ["responder"]}), 201).await;
    api.post_ok("/api/v1/groups", json!({"targetName": "dba", "members": ["bob", "rita"], "escalationSeconds": 600}), 201).await;
    let (status, members) = api.put(&format!("/api/v1/workflows/{workflow}/members"), json!({"members": ["rita"]})).await;
    assert_eq!(status, 200, "{members}");
    let rita_key = api.post_ok("/api/v1/users/rita/api-keys", json!({"name": "pager bridge"}), 201).await["key"].as_str().expect("a key").to_string();
    let endpoint = api
        .post_ok(
            "/api/v1/endpoints",
            json!({"workflowId": workflow, "name": "Desk", "baseUrl": receiver.url("/api"),
                   "auth": {"type": "basic", "username": "outflow", "password": "pa55-word-in-clear"}}),
            201,
        )
        .await;
    let (endpoint, signing_secret) =
        (endpoint["id"].as_str().expect("an id").to_string(), endpoint["signingSecret"].as_str().expect("shown once").to_string());
    let integration = api
        .post_ok(
            "/api/v1/integrations",
            json!({"formId": form, "name": "Status to desk", "trigger": "status",
                   "action": {"type": "webhook", "endpointId": endpoint, "path": "/events"}}),
            201,
        )
        .await["id"]
        .as_str()
        .expect("an id")
        .to_string();
    let graph = |body: &str| {
        json!({"blocks": [
            {"id": "t1", "kind": "trigger", "trigger": "status", "position": {"x": 0, "y": 0}},
            {"id": "w1", "kind": "step", "step": "webhook", "label": "Post", "position": {"x": 300, "y": 0},
             "settings": {"endpointId": endpoint, "method": "POST", "path": "/flow"}, "inputs": {"body": body}}],
         "edges": [{"from": "t1", "fromPort": "out", "to": "w1", "toPort": "in"}]})
    };
    let mut import = graph("first");
    import["name"] = json!("Tell the desk");
    import["formId"] = json!(form);
    let flow = api.post_ok("/api/v1/flows/import", import, 201).await["id"].as_str().expect("an id").to_string();
    let mut save = graph("second");
    save["baseVersion"] = json!(1);
    save["name"] = json!("Tell the desk");
    let (status, saved) = api.put(&format!("/api/v1/flows/{flow}"), save).await;
    assert_eq!(status, 200, "{saved}");
    api.post_ok(&format!("/api/v1/flows/{flow}/publish"), json!({}), 200).await;

    let alert = api.post_ok("/api/v1/alerts", json!({"formId": form, "properties": {"number": "INC-1"}, "recipients": ["bob"]}), 201).await;
    let alert = alert["eventIdentifier"].as_i64().expect("an alert id");
    api.integration_run(&integration, &["succeeded"]).await;
    let flow_run = eventually(Duration::from_secs(20), || async {
        let (_, page) = api.get(&format!("/api/v1/runs?flowId={flow}")).await;
        let run = page["items"].as_array()?.first()?.clone();
        (run["status"] == "succeeded").then(|| run["id"].as_str().map(str::to_string)).flatten()
    })
    .await
    .expect("the flow run succeeds");
    api.post_ok(&format!("/api/v1/runs/{flow_run}/rerun"), json!({}), 201).await;
    api.post_ok(&format!("/api/v1/alerts/{alert}/comments"), json!({"author": "admin", "comment": "Moving to PostgreSQL tonight"}), 201).await;
    eventually(Duration::from_secs(20), || async {
        let (_, page) = api.get(&format!("/api/v1/runs?flowId={flow}")).await;
        let items = page["items"].as_array()?;
        let delivered = !api.events(alert, "delivery").await.is_empty();
        (items.len() == 2 && items.iter().all(|run| run["status"] == "succeeded") && delivered).then_some(())
    })
    .await
    .expect("the re-run succeeds and bob's notification is delivered");
    assert_eq!(posts_to(&receiver, "/api/flow").len(), 2);
    let before = answers(&api, &flow, alert, &workflow).await;
    assert_eq!(before["flow versions"].as_array().map(Vec::len), Some(2), "{}", before["flow versions"]);
    assert!(before["audit entries"].as_i64().unwrap_or_default() >= 8, "{}", before["audit entries"]);
    let data_dir = server.stop();

    // The copy.
    let target = fresh_postgres_database(&postgres);
    let (copied, stdout, stderr) = migrate_db(&sqlite, &target);
    assert!(copied, "migrate-db succeeds:\n{stdout}\n{stderr}");
    let counts = summary_counts(&stdout);
    assert_eq!(counts.len(), 38, "37 tables and the total:\n{stdout}");
    assert!(counts.values().all(|(source, copied)| source == copied), "{stdout}");
    for (table, at_least) in [
        ("users", 3),
        ("api_keys", 2),
        ("groups", 1),
        ("workflow_members", 1),
        ("endpoints", 1),
        ("integrations", 1),
        ("flows", 1),
        ("flow_versions", 2),
        ("flow_publications", 2),
        ("flow_snapshots", 1),
        ("flow_runs", 2),
        ("flow_run_steps", 2),
        ("alerts", 1),
        ("events", 3),
        ("notifications", 1),
        ("comments", 1),
        ("runs", 1),
        ("run_attempts", 1),
        ("run_minutes", 1),
        ("audit_log", 8),
    ] {
        assert!(counts.get(table).is_some_and(|(_, copied)| *copied >= at_least), "{table} copied at least {at_least}:\n{stdout}");
    }
    assert!(stdout.contains("every table's count matches its source"), "{stdout}");
    let took = stdout.lines().last().unwrap_or_default();
    assert!(took.contains(" rows of 37 tables in ") && took.contains(" s: "), "the time taken is printed: {took}");

    // The same deployment on PostgreSQL.
    let server = TestServer::start_on(data_dir, &target);
    let api = Api::new(&server);
    let after = answers(&api, &flow, alert, &workflow).await;
    for (name, answer) in &before {
        assert_eq!(&after[name], answer, "{name} answers the same after the move");
    }
    let rita = Api::with_key(&server, &rita_key);
    let (status, me) = rita.get("/api/v1/me").await;
    assert_eq!((status, me["targetName"].clone()), (200, json!("rita")), "the old API key still works");

    let posted_before = posts_to(&receiver, "/api/events").len();
    let new_alert = rita.post_ok("/api/v1/alerts", json!({"formId": form, "properties": {"number": "INC-2"}, "recipients": ["bob"]}), 201).await;
    let new_alert = new_alert["eventIdentifier"].as_i64().expect("an alert id");
    assert!(new_alert > alert, "new alert ids continue after the copied ones: {new_alert}");
    let post = eventually(Duration::from_secs(20), || async { posts_to(&receiver, "/api/events").get(posted_before).cloned() })
        .await
        .expect("the new alert's status webhook arrives");
    assert_eq!(post.body["eventIdentifier"], new_alert);
    assert_signed(&post, &signing_secret);
    eventually(Duration::from_secs(20), || async { (posts_to(&receiver, "/api/flow").len() == 3).then_some(()) })
        .await
        .expect("the published flow runs for the new alert too");
    let data_dir = server.stop();

    // A second copy onto the target, which now holds data, is refused and changes nothing.
    let counts_before = postgres_counts(&target);
    assert!(counts_before["alerts"] == 2 && counts_before["users"] == 3, "{counts_before:?}");
    let (copied, stdout, stderr) = migrate_db(&sqlite, &target);
    assert!(!copied, "a non-empty target is refused:\n{stdout}\n{stderr}");
    assert!(stderr.contains("the target database is not empty") && stderr.contains("alerts holds 2 rows"), "{stderr}");
    assert!(stdout.is_empty(), "no summary for a refused copy: {stdout}");
    assert_eq!(postgres_counts(&target), counts_before, "the refused copy changed no count");
    drop(data_dir);
    let name = target.rsplit('/').next().unwrap_or_default();
    let _ = Command::new("psql").args([format!("{postgres}/postgres").as_str(), "-qc", &format!("DROP DATABASE {name}")]).status();
}
