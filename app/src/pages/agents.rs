//! The Agents page: every Integration Agent with online/offline, last heartbeat, version,
//! services and queue depth, refreshed while the page is open. Admins register agents here
//! and see each new token once, with the command that starts the agent.

use leptos::prelude::*;

use crate::{
    api::{
        agents::{RegisterAgent, list_agents},
        session::signed_in_user,
    },
    components::{
        badge::{Badge, Tone},
        empty_state::EmptyState,
        feedback::{ErrorMessage, failure, loaded, reload_after},
        fields::Field,
        page::PageHeader,
        polling::{LIVE_REFRESH, refresh_every},
        secret_reveal::SecretReveal,
        table::DataTable,
    },
    format::{date_of, time_of_day},
    model::agents::{Agent, NewAgent},
};

#[component]
pub fn AgentsPage() -> impl IntoView {
    // Grows with every registration; the list reloads when it does.
    let revision = RwSignal::new(0_usize);
    let agents = Resource::new(move || revision.get(), |_| list_agents());
    refresh_every(LIVE_REFRESH, move || agents.refetch());
    let user = Resource::new(|| (), |_| signed_in_user());
    let register = move || {
        Suspend::new(async move {
            let is_admin = user.await.ok().flatten().is_some_and(|user| user.roles.iter().any(|role| role == "admin"));
            is_admin.then(|| view! { <RegisterAgentForm revision /> })
        })
    };
    let listing = move || Suspend::new(async move { loaded(agents.await.map(|agents| view! { <AgentList agents /> })) });
    view! {
        <PageHeader title="Agents" summary="Integration Agents run integrations inside private networks: they connect out to Outflow, take their work and report back." />
        <Suspense fallback=|| ()>{register}</Suspense>
        <section class="panel">
            <Transition fallback=|| view! { <p class="loading">"Loading agents…"</p> }>{listing}</Transition>
        </section>
    }
}

#[component]
fn AgentList(agents: Vec<Agent>) -> impl IntoView {
    if agents.is_empty() {
        return view! {
            <EmptyState title="No agents yet">
                <p>"Register an agent, then start it inside your network with "<code>"outflow agent --server URL --token TOKEN"</code>"."</p>
            </EmptyState>
        }
        .into_any();
    }
    let rows = agents.into_iter().map(|agent| view! { <AgentRow agent /> }).collect_view();
    view! { <DataTable label="Agents" headers=&["Agent", "State", "Last heartbeat", "Version", "Services", "Queue", "Users"]>{rows}</DataTable> }
        .into_any()
}

#[component]
fn AgentRow(agent: Agent) -> impl IntoView {
    let (tone, state) = if agent.online { (Tone::Ok, "online") } else { (Tone::Muted, "offline") };
    let heartbeat = agent.last_heartbeat_at.as_deref().map_or_else(|| "never".to_string(), |at| format!("{} {}", date_of(at), time_of_day(at)));
    let services = if agent.services.is_empty() { "—".to_string() } else { agent.services.join(", ") };
    let users = if agent.users.is_empty() { "—".to_string() } else { agent.users.join(", ") };
    let id = agent.id.clone();
    view! {
        <tr data-agent=id>
            <td><strong>{agent.name}</strong><br /><code class="sub">{agent.id}</code></td>
            <td><Badge tone text=state /></td>
            <td>{heartbeat}</td>
            <td>{agent.version.unwrap_or_else(|| "—".into())}</td>
            <td>{services}</td>
            <td>{agent.queue_depth}</td>
            <td>{users}</td>
        </tr>
    }
}

#[component]
fn RegisterAgentForm(revision: RwSignal<usize>) -> impl IntoView {
    let action = ServerAction::<RegisterAgent>::new();
    reload_after(action.into(), revision);
    let name = RwSignal::new(String::new());
    let services = RwSignal::new(String::new());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let services = services.get_untracked().split(',').map(str::trim).filter(|service| !service.is_empty()).map(str::to_string).collect();
        action.dispatch(RegisterAgent { input: NewAgent { name: name.get_untracked(), services } });
    };
    let created = move || {
        action.value().get().and_then(Result::ok).map(|created| {
            let command = format!("outflow agent --server <this Outflow's URL> --token {}", created.token);
            view! {
                <SecretReveal title="Agent registered" label="Token" secret=created.token use_hint="Start the agent with it inside your network." />
                <p class="sub">"Start it with: "<code>{command}</code></p>
            }
        })
    };
    view! {
        <details class="panel add">
            <summary>"Register an agent"</summary>
            <form class="stack" on:submit=submit>
                <div class="row">
                    <Field label="Name">
                        <input type="text" bind:value=name placeholder="dc-east" />
                    </Field>
                    <Field label="Services" hint="Integration service names it serves, comma-separated.">
                        <input type="text" bind:value=services placeholder="ticketing, chat" />
                    </Field>
                </div>
                <div class="form-actions">
                    <button type="submit" class="primary" disabled=move || action.pending().get()>"Register agent"</button>
                </div>
                <ErrorMessage message=failure(action.into()) />
            </form>
            {created}
        </details>
    }
}
