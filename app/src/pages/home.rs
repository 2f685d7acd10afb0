//! The home page: health at a glance for the signed-in user's workflows. Runs per minute by
//! outcome over the last hour and day, delivery latency, queue depth and agents online as
//! tiles, and the failing endpoints with their last error and the run to re-send. The
//! figures are re-read every 30 s while the page is open.

use std::time::Duration;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use crate::{
    api::dashboard::fetch_dashboard,
    components::{
        charts::{RunsChart, outcome_parts},
        feedback::loaded,
        polling::refresh_every,
        table::DataTable,
    },
    format::{count, millis, utc_time},
    model::{
        dashboard::{Dashboard, EndpointHealth, Percentiles},
        runs::RunStatus,
    },
};

const REFRESH: Duration = Duration::from_secs(30);

#[component]
pub fn HomePage() -> impl IntoView {
    let figures = Resource::new(|| (), |_| fetch_dashboard());
    refresh_every(REFRESH, move || figures.refetch());
    let content = move || Suspend::new(async move { loaded(figures.await.map(|figures| view! { <DashboardView figures /> })) });
    view! {
        <Title text="" />
        <header class="page-header">
            <h1>"Health at a glance"</h1>
            <p class="page-summary">"What your workflows' integrations and flows did lately, how fast endpoints answer, and what is waiting."</p>
        </header>
        <Transition fallback=|| view! { <p class="loading">"Loading the dashboard…"</p> }>{content}</Transition>
    }
}

#[component]
fn DashboardView(figures: Dashboard) -> impl IntoView {
    let Dashboard { generated_at, last_hour, last_day, endpoints, queues, agents } = figures;
    let quiet = last_day.runs.total() == 0 && endpoints.is_empty();
    let failing: Vec<EndpointHealth> = endpoints.into_iter().filter(|endpoint| endpoint.failing).collect();
    let queue_detail = format!(
        "{} notifications · {} runs · {} for agents · {} flow runs",
        count(queues.notifications),
        count(queues.runs),
        count(queues.agent_runs),
        count(queues.flow_runs)
    );
    view! {
        <div class="stats">
            <Stat label="Runs, last hour" value=count(last_hour.runs.total()) detail=outcome_parts(&last_hour.runs) />
            <Stat label="Runs, last 24 hours" value=count(last_day.runs.total()) detail=outcome_parts(&last_day.runs) />
            <Stat label="Latency p50 · p99, last hour" value=latency(&last_hour.latency) detail=latency_detail(&last_day.latency) />
            <Stat label="Queue depth" value=count(queues.total()) detail=queue_detail />
            {agents.map(|agents| {
                let value = format!("{} of {}", agents.online, agents.registered);
                let detail = if agents.registered == 0 {
                    "No Integration Agent is registered"
                } else {
                    "Registered Integration Agents with a heartbeat in the last 30 s"
                };
                view! { <Stat label="Agents online" value detail=detail.to_string() /> }
            })}
        </div>
        <section class="panel" aria-labelledby="failing-heading">
            <h2 id="failing-heading">"Failing endpoints"</h2>
            <FailingEndpoints failing />
        </section>
        <section class="panel charts" aria-labelledby="charts-heading">
            <h2 id="charts-heading">"Runs by outcome"</h2>
            <RunsChart id="runs-hour" title="Runs per minute, last hour" period=last_hour />
            <RunsChart id="runs-day" title="Runs per 15 minutes, last 24 hours" period=last_day />
        </section>
        <p class="hint">{format!("As of {}. Runs count when their outcome is recorded; latency is how long endpoints took to answer webhook deliveries.", utc_time(&generated_at))}</p>
        {quiet.then(|| view! { <GettingStarted /> })}
    }
}

/// `45 ms · 310 ms` (p50 · p99).
fn latency(percentiles: &Percentiles) -> String {
    if percentiles.samples == 0 {
        return "No deliveries".to_string();
    }
    format!("{} · {}", millis(percentiles.p50_ms), millis(percentiles.p99_ms))
}

fn latency_detail(day: &Percentiles) -> String {
    if day.samples == 0 {
        return "No webhook deliveries in the last 24 hours".to_string();
    }
    format!("24 h: {} over {} deliveries", latency(day), count(day.samples))
}

#[component]
fn Stat(label: &'static str, value: String, detail: String) -> impl IntoView {
    view! {
        <section class="stat" aria-label=label>
            <h2 class="stat-label">{label}</h2>
            <p class="stat-value">{value}</p>
            <p class="stat-detail">{detail}</p>
        </section>
    }
}

#[component]
fn FailingEndpoints(failing: Vec<EndpointHealth>) -> impl IntoView {
    if failing.is_empty() {
        return view! { <p class="hint">"None: every endpoint's latest delivery succeeded."</p> }.into_any();
    }
    let rows = failing
        .into_iter()
        .map(|endpoint| {
            let failed_24h: u64 = endpoint.hours.iter().map(|hour| hour.failed).sum();
            let last = endpoint.last_failure;
            let when = last.as_ref().map(|failure| utc_time(&failure.at)).unwrap_or_default();
            let error = last.as_ref().map(|failure| failure.error.clone()).unwrap_or_default();
            let action = last.map(|failure| {
                let href = format!("/activity/{}", failure.run_id);
                match failure.run_status {
                    Some(RunStatus::Failed) => view! { <A href=href attr:class="button small">"Re-send"</A> }.into_any(),
                    Some(RunStatus::Pending | RunStatus::Queued) => view! { <A href=href>"Retrying: open the run"</A> }.into_any(),
                    _ => view! { <A href=href>"Open the run"</A> }.into_any(),
                }
            });
            view! {
                <tr>
                    <td>
                        <strong>{endpoint.name}</strong>
                        <div class="sub">{endpoint.workflow_name}</div>
                    </td>
                    <td class="error-text">{error}</td>
                    <td>{when}</td>
                    <td>{format!("{} of {}", count(failed_24h), count(endpoint.attempts))}</td>
                    <td>{action}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <DataTable label="Failing endpoints" headers=&["Endpoint", "Last error", "When", "Failed in 24 h", ""]>
            {rows}
        </DataTable>
    }
    .into_any()
}

/// Where to start while nothing has run yet.
#[component]
fn GettingStarted() -> impl IntoView {
    view! {
        <div class="cards">
            <A href="/integrations" attr:class="card">
                <h2>"Integrations"</h2>
                <p>"Send a webhook, run a script or reach an Integration Agent when a trigger fires."</p>
            </A>
            <A href="/flows" attr:class="card">
                <h2>"Flows"</h2>
                <p>"Connect triggers to steps on a visual canvas."</p>
            </A>
            <A href="/activity" attr:class="card">
                <h2>"Activity"</h2>
                <p>"See every run, step by step, and re-send what failed."</p>
            </A>
        </div>
    }
}
