//! A destructive button that asks first: the first click turns it into the question with
//! the confirming button and a way out, in place, so nothing is deleted by a slip.

use leptos::prelude::*;

#[component]
pub fn ConfirmButton(
    /// The button's caption, e.g. "Delete endpoint".
    #[prop(into)]
    label: String,
    /// What the click would do, asked in a sentence.
    #[prop(into)]
    question: String,
    /// Runs once the question is answered yes.
    on_confirm: Callback<()>,
    /// While the confirmed work is under way.
    #[prop(into)]
    busy: Signal<bool>,
) -> impl IntoView {
    let asking = RwSignal::new(false);
    let label = StoredValue::new(label);
    view! {
        <Show
            when=move || asking.get()
            fallback=move || {
                view! {
                    <button type="button" class="danger" on:click=move |_| asking.set(true)>
                        {label.get_value()}
                    </button>
                }
            }
        >
            <div class="confirm" role="group" aria-label="Confirm">
                <span>{question.clone()}</span>
                <button
                    type="button"
                    class="danger"
                    disabled=move || busy.get()
                    on:click=move |_| {
                        asking.set(false);
                        on_confirm.run(());
                    }
                >
                    {format!("Yes, {}", label.get_value().to_lowercase())}
                </button>
                <button type="button" on:click=move |_| asking.set(false)>"Cancel"</button>
            </div>
        </Show>
    }
}
