//! Small coloured labels for states: alert status and priority, delivery status, run and
//! flow step status, and whether a user, device or group is active.

use leptos::prelude::*;

use crate::model::{
    alerts::{AlertStatus, DeliveryStatus, Priority},
    flow_runs::StepStatus,
    runs::RunStatus,
};

/// The colour family of a badge; each maps to a class in `style/outflow.css`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tone {
    Ok,
    Warn,
    Danger,
    Info,
    Muted,
}

impl Tone {
    /// The modifier class that colours a badge or a timeline entry.
    pub fn class(self) -> &'static str {
        match self {
            Tone::Ok => "ok",
            Tone::Warn => "warn",
            Tone::Danger => "danger",
            Tone::Info => "info",
            Tone::Muted => "muted",
        }
    }
}

#[component]
pub fn Badge(tone: Tone, #[prop(into)] text: String) -> impl IntoView {
    view! { <span class=format!("badge {}", tone.class())>{text}</span> }
}

#[component]
pub fn StatusBadge(status: AlertStatus) -> impl IntoView {
    let tone = match status {
        AlertStatus::Active => Tone::Ok,
        AlertStatus::Suspended => Tone::Warn,
        AlertStatus::Terminated => Tone::Muted,
    };
    view! { <Badge tone text=status.key() /> }
}

#[component]
pub fn PriorityBadge(priority: Priority) -> impl IntoView {
    let tone = match priority {
        Priority::High => Tone::Danger,
        Priority::Medium => Tone::Info,
        Priority::Low => Tone::Muted,
    };
    view! { <Badge tone text=priority.key() /> }
}

#[component]
pub fn DeliveryBadge(status: DeliveryStatus) -> impl IntoView {
    let (tone, text) = match status {
        DeliveryStatus::Pending => (Tone::Warn, "Pending"),
        DeliveryStatus::Delivered => (Tone::Ok, "Delivered"),
        DeliveryStatus::Failed => (Tone::Danger, "Failed"),
        DeliveryStatus::Cancelled => (Tone::Muted, "Cancelled"),
    };
    view! { <Badge tone text /> }
}

#[component]
pub fn RunStatusBadge(status: RunStatus) -> impl IntoView {
    let tone = match status {
        RunStatus::Succeeded => Tone::Ok,
        RunStatus::Pending | RunStatus::Running => Tone::Warn,
        RunStatus::Failed => Tone::Danger,
        RunStatus::Queued => Tone::Info,
        RunStatus::Skipped | RunStatus::Discarded => Tone::Muted,
    };
    view! { <Badge tone text=status.key() /> }
}

/// How a flow step's status reads: a block still waiting for its turn was "not reached".
pub fn step_status_label(status: StepStatus) -> &'static str {
    match status {
        StepStatus::Pending => "Not reached",
        StepStatus::Running => "Running",
        StepStatus::Waiting => "Waiting",
        StepStatus::Succeeded => "Succeeded",
        StepStatus::Failed => "Failed",
        StepStatus::Skipped => "Skipped",
    }
}

/// A step's status in the colour its block has on the run canvas (`data-status`).
#[component]
pub fn StepStatusBadge(status: StepStatus) -> impl IntoView {
    view! { <span class="badge step-status" data-status=status.key()>{step_status_label(status)}</span> }
}

/// "Inactive" for what was switched off; nothing for what is active, the normal case.
#[component]
pub fn InactiveBadge(active: bool) -> impl IntoView {
    (!active).then(|| view! { <Badge tone=Tone::Muted text="Inactive" /> })
}
