//! Several `outflow serve` instances on one PostgreSQL database (issue "Outgrow one
//! machine"): work started on any instance is done once, by whichever instance claims it,
//! and a change made on one is seen by the others at once. Runs only when the suite runs on
//! PostgreSQL (`OUTFLOW_TEST_POSTGRES`); on SQLite one process serves a database.

use std::{collections::HashMap, time::Duration};

use outflow_tests::{
    TestServer,
    api::{Api, eventually},
    flows::{edge, ended, import, step, trigger, webhook},
    postgres_server,
    receiver::Receiver,
};
use serde_json::{Value, json};

/// Three instances sharing one database: the first, then two more.
fn three_instances() -> Option<[TestServer; 3]> {
    if postgres_server().is_none() {
        eprintln!("skipped: several instances need PostgreSQL (OUTFLOW_TEST_POSTGRES)");
        return None;
    }
    let env = [("OUTFLOW_RATE_LIMIT", "0")];
    let first = TestServer::start_with(&env);
    let second = first.another_instance(&env);
    let third = first.another_instance(&env);
    Some([first, second, third])
}

/// A form "Incident" (property `number`, sent out) whose status events an integration sends
/// to `/events` on the receiver, and user `bob` to notify; answers the form's id.
async fn help_desk(api: &Api<'_>, receiver: &Receiver) -> String {
    let workflow = api.workflow("Ops").await;
    let form = api.form(&workflow, json!({"name": "Incident", "properties": [{"name": "number", "type": "text", "includeInOutbound": true}]})).await;
    let endpoint = api.endpoint(&workflow, "Help desk", &receiver.url("")).await;
    api.post_ok("/api/v1/users", json!({"targetName": "bob", "firstName": "Bob", "lastName": "Ray"}), 201).await;
    api.post_ok(
        "/api/v1/integrations",
        json!({"formId": form, "name": "To the help desk", "trigger": "status", "location": "cloud",
               "action": {"type": "webhook", "endpointId": endpoint, "path": "/events"}}),
        201,
    )
    .await;
    form
}

#[tokio::test]
async fn alerts_started_on_three_instances_deliver_every_webhook_once_and_record_every_run_once() {
    let Some(servers) = three_instances() else { return };
    let receiver = Receiver::start().await;
    let api = Api::new(&servers[0]);
    let form = help_desk(&api, &receiver).await;

    const ALERTS: usize = 3_000;
    let client = outflow_tests::admin_client();
    for batch in (0..ALERTS).collect::<Vec<_>>().chunks(30) {
        let mut starts = tokio::task::JoinSet::new();
        for &n in batch {
            // Round-robin: alert n starts on instance n mod 3.
            let request = client
                .post(servers[n % 3].url("/api/v1/alerts"))
                .json(&json!({"formId": form, "properties": {"number": format!("INC{n}")}, "recipients": ["bob"]}));
            starts.spawn(async move { request.send().await.map(|answer| answer.status().as_u16()) });
        }
        while let Some(started) = starts.join_next().await {
            assert_eq!(started.expect("the request task ends").expect("the instance answers"), 201);
        }
    }

    let delivered = eventually(Duration::from_secs(120), || async {
        let (_, page) = api.get("/api/v1/runs?kind=integration&status=succeeded&limit=1").await;
        (page["total"].as_u64() == Some(ALERTS as u64)).then_some(())
    })
    .await;
    let (_, page) = api.get("/api/v1/runs?kind=integration&limit=1").await;
    assert!(delivered.is_some(), "every alert's run succeeds: {page}");
    assert_eq!(page["total"], ALERTS, "one run per alert, recorded once");

    // Every run's webhook arrived; a webhook sent twice (a lease that ran out) has the same id.
    let received = receiver.received();
    let mut by_id: HashMap<String, Vec<&Value>> = HashMap::new();
    for request in &received {
        let id = request.headers.get("webhook-id").and_then(|id| id.to_str().ok()).expect("every webhook has an id").to_string();
        by_id.entry(id).or_default().push(&request.body);
    }
    assert_eq!(by_id.len(), ALERTS, "one webhook id per run, each received");
    for (id, bodies) in &by_id {
        assert!(bodies.windows(2).all(|pair| pair[0] == pair[1]), "a webhook sent again is the same webhook: {id}");
    }
    let numbers: std::collections::HashSet<&str> = by_id.values().filter_map(|bodies| bodies[0]["properties"]["number"].as_str()).collect();
    assert_eq!(numbers.len(), ALERTS, "every alert's event was sent");
}

#[tokio::test]
async fn an_api_key_revoked_on_one_instance_is_refused_by_the_others_within_a_second() {
    let Some(servers) = three_instances() else { return };
    let admin = Api::new(&servers[0]);
    admin.post_ok("/api/v1/users", json!({"targetName": "vera", "firstName": "Vera", "lastName": "Test", "roles": ["viewer"]}), 201).await;
    let created = admin.post_ok("/api/v1/users/vera/api-keys", json!({"name": "tests"}), 201).await;
    let key = created["key"].as_str().expect("the key is shown once").to_string();
    let key_id = created["id"].as_str().expect("the key's id").to_string();
    let on: Vec<Api<'_>> = servers.iter().map(|server| Api::with_key(server, &key)).collect();
    for (instance, vera) in on.iter().enumerate() {
        assert_eq!(vera.get("/api/v1/workflows").await.0, 200, "instance {instance} takes the key");
    }
    assert_eq!(admin.delete(&format!("/api/v1/users/vera/api-keys/{key_id}")).await.0, 204);
    let revoked_at = std::time::Instant::now();
    for (instance, vera) in on.iter().enumerate().skip(1) {
        let refused = eventually(Duration::from_secs(5), || async { (vera.get("/api/v1/workflows").await.0 == 401).then_some(()) }).await;
        assert!(refused.is_some(), "instance {instance} refuses the revoked key");
    }
    assert!(revoked_at.elapsed() < Duration::from_secs(1), "refused everywhere within a second: {:?}", revoked_at.elapsed());
}

#[tokio::test]
async fn group_escalation_timers_and_a_parked_delay_fire_once_with_three_instances() {
    let Some(servers) = three_instances() else { return };
    let receiver = Receiver::start().await;
    let api = Api::new(&servers[0]);
    let workflow = api.workflow("Ops").await;
    let form = api.form(&workflow, json!({"name": "Page", "properties": []})).await;
    for name in ["ann", "ben", "cat"] {
        api.post_ok("/api/v1/users", json!({"targetName": name, "firstName": name}), 201).await;
        api.post_ok(
            &format!("/api/v1/users/{name}/devices"),
            json!({"name": "Mail", "kind": "email", "address": format!("{name}@example.com")}),
            201,
        )
        .await;
    }
    api.post_ok("/api/v1/groups", json!({"targetName": "dba", "members": ["ann", "ben", "cat"], "escalationSeconds": 1}), 201).await;
    // A Delay longer than the engine waits in place (30 s) parks its run in the database,
    // for whichever instance is first to take it up when it is due.
    let endpoint = api.endpoint(&workflow, "Desk", &receiver.url("")).await;
    api.flows_only(&form, "status").await;
    import(
        &api,
        &form,
        "Wait, then tell",
        vec![
            trigger("t1", "status"),
            step("d1", "delay", json!({"seconds": 31}), json!({})),
            webhook(&endpoint, "w1", "/after", "${t1.eventIdentifier}"),
        ],
        vec![edge("t1", "out", "d1"), edge("d1", "out", "w1")],
    )
    .await;

    let mut alerts = Vec::new();
    for server in &servers {
        let started = Api::new(server).post_ok("/api/v1/alerts", json!({"formId": form, "recipients": ["dba"]}), 201).await;
        alerts.push(started["eventIdentifier"].as_i64().expect("an alert id"));
    }
    for alert in &alerts {
        let escalated = eventually(Duration::from_secs(10), || async { (api.events(*alert, "escalation").await.len() >= 2).then_some(()) }).await;
        assert!(escalated.is_some(), "alert {alert} escalates to ben, then cat");
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    for alert in &alerts {
        let steps: Vec<Value> = api.events(*alert, "escalation").await.iter().map(|event| event["fields"]["to"].clone()).collect();
        assert_eq!(steps, [json!(["ben"]), json!(["cat"])], "each timer of alert {alert} fired once");
        let (_, page) = api.get(&format!("/api/v1/alerts/{alert}")).await;
        let notified: Vec<&str> = page["notifications"].as_array().expect("notifications").iter().filter_map(|n| n["recipient"].as_str()).collect();
        assert_eq!(notified, ["ann", "ben", "cat"], "alert {alert} notified each member once");
    }

    let after = || receiver.received().iter().filter(|request| request.path == "/after").count();
    let woke = eventually(Duration::from_secs(60), || async { (after() >= alerts.len()).then_some(()) }).await;
    let (_, runs) = api.get("/api/v1/runs?kind=flow").await;
    assert!(woke.is_some(), "every parked run wakes: {} of {}: {runs}", after(), alerts.len());
    tokio::time::sleep(Duration::from_secs(2)).await;
    let mut told: Vec<String> = receiver.received().iter().filter(|request| request.path == "/after").map(|request| request.raw.clone()).collect();
    told.sort();
    let mut expected: Vec<String> = alerts.iter().map(ToString::to_string).collect();
    expected.sort();
    assert_eq!(told, expected, "each run's step after the Delay ran once");
}

#[tokio::test]
async fn an_instance_killed_mid_load_leaves_its_work_to_the_others_within_the_lease() {
    let Some([first, second, third]) = three_instances() else { return };
    let receiver = Receiver::start().await;
    // Slow answers keep deliveries in flight, leased by whichever instance sends them.
    receiver.answer_after(Duration::from_millis(200));
    let api = Api::new(&first);
    let form = help_desk(&api, &receiver).await;
    const ALERTS: usize = 300;
    let client = outflow_tests::admin_client();
    let mut started = Vec::new();
    let mut third = Some(third);
    for n in 0..ALERTS {
        if n == ALERTS / 2 {
            // Mid-load, with its claimed work in flight.
            third.take().expect("the third instance runs").crash();
        }
        let target = match (n % 3, &third) {
            (2, Some(third)) => third,
            (1, _) => &second,
            _ => &first,
        };
        let answer = client.post(target.url("/api/v1/alerts")).json(&json!({"formId": form, "recipients": ["bob"]})).send().await.expect("answers");
        assert_eq!(answer.status(), 201);
        let alert: Value = answer.json().await.expect("JSON");
        started.push(alert["eventIdentifier"].as_i64().expect("an alert id"));
    }

    // Integration runs are leased for 120 s: the dead instance's come back to the others then.
    let done = eventually(Duration::from_secs(180), || async {
        let (_, page) = api.get("/api/v1/runs?kind=integration&status=succeeded&limit=1").await;
        (page["total"].as_u64() == Some(ALERTS as u64)).then_some(())
    })
    .await;
    let (_, page) = Api::new(&second).get("/api/v1/runs?kind=integration&limit=1").await;
    assert!(done.is_some(), "every run succeeds on the instances left: {page}");
    assert_eq!(page["total"], ALERTS, "one run per alert");
    let ids: std::collections::HashSet<String> = receiver
        .received()
        .iter()
        .filter_map(|request| request.headers.get("webhook-id").and_then(|id| id.to_str().ok()).map(str::to_string))
        .collect();
    assert_eq!(ids.len(), ALERTS, "every run's webhook arrived; one sent again keeps its id");
}

#[tokio::test]
async fn an_agent_waiting_on_one_instance_gets_work_queued_on_another_at_once() {
    let Some(servers) = three_instances() else { return };
    let api = Api::new(&servers[0]);
    let workflow = api.workflow("Ops").await;
    let form = api.form(&workflow, json!({"name": "Incident", "properties": [{"name": "number", "type": "text", "includeInOutbound": true}]})).await;
    api.post_ok("/api/v1/users", json!({"targetName": "bob", "firstName": "Bob", "lastName": "Ray"}), 201).await;
    let agent = api.post_ok("/api/v1/agents", json!({"name": "dc-east", "services": ["ticketing"]}), 201).await;
    let (agent_id, token) = (agent["id"].as_str().expect("an id"), agent["token"].as_str().expect("a token").to_string());
    assert_eq!(api.put(&format!("/api/v1/agents/{agent_id}/users"), json!({"users": ["admin"]})).await.0, 200, "admin may pick the agent");
    api.post_ok(
        "/api/v1/integrations",
        json!({"formId": form, "name": "To the agent", "trigger": "status", "location": "cloud",
               "action": {"type": "agent", "service": "ticketing", "agentId": agent_id}}),
        201,
    )
    .await;

    // The agent waits on the second instance; the alerts start on the first. Without the
    // first telling the others, the wait ends only at the second's next look (every 500 ms).
    let client = reqwest::Client::new();
    let mut waits = Vec::new();
    for number in 0..5 {
        let lease = client.post(servers[1].url("/api/v1/agent/lease?waitMs=10000")).bearer_auth(&token).send();
        let lease = tokio::spawn(async move {
            let answer = lease.await.expect("the instance answers");
            (answer.status().as_u16(), std::time::Instant::now())
        });
        tokio::time::sleep(Duration::from_millis(200)).await;
        api.post_ok("/api/v1/alerts", json!({"formId": form, "properties": {"number": format!("INC{number}")}, "recipients": ["bob"]}), 201).await;
        let started = std::time::Instant::now();
        let (status, leased_at) = lease.await.expect("the lease task ends");
        assert_eq!(status, 200, "the waiting agent got the work");
        waits.push(leased_at.saturating_duration_since(started));
    }
    let prompt = waits.iter().filter(|wait| **wait < Duration::from_millis(150)).count();
    assert!(prompt >= 4, "the work reached the agent waiting on another instance at once (4 of 5 within 150 ms): {waits:?}");
}

/// Two instances whose leases on flow runs last 2 s (renewed every 0.5 s while a run
/// executes), and a flow whose first step posts to a slow receiver, then a second step; the
/// run's steps post the payload's `n`. Answers the instances, the receiver and the flow.
async fn slow_flow_on_two_instances(answer_after: Duration) -> Option<(TestServer, TestServer, Receiver, String)> {
    if postgres_server().is_none() {
        eprintln!("skipped: several instances need PostgreSQL (OUTFLOW_TEST_POSTGRES)");
        return None;
    }
    let env = [("OUTFLOW_RATE_LIMIT", "0"), ("OUTFLOW_FLOW_RUN_LEASE_MS", "2000")];
    let first = TestServer::start_with(&env);
    let second = first.another_instance(&env);
    let receiver = Receiver::start().await;
    receiver.answer_after(answer_after);
    let api = Api::new(&first);
    let workflow = api.workflow("Ops").await;
    let form = api.form(&workflow, json!({"name": "Incident", "properties": []})).await;
    let endpoint = api.endpoint(&workflow, "Slow desk", &receiver.url("")).await;
    let flow = import(
        &api,
        &form,
        "Slow, then tell",
        vec![trigger("t1", "status"), webhook(&endpoint, "w1", "/slow", "${t1.n}"), webhook(&endpoint, "w2", "/after", "${t1.n}")],
        vec![edge("t1", "out", "w1"), edge("w1", "out", "w2")],
    )
    .await;
    Some((first, second, receiver, flow))
}

/// The `webhook-id`s of the requests to `path` whose body is `n`.
fn sent(receiver: &Receiver, path: &str, n: &str) -> Vec<String> {
    receiver
        .received()
        .iter()
        .filter(|request| request.path == path && request.raw == n)
        .filter_map(|request| request.headers.get("webhook-id").and_then(|id| id.to_str().ok()).map(str::to_string))
        .collect()
}

/// How long the lease on run `id` has left, in milliseconds (negative: it ran out).
fn lease_left(server: &TestServer, id: &str) -> i64 {
    server
        .query_one("SELECT lease_until - (extract(epoch from clock_timestamp()) * 1000)::bigint FROM flow_runs WHERE id = ?1", id)
        .and_then(|left| left.parse().ok())
        .unwrap_or(i64::MIN)
}

/// Starts a run of `flow` on `api`'s instance with payload `n` and waits until its slow
/// step was sent; answers the run's id.
async fn start_in_slow_step(api: &Api<'_>, flow: &str, receiver: &Receiver, n: u32) -> String {
    let started = api.post_ok(&format!("/api/v1/flows/{flow}/runs"), json!({"payload": {"n": n}}), 202).await;
    eventually(Duration::from_secs(10), || async { (!sent(receiver, "/slow", &n.to_string()).is_empty()).then_some(()) })
        .await
        .unwrap_or_else(|| panic!("run {n} reaches its slow step"));
    started["runId"].as_str().expect("a run id").to_string()
}

/// Run `n` (`run`) succeeded after its slow step was sent a second time, with the same
/// `webhook-id`, and the step after it once.
fn succeeded_after_sending_the_slow_step_again(receiver: &Receiver, n: &str, run: &Value) {
    assert_eq!(run["status"], "succeeded", "{run}");
    let slow = sent(receiver, "/slow", n);
    assert_eq!(slow.len(), 2, "the step in flight was sent again: {run}");
    assert_eq!(slow[0], slow[1], "with the same webhook-id");
    assert_eq!(sent(receiver, "/after", n).len(), 1, "the step after it ran once: {run}");
}

/// A run whose step takes 6 s, three leases, stays leased to the instance executing it the
/// whole time (no other instance may take it up and send its webhook again), and each step
/// runs once. A run whose instance is killed mid-step goes to the other once its lease ran
/// out: that one sends the step again (same `webhook-id`) and finishes the run.
#[tokio::test]
async fn a_flow_run_outlasting_its_lease_stays_with_its_instance_and_a_killed_instances_run_goes_to_another() {
    let Some((first, second, receiver, flow)) = slow_flow_on_two_instances(Duration::from_secs(6)).await else { return };
    let api = Api::new(&first);
    let run_id = start_in_slow_step(&api, &flow, &receiver, 1).await;
    let mut lapsed = Vec::new();
    while sent(&receiver, "/after", "1").is_empty() && lapsed.len() < 100 {
        let left = lease_left(&first, &run_id);
        if left <= 0 && sent(&receiver, "/after", "1").is_empty() {
            lapsed.push(left);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(lapsed, Vec::<i64>::new(), "the lease never ran out while the run executed (ms left when it had)");
    let run = ended(&api, &run_id).await;
    assert_eq!(run["status"], "succeeded", "{run}");
    assert_eq!(sent(&receiver, "/slow", "1").len(), 1, "the step that outlasted three leases was sent once: {run}");
    assert_eq!(sent(&receiver, "/after", "1").len(), 1, "the step after it ran once: {run}");

    let run_id = start_in_slow_step(&api, &flow, &receiver, 2).await;
    let _data_dir = first.crash();
    succeeded_after_sending_the_slow_step_again(&receiver, "2", &ended(&Api::new(&second), &run_id).await);
}

/// An instance whose lease on a run was taken by another (as when it could not renew in
/// time) records nothing more of that run and starts none of its later steps; the holder
/// of the lease finishes it.
#[tokio::test]
async fn an_instance_that_lost_a_runs_lease_stops_executing_it() {
    let Some((first, _second, receiver, flow)) = slow_flow_on_two_instances(Duration::from_secs(3)).await else { return };
    let api = Api::new(&first);
    let run_id = start_in_slow_step(&api, &flow, &receiver, 3).await;
    // Another instance holds the lease now, for long.
    let taken = first.query_one(
        "WITH taken AS (UPDATE flow_runs SET lease_owner = 'in_elsewhere', lease_until = (extract(epoch from clock_timestamp()) * 1000)::bigint + 600000
                        WHERE id = ?1 RETURNING id)
         SELECT id FROM taken",
        &run_id,
    );
    assert_eq!(taken.as_deref(), Some(run_id.as_str()));
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert_eq!(sent(&receiver, "/after", "3"), Vec::<String>::new(), "the instance that lost the lease started no later step");
    let (_, run) = api.get(&format!("/api/v1/runs/{run_id}")).await;
    assert_eq!(run["status"], "running", "nor recorded the run's end: {run}");

    // The other holder's lease runs out: an instance takes the run up and finishes it.
    first.query_one("WITH freed AS (UPDATE flow_runs SET lease_until = 0 WHERE id = ?1 RETURNING id) SELECT id FROM freed", &run_id);
    succeeded_after_sending_the_slow_step_again(&receiver, "3", &ended(&api, &run_id).await);
}
