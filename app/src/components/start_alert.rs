//! The "Start an alert" form: pick a form, fill its properties (an input per property
//! type), tick recipients, choose a priority. The store checks everything again.

use leptos::prelude::*;
use leptos_router::components::A;
use serde_json::{Map, Value};

use super::{
    empty_state::NoFormYet,
    feedback::{ErrorMessage, failure},
    fields::{Choice, Field},
    recipient_picker::RecipientPicker,
};
use crate::{
    api::{alerts::StartAlert, people::People, workflows::WorkflowForms},
    format::form_label,
    model::{
        alerts::{NewAlert, Priority},
        forms::{Form, PropertyDef, PropertyKind},
    },
};

/// The value being typed for one property, held the way its input edits it.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Entry {
    Text(RwSignal<String>),
    Flag(RwSignal<bool>),
    Pick(RwSignal<Option<String>>),
}

impl Entry {
    fn for_kind(kind: PropertyKind) -> Entry {
        match kind {
            PropertyKind::Text | PropertyKind::Number => Entry::Text(RwSignal::new(String::new())),
            PropertyKind::Boolean => Entry::Flag(RwSignal::new(false)),
            PropertyKind::List => Entry::Pick(RwSignal::new(None)),
        }
    }

    /// The value to send; `None` leaves the property out. Numbers go as typed: the store
    /// parses them and says so when it cannot.
    fn value(self) -> Option<Value> {
        match self {
            Entry::Text(text) => text.with_untracked(|text| {
                let text = text.trim();
                (!text.is_empty()).then(|| Value::String(text.to_string()))
            }),
            Entry::Flag(flag) => Some(Value::Bool(flag.get_untracked())),
            Entry::Pick(pick) => pick.get_untracked().map(Value::String),
        }
    }
}

fn property_input(definition: PropertyDef, entry: Entry) -> impl IntoView {
    let name = definition.name;
    match entry {
        Entry::Text(text) => {
            let number = definition.kind == PropertyKind::Number;
            view! {
                <Field label=name>
                    <input type=if number { "number" } else { "text" } step=number.then_some("any") bind:value=text />
                </Field>
            }
            .into_any()
        }
        Entry::Flag(flag) => view! {
            <label class="check">
                <input type="checkbox" bind:checked=flag />
                <span>{name}</span>
            </label>
        }
        .into_any(),
        Entry::Pick(pick) => {
            let options =
                std::iter::once((None, "—".to_string())).chain(definition.values.into_iter().map(|value| (Some(value.clone()), value))).collect();
            view! {
                <Field label=name>
                    <Choice value=pick options />
                </Field>
            }
            .into_any()
        }
    }
}

#[component]
pub fn StartAlertForm(workflows: Vec<WorkflowForms>, people: People, action: ServerAction<StartAlert>) -> impl IntoView {
    let forms: Vec<(Form, String)> =
        workflows.iter().flat_map(|listing| listing.forms.iter().map(|form| (form.clone(), form_label(&listing.workflow.name, form)))).collect();
    let Some(first) = forms.iter().find(|(form, _)| form.enabled).or(forms.first()).map(|(form, _)| form.id.clone()) else {
        return view! { <NoFormYet text="No form to start an alert from yet." /> }.into_any();
    };
    let form_id = RwSignal::new(first);
    let forms = StoredValue::new(forms);
    // A fresh entry per property whenever another form is picked.
    let entries = Memo::new(move |_| {
        let id = form_id.get();
        forms.with_value(|forms| {
            forms
                .iter()
                .find(|(form, _)| form.id == id)
                .map(|(form, _)| form.properties.iter().map(|definition| (definition.clone(), Entry::for_kind(definition.kind))).collect())
                .unwrap_or_else(Vec::<(PropertyDef, Entry)>::new)
        })
    });
    let recipients = RwSignal::new(Vec::<String>::new());
    let priority = RwSignal::new(Priority::Medium);

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let properties: Map<String, Value> =
            entries.get_untracked().into_iter().filter_map(|(definition, entry)| entry.value().map(|value| (definition.name, value))).collect();
        let input =
            NewAlert { form_id: form_id.get_untracked(), properties, recipients: recipients.get_untracked(), priority: priority.get_untracked() };
        action.dispatch(StartAlert { input });
    };
    let started = move || {
        action.value().with(|value| match value {
            Some(Ok(alert)) if !action.pending().get() => {
                let id = alert.summary.event_identifier;
                Some(view! {
                    <p class="notice" role="status">
                        "Started " <A href=format!("/alerts/{id}")>{format!("alert #{id}")}</A>
                    </p>
                })
            }
            _ => None,
        })
    };
    let form_options = forms.with_value(|forms| forms.iter().map(|(form, label)| (form.id.clone(), label.clone())).collect());
    let priorities =
        [Priority::Low, Priority::Medium, Priority::High].into_iter().map(|priority| (priority, priority.key().to_lowercase())).collect();
    view! {
        <form class="stack" on:submit=submit>
            <Field label="Form">
                <Choice value=form_id options=form_options />
            </Field>
            <div class="properties">
                {move || entries.get().into_iter().map(|(definition, entry)| property_input(definition, entry)).collect_view()}
            </div>
            <RecipientPicker people chosen=recipients />
            <Field label="Priority">
                <Choice value=priority options=priorities />
            </Field>
            <div class="form-actions">
                <button type="submit" class="primary" disabled=move || action.pending().get()>
                    {move || if action.pending().get() { "Starting…" } else { "Start alert" }}
                </button>
                {started}
            </div>
            <ErrorMessage message=failure(action.into()) />
        </form>
    }
    .into_any()
}
