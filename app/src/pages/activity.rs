//! The Activity page: every run of an outbound integration or a flow, newest first, filtered
//! by kind, status, integration and flow (`?integration=` or `?flow=` preselects one), a page
//! at a time. It re-reads the runs while open, so new runs and their outcomes appear as
//! they happen.

use leptos::prelude::*;
use leptos_router::{components::A, hooks::use_query_map};

use crate::{
    api::{flows::flows_catalog, integrations::outbound_catalog, runs::list_runs},
    components::{
        badge::{Badge, RunStatusBadge, Tone},
        empty_state::EmptyState,
        feedback::loaded,
        fields::{Choice, Field},
        page::PageHeader,
        polling::{LIVE_REFRESH, refresh_every},
        run_flow::started_by_label,
        table::DataTable,
    },
    format::{date_of, time_of_day},
    model::{
        flow_runs::StartedBy,
        runs::{RunKind, RunPage, RunQuery, RunStatus, RunSummary},
    },
};

/// Runs per page.
const PAGE_SIZE: u32 = 25;

#[component]
pub fn ActivityPage() -> impl IntoView {
    let query = use_query_map();
    let integration = RwSignal::new(query.read_untracked().get("integration"));
    let flow = RwSignal::new(query.read_untracked().get("flow"));
    let kind = RwSignal::new(None::<RunKind>);
    let status = RwSignal::new(None::<RunStatus>);
    let offset = RwSignal::new(0_u32);
    // Other filters start again from the newest runs.
    Effect::watch(
        move || (integration.get(), flow.get(), kind.get(), status.get()),
        move |_, _, _| {
            if offset.get_untracked() != 0 {
                offset.set(0);
            }
        },
        false,
    );
    let runs = Resource::new(
        move || (integration.get(), flow.get(), kind.get(), status.get(), offset.get()),
        |(integration_id, flow_id, kind, status, offset)| {
            list_runs(RunQuery { integration_id, flow_id, kind, status, limit: Some(PAGE_SIZE), offset: Some(offset), ..RunQuery::default() })
        },
    );
    refresh_every(LIVE_REFRESH, move || runs.refetch());
    let filtered =
        move || integration.with(Option::is_some) || flow.with(Option::is_some) || kind.with(Option::is_some) || status.with(Option::is_some);
    let listing = move || Suspend::new(async move { loaded(runs.await.map(|page| view! { <RunList page offset filtered=filtered() /> })) });
    view! {
        <PageHeader
            title="Activity"
            summary="Every run of an outbound integration or a flow: what was sent, each attempt's answer or each step's record, and the log."
        />
        <RunFilters integration flow kind status />
        <section class="panel">
            <Transition fallback=|| view! { <p class="loading">"Loading runs…"</p> }>{listing}</Transition>
        </section>
    }
}

#[component]
fn RunFilters(
    integration: RwSignal<Option<String>>,
    flow: RwSignal<Option<String>>,
    kind: RwSignal<Option<RunKind>>,
    status: RwSignal<Option<RunStatus>>,
) -> impl IntoView {
    let catalog = Resource::new(|| (), |_| outbound_catalog());
    let flow_catalog = Resource::new(|| (), |_| flows_catalog());
    let kinds = vec![
        (None, "All runs".to_string()),
        (Some(RunKind::Integration), "Integration runs".to_string()),
        (Some(RunKind::Flow), "Flow runs".to_string()),
    ];
    let statuses = std::iter::once((None, "Any status".to_string()))
        .chain(RunStatus::ALL.into_iter().map(|status| (Some(status), status.key().to_string())))
        .collect();
    let integrations = move || {
        Suspend::new(async move {
            loaded(catalog.await.map(|catalog| {
                let options = std::iter::once((None, "All integrations".to_string()))
                    .chain(catalog.into_iter().flat_map(|listing| {
                        listing
                            .integrations
                            .into_iter()
                            .map(|integration| (Some(integration.id), format!("{} ({})", integration.name, integration.form_name)))
                    }))
                    .collect();
                view! { <Choice value=integration options /> }
            }))
        })
    };
    let flows = move || {
        Suspend::new(async move {
            loaded(flow_catalog.await.map(|catalog| {
                let options = std::iter::once((None, "All flows".to_string()))
                    .chain(
                        catalog
                            .into_iter()
                            .flat_map(|listing| listing.flows.into_iter().map(|flow| (Some(flow.id), format!("{} ({})", flow.name, flow.form_name)))),
                    )
                    .collect();
                view! { <Choice value=flow options /> }
            }))
        })
    };
    view! {
        <div class="filters" role="search" aria-label="Run filters">
            <Field label="Kind">
                <Choice value=kind options=kinds />
            </Field>
            <Field label="Status">
                <Choice value=status options=statuses />
            </Field>
            <Field label="Integration">
                <Transition fallback=|| view! { <select disabled></select> }>{integrations}</Transition>
            </Field>
            <Field label="Flow">
                <Transition fallback=|| view! { <select disabled></select> }>{flows}</Transition>
            </Field>
        </div>
    }
}

#[component]
fn RunList(page: RunPage, offset: RwSignal<u32>, filtered: bool) -> impl IntoView {
    if page.items.is_empty() {
        return if filtered {
            view! {
                <EmptyState title="No runs match these filters">
                    <p>"Try another kind, status, integration or flow."</p>
                </EmptyState>
            }
        } else {
            view! {
                <EmptyState title="No runs yet">
                    <p>"A run is recorded each time a trigger fires for an enabled integration or a flow with a step on that trigger: start an alert on such a form, or test a flow in the designer, to see one here."</p>
                </EmptyState>
            }
        }
        .into_any();
    }
    let first = page.offset + 1;
    let last = page.offset + page.items.len() as u32;
    let has_older = i64::from(last) < page.total;
    let rows = page.items.into_iter().map(|run| view! { <RunRow run /> }).collect_view();
    view! {
        <DataTable label="Runs" headers=&["Integration or flow", "Kind", "Alert", "Trigger", "Started by", "Status", "Attempts · steps", "Created"]>
            {rows}
        </DataTable>
        <nav class="pager" aria-label="Pages">
            <span class="sub">{format!("Runs {first}–{last} of {}", page.total)}</span>
            <button type="button" class="small" disabled=page.offset == 0 on:click=move |_| offset.update(|offset| *offset = offset.saturating_sub(PAGE_SIZE))>
                "← Newer"
            </button>
            <button type="button" class="small" disabled=!has_older on:click=move |_| offset.update(|offset| *offset += PAGE_SIZE)>
                "Older →"
            </button>
        </nav>
    }
    .into_any()
}

#[component]
fn RunRow(run: RunSummary) -> impl IntoView {
    let href = format!("/activity/{}", run.id);
    let trigger = run.trigger_name();
    let retry = run.next_attempt_at.filter(|_| run.status == RunStatus::Pending && run.attempt_count > 0);
    let (kind, started_by) = match run.kind {
        RunKind::Flow => (view! { <Badge tone=Tone::Info text="Flow" /> }, run.started_by.map_or("—", started_by_label)),
        RunKind::Integration => (view! { <Badge tone=Tone::Muted text="Integration" /> }, started_by_label(StartedBy::Trigger)),
    };
    view! {
        <tr>
            <td>
                <A href=href>{run.integration_name}</A>
                <div class="sub clamp">{run.reason}</div>
            </td>
            <td>{kind}</td>
            <td class="num">
                {run.event_identifier.map(|alert| view! { <A href=format!("/alerts/{alert}")>{format!("#{alert}")}</A> })}
            </td>
            <td>{trigger}</td>
            <td>{started_by}</td>
            <td>
                <RunStatusBadge status=run.status />
                {retry.map(|at| view! { <div class="sub">{format!("retry at {}", time_of_day(&at))}</div> })}
            </td>
            <td class="num">{run.attempt_count}</td>
            <td class="when">
                {time_of_day(&run.created_at)}
                <div class="sub">{date_of(&run.created_at)}</div>
            </td>
        </tr>
    }
}
