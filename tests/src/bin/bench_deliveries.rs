//! Delivery benchmark: starts `outflow serve` (pass the release binary) on a fresh
//! database with a status-trigger webhook integration to a loopback receiver, creates
//! alerts at a fixed rate for a fixed time, and prints deliveries/s, p50/p99
//! event-to-delivery latency (alert request sent → webhook received), peak RSS of the
//! server, its CPU time per delivery (a figure that holds even when other work shares the
//! machine), and whether every run was recorded.
//!
//! `bench_deliveries <outflow binary> [rate per second] [seconds]` (see `./x bench`). With
//! `OUTFLOW_TEST_POSTGRES` set the database is a fresh one on that PostgreSQL server, and
//! `OUTFLOW_BENCH_INSTANCES=N` starts N instances on it, alerts going to them round robin;
//! then it also prints PostgreSQL's transactions and statements per delivery (statements when
//! the server loads `pg_stat_statements`) and each instance's CPU.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use axum::{Router, body::Bytes, extract::State, routing::post};
use outflow_tests::{
    TestServer, admin_client,
    bench::{Postgres, cpu_seconds, servers},
    peak_rss_kib, post_json,
};
use serde_json::{Value, json};
use tokio::sync::Semaphore;

type Arrivals = Arc<Mutex<HashMap<i64, Instant>>>;

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let binary = args.next().expect("usage: bench_deliveries <outflow binary> [rate] [seconds]");
    let rate: u64 = args.next().map_or(1000, |rate| rate.parse().expect("rate is a number"));
    let seconds: u64 = args.next().map_or(10, |seconds| seconds.parse().expect("seconds is a number"));
    // SAFETY: set before any other thread reads the environment.
    unsafe { std::env::set_var("OUTFLOW_BIN", &binary) };

    let arrivals: Arrivals = Arc::default();
    let receiver = start_receiver(arrivals.clone()).await;
    let servers = servers();
    let instances = servers.len();
    let server = &servers[0];
    let client = admin_client();
    let form = setup(&client, server, &receiver).await;
    let postgres = Postgres::of(server);

    println!(
        "creating alerts at {rate}/s for {seconds} s against {binary} ({instances} instance(s), {})",
        postgres.as_ref().map_or("SQLite", |_| "PostgreSQL")
    );
    let sent: Arc<Mutex<HashMap<i64, Instant>>> = Arc::default();
    let permits = Arc::new(Semaphore::new(512));
    let cpu_before: Vec<f64> = servers.iter().map(|server| cpu_seconds(server.pid())).collect();
    let database_before = postgres.as_ref().map(Postgres::counts);
    let own_cpu_before = cpu_seconds(std::process::id());
    let started = Instant::now();
    let mut ticker = tokio::time::interval(Duration::from_nanos(1_000_000_000 / rate.max(1)));
    let mut tasks = Vec::new();
    for n in 0..rate * seconds {
        ticker.tick().await;
        let permit = permits.clone().acquire_owned().await.expect("semaphore open");
        let target = &servers[usize::try_from(n).unwrap_or_default() % servers.len()];
        let (client, url, sent, form) = (client.clone(), target.url("/api/v1/alerts"), sent.clone(), form.clone());
        tasks.push(tokio::spawn(async move {
            let begin = Instant::now();
            let answer = client.post(url).json(&json!({"formId": form, "recipients": ["bench"]})).send().await;
            if let Ok(answer) = answer
                && let Ok(alert) = answer.json::<Value>().await
                && let Some(id) = alert["eventIdentifier"].as_i64()
            {
                sent.lock().expect("not poisoned").insert(id, begin);
            }
            drop(permit);
        }));
    }
    for task in tasks {
        let _ = task.await;
    }
    let sending = started.elapsed();
    let expected = sent.lock().expect("not poisoned").len();
    let deadline = Instant::now() + Duration::from_secs(120);
    while arrivals.lock().expect("not poisoned").len() < expected && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let total = started.elapsed();
    let instance_cpu: Vec<f64> = servers.iter().zip(&cpu_before).map(|(server, before)| cpu_seconds(server.pid()) - before).collect();
    let server_cpu: f64 = instance_cpu.iter().sum();
    let database_used = postgres.as_ref().zip(database_before).map(|(postgres, before)| postgres.counts().since(before));
    let own_cpu = cpu_seconds(std::process::id()) - own_cpu_before;

    let sent = sent.lock().expect("not poisoned").clone();
    let arrivals = arrivals.lock().expect("not poisoned").clone();
    let mut latencies: Vec<Duration> =
        sent.iter().filter_map(|(id, begin)| arrivals.get(id).map(|arrived| arrived.saturating_duration_since(*begin))).collect();
    latencies.sort();
    let percentile =
        |p: f64| latencies.get(((latencies.len() as f64 * p) as usize).min(latencies.len().saturating_sub(1))).copied().unwrap_or_default();
    let peak_rss_kib = servers.iter().map(|server| peak_rss_kib(server.pid())).max().unwrap_or_default();
    // A delivery is recorded just after the receiver answers it: give the last batch a moment.
    let recorded_by = Instant::now() + Duration::from_secs(10);
    let recorded = loop {
        let runs: Value = client.get(server.url("/api/v1/runs?status=succeeded&limit=1")).send().await.unwrap().json().await.unwrap();
        let recorded = runs["total"].as_u64().unwrap_or_default();
        if recorded >= expected as u64 || Instant::now() > recorded_by {
            break recorded;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };

    println!("alerts accepted:        {expected} in {:.2} s ({:.0}/s)", sending.as_secs_f64(), expected as f64 / sending.as_secs_f64());
    println!("deliveries received:    {} in {:.2} s ({:.0}/s)", arrivals.len(), total.as_secs_f64(), arrivals.len() as f64 / total.as_secs_f64());
    println!("latency p50 / p99:      {:.1} ms / {:.1} ms", percentile(0.50).as_secs_f64() * 1e3, percentile(0.99).as_secs_f64() * 1e3);
    println!("runs recorded succeeded: {recorded} of {expected}");
    println!("server peak RSS:        {:.1} MiB", peak_rss_kib as f64 / 1024.0);
    let per_delivery = server_cpu / arrivals.len().max(1) as f64;
    println!(
        "server CPU:             {server_cpu:.2} s, {:.0} µs per delivery (one core would carry ~{:.0} deliveries/s)",
        per_delivery * 1e6,
        1.0 / per_delivery.max(1e-9)
    );
    if servers.len() > 1 {
        let each: Vec<String> = instance_cpu.iter().map(|cpu| format!("{:.0} µs", cpu / arrivals.len().max(1) as f64 * 1e6)).collect();
        println!("each instance's CPU per delivery: {}", each.join(", "));
    }
    if let Some(used) = database_used {
        println!("{}", used.per("delivery", arrivals.len() as u64));
    }
    println!("benchmark's own CPU:    {own_cpu:.2} s (client and receiver, on the same cores)");
}

async fn start_receiver(arrivals: Arrivals) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a loopback port is free");
    let url = format!("http://{}", listener.local_addr().expect("bound"));
    let app = Router::new().route("/hook", post(receive)).with_state(arrivals);
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    url
}

async fn receive(State(arrivals): State<Arrivals>, body: Bytes) -> &'static str {
    let now = Instant::now();
    if let Ok(payload) = serde_json::from_slice::<Value>(&body)
        && let Some(id) = payload["eventIdentifier"].as_i64()
    {
        arrivals.lock().expect("not poisoned").entry(id).or_insert(now);
    }
    "ok"
}

async fn setup(client: &reqwest::Client, server: &TestServer, receiver: &str) -> String {
    let workflow = post_json(client, server, "/api/v1/workflows", json!({"name": "Bench"})).await;
    let workflow = workflow["id"].as_str().expect("workflow id").to_string();
    let form = post_json(client, server, &format!("/api/v1/workflows/{workflow}/forms"), json!({"name": "Load"})).await;
    let form = form["id"].as_str().expect("form id").to_string();
    post_json(client, server, "/api/v1/users", json!({"targetName": "bench"})).await;
    let endpoint = post_json(client, server, "/api/v1/endpoints", json!({"workflowId": workflow, "name": "Receiver", "baseUrl": receiver})).await;
    post_json(
        client,
        server,
        "/api/v1/integrations",
        json!({"formId": form, "name": "Status to receiver", "trigger": "status",
               "action": {"type": "webhook", "endpointId": endpoint["id"], "path": "/hook"}}),
    )
    .await;
    form
}
