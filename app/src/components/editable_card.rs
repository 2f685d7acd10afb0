//! The frame users and groups share on the People page: title and details, the Edit and
//! Deactivate/Activate buttons, the edit form while editing, and the card's last error.

use leptos::prelude::*;

use super::{badge::InactiveBadge, feedback::ErrorMessage};

/// The line under the card's title.
#[slot]
pub struct CardDetails {
    children: Children,
}

/// The form shown while the card is being edited.
#[slot]
pub struct CardEditor {
    children: ChildrenFn,
}

#[component]
pub fn EditableCard(
    /// The card's heading, e.g. a user's full name.
    #[prop(into)]
    title: String,
    /// The name assistive technology announces for the card, e.g. the targetName.
    #[prop(into)]
    name: String,
    active: bool,
    editing: RwSignal<bool>,
    /// Called with the active flag to set when Deactivate or Activate is clicked.
    on_activate: Callback<bool>,
    #[prop(into)] error: Signal<Option<String>>,
    card_details: CardDetails,
    card_editor: CardEditor,
    children: Children,
) -> impl IntoView {
    let editor = card_editor.children;
    view! {
        <article class="panel entity" class:inactive=!active aria-label=name>
            <header class="card-head">
                <div>
                    <h3>{title} " " <InactiveBadge active /></h3>
                    <div class="sub">{(card_details.children)()}</div>
                </div>
                <div class="row-actions">
                    <button type="button" class="small" aria-pressed=move || editing.get().to_string() on:click=move |_| editing.update(|open| *open = !*open)>
                        "Edit"
                    </button>
                    <button type="button" class="small" on:click=move |_| on_activate.run(!active)>
                        {if active { "Deactivate" } else { "Activate" }}
                    </button>
                </div>
            </header>
            <Show when=move || editing.get()>{editor()}</Show>
            <ErrorMessage message=error />
            {children()}
        </article>
    }
}
