//! How a page reports the outcome of a read or an action: a visible error message
//! (`role="alert"`, so screen readers announce it) and the failure of an action.

use leptos::{either::Either, prelude::*};

use crate::api::UiError;

/// Shows the message while there is one.
#[component]
pub fn ErrorMessage(#[prop(into)] message: Signal<Option<String>>) -> impl IntoView {
    move || message.get().map(|message| view! { <p class="error" role="alert">{message}</p> })
}

/// A read's outcome: what it loaded, rendered, or why it could not load.
pub fn loaded<V: IntoView>(result: Result<V, UiError>) -> impl IntoView {
    match result {
        Ok(view) => Either::Left(view),
        Err(error) => Either::Right(view! { <p class="error" role="alert">{error.message}</p> }),
    }
}

/// The message of an action's last failure; gone once it is dispatched again.
pub fn failure<I, O>(action: Action<I, Result<O, UiError>>) -> Signal<Option<String>>
where
    I: Send + Sync + 'static,
    O: Clone + Send + Sync + 'static,
{
    Signal::derive(move || {
        // `try_`: a server render may resolve this after its page was dropped.
        if action.pending().try_get().unwrap_or(false) {
            return None;
        }
        action
            .value()
            .try_with(|value| match value {
                Some(Err(error)) => Some(error.message.clone()),
                _ => None,
            })
            .flatten()
    })
}

/// Runs `then` with each successful result of the action, e.g. to clear the form that sent it.
pub fn on_success<I, O>(action: Action<I, Result<O, UiError>>, then: impl Fn(&O) + 'static)
where
    I: Send + Sync + 'static,
    O: Clone + Send + Sync + 'static,
{
    Effect::new(move |_| {
        action.value().with(|value| {
            if let Some(Ok(output)) = value {
                untrack(|| then(output));
            }
        })
    });
}

/// Counts the successful changes of a page whose data reloads after each one.
pub fn reload_after<I, O>(action: Action<I, Result<O, UiError>>, revision: RwSignal<usize>)
where
    I: Send + Sync + 'static,
    O: Clone + Send + Sync + 'static,
{
    on_success(action, move |_| revision.update(|count| *count += 1));
}

/// The newest failure among several actions of one card or section.
pub fn first_failure(failures: Vec<Signal<Option<String>>>) -> Signal<Option<String>> {
    Signal::derive(move || failures.iter().find_map(|failure| failure.get()))
}
