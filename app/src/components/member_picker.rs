//! Editing a group's members in order: the ordered list with move and remove buttons, and
//! a select to append any user not in it yet.

use leptos::prelude::*;

#[component]
pub fn MemberPicker(
    /// Member targetNames in notification order.
    members: RwSignal<Vec<String>>,
    /// Every user's targetName.
    users: Vec<String>,
) -> impl IntoView {
    let shift = move |index: usize, up: bool| {
        members.update(|members| {
            let other = if up { index.checked_sub(1) } else { Some(index + 1) };
            if let Some(other) = other.filter(|other| *other < members.len()) {
                members.swap(index, other);
            }
        })
    };
    let listed = move || {
        let current = members.get();
        let last = current.len().saturating_sub(1);
        current
            .into_iter()
            .enumerate()
            .map(|(index, name)| {
                let remove = name.clone();
                view! {
                    <li class="member">
                        <span class="member-rank">{index + 1}</span>
                        <span class="member-name">{name.clone()}</span>
                        <button type="button" class="icon" title=format!("Move {name} up") disabled=index == 0 on:click=move |_| shift(index, true)>"↑"</button>
                        <button type="button" class="icon" title=format!("Move {name} down") disabled=index == last on:click=move |_| shift(index, false)>"↓"</button>
                        <button type="button" class="icon" title=format!("Remove {name}") on:click=move |_| members.update(|members| members.retain(|member| *member != remove))>"✕"</button>
                    </li>
                }
            })
            .collect_view()
    };
    let users = StoredValue::new(users);
    let addable = move || {
        let current = members.get();
        users.with_value(|users| users.iter().filter(|user| !current.contains(user)).cloned().collect::<Vec<_>>())
    };
    let add = move |ev: leptos::ev::Event| {
        let picked = event_target_value(&ev);
        if !picked.is_empty() {
            members.update(|members| members.push(picked));
        }
    };
    view! {
        <div class="member-picker">
            <ol class="members">{listed}</ol>
            {move || members.with(Vec::is_empty).then(|| view! { <p class="field-hint">"No members yet."</p> })}
            {move || {
                let options = addable();
                (!options.is_empty()).then(|| view! {
                    <select aria-label="Add member" on:change=add prop:value="">
                        <option value="" selected=true>"Add member…"</option>
                        {options.into_iter().map(|user| view! { <option value=user.clone()>{user.clone()}</option> }).collect_view()}
                    </select>
                })
            }}
        </div>
    }
}
