//! The palette: the form's trigger nodes and the whole step catalogue, searchable. Entries
//! are dragged onto the canvas (HTML drag and drop), or added at the centre with Enter.

use leptos::{ev, prelude::*};

use super::{
    Designer,
    canvas::{DRAG_TYPE, add_from_palette, visible_centre},
};
use crate::model::{flows::STEPS, trigger::Trigger};

#[derive(Clone)]
struct Entry {
    payload: String,
    name: String,
    category: &'static str,
    description: String,
}

const CATEGORIES: [&str; 4] = ["Triggers", "Integrations", "Logic", "Outflow"];

/// Every trigger of the form: those with an integration first (dropping one without creates
/// the integration), then the Responses trigger when the form has response choices.
fn entries(designer: Designer) -> Vec<Entry> {
    let integrations = designer.integrations.get_untracked();
    let has_responses = designer.data.with_value(|data| !data.choices.is_empty());
    let integration_of = |trigger: Trigger| integrations.iter().find(|integration| integration.trigger == trigger);
    let mut triggers: Vec<Trigger> = Trigger::ALL.into_iter().filter(|trigger| !trigger.flow_native()).collect();
    triggers.sort_by_key(|trigger| integration_of(*trigger).is_none());
    if has_responses {
        triggers.push(Trigger::Responses);
    }
    let mut entries: Vec<Entry> = triggers
        .into_iter()
        .map(|trigger| Entry {
            payload: format!("trigger:{}", trigger.key()),
            name: crate::model::flows::trigger_label(trigger).to_string(),
            category: "Triggers",
            description: match integration_of(trigger) {
                _ if trigger.flow_native() => "One output per response choice of the form.".to_string(),
                Some(integration) => format!("Fires with the form's integration \"{}\".", integration.name),
                None => "No integration yet: dropping it creates one that runs flows only.".to_string(),
            },
        })
        .collect();
    entries.extend(STEPS.iter().map(|spec| Entry {
        payload: format!("step:{}", spec.key()),
        name: spec.name.to_string(),
        category: spec.category,
        description: spec.description.to_string(),
    }));
    entries
}

#[component]
pub(super) fn Palette(designer: Designer) -> impl IntoView {
    let query = RwSignal::new(String::new());
    let entries = StoredValue::new(entries(designer));
    let matches = move |entry: &Entry| {
        let query = query.get().to_lowercase();
        query.is_empty() || entry.name.to_lowercase().contains(&query) || entry.description.to_lowercase().contains(&query)
    };
    let sections = CATEGORIES
        .into_iter()
        .map(|category| {
            let items = entries.with_value(|entries| entries.iter().filter(|entry| entry.category == category).cloned().collect::<Vec<_>>());
            let any_shown = {
                let items = items.clone();
                move || items.iter().any(matches)
            };
            let list = items
                .into_iter()
                .map(|entry| {
                    let shown = {
                        let entry = entry.clone();
                        move || matches(&entry)
                    };
                    let payload = StoredValue::new(entry.payload.clone());
                    let start = move |ev: ev::DragEvent| {
                        if let Some(data) = ev.data_transfer() {
                            // Setting drag data on a live drag cannot fail.
                            let _ = payload.with_value(|payload| data.set_data(DRAG_TYPE, payload));
                            data.set_effect_allowed("copy");
                        }
                    };
                    let add = move || payload.with_value(|payload| add_from_palette(designer, payload, visible_centre(designer)));
                    view! {
                        <li
                            class="fd-palette-item"
                            class:hidden=move || !shown()
                            draggable="true"
                            tabindex="0"
                            role="button"
                            title=format!("{} Drag onto the canvas, or press Enter.", entry.description)
                            data-step=entry.payload.clone()
                            on:dragstart=start
                            on:dblclick=move |_| add()
                            on:keydown=move |ev| {
                                if ev.key() == "Enter" || ev.key() == " " {
                                    ev.prevent_default();
                                    add();
                                }
                            }
                        >
                            <span class="fd-palette-name">{entry.name.clone()}</span>
                            <span class="fd-palette-desc">{entry.description.clone()}</span>
                        </li>
                    }
                })
                .collect_view();
            view! {
                <section class="fd-palette-section" class:hidden=move || !any_shown()>
                    <h3>{category}</h3>
                    <ul>{list}</ul>
                </section>
            }
        })
        .collect_view();
    view! {
        <aside class="fd-palette" aria-label="Steps">
            <input type="search" class="fd-search" placeholder="Search steps…" aria-label="Search steps" bind:value=query />
            {sections}
        </aside>
    }
}
