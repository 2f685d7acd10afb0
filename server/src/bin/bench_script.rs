//! The Script step's own cost (issue 19's target: ≤ 50 µs of server CPU to reshape a 1 KB
//! JSON object). Runs the flow benchmark's reshape script on a 1 KB order the way the
//! server runs a Script step (`runtime::scripts::run_timed`: inline on the calling thread
//! when it is quick and makes no calls), then the same script on a script thread (what a
//! script that calls out, or runs long, pays: the hand-off there and back). Prints CPU per
//! call, measured from the kernel's accounting of this process (all its threads).
//!
//! Run it with `./x bench-script` (release build, pinned to one CPU). Not a test: it prints.

use std::{sync::Arc, time::Instant};

use outflow_server::{
    delivery::script::{self, HttpBridge, HttpCall, HttpReply, Limits, Scope, ScriptThreads, Shared},
    runtime::{ScriptTask, scripts::run_timed},
};

/// The flow benchmark's reshape.
const SCRIPT: &str = "var o = input.order;\n\
    var total = 0;\n\
    for (var i = 0; i < o.items.length; i++) { total += o.items[i].qty * o.items[i].price; }\n\
    output.body = JSON.stringify({orderId: o.id, customer: o.customer.name, lines: o.items.length, total: total});";
const CALLS: u32 = 20_000;
const WARM_UP: u32 = 1_000;

/// A script of this benchmark makes no calls.
struct NoCalls;

impl HttpBridge for NoCalls {
    fn call(&mut self, _call: HttpCall, _body: String) -> Result<HttpReply, String> {
        Err("this benchmark's script makes no calls".into())
    }
}

/// CPU time this process has used (every thread), in nanoseconds, from `/proc/self/stat`
/// (user + system, in clock ticks of 10 ms: over a run of seconds, within 1 %).
fn process_cpu_ns() -> u64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // After the command's closing parenthesis come field 3 (the state) onwards; utime and
    // stime are fields 14 and 15.
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |field: usize| fields.get(field - 3).and_then(|value| value.parse::<u64>().ok()).unwrap_or_default();
    (ticks(14) + ticks(15)) * 10_000_000
}

/// A 1 KB order: the flow benchmark's, with enough lines to weigh 1 KB as JSON.
fn order_input() -> String {
    let items: Vec<String> = (0..24).map(|n| format!(r#"{{"sku":"SKU-{n:04}","qty":{},"price":{}.5}}"#, n % 3 + 1, n + 4)).collect();
    format!(
        r#"{{"order":{{"id":"o-1042","customer":{{"name":"Ada Lovelace","email":"ada@example.com"}},"items":[{}],"note":"leave at the door"}}}}"#,
        items.join(",")
    )
}

fn report(what: &str, calls: u32, cpu_ns: u64, wall: std::time::Duration) {
    let per_call_cpu = cpu_ns as f64 / f64::from(calls) / 1_000.0;
    let per_call_wall = wall.as_secs_f64() * 1e6 / f64::from(calls);
    println!("{what:<44} {per_call_cpu:>8.1} µs CPU per call   {per_call_wall:>8.1} µs wall per call   ({calls} calls)");
}

fn main() {
    let input = order_input();
    let payload = format!(r#"{{"body":{input}}}"#);
    println!("script step reshaping a {} B JSON input ({} calls after {} to warm up)", input.len(), CALLS, WARM_UP);
    let threads = ScriptThreads::start(1).expect("a script thread starts");
    let shared = Arc::new(Shared::default());
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
    runtime.block_on(async {
        let task = || ScriptTask { source: SCRIPT.to_string(), payload_json: payload.clone(), input_json: Some(input.clone()) };
        let one = run_timed(&threads, task(), shared.clone(), Box::new(NoCalls), Limits::default()).await;
        let output = one.ran.expect("the script runs").result.expect("the script succeeds");
        assert!(output.is_some_and(|output| output["body"].as_str().is_some_and(|body| body.contains("o-1042"))), "the reshape works");

        for _ in 0..WARM_UP {
            run_timed(&threads, task(), shared.clone(), Box::new(NoCalls), Limits::default()).await;
        }
        let (cpu, wall) = (process_cpu_ns(), Instant::now());
        for _ in 0..CALLS {
            run_timed(&threads, task(), shared.clone(), Box::new(NoCalls), Limits::default()).await;
        }
        report("as a Script step runs (inline)", CALLS, process_cpu_ns() - cpu, wall.elapsed());

        let on_thread = || {
            let (shared, input, payload) = (shared.clone(), input.clone(), payload.clone());
            threads.run(move || {
                script::run(SCRIPT, Scope::Step { input_json: &input, payload_json: &payload }, &shared, Box::new(NoCalls), Limits::default())
            })
        };
        for _ in 0..WARM_UP {
            let _ = on_thread().await;
        }
        let (cpu, wall) = (process_cpu_ns(), Instant::now());
        for _ in 0..CALLS {
            let _ = on_thread().await;
        }
        report("on a script thread (with both hand-offs)", CALLS, process_cpu_ns() - cpu, wall.elapsed());
    });
}
