//! The page of one run (`/activity/:id`): its status and reason, each delivery attempt,
//! the log, the payload as sent, and Re-send, which opens the new run; a flow run shows as
//! its canvas instead (`components::run_flow`), where Restart opens the new run too. It re-reads the run while it is still
//! pending, queued or running.

use leptos::prelude::*;
use leptos_router::{
    components::A,
    hooks::{use_navigate, use_params_map},
};

use crate::{
    api::runs::{Rerun, RestartRun, fetch_run},
    components::{
        feedback::{loaded, on_success},
        json_view::JsonView,
        polling::{LIVE_REFRESH, refresh_every},
        run_canvas::KeptView,
        run_details::{AttemptTable, RunFacts, RunHeader, RunLog},
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
    // Re-reading a running run draws its canvas again; the view stays where the user left it.
    let kept_view = KeptView::default();
    let restart = ServerAction::<RestartRun>::new();
    let navigate = use_navigate();
    let open = move |new_run: &Run| navigate(&format!("/activity/{}", new_run.summary.id), Default::default());
    on_success(resend.into(), open.clone());
    on_success(restart.into(), open);
    let content = move || {
        Suspend::new(async move {
            loaded(run.await.map(|mut run| match run.flow.take() {
                Some(flow) => view! { <FlowRunView run flow resend restart kept_view /> }.into_any(),
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
    let alert = summary.event_identifier.map(|alert| format!("Alert #{alert} · ")).unwrap_or_default();
    let meta = format!("{alert}{} · {}", summary.trigger_name(), utc_time(&summary.created_at));
    let pending = summary.status == RunStatus::Pending;
    let (alert, integration) = (summary.event_identifier, summary.integration_id.clone());
    view! {
        <RunHeader summary=summary.clone() meta action="Re-send" wait=pending.then_some("Wait for it to finish before re-sending.") resend>
            {alert.map(|alert| view! { <A href=format!("/alerts/{alert}") attr:class="button">"Open the alert"</A> })}
            {integration.map(|integration| view! {
                <A href=format!("/integrations/{integration}") attr:class="button">"Open the integration"</A>
            })}
        </RunHeader>
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
                    <JsonView value=run.payload label="Payload" />
                </section>
            </div>
            <aside class="detail-side">
                <RunFacts id=summary.id rerun_of=run.rerun_of repeats="Re-sends">
                    <dt>"webhook-id"</dt>
                    <dd class="mono">{run.webhook_id}</dd>
                    <dt>"Created"</dt>
                    <dd>{utc_time(&summary.created_at)}</dd>
                    <dt>"Updated"</dt>
                    <dd>{utc_time(&summary.updated_at)}</dd>
                    {summary.next_attempt_at.filter(|_| pending).map(|at| view! { <dt>"Next attempt"</dt><dd>{utc_time(&at)}</dd> })}
                </RunFacts>
            </aside>
        </div>
    }
}
