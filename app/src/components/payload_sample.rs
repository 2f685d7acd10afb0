//! "What's included in the payload": the exact payload the chosen trigger sends for an
//! example alert of the chosen form, as the server builds it with the code that builds real
//! payloads (`GET /api/v1/forms/{id}/triggers/{trigger}/sample-payload`), pretty-printed.

use leptos::prelude::*;

use super::{feedback::loaded, json_view::JsonView};
use crate::{api::integrations::trigger_sample, model::trigger::Trigger};

#[component]
pub fn PayloadSample(#[prop(into)] form_id: Signal<String>, #[prop(into)] trigger: Signal<Trigger>) -> impl IntoView {
    let sample = Resource::new(move || (form_id.get(), trigger.get()), |(form_id, trigger)| trigger_sample(form_id, trigger));
    let shown = move || {
        Suspend::new(async move {
            let label = format!("Sample payload of {}", trigger.get_untracked().display_name());
            loaded(sample.await.map(|payload| view! { <JsonView value=payload label /> }))
        })
    };
    view! {
        <details class="payload-sample" open>
            <summary>"See what's included in the payload"</summary>
            <p class="hint">
                "Exactly what this trigger sends for an alert of this form, here with example values: only the properties flagged \"include in outbound integrations\", in both "
                <code>"eventProperties"</code> " and " <code>"properties"</code> "."
            </p>
            <Transition fallback=|| view! { <p class="loading">"Building the sample…"</p> }>{shown}</Transition>
        </details>
    }
}
