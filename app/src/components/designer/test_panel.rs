//! "Test flow": a panel under the canvas that runs the flow as drawn (unsaved edits
//! included) from one of its trigger blocks on a payload the user can edit, pre-filled with
//! that trigger's last real event, else the payload an example alert would send (both from
//! the server). While the run goes on and after it ends, every block on the canvas carries
//! its step's status (`data-status`, coloured as in Activity) and the panel shows each
//! step's resolved inputs, outputs and log, with a link to the run.

use std::{collections::HashMap, time::Duration};

use leptos::{prelude::*, task::spawn_local};
use serde_json::Value;

use super::Designer;
use crate::{
    api::{
        flow_runs::{flow_sample, test_flow},
        runs::fetch_run,
    },
    components::{
        badge::RunStatusBadge,
        polling::refresh_every,
        run_canvas::{StatusLegend, duration_ms},
        run_flow::first_step,
        step_panel::StepPanel,
    },
    model::{
        flow_runs::{SampleSource, StepStatus, TestFlowRun},
        flows::{Block, BlockKind, HTTP_TRIGGER, SCHEDULE_TRIGGER},
        runs::{Run, RunStatus},
    },
};

/// How often a test run still going is read again.
const POLL: Duration = Duration::from_millis(400);

/// The test panel's state, shared with the toolbar button and the canvas blocks.
#[derive(Clone, Copy)]
pub(crate) struct Tester {
    designer: Designer,
    open: RwSignal<bool>,
    /// The trigger block to start from.
    trigger: RwSignal<Option<String>>,
    /// The payload as typed.
    payload: RwSignal<String>,
    /// Where the payload came from, in a sentence.
    source: RwSignal<String>,
    error: RwSignal<Option<String>>,
    starting: RwSignal<bool>,
    run_id: RwSignal<Option<String>>,
    run: RwSignal<Option<Run>>,
    /// A read of the run is on its way.
    reading: StoredValue<bool>,
    /// Each block's status in the run shown, for the canvas.
    statuses: Memo<HashMap<String, StepStatus>>,
}

impl Tester {
    /// Creates the state and puts it in context for the canvas blocks.
    pub fn provide(designer: Designer) -> Tester {
        let open = RwSignal::new(false);
        let run = RwSignal::new(None::<Run>);
        let statuses = Memo::new(move |_| {
            if !open.get() {
                return HashMap::new();
            }
            run.with(|run| {
                let steps = run.as_ref().and_then(|run| run.flow.as_ref()).map(|flow| flow.steps.as_slice()).unwrap_or_default();
                steps.iter().map(|step| (step.block_id.clone(), step.status)).collect()
            })
        });
        let tester = Tester {
            designer,
            open,
            trigger: RwSignal::new(None),
            payload: RwSignal::new(String::new()),
            source: RwSignal::new(String::new()),
            error: RwSignal::new(None),
            starting: RwSignal::new(false),
            run_id: RwSignal::new(None),
            run,
            reading: StoredValue::new(false),
            statuses,
        };
        provide_context(tester);
        tester
    }

    fn triggers(self) -> Vec<Block> {
        self.designer.editor.with_value(|editor| editor.doc.blocks.iter().filter(|block| block.kind == BlockKind::Trigger).cloned().collect())
    }

    /// Opens the panel (keeping the trigger and payload of last time, else on the trigger that
    /// starts something, or the first), or closes it.
    fn toggle(self) {
        let opening = !self.open.get_untracked();
        self.open.set(opening);
        if opening {
            let triggers = self.triggers();
            let kept = self.trigger.get_untracked().is_some_and(|id| triggers.iter().any(|block| block.id == id))
                && self.payload.with_untracked(|text| !text.trim().is_empty());
            if !kept {
                let edges = self.designer.edges.get_untracked();
                let connected = triggers.iter().find(|block| edges.iter().any(|edge| edge.from == block.id));
                self.choose_trigger(connected.or(triggers.first()).map(|block| block.id.clone()));
            }
        }
        // The canvas is shorter or taller now: frame the graph again once it has its size.
        let designer = self.designer;
        request_animation_frame(move || designer.fit());
    }

    fn choose_trigger(self, id: Option<String>) {
        self.trigger.set(id.clone());
        match id {
            Some(id) => self.load_sample(id),
            None => {
                self.payload.set(String::new());
                self.source.set("This flow has no trigger block: add one from the palette.".to_string());
            }
        }
    }

    /// Fills the editor with the trigger's last real payload, or the example the server
    /// builds for it (the payload an example alert of the form would send).
    fn load_sample(self, id: String) {
        let Some(block) = self.triggers().into_iter().find(|block| block.id == id) else { return };
        let name = if block.trigger.as_deref() == Some(HTTP_TRIGGER) {
            "call of this flow's HTTP trigger".to_string()
        } else if block.trigger.as_deref() == Some(SCHEDULE_TRIGGER) {
            "run of this schedule".to_string()
        } else {
            format!("{} event of this form", block.type_name())
        };
        self.source.set(format!("Loading the last {name}…"));
        let flow_id = self.designer.flow_id.get_value();
        let key = block.trigger.clone().unwrap_or_default();
        let key_is_schedule = key == SCHEDULE_TRIGGER;
        spawn_local(async move {
            let loaded = flow_sample(flow_id, id.clone(), key).await;
            // The user may have picked another trigger meanwhile.
            if self.trigger.get_untracked().as_deref() != Some(id.as_str()) {
                return;
            }
            match loaded {
                Ok(sample) => {
                    let source = match sample.source {
                        SampleSource::Event => {
                            let alert = sample.payload.get("eventIdentifier").and_then(Value::as_i64);
                            let alert = alert.map(|alert| format!(" (alert #{alert})")).unwrap_or_default();
                            format!("The last {name}{alert}. Edit it as you like.")
                        }
                        SampleSource::Example if key_is_schedule => format!("No {name} yet: the payload a run due now would get, to edit."),
                        SampleSource::Example => format!("No {name} yet: the payload an example alert would send, to edit."),
                    };
                    self.payload.set(serde_json::to_string_pretty(&sample.payload).unwrap_or_default());
                    self.source.set(source);
                    self.error.set(None);
                }
                Err(error) => self.source.set(format!("No sample: {}", error.message)),
            }
        });
    }

    /// Starts a test run of the canvas as drawn; an invalid payload is refused here.
    fn start(self) {
        if self.starting.get_untracked() {
            return;
        }
        let payload = match parse_payload(&self.payload.get_untracked()) {
            Ok(payload) => payload,
            Err(message) => {
                self.error.set(Some(format!("{message} Nothing was sent.")));
                return;
            }
        };
        let (blocks, edges) = self.designer.editor.with_value(|editor| (editor.doc.blocks.clone(), editor.doc.edges.clone()));
        let test = TestFlowRun { trigger: self.trigger.get_untracked(), payload, blocks: Some(blocks), edges: Some(edges) };
        let flow_id = self.designer.flow_id.get_value();
        self.starting.set(true);
        self.error.set(None);
        spawn_local(async move {
            match test_flow(flow_id, test).await {
                Ok(run_id) => {
                    self.run.set(None);
                    self.run_id.set(Some(run_id));
                    self.read();
                }
                Err(error) => self.error.set(Some(format!("Not run: {}", error.message))),
            }
            self.starting.set(false);
        });
    }

    /// Reads the run again while it is going (one read at a time).
    fn read(self) {
        let Some(run_id) = self.run_id.get_untracked() else { return };
        let going =
            self.run.with_untracked(|run| run.as_ref().is_none_or(|run| matches!(run.summary.status, RunStatus::Pending | RunStatus::Running)));
        if !going || self.reading.get_value() {
            return;
        }
        self.reading.set_value(true);
        spawn_local(async move {
            match fetch_run(run_id.clone()).await {
                Ok(run) if self.run_id.get_untracked().as_deref() == Some(run_id.as_str()) => self.run.set(Some(run)),
                Ok(_) => {}
                Err(error) => self.error.set(Some(format!("Could not read the test run: {}", error.message))),
            }
            self.reading.set_value(false);
        });
    }
}

/// The status a block had in the test run shown (none while the panel is closed): the
/// canvas puts it on the block as `data-status`.
pub(crate) fn block_status(id: String) -> impl Fn() -> Option<&'static str> + Send + Sync + 'static {
    let tester = use_context::<Tester>();
    move || tester.and_then(|tester| tester.statuses.with(|statuses| statuses.get(&id).map(|status| status.key())))
}

/// The payload as typed, if it is a JSON object; else why not, where.
fn parse_payload(text: &str) -> Result<Value, String> {
    let value: Value = serde_json::from_str(text).map_err(|error| format!("The payload is not valid JSON: {error}."))?;
    if value.is_object() { Ok(value) } else { Err("The payload must be a JSON object, { … }.".to_string()) }
}

/// The toolbar's button that opens and closes the panel.
#[component]
pub(super) fn TestButton(tester: Tester) -> impl IntoView {
    view! {
        <button
            type="button"
            class="small fd-test-toggle"
            title="Run the flow as drawn on a sample payload"
            aria-pressed=move || tester.open.get().to_string()
            on:click=move |_| tester.toggle()
        >
            "▶ Test"
        </button>
    }
}

#[component]
pub(super) fn TestPanel(tester: Tester) -> impl IntoView {
    refresh_every(POLL, move || tester.read());
    view! {
        <Show when=move || tester.open.get()>
            <section class="fd-test" aria-label="Test flow">
                <PayloadSide tester />
                <ResultSide tester />
            </section>
        </Show>
    }
}

#[component]
fn PayloadSide(tester: Tester) -> impl IntoView {
    let options = move || {
        tester.designer.ids.track();
        let chosen = tester.trigger.get();
        tester
            .triggers()
            .into_iter()
            .map(|block| {
                let selected = chosen.as_deref() == Some(block.id.as_str());
                view! { <option value=block.id.clone() selected=selected>{format!("{} ({})", block.title(), block.id)}</option> }
            })
            .collect_view()
    };
    let problem =
        move || tester.error.get().or_else(|| tester.payload.with(|text| (!text.trim().is_empty()).then(|| parse_payload(text).err()).flatten()));
    view! {
        <div class="fd-test-input">
            <header class="fd-test-head">
                <h2>"Test flow"</h2>
                <button type="button" class="icon" aria-label="Close the test panel" on:click=move |_| tester.toggle()>"×"</button>
            </header>
            <label class="field fd-test-trigger">
                <span class="field-label">"Trigger"</span>
                <select on:change=move |ev| tester.choose_trigger(Some(event_target_value(&ev)))>{options}</select>
            </label>
            <label class="field fd-test-payload">
                <span class="field-label">"Payload (JSON)"</span>
                <textarea
                    class="code"
                    spellcheck="false"
                    prop:value=move || tester.payload.get()
                    on:input=move |ev| {
                        tester.payload.set(event_target_value(&ev));
                        tester.error.set(None);
                    }
                ></textarea>
                <span class="field-hint">{move || tester.source.get()}</span>
            </label>
            {move || problem().map(|message| view! { <p class="error" role="alert">{message}</p> })}
            <div class="fd-test-actions">
                <button type="button" class="primary small" disabled=move || tester.starting.get() on:click=move |_| tester.start()>
                    "▶ Run test"
                </button>
                <button
                    type="button"
                    class="small"
                    disabled=move || tester.trigger.with(Option::is_none)
                    on:click=move |_| {
                        if let Some(id) = tester.trigger.get_untracked() {
                            tester.load_sample(id);
                        }
                    }
                >
                    "Reload sample"
                </button>
            </div>
            <p class="field-hint">"Runs the flow as drawn, unsaved changes included; its steps really run (webhooks are sent, alerts change)."</p>
        </div>
    }
}

#[component]
fn ResultSide(tester: Tester) -> impl IntoView {
    let designer = tester.designer;
    let content = move || {
        let Some(run) = tester.run.get() else {
            let waiting = tester.run_id.with(Option::is_some);
            let text = if waiting {
                "Starting the test run…"
            } else {
                "Run the test to see each block's status on the canvas, and here what each step was given, produced and logged."
            };
            return view! { <p class="hint fd-test-empty">{text}</p> }.into_any();
        };
        let Some(flow) = run.flow else { return ().into_any() };
        let statuses: Vec<StepStatus> = flow.steps.iter().map(|step| step.status).collect();
        let first = first_step(&flow.steps);
        let steps = StoredValue::new(flow.steps);
        let chosen = Signal::derive(move || {
            let selected = designer.selected.with(|selected| (selected.len() == 1).then(|| selected.iter().next().cloned()).flatten());
            selected.filter(|id| steps.with_value(|steps| steps.iter().any(|step| &step.block_id == id))).or_else(|| first.clone())
        });
        let list = steps.with_value(|steps| {
            steps
                .iter()
                .map(|step| {
                    let id = step.block_id.clone();
                    let pick = id.clone();
                    let took = step.duration_ms.map(duration_ms).unwrap_or_default();
                    view! {
                        <li>
                            <button
                                type="button"
                                class="fd-test-step"
                                data-status=step.status.key()
                                aria-pressed=move || chosen.with(|chosen| chosen.as_deref() == Some(id.as_str())).to_string()
                                on:click=move |_| designer.select([pick.clone()].into_iter().collect())
                            >
                                <span class="st-swatch" aria-hidden="true"></span>
                                <span class="fd-test-step-name">{step.label.clone()}</span>
                                <span class="sub">{took}</span>
                            </button>
                        </li>
                    }
                })
                .collect_view()
        });
        let detail = move || {
            let id = chosen.get();
            steps
                .with_value(|steps| steps.iter().find(|step| Some(&step.block_id) == id.as_ref()).cloned())
                .map(|record| view! { <StepPanel record /> })
        };
        let summary = run.summary;
        view! {
            <header class="fd-test-head">
                <h2>"Result"</h2>
                <RunStatusBadge status=summary.status />
                <a href=format!("/activity/{}", summary.id) class="fd-test-link">"Open this run in Activity →"</a>
            </header>
            {summary.reason.map(|reason| view! { <p class="step-error">{reason}</p> })}
            <StatusLegend steps=Signal::stored(statuses) />
            <ol class="fd-test-steps" aria-label="Steps of the test run">{list}</ol>
            {detail}
        }
        .into_any()
    };
    view! { <div class="fd-test-result" aria-live="polite">{content}</div> }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_payload_must_be_a_json_object_and_errors_say_where() {
        assert_eq!(parse_payload(r#"{"a": 1}"#), Ok(serde_json::json!({"a": 1})));
        let broken = parse_payload("{\n  \"a\": 1,\n}").unwrap_err();
        assert!(broken.starts_with("The payload is not valid JSON:") && broken.contains("line 3"), "{broken}");
        assert!(parse_payload("[1, 2]").unwrap_err().contains("must be a JSON object"));
    }
}
