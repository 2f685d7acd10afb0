//! Where an integration runs (SPEC §4 "Location"): the cloud, or the Integration Agents
//! ticked here. Every registered agent is offered; the server refuses (and the form shows
//! why) an agent the user is not registered for.

use leptos::prelude::*;

use crate::{api::agents::list_agents, components::feedback::loaded, model::integrations::Location};

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
    let choices = move || {
        Suspend::new(async move {
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
                        let (id, toggle_id) = (agent.id.clone(), agent.id.clone());
                        let checked = move || location.with(|location| matches!(location, Location::Agents { agents } if agents.contains(&id)));
                        let state = if agent.online { "online" } else { "offline" };
                        view! {
                            <label class="check">
                                <input
                                    type="checkbox"
                                    prop:checked=checked
                                    on:change=move |ev| location.update(|location| *location = toggled(location, &toggle_id, event_target_checked(&ev)))
                                />
                                <span>{agent.name}" ("{state}")"</span>
                            </label>
                        }
                    })
                    .collect_view();
                view! {
                    <fieldset class="field">
                        <legend class="field-label">"Run on Integration Agents"</legend>
                        <p class="field-hint">"Leave all unticked to run in the cloud, on this Outflow server."</p>
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
}
