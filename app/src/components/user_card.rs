//! One user on the People page: name, login, roles and devices, with editing,
//! deactivation and adding devices. Also the name and role fields the new-user form shares.

use leptos::prelude::*;

use super::{
    badge::{Badge, Tone},
    devices::{AddDeviceForm, DeviceTable},
    editable_card::{CardDetails, CardEditor, EditableCard},
    feedback::{failure, reload_after},
    fields::Field,
};
use crate::{
    api::people::UpdateUser,
    model::people::{Role, User, UserPatch},
};

const ROLES: [(Role, &str); 4] = [(Role::Admin, "admin"), (Role::Developer, "developer"), (Role::Responder, "responder"), (Role::Viewer, "viewer")];

fn role_name(role: Role) -> &'static str {
    ROLES.iter().find(|(known, _)| *known == role).map_or("?", |(_, name)| name)
}

/// First and last name, and a checkbox per role.
#[component]
pub fn UserFields(first_name: RwSignal<String>, last_name: RwSignal<String>, roles: RwSignal<Vec<Role>>) -> impl IntoView {
    let boxes = ROLES
        .into_iter()
        .map(|(role, name)| {
            view! {
                <label class="check">
                    <input
                        type="checkbox"
                        prop:checked=move || roles.with(|roles| roles.contains(&role))
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            roles.update(|roles| {
                                roles.retain(|other| *other != role);
                                if on {
                                    roles.push(role);
                                }
                            });
                        }
                    />
                    <span>{name}</span>
                </label>
            }
        })
        .collect_view();
    view! {
        <Field label="First name">
            <input type="text" bind:value=first_name />
        </Field>
        <Field label="Last name">
            <input type="text" bind:value=last_name />
        </Field>
        <fieldset class="checks">
            <legend>"Roles"</legend>
            {boxes}
        </fieldset>
    }
}

#[component]
pub fn UserCard(user: User, revision: RwSignal<usize>) -> impl IntoView {
    let update = ServerAction::<UpdateUser>::new();
    reload_after(update.into(), revision);
    let editing = RwSignal::new(false);
    let first_name = RwSignal::new(user.first_name.clone());
    let last_name = RwSignal::new(user.last_name.clone());
    let roles = RwSignal::new(user.roles.clone());
    let target_name = StoredValue::new(user.target_name.clone());
    let send = move |patch: UserPatch| {
        update.dispatch(UpdateUser { target_name: target_name.get_value(), patch });
    };
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        send(UserPatch {
            first_name: Some(first_name.get_untracked()),
            last_name: Some(last_name.get_untracked()),
            roles: Some(roles.get_untracked()),
            active: None,
        });
    };
    let full_name = format!("{} {}", user.first_name, user.last_name).trim().to_string();
    let title = if full_name.is_empty() { user.target_name.clone() } else { full_name };
    let role_badges = user.roles.iter().map(|role| view! { <Badge tone=Tone::Info text=role_name(*role) /> }).collect_view();
    let has_devices = !user.devices.is_empty();
    view! {
        <EditableCard
            title
            name=user.target_name.clone()
            active=user.active
            editing
            on_activate=Callback::new(move |active| send(UserPatch { active: Some(active), ..UserPatch::default() }))
            error=failure(update.into())
        >
            <CardDetails slot>
                <span class="mono">{target_name.get_value()}</span>
                " "
                {role_badges}
            </CardDetails>
            <CardEditor slot>
                <form class="inline-form" on:submit=save aria-label="Edit user">
                    <UserFields first_name last_name roles />
                    <button type="submit" class="primary">"Save"</button>
                    <button type="button" on:click=move |_| editing.set(false)>"Cancel"</button>
                </form>
            </CardEditor>
            {has_devices.then(|| view! { <DeviceTable target_name=target_name.get_value() devices=user.devices revision /> })}
            {(!has_devices).then(|| view! { <p class="hint">"No devices: this user cannot be notified yet."</p> })}
            <details class="add">
                <summary>"Add a device"</summary>
                <AddDeviceForm target_name=target_name.get_value() revision />
            </details>
        </EditableCard>
    }
}
