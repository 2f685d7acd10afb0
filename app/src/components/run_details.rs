//! The parts of one run's page: the delivery attempts with each answer, and the log lines
//! the worker and the script wrote.

use leptos::prelude::*;

use super::{
    badge::{Badge, Tone},
    table::DataTable,
};
use crate::{
    format::time_of_day,
    model::runs::{Attempt, LogLine},
};

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
    let lines = lines
        .into_iter()
        .map(|line| view! { <li><time>{time_of_day(&line.at)}</time><span>{line.line}</span></li> })
        .collect_view();
    view! { <ol class="log" aria-label="Log">{lines}</ol> }.into_any()
}
