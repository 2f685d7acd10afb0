//! The JavaScript sandbox of script integrations (SPEC §4) and flow Script steps, on
//! QuickJS. A script sees `console.log`, `constants`, `require` and
//! `http.request({endpoint, method, path, headers}).write(body)`, plus its [`Scope`]: an
//! integration's `request.body` and `payload`, or a step's `input`, `output` and `payload`.
//! It has no file, process or network access except through `http.request`, which the host
//! performs. A wall-time limit (interrupt handler) and a memory limit end runaway scripts
//! with a clear error. Runs are blocking: call [`run`] from a blocking thread, never on an
//! async worker. [`run_inline`] is the exception: it gives a script a short budget on the
//! calling thread and gives up (nothing having left the sandbox) when the script needs more
//! time or calls `http.request`, so most scripts cost no hand-off to a script thread.
//!
//! A script's code runs as the body of one function call per run, with the scope's values
//! as arguments. Each thread keeps its QuickJS runtime and, per script (and the workflow's
//! constants and libraries it was set up with), a compiled context between runs: creating
//! a context is most of a small script's cost. Different scripts never share a context, so
//! nothing passes between workflows, flows or steps; what one script keeps on `globalThis`
//! (or in a library module) it sees again in its next run on that thread, like module state.
//! A runtime that hit a limit or left jobs queued is dropped with its contexts.

use std::{
    cell::{Cell, RefCell},
    collections::HashSet,
    rc::Rc,
    sync::{LazyLock, Mutex, PoisonError},
    time::{Duration, Instant},
};

thread_local! {
    /// This thread's engine between scripts (see the module docs).
    static ENGINE: RefCell<Option<Engine>> = const { RefCell::new(None) };
}

use outflow_core::clock;
use rquickjs::{Context, Ctx, Function, Persistent, Runtime, Value};
use serde::{Deserialize, Serialize};

/// Bounds for one script run.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub wall_time: Duration,
    pub memory_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { wall_time: Duration::from_secs(60), memory_bytes: 64 * 1024 * 1024 }
    }
}

/// What a script passes to `http.request(...)`.
#[derive(Debug, Clone, Deserialize)]
pub struct HttpCall {
    pub endpoint: String,
    #[serde(default = "default_method")]
    pub method: String,
    #[serde(default)]
    pub path: String,
    #[serde(default)]
    pub headers: std::collections::BTreeMap<String, String>,
}

fn default_method() -> String {
    "POST".into()
}

impl HttpCall {
    /// The call's HTTP method, or why the script's `method` is not one.
    pub fn method(&self) -> Result<reqwest::Method, String> {
        reqwest::Method::from_bytes(self.method.to_uppercase().as_bytes()).map_err(|_| format!("\"{}\" is not an HTTP method.", self.method))
    }
}

/// What `write(body)` returns to the script.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HttpReply {
    pub status_code: u16,
    pub headers: std::collections::BTreeMap<String, String>,
    /// The body, up to 1 MiB (see [`super::MAX_BODY_BYTES`]).
    pub body: String,
    /// The body was cut at 1 MiB: `bodyTruncated: true` for the script, and a log line.
    #[serde(rename = "bodyTruncated", skip_serializing_if = "std::ops::Not::not")]
    pub truncated: bool,
}

/// Performs the script's HTTP calls on its behalf (endpoint lookup, auth, egress policy).
pub trait HttpBridge {
    fn call(&mut self, call: HttpCall, body: String) -> Result<HttpReply, String>;
}

/// What the workflow shares with its scripts: constants and libraries, by name.
#[derive(Debug, Clone, Default)]
pub struct Shared {
    pub constants: std::collections::BTreeMap<String, String>,
    pub libraries: std::collections::BTreeMap<String, String>,
}

/// What a script sees besides the shared API.
#[derive(Debug, Clone, Copy)]
pub enum Scope<'a> {
    /// An integration's script: `payload` and `request.body` (the payload as a string).
    Integration { payload_json: &'a str },
    /// A flow's Script step: `input` (its resolved inputs by name), `output` (which it fills
    /// in) and `payload` (the run's trigger payload).
    Step { input_json: &'a str, payload_json: &'a str },
}

/// How a script run ended: for a step, `Ok` holds the `output` object it filled in.
pub struct ScriptRun {
    pub logs: Vec<(i64, String)>,
    pub result: Result<Option<serde_json::Value>, String>,
}

/// Glue between the host functions and the script-facing API.
const PRELUDE: &str = r#"
(function () {
  var log = __outflow_log, call = __outflow_http;
  var show = function (value) { return typeof value === 'string' ? value : JSON.stringify(value); };
  var print = function () { log(Array.prototype.map.call(arguments, show).join(' ')); };
  globalThis.console = { log: print, info: print, warn: print, error: print, debug: print };
  globalThis.http = {
    request: function (options) {
      return {
        write: function (body) {
          var reply = JSON.parse(call(JSON.stringify(options || {}), body === undefined ? '' : String(body)));
          if (reply.error) { throw new Error(reply.error); }
          return reply.ok;
        }
      };
    }
  };
  var sources = JSON.parse(__outflow_libraries), loaded = {};
  globalThis.constants = Object.freeze(JSON.parse(__outflow_constants));
  globalThis.require = function (name) {
    if (Object.prototype.hasOwnProperty.call(loaded, name)) { return loaded[name].exports; }
    if (!Object.prototype.hasOwnProperty.call(sources, name)) {
      throw new Error('This workflow has no shared library named "' + name + '".');
    }
    var module = { exports: {} };
    loaded[name] = module;
    new Function('module', 'exports', 'require', sources[name])(module, module.exports, globalThis.require);
    return module.exports;
  };
  delete globalThis.__outflow_log;
  delete globalThis.__outflow_http;
  delete globalThis.__outflow_constants;
  delete globalThis.__outflow_libraries;
})();
"#;

/// A fixed set of threads that run scripts, each keeping its engine between scripts; a
/// script waits in line for a free one. Fewer, long-lived threads than the blocking store's
/// keep the number of live QuickJS runtimes (and their memory) bounded.
#[derive(Clone)]
pub struct ScriptThreads {
    queue: flume::Sender<Box<dyn FnOnce() + Send>>,
}

impl ScriptThreads {
    /// Starts `count` threads.
    pub fn start(count: usize) -> std::io::Result<ScriptThreads> {
        let (queue, jobs) = flume::unbounded::<Box<dyn FnOnce() + Send>>();
        for n in 0..count.max(1) {
            let jobs = jobs.clone();
            std::thread::Builder::new().name(format!("outflow-script-{n}")).spawn(move || {
                // A job wakes one idle thread; the loop ends when the queue's senders are gone.
                while let Ok(job) = jobs.recv() {
                    // A panicking script run drops its reply (the caller hears of it) but not the thread.
                    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
                }
            })?;
        }
        Ok(ScriptThreads { queue })
    }

    /// How many threads suit this machine: enough to keep the cores busy while some scripts
    /// wait on `http.request`.
    pub fn suggested_count() -> usize {
        let cores = std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get);
        (cores * 4).clamp(4, 32)
    }

    /// Runs `work` on one of the threads and answers its result.
    pub async fn run<T: Send + 'static>(&self, work: impl FnOnce() -> T + Send + 'static) -> Result<T, String> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        let job: Box<dyn FnOnce() + Send> = Box::new(move || {
            let _ = reply.send(work());
        });
        self.queue.send(job).map_err(|_| "The script threads stopped.".to_string())?;
        answer.await.map_err(|_| "The script engine stopped unexpectedly.".to_string())
    }
}

/// Runs `script` in `scope`.
pub fn run(script: &str, scope: Scope<'_>, shared: &Shared, bridge: Box<dyn HttpBridge>, limits: Limits) -> ScriptRun {
    run_keyed(fingerprint(script, shared), script, scope, shared, bridge, limits)
}

/// [`run`] for a script whose [`fingerprint`] is `key`.
fn run_keyed(key: u64, script: &str, scope: Scope<'_>, shared: &Shared, bridge: Box<dyn HttpBridge>, limits: Limits) -> ScriptRun {
    let engine = match ENGINE.with(|kept| kept.borrow_mut().take()) {
        Some(engine) => Ok(engine),
        None => Engine::new(),
    };
    let mut engine = match engine {
        Ok(engine) => engine,
        Err(error) => return ScriptRun { logs: Vec::new(), result: Err(error) },
    };
    let (result, logs, reusable) = engine.run(key, script, scope, shared, bridge, limits);
    if reusable {
        ENGINE.with(|kept| *kept.borrow_mut() = Some(engine));
    }
    ScriptRun { logs, result }
}

/// Scripts (by [`fingerprint`]) that needed more than their inline budget or called
/// `http.request`: they go to a script thread at once. Cleared when it grows past
/// [`NOT_INLINE_MAX`] (each script then gets one more try).
static NOT_INLINE: LazyLock<Mutex<HashSet<u64>>> = LazyLock::new(Mutex::default);
const NOT_INLINE_MAX: usize = 10_000;

/// Runs `script` on this thread if it finishes within `budget` without calling
/// `http.request`; `None` when it cannot. Then nothing it did left the sandbox (its log and
/// result are dropped), and the caller runs it on a script thread with [`run`].
pub fn run_inline(script: &str, scope: Scope<'_>, shared: &Shared, limits: Limits, budget: Duration) -> Option<ScriptRun> {
    let key = fingerprint(script, shared);
    let not_inline = || NOT_INLINE.lock().unwrap_or_else(PoisonError::into_inner);
    if not_inline().contains(&key) {
        return None;
    }
    let called = Rc::new(Cell::new(false));
    let started = Instant::now();
    let cut_short = budget < limits.wall_time;
    let inline_limits = Limits { wall_time: budget.min(limits.wall_time), ..limits };
    let run = run_keyed(key, script, scope, shared, Box::new(Refusing(called.clone())), inline_limits);
    if called.get() || (cut_short && started.elapsed() >= budget) {
        let mut not_inline = not_inline();
        if not_inline.len() >= NOT_INLINE_MAX {
            not_inline.clear();
        }
        not_inline.insert(key);
        return None;
    }
    Some(run)
}

/// The bridge of an inline run: it performs nothing and notes that the script wanted it.
struct Refusing(Rc<Cell<bool>>);

impl HttpBridge for Refusing {
    fn call(&mut self, _call: HttpCall, _body: String) -> Result<HttpReply, String> {
        self.0.set(true);
        Err("http.request is performed on a script thread; this run is discarded and runs there.".into())
    }
}

/// Contexts one thread keeps, the most recently used first.
const KEPT_CONTEXTS: usize = 8;
/// Runs between two measurements of the runtime's memory (measuring walks every object;
/// in between, QuickJS collects garbage itself whenever memory grows by half).
const RUNS_PER_MEMORY_MEASURE: u32 = 16;

/// A thread's QuickJS runtime and the scripts compiled in it.
struct Engine {
    // Dropped before the runtime they live in (fields drop in order).
    kept: Vec<Kept>,
    runtime: Runtime,
    /// Runs since the garbage of earlier runs was last measured.
    runs_since_measure: u32,
}

/// One script compiled into its own context, with the slots its host functions use.
struct Kept {
    /// The script with the workflow's constants and libraries it was set up with.
    key: u64,
    main: Persistent<Function<'static>>,
    /// Whether the script may read its `payload` (else a step's is not parsed for it).
    reads_payload: bool,
    io: Rc<Io>,
    context: Context,
}

/// What the host functions of a context reach during the run in progress.
#[derive(Default)]
struct Io {
    logs: RefCell<RunLog>,
    bridge: RefCell<Option<Box<dyn HttpBridge>>>,
}

/// Most log lines one script run keeps (`console.log` and `http.request` lines alike).
pub const MAX_LOG_LINES: usize = 1_000;
/// Most bytes of log text one script run keeps.
pub const MAX_LOG_BYTES: usize = 256 * 1024;

/// One run's log, capped at [`MAX_LOG_LINES`] lines and [`MAX_LOG_BYTES`] bytes: the line
/// that would pass a limit is kept only as far as it fits, then one "Log truncated" line
/// says which limit was hit, and later lines are dropped without cost.
#[derive(Default)]
struct RunLog {
    lines: Vec<(i64, String)>,
    bytes: usize,
    truncated: bool,
}

impl RunLog {
    fn push(&mut self, line: String) {
        if self.truncated {
            return;
        }
        if self.lines.len() >= MAX_LOG_LINES {
            return self.truncate(format!("Log truncated: a script run keeps at most {MAX_LOG_LINES} lines; later lines were dropped."));
        }
        let room = MAX_LOG_BYTES - self.bytes;
        if line.len() > room {
            let mut end = room;
            while !line.is_char_boundary(end) {
                end -= 1;
            }
            if end > 0 {
                self.lines.push((clock::now_millis(), line[..end].to_string()));
            }
            return self.truncate(format!("Log truncated: a script run keeps at most {} KiB of log; the rest was dropped.", MAX_LOG_BYTES / 1024));
        }
        self.bytes += line.len();
        self.lines.push((clock::now_millis(), line));
    }

    fn truncate(&mut self, why: String) {
        self.truncated = true;
        self.lines.push((clock::now_millis(), why));
    }

    /// The lines so far; the log starts empty again for the next run.
    fn take(&mut self) -> Vec<(i64, String)> {
        std::mem::take(self).lines
    }
}

/// What a script's source is wrapped in: its globals become locals of one call, and a step's
/// `output` (or what the script returns) is the answer. The script starts on line 1.
fn wrapped(script: &str) -> String {
    format!("(function (input, output, payload, request) {{{script}\n;return output;\n}})")
}

impl Engine {
    fn new() -> Result<Engine, String> {
        let runtime = Runtime::new().map_err(|error| format!("The script engine could not start: {error}"))?;
        runtime.set_max_stack_size(1024 * 1024);
        Ok(Engine { kept: Vec::new(), runtime, runs_since_measure: 0 })
    }

    /// Runs a script (whose [`fingerprint`] is `key`); answers its result, its log, and
    /// whether this engine may be reused.
    fn run(
        &mut self,
        key: u64,
        script: &str,
        scope: Scope<'_>,
        shared: &Shared,
        bridge: Box<dyn HttpBridge>,
        limits: Limits,
    ) -> (Result<Option<serde_json::Value>, String>, Vec<(i64, String)>, bool) {
        // Garbage of earlier runs (cycles) must not count against this one's memory limit.
        self.runs_since_measure += 1;
        if self.runs_since_measure >= RUNS_PER_MEMORY_MEASURE {
            self.runs_since_measure = 0;
            if usize::try_from(self.runtime.memory_usage().malloc_size).unwrap_or(usize::MAX) > limits.memory_bytes / 4 {
                self.runtime.run_gc();
            }
        }
        self.runtime.set_memory_limit(limits.memory_bytes);
        let deadline = Instant::now() + limits.wall_time;
        self.runtime.set_interrupt_handler(Some(Box::new(move || Instant::now() > deadline)));
        let kept = match self.kept.iter().position(|kept| kept.key == key) {
            Some(at) => Ok(self.kept.remove(at)),
            None => self.compile(key, script, shared, limits, deadline),
        };
        let (result, logs, kept) = match kept {
            Ok(kept) => {
                *kept.io.bridge.borrow_mut() = Some(bridge);
                let result = kept.context.with(|ctx| {
                    let returned = call(&ctx, &kept, scope).map_err(|error| describe(&ctx, error, limits, deadline))?;
                    as_json(&ctx, scope, returned)
                });
                // Dropping the bridge revokes the run's credential for Outflow's API.
                kept.io.bridge.borrow_mut().take();
                let logs = kept.io.logs.borrow_mut().take();
                (result.and_then(|returned| step_output(scope, returned)), logs, Some(kept))
            }
            Err(error) => (Err(error), Vec::new(), None),
        };
        let stopped = Instant::now() > deadline || result.as_ref().is_err_and(|error| error.starts_with("The script was stopped"));
        let reusable = !stopped && !self.runtime.is_job_pending();
        if reusable {
            self.runtime.set_interrupt_handler(None);
            if let Some(kept) = kept {
                self.kept.insert(0, kept);
                self.kept.truncate(KEPT_CONTEXTS);
            }
        }
        (result, logs, reusable)
    }

    /// A fresh context with the workflow's constants and libraries and the script compiled.
    fn compile(&self, key: u64, script: &str, shared: &Shared, limits: Limits, deadline: Instant) -> Result<Kept, String> {
        let context = Context::full(&self.runtime).map_err(|error| format!("The script engine could not start: {error}"))?;
        let io = Rc::new(Io::default());
        let main = context.with(|ctx| {
            install(&ctx, shared, io.clone()).map_err(|error| describe(&ctx, error, limits, deadline))?;
            let main: Function = ctx.eval(wrapped(script)).map_err(|error| describe(&ctx, error, limits, deadline))?;
            Ok::<_, String>(Persistent::save(&ctx, main))
        })?;
        Ok(Kept { key, main, reads_payload: may_read_payload(script), io, context })
    }
}

/// Identifies a script together with the constants and libraries it is set up with.
fn fingerprint(script: &str, shared: &Shared) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    (script, &shared.constants, &shared.libraries).hash(&mut hasher);
    hasher.finish()
}

/// Whether a script's own source may read its `payload`: by name, or through `eval` or
/// `arguments` (its libraries cannot: `payload` is a parameter of the script's function).
fn may_read_payload(script: &str) -> bool {
    ["payload", "eval", "arguments"].iter().any(|name| script.contains(name))
}

/// Calls the compiled script with this run's scope; answers what it returned. A step's
/// payload is parsed only for a script that may read it (parsing is most of a quick
/// script's cost).
fn call<'js>(ctx: &Ctx<'js>, kept: &Kept, scope: Scope<'_>) -> rquickjs::Result<Value<'js>> {
    let main = kept.main.clone().restore(ctx)?;
    let undefined = Value::new_undefined(ctx.clone());
    let output = rquickjs::Object::new(ctx.clone())?.into_value();
    match scope {
        Scope::Integration { payload_json } => {
            let request = rquickjs::Object::new(ctx.clone())?;
            request.set("body", payload_json)?;
            main.call((undefined, output, ctx.json_parse(payload_json)?, request))
        }
        Scope::Step { input_json, payload_json } => {
            let payload = if kept.reads_payload { ctx.json_parse(payload_json)? } else { undefined.clone() };
            main.call((ctx.json_parse(input_json)?, output, payload, undefined))
        }
    }
}

/// What a step's script returned, as JSON (an integration's return value is not used).
fn as_json<'js>(ctx: &Ctx<'js>, scope: Scope<'_>, returned: Value<'js>) -> Result<Option<serde_json::Value>, String> {
    if matches!(scope, Scope::Integration { .. }) || !returned.is_object() || returned.is_function() {
        return Ok(None);
    }
    let text = ctx
        .json_stringify(returned)
        .map_err(|error| format!("Script error: output cannot be turned into JSON: {error}"))?
        .and_then(|text| text.to_string().ok());
    text.map(|text| serde_json::from_str(&text).map_err(|error| format!("Script error: output is not JSON: {error}"))).transpose()
}

/// A step's outputs: the `output` object it filled in (or returned).
fn step_output(scope: Scope<'_>, returned: Option<serde_json::Value>) -> Result<Option<serde_json::Value>, String> {
    match (scope, returned) {
        (Scope::Integration { .. }, _) => Ok(None),
        (Scope::Step { .. }, Some(output @ serde_json::Value::Object(_))) => Ok(Some(output)),
        (Scope::Step { .. }, _) => Err("Script error: `output` must stay an object; set its fields, e.g. output['ticket id'] = 42.".to_string()),
    }
}

fn install<'js>(ctx: &Ctx<'js>, shared: &Shared, io: Rc<Io>) -> rquickjs::Result<()> {
    let globals = ctx.globals();
    globals.set("__outflow_constants", serde_json::to_string(&shared.constants).unwrap_or_else(|_| "{}".into()))?;
    globals.set("__outflow_libraries", serde_json::to_string(&shared.libraries).unwrap_or_else(|_| "{}".into()))?;
    let log = io.clone();
    globals.set(
        "__outflow_log",
        Function::new(ctx.clone(), move |line: String| {
            log.logs.borrow_mut().push(line);
        })?,
    )?;
    globals.set(
        "__outflow_http",
        Function::new(ctx.clone(), move |options: String, body: String| -> String {
            let reply = match serde_json::from_str::<HttpCall>(&options) {
                Ok(call) if call.endpoint.trim().is_empty() => Err("http.request needs an endpoint name.".to_string()),
                Ok(call) => {
                    let label = format!("http.request {} {} {}", call.method, call.endpoint, call.path);
                    let reply = match io.bridge.borrow_mut().as_mut() {
                        Some(bridge) => bridge.call(call, body),
                        None => Err("http.request is only available while the script runs.".to_string()),
                    };
                    let outcome = match &reply {
                        Ok(reply) if reply.truncated => format!("answered {} ({})", reply.status_code, super::CappedBody::TRUNCATED),
                        Ok(reply) => format!("answered {}", reply.status_code),
                        Err(error) => format!("failed: {error}"),
                    };
                    io.logs.borrow_mut().push(format!("{label} {outcome}"));
                    reply
                }
                Err(error) => Err(format!("http.request options are not valid: {error}")),
            };
            match reply {
                Ok(reply) => serde_json::json!({ "ok": reply }).to_string(),
                Err(error) => serde_json::json!({ "error": error }).to_string(),
            }
        })?,
    )?;
    ctx.eval::<(), _>(PRELUDE)
}

/// Turns an engine error into the message the run log shows, with the script line.
fn describe(ctx: &Ctx<'_>, error: rquickjs::Error, limits: Limits, deadline: Instant) -> String {
    if Instant::now() > deadline {
        return format!("The script was stopped: it ran longer than {} s.", limits.wall_time.as_secs_f64());
    }
    if !matches!(error, rquickjs::Error::Exception) {
        return format!("Script error: {error}");
    }
    let out_of_memory = || format!("The script was stopped: it used more than {} MiB of memory.", limits.memory_bytes / (1024 * 1024));
    let thrown = ctx.catch();
    if let Some(exception) = thrown.as_exception() {
        let message = exception.message().unwrap_or_default();
        if message.contains("out of memory") {
            return out_of_memory();
        }
        let line = exception.stack().and_then(|stack| first_line_number(&stack));
        return match line {
            Some(line) => format!("Script error at line {line}: {message}"),
            None => format!("Script error: {message}"),
        };
    }
    let shown = thrown.as_string().and_then(|text| text.to_string().ok()).unwrap_or_else(|| format!("{thrown:?}"));
    if shown.contains("out of memory") {
        return out_of_memory();
    }
    format!("Script error: uncaught {shown}")
}

/// The line of the first `<eval>` frame in a QuickJS stack (`at <anonymous> (eval_script:3:9)`).
fn first_line_number(stack: &str) -> Option<u32> {
    stack.lines().find_map(|frame| {
        let location = frame.rsplit_once('(')?.1.trim_end_matches(')');
        let mut parts = location.rsplit(':');
        let _column = parts.next()?;
        parts.next()?.parse().ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Echo;

    impl HttpBridge for Echo {
        fn call(&mut self, call: HttpCall, body: String) -> Result<HttpReply, String> {
            if call.endpoint == "missing" {
                return Err("This workflow has no endpoint named \"missing\".".into());
            }
            Ok(HttpReply {
                status_code: 201,
                headers: Default::default(),
                body: format!("{} {}{} {body}", call.method, call.endpoint, call.path),
                truncated: false,
            })
        }
    }

    const EMPTY: Scope<'static> = Scope::Integration { payload_json: "{}" };

    fn quick() -> Limits {
        Limits { wall_time: Duration::from_millis(300), memory_bytes: 16 * 1024 * 1024 }
    }

    #[test]
    fn scripts_read_the_payload_log_and_call_endpoints() {
        let script = r#"
            var reply = http.request({endpoint: 'Desk', path: '/x'}).write(JSON.stringify({id: payload.eventIdentifier}));
            console.log('status', reply.statusCode, reply.body);
            console.log(JSON.parse(request.body).trigger);
        "#;
        let scope = Scope::Integration { payload_json: r#"{"eventIdentifier": 7, "trigger": "status"}"# };
        let run = run(script, scope, &Shared::default(), Box::new(Echo), quick());
        assert_eq!(run.result, Ok(None));
        let lines: Vec<&str> = run.logs.iter().map(|(_, line)| line.as_str()).collect();
        assert_eq!(lines, ["http.request POST Desk /x answered 201", "status 201 POST Desk/x {\"id\":7}", "status"]);
    }

    #[test]
    fn scripts_read_constants_and_require_libraries() {
        let mut shared = Shared::default();
        shared.constants.insert("Desk URL".into(), "https://desk.example.com".into());
        shared
            .libraries
            .insert("format".into(), "var calls = 0; module.exports.ticket = function (n) { calls++; return 'T-' + n + '/' + calls; };".into());
        let script = "var f = require('format'); console.log(f.ticket(1), require('format').ticket(2), constants['Desk URL']); require('nope');";
        let run = run(script, EMPTY, &shared, Box::new(Echo), quick());
        assert_eq!(run.logs[0].1, "T-1/1 T-2/2 https://desk.example.com", "a library loads once and keeps its state");
        assert!(run.result.unwrap_err().contains("no shared library named \"nope\""));
    }

    #[test]
    fn errors_name_the_line() {
        let run = run("var a = 1;\nvar b = 2;\nnope();", EMPTY, &Shared::default(), Box::new(Echo), quick());
        let error = run.result.unwrap_err();
        assert!(error.contains("line 3") && error.contains("nope"), "{error}");
        let failed_call = super::run("http.request({endpoint: 'missing'}).write('')", EMPTY, &Shared::default(), Box::new(Echo), quick());
        assert!(failed_call.result.unwrap_err().contains("no endpoint named"));
    }

    #[test]
    fn quick_scripts_run_inline_and_others_go_to_a_script_thread() {
        let budget = Duration::from_millis(50);
        let shaped = Scope::Step { input_json: r#"{"n": 20}"#, payload_json: "{}" };
        let inline = run_inline("output.doubled = input.n * 2; console.log('here');", shaped, &Shared::default(), quick(), budget);
        let inline = inline.expect("a quick script runs inline");
        assert_eq!(inline.result, Ok(Some(serde_json::json!({"doubled": 40}))));
        assert_eq!(inline.logs[0].1, "here");

        let calling = "try { http.request({endpoint: 'Desk'}).write('x'); } catch (e) {} output.sent = true;";
        assert!(run_inline(calling, shaped, &Shared::default(), quick(), budget).is_none(), "a call (even one caught) sends it to a thread");
        assert!(NOT_INLINE.lock().unwrap().contains(&fingerprint(calling, &Shared::default())), "and it goes there directly next time");

        let slow = "var until = Date.now() + 200; while (Date.now() < until) {} output.done = true;";
        let started = Instant::now();
        assert!(run_inline(slow, shaped, &Shared::default(), quick(), budget).is_none(), "a slow script gives up its inline try");
        assert!(started.elapsed() < Duration::from_millis(150), "after its budget, not its whole run");
        assert!(run_inline(slow, shaped, &Shared::default(), quick(), budget).is_none());
        let on_a_thread = run(slow, shaped, &Shared::default(), Box::new(Echo), quick());
        assert_eq!(on_a_thread.result, Ok(Some(serde_json::json!({"done": true}))), "it runs whole on a script thread");
    }

    #[test]
    fn runaway_scripts_are_stopped() {
        let started = Instant::now();
        let endless = run("while (true) {}", EMPTY, &Shared::default(), Box::new(Echo), quick());
        assert!(endless.result.unwrap_err().contains("ran longer than"));
        assert!(started.elapsed() < Duration::from_secs(5));
        let hungry = run("var a = []; while (true) { a.push(new Array(100000).fill('x')); }", EMPTY, &Shared::default(), Box::new(Echo), quick());
        let error = hungry.result.unwrap_err();
        assert!(error.contains("memory") || error.contains("ran longer"), "{error}");
        let after = run("console.log('still works')", EMPTY, &Shared::default(), Box::new(Echo), quick());
        assert_eq!((after.result, after.logs[0].1.as_str()), (Ok(None), "still works"), "the next script gets a working engine");
    }

    #[test]
    fn steps_read_input_fill_output_and_share_no_globals() {
        let scope = Scope::Step { input_json: r#"{"ticket data": {"id": 7}}"#, payload_json: r#"{"trigger": "http"}"# };
        let script = "globalThis.leaked = 1; output['ticket id'] = input['ticket data'].id; output.trigger = payload.trigger;";
        let first = run(script, scope, &Shared::default(), Box::new(Echo), quick());
        assert_eq!(first.result, Ok(Some(serde_json::json!({"ticket id": 7, "trigger": "http"}))));
        let second = run("output.seen = typeof leaked;", scope, &Shared::default(), Box::new(Echo), quick());
        assert_eq!(second.result, Ok(Some(serde_json::json!({"seen": "undefined"}))), "a reused runtime gets a fresh context");
        let replaced = run("output = 3;", scope, &Shared::default(), Box::new(Echo), quick());
        assert!(replaced.result.unwrap_err().contains("must stay an object"));
        let again = Scope::Step { input_json: r#"{"ticket data": {"id": 8}}"#, payload_json: "{}" };
        let rerun = run(script, again, &Shared::default(), Box::new(Echo), quick());
        assert_eq!(rerun.result, Ok(Some(serde_json::json!({"ticket id": 8}))), "a kept script gets this run's input and a fresh output");
        let returned = run("let total = input['ticket data'].id * 2; return {total};", again, &Shared::default(), Box::new(Echo), quick());
        assert_eq!(returned.result, Ok(Some(serde_json::json!({"total": 16}))), "a script may return its outputs");
    }

    #[test]
    fn a_step_script_reads_its_payload_by_name_eval_or_arguments() {
        let scope = Scope::Step { input_json: "{}", payload_json: r#"{"trigger": "http"}"# };
        for script in ["output.t = payload.trigger;", "output.t = eval('pay' + 'load').trigger;", "output.t = arguments[2].trigger;"] {
            let ran = run(script, scope, &Shared::default(), Box::new(Echo), quick());
            assert_eq!(ran.result, Ok(Some(serde_json::json!({"t": "http"}))), "{script}");
        }
        assert!(!may_read_payload("output.body = JSON.stringify(input.order);"), "a script that cannot read it gets it unparsed");
    }

    #[test]
    fn a_runs_log_stops_at_its_line_and_byte_limits_with_one_note() {
        let chatty = "for (var i = 0; i < 5000; i++) { console.log('line ' + i); }";
        for _ in 0..2 {
            let ran = run(chatty, EMPTY, &Shared::default(), Box::new(Echo), quick());
            assert_eq!(ran.result, Ok(None));
            assert_eq!(ran.logs.len(), MAX_LOG_LINES + 1, "every run of a kept script starts a fresh log");
            assert_eq!(ran.logs[MAX_LOG_LINES - 1].1, "line 999");
            assert_eq!(ran.logs[MAX_LOG_LINES].1, "Log truncated: a script run keeps at most 1000 lines; later lines were dropped.");
        }
        let wordy = "var kb = 'é'.repeat(500); for (var i = 0; i < 1000; i++) { console.log(kb); } console.log('never');";
        let ran = run(wordy, EMPTY, &Shared::default(), Box::new(Echo), quick());
        let (marker, kept) = ran.logs.split_last().unwrap();
        assert_eq!(marker.1, "Log truncated: a script run keeps at most 256 KiB of log; the rest was dropped.");
        assert_eq!(kept.len(), 263, "262 whole lines of 1000 bytes, then the part of one that fits");
        assert_eq!(kept.iter().map(|(_, line)| line.len()).sum::<usize>(), MAX_LOG_BYTES);
        let calls = "for (var i = 0; i < 1500; i++) { http.request({endpoint: 'Desk'}).write(''); }";
        let ran = run(calls, EMPTY, &Shared::default(), Box::new(Echo), quick());
        assert_eq!(ran.logs.len(), MAX_LOG_LINES + 1, "http.request lines count too");
    }
}
