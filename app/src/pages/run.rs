//! The page of one run (`/activity/:id`): its status and reason, each delivery attempt,
//! the log, the payload as sent, and Re-send, which opens the new run; a flow run shows as
//! its canvas instead (`components::run_flow`). It re-reads the run while it is still
//! pending, queued or running.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    components::A,
    hooks::{use_navigate, use_params_map},
};

use crate::{
    api::runs::{Rerun, fetch_run},
    components::{
        badge::RunStatusBadge,
        feedback::{ErrorMessage, failure, loaded, on_success},
        polling::{LIVE_REFRESH, refresh_every},
        run_details::{AttemptTable, RunLog},
        run_flow::FlowRunView,
    },
    format::utc_time,
    model::runs::{Run, RunStatus},
};

/// Whether waiting can still change the run.
fn is_live(run: &Run) -> bool {
    matches!(run.summary.status, RunStatus::Pending | RunStatus::Queued | RunStatus::Running)
}

#[component]
pub fn RunPage() -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| params.read().get("id").unwrap_or_default());
    let run = Resource::new(move || id.get(), fetch_run);
    refresh_every(LIVE_REFRESH, move || {
        if run.get_untracked().and_then(Result::ok).is_some_and(|run| is_live(&run)) {
            run.refetch();
        }
    });
    let resend = ServerAction::<Rerun>::new();
    let navigate = use_navigate();
    on_success(resend.into(), move |new_run| navigate(&format!("/activity/{}", new_run.summary.id), Default::default()));
    let content = move || {
        Suspend::new(async move {
            loaded(run.await.map(|mut run| match run.flow.take() {
                Some(flow) => view! { <FlowRunView run flow resend /> }.into_any(),
                None => view! { <RunView run resend /> }.into_any(),
            }))
        })
    };
    view! {
        <A href="/activity" attr:class="back">"← All activity"</A>
        <Transition fallback=|| view! { <p class="loading">"Loading the run…"</p> }>{content}</Transition>
    }
}

#[component]
fn RunView(run: Run, resend: ServerAction<Rerun>) -> impl IntoView {
    let summary = run.summary;
    let title = format!("Run of {}", summary.integration_name);
    let alert = summary.event_identifier.map(|alert| format!("Alert #{alert} · ")).unwrap_or_default();
    let meta = format!("{alert}{} · {}", summary.trigger_name(), utc_time(&summary.created_at));
    let id = summary.id.clone();
    let pending = summary.status == RunStatus::Pending;
    let payload = serde_json::to_string_pretty(&run.payload).unwrap_or_else(|_| run.payload.to_string());
    view! {
        <Title text=title />
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
                disabled=move || pending || resend.pending().get()
                title=pending.then_some("Wait for it to finish before re-sending.")
                on:click=move |_| {
                    resend.dispatch(Rerun { id: id.clone() });
                }
            >
                "Re-send"
            </button>
            {summary.event_identifier.map(|alert| view! { <A href=format!("/alerts/{alert}") attr:class="button">"Open the alert"</A> })}
            {summary.integration_id.map(|integration| view! {
                <A href=format!("/integrations/{integration}") attr:class="button">"Open the integration"</A>
            })}
        </div>
        <ErrorMessage message=failure(resend.into()) />
        {summary.reason.map(|reason| view! { <p class="callout" aria-label="Reason">{reason}</p> })}
        <div class="detail-grid">
            <div class="detail-main">
                <section class="panel">
                    <h2>"Attempts"</h2>
                    <AttemptTable attempts=run.attempts />
                </section>
                <section class="panel">
                    <h2>"Log"</h2>
                    <RunLog lines=run.logs />
                </section>
                <section class="panel">
                    <h2>"Payload"</h2>
                    <pre class="code-block" aria-label="Payload">{payload}</pre>
                </section>
            </div>
            <aside class="detail-side">
                <section class="panel">
                    <h2>"Details"</h2>
                    <dl class="facts">
                        <dt>"Run"</dt>
                        <dd class="mono">{summary.id}</dd>
                        <dt>"webhook-id"</dt>
                        <dd class="mono">{run.webhook_id}</dd>
                        <dt>"Created"</dt>
                        <dd>{utc_time(&summary.created_at)}</dd>
                        <dt>"Updated"</dt>
                        <dd>{utc_time(&summary.updated_at)}</dd>
                        {summary.next_attempt_at.filter(|_| pending).map(|at| view! { <dt>"Next attempt"</dt><dd>{utc_time(&at)}</dd> })}
                        {run.rerun_of.map(|original| view! {
                            <dt>"Re-sends"</dt>
                            <dd><A href=format!("/activity/{original}")>"the earlier run"</A></dd>
                        })}
                    </dl>
                </section>
            </aside>
        </div>
    }
}
