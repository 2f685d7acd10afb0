//! Choosing an alert's recipients: every user and group as a checkbox, in the order they
//! were ticked, with inactive ones marked (targeting them is how a recipient failure shows).

use leptos::prelude::*;
use leptos_router::components::A;

use crate::{api::people::People, format::duration};

fn toggle(chosen: RwSignal<Vec<String>>, name: &str, on: bool) {
    chosen.update(|chosen| {
        chosen.retain(|picked| picked != name);
        if on {
            chosen.push(name.to_string());
        }
    });
}

/// One ticked-or-not recipient with its description.
fn option(chosen: RwSignal<Vec<String>>, name: String, title: String, detail: String, active: bool) -> impl IntoView {
    let checked = {
        let name = name.clone();
        move || chosen.with(|chosen| chosen.contains(&name))
    };
    view! {
        <label class="pick" class:inactive=!active>
            <input
                type="checkbox"
                prop:checked=checked
                on:change=move |ev| toggle(chosen, &name, event_target_checked(&ev))
            />
            <span class="pick-title">{title}</span>
            <span class="pick-detail">{detail}</span>
        </label>
    }
}

#[component]
pub fn RecipientPicker(people: People, chosen: RwSignal<Vec<String>>) -> impl IntoView {
    let nobody = people.users.is_empty() && people.groups.is_empty();
    let users = people
        .users
        .into_iter()
        .map(|user| {
            let full_name = format!("{} {}", user.first_name, user.last_name).trim().to_string();
            let title = if full_name.is_empty() { user.target_name.clone() } else { full_name };
            let devices = user.devices.iter().filter(|device| device.active).count();
            let mut detail = format!("{} · {devices} active device{}", user.target_name, if devices == 1 { "" } else { "s" });
            if !user.active {
                detail.push_str(" · inactive");
            }
            option(chosen, user.target_name, title, detail, user.active)
        })
        .collect_view();
    let groups = people
        .groups
        .into_iter()
        .map(|group| {
            let mut detail = format!("group · {} members · escalates after {}", group.members.len(), duration(group.escalation_seconds));
            if !group.active {
                detail.push_str(" · inactive");
            }
            option(chosen, group.target_name.clone(), group.target_name, detail, group.active)
        })
        .collect_view();
    view! {
        <fieldset class="picker">
            <legend>"Recipients"</legend>
            <div class="picker-list">{users}{groups}</div>
            {nobody.then(|| view! { <p class="field-hint">"Nobody to notify yet: add users and groups on the " <A href="/people">"People"</A> " page."</p> })}
        </fieldset>
    }
}
