//! Flow benchmark, Outflow and Node-RED side by side in one run: starts `outflow serve` (pass
//! the release binary) pinned to CPU 0 on a fresh database with the flow *HTTP trigger
//! (sync) → Script (reshape the JSON) → Webhook (POST to a loopback receiver) → reply with
//! the receiver's answer*, loads its HTTP trigger with `wrk` at 1, 10, 50 and 100
//! connections, and prints req/s, p50/p99 latency and the server's peak RSS per round, then
//! how many runs were recorded, and the server's CPU time per request. Then the same flow on Node-RED (http in → function → http
//! request → http response), on the same pinned CPU, with the same receiver, payload and
//! rounds; and the ratios. Run this process on the other CPUs (`./x bench-flow` does), so
//! wrk and the receiver do not share the servers'.
//!
//! `bench_flow <outflow binary> <node-red's red.js, or -> [seconds per round]`.
//! With `OUTFLOW_TEST_POSTGRES` set the database is a fresh one on that PostgreSQL server, and
//! `OUTFLOW_BENCH_INSTANCES=N` starts N instances on it (all on CPU 0), each round's connections
//! split across them, one wrk each: req/s add up, p50 is the request-weighted mean of the
//! instances' and p99 the highest, peak RSS the sum. Then it also prints PostgreSQL's
//! transactions and statements per flow run, and each instance's CPU per request.

use std::{
    process::Command,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use axum::{Router, body::Bytes, extract::State, routing::post};
use outflow_tests::{
    ADMIN_KEY, TestServer, admin_client,
    bench::{Postgres, cpu_seconds, servers},
    peak_rss_kib, post_json,
};
use serde_json::{Value, json};

const CONNECTIONS: [u32; 4] = [1, 10, 50, 100];

/// One order, as a shop would post it to the flow's URL.
const ORDER: &str = r#"{"order":{"id":"o-1042","customer":{"name":"Ada Lovelace","email":"ada@example.com"},"items":[{"sku":"A-1","qty":2,"price":9.5},{"sku":"B-7","qty":1,"price":24}],"note":"leave at the door"}}"#;

/// Reshapes the order into what the receiving system wants.
const SCRIPT: &str = "var o = input.order;\n\
    var total = 0;\n\
    for (var i = 0; i < o.items.length; i++) { total += o.items[i].qty * o.items[i].price; }\n\
    output.body = JSON.stringify({orderId: o.id, customer: o.customer.name, lines: o.items.length, total: total});";

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let binary = args.next().expect("usage: bench_flow <outflow binary> <node-red red.js or -> [seconds per round]");
    let node_red = args.next().filter(|path| path != "-");
    let seconds: u64 = args.next().map_or(20, |seconds| seconds.parse().expect("seconds is a number"));
    let scratch = tempfile::tempdir().expect("a temporary folder");
    // The server runs on CPU 0 only; `exec` keeps the PID, so RSS is read from the server.
    let pinned = scratch.path().join("outflow-on-cpu0");
    std::fs::write(&pinned, format!("#!/bin/sh\nexec taskset -c 0 '{binary}' \"$@\"\n")).expect("the wrapper is written");
    make_executable(&pinned);
    // SAFETY: set before any other thread reads the environment.
    unsafe { std::env::set_var("OUTFLOW_BIN", &pinned) };

    let received = Arc::new(AtomicU64::new(0));
    let receiver = start_receiver(received.clone()).await;
    let servers = servers();
    let server = &servers[0];
    let client = admin_client();
    let flow = setup(&client, server, &receiver).await;
    let path = format!("/api/v1/flows/{flow}/http");
    let url = server.url(&path);
    let check = client.post(&url).header("content-type", "application/json").body(ORDER).send().await.expect("the server answers");
    let status = check.status();
    let answer = check.text().await.unwrap_or_default();
    assert!(status.is_success(), "the flow answers: {status} {answer}");
    println!("flow answer: {status} {answer}");
    let lua = scratch.path().join("post.lua");
    let body = ORDER.replace('\\', "\\\\").replace('"', "\\\"");
    std::fs::write(
        &lua,
        format!("wrk.method = \"POST\"\nwrk.body = \"{body}\"\nwrk.headers[\"Content-Type\"] = \"application/json\"\nwrk.headers[\"Authorization\"] = \"Bearer {ADMIN_KEY}\"\n"),
    )
    .expect("the wrk script is written");

    let postgres = Postgres::of(server);
    println!("Outflow ({} instance(s), {})", servers.len(), postgres.as_ref().map_or("SQLite", |_| "PostgreSQL"));
    let targets: Vec<Target> = servers.iter().map(|server| Target { url: server.url(&path), pid: server.pid() }).collect();
    let database_before = postgres.as_ref().map(Postgres::counts);
    let outflow = rounds(&lua, &targets, seconds);
    let database_used = postgres.as_ref().zip(database_before).map(|(postgres, before)| postgres.counts().since(before));
    let requests: u64 = outflow.iter().map(|round| round.requests).sum();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let count = |query: &str| {
        let (client, url) = (client.clone(), server.url(&format!("/api/v1/runs?flowId={flow}&limit=1{query}")));
        async move { client.get(url).send().await.expect("runs answer").json::<Value>().await.expect("JSON")["total"].as_u64().unwrap_or_default() }
    };
    let (all, succeeded) = (count("").await, count("&status=succeeded").await);
    println!("requests answered by wrk: {requests}; webhooks received: {}", received.load(Ordering::Relaxed));
    println!("flow runs recorded: {all} ({succeeded} succeeded)");
    let failed: Value = client
        .get(server.url(&format!("/api/v1/runs?flowId={flow}&status=failed&limit=1")))
        .send()
        .await
        .expect("runs answer")
        .json()
        .await
        .expect("JSON");
    if let Some(run) = failed["items"].get(0) {
        println!("failed runs: {}, e.g. {}: {}", failed["total"], run["id"], run["reason"]);
    }
    if let Some(used) = database_used {
        println!("{}", used.per("flow run", all));
    }
    drop(servers);
    let Some(red_js) = node_red else { return };
    let before = received.load(Ordering::Relaxed);
    let red = NodeRed::start(&red_js, scratch.path(), &receiver);
    let check = client.post(&red.url).header("content-type", "application/json").body(ORDER).send().await.expect("Node-RED answers");
    println!("\nNode-RED {}: flow answer: {} {}", red.version, check.status(), check.text().await.unwrap_or_default());
    let node_red = rounds(&lua, &[Target { url: red.url.clone(), pid: red.pid() }], seconds);
    let requests: u64 = node_red.iter().map(|round| round.requests).sum();
    println!("requests answered by wrk: {requests}; webhooks received: {}", received.load(Ordering::Relaxed) - before);
    println!("\nOutflow ÷ Node-RED (same run, same CPU): req/s ×, p99 ÷ (lower is better), peak RSS ÷");
    for ((connections, ours), theirs) in CONNECTIONS.iter().zip(&outflow).zip(&node_red) {
        println!(
            "{connections:>11} {:>9.2}× {:>9.2} {:>9.2}",
            ours.per_second / theirs.per_second.max(f64::MIN_POSITIVE),
            ours.p99_ms / theirs.p99_ms.max(f64::MIN_POSITIVE),
            ours.peak_rss_kib as f64 / (theirs.peak_rss_kib as f64).max(1.0)
        );
    }
}

/// A server's trigger URL and its process.
struct Target {
    url: String,
    pid: u32,
}

/// A warm-up, then one round per connection count against the targets (each round's
/// connections split across them), printed as they end.
fn rounds(lua: &std::path::Path, targets: &[Target], seconds: u64) -> Vec<Round> {
    println!("warming up (3 s at 10 connections)");
    load(lua, targets, 10, 3);
    println!("{:>11} {:>10} {:>10} {:>10} {:>10} {:>12} {:>12}", "connections", "req/s", "p50", "p99", "non-2xx", "peak RSS", "CPU/request");
    CONNECTIONS
        .iter()
        .map(|&connections| {
            let cpu_before: Vec<f64> = targets.iter().map(|target| cpu_seconds(target.pid)).collect();
            let mut round = load(lua, targets, connections, seconds);
            round.peak_rss_kib = targets.iter().map(|target| peak_rss_kib(target.pid)).sum();
            let cpu: Vec<f64> = targets.iter().zip(&cpu_before).map(|(target, before)| cpu_seconds(target.pid) - before).collect();
            let per_request = |cpu: f64| cpu * 1e6 / round.requests.max(1) as f64;
            let each = if targets.len() > 1 {
                let each: Vec<String> = cpu.iter().map(|cpu| format!("{:.0}µs", per_request(*cpu))).collect();
                format!("  (each instance: {})", each.join(", "))
            } else {
                String::new()
            };
            println!(
                "{connections:>11} {:>10.0} {:>8.2}ms {:>8.2}ms {:>10} {:>9.1}MiB {:>10.0}µs{each}",
                round.per_second,
                round.p50_ms,
                round.p99_ms,
                round.non_2xx,
                round.peak_rss_kib as f64 / 1024.0,
                per_request(cpu.iter().sum())
            );
            round
        })
        .collect()
}

/// `connections` split across the targets, one wrk each, at once; their figures combined.
fn load(lua: &std::path::Path, targets: &[Target], connections: u32, seconds: u64) -> Round {
    let count = u32::try_from(targets.len()).unwrap_or(u32::MAX).max(1);
    let parts: Vec<Round> = std::thread::scope(|scope| {
        let runs: Vec<_> = targets
            .iter()
            .zip(0..)
            .map(|(target, index)| (target, connections / count + u32::from(index < connections % count)))
            .filter(|(_, share)| *share > 0)
            .map(|(target, share)| scope.spawn(move || wrk(lua, &target.url, share, seconds)))
            .collect();
        runs.into_iter().map(|run| run.join().expect("wrk's thread ends")).collect()
    });
    let requests: u64 = parts.iter().map(|part| part.requests).sum();
    Round {
        requests,
        per_second: parts.iter().map(|part| part.per_second).sum(),
        p50_ms: parts.iter().map(|part| part.p50_ms * part.requests as f64).sum::<f64>() / requests.max(1) as f64,
        p99_ms: parts.iter().map(|part| part.p99_ms).fold(0.0, f64::max),
        non_2xx: parts.iter().map(|part| part.non_2xx).sum(),
        peak_rss_kib: 0,
    }
}

/// Node-RED serving the same flow: http in → function (the same reshape) → http request
/// (POST to the receiver, answer parsed) → function (the reply's content type) → http
/// response. Pinned to CPU 0; no editor, warnings only. Stopped when dropped.
struct NodeRed {
    child: std::process::Child,
    url: String,
    version: String,
}

impl NodeRed {
    fn start(red_js: &str, scratch: &std::path::Path, receiver: &str) -> NodeRed {
        let dir = scratch.join("node-red");
        std::fs::create_dir_all(&dir).expect("Node-RED's folder");
        let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|listener| listener.local_addr()).expect("a free port").port();
        let settings = format!(
            "module.exports = {{ uiHost: '127.0.0.1', uiPort: {port}, httpAdminRoot: false, flowFile: 'flows.json', \
             logging: {{ console: {{ level: 'warn', metrics: false, audit: false }} }} }};\n"
        );
        std::fs::write(dir.join("settings.js"), settings).expect("settings.js");
        let reshape = format!(
            "var input = {{ order: msg.payload.order }}; var output = {{}};\n{SCRIPT}\nmsg.payload = output.body;\nmsg.headers = {{ 'content-type': 'application/json' }};\nreturn msg;"
        );
        let flows = json!([
            {"id": "tab", "type": "tab", "label": "bench"},
            {"id": "in", "type": "http in", "z": "tab", "url": "/order", "method": "post", "wires": [["reshape"]]},
            {"id": "reshape", "type": "function", "z": "tab", "func": reshape, "outputs": 1, "wires": [["send"]]},
            {"id": "send", "type": "http request", "z": "tab", "method": "POST", "ret": "obj", "url": format!("{receiver}/orders"), "wires": [["reply"]]},
            {"id": "reply", "type": "function", "z": "tab", "func": "msg.headers = { 'content-type': 'application/json' };\nreturn msg;", "outputs": 1, "wires": [["out"]]},
            {"id": "out", "type": "http response", "z": "tab", "wires": []}
        ]);
        std::fs::write(dir.join("flows.json"), flows.to_string()).expect("flows.json");
        let package = std::path::Path::new(red_js).parent().map(|folder| folder.join("package.json")).expect("red.js is in node-red's package");
        let version = std::fs::read_to_string(package)
            .ok()
            .and_then(|text| serde_json::from_str::<Value>(&text).ok())
            .and_then(|package| package["version"].as_str().map(str::to_string))
            .unwrap_or_default();
        let child = Command::new("taskset")
            .args(["-c", "0", "node", red_js, "--userDir"])
            .arg(&dir)
            .args(["--port", &port.to_string()])
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("node runs Node-RED");
        let url = format!("http://127.0.0.1:{port}/order");
        let started = std::time::Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(started.elapsed() < Duration::from_secs(60), "Node-RED listens within a minute");
            std::thread::sleep(Duration::from_millis(200));
        }
        // The port opens before the flows are started.
        std::thread::sleep(Duration::from_secs(2));
        NodeRed { child, url, version }
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for NodeRed {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Round {
    requests: u64,
    per_second: f64,
    p50_ms: f64,
    p99_ms: f64,
    non_2xx: u64,
    /// The server's peak RSS after the round.
    peak_rss_kib: u64,
}

/// Runs wrk and reads its summary.
fn wrk(lua: &std::path::Path, url: &str, connections: u32, seconds: u64) -> Round {
    let threads = connections.min(2).to_string();
    let output = Command::new("wrk")
        .args(["-t", &threads, "-c", &connections.to_string(), "-d", &format!("{seconds}s"), "--latency", "-s"])
        .arg(lua)
        .arg(url)
        .output()
        .expect("wrk runs (apt-get install wrk)");
    let text = String::from_utf8_lossy(&output.stdout);
    let field = |label: &str| text.lines().find_map(|line| line.trim().strip_prefix(label).map(|rest| rest.trim().to_string()));
    let number = |label: &str| field(label).and_then(|value| value.split_whitespace().next().and_then(|n| n.parse::<f64>().ok())).unwrap_or_default();
    let requests = text.lines().find_map(|line| line.trim().split_once(" requests in ").and_then(|(n, _)| n.parse().ok())).unwrap_or_default();
    Round {
        requests,
        per_second: number("Requests/sec:"),
        p50_ms: field("50%").map(|value| millis(&value)).unwrap_or_default(),
        p99_ms: field("99%").map(|value| millis(&value)).unwrap_or_default(),
        non_2xx: number("Non-2xx or 3xx responses:") as u64,
        peak_rss_kib: 0,
    }
}

/// `812.00us`, `1.20ms`, `2.01s` as milliseconds.
fn millis(value: &str) -> f64 {
    let split = value.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(value.len());
    let (number, unit) = value.split_at(split);
    let number: f64 = number.parse().unwrap_or_default();
    match unit {
        "us" => number / 1000.0,
        "s" => number * 1000.0,
        "m" => number * 60_000.0,
        _ => number,
    }
}

async fn start_receiver(received: Arc<AtomicU64>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a loopback port is free");
    let url = format!("http://{}", listener.local_addr().expect("bound"));
    let app = Router::new().route("/orders", post(receive)).with_state(received);
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    url
}

async fn receive(State(received): State<Arc<AtomicU64>>, body: Bytes) -> axum::Json<Value> {
    let count = received.fetch_add(1, Ordering::Relaxed) + 1;
    let order: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    axum::Json(json!({"accepted": order["orderId"], "ticket": format!("T-{count}")}))
}

/// Workflow, form, an endpoint at the receiver, and the flow; answers the flow's id.
async fn setup(client: &reqwest::Client, server: &TestServer, receiver: &str) -> String {
    let workflow = post_json(client, server, "/api/v1/workflows", json!({"name": "Bench"})).await;
    let workflow = workflow["id"].as_str().expect("workflow id").to_string();
    let form = post_json(client, server, &format!("/api/v1/workflows/{workflow}/forms"), json!({"name": "Orders"})).await;
    let endpoint = post_json(client, server, "/api/v1/endpoints", json!({"workflowId": workflow, "name": "Fulfilment", "baseUrl": receiver})).await;
    let flow = post_json(client, server, "/api/v1/flows/import",
        json!({"name": "Order to fulfilment", "formId": form["id"],
            "blocks": [
                {"id": "h1", "kind": "trigger", "trigger": "http", "label": "Order posted",
                 "settings": {"auth": "apiKey", "mode": "sync", "timeoutSeconds": 25}, "position": {"x": 40, "y": 40}},
                {"id": "x1", "kind": "step", "step": "script", "label": "Reshape",
                 "settings": {"inputs": "order", "outputs": "body", "script": SCRIPT}, "inputs": {"order": "${h1.body.order}"}, "position": {"x": 300, "y": 40}},
                {"id": "w1", "kind": "step", "step": "webhook", "label": "Send to fulfilment",
                 "settings": {"endpointId": endpoint["id"], "method": "POST", "path": "/orders"},
                 "inputs": {"body": "${x1.body}", "headers": "{\"content-type\": \"application/json\"}"}, "position": {"x": 560, "y": 40}}],
            "edges": [{"from": "h1", "fromPort": "out", "to": "x1", "toPort": "in"}, {"from": "x1", "fromPort": "out", "to": "w1", "toPort": "in"}]}),
    )
    .await;
    flow["id"].as_str().unwrap_or_else(|| panic!("the flow is imported: {flow}")).to_string()
}

fn make_executable(path: &std::path::Path) {
    use std::os::unix::fs::PermissionsExt;
    let mut permissions = std::fs::metadata(path).expect("the wrapper exists").permissions();
    permissions.set_mode(0o755);
    std::fs::set_permissions(path, permissions).expect("the wrapper is executable");
}
