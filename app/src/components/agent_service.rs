//! The Integration Service of a "Send to Integration Agent" action, picked from the
//! services the registered agents offer (what `outflow agent --service NAME=…` serves); a
//! saved service no agent offers any more stays offered, marked, so opening an integration
//! never changes it.

use leptos::prelude::*;

use super::feedback::loaded;
use crate::{api::agents::list_agents, model::agents::Agent};

/// The services to offer: every agent's, once each, by name; and `current` when none offers it.
fn offered_services(agents: &[Agent], current: &str) -> Vec<(String, bool)> {
    let mut services: Vec<&str> = agents.iter().flat_map(|agent| agent.services.iter().map(String::as_str)).collect();
    services.sort_unstable();
    services.dedup();
    let mut offered: Vec<(String, bool)> = services.into_iter().map(|service| (service.to_string(), true)).collect();
    if !current.is_empty() && !offered.iter().any(|(service, _)| service == current) {
        offered.insert(0, (current.to_string(), false));
    }
    offered
}

#[component]
pub fn ServicePicker(service: RwSignal<String>) -> impl IntoView {
    let agents = Resource::new(|| (), |_| list_agents());
    let picker = move || {
        Suspend::new(async move {
            loaded(agents.await.map(|agents| {
                let offered = offered_services(&agents, &service.get_untracked());
                if offered.is_empty() {
                    return view! {
                        <select disabled aria-label="Integration service"><option>"No agent offers a service yet"</option></select>
                        <span class="field-hint">"Register an Integration Agent with its services on the Agents page first."</span>
                    }
                    .into_any();
                }
                if service.get_untracked().is_empty() {
                    service.set(offered[0].0.clone());
                }
                let options = offered
                    .into_iter()
                    .map(|(name, served)| {
                        let text = if served { name.clone() } else { format!("{name} (no agent offers it now)") };
                        let selected = name == service.get_untracked();
                        view! { <option value=name selected=selected>{text}</option> }
                    })
                    .collect_view();
                view! {
                    <select aria-label="Integration service" on:change=move |ev| service.set(event_target_value(&ev))>{options}</select>
                }
                .into_any()
            }))
        })
    };
    view! { <Transition fallback=|| view! { <select disabled></select> }>{picker}</Transition> }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agent(services: &[&str]) -> Agent {
        Agent {
            id: "ag_1".into(),
            name: "Edge".into(),
            services: services.iter().map(|service| service.to_string()).collect(),
            version: None,
            online: true,
            last_heartbeat_at: None,
            queue_depth: 0,
            users: vec![],
            created_at: String::new(),
        }
    }

    #[test]
    fn every_agents_services_are_offered_once_and_a_saved_one_stays() {
        let agents = [agent(&["ServiceNow", "Jira"]), agent(&["Jira"])];
        let names = |current: &str| offered_services(&agents, current);
        assert_eq!(names(""), [("Jira".to_string(), true), ("ServiceNow".to_string(), true)]);
        assert_eq!(names("Jira").len(), 2);
        assert_eq!(names("Legacy")[0], ("Legacy".to_string(), false));
        assert!(offered_services(&[], "").is_empty());
    }
}
