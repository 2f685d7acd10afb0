//! Where an integration runs (SPEC §4 "Location"): the cloud, or the Integration Agents
//! ticked here. Every registered agent is shown; only those the signed-in user is
//! registered to (admins too) can be ticked, as the server's rule says (an agent already
//! chosen can still be unticked).

use leptos::prelude::*;

use crate::{
    api::{agents::list_agents, session::signed_in_user},
    components::feedback::loaded,
    model::{agents::Agent, integrations::Location},
};

/// Whether `user` may pick the agent: they are registered to it.
fn selectable(agent: &Agent, user: &str) -> bool {
    agent.users.iter().any(|registered| registered == user)
}

/// `location` with agent `id` added (`on`) or removed; no agents left means the cloud.
fn toggled(location: &Location, id: &str, on: bool) -> Location {
    let mut agents = match location {
        Location::Agents { agents } => agents.clone(),
        Location::Cloud => Vec::new(),
    };
    agents.retain(|agent| agent != id);
    if on {
        agents.push(id.to_string());
    }
    if agents.is_empty() { Location::Cloud } else { Location::Agents { agents } }
}

#[component]
pub fn LocationPicker(location: RwSignal<Location>) -> impl IntoView {
    let agents = Resource::new(|| (), |_| list_agents());
    let user = Resource::new(|| (), |_| signed_in_user());
    let choices = move || {
        Suspend::new(async move {
            let user = user.await.ok().flatten().map(|user| user.target_name).unwrap_or_default();
            loaded(agents.await.map(|agents| {
                if agents.is_empty() {
                    return view! {
                        <p class="hint">"Runs in the cloud, on this Outflow server. Register an Integration Agent on the Agents page to run it inside a private network."</p>
                    }
                    .into_any();
                }
                let boxes = agents
                    .into_iter()
                    .map(|agent| {
                        let (id, toggle_id, held) = (agent.id.clone(), agent.id.clone(), agent.id.clone());
                        let checked = move || location.with(|location| matches!(location, Location::Agents { agents } if agents.contains(&id)));
                        let registered = selectable(&agent, &user);
                        let held = move || location.with(|location| matches!(location, Location::Agents { agents } if agents.contains(&held)));
                        let state = if agent.online { "online" } else { "offline" };
                        view! {
                            <label class="check" class:unavailable=!registered title=(!registered).then_some("You are not registered to this agent; an admin can register you on the Agents page.")>
                                <input
                                    type="checkbox"
                                    prop:checked=checked
                                    disabled=move || !registered && !held()
                                    on:change=move |ev| location.update(|location| *location = toggled(location, &toggle_id, event_target_checked(&ev)))
                                />
                                <span>{agent.name}" ("{state}")"</span>
                                {(!registered).then(|| view! { <span class="sub">" — not registered to you"</span> })}
                            </label>
                        }
                    })
                    .collect_view();
                view! {
                    <fieldset class="field">
                        <legend class="field-label">"Run on Integration Agents"</legend>
                        <p class="field-hint">"Leave all unticked to run in the cloud, on this Outflow server. Only agents you are registered to can be picked."</p>
                        {boxes}
                    </fieldset>
                }
                .into_any()
            }))
        })
    };
    view! { <Transition fallback=|| ()>{choices}</Transition> }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticking_agents_moves_off_the_cloud_and_unticking_the_last_returns() {
        let one = toggled(&Location::Cloud, "ag_1", true);
        assert_eq!(one, Location::Agents { agents: vec!["ag_1".into()] });
        let two = toggled(&one, "ag_2", true);
        assert_eq!(toggled(&two, "ag_1", false), Location::Agents { agents: vec!["ag_2".into()] });
        assert_eq!(toggled(&one, "ag_1", false), Location::Cloud);
    }

    #[test]
    fn only_registered_users_may_pick_an_agent() {
        let agent = Agent {
            id: "ag_1".into(),
            name: "Edge".into(),
            services: vec![],
            version: None,
            online: true,
            last_heartbeat_at: None,
            queue_depth: 0,
            users: vec!["dana".into()],
            created_at: String::new(),
        };
        assert!(selectable(&agent, "dana"));
        assert!(!selectable(&agent, "admin"), "admins too pick only agents they are registered to");
    }
}
