//! The script editor: a monospace textarea with a line-number gutter. The gutter is a
//! second element beside the textarea that mirrors its vertical scroll, so a line number
//! always sits next to its line (lines never wrap; long ones scroll sideways).

use leptos::{html::Pre, prelude::*};

/// The line numbers of a text, one a line; a trailing newline starts a line of its own.
fn line_numbers(text: &str) -> String {
    let count = text.split('\n').count();
    (1..=count).map(|number| number.to_string()).collect::<Vec<_>>().join("\n")
}

#[component]
pub fn ScriptEditor(
    /// The script as it is being typed.
    value: RwSignal<String>,
    /// The accessible name of the textarea.
    #[prop(into)]
    label: String,
) -> impl IntoView {
    let gutter = NodeRef::<Pre>::new();
    let follow_scroll = move |ev: leptos::ev::Event| {
        if let Some(gutter) = gutter.get() {
            gutter.set_scroll_top(event_target::<leptos::web_sys::Element>(&ev).scroll_top());
        }
    };
    view! {
        <div class="code-editor">
            <pre class="gutter" aria-hidden="true" node_ref=gutter>
                {move || value.with(|text| line_numbers(text))}
            </pre>
            <textarea
                class="code"
                aria-label=label
                spellcheck="false"
                autocomplete="off"
                wrap="off"
                rows="22"
                bind:value=value
                on:scroll=follow_scroll
            ></textarea>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::line_numbers;

    #[test]
    fn every_line_gets_a_number_including_an_empty_last_one() {
        assert_eq!(line_numbers(""), "1");
        assert_eq!(line_numbers("a\nb"), "1\n2");
        assert_eq!(line_numbers("a\nb\n"), "1\n2\n3");
    }
}
