//! The parts of one run's page: its header with Re-send or Re-run, the delivery attempts
//! with each answer, and the log lines the worker and the script wrote.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use super::{
    badge::{Badge, RunStatusBadge, Tone},
    feedback::{ErrorMessage, failure},
    table::DataTable,
};
use crate::{
    api::runs::Rerun,
    format::time_of_day,
    model::runs::{Attempt, LogLine, RunSummary},
};

/// The Details panel of a run's page: the run's id, what the page adds (`children`), and
/// the run this one repeats.
#[component]
pub fn RunFacts(
    id: String,
    rerun_of: Option<String>,
    /// How the link to the earlier run is captioned: "Re-sends" or "Re-runs".
    repeats: &'static str,
    children: Children,
) -> impl IntoView {
    view! {
        <section class="panel">
            <h2>"Details"</h2>
            <dl class="facts">
                <dt>"Run"</dt>
                <dd class="mono">{id}</dd>
                {children()}
                {rerun_of.map(|original| view! {
                    <dt>{repeats}</dt>
                    <dd><A href=format!("/activity/{original}")>"the earlier run"</A></dd>
                })}
            </dl>
        </section>
    }
}

/// A run's name and status, what started it, the button that sends or runs it again (and
/// its failure), the links that follow it (`children`), and why it failed or was skipped.
#[component]
pub fn RunHeader(
    summary: RunSummary,
    #[prop(into)] meta: String,
    /// The button's caption: "Re-send" or "Re-run".
    action: &'static str,
    /// Why the button cannot be used yet, while it cannot.
    wait: Option<&'static str>,
    resend: ServerAction<Rerun>,
    children: Children,
) -> impl IntoView {
    let id = summary.id.clone();
    let blocked = wait.is_some();
    view! {
        <Title text=format!("Run of {}", summary.integration_name) />
        <header class="page-header">
            <div class="title-row">
                <h1>{summary.integration_name.clone()}</h1>
                <RunStatusBadge status=summary.status />
            </div>
            <p class="page-summary">{meta}</p>
        </header>
        <div class="toolbar" role="toolbar" aria-label="Run actions">
            <button
                type="button"
                class="primary"
                disabled=move || blocked || resend.pending().get()
                title=wait
                on:click=move |_| {
                    resend.dispatch(Rerun { id: id.clone() });
                }
            >
                {action}
            </button>
            {children()}
        </div>
        <ErrorMessage message=failure(resend.into()) />
        {summary.reason.map(|reason| view! { <p class="callout" aria-label="Reason">{reason}</p> })}
    }
}

/// An HTTP status as a badge (green for 2xx, red otherwise); a dash where there was no
/// answer (a connection error, or a script that made no call).
fn status_code_badge(code: Option<u16>) -> AnyView {
    match code {
        Some(code) => {
            let tone = if (200..300).contains(&code) { Tone::Ok } else { Tone::Danger };
            view! { <Badge tone text=code.to_string() /> }.into_any()
        }
        None => "—".into_any(),
    }
}

#[component]
pub fn AttemptTable(attempts: Vec<Attempt>) -> impl IntoView {
    if attempts.is_empty() {
        return view! { <p class="hint">"No attempts yet: nothing has been sent for this run."</p> }.into_any();
    }
    let rows = attempts
        .into_iter()
        .map(|attempt| {
            view! {
                <tr>
                    <td class="num">{attempt.number}</td>
                    <td class="when">{time_of_day(&attempt.started_at)}</td>
                    <td class="mono">{attempt.url.unwrap_or_else(|| "—".to_string())}</td>
                    <td>{status_code_badge(attempt.status_code)}</td>
                    <td class="num">{format!("{} ms", attempt.duration_ms)}</td>
                    <td><code class="excerpt">{attempt.response_excerpt.unwrap_or_default()}</code></td>
                    <td class="message">{attempt.error.unwrap_or_default()}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <DataTable label="Attempts" headers=&["#", "Time", "URL", "Status", "Latency", "Response", "Error"]>
            {rows}
        </DataTable>
    }
    .into_any()
}

#[component]
pub fn RunLog(lines: Vec<LogLine>) -> impl IntoView {
    if lines.is_empty() {
        return view! { <p class="hint">"No log lines."</p> }.into_any();
    }
    let lines = lines.into_iter().map(|line| view! { <li><time>{time_of_day(&line.at)}</time><span>{line.line}</span></li> }).collect_view();
    view! { <ol class="log" aria-label="Log">{lines}</ol> }.into_any()
}
