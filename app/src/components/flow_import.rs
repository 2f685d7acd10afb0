//! Importing a flow on the Flows page: paste or upload a SPEC §6 export (the designer's
//! Export button writes one), checked in the browser first with the model's validation, so a
//! cycle, a dangling edge or an unknown step type is refused with the blocks named before
//! anything is sent. The server checks again. The flow goes to the form chosen on the page.

use leptos::{ev, prelude::*};
use leptos_router::hooks::use_navigate;
use serde_json::Value;

use crate::{
    api::flows::ImportFlow,
    components::feedback::{ErrorMessage, failure, on_success},
    model::{
        flows::{self, FlowDocument},
        forms::Form,
    },
};

/// Reads an export and readies it for `form`: its `formId` is replaced, its graph checked.
pub fn prepare_import(text: &str, form: &Form) -> Result<FlowDocument, String> {
    let mut value: Value = serde_json::from_str(text.trim()).map_err(|error| format!("This is not readable JSON: {error}."))?;
    let Some(object) = value.as_object_mut() else {
        return Err("An export is one JSON object with a name, blocks and edges.".into());
    };
    object.insert("formId".into(), Value::String(form.id.clone()));
    let document: FlowDocument = serde_json::from_value(value).map_err(|error| format!("This is not a flow export: {error}."))?;
    let choices: Vec<String> = form.responses.iter().map(|option| option.choice.clone()).collect();
    let validation = flows::validate(&document.blocks, &document.edges, &choices);
    if !validation.is_ok() {
        return Err(format!("Not imported: {}", validation.error_message()));
    }
    Ok(document)
}

#[component]
pub fn FlowImport(forms: Vec<Form>, form_id: RwSignal<String>) -> impl IntoView {
    let import = ServerAction::<ImportFlow>::new();
    let navigate = use_navigate();
    on_success(import.into(), move |flow| navigate(&format!("/flows/{}", flow.id), Default::default()));
    let text = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<String>);
    let forms = StoredValue::new(forms);
    let submit = move |ev: ev::SubmitEvent| {
        ev.prevent_default();
        let form = forms.with_value(|forms| forms.iter().find(|form| form.id == form_id.get_untracked()).cloned());
        let Some(form) = form else {
            problem.set(Some("Choose the form the flow belongs to.".into()));
            return;
        };
        match prepare_import(&text.get_untracked(), &form) {
            Ok(document) => {
                problem.set(None);
                import.dispatch(ImportFlow { document });
            }
            Err(message) => problem.set(Some(message)),
        }
    };
    let uploaded = move |ev: ev::Event| {
        #[cfg(feature = "browser")]
        {
            use leptos::wasm_bindgen::JsCast;
            let file = ev
                .target()
                .and_then(|target| target.dyn_into::<web_sys::HtmlInputElement>().ok())
                .and_then(|input| input.files())
                .and_then(|files| files.get(0));
            if let Some(file) = file {
                leptos::task::spawn_local(async move {
                    match wasm_bindgen_futures::JsFuture::from(file.text()).await {
                        Ok(content) => {
                            text.set(content.as_string().unwrap_or_default());
                            problem.set(None);
                        }
                        Err(_) => problem.set(Some(format!("{} could not be read.", file.name()))),
                    }
                });
            }
        }
        #[cfg(not(feature = "browser"))]
        let _ = ev;
    };
    let message = Signal::derive(move || problem.get().or_else(|| failure(import.into()).get()));
    view! {
        <details class="fd-import">
            <summary>"Import a flow from JSON"</summary>
            <form class="stack" on:submit=submit>
                <p class="hint">"Paste an export (the designer's Export button makes one) or choose its file. It is added to the form chosen above, as a new flow."</p>
                <label class="field">
                    <span class="field-label">"Export file"</span>
                    <input type="file" accept=".json,application/json" on:change=uploaded />
                </label>
                <label class="field">
                    <span class="field-label">"Flow JSON"</span>
                    <textarea class="code" rows="6" spellcheck="false" placeholder="{\"name\": \"…\", \"blocks\": [ … ], \"edges\": [ … ]}" bind:value=text></textarea>
                </label>
                <div>
                    <button type="submit" class="primary" disabled=move || import.pending().get() || text.with(|text| text.trim().is_empty())>
                        "Import flow"
                    </button>
                </div>
                <ErrorMessage message />
            </form>
        </details>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> Form {
        serde_json::from_value(serde_json::json!({
            "id": "form-2", "workflowId": "w", "name": "Major incident", "enabled": true, "properties": [], "responses": []
        }))
        .unwrap()
    }

    #[test]
    fn an_export_goes_to_the_chosen_form() {
        let text = r#"{"name": "Copy", "formId": "elsewhere", "blocks": [{"id": "t1", "kind": "trigger", "trigger": "status", "label": "Status", "position": {"x": 0, "y": 0}}], "edges": []}"#;
        let document = prepare_import(text, &form()).unwrap();
        assert_eq!((document.form_id.as_str(), document.blocks.len()), ("form-2", 1));
    }

    #[test]
    fn unreadable_text_and_broken_graphs_are_refused_naming_the_blocks() {
        assert!(prepare_import("{\"name\": ", &form()).unwrap_err().starts_with("This is not readable JSON"));
        assert!(prepare_import("[1]", &form()).unwrap_err().contains("one JSON object"));
        let unknown = r#"{"name": "X", "blocks": [{"id": "s1", "kind": "step", "step": "teleport", "label": "Beam", "position": {"x": 0, "y": 0}}], "edges": []}"#;
        let message = prepare_import(unknown, &form()).unwrap_err();
        assert!(message.starts_with("Not imported") && message.contains("s1"), "{message}");
    }
}
