//! Dashboard benchmark: the home page's load time with many recorded runs.
//!
//! Starts `outflow serve` (pass the binary) on a fresh database, makes two workflows with
//! five webhook integrations to a loopback receiver through the API and lets each deliver
//! once, stops the server, then records `runs` more integration runs (default 100,000)
//! straight into SQLite: spread over the last 24 hours, with one attempt each (latency
//! and outcome drawn per endpoint; CRM failing often in the last three hours, and last) and
//! the per-minute aggregates those attempts produce (run outcomes are counted by the
//! database's own triggers as the rows go in). It restarts the server and times, as the
//! admin in a browser session, `GET /` (the home page, server-rendered with the dashboard,
//! until its last byte) and `GET /api/v1/dashboard`.
//!
//! `bench_dashboard <outflow binary> [runs] [--serve ADDR]`: with `--serve`, the server is
//! restarted on ADDR and keeps running after the timings (Ctrl-C ends it), for a browser
//! (`end2end/scripts/dashboard-shots.mjs`) to look at.

use std::time::{Duration, Instant};

use axum::{Router, routing::post};
use outflow_model::dashboard::latency_bucket;
use outflow_tests::{ADMIN_PASSWORD, TestServer, admin_browser, admin_client, post_json};
use rusqlite::{Connection, params};
use serde_json::{Value, json};

/// An endpoint of the benchmark's workflows: its name, workflow, typical latency, and how
/// often it fails (outside and inside the last three hours).
struct Desk {
    name: &'static str,
    workflow: &'static str,
    typical_ms: f64,
    failing: (f64, f64),
}

const DESKS: [Desk; 5] = [
    Desk { name: "Ticketing", workflow: "Operations", typical_ms: 80.0, failing: (0.005, 0.01) },
    Desk { name: "Chat", workflow: "Operations", typical_ms: 35.0, failing: (0.002, 0.002) },
    Desk { name: "Pager", workflow: "Operations", typical_ms: 150.0, failing: (0.01, 0.02) },
    Desk { name: "CRM", workflow: "Operations", typical_ms: 260.0, failing: (0.02, 0.35) },
    Desk { name: "Ledger", workflow: "Finance", typical_ms: 60.0, failing: (0.001, 0.001) },
];

const DAY_MS: i64 = 24 * 60 * 60 * 1000;
const TIMED_LOADS: usize = 20;

/// What seeding a desk's runs needs: its integration's first real run to copy.
struct Template {
    endpoint_id: String,
    run_id: String,
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let binary = args.next().expect("usage: bench_dashboard <outflow binary> [runs] [--serve ADDR]");
    let mut runs = 100_000_u64;
    let mut serve = None;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--serve" => serve = Some(args.next().expect("--serve takes an address")),
            number => runs = number.parse().expect("runs is a number"),
        }
    }
    // SAFETY: set before any other thread reads the environment.
    unsafe { std::env::set_var("OUTFLOW_BIN", &binary) };

    let receiver = start_receiver().await;
    let server = TestServer::start_with(&[("OUTFLOW_RATE_LIMIT", "0")]);
    let endpoints = setup(&server, &receiver).await;
    let data_dir = server.stop();

    let seeding = Instant::now();
    let templates = templates(&data_dir.path().join("outflow.db"), &endpoints);
    seed(&data_dir.path().join("outflow.db"), &templates, runs);
    println!("recorded {runs} runs with their attempts in {:.1} s", seeding.elapsed().as_secs_f64());

    let addr = serve.clone().unwrap_or_else(|| "127.0.0.1:0".to_string());
    let server = TestServer::start_at(data_dir, &addr, &[("OUTFLOW_RATE_LIMIT", "0")]);
    let browser = admin_browser(&server).await;
    let api = admin_client();
    let home = time_loads(&browser, &server.url("/")).await;
    let dashboard = time_loads(&api, &server.url("/api/v1/dashboard")).await;
    let figures: Value = api.get(server.url("/api/v1/dashboard")).send().await.unwrap().json().await.unwrap();
    let total: u64 = ["succeeded", "failed", "skipped", "discarded"].iter().filter_map(|key| figures["lastDay"]["runs"][key].as_u64()).sum();
    let in_table: Value = api.get(server.url("/api/v1/runs?limit=1")).send().await.unwrap().json().await.unwrap();

    println!("runs in the database:   {}", in_table["total"]);
    println!("runs the dashboard counts over 24 h: {total}; failing endpoints: {}", failing_names(&figures));
    println!("GET / (home page, SSR, to the last byte): first {}, then {}", ms(home.0), summary(&home.1));
    println!("GET /api/v1/dashboard:                    first {}, then {}", ms(dashboard.0), summary(&dashboard.1));
    if serve.is_some() {
        println!("serving on {} (admin / {ADMIN_PASSWORD}); Ctrl-C stops it", server.base_url);
        let _ = tokio::signal::ctrl_c().await;
    }
}

fn ms(duration: Duration) -> String {
    format!("{:.1} ms", duration.as_secs_f64() * 1e3)
}

fn summary(times: &[Duration]) -> String {
    let mut sorted = times.to_vec();
    sorted.sort();
    let at = |share: f64| sorted[((sorted.len() as f64 * share) as usize).min(sorted.len() - 1)];
    format!("p50 {} · p95 {} · max {} over {} loads", ms(at(0.5)), ms(at(0.95)), ms(at(1.0)), sorted.len())
}

fn failing_names(figures: &Value) -> String {
    let names: Vec<&str> = figures["endpoints"]
        .as_array()
        .map(|endpoints| endpoints.iter().filter(|endpoint| endpoint["failing"] == true).filter_map(|endpoint| endpoint["name"].as_str()).collect())
        .unwrap_or_default();
    if names.is_empty() { "none".to_string() } else { names.join(", ") }
}

/// The first load's time, then `TIMED_LOADS` more, each read to its last byte.
async fn time_loads(client: &reqwest::Client, url: &str) -> (Duration, Vec<Duration>) {
    let mut times = Vec::with_capacity(TIMED_LOADS + 1);
    for _ in 0..=TIMED_LOADS {
        let started = Instant::now();
        let response = client.get(url).send().await.expect("the server answers");
        assert!(response.status().is_success(), "GET {url}: {}", response.status());
        let body = response.bytes().await.expect("the whole answer");
        assert!(!body.is_empty());
        times.push(started.elapsed());
    }
    (times.remove(0), times)
}

async fn start_receiver() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a loopback port is free");
    let url = format!("http://{}", listener.local_addr().expect("bound"));
    let app = Router::new().route("/hook", post(|| async { "ok" }));
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    url
}

/// The workflows, one form, endpoint and integration per desk, and one delivered alert
/// each; answers the endpoints' ids in the order of `DESKS`.
async fn setup(server: &TestServer, receiver: &str) -> Vec<String> {
    let client = admin_client();
    let mut workflows = std::collections::HashMap::new();
    let mut endpoints = Vec::new();
    for desk in &DESKS {
        if !workflows.contains_key(desk.workflow) {
            let workflow = post_json(&client, server, "/api/v1/workflows", json!({"name": desk.workflow})).await;
            workflows.insert(desk.workflow, workflow["id"].as_str().expect("a workflow id").to_string());
        }
        let workflow = &workflows[desk.workflow];
        let form = post_json(&client, server, &format!("/api/v1/workflows/{workflow}/forms"), json!({"name": desk.name})).await;
        let endpoint = post_json(&client, server, "/api/v1/endpoints", json!({"workflowId": workflow, "name": desk.name, "baseUrl": receiver})).await;
        let integration = json!({"formId": form["id"], "name": format!("{} updates", desk.name), "trigger": "status",
            "action": {"type": "webhook", "endpointId": endpoint["id"], "path": "/hook"}});
        post_json(&client, server, "/api/v1/integrations", integration).await;
        post_json(&client, server, "/api/v1/alerts", json!({"formId": form["id"], "recipients": ["admin"]})).await;
        endpoints.push(endpoint["id"].as_str().expect("an endpoint id").to_string());
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let runs: Value = client.get(server.url("/api/v1/runs?status=succeeded&limit=1")).send().await.unwrap().json().await.unwrap();
        if runs["total"].as_u64() >= Some(DESKS.len() as u64) {
            return endpoints;
        }
        assert!(Instant::now() < deadline, "the setup's deliveries did not arrive");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn templates(database: &std::path::Path, endpoints: &[String]) -> Vec<Template> {
    let conn = Connection::open(database).expect("the database opens");
    endpoints
        .iter()
        .map(|endpoint_id| {
            let run_id = conn
                .query_row(
                    "SELECT r.id FROM runs r JOIN integrations i ON i.id = r.integration_id WHERE json_extract(i.action, '$.endpointId') = ?",
                    [endpoint_id],
                    |row| row.get(0),
                )
                .expect("each desk delivered once");
            Template { endpoint_id: endpoint_id.clone(), run_id }
        })
        .collect()
}

/// A small deterministic generator (xorshift), so every run of the benchmark seeds the same.
struct Draw(u64);

impl Draw {
    /// Uniform in [0, 1).
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1_u64 << 53) as f64
    }
}

fn seed(database: &std::path::Path, templates: &[Template], runs: u64) {
    let mut conn = Connection::open(database).expect("the database opens");
    let tx = conn.transaction().expect("a transaction");
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("after 1970").as_millis() as i64;
    let mut draw = Draw(0x9E37_79B9_7F4A_7C15);
    let mut minutes: std::collections::HashMap<(usize, i64, usize), (i64, i64)> = std::collections::HashMap::new();
    let mut last: Vec<Option<(i64, bool, String)>> = vec![None; templates.len()];
    {
        let mut insert_run = tx
            .prepare(
                "INSERT INTO runs (id, integration_id, integration_name, alert_id, event_id, trigger, payload, webhook_id, status, reason,
                                   attempt_count, created_at, updated_at)
                 SELECT ?1, integration_id, integration_name, alert_id, event_id, trigger, payload, ?2, ?3, ?4, 1, ?5, ?6 FROM runs WHERE id = ?7",
            )
            .expect("a statement");
        let mut insert_attempt = tx
            .prepare("INSERT INTO run_attempts (run_id, number, started_at, duration_ms, url, status_code, error) VALUES (?, 1, ?, ?, ?, ?, ?)")
            .expect("a statement");
        for index in 0..runs {
            let desk = index as usize % templates.len();
            // The first run of each desk is its latest (half a minute ago): CRM's failed.
            let latest = (index as usize) < templates.len();
            let created = if latest { now - 30_000 } else { now - (draw.next() * DAY_MS as f64) as i64 };
            let recent = now - created < 3 * 60 * 60 * 1000;
            let (usual, incident) = DESKS[desk].failing;
            let failed = if latest { DESKS[desk].name == "CRM" } else { draw.next() < if recent { incident } else { usual } };
            // Latencies spread around the desk's typical one, with a long tail.
            let spread = if draw.next() < 0.02 { 8.0 } else { 0.5 + draw.next() * 1.5 };
            let duration = (DESKS[desk].typical_ms * spread * if failed { 3.0 } else { 1.0 }) as i64;
            let (status, code, error) = if failed { ("failed", 503, Some("HTTP 503")) } else { ("succeeded", 200, None) };
            let run_id = format!("run_seed{index:07}");
            let template = &templates[desk];
            insert_run
                .execute(params![run_id, format!("msg_seed{index:07}"), status, error, created, created + duration, template.run_id])
                .expect("a run");
            insert_attempt.execute(params![run_id, created, duration, "http://127.0.0.1/hook", code, error]).expect("an attempt");
            let counts = minutes.entry((desk, created / 60_000, latency_bucket(duration as u64))).or_default();
            if failed {
                counts.1 += 1
            } else {
                counts.0 += 1
            }
            if last[desk].as_ref().is_none_or(|(at, ..)| *at < created) {
                last[desk] = Some((created, failed, run_id));
            }
        }
        let mut insert_minute = tx
            .prepare(
                "INSERT INTO delivery_minutes (endpoint_id, minute, bucket, succeeded, failed) VALUES (?, ?, ?, ?, ?)
                 ON CONFLICT (endpoint_id, minute, bucket) DO UPDATE SET succeeded = succeeded + excluded.succeeded, failed = failed + excluded.failed",
            )
            .expect("a statement");
        for ((desk, minute, bucket), (succeeded, failed)) in minutes {
            insert_minute.execute(params![templates[desk].endpoint_id, minute, bucket as i64, succeeded, failed]).expect("an aggregate");
        }
        let mut status = tx
            .prepare(
                "INSERT OR REPLACE INTO endpoint_status (endpoint_id, last_attempt_at, last_ok, failed_at, failed_run_id, last_error)
                 VALUES (?1, ?2, ?3, CASE WHEN ?3 THEN NULL ELSE ?2 END, CASE WHEN ?3 THEN NULL ELSE ?4 END, CASE WHEN ?3 THEN NULL ELSE 'HTTP 503' END)",
            )
            .expect("a statement");
        for (template, last) in templates.iter().zip(last) {
            if let Some((at, failed, run_id)) = last {
                status.execute(params![template.endpoint_id, at, !failed, run_id]).expect("an endpoint's state");
            }
        }
    }
    tx.commit().expect("the seed commits");
}
