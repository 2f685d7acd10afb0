//! What people do to a running alert from its page: comment on it, or respond on behalf
//! of a notified recipient (to see a response's action and triggers at work).

use leptos::prelude::*;

use super::{
    feedback::{ErrorMessage, failure, on_success},
    fields::{Choice, Field},
};
use crate::{
    api::alerts::{CommentOnAlert, RespondToAlert},
    model::{
        alerts::{CommentSource, NewResponse},
        forms::ResponseOption,
    },
};

#[component]
pub fn CommentForm(id: i64, action: ServerAction<CommentOnAlert>) -> impl IntoView {
    let text = RwSignal::new(String::new());
    let source = RwSignal::new(CommentSource::Inbox);
    on_success(action.into(), move |_| text.set(String::new()));
    let sources = CommentSource::ALL.into_iter().map(|source| (source, source.label().to_string())).collect();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        action.dispatch(CommentOnAlert { id, comment: text.get_untracked(), source: source.get_untracked() });
    };
    view! {
        <form class="stack" on:submit=submit>
            <Field label="Comment">
                <textarea rows="3" bind:value=text placeholder="What is happening, what was done"></textarea>
            </Field>
            <Field label="Source" hint="Where the comment came from, as integrations see it.">
                <Choice value=source options=sources />
            </Field>
            <div class="form-actions">
                <button type="submit" disabled=move || action.pending().get()>"Add comment"</button>
            </div>
            <ErrorMessage message=failure(action.into()) />
        </form>
    }
}

/// A recipient who was notified, with the devices a response can come from.
pub type Notified = (String, Vec<String>);

#[component]
pub fn RespondForm(
    id: i64,
    action: ServerAction<RespondToAlert>,
    /// Notified recipients and their devices, in notification order.
    notified: Memo<Vec<Notified>>,
    /// The response options of the alert's form.
    choices: Memo<Vec<ResponseOption>>,
) -> impl IntoView {
    let recipient = RwSignal::new(String::new());
    let device = RwSignal::new(None::<String>);
    let choice = RwSignal::new(String::new());
    let annotation = RwSignal::new(String::new());
    on_success(action.into(), move |_| annotation.set(String::new()));
    let devices_of =
        move |name: &str| notified.with(|notified| notified.iter().find(|(recipient, _)| recipient == name).map(|(_, devices)| devices.clone()));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let who = recipient.get_untracked();
        // A device picked for someone else before the recipient changed does not apply.
        let from = device.get_untracked().filter(|name| untrack(|| devices_of(&who)).is_some_and(|devices| devices.contains(name)));
        let note = annotation.get_untracked();
        let input =
            NewResponse { recipient: who, device: from, response: choice.get_untracked(), annotation: (!note.trim().is_empty()).then_some(note) };
        action.dispatch(RespondToAlert { id, input });
    };
    let recipient_choice = move || {
        let options = std::iter::once((String::new(), "Choose a recipient…".to_string()))
            .chain(notified.get().into_iter().map(|(name, _)| (name.clone(), name)))
            .collect();
        view! { <Choice value=recipient options /> }
    };
    let device_choice = move || {
        let options = std::iter::once((None, "Any notified device".to_string()))
            .chain(devices_of(&recipient.get()).unwrap_or_default().into_iter().map(|name| (Some(name.clone()), name)))
            .collect();
        view! { <Choice value=device options /> }
    };
    let response_choice = move || {
        let options = std::iter::once((String::new(), "Choose a response…".to_string()))
            .chain(choices.get().into_iter().map(|option| (option.choice.clone(), format!("{} ({})", option.choice, option.action.label()))))
            .collect();
        view! { <Choice value=choice options /> }
    };
    let nobody = move || notified.with(Vec::is_empty);
    view! {
        <Show
            when=move || !nobody()
            fallback=|| view! { <p class="hint">"Nobody was notified of this alert, so nobody can respond to it."</p> }
        >
            <form class="stack" on:submit=submit>
                <Field label="Recipient">{recipient_choice}</Field>
                <Field label="Device">{device_choice}</Field>
                <Field label="Response">{response_choice}</Field>
                <Field label="Annotation" hint="Optional words sent with the response.">
                    <input type="text" bind:value=annotation />
                </Field>
                <div class="form-actions">
                    <button type="submit" disabled=move || action.pending().get()>"Respond"</button>
                </div>
                <ErrorMessage message=failure(action.into()) />
            </form>
        </Show>
    }
}
