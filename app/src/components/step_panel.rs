//! One step of a flow run in detail: its status and timings, why it failed or was skipped,
//! its inputs as resolved (every `${…}` replaced; text holding JSON shown as JSON), its
//! outputs, the ports it took and its log lines; inside a For Each, how many iterations ran
//! and which failed, with one iteration's record; for a Call Flow step, a link to the run it
//! called. The run page and the designer's test panel both show it.

use leptos::prelude::*;
use serde_json::Value;

use super::{
    badge::StepStatusBadge,
    json_view::{JsonView, embedded_json},
    run_canvas::duration_ms,
    run_details::RunLog,
};
use crate::{
    format::utc_time,
    model::{
        flow_runs::{Iterations, StepRecord, StepStatus},
        runs::LogLine,
    },
};

#[component]
pub fn StepPanel(record: StepRecord) -> impl IntoView {
    let StepRecord {
        block_id,
        step,
        label,
        status,
        inputs,
        outputs,
        ports,
        logs,
        error,
        started_at,
        finished_at,
        duration_ms: took,
        due_at,
        iterations,
        called_run,
        reused,
    } = record;
    let iterations = iterations.map(|iterations| view! { <IterationsLine iterations /> });
    let problem = error.map(|error| {
        let class = if status == StepStatus::Failed { "step-error" } else { "step-note" };
        view! { <p class=class>{error}</p> }
    });
    let facts = view! {
        <dl class="facts">
            {started_at.map(|at| view! { <dt>"Started"</dt><dd>{utc_time(&at)}</dd> })}
            {finished_at.map(|at| view! { <dt>"Finished"</dt><dd>{utc_time(&at)}</dd> })}
            {took.map(|ms| view! { <dt>"Took"</dt><dd>{duration_ms(ms)}</dd> })}
            {due_at.map(|at| view! { <dt>"Continues at"</dt><dd>{utc_time(&at)}</dd> })}
            {(!ports.is_empty()).then(|| view! { <dt>"Went on by"</dt><dd class="mono">{ports.join(", ")}</dd> })}
            {called_run.map(|run| view! {
                <dt>"Called run"</dt>
                <dd><a href=format!("/activity/{run}") class="mono" data-testid="called-run">{run.clone()}</a></dd>
            })}
        </dl>
    };
    let logs: Vec<LogLine> = logs.into_iter().map(|line| LogLine { at: line.at, line: line.line }).collect();
    view! {
        <section class="step-panel" aria-label=format!("Step {label}")>
            <header class="step-head">
                <h2>{label.clone()}</h2>
                <StepStatusBadge status />
            </header>
            <p class="sub mono">{format!("{step} · {block_id}")}</p>
            {reused.then(|| view! {
                <p class="step-note" data-testid="step-reused">"Reused from the run this one restarts: this step did not run again."</p>
            })}
            {iterations}
            {problem}
            {facts}
            <h3>"Inputs"</h3>
            <Inputs inputs />
            <h3>"Outputs"</h3>
            {match outputs {
                Some(outputs) => view! { <JsonView value=outputs label="Outputs" /> }.into_any(),
                None => view! { <p class="hint">"No outputs."</p> }.into_any(),
            }}
            <h3>"Log"</h3>
            <RunLog lines=logs />
        </section>
    }
}

/// How a step inside a For Each fared across iterations, and which one the panel shows: a
/// count and the first failed items, never one line per iteration.
#[component]
fn IterationsLine(iterations: Iterations) -> impl IntoView {
    let Iterations { ran, failed, failed_items, shown } = iterations;
    let failures = (failed > 0).then(|| {
        let more = failed.saturating_sub(failed_items.len() as u64);
        let more = if more > 0 { format!(" and {more} more") } else { String::new() };
        view! { <span class="step-error">{format!(" {failed} failed: item {}{more}.", failed_items.join(", item "))}</span> }
    });
    view! {
        <p class="step-iterations" data-testid="step-iterations">
            {format!("Ran in {ran} iterations.")}
            {failures}
            <span class="hint">{format!(" Shown below: item {shown}.")}</span>
        </p>
    }
}

/// Each resolved input under its name.
#[component]
fn Inputs(inputs: Option<Value>) -> impl IntoView {
    let fields = match inputs {
        Some(Value::Object(fields)) if !fields.is_empty() => fields,
        None | Some(Value::Null | Value::Object(_)) => return view! { <p class="hint">"No inputs."</p> }.into_any(),
        Some(other) => return view! { <JsonView value=other label="Inputs" /> }.into_any(),
    };
    fields
        .into_iter()
        .map(|(name, value)| {
            let label = format!("Input {name}");
            let shown = match embedded_json(&value) {
                Some(parsed) => view! {
                    <JsonView value=parsed label />
                    <span class="field-hint">"Text holding JSON, shown parsed."</span>
                }
                .into_any(),
                None => view! { <JsonView value label /> }.into_any(),
            };
            view! {
                <div class="step-input">
                    <span class="step-input-name mono">{name}</span>
                    {shown}
                </div>
            }
        })
        .collect_view()
        .into_any()
}
