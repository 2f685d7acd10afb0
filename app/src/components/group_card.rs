//! One group on the People page: its members in notification order and its escalation
//! delay, with editing and deactivation.

use leptos::prelude::*;

use super::{
    editable_card::{CardDetails, CardEditor, EditableCard},
    feedback::{failure, reload_after},
    fields::{Field, seconds},
    member_picker::MemberPicker,
};
use crate::{
    api::people::UpdateGroup,
    format::duration,
    model::people::{Group, GroupPatch},
};

#[component]
pub fn GroupCard(group: Group, users: Vec<String>, revision: RwSignal<usize>) -> impl IntoView {
    let update = ServerAction::<UpdateGroup>::new();
    reload_after(update.into(), revision);
    let editing = RwSignal::new(false);
    let members = RwSignal::new(group.members.clone());
    let escalation = RwSignal::new(group.escalation_seconds.to_string());
    let target_name = StoredValue::new(group.target_name.clone());
    let send = move |patch: GroupPatch| {
        update.dispatch(UpdateGroup { target_name: target_name.get_value(), patch });
    };
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        send(GroupPatch { members: Some(members.get_untracked()), escalation_seconds: Some(seconds(&escalation.get_untracked())), active: None });
    };
    let users = StoredValue::new(users);
    let listed = group.members.iter().map(|member| view! { <li>{member.clone()}</li> }).collect_view();
    let nobody = group.members.is_empty();
    view! {
        <EditableCard
            title=group.target_name.clone()
            name=group.target_name.clone()
            active=group.active
            editing
            on_activate=Callback::new(move |active| send(GroupPatch { active: Some(active), ..GroupPatch::default() }))
            error=failure(update.into())
        >
            <CardDetails slot>{format!("Escalates after {} without a response", duration(group.escalation_seconds))}</CardDetails>
            <CardEditor slot>
                <form class="stack" on:submit=save aria-label="Edit group">
                    <MemberPicker members users=users.get_value() />
                    <Field label="Escalation delay (s)" hint="How long a member has to respond before the next one is notified.">
                        <input type="number" min="0" bind:value=escalation />
                    </Field>
                    <div class="form-actions">
                        <button type="submit" class="primary">"Save"</button>
                        <button type="button" on:click=move |_| editing.set(false)>"Cancel"</button>
                    </div>
                </form>
            </CardEditor>
            <ol class="members plain" class:hidden=move || editing.get()>{listed}</ol>
            {nobody.then(|| view! { <p class="hint">"No members: alerts to this group reach nobody."</p> })}
        </EditableCard>
    }
}
