//! A user's devices: the table with inline editing, activation and removal, and the form
//! to add one. Each change reloads the People page through its revision counter.

use leptos::prelude::*;

use super::{
    badge::InactiveBadge,
    feedback::{ErrorMessage, failure, first_failure, reload_after},
    fields::{Choice, Field, seconds},
    table::DataTable,
};
use crate::{
    api::people::{AddDevice, RemoveDevice, UpdateDevice},
    format::duration,
    model::people::{Device, DeviceKind, DevicePatch, NewDevice, TestOutcome},
};

fn outcomes() -> Vec<(TestOutcome, String)> {
    vec![(TestOutcome::Delivered, "Delivered".to_string()), (TestOutcome::Failed, "Failed".to_string())]
}

/// The test provider answers for every kind but webhooks, which really POST.
fn outcome_text(device: &Device) -> String {
    match (device.kind, device.test_outcome) {
        (DeviceKind::Webhook, _) => "real HTTP".to_string(),
        (_, TestOutcome::Delivered) => "Delivered".to_string(),
        (_, TestOutcome::Failed) => "Failed".to_string(),
    }
}

#[component]
pub fn DeviceTable(target_name: String, devices: Vec<Device>, revision: RwSignal<usize>) -> impl IntoView {
    let update = ServerAction::<UpdateDevice>::new();
    let remove = ServerAction::<RemoveDevice>::new();
    reload_after(update.into(), revision);
    reload_after(remove.into(), revision);
    let problem = first_failure(vec![failure(update.into()), failure(remove.into())]);
    let owner = StoredValue::new(target_name);
    let rows = devices.into_iter().map(|device| view! { <DeviceRow owner device update remove /> }).collect_view();
    view! {
        <DataTable label=format!("Devices of {}", owner.get_value()) headers=&["Device", "Address", "Delay", "Test outcome", ""] compact=true>
            {rows}
        </DataTable>
        <ErrorMessage message=problem />
    }
}

#[component]
fn DeviceRow(owner: StoredValue<String>, device: Device, update: ServerAction<UpdateDevice>, remove: ServerAction<RemoveDevice>) -> impl IntoView {
    let editing = RwSignal::new(false);
    let name = RwSignal::new(device.name.clone());
    let address = RwSignal::new(device.address.clone());
    let delay = RwSignal::new(device.delay_seconds.to_string());
    let outcome = RwSignal::new(device.test_outcome);
    let active = device.active;
    let id = StoredValue::new(device.id.clone());
    let device = StoredValue::new(device);
    let patch = move |patch: DevicePatch| {
        update.dispatch(UpdateDevice { target_name: owner.get_value(), device_id: id.get_value(), patch });
    };
    let save = move |_| {
        patch(DevicePatch {
            name: Some(name.get_untracked()),
            address: Some(address.get_untracked()),
            delay_seconds: Some(seconds(&delay.get_untracked())),
            test_outcome: Some(outcome.get_untracked()),
            active: None,
        })
    };
    let shown = move || {
        device.with_value(|device| {
            view! {
                <td class="nowrap">
                    {device.name.clone()} " " <InactiveBadge active />
                    <div class="sub">{device.kind.key()}</div>
                </td>
                <td class="mono">{device.address.clone()}</td>
                <td>{duration(device.delay_seconds)}</td>
                <td>{outcome_text(device)}</td>
                <td>
                    <div class="row-actions">
                        <button type="button" class="small" on:click=move |_| editing.set(true)>"Edit"</button>
                        <button type="button" class="small" on:click=move |_| patch(DevicePatch { active: Some(!active), ..DevicePatch::default() })>
                            {if active { "Deactivate" } else { "Activate" }}
                        </button>
                        <button
                            type="button"
                            class="small danger"
                            on:click=move |_| {
                                remove.dispatch(RemoveDevice { target_name: owner.get_value(), device_id: id.get_value() });
                            }
                        >
                            "Remove"
                        </button>
                    </div>
                </td>
            }
        })
    };
    let edited = move || {
        device.with_value(|device| {
            view! {
                <td>
                    <input type="text" aria-label="Device name" bind:value=name />
                    <div class="sub">{device.kind.key()}</div>
                </td>
                <td><input type="text" aria-label="Address" bind:value=address /></td>
                <td><input type="number" min="0" aria-label="Delay in seconds" bind:value=delay /></td>
                <td>
                    {(device.kind != DeviceKind::Webhook)
                        .then(|| view! { <Choice value=outcome options=outcomes() label="Test outcome".to_string() /> })}
                </td>
                <td>
                    <div class="row-actions">
                        <button type="button" class="small primary" on:click=save>"Save"</button>
                        <button type="button" class="small" on:click=move |_| editing.set(false)>"Cancel"</button>
                    </div>
                </td>
            }
        })
    };
    view! {
        <tr class:inactive=!active>
            <Show when=move || editing.get() fallback=shown>
                {edited}
            </Show>
        </tr>
    }
}

#[component]
pub fn AddDeviceForm(target_name: String, revision: RwSignal<usize>) -> impl IntoView {
    let action = ServerAction::<AddDevice>::new();
    reload_after(action.into(), revision);
    let name = RwSignal::new(String::new());
    let kind = RwSignal::new(DeviceKind::Email);
    let address = RwSignal::new(String::new());
    let delay = RwSignal::new("0".to_string());
    let outcome = RwSignal::new(TestOutcome::Delivered);
    let kinds = DeviceKind::ALL.into_iter().map(|kind| (kind, kind.key().to_string())).collect();
    let placeholder = move || match kind.get() {
        DeviceKind::Email => "name@example.com",
        DeviceKind::Sms | DeviceKind::Voice => "+1 555 0100",
        DeviceKind::Push => "device token",
        DeviceKind::Webhook => "https://example.com/hook",
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let input = NewDevice {
            name: name.get_untracked(),
            kind: kind.get_untracked(),
            address: address.get_untracked(),
            delay_seconds: seconds(&delay.get_untracked()),
            active: true,
            test_outcome: outcome.get_untracked(),
        };
        action.dispatch(AddDevice { target_name: target_name.clone(), input });
    };
    view! {
        <form class="inline-form" on:submit=submit aria-label="Add device">
            <Field label="Device name">
                <input type="text" bind:value=name placeholder="Work Email" />
            </Field>
            <Field label="Kind">
                <Choice value=kind options=kinds />
            </Field>
            <Field label="Address">
                <input type="text" bind:value=address placeholder=placeholder />
            </Field>
            <Field label="Delay (s)">
                <input type="number" min="0" bind:value=delay />
            </Field>
            <Field label="Test outcome">
                <Choice value=outcome options=outcomes() />
            </Field>
            <button type="submit" disabled=move || action.pending().get()>"Add device"</button>
            <ErrorMessage message=failure(action.into()) />
        </form>
    }
}
