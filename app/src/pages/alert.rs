//! The page of one alert (`/alerts/:id`): header with status, priority and properties,
//! the actions its status allows, its timeline and notifications, and forms to comment and
//! to respond. It reloads every few seconds while anything can still change.
//!
//! The reloaded data reaches the page through memos, so a reload only redraws what
//! changed and never the forms someone is typing into.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_params_map};

use crate::{
    api::{
        UiError,
        alerts::{AlertDetail, CommentOnAlert, EscalateAlert, RespondToAlert, SetAlertStatus, fetch_alert},
    },
    components::{
        alert_forms::{CommentForm, Notified, RespondForm},
        badge::{PriorityBadge, StatusBadge},
        feedback::{ErrorMessage, failure},
        notifications::NotificationTable,
        polling::{LIVE_REFRESH, refresh_every},
        timeline::Timeline,
    },
    format::{utc_time, value_text},
    model::alerts::{AlertStatus, AlertSummary, DeliveryStatus},
};

/// Everything the page can do to the alert; the alert reloads when any of them completes.
#[derive(Clone, Copy)]
struct Actions {
    status: ServerAction<SetAlertStatus>,
    escalate: ServerAction<EscalateAlert>,
    comment: ServerAction<CommentOnAlert>,
    respond: ServerAction<RespondToAlert>,
}

impl Actions {
    fn new() -> Self {
        Actions { status: ServerAction::new(), escalate: ServerAction::new(), comment: ServerAction::new(), respond: ServerAction::new() }
    }

    /// Grows with every completed action.
    fn completed(self) -> usize {
        self.status.version().get() + self.escalate.version().get() + self.comment.version().get() + self.respond.version().get()
    }
}

async fn load(id: Option<i64>) -> Result<AlertDetail, UiError> {
    match id {
        Some(id) => fetch_alert(id).await,
        None => Err(UiError { message: "There is no alert at this address: alert numbers are whole numbers.".to_string() }),
    }
}

/// Whether waiting can still change the alert: a status change or a pending delivery.
fn is_live(detail: &AlertDetail) -> bool {
    detail.alert.summary.status != AlertStatus::Terminated
        || detail.alert.notifications.iter().any(|notification| notification.status == DeliveryStatus::Pending)
}

#[component]
pub fn AlertPage() -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| params.read().get("id").and_then(|id| id.parse::<i64>().ok()));
    let actions = Actions::new();
    let detail = Resource::new(move || (id.get(), actions.completed()), |(id, _)| load(id));
    view! {
        <A href="/alerts" attr:class="back">"← All alerts"</A>
        <Transition fallback=|| view! { <p class="loading">"Loading the alert…"</p> }>
            <AlertView id detail actions />
        </Transition>
    }
}

#[component]
fn AlertView(id: Memo<Option<i64>>, detail: Resource<Result<AlertDetail, UiError>>, actions: Actions) -> impl IntoView {
    // The last alert that loaded stays while a reload fails, so a hiccup does not wipe the page.
    let loaded = Memo::new(move |previous: Option<&Option<AlertDetail>>| match detail.get() {
        Some(Ok(detail)) => Some(detail),
        _ => previous.cloned().flatten().filter(|shown| Some(shown.alert.summary.event_identifier) == id.get()),
    });
    let problem = Signal::derive(move || detail.get().and_then(Result::err).map(|error| error.message));
    let shown = Memo::new(move |_| loaded.with(|detail| detail.as_ref().map(|detail| detail.alert.summary.event_identifier)));
    refresh_every(LIVE_REFRESH, move || {
        if loaded.with_untracked(|detail| detail.as_ref().is_some_and(is_live)) {
            detail.refetch();
        }
    });
    view! {
        <ErrorMessage message=problem />
        {move || shown.get().map(|id| view! { <AlertContent id loaded actions /> })}
    }
}

/// One piece of the loaded alert, as a memo that changes only when that piece does.
fn part<T>(loaded: Memo<Option<AlertDetail>>, pick: fn(&AlertDetail) -> T) -> Memo<T>
where
    T: Default + Clone + PartialEq + Send + Sync + 'static,
{
    Memo::new(move |_| loaded.with(|detail| detail.as_ref().map(pick).unwrap_or_default()))
}

fn notified_of(detail: &AlertDetail) -> Vec<Notified> {
    let mut notified: Vec<Notified> = Vec::new();
    for notification in detail.alert.notifications.iter().filter(|notification| notification.status != DeliveryStatus::Cancelled) {
        match notified.iter_mut().find(|(recipient, _)| *recipient == notification.recipient) {
            Some((_, devices)) if devices.contains(&notification.device) => {}
            Some((_, devices)) => devices.push(notification.device.clone()),
            None => notified.push((notification.recipient.clone(), vec![notification.device.clone()])),
        }
    }
    notified
}

#[component]
fn AlertContent(id: i64, loaded: Memo<Option<AlertDetail>>, actions: Actions) -> impl IntoView {
    let summary = part(loaded, |detail| Some(detail.alert.summary.clone()));
    let status = part(loaded, |detail| Some(detail.alert.summary.status));
    let groups = part(loaded, |detail| detail.groups.clone());
    let timeline = part(loaded, |detail| detail.alert.timeline.clone());
    let notifications = part(loaded, |detail| detail.alert.notifications.clone());
    let notified = part(loaded, notified_of);
    let choices = part(loaded, |detail| detail.choices.clone());
    view! {
        <AlertHeader summary />
        <AlertToolbar id status groups actions />
        <div class="detail-grid">
            <div class="detail-main">
                <section class="panel">
                    <h2>"Timeline"</h2>
                    {move || view! { <Timeline events=timeline.get() /> }}
                </section>
                <section class="panel">
                    <h2>"Notifications"</h2>
                    {move || view! { <NotificationTable notifications=notifications.get() /> }}
                </section>
            </div>
            <aside class="detail-side">
                <section class="panel">
                    <h2>"Properties"</h2>
                    <AlertProperties summary />
                </section>
                <section class="panel">
                    <h2>"Add a comment"</h2>
                    <CommentForm id action=actions.comment />
                </section>
                <section class="panel">
                    <h2>"Respond as a recipient"</h2>
                    <RespondForm id action=actions.respond notified choices />
                </section>
            </aside>
        </div>
    }
}

#[component]
fn AlertHeader(summary: Memo<Option<AlertSummary>>) -> impl IntoView {
    move || {
        summary.get().map(|alert| {
            let title = format!("Alert #{}", alert.event_identifier);
            let mut meta = vec![alert.form_name.clone()];
            meta.push(format!("started by {}", alert.initiator.as_deref().unwrap_or("the system")));
            meta.push(utc_time(&alert.created_at));
            if let Some(assignee) = &alert.assignee {
                meta.push(format!("assigned to {assignee}"));
            }
            view! {
                <Title text=title.clone() />
                <header class="page-header">
                    <div class="title-row">
                        <h1>{title}</h1>
                        <StatusBadge status=alert.status />
                        <PriorityBadge priority=alert.priority />
                    </div>
                    <p class="page-summary">{meta.join(" · ")}</p>
                </header>
            }
        })
    }
}

/// The status changes the alert's status allows, and a manual escalation per targeted group.
#[component]
fn AlertToolbar(id: i64, status: Memo<Option<AlertStatus>>, groups: Memo<Vec<String>>, actions: Actions) -> impl IntoView {
    let busy = move || actions.status.pending().get() || actions.escalate.pending().get();
    let transitions = move || {
        status.get().map(|current| {
            [(AlertStatus::Suspended, "Suspend"), (AlertStatus::Active, "Resume"), (AlertStatus::Terminated, "Terminate")]
                .into_iter()
                .filter(|(next, _)| current.can_become(*next))
                .map(|(next, label)| {
                    view! {
                        <button
                            type="button"
                            class:danger=next == AlertStatus::Terminated
                            disabled=busy
                            on:click=move |_| {
                                actions.status.dispatch(SetAlertStatus { id, status: next });
                            }
                        >
                            {label}
                        </button>
                    }
                })
                .collect_view()
        })
    };
    let escalations = move || {
        (status.get() == Some(AlertStatus::Active)).then(|| {
            groups
                .get()
                .into_iter()
                .map(|group| {
                    let label = format!("Escalate {group}");
                    view! {
                        <button
                            type="button"
                            disabled=busy
                            on:click=move |_| {
                                actions.escalate.dispatch(EscalateAlert { id, group: group.clone() });
                            }
                        >
                            {label}
                        </button>
                    }
                })
                .collect_view()
        })
    };
    let status_failure = failure(actions.status.into());
    let escalate_failure = failure(actions.escalate.into());
    view! {
        <div class="toolbar" role="toolbar" aria-label="Alert actions">
            {transitions}
            {escalations}
        </div>
        <ErrorMessage message=Signal::derive(move || status_failure.get().or_else(|| escalate_failure.get())) />
    }
}

#[component]
fn AlertProperties(summary: Memo<Option<AlertSummary>>) -> impl IntoView {
    move || {
        summary.get().map(|alert| {
            let properties =
                alert.properties.iter().map(|(name, value)| view! { <dt>{name.clone()}</dt><dd>{value_text(value)}</dd> }).collect_view();
            let recipients = alert.recipients.into_iter().map(|name| view! { <li class="chip">{name}</li> }).collect_view();
            view! {
                <dl class="facts">{properties}</dl>
                {alert.properties.is_empty().then(|| view! { <p class="hint">"No property values."</p> })}
                <h3>"Recipients"</h3>
                <ul class="chips">{recipients}</ul>
            }
        })
    }
}
