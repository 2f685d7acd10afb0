//! The form editor: a form's name and enabled flag, its properties (name, type, whether
//! integrations receive it, the values of a list) and its response options (choice and
//! action). Saving sends the whole form; the store checks names, duplicates and lists.

use leptos::prelude::*;

use super::{
    feedback::{ErrorMessage, failure},
    fields::{Choice, Field},
};
use crate::{
    api::workflows::{FormSlot, SaveForm},
    model::{
        forms::{Form, NewForm, PropertyDef, PropertyKind, ResponseAction, ResponseOption},
        workflows::Workflow,
    },
};

/// What the editor is open on: a new form of a workflow, or one of its forms.
#[derive(Clone, Debug, PartialEq)]
pub struct Editing {
    pub workflow: Workflow,
    pub form: Option<Form>,
}

/// A row of the editor: made from an item, with a stable key, turned back into an item.
trait EditorRow: Copy + Send + Sync + 'static {
    type Item;
    fn new(key: usize, item: &Self::Item) -> Self;
    fn blank() -> Self::Item;
    fn key(self) -> usize;
    fn item(self) -> Self::Item;
}

/// One property as its row edits it.
#[derive(Clone, Copy, Debug, PartialEq)]
struct PropertyRow {
    key: usize,
    name: RwSignal<String>,
    kind: RwSignal<PropertyKind>,
    include: RwSignal<bool>,
    /// A list's values, comma separated.
    values: RwSignal<String>,
}

impl EditorRow for PropertyRow {
    type Item = PropertyDef;

    fn new(key: usize, property: &PropertyDef) -> Self {
        PropertyRow {
            key,
            name: RwSignal::new(property.name.clone()),
            kind: RwSignal::new(property.kind),
            include: RwSignal::new(property.include_in_outbound),
            values: RwSignal::new(property.values.join(", ")),
        }
    }

    fn blank() -> PropertyDef {
        PropertyDef { name: String::new(), kind: PropertyKind::Text, include_in_outbound: true, values: Vec::new() }
    }

    fn key(self) -> usize {
        self.key
    }

    fn item(self) -> PropertyDef {
        let kind = self.kind.get_untracked();
        let values = if kind == PropertyKind::List {
            self.values.with_untracked(|values| values.split(',').map(str::trim).filter(|value| !value.is_empty()).map(str::to_string).collect())
        } else {
            Vec::new()
        };
        PropertyDef { name: self.name.get_untracked(), kind, include_in_outbound: self.include.get_untracked(), values }
    }
}

/// One response option as its row edits it.
#[derive(Clone, Copy, Debug, PartialEq)]
struct ResponseRow {
    key: usize,
    choice: RwSignal<String>,
    action: RwSignal<ResponseAction>,
}

impl EditorRow for ResponseRow {
    type Item = ResponseOption;

    fn new(key: usize, option: &ResponseOption) -> Self {
        ResponseRow { key, choice: RwSignal::new(option.choice.clone()), action: RwSignal::new(option.action) }
    }

    fn blank() -> ResponseOption {
        ResponseOption { choice: String::new(), action: ResponseAction::None }
    }

    fn key(self) -> usize {
        self.key
    }

    fn item(self) -> ResponseOption {
        ResponseOption { choice: self.choice.get_untracked(), action: self.action.get_untracked() }
    }
}

/// The editable rows of one list, with stable keys so removing a row keeps the others' inputs.
#[derive(Clone, Copy)]
struct Rows<R: EditorRow> {
    rows: RwSignal<Vec<R>>,
    next_key: StoredValue<usize>,
}

impl<R: EditorRow> Rows<R> {
    fn new(items: &[R::Item]) -> Self {
        Rows { rows: RwSignal::new(items.iter().enumerate().map(|(key, item)| R::new(key, item)).collect()), next_key: StoredValue::new(items.len()) }
    }

    fn add_blank(self) {
        let key = self.next_key.get_value();
        self.next_key.set_value(key + 1);
        self.rows.update(|rows| rows.push(R::new(key, &R::blank())));
    }

    fn remove(self, key: usize) {
        self.rows.update(|rows| rows.retain(|row| row.key() != key));
    }

    fn items(self) -> Vec<R::Item> {
        self.rows.get_untracked().into_iter().map(R::item).collect()
    }
}

/// One list of the form (properties or responses): its rows and a button to add one.
fn row_group<R: EditorRow>(
    legend: &'static str,
    hint: &'static str,
    add_label: &'static str,
    rows: Rows<R>,
    row_view: fn(Rows<R>, R) -> AnyView,
) -> impl IntoView {
    view! {
        <fieldset class="editor-group">
            <legend>{legend}</legend>
            <p class="field-hint">{hint}</p>
            <For each=move || rows.rows.get() key=|row| row.key() children=move |row| row_view(rows, row) />
            <button type="button" on:click=move |_| rows.add_blank()>{add_label}</button>
        </fieldset>
    }
}

fn property_row(rows: Rows<PropertyRow>, row: PropertyRow) -> AnyView {
    let kinds = PropertyKind::ALL.into_iter().map(|kind| (kind, kind.key().to_string())).collect();
    let not_a_list = move || row.kind.get() != PropertyKind::List;
    view! {
        <div class="editor-row properties-row">
            <input type="text" aria-label="Property name" placeholder="e.g. severity" bind:value=row.name />
            <Choice value=row.kind options=kinds label="Property type".to_string() />
            <label class="check">
                <input type="checkbox" bind:checked=row.include />
                <span>"In outbound"</span>
            </label>
            <input
                type="text"
                aria-label="List values"
                placeholder=move || if not_a_list() { "only for lists" } else { "low, medium, high" }
                disabled=not_a_list
                bind:value=row.values
            />
            <button type="button" class="icon" title="Remove property" on:click=move |_| rows.remove(row.key)>
                "✕"
            </button>
        </div>
    }
    .into_any()
}

fn response_row(rows: Rows<ResponseRow>, row: ResponseRow) -> AnyView {
    let actions = ResponseAction::ALL.into_iter().map(|action| (action, action.label().to_string())).collect();
    view! {
        <div class="editor-row responses-row">
            <input type="text" aria-label="Response choice" placeholder="e.g. Accept" bind:value=row.choice />
            <Choice value=row.action options=actions label="Response action".to_string() />
            <button type="button" class="icon" title="Remove response" on:click=move |_| rows.remove(row.key)>
                "✕"
            </button>
        </div>
    }
    .into_any()
}

#[component]
pub fn FormEditor(
    editing: Editing,
    action: ServerAction<SaveForm>,
    /// Closes the editor without saving.
    on_close: Callback<()>,
) -> impl IntoView {
    let Editing { workflow, form } = editing;
    let slot = match &form {
        Some(form) => FormSlot::Existing { form_id: form.id.clone() },
        None => FormSlot::New { workflow_id: workflow.id.clone() },
    };
    let heading = match &form {
        Some(form) => format!("{} › {}", workflow.name, form.name),
        None => format!("New form in {}", workflow.name),
    };
    let name = RwSignal::new(form.as_ref().map(|form| form.name.clone()).unwrap_or_default());
    let enabled = RwSignal::new(form.as_ref().is_none_or(|form| form.enabled));
    let properties = Rows::<PropertyRow>::new(form.as_ref().map_or(&[][..], |form| &form.properties));
    let responses = Rows::<ResponseRow>::new(form.as_ref().map_or(&[][..], |form| &form.responses));
    let saved_here = {
        let form_id = form.as_ref().map(|form| form.id.clone());
        move || !action.pending().get() && action.value().with(|value| matches!(value, Some(Ok(saved)) if Some(&saved.id) == form_id.as_ref()))
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let form =
            NewForm { name: name.get_untracked(), enabled: enabled.get_untracked(), properties: properties.items(), responses: responses.items() };
        action.dispatch(SaveForm { slot: slot.clone(), form });
    };
    view! {
        <form class="panel stack form-editor" on:submit=submit aria-label="Form editor">
            <h2>{heading}</h2>
            <div class="row">
                <Field label="Form name">
                    <input type="text" bind:value=name placeholder="e.g. Major incident" />
                </Field>
                <label class="check">
                    <input type="checkbox" bind:checked=enabled />
                    <span>"Enabled"</span>
                </label>
            </div>
            {row_group(
                "Properties",
                "Values an alert carries. \"In outbound\" sends the value to integrations (eventProperties).",
                "+ Add property",
                properties,
                property_row,
            )}
            {row_group(
                "Response options",
                "What recipients can answer, and what each answer does to the alert.",
                "+ Add response",
                responses,
                response_row,
            )}
            <div class="form-actions">
                <button type="submit" class="primary" disabled=move || action.pending().get()>"Save form"</button>
                <button type="button" on:click=move |_| on_close.run(())>"Close"</button>
                {move || saved_here().then(|| view! { <p class="notice" role="status">"Saved."</p> })}
            </div>
            <ErrorMessage message=failure(action.into()) />
        </form>
    }
}
