//! The People page: users with their devices, and groups with ordered members and
//! escalation; creating, editing and deactivating each. Every change reloads the lists.

use leptos::prelude::*;

use crate::{
    api::people::{CreateGroup, CreateUser, People, list_people},
    components::{
        empty_state::EmptyState,
        feedback::{ErrorMessage, failure, loaded, reload_after},
        fields::{Field, seconds},
        group_card::GroupCard,
        member_picker::MemberPicker,
        page::PageHeader,
        user_card::{UserCard, UserFields},
    },
    model::people::{NewGroup, NewUser, Role},
};

#[component]
pub fn PeoplePage() -> impl IntoView {
    // Grows with every saved change; the lists reload when it does.
    let revision = RwSignal::new(0_usize);
    let people = Resource::new(move || revision.get(), |_| list_people());
    let content = move || Suspend::new(async move { loaded(people.await.map(|people| view! { <PeopleColumns people revision /> })) });
    view! {
        <PageHeader title="People" summary="Users, their devices, and groups with escalation." />
        <Transition fallback=|| view! { <p class="loading">"Loading people…"</p> }>{content}</Transition>
    }
}

#[component]
fn PeopleColumns(people: People, revision: RwSignal<usize>) -> impl IntoView {
    let user_names: Vec<String> = people.users.iter().map(|user| user.target_name.clone()).collect();
    let no_users = people.users.is_empty();
    let no_groups = people.groups.is_empty();
    let users = people.users.into_iter().map(|user| view! { <UserCard user revision /> }).collect_view();
    let groups = {
        let user_names = user_names.clone();
        people.groups.into_iter().map(|group| view! { <GroupCard group users=user_names.clone() revision /> }).collect_view()
    };
    view! {
        <div class="split people">
            <section class="stack" aria-label="Users">
                <h2>"Users"</h2>
                <NewUserForm revision />
                {no_users.then(|| view! {
                    <EmptyState title="No users yet">
                        <p>"Users receive notifications on their devices and respond to them."</p>
                    </EmptyState>
                })}
                {users}
            </section>
            <section class="stack" aria-label="Groups">
                <h2>"Groups"</h2>
                <NewGroupForm users=user_names revision />
                {no_groups.then(|| view! {
                    <EmptyState title="No groups yet">
                        <p>"Groups notify their members in order and escalate to the next one when nobody answers in time."</p>
                    </EmptyState>
                })}
                {groups}
            </section>
        </div>
    }
}

#[component]
fn NewUserForm(revision: RwSignal<usize>) -> impl IntoView {
    let action = ServerAction::<CreateUser>::new();
    reload_after(action.into(), revision);
    let target_name = RwSignal::new(String::new());
    let first_name = RwSignal::new(String::new());
    let last_name = RwSignal::new(String::new());
    let roles = RwSignal::new(vec![Role::Responder]);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let input = NewUser {
            target_name: target_name.get_untracked(),
            first_name: first_name.get_untracked(),
            last_name: last_name.get_untracked(),
            roles: roles.get_untracked(),
        };
        action.dispatch(CreateUser { input });
    };
    view! {
        <details class="panel add">
            <summary>"New user"</summary>
            <form class="stack" on:submit=submit>
                <div class="row">
                    <Field label="Login name (targetName)">
                        <input type="text" bind:value=target_name placeholder="mmcbride" />
                    </Field>
                    <UserFields first_name last_name roles />
                </div>
                <div class="form-actions">
                    <button type="submit" class="primary" disabled=move || action.pending().get()>"Create user"</button>
                </div>
                <ErrorMessage message=failure(action.into()) />
            </form>
        </details>
    }
}

#[component]
fn NewGroupForm(users: Vec<String>, revision: RwSignal<usize>) -> impl IntoView {
    let action = ServerAction::<CreateGroup>::new();
    reload_after(action.into(), revision);
    let target_name = RwSignal::new(String::new());
    let members = RwSignal::new(Vec::<String>::new());
    let escalation = RwSignal::new("300".to_string());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let input = NewGroup {
            target_name: target_name.get_untracked(),
            members: members.get_untracked(),
            escalation_seconds: seconds(&escalation.get_untracked()),
        };
        action.dispatch(CreateGroup { input });
    };
    view! {
        <details class="panel add">
            <summary>"New group"</summary>
            <form class="stack" on:submit=submit>
                <Field label="Group name (targetName)">
                    <input type="text" bind:value=target_name placeholder="Database-Team" />
                </Field>
                <div class="field">
                    <span class="field-label">"Members, in notification order"</span>
                    <MemberPicker members users />
                </div>
                <Field label="Escalation delay (s)" hint="How long a member has to respond before the next one is notified.">
                    <input type="number" min="0" bind:value=escalation />
                </Field>
                <div class="form-actions">
                    <button type="submit" class="primary" disabled=move || action.pending().get()>"Create group"</button>
                </div>
                <ErrorMessage message=failure(action.into()) />
            </form>
        </details>
    }
}
