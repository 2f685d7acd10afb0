//! The Alerts page: start an alert from a form, and the newest alerts with their live
//! status. On an empty database it offers the example workflow first.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::{
    api::{
        UiError,
        alerts::{StartAlert, recent_alerts},
        people::list_people,
        workflows::{InstallExampleWorkflow, workflow_catalog},
    },
    components::{
        badge::{PriorityBadge, StatusBadge},
        empty_state::EmptyState,
        example_offer::ExampleOffer,
        feedback::loaded,
        page::PageHeader,
        polling::{LIVE_REFRESH, refresh_every},
        start_alert::StartAlertForm,
        table::DataTable,
    },
    format::{date_of, time_of_day, value_text},
    model::alerts::{AlertPage, AlertSummary},
};

#[component]
pub fn AlertsPage() -> impl IntoView {
    let install = ServerAction::<InstallExampleWorkflow>::new();
    let start = ServerAction::<StartAlert>::new();
    let catalog = Resource::new(move || install.version().get(), |_| workflow_catalog());
    let people = Resource::new(move || install.version().get(), |_| list_people());
    let alerts = Resource::new(move || start.version().get(), |_| recent_alerts());
    refresh_every(LIVE_REFRESH, move || alerts.refetch());

    let starter = move || {
        Suspend::new(async move {
            let both: Result<_, UiError> = async { Ok((catalog.await?.workflows, people.await?)) }.await;
            loaded(both.map(|(workflows, people)| {
                if workflows.is_empty() {
                    view! { <ExampleOffer action=install /> }.into_any()
                } else {
                    view! {
                        <section class="panel">
                            <h2>"Start an alert"</h2>
                            <StartAlertForm workflows people action=start />
                        </section>
                    }
                    .into_any()
                }
            }))
        })
    };
    let listing = move || Suspend::new(async move { loaded(alerts.await.map(|page| view! { <AlertList page /> })) });
    view! {
        <PageHeader title="Alerts" summary="Start alerts and follow each one's notifications, responses and comments." />
        <div class="split">
            <Transition fallback=|| view! { <p class="loading">"Loading forms and people…"</p> }>
                {starter}
            </Transition>
            <section class="panel">
                <h2>"Recent alerts"</h2>
                <Transition fallback=|| view! { <p class="loading">"Loading alerts…"</p> }>
                    {listing}
                </Transition>
            </section>
        </div>
    }
}

/// The alert's property values in one line, words before flags and numbers, so the line
/// reads like a subject.
fn properties_line(alert: &AlertSummary) -> String {
    let mut values: Vec<_> = alert.properties.iter().collect();
    values.sort_by_key(|(_, value)| !value.is_string());
    values.into_iter().map(|(name, value)| format!("{name}: {}", value_text(value))).collect::<Vec<_>>().join(" · ")
}

#[component]
fn AlertList(page: AlertPage) -> impl IntoView {
    if page.items.is_empty() {
        return view! {
            <EmptyState title="No alerts yet">
                <p>"Alerts started from a form notify their recipients' devices. Each change in an alert's life is a trigger for integrations and flows."</p>
            </EmptyState>
        }
        .into_any();
    }
    let shown = page.items.len();
    let rows = page
        .items
        .into_iter()
        .map(|alert| {
            let href = format!("/alerts/{}", alert.event_identifier);
            let properties = properties_line(&alert);
            view! {
                <tr>
                    <td class="num">
                        <A href=href.clone()>{format!("#{}", alert.event_identifier)}</A>
                    </td>
                    <td>
                        <A href=href>{alert.form_name.clone()}</A>
                        <div class="sub clamp">{properties}</div>
                    </td>
                    <td>
                        <ul class="names">
                            {alert.recipients.into_iter().map(|name| view! { <li>{name}</li> }).collect_view()}
                        </ul>
                    </td>
                    <td><PriorityBadge priority=alert.priority /></td>
                    <td><StatusBadge status=alert.status /></td>
                    <td class="when">
                        {time_of_day(&alert.created_at)}
                        <div class="sub">{date_of(&alert.created_at)}</div>
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <DataTable label="Alerts" headers=&["Alert", "Form", "Recipients", "Priority", "Status", "Started"]>
            {rows}
        </DataTable>
        {(page.total > shown as i64).then(|| view! { <p class="hint">{format!("The newest {shown} of {} alerts.", page.total)}</p> })}
    }
    .into_any()
}
