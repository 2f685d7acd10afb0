//! Small coloured labels for states: alert status and priority, delivery status, run
//! status, and whether a user, device or group is active.

use leptos::prelude::*;

use crate::model::{
    alerts::{AlertStatus, DeliveryStatus, Priority},
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

/// "Inactive" for what was switched off; nothing for what is active, the normal case.
#[component]
pub fn InactiveBadge(active: bool) -> impl IntoView {
    (!active).then(|| view! { <Badge tone=Tone::Muted text="Inactive" /> })
}
