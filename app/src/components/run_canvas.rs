//! The canvas of one flow run, read-only: the graph as it ran, each block coloured by its
//! step's status (`data-status`, the colours of the legend), the edges a step took drawn
//! solid and the others faint, pan by dragging and zoom with the buttons or Ctrl+wheel.
//! It is one SVG whose `viewBox` frames the graph, so the server renders it complete and
//! the browser only moves the `viewBox`. Clicking a block chooses it for the step panel.
//! The page keeps where the user left the view ([`KeptView`]), so re-reading a run that is
//! still going redraws it without moving the view.

use std::collections::HashMap;

use leptos::{ev, prelude::*, wasm_bindgen::JsCast};

use super::{
    badge::step_status_label,
    block_shape::{edge_path, icon},
    designer::{BLOCK_W, HEAD_H, block_height, out_port_offset},
};
use crate::model::{
    flow_runs::{StepRecord, StepStatus},
    flows::{Block, BlockKind, EACH_PORT, Edge, Position},
    trigger::Trigger,
};

/// The smallest area the view frames, so that a flow of two blocks is not blown up.
const MIN_VIEW: (f64, f64) = (880.0, 340.0);
const PAD: f64 = 48.0;

/// The part of the world the SVG shows: x, y, width, height.
#[derive(Clone, Copy, Debug, PartialEq)]
struct ViewBox(f64, f64, f64, f64);

impl ViewBox {
    /// Frames every block, at least [`MIN_VIEW`] large.
    fn framing(blocks: &[Block], choices: &[String]) -> ViewBox {
        if blocks.is_empty() {
            return ViewBox(0.0, 0.0, MIN_VIEW.0, MIN_VIEW.1);
        }
        let (mut min_x, mut min_y, mut max_x, mut max_y) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
        for block in blocks {
            min_x = min_x.min(block.position.x);
            min_y = min_y.min(block.position.y);
            max_x = max_x.max(block.position.x + BLOCK_W);
            max_y = max_y.max(block.position.y + block_height(block, choices));
        }
        let width = (max_x - min_x + 2.0 * PAD).max(MIN_VIEW.0);
        let height = (max_y - min_y + 2.0 * PAD).max(MIN_VIEW.1);
        ViewBox((min_x + max_x - width) / 2.0, (min_y + max_y - height) / 2.0, width, height)
    }

    /// Zoomed by `factor` (> 1 zooms in) around the world point (cx, cy).
    fn zoomed(self, factor: f64, cx: f64, cy: f64) -> ViewBox {
        let ViewBox(x, y, w, h) = self;
        let scale = 1.0 / factor;
        ViewBox(cx - (cx - x) * scale, cy - (cy - y) * scale, w * scale, h * scale)
    }

    fn centre(self) -> (f64, f64) {
        (self.0 + self.2 / 2.0, self.1 + self.3 / 2.0)
    }

    fn attr(self) -> String {
        format!("{} {} {} {}", self.0, self.1, self.2, self.3)
    }
}

/// The Responses trigger's ports as far as the run shows them: the choices its edges leave
/// from (the run keeps the graph, not the form's choices).
fn response_choices(blocks: &[Block], edges: &[Edge]) -> Vec<String> {
    let responses: Vec<&str> =
        blocks.iter().filter(|block| block.trigger.as_deref() == Some(Trigger::Responses.key())).map(|block| block.id.as_str()).collect();
    let mut choices: Vec<String> = Vec::new();
    for edge in edges.iter().filter(|edge| responses.contains(&edge.from.as_str())) {
        if !choices.contains(&edge.from_port) {
            choices.push(edge.from_port.clone());
        }
    }
    choices
}

/// What the corner of a block says about its step; inside a For Each, its iterations.
fn corner(record: &StepRecord) -> String {
    let glyph = match record.status {
        StepStatus::Succeeded => "✓",
        StepStatus::Failed => "✕",
        StepStatus::Running => "●",
        StepStatus::Waiting => "◷",
        StepStatus::Skipped => "–",
        StepStatus::Pending => "○",
    };
    if let Some(iterations) = &record.iterations {
        return match iterations.failed {
            0 => format!("{glyph} ×{}", iterations.ran),
            failed => format!("{glyph} {failed} of {} failed", iterations.ran),
        };
    }
    if record.reused {
        return format!("{glyph} reused");
    }
    match (record.status, record.duration_ms) {
        (StepStatus::Succeeded | StepStatus::Failed, Some(ms)) => format!("{glyph} {}", duration_ms(ms)),
        (status, _) => format!("{glyph} {}", step_status_label(status)),
    }
}

/// Whether a run went along an edge: its source took that port (a success's ports, or a
/// caught failure's `error`); inside a For Each, whether some iteration reached the target
/// from the loop's `each` port or from a block of the body.
fn taken(records: &HashMap<String, StepRecord>, edge: &Edge) -> bool {
    let from = records.get(&edge.from);
    let iterated = |id: &str| records.get(id).is_some_and(|record| record.iterations.is_some());
    from.is_some_and(|record| record.ports.contains(&edge.from_port)) || (iterated(&edge.to) && (edge.from_port == EACH_PORT || iterated(&edge.from)))
}

/// A step's duration: `85 ms`, `1.4 s`, `2 min 5 s`.
pub fn duration_ms(ms: u64) -> String {
    match ms {
        0..1_000 => format!("{ms} ms"),
        1_000..60_000 => format!("{:.1} s", ms as f64 / 1000.0),
        _ => crate::format::duration(u32::try_from(ms / 1000).unwrap_or(u32::MAX)),
    }
}

/// The view the user left a run's canvas at, owned by the page so that it outlives the
/// canvas being drawn again with the run's newer record.
#[derive(Clone, Copy, Default)]
pub struct KeptView(RwSignal<Option<(String, ViewBox)>>);

impl KeptView {
    fn of(self, run_id: &str) -> Option<ViewBox> {
        self.0.with_untracked(|kept| kept.as_ref().filter(|(id, _)| id == run_id).map(|(_, view)| *view))
    }
}

/// Where a press started, to pan from.
#[derive(Clone, Copy)]
struct Pan {
    start: (f64, f64),
    from: ViewBox,
    /// World units per screen pixel.
    scale: f64,
}

#[component]
pub fn RunCanvas(
    blocks: Vec<Block>,
    edges: Vec<Edge>,
    steps: Vec<StepRecord>,
    /// The block whose record the step panel shows.
    #[prop(into)]
    selected: Signal<Option<String>>,
    on_select: Callback<String>,
    /// The run shown, and where its view was left.
    run_id: String,
    kept: KeptView,
) -> impl IntoView {
    let choices = response_choices(&blocks, &edges);
    let fit = ViewBox::framing(&blocks, &choices);
    let view_box = RwSignal::new(kept.of(&run_id).unwrap_or(fit));
    Effect::new(move |_| {
        let view = view_box.get();
        kept.0.set(Some((run_id.clone(), view)));
    });
    let pan = StoredValue::new(None::<Pan>);
    let records: HashMap<String, StepRecord> = steps.into_iter().map(|step| (step.block_id.clone(), step)).collect();
    let positions: HashMap<&str, &Block> = blocks.iter().map(|block| (block.id.as_str(), block)).collect();

    let edge_views = edges
        .iter()
        .filter_map(|edge| {
            let (from, to) = (positions.get(edge.from.as_str())?, positions.get(edge.to.as_str())?);
            let start = Position { x: from.position.x + BLOCK_W, y: from.position.y + out_port_offset(from, &edge.from_port, &choices) };
            let end = Position { x: to.position.x, y: to.position.y + HEAD_H / 2.0 };
            let taken = taken(&records, edge);
            Some(view! { <path class="rc-edge" class:taken=taken d=edge_path(start, end) /> })
        })
        .collect_view();
    let block_views = blocks
        .iter()
        .map(|block| {
            let record = records.get(&block.id);
            view! { <RunBlock block=block.clone() record=record.cloned() choices=choices.clone() selected on_select /> }
        })
        .collect_view();

    let press = move |ev: ev::PointerEvent| {
        if ev.button() != 0 {
            return;
        }
        let Some(svg) = ev.current_target().and_then(|target| target.dyn_into::<web_sys::Element>().ok()) else { return };
        let rect = svg.get_bounding_client_rect();
        let from = view_box.get_untracked();
        let scale = (from.2 / rect.width()).max(from.3 / rect.height());
        // Capturing keeps the moves coming while the pointer leaves the canvas.
        let _ = svg.set_pointer_capture(ev.pointer_id());
        pan.set_value(Some(Pan { start: (f64::from(ev.client_x()), f64::from(ev.client_y())), from, scale }));
    };
    let drag = move |ev: ev::PointerEvent| {
        if let Some(Pan { start, from, scale }) = pan.get_value() {
            let (dx, dy) = ((f64::from(ev.client_x()) - start.0) * scale, (f64::from(ev.client_y()) - start.1) * scale);
            view_box.set(ViewBox(from.0 - dx, from.1 - dy, from.2, from.3));
        }
    };
    let release = move |_: ev::PointerEvent| pan.set_value(None);
    let wheel = move |ev: ev::WheelEvent| {
        if !(ev.ctrl_key() || ev.meta_key()) {
            return; // the page scrolls; pinching (Ctrl+wheel) zooms
        }
        ev.prevent_default();
        let factor = (-ev.delta_y() * 0.002).clamp(-0.5, 0.5).exp();
        let (cx, cy) = view_box.get_untracked().centre();
        view_box.update(|view| *view = view.zoomed(factor, cx, cy));
    };
    let zoom = move |factor: f64| {
        view_box.update(|view| {
            let (cx, cy) = view.centre();
            *view = view.zoomed(factor, cx, cy);
        })
    };
    view! {
        <div class="rc-frame">
            <div class="rc-tools" role="toolbar" aria-label="Canvas view">
                <button type="button" class="small" aria-label="Zoom out" title="Zoom out" on:click=move |_| zoom(1.0 / 1.25)>"−"</button>
                <button type="button" class="small" aria-label="Zoom in" title="Zoom in (or Ctrl+wheel)" on:click=move |_| zoom(1.25)>"+"</button>
                <button type="button" class="small" title="Show the whole flow" on:click=move |_| view_box.set(fit)>"Fit"</button>
            </div>
            <svg
                class="rc-canvas"
                viewBox=move || view_box.get().attr()
                preserveAspectRatio="xMidYMid meet"
                role="group"
                aria-label="Flow run canvas: each block coloured by its step's status. Drag to pan."
                on:pointerdown=press
                on:pointermove=drag
                on:pointerup=release
                on:pointercancel=release
                on:wheel=wheel
            >
                <g class="rc-edges">{edge_views}</g>
                {block_views}
            </svg>
        </div>
    }
}

#[component]
fn RunBlock(
    block: Block,
    record: Option<StepRecord>,
    choices: Vec<String>,
    selected: Signal<Option<String>>,
    on_select: Callback<String>,
) -> impl IntoView {
    let status = record.as_ref().map_or(StepStatus::Pending, |record| record.status);
    let ports = block.out_ports(&choices);
    let taken = record.as_ref().map(|record| record.ports.clone()).unwrap_or_default();
    let port_rows = if ports.len() == 1 {
        view! { <div class="fd-out single"><span class="fd-port out" class:taken=!taken.is_empty()></span></div> }.into_any()
    } else {
        ports
            .into_iter()
            .map(|port| {
                let was_taken = taken.contains(&port);
                view! { <div class="fd-out"><span class="fd-out-name">{port}</span><span class="fd-port out" class:taken=was_taken></span></div> }
            })
            .collect_view()
            .into_any()
    };
    let title = block.title();
    let type_name = block.type_name();
    let label = format!("{type_name} block {title}: {}", step_status_label(status));
    let corner = record.as_ref().map(corner).unwrap_or_else(|| format!("○ {}", step_status_label(status)));
    let id = block.id.clone();
    let is_selected = {
        let id = id.clone();
        move || selected.with(|selected| selected.as_deref() == Some(id.as_str()))
    };
    let choose = {
        let id = id.clone();
        move || on_select.run(id.clone())
    };
    let choose_by_key = choose.clone();
    view! {
        <foreignObject class="rc-node" x=block.position.x y=block.position.y width=BLOCK_W height=block_height(&block, &choices)>
            <div
                class="rc-block"
                class:trigger=block.kind == BlockKind::Trigger
                class:selected=is_selected.clone()
                data-id=id.clone()
                data-status=status.key()
                role="button"
                tabindex="0"
                aria-pressed=move || is_selected().to_string()
                aria-label=label
                title=format!("{type_name} · {id}")
                on:pointerdown=|ev| ev.stop_propagation()
                on:click=move |_| choose()
                on:keydown=move |ev| {
                    if ev.key() == "Enter" || ev.key() == " " {
                        ev.prevent_default();
                        choose_by_key();
                    }
                }
            >
                {block.in_ports().first().map(|_| view! { <span class="fd-port in"></span> })}
                <header class="fd-head">
                    <span class="fd-icon" aria-hidden="true">{icon(&block)}</span>
                    <span class="fd-titles">
                        <span class="fd-title">{title.clone()}</span>
                        <span class="fd-sub">{format!("{type_name} · {}", block.id)}</span>
                    </span>
                </header>
                {port_rows}
                <span class="rc-corner" aria-hidden="true">{corner}</span>
            </div>
        </foreignObject>
    }
}

/// The colours of the run canvas, each with how many blocks have it.
#[component]
pub fn StatusLegend(#[prop(into)] steps: Signal<Vec<StepStatus>>) -> impl IntoView {
    const ORDER: [StepStatus; 6] =
        [StepStatus::Succeeded, StepStatus::Failed, StepStatus::Running, StepStatus::Waiting, StepStatus::Skipped, StepStatus::Pending];
    let items = ORDER
        .into_iter()
        .map(|status| {
            let count = move || steps.with(|steps| steps.iter().filter(|step| **step == status).count());
            view! {
                <li data-status=status.key() class:none=move || count() == 0>
                    <span class="st-swatch" aria-hidden="true"></span>
                    {step_status_label(status)}
                    <b>{count}</b>
                </li>
            }
        })
        .collect_view();
    view! { <ul class="st-legend" aria-label="Step statuses">{items}</ul> }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::flow_runs::Iterations;

    fn block(id: &str, trigger: Option<&str>, x: f64, y: f64) -> Block {
        Block {
            id: id.to_string(),
            kind: if trigger.is_some() { BlockKind::Trigger } else { BlockKind::Step },
            trigger: trigger.map(str::to_string),
            step: trigger.is_none().then(|| "webhook".to_string()),
            label: String::new(),
            settings: Default::default(),
            inputs: Default::default(),
            position: Position { x, y },
        }
    }

    #[test]
    fn the_view_frames_every_block_and_never_shrinks_below_the_minimum() {
        let blocks = [block("t1", Some("status"), 0.0, 0.0), block("w1", None, 2000.0, 900.0)];
        let ViewBox(x, y, w, h) = ViewBox::framing(&blocks, &[]);
        assert!(x <= 0.0 && y <= 0.0);
        assert!(x + w >= 2000.0 + BLOCK_W && y + h >= 900.0 + HEAD_H);
        let small = ViewBox::framing(&blocks[..1], &[]);
        assert_eq!((small.2, small.3), MIN_VIEW);
        // Centred on the one block.
        assert_eq!(small.centre(), (BLOCK_W / 2.0, HEAD_H / 2.0));
    }

    #[test]
    fn zooming_keeps_the_point_it_zooms_around() {
        let view = ViewBox(0.0, 0.0, 800.0, 400.0);
        let zoomed = view.zoomed(2.0, 400.0, 200.0);
        assert_eq!(zoomed, ViewBox(200.0, 100.0, 400.0, 200.0));
        assert_eq!(zoomed.centre(), view.centre());
    }

    #[test]
    fn responses_ports_come_from_the_edges_that_leave_the_trigger() {
        let blocks = [block("t2", Some("responses"), 0.0, 0.0), block("w1", None, 300.0, 0.0), block("w2", None, 300.0, 100.0)];
        let edge = |port: &str, to: &str| Edge { from: "t2".into(), from_port: port.into(), to: to.into(), to_port: "in".into() };
        let edges = [edge("Accept", "w1"), edge("Decline", "w2"), edge("Accept", "w2")];
        assert_eq!(response_choices(&blocks, &edges), ["Accept", "Decline"]);
    }

    /// A step's record; `failed` iterations of 10,000 when it is inside a loop.
    fn record(id: &str, ports: &[&str], failed: Option<u64>) -> StepRecord {
        StepRecord {
            block_id: id.into(),
            step: "webhook".into(),
            label: id.into(),
            status: if failed.unwrap_or(0) > 0 { StepStatus::Failed } else { StepStatus::Succeeded },
            inputs: None,
            outputs: None,
            ports: ports.iter().map(|port| port.to_string()).collect(),
            logs: Vec::new(),
            error: None,
            started_at: None,
            finished_at: None,
            duration_ms: Some(12),
            due_at: None,
            iterations: failed.map(|failed| Iterations { ran: 10_000, failed, failed_items: Vec::new(), shown: "9999".into() }),
            called_run: None,
            reused: false,
        }
    }

    #[test]
    fn a_block_inside_a_loop_counts_its_iterations_in_its_corner() {
        assert_eq!(corner(&record("w1", &[], Some(0))), "✓ ×10000");
        assert_eq!(corner(&record("w1", &[], Some(3))), "✕ 3 of 10000 failed");
        assert_eq!(corner(&record("w1", &[], None)), "✓ 12 ms");
        let reused = StepRecord { reused: true, ..record("w1", &[], None) };
        assert_eq!(corner(&reused), "✓ reused", "a restart's reused record says so, not its old duration");
    }

    #[test]
    fn edges_are_taken_by_ports_and_inside_loops_by_iterations() {
        let records: HashMap<String, StepRecord> =
            [record("fe", &["done"], None), record("x1", &["error"], Some(1)), record("w1", &[], Some(0)), record("t1", &[], None)]
                .into_iter()
                .map(|record| (record.block_id.clone(), record))
                .collect();
        let edge = |from: &str, port: &str, to: &str| Edge { from: from.into(), from_port: port.into(), to: to.into(), to_port: "in".into() };
        assert!(taken(&records, &edge("fe", "done", "after")), "a port the step took");
        assert!(taken(&records, &edge("fe", "each", "x1")), "the loop reached its body");
        assert!(taken(&records, &edge("x1", "out", "w1")), "some iteration went on");
        assert!(!taken(&records, &edge("t1", "out", "w1")), "into the body from outside: never");
        assert!(!taken(&records, &edge("fe", "error", "oops")));
    }

    #[test]
    fn durations_read_in_the_unit_that_fits() {
        assert_eq!(duration_ms(85), "85 ms");
        assert_eq!(duration_ms(1_440), "1.4 s");
        assert_eq!(duration_ms(125_000), "2 min 5 s");
    }
}
