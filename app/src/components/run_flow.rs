//! The page of one flow run (`/activity/:id` when the run is a flow's): what started it and
//! how it ended, the canvas of the graph it ran with every block coloured by its step's
//! status, the chosen step in detail beside it (`?step=<block id>`, so a reload or a shared
//! link shows the same step), the trigger payload and the result, Re-run, and Restart: from
//! the step that failed (the header's button) or from the chosen step ("Restart from
//! here"), reusing what ran before it; the runs a restart links are named on both.

use leptos::prelude::*;
use leptos_router::{
    NavigateOptions,
    components::A,
    hooks::{use_navigate, use_query_map},
};

use super::{
    feedback::{ErrorMessage, failure},
    json_view::JsonView,
    run_canvas::{KeptView, RunCanvas, StatusLegend},
    run_details::{RunFacts, RunHeader},
    step_panel::StepPanel,
};
use crate::{
    api::runs::{Rerun, RestartRun},
    format::utc_time,
    model::{
        flow_runs::{CalledBy, FlowRunDetail, RestartFlowRun, RestartOf, StartedBy, StepRecord, StepStatus},
        runs::{Run, RunStatus},
    },
};

/// What started a flow run, as the Activity list names it.
pub fn started_by_label(started_by: StartedBy) -> &'static str {
    match started_by {
        StartedBy::Trigger => "Alert trigger",
        StartedBy::Http => "HTTP trigger",
        StartedBy::Api => "API",
        StartedBy::Test => "Designer test",
        StartedBy::Rerun => "Re-run",
        StartedBy::Call => "Call Flow step",
        StartedBy::Schedule => "Schedule",
    }
}

/// The step to show first: a failed one, else one still going, else the one that finished
/// last (usually what the run produced).
pub(crate) fn first_step(steps: &[StepRecord]) -> Option<String> {
    let pick = steps
        .iter()
        .find(|step| step.status == StepStatus::Failed)
        .or_else(|| steps.iter().find(|step| matches!(step.status, StepStatus::Running | StepStatus::Waiting)))
        .or_else(|| steps.iter().filter(|step| step.started_at.is_some()).max_by(|a, b| a.finished_at.cmp(&b.finished_at)))
        .or_else(|| steps.first());
    pick.map(|step| step.block_id.clone())
}

#[component]
pub fn FlowRunView(
    run: Run,
    flow: FlowRunDetail,
    resend: ServerAction<Rerun>,
    restart: ServerAction<RestartRun>,
    kept_view: KeptView,
) -> impl IntoView {
    let summary = run.summary;
    let FlowRunDetail {
        flow_id,
        flow_version,
        started_by,
        acting_as,
        started_at,
        finished_at,
        output,
        blocks,
        edges,
        steps,
        trigger_block,
        restart_of,
        restarts,
        called_by,
        ..
    } = flow;
    let going = matches!(summary.status, RunStatus::Queued | RunStatus::Pending | RunStatus::Running);
    let restart_from = move |id: String, from_step: Option<String>| {
        restart.dispatch(RestartRun { id, restart: RestartFlowRun { from_step } });
    };
    let version_link = match &flow_id {
        Some(id) => view! { <A href=format!("/flows/{id}?history={flow_version}")>{format!("Version {flow_version}")}</A> }.into_any(),
        None => view! { <span>{format!("Version {flow_version}")}</span> }.into_any(),
    };
    let alert = summary.event_identifier.map(|alert| format!(" · alert #{alert}")).unwrap_or_default();
    let trigger = match started_by {
        StartedBy::Trigger => format!("{}{alert}", summary.trigger_name()),
        _ => started_by_label(started_by).to_string(),
    };
    let acting = acting_as.map(|user| format!(" · acting as {user}")).unwrap_or_default();
    let meta = format!("Flow run started by {trigger}{acting} · {}", utc_time(&summary.created_at));

    let query = use_query_map();
    let navigate = use_navigate();
    let run_id = summary.id.clone();
    let first = first_step(&steps);
    let selected = Signal::derive(move || query.with(|query| query.get("step")).or_else(|| first.clone()));
    let on_select = Callback::new(move |block: String| {
        navigate(&format!("/activity/{run_id}?step={block}"), NavigateOptions { replace: true, scroll: false, ..NavigateOptions::default() });
    });
    let statuses: Vec<StepStatus> = steps.iter().map(|step| step.status).collect();
    let records = StoredValue::new(steps.clone());
    let restart_id = summary.id.clone();
    let step_panel = move || {
        let chosen = selected.get();
        let record = records.with_value(|records| records.iter().find(|record| Some(&record.block_id) == chosen.as_ref()).cloned())?;
        // Only a step that ran can be run again; what ran before it is reused.
        let ran = matches!(record.status, StepStatus::Succeeded | StepStatus::Failed) && record.block_id != trigger_block;
        let (id, from) = (restart_id.clone(), record.block_id.clone());
        let here = (ran && !going).then(|| {
            view! {
                <button type="button" disabled=move || restart.pending().get() on:click=move |_| restart_from(id.clone(), Some(from.clone()))>
                    "Restart from here"
                </button>
            }
        });
        Some(view! { <StepPanel record />{here} })
    };
    let failed = summary.status == RunStatus::Failed;
    let header_id = summary.id.clone();
    let restart_button = failed.then(|| {
        view! {
            <button
                type="button"
                title="Run it again from the step that failed, reusing what ran before it"
                disabled=move || restart.pending().get()
                on:click=move |_| restart_from(header_id.clone(), None)
            >
                "Restart"
            </button>
        }
    });
    let alert = summary.event_identifier;
    view! {
        <RunHeader summary=summary.clone() meta action="Re-run" wait=going.then_some("Wait for it to end before running it again.") resend>
            {restart_button}
            {flow_id.map(|flow| view! { <A href=format!("/flows/{flow}") attr:class="button">"Open the flow"</A> })}
            {alert.map(|alert| view! { <A href=format!("/alerts/{alert}") attr:class="button">"Open the alert"</A> })}
        </RunHeader>
        <ErrorMessage message=failure(restart.into()) />
        <div class="flow-run">
            <section class="panel flow-run-canvas" aria-label="Steps">
                <div class="card-head">
                    <h2>"Steps"</h2>
                    <StatusLegend steps=Signal::stored(statuses) />
                </div>
                <RunCanvas blocks edges steps selected on_select run_id=summary.id.clone() kept=kept_view />
                <p class="hint">"Click a block to see what it was given, what it produced and its log."</p>
            </section>
            <aside class="panel flow-run-step">{step_panel}</aside>
        </div>
        <div class="detail-grid">
            <div class="detail-main">
                <section class="panel">
                    <h2>"Trigger payload"</h2>
                    <JsonView value=run.payload label="Payload" />
                </section>
                <section class="panel">
                    <h2>"Result"</h2>
                    {match output {
                        Some(output) => view! { <JsonView value=output label="Result" /> }.into_any(),
                        None => view! { <p class="hint">"No result yet: the outputs of the step that finishes last."</p> }.into_any(),
                    }}
                </section>
            </div>
            <aside class="detail-side">
                <RunFacts id=summary.id.clone() rerun_of=run.rerun_of repeats="Re-runs">
                    <dt>"Flow version"</dt>
                    <dd>{version_link}</dd>
                    <dt>"Started by"</dt>
                    <dd>{started_by_label(started_by)}</dd>
                    {started_at.map(|at| view! { <dt>"Started"</dt><dd>{utc_time(&at)}</dd> })}
                    {finished_at.map(|at| view! { <dt>"Finished"</dt><dd>{utc_time(&at)}</dd> })}
                    <dt>"Steps run"</dt>
                    <dd>{summary.attempt_count}</dd>
                    {restart_of.map(|RestartOf { run_id, from_step }| view! {
                        <dt>"Restarts"</dt>
                        <dd><A href=format!("/activity/{run_id}")>"the earlier run"</A>{format!(" from step {from_step}")}</dd>
                    })}
                    {called_by.map(|CalledBy { run_id, step, iteration }| {
                        let item = if iteration.is_empty() { String::new() } else { format!(", item {iteration}") };
                        view! {
                            <dt>"Called by"</dt>
                            <dd>
                                <A href=format!("/activity/{run_id}?step={step}") attr:data-testid="called-by">"the calling run"</A>
                                {format!(" (step {step}{item})")}
                            </dd>
                        }
                    })}
                    {(!restarts.is_empty()).then(|| view! {
                        <dt>"Restarted as"</dt>
                        <dd class="restarts">
                            {restarts.into_iter().map(|id| view! { <A href=format!("/activity/{id}") attr:class="mono">{id.clone()}</A>" " }).collect_view()}
                        </dd>
                    })}
                </RunFacts>
            </aside>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(id: &str, status: StepStatus, finished: Option<&str>) -> StepRecord {
        StepRecord {
            block_id: id.to_string(),
            step: "script".to_string(),
            label: id.to_string(),
            status,
            inputs: None,
            outputs: None,
            ports: Vec::new(),
            logs: Vec::new(),
            error: None,
            started_at: finished.map(str::to_string),
            finished_at: finished.map(str::to_string),
            duration_ms: None,
            due_at: None,
            iterations: None,
            called_run: None,
            reused: false,
        }
    }

    #[test]
    fn the_first_step_shown_is_a_failure_else_one_going_else_the_last_finished() {
        let done = [
            step("t1", StepStatus::Succeeded, None),
            step("s1", StepStatus::Succeeded, Some("2026-01-01T00:00:02Z")),
            step("w1", StepStatus::Succeeded, Some("2026-01-01T00:00:03Z")),
        ];
        assert_eq!(first_step(&done).as_deref(), Some("w1"));
        let mut failing = done.to_vec();
        failing[1].status = StepStatus::Failed;
        assert_eq!(first_step(&failing).as_deref(), Some("s1"));
        let mut going = done.to_vec();
        going[1].status = StepStatus::Running;
        assert_eq!(first_step(&going).as_deref(), Some("s1"));
        assert_eq!(first_step(&[step("t1", StepStatus::Pending, None)]).as_deref(), Some("t1"));
        assert_eq!(first_step(&[]), None);
    }
}
