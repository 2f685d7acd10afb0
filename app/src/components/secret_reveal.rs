//! The one time a secret is shown: right after it was created, with a button that copies
//! it and the warning that it will not be shown again.

use leptos::prelude::*;

/// Puts the text on the clipboard; false where the browser offers no clipboard (pages
/// served over plain HTTP to another machine are not a secure context).
#[cfg(feature = "browser")]
fn copy_to_clipboard(text: &str) -> bool {
    let Some(window) = web_sys::window() else { return false };
    let clipboard = window.navigator().clipboard();
    if clipboard.is_undefined() {
        return false;
    }
    // The promise settles later; a refusal leaves the field selected for copying by hand.
    let _ = clipboard.write_text(text);
    true
}

/// Clicks are only handled in the browser.
#[cfg(not(feature = "browser"))]
fn copy_to_clipboard(_text: &str) -> bool {
    false
}

#[component]
pub fn SecretReveal(
    /// What the warning says was created, e.g. "Endpoint created".
    title: &'static str,
    /// The field's caption, e.g. "Signing secret".
    label: &'static str,
    secret: String,
    /// What the secret is for, in a sentence.
    use_hint: &'static str,
) -> impl IntoView {
    let copied = RwSignal::new(None::<bool>);
    let text = StoredValue::new(secret.clone());
    view! {
        <div class="secret-reveal" role="status">
            <strong>{title} ". Copy the " {label.to_lowercase()} " now: it is not shown again."</strong>
            <div class="secret-row">
                <input
                    type="text"
                    class="mono"
                    readonly
                    aria-label=label
                    prop:value=secret
                    on:focus=move |ev| {
                        event_target::<leptos::web_sys::HtmlInputElement>(&ev).select();
                    }
                />
                <button type="button" on:click=move |_| copied.set(Some(text.with_value(|text| copy_to_clipboard(text))))>
                    "Copy"
                </button>
            </div>
            <p class="field-hint">
                {move || match copied.get() {
                    Some(true) => "Copied to the clipboard.",
                    Some(false) => "This browser offers no clipboard here: select the text and copy it.",
                    None => use_hint,
                }}
            </p>
        </div>
    }
}
