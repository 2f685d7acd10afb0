//! Form controls shared by every page: a labelled field, a typed select, and reading a
//! typed number of seconds.

use leptos::prelude::*;

/// A label around one control, so that clicking the caption focuses the control and
/// assistive technology (and tests) find the control by its caption.
#[component]
pub fn Field(
    /// The caption above the control.
    #[prop(into)]
    label: String,
    /// One line below the control, e.g. a unit or a rule.
    #[prop(optional)]
    hint: Option<&'static str>,
    children: Children,
) -> impl IntoView {
    view! {
        <label class="field">
            <span class="field-label">{label}</span>
            {children()}
            {hint.map(|hint| view! { <span class="field-hint">{hint}</span> })}
        </label>
    }
}

/// A `<select>` over typed options: the signal holds the chosen value itself, never a
/// string key. Renders the chosen option as `selected` for the server-rendered page and
/// keeps the browser's selection in step with the signal afterwards.
#[component]
pub fn Choice<T>(
    /// The chosen value.
    value: RwSignal<T>,
    /// Each option's value and the text shown for it.
    options: Vec<(T, String)>,
    /// The accessible name when the select has no surrounding `Field`.
    #[prop(optional)]
    label: Option<String>,
) -> impl IntoView
where
    T: Clone + PartialEq + Send + Sync + 'static,
{
    let options = StoredValue::new(options);
    let chosen_index = move || {
        let current = value.get();
        options.with_value(|options| options.iter().position(|(option, _)| *option == current)).map(|index| index.to_string())
    };
    let choose = move |ev: leptos::ev::Event| {
        let picked = event_target_value(&ev).parse::<usize>().ok();
        if let Some(option) = picked.and_then(|index| options.with_value(|options| options.get(index).map(|(option, _)| option.clone()))) {
            value.set(option);
        }
    };
    view! {
        <select aria-label=label on:change=choose prop:value=move || chosen_index().unwrap_or_default()>
            {options
                .with_value(|options| {
                    options
                        .iter()
                        .enumerate()
                        .map(|(index, (option, text))| {
                            let option = option.clone();
                            view! {
                                <option value=index.to_string() selected=move || value.with(|current| *current == option)>
                                    {text.clone()}
                                </option>
                            }
                        })
                        .collect_view()
                })}
        </select>
    }
}

/// A delay typed in seconds: empty means none; what is not a whole number is sent as an
/// impossible value so that the store's message explains the rule.
pub fn seconds(typed: &str) -> u32 {
    let typed = typed.trim();
    if typed.is_empty() { 0 } else { typed.parse().unwrap_or(u32::MAX) }
}
