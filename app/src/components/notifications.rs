//! The notifications of an alert: one row per recipient and device, with the delivery
//! status and the provider's or endpoint's answer.

use leptos::prelude::*;

use super::{badge::DeliveryBadge, empty_state::EmptyState, table::DataTable};
use crate::{
    format::utc_time,
    model::alerts::{DeliveryStatus, Notification},
};

fn timing(notification: &Notification) -> String {
    match (&notification.completed_at, notification.status) {
        (Some(completed), _) => utc_time(completed),
        (None, DeliveryStatus::Pending) => format!("due {}", utc_time(&notification.due_at)),
        (None, _) => String::new(),
    }
}

#[component]
pub fn NotificationTable(notifications: Vec<Notification>) -> impl IntoView {
    if notifications.is_empty() {
        return view! {
            <EmptyState title="Nobody notified">
                <p>"None of the recipients could be reached: no active users with active devices, or no reachable group member. The timeline says why."</p>
            </EmptyState>
        }
        .into_any();
    }
    let rows = notifications
        .into_iter()
        .map(|notification| {
            let when = timing(&notification);
            view! {
                <tr>
                    <td>{notification.recipient}</td>
                    <td class="nowrap">{notification.device}</td>
                    <td><DeliveryBadge status=notification.status /></td>
                    <td class="message">{notification.message.unwrap_or_default()}</td>
                    <td class="when">{when}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <DataTable label="Notifications" headers=&["Recipient", "Device", "Status", "Message", "When"]>
            {rows}
        </DataTable>
    }
    .into_any()
}
