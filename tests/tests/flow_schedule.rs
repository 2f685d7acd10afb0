//! The Schedule trigger (issue 20) against the real server, with its scheduler's clock
//! injected through `--schedule-clock-file` (`OUTFLOW_SCHEDULE_CLOCK_FILE`), so minutes pass
//! at once: a schedule every minute posts exactly one webhook per due time, and a kill and
//! restart neither repeats nor loses one; after downtime `skip` runs nothing for the missed
//! times and `runOnce` runs once, for the latest; a flow turned off fires nothing, and turned
//! on again starts from then; a schedule that cannot run is refused naming its block.

use std::{path::PathBuf, time::Duration};

use outflow_tests::{
    TestServer,
    api::{Api, eventually},
    flows::{edge, import, webhook},
    receiver::Receiver,
};
use serde_json::{Value, json};
use tempfile::TempDir;

/// Monday 5 January 2026, 10:00:00 UTC.
const T0: i64 = 1_767_607_200_000;
const MINUTE: i64 = 60_000;

/// The scheduler's clock: a file holding milliseconds since the epoch.
struct Clock {
    _dir: TempDir,
    path: PathBuf,
}

impl Clock {
    fn at(now: i64) -> Clock {
        let dir = tempfile::tempdir().expect("a temporary folder can be made");
        let clock = Clock { path: dir.path().join("now"), _dir: dir };
        clock.set(now);
        clock
    }

    /// Moves the clock; written whole (renamed into place), so the server never reads half a number.
    fn set(&self, now: i64) {
        let next = self.path.with_extension("next");
        std::fs::write(&next, now.to_string()).expect("the clock file is written");
        std::fs::rename(&next, &self.path).expect("the clock file is replaced");
    }

    fn env(&self) -> [(&'static str, &str); 1] {
        [("OUTFLOW_SCHEDULE_CLOCK_FILE", self.path.to_str().expect("a UTF-8 path"))]
    }
}

fn schedule(id: &str, cron: &str, missed: &str) -> Value {
    json!({"id": id, "kind": "trigger", "trigger": "schedule", "label": format!("Every minute ({missed})"),
           "settings": {"cron": cron, "timeZone": "UTC", "missed": missed}, "position": {"x": 0, "y": 0}})
}

/// Imports (and so publishes) flow `name`: a schedule posting its due time to `path`.
async fn scheduled_flow(api: &Api<'_>, form: &str, desk: &str, name: &str, missed: &str, path: &str) -> String {
    import(
        api,
        form,
        name,
        vec![schedule("s1", "* * * * *", missed), webhook(desk, "w1", path, "{\"at\": \"${s1.scheduledAt}\", \"fired\": \"${s1.firedAt}\"}")],
        vec![edge("s1", "out", "w1")],
    )
    .await
}

/// A server on the clock, a receiver, a form and endpoint "Desk" at the receiver.
async fn start(clock: &Clock) -> (TestServer, Receiver, String, String) {
    let server = TestServer::start_with(&clock.env());
    let receiver = Receiver::start().await;
    let api = Api::new(&server);
    let workflow = api.workflow("Ops").await;
    let form = api.form(&workflow, json!({"name": "Housekeeping", "properties": []})).await;
    let desk = api.endpoint(&workflow, "Desk", &receiver.url("")).await;
    (server, receiver, form, desk)
}

/// The due times the receiver got on `path`, in arrival order.
fn due_times(receiver: &Receiver, path: &str) -> Vec<String> {
    receiver
        .received()
        .into_iter()
        .filter(|request| request.path == path)
        .map(|request| request.body["at"].as_str().unwrap_or("?").to_string())
        .collect()
}

fn at(minutes: i64) -> String {
    format!("2026-01-05T10:{minutes:02}:00.000Z")
}

/// Waits until `path` got `count` requests, then a moment more to catch any extra one.
async fn expect_on(receiver: &Receiver, path: &str, expected: &[String]) {
    let arrived = eventually(Duration::from_secs(20), || async { (due_times(receiver, path).len() >= expected.len()).then_some(()) }).await;
    assert!(arrived.is_some(), "{path} gets {expected:?}; it got {:?}", due_times(receiver, path));
    settle().await;
    assert_eq!(due_times(receiver, path), expected, "{path} gets each due time once");
}

/// The last due time the server handled for the flow's schedule `s1`, from its database.
fn last_due(server: &TestServer, flow: &str) -> Option<i64> {
    server.query_one("SELECT last_due FROM flow_schedules WHERE flow_id = ?1 AND block_id = 's1'", flow)?.parse().ok()
}

/// Waits until the scheduler has armed the flow's schedule at `at` (its clock when it saw the
/// flow published or turned on), so moving the clock after this is a move past that moment.
async fn armed_at(server: &TestServer, flow: &str, at: i64) {
    let armed = eventually(Duration::from_secs(20), || async { (last_due(server, flow) == Some(at)).then_some(()) }).await;
    assert!(armed.is_some(), "the schedule is armed at {at}: {:?}", last_due(server, flow));
}

/// Long enough for the scheduler (50 ms polls of the clock file) and the flow worker to act.
async fn settle() {
    tokio::time::sleep(Duration::from_millis(700)).await;
}

#[tokio::test]
async fn a_schedule_every_minute_fires_once_per_minute_across_a_restart() {
    let clock = Clock::at(T0 + 10_000);
    let (server, receiver, form, desk) = start(&clock).await;
    let api = Api::new(&server);
    let flow = scheduled_flow(&api, &form, &desk, "Every minute", "skip", "/tick").await;
    // Armed at 10:00:10; nothing is due yet.
    armed_at(&server, &flow, T0 + 10_000).await;
    settle().await;
    assert!(due_times(&receiver, "/tick").is_empty());

    let mut expected = Vec::new();
    for minute in 1..=3 {
        clock.set(T0 + minute * MINUTE);
        expected.push(at(minute));
        expect_on(&receiver, "/tick", &expected).await;
    }
    let first = &receiver.received()[0].body;
    assert_eq!(first["fired"], at(1), "firedAt is the scheduler's clock: {first}");

    // Killed at 10:03 and started again at 10:03: 10:03 is not fired again.
    let data = server.crash();
    let server = TestServer::start_in_with(data, &clock.env());
    let api = Api::new(&server);
    settle().await;
    assert_eq!(due_times(&receiver, "/tick"), expected, "a restart repeats no due time");
    for minute in 4..=5 {
        clock.set(T0 + minute * MINUTE + 2_000);
        expected.push(at(minute));
        expect_on(&receiver, "/tick", &expected).await;
    }

    let (_, runs) = api.get(&format!("/api/v1/runs?flowId={flow}")).await;
    let runs = runs["items"].as_array().cloned().unwrap_or_default();
    assert_eq!(runs.len(), 5, "one run per due time: {runs:?}");
    assert!(runs.iter().all(|run| run["startedBy"] == "schedule"), "{runs:?}");
    let run = eventually(Duration::from_secs(10), || async {
        let (_, run) = api.get(&format!("/api/v1/runs/{}", runs[0]["id"].as_str().unwrap_or_default())).await;
        (run["status"] == "succeeded").then_some(run)
    })
    .await
    .expect("the newest run succeeds");
    assert_eq!(run["flow"]["startedBy"], "schedule");
    assert_eq!(run["flow"]["actingAs"], "admin", "a schedule's runs act for whoever published the flow: {run}");
    assert_eq!(run["payload"]["timeZone"], "UTC", "{run}");
}

#[tokio::test]
async fn after_downtime_skip_runs_nothing_for_missed_times_and_run_once_runs_the_latest() {
    let clock = Clock::at(T0 + 10_000);
    let (server, receiver, form, desk) = start(&clock).await;
    let api = Api::new(&server);
    let skip = scheduled_flow(&api, &form, &desk, "Skip", "skip", "/skip").await;
    let once = scheduled_flow(&api, &form, &desk, "Once", "runOnce", "/once").await;
    armed_at(&server, &skip, T0 + 10_000).await;
    armed_at(&server, &once, T0 + 10_000).await;
    clock.set(T0 + MINUTE);
    expect_on(&receiver, "/skip", &[at(1)]).await;
    expect_on(&receiver, "/once", &[at(1)]).await;

    // Down from 10:01 to 10:06:30: 10:02 … 10:06 passed meanwhile.
    let data = server.stop();
    clock.set(T0 + 6 * MINUTE + 30_000);
    let server = TestServer::start_in_with(data, &clock.env());
    expect_on(&receiver, "/once", &[at(1), at(6)]).await;
    assert_eq!(due_times(&receiver, "/skip"), [at(1)], "skip runs nothing for the missed times");

    clock.set(T0 + 7 * MINUTE);
    expect_on(&receiver, "/skip", &[at(1), at(7)]).await;
    expect_on(&receiver, "/once", &[at(1), at(6), at(7)]).await;
    drop(server);
}

#[tokio::test]
async fn a_turned_off_flow_fires_nothing_and_turned_on_again_starts_from_then() {
    let clock = Clock::at(T0 + 10_000);
    let (server, receiver, form, desk) = start(&clock).await;
    let api = Api::new(&server);
    let flow = scheduled_flow(&api, &form, &desk, "Sometimes", "runOnce", "/tick").await;
    armed_at(&server, &flow, T0 + 10_000).await;
    let turn = |enabled: bool| {
        let api = &api;
        let flow = &flow;
        async move {
            let (_, current) = api.get(&format!("/api/v1/flows/{flow}")).await;
            let save = json!({"baseVersion": current["version"], "name": current["name"], "blocks": current["blocks"],
                              "edges": current["edges"], "enabled": enabled});
            let (status, saved) = api.put(&format!("/api/v1/flows/{flow}"), save).await;
            assert_eq!(status, 200, "{saved}");
        }
    };
    turn(false).await;
    assert_eq!(last_due(&server, &flow), None, "turned off, its place is gone");
    for minute in 1..=2 {
        clock.set(T0 + minute * MINUTE);
        settle().await;
    }
    assert!(due_times(&receiver, "/tick").is_empty(), "a flow turned off fires nothing");

    // On again at 10:02:30: even with runOnce, the times it was off are not made up for.
    clock.set(T0 + 2 * MINUTE + 30_000);
    turn(true).await;
    armed_at(&server, &flow, T0 + 2 * MINUTE + 30_000).await;
    settle().await;
    assert!(due_times(&receiver, "/tick").is_empty());
    clock.set(T0 + 3 * MINUTE);
    expect_on(&receiver, "/tick", &[at(3)]).await;
}

#[tokio::test]
async fn a_schedule_that_cannot_run_is_not_published_and_names_its_block() {
    let clock = Clock::at(T0);
    let (server, _receiver, form, desk) = start(&clock).await;
    let api = Api::new(&server);
    let document = |cron: &str, zone: &str| {
        json!({"name": "Broken", "formId": form, "edges": [edge("s1", "out", "w1")], "blocks": [
            {"id": "s1", "kind": "trigger", "trigger": "schedule", "label": "Nightly", "settings": {"cron": cron, "timeZone": zone},
             "position": {"x": 0, "y": 0}},
            webhook(&desk, "w1", "/x", "{}")]})
    };
    let (status, answer) = api.post("/api/v1/flows/import", document("0 3 * * *", "Europe/Atlantis")).await;
    assert_eq!(status, 422, "{answer}");
    let message = answer["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("\"Nightly\" has the time zone \"Europe/Atlantis\", which this server does not know"), "{message}");
    let (status, answer) = api.post("/api/v1/flows/import", document("0 25 * * *", "UTC")).await;
    assert_eq!(status, 422, "{answer}");
    assert!(answer["error"]["message"].as_str().unwrap_or_default().contains("\"Nightly\" has a cron expression that cannot be read"), "{answer}");

    // A draft may hold it (the designer saves as one types); publishing it is refused.
    let flow = api.post_ok("/api/v1/flows", json!({"name": "Draft", "formId": form}), 201).await;
    let id = flow["id"].as_str().unwrap_or_default();
    let mut save = document("0 3 * * *", "Europe/Atlantis");
    save["baseVersion"] = flow["version"].clone();
    let (status, saved) = api.put(&format!("/api/v1/flows/{id}"), save).await;
    assert_eq!(status, 200, "{saved}");
    let (status, answer) = api.post(&format!("/api/v1/flows/{id}/publish"), json!({})).await;
    assert_eq!(status, 422, "{answer}");
    assert!(answer["error"]["message"].as_str().unwrap_or_default().contains("\"Nightly\" has the time zone"), "{answer}");
}

#[tokio::test]
async fn the_designer_asks_the_server_for_the_next_five_runs_in_the_zone() {
    let clock = Clock::at(T0);
    let server = TestServer::start_with(&clock.env());
    let browser = outflow_tests::admin_browser(&server).await;
    let preview = |cron: &str, zone: &str| {
        let request = browser.post(server.url("/ui/preview_schedule")).json(&json!({"cron": cron, "time_zone": zone})).send();
        async move {
            let response = request.await.expect("the server answers");
            (response.status().as_u16(), response.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let (status, answer) = preview("30 9 * * MON-FRI", "America/New_York").await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["summary"], "At 09:30, on Monday–Friday.");
    let next = answer["next"].as_array().cloned().unwrap_or_default();
    assert_eq!(next.len(), 5, "{answer}");
    for due in &next {
        let local = due["local"].as_str().unwrap_or_default();
        assert!(local.contains("T09:30:00-0"), "09:30 New York time with its offset: {due}");
        let utc = due["utc"].as_str().unwrap_or_default();
        assert!(utc.contains("T13:30:00") || utc.contains("T14:30:00"), "{due}");
    }
    let (status, answer) = preview("* * * * *", "Mars/Olympus").await;
    assert_ne!(status, 200);
    assert!(answer.to_string().contains("\\\"Mars/Olympus\\\", which this server does not know"), "{answer}");
    // Without a session there is no answer.
    let anonymous = reqwest::Client::new().post(server.url("/ui/preview_schedule")).json(&json!({"cron": "* * * * *", "time_zone": "UTC"}));
    let response = anonymous.header("Origin", server.url("")).send().await.expect("the server answers");
    assert_ne!(response.status().as_u16(), 200);
}

#[tokio::test]
async fn publishing_a_changed_schedule_starts_it_from_then_without_a_burst_of_old_times() {
    let clock = Clock::at(T0 + 10_000);
    let (server, receiver, form, desk) = start(&clock).await;
    let api = Api::new(&server);
    let blocks = |cron: &str| vec![schedule("s1", cron, "runOnce"), webhook(&desk, "w1", "/tick", "{\"at\": \"${s1.scheduledAt}\"}")];
    let flow = import(&api, &form, "Changing", blocks("0 9 * * *"), vec![edge("s1", "out", "w1")]).await;
    armed_at(&server, &flow, T0 + 10_000).await;
    // A designer test of the schedule gets a payload as of now.
    let (status, sample) = api.get(&format!("/api/v1/flows/{flow}/sample?trigger=s1")).await;
    assert_eq!(status, 200, "{sample}");
    assert_eq!(sample["source"], "example", "{sample}");
    assert!(sample["payload"]["scheduledAt"].is_string() && sample["payload"]["timeZone"] == "UTC", "{sample}");

    // At 10:05:30 the cron becomes every minute: 10:01 … 10:05 were never its due times.
    clock.set(T0 + 5 * MINUTE + 30_000);
    settle().await;
    let (_, current) = api.get(&format!("/api/v1/flows/{flow}")).await;
    let save = json!({"baseVersion": current["version"], "name": current["name"], "blocks": blocks("* * * * *"), "edges": current["edges"]});
    let (status, saved) = api.put(&format!("/api/v1/flows/{flow}"), save).await;
    assert_eq!(status, 200, "{saved}");
    let (status, published) = api.post(&format!("/api/v1/flows/{flow}/publish"), json!({})).await;
    assert_eq!(status, 200, "{published}");
    armed_at(&server, &flow, T0 + 5 * MINUTE + 30_000).await;
    settle().await;
    assert!(due_times(&receiver, "/tick").is_empty(), "no burst of the times before the change");
    clock.set(T0 + 6 * MINUTE);
    expect_on(&receiver, "/tick", &[at(6)]).await;
}
