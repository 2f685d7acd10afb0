//! What the integration editor says beside the form: when the chosen trigger fires, what
//! its payload holds (a sample, see [`PayloadSample`]) and how the chosen action runs,
//! with a link to the integration's runs.

use leptos::prelude::*;
use leptos_router::components::A;

use super::payload_sample::PayloadSample;
use crate::model::{integrations::ActionKind, trigger::Trigger};

/// When a trigger fires, in the words of SPEC §2.
fn fires_when(trigger: Trigger) -> &'static str {
    match trigger {
        Trigger::Status => "An alert of the form is started, suspended, resumed or terminated.",
        Trigger::Comment => "Someone comments on an alert, from any source.",
        Trigger::Escalation => "A group escalates: nobody answered in time, or someone escalated by hand.",
        Trigger::Delivery => "A notification was delivered to a device, or its delivery failed.",
        Trigger::Response | Trigger::Responses => "A recipient responds to a notification.",
        Trigger::RecipientFailure => "None of the targeted recipients could be notified.",
    }
}

/// Beside the form while no endpoint is being edited: when the trigger fires and how the
/// chosen action runs.
#[component]
pub fn IntegrationHelp(form_id: RwSignal<String>, trigger: RwSignal<Trigger>, kind: RwSignal<ActionKind>, id: Option<String>) -> impl IntoView {
    let how = move || {
        match kind.get() {
        ActionKind::Webhook => view! {
            <h3>"What a webhook carries"</h3>
            <p class="hint">
                "The trigger's payload as JSON (see below), signed with the endpoint's secret in "
                <code>"webhook-id"</code> ", " <code>"webhook-timestamp"</code> " and " <code>"webhook-signature"</code>
                ". Connection errors, 5xx and 429 are retried on a schedule."
            </p>
        }
        .into_any(),
        ActionKind::Script => view! {
            <h3>"How a script runs"</h3>
            <p class="hint">
                "In a sandbox on the server, with a time and memory limit and no file or process access. What it logs goes into the run's log; an exception fails the run with its line, and is not retried."
            </p>
        }
        .into_any(),
        ActionKind::Agent => view! {
            <h3>"Integration Agents"</h3>
            <p class="hint">
                "An agent inside your network takes the payload and does the work there. With an agent id, runs wait as queued until that agent connects; without one, they are discarded (and logged) while no agent serves the service."
            </p>
        }
        .into_any(),
        ActionKind::FlowsOnly => view! {
            <h3>"Flows only"</h3>
            <p class="hint">
                "The integration sends nothing and records no run of its own: each event of its trigger starts the form's published flows that have this trigger with a step connected. Turn the integration off and those flows stop starting too."
            </p>
        }
        .into_any(),
    }
    };
    view! {
        <section class="panel help">
            <h2>"When it runs"</h2>
            <p>{move || fires_when(trigger.get())}</p>
            <p class="hint">"Only alerts of this form count. On a disabled form nothing is sent; the run is logged as skipped with the reason."</p>
            {how}
            <PayloadSample form_id trigger />
            {id.map(|id| view! { <A href=format!("/activity?integration={id}")>"See its runs →"</A> })}
        </section>
    }
}
