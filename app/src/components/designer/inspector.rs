//! The inspector: the selected block's label, settings and inputs, the outputs of the
//! blocks upstream of it (typed, with one per flagged form property of a trigger) as chips
//! to drag into an input, or what is selected otherwise.

use leptos::{ev, prelude::*, task::spawn_local};
use serde_json::Value;

use super::{Cell, Designer};
use crate::{
    api::flows::preview_schedule,
    format::utc_time,
    model::flows::{self, Block, BlockKind, BlockType, Output, SCHEDULE_TRIGGER, SchedulePreview, SettingKind, SettingSpec, StepSpec},
};

#[component]
pub(super) fn Inspector(designer: Designer) -> impl IntoView {
    let content = move || {
        designer.inspector_rev.track();
        let selected = designer.selected.get();
        if selected.len() == 1 {
            let id = selected.iter().next().cloned().unwrap_or_default();
            if let Some(cell) = designer.cell(&id) {
                return view! { <BlockInspector designer id cell /> }.into_any();
            }
        }
        if selected.len() > 1 {
            let count = selected.len();
            return view! {
                <h2>{format!("{count} blocks selected")}</h2>
                <p class="hint">"Drag any of them to move them together. Ctrl+C copies them (with the edges between them)."</p>
                <button type="button" class="small danger" on:click=move |_| designer.delete_selection()>"Delete blocks"</button>
            }
            .into_any();
        }
        if let Some(edge) = designer.selected_edge.get() {
            return view! {
                <h2>"Connection"</h2>
                <p class="mono">{format!("{}.{} → {}", edge.from, edge.from_port, edge.to)}</p>
                <button type="button" class="small danger" on:click=move |_| designer.delete_selection()>"Delete connection"</button>
            }
            .into_any();
        }
        view! {
            <h2>"Inspector"</h2>
            <p class="hint">"Select a block to edit its label, settings and inputs. Drag from a block's output port (●) to another block to connect them."</p>
            <p class="hint">"Press ? for keyboard shortcuts."</p>
            <FlowLimit designer />
        }
        .into_any()
    };
    view! { <aside class="fd-inspector" aria-label="Inspector">{content}</aside> }
}

/// The flow's own settings: how many of its runs go at once.
#[component]
fn FlowLimit(designer: Designer) -> impl IntoView {
    let problem = RwSignal::new(None::<String>);
    let changed = move |ev: ev::Event| {
        let raw = event_target_value(&ev);
        match raw.trim() {
            "" => {
                problem.set(None);
                designer.set_max_runs(None);
            }
            text => match text.parse::<u32>() {
                Ok(limit) if (1..=flows::MAX_CONCURRENT_RUNS).contains(&limit) => {
                    problem.set(None);
                    designer.set_max_runs(Some(limit));
                }
                _ => {
                    problem.set(Some(format!("Runs at once must be a whole number from 1 to {}, or empty for no limit.", flows::MAX_CONCURRENT_RUNS)))
                }
            },
        }
    };
    let current = designer.max_runs.get_untracked().map(|limit| limit.to_string()).unwrap_or_default();
    view! {
        <h3>"This flow"</h3>
        <label class="field">
            <span class="field-label">"Runs at once"</span>
            <input type="number" min="1" max=flows::MAX_CONCURRENT_RUNS placeholder="no limit" data-testid="max-runs" prop:value=current on:change=changed />
            <span class="field-hint">"At most this many runs of this flow go at once; later ones wait, in order, as queued. Empty: no limit."</span>
        </label>
        {move || problem.get().map(|problem| view! { <p class="step-error" role="alert">{problem}</p> })}
    }
}

#[component]
fn BlockInspector(designer: Designer, id: String, cell: Cell) -> impl IntoView {
    let block = cell.block.get_untracked();
    let id = StoredValue::new(id);
    // The input field last focused: where a clicked chip goes.
    let last_input = StoredValue::new(None::<String>);
    let issues = move || cell.issues.with(|issues| issues.iter().map(|issue| view! { <li>{issue.clone()}</li> }).collect_view());
    let set_label = move |ev: ev::Event| {
        let label = event_target_value(&ev);
        id.with_value(|id| designer.edit(true, |editor| editor.set_label(id, &label)));
    };
    let settings = match block.block_type() {
        Some(BlockType::Step(spec)) => settings_fields(designer, id, &block, spec).into_any(),
        _ => ().into_any(),
    };
    let inputs = block
        .input_specs()
        .into_iter()
        .map(|(key, label, required, multiline)| input_field(designer, id, cell, last_input, key, label, required, multiline))
        .collect_view();
    let is_trigger = block.kind == BlockKind::Trigger;
    let is_schedule = is_trigger && block.trigger.as_deref() == Some(SCHEDULE_TRIGGER);
    view! {
        <div class="fd-inspect">
            <header class="fd-inspect-head">
                <h2>{block.type_name()}</h2>
                <span class="mono sub">{id.get_value()}</span>
            </header>
            <ul class="fd-issues" role="list">{issues}</ul>
            <label class="field">
                <span class="field-label">"Label"</span>
                <input type="text" prop:value=block.label.clone() on:input=set_label />
            </label>
            {settings}
            {is_schedule.then(|| view! { <ScheduleNextRuns cell /> })}
            {inputs}
            {is_trigger.then(|| view! { <TriggerOutputs designer block=block.clone() /> })}
            {(!is_trigger).then(|| view! { <UpstreamOutputs designer id=id.get_value() last_input /> })}
            <button type="button" class="small danger" on:click=move |_| designer.delete_selection()>"Delete block"</button>
        </div>
    }
}

/// A Schedule trigger's next five due times and its cron in words, asked of the server
/// (which has the zone database) whenever the cron or the time zone changes; or what is
/// wrong with them.
#[component]
fn ScheduleNextRuns(cell: Cell) -> impl IntoView {
    let settings = Memo::new(move |_| cell.block.with(|block| (block.setting_text("cron"), block.setting_text("timeZone"))));
    let preview = RwSignal::new(None::<Result<SchedulePreview, String>>);
    // Answers may arrive out of order: only the latest question's is shown.
    let asked = StoredValue::new(0u64);
    Effect::new(move |_| {
        let (cron, zone) = settings.get();
        let ticket = asked.get_value() + 1;
        asked.set_value(ticket);
        if cron.trim().is_empty() {
            preview.set(None);
            return;
        }
        // Asked once typing pauses, not at every keystroke.
        set_timeout(
            // The inspector may have closed meanwhile (`try_`: its values are gone then).
            move || {
                if asked.try_get_value() != Some(ticket) {
                    return;
                }
                spawn_local(async move {
                    let answer = preview_schedule(cron, zone).await.map_err(|error| error.message);
                    if asked.try_get_value() == Some(ticket) {
                        preview.try_set(Some(answer));
                    }
                });
            },
            std::time::Duration::from_millis(250),
        );
    });
    let shown = move || match preview.get() {
        None => view! { <p class="hint">"Enter a cron expression to see when it runs."</p> }.into_any(),
        Some(Err(message)) => view! { <p class="fd-schedule-error" role="alert">{message}</p> }.into_any(),
        Some(Ok(preview)) => {
            let next = preview
                .next
                .into_iter()
                .map(|due| {
                    view! {
                        <li>
                            <span class="mono">{due.label}</span>
                            <span class="sub">{utc_time(&due.utc)}</span>
                        </li>
                    }
                })
                .collect_view();
            view! {
                <p class="fd-schedule-summary">{preview.summary}</p>
                <ol class="fd-schedule-next" aria-label="Next runs">{next}</ol>
                <p class="field-hint">{format!("Times in {}, each with its UTC time.", preview.time_zone)}</p>
            }
            .into_any()
        }
    };
    view! {
        <section class="fd-schedule">
            <h3>"Next runs"</h3>
            {shown}
        </section>
    }
}

fn settings_fields(designer: Designer, id: StoredValue<String>, block: &Block, spec: &'static StepSpec) -> impl IntoView {
    spec.settings.iter().map(|setting| setting_field(designer, id, block, setting)).collect_view()
}

fn set(designer: Designer, id: StoredValue<String>, key: &'static str, value: Value) {
    id.with_value(|id| designer.edit(true, |editor| editor.set_setting(id, key, value)));
}

fn setting_field(designer: Designer, id: StoredValue<String>, block: &Block, setting: &'static SettingSpec) -> impl IntoView {
    let key = setting.key;
    let current = block.setting_text(key);
    let caption = if setting.required { format!("{} *", setting.label) } else { setting.label.to_string() };
    let text = move |ev: ev::Event| set(designer, id, key, Value::String(event_target_value(&ev)));
    let control = match setting.kind {
        SettingKind::Text => view! { <input type="text" prop:value=current on:input=text /> }.into_any(),
        SettingKind::Number => {
            let number = move |ev: ev::Event| {
                let raw = event_target_value(&ev);
                let value = raw.trim().parse::<i64>().map(Value::from).unwrap_or(Value::String(raw));
                set(designer, id, key, value);
            };
            view! { <input type="number" prop:value=current on:input=number /> }.into_any()
        }
        SettingKind::Choice(options) => {
            let options: Vec<(String, String)> = options.iter().map(|option| (option.to_string(), option.to_string())).collect();
            select(options, !setting.required, current, move |value| set(designer, id, key, Value::String(value))).into_any()
        }
        SettingKind::Endpoint | SettingKind::Form => {
            let options: Vec<(String, String)> = designer.data.with_value(|data| {
                let named = if setting.kind == SettingKind::Endpoint { &data.endpoints } else { &data.forms };
                named.iter().map(|named| (named.id.clone(), named.name.clone())).collect()
            });
            select(options, true, current, move |value| set(designer, id, key, Value::String(value))).into_any()
        }
        SettingKind::Flow => called_flow(designer, id, key, current).into_any(),
        SettingKind::Names => {
            // Typing keeps the raw text; leaving the field stores the clean list.
            let names = move |ev: ev::Event| {
                let list: Vec<Value> = event_target_value(&ev).lines().map(str::trim).filter(|name| !name.is_empty()).map(Value::from).collect();
                set(designer, id, key, Value::Array(list));
            };
            view! { <textarea rows="3" prop:value=current on:input=text on:change=names></textarea> }.into_any()
        }
        SettingKind::Code => view! { <textarea class="code" rows="8" spellcheck="false" prop:value=current on:input=text></textarea> }.into_any(),
        SettingKind::Conditions => {
            view! { <textarea class="code" rows="3" spellcheck="false" prop:value=current on:input=text></textarea> }.into_any()
        }
    };
    view! {
        <label class="field">
            <span class="field-label">{caption}</span>
            {control}
            {(!setting.help.is_empty()).then(|| view! { <span class="field-hint">{setting.help}</span> })}
        </label>
    }
}

/// A flow of the workflow to call, and a link that opens it (in a new tab, so the
/// designer's unsaved work stays).
fn called_flow(designer: Designer, id: StoredValue<String>, key: &'static str, current: String) -> impl IntoView {
    let options: Vec<(String, String)> =
        designer.data.with_value(|data| data.flows.iter().map(|named| (named.id.clone(), named.name.clone())).collect());
    let chosen = RwSignal::new(current.clone());
    let open = move || {
        let flow = chosen.get();
        (!flow.is_empty()).then(|| {
            view! { <a href=format!("/flows/{flow}") target="_blank" class="field-hint" data-testid="open-called-flow">"Open the called flow ↗"</a> }
        })
    };
    view! {
        {select(options, true, current, move |value| {
            chosen.set(value.clone());
            set(designer, id, key, Value::String(value));
        })}
        {open}
    }
}

fn select(options: Vec<(String, String)>, blank: bool, current: String, chosen: impl Fn(String) + 'static) -> impl IntoView {
    let none_selected = current.is_empty();
    let options = options
        .into_iter()
        .map(|(value, text)| {
            let selected = value == current;
            view! { <option value=value selected=selected>{text}</option> }
        })
        .collect_view();
    view! {
        <select on:change=move |ev| chosen(event_target_value(&ev))>
            {blank.then(|| view! { <option value="" selected=none_selected>"— choose —"</option> })}
            {options}
        </select>
    }
}

#[allow(clippy::too_many_arguments)]
fn input_field(
    designer: Designer,
    id: StoredValue<String>,
    cell: Cell,
    last_input: StoredValue<Option<String>>,
    key: String,
    label: String,
    required: bool,
    multiline: bool,
) -> impl IntoView {
    let current = cell.block.with_untracked(|block| block.inputs.get(&key).cloned().unwrap_or_default());
    let key = StoredValue::new(key);
    let typed = move |ev: ev::Event| {
        let text = event_target_value(&ev);
        id.with_value(|id| key.with_value(|key| designer.edit(true, |editor| editor.set_input(id, key, &text))));
    };
    let focused = move |_| last_input.set_value(Some(key.get_value()));
    let caption = if required { format!("{label} *") } else { label };
    // The field's own text is transparent; under it, the same text is drawn with each
    // placeholder as a chip (red when it points nowhere), so the caret, selection and the
    // stored value stay plain text. Chips add no width, so the two always line up.
    let overlay = NodeRef::<leptos::html::Div>::new();
    let follow = move |ev: ev::Event| {
        let field = event_target::<web_sys::Element>(&ev);
        if let Some(overlay) = overlay.get_untracked() {
            overlay.set_scroll_top(field.scroll_top());
            overlay.set_scroll_left(field.scroll_left());
        }
    };
    let control = if multiline {
        view! {
            <textarea class="code fd-input" rows="4" spellcheck="false" data-input=key.get_value() prop:value=current on:input=typed on:focus=focused on:scroll=follow></textarea>
        }
        .into_any()
    } else {
        view! { <input type="text" class="mono fd-input" data-input=key.get_value() prop:value=current on:input=typed on:focus=focused on:scroll=follow /> }.into_any()
    };
    let drawn = move || {
        let text = cell.block.with(|block| key.with_value(|key| block.inputs.get(key).cloned().unwrap_or_default()));
        let mut parts = Vec::new();
        let mut last = 0;
        for placeholder in flows::placeholders(&text) {
            parts.push(text[last..placeholder.span.0].to_string().into_any());
            let known = designer
                .cell(&placeholder.block)
                .is_some_and(|cell| cell.block.with_untracked(|block| block.outputs().contains(&placeholder.output)));
            let tip = if known {
                format!("Output \"{}\" of {}", placeholder.output, placeholder.block)
            } else {
                "No upstream block has this output".to_string()
            };
            parts.push(
                view! { <span class="fd-ov-chip" class:bad=!known title=tip>{text[placeholder.span.0..placeholder.span.1].to_string()}</span> }
                    .into_any(),
            );
            last = placeholder.span.1;
        }
        // A last empty line still takes its height in the field.
        parts.push(format!("{}{}", &text[last..], if text.ends_with('\n') { "\u{200b}" } else { "" }).into_any());
        parts
    };
    view! {
        <label class="field">
            <span class="field-label">{caption}</span>
            <div class="fd-field" class:multiline=multiline>
                <div class="fd-overlay" class:code=multiline class:mono=!multiline aria-hidden="true" node_ref=overlay>{drawn}</div>
                {control}
            </div>
        </label>
    }
}

/// An output's name and its type, as a chip shows them.
fn chip_text(output: &Output) -> impl IntoView + use<> {
    view! {
        <span class="fd-chip-name">{output.path.clone()}</span>
        <span class="fd-chip-type">{output.type_label()}</span>
    }
}

#[component]
fn TriggerOutputs(designer: Designer, block: Block) -> impl IntoView {
    let properties = designer.data.with_value(|data| data.properties.clone());
    let outputs = block
        .offered_outputs(&properties)
        .into_iter()
        .map(|output| {
            let title = format!("{} · {}", flows::placeholder(&block.id, &output.path), output.type_label());
            view! { <span class="chip fd-chip" title=title>{chip_text(&output)}</span> }
        })
        .collect_view();
    let hint = format!(
        "Steps after this trigger use these as {}. A trigger starts steps only once one is connected.",
        flows::placeholder(&block.id, "output")
    );
    view! {
        <TriggerIntegration designer block=block.clone() />
        <div class="fd-outputs">
            <h3>"Outputs"</h3>
            <p class="hint">{hint}</p>
            <div class="chips">{outputs}</div>
        </div>
    }
}

/// The form's integration a trigger block stands for, linked, with its last run. (Why a
/// trigger starts nothing is among the block's issues, shown above.)
#[component]
fn TriggerIntegration(designer: Designer, block: Block) -> impl IntoView {
    designer.integration(&block).map(|integration| {
        let last = match &integration.last_run {
            Some(run) => format!("last run {} {}", run.status.key(), crate::format::time_of_day(&run.created_at)),
            None => "no run yet".to_string(),
        };
        view! {
            <p class="fd-integration">
                "Integration "
                <a href=format!("/integrations/{}", integration.id)>{integration.name.clone()}</a>
                {format!(" · {} · {last}", integration.action.label())}
            </p>
        }
    })
}

/// The outputs of every block upstream of this one, with their types, as chips to drag into
/// an input field (or click, to add to the input last focused).
#[component]
fn UpstreamOutputs(designer: Designer, id: String, last_input: StoredValue<Option<String>>) -> impl IntoView {
    let id = StoredValue::new(id);
    let properties = StoredValue::new(designer.data.with_value(|data| data.properties.clone()));
    let groups = move || {
        let upstream = designer.edges.with(|edges| id.with_value(|id| flows::upstream(id, edges)));
        if upstream.is_empty() {
            return view! { <p class="hint">"Connect a block to this one to use its outputs here."</p> }.into_any();
        }
        upstream
            .into_iter()
            .filter_map(|source| designer.cell(&source).map(|cell| (source, cell)))
            .map(|(source, cell)| {
                let (title, outputs) =
                    cell.block.with_untracked(|block| (block.title(), properties.with_value(|properties| block.offered_outputs(properties))));
                let chips = outputs
                    .into_iter()
                    .map(|output| {
                        let text = flows::placeholder(&source, &output.path);
                        let dragged = text.clone();
                        let clicked = text.clone();
                        view! {
                            <button
                                type="button"
                                class="chip fd-chip"
                                draggable="true"
                                title=format!("{text} · {}. Drag it into an input, or click to add it to the last input you used", output.type_label())
                                data-placeholder=text.clone()
                                data-type=output.json_type.name()
                                on:dragstart=move |ev: ev::DragEvent| {
                                    if let Some(data) = ev.data_transfer() {
                                        let _ = data.set_data("text/plain", &dragged);
                                        data.set_effect_allowed("copy");
                                    }
                                }
                                on:click=move |_| append_to_input(designer, id, last_input, &clicked)
                            >
                                {chip_text(&output)}
                            </button>
                        }
                    })
                    .collect_view();
                view! {
                    <div class="fd-source">
                        <div class="fd-source-name">{title}<span class="mono sub">{format!(" {source}")}</span></div>
                        <div class="chips">{chips}</div>
                    </div>
                }
            })
            .collect_view()
            .into_any()
    };
    view! {
        <div class="fd-outputs">
            <h3>"Available outputs"</h3>
            {groups}
        </div>
    }
}

fn append_to_input(designer: Designer, id: StoredValue<String>, last_input: StoredValue<Option<String>>, text: &str) {
    let id = id.get_value();
    let Some(key) =
        last_input.get_value().or_else(|| designer.editor.with_value(|editor| editor.block(&id)?.input_specs().first().map(|spec| spec.0.clone())))
    else {
        return;
    };
    let current = designer.editor.with_value(|editor| editor.block(&id).and_then(|block| block.inputs.get(&key).cloned()).unwrap_or_default());
    // Not from the inspector: the fields re-read their values.
    designer.edit(false, |editor| editor.set_input(&id, &key, &format!("{current}{text}")));
}
