//! The canvas: blocks, edges, the frames around For Each bodies, the connection preview,
//! rubber-band selection, pan and zoom, the minimap, and the keyboard. Pointer moves change
//! only the position signals of the dragged blocks (moved with a CSS transform); the
//! document is edited once, on release.

use std::collections::HashSet;

use leptos::{ev, prelude::*, wasm_bindgen::JsCast};

use super::{BLOCK_W, Cell, Designer, HEAD_H, View, block_height, out_port_offset};
use crate::{
    components::block_shape::{edge_path, icon},
    model::{
        flows::{BlockKind, Edge, Loops, Position},
        trigger::Trigger,
    },
};

/// The palette's drag payload type: `step:<key>` or `trigger:<key>`.
pub(crate) const DRAG_TYPE: &str = "application/x-outflow-block";
const VIEWPORT_ID: &str = "fd-viewport";
/// Pointer travel (screen pixels) before a press becomes a drag rather than a click.
const DRAG_SLOP: f64 = 3.0;
/// Below this zoom blocks are drawn as plain boxes: their text and ports would be unreadable,
/// and drawing them for a thousand blocks is most of the cost of opening a big flow.
const DETAIL_ZOOM: f64 = 0.45;
/// Blocks this far (screen pixels) outside the viewport are drawn in full already, so
/// panning does not show them half-drawn.
const DETAIL_MARGIN: f64 = 300.0;

enum Drag {
    Move { start: (f64, f64), origins: Vec<(String, Cell, Position)>, moved: bool, clicked: String, shift: bool },
    Pan { start: (f64, f64), view: View, moved: bool },
    Connect { from: String, port: String, origin: Position, start: (f64, f64), moved: bool },
    Rubber { start: Position, base: HashSet<String> },
}

/// The canvas's pointer state next to the designer's.
#[derive(Clone, Copy)]
struct Ui {
    designer: Designer,
    drag: StoredValue<Option<Drag>>,
    preview: RwSignal<Option<(Position, Position)>>,
    rubber: RwSignal<Option<(Position, Position)>>,
    /// While blocks move or the view pans, nothing under the pointer needs hit-testing.
    dragging: RwSignal<bool>,
}

fn viewport() -> Option<web_sys::Element> {
    web_sys::window()?.document()?.get_element_by_id(VIEWPORT_ID)
}

/// The canvas viewport's size in pixels, once it is on the page.
pub(crate) fn viewport_size() -> Option<(f64, f64)> {
    let rect = viewport()?.get_bounding_client_rect();
    Some((rect.width(), rect.height()))
}

/// A pointer position relative to the viewport's top-left corner.
fn local(ev: &ev::MouseEvent) -> (f64, f64) {
    let (left, top) = viewport().map(|element| element.get_bounding_client_rect()).map(|rect| (rect.left(), rect.top())).unwrap_or_default();
    (f64::from(ev.client_x()) - left, f64::from(ev.client_y()) - top)
}

fn client(ev: &ev::MouseEvent) -> (f64, f64) {
    (f64::from(ev.client_x()), f64::from(ev.client_y()))
}

/// The element an event happened on, or its nearest ancestor matching `selector`.
fn closest(ev: &ev::Event, selector: &str) -> Option<web_sys::Element> {
    ev.target()?.dyn_into::<web_sys::Element>().ok()?.closest(selector).ok().flatten()
}

/// The id of the block an event happened in.
fn block_under(ev: &ev::Event) -> Option<String> {
    closest(ev, ".fd-block")?.get_attribute("data-id")
}

fn travelled(from: (f64, f64), to: (f64, f64)) -> bool {
    (to.0 - from.0).abs() + (to.1 - from.1).abs() >= DRAG_SLOP
}

impl Ui {
    /// Every press in the viewport (edges and the minimap handle their own): on an output
    /// port, a block or the background. One listener instead of some per block.
    fn pointer_down(self, ev: &ev::PointerEvent) {
        if let Some(port) = closest(ev, ".fd-port.out").and_then(|port| port.get_attribute("data-port")) {
            if let Some(id) = block_under(ev) {
                self.port_down(&id, &port, ev);
            }
        } else if let Some(id) = block_under(ev) {
            self.block_down(&id, ev);
        } else {
            self.background_down(ev);
        }
    }

    /// Enter on a focused block selects it and moves the focus to the inspector.
    fn key_down(self, ev: &ev::KeyboardEvent) {
        if ev.key() != "Enter" {
            return;
        }
        let Some(id) = block_under(ev) else { return };
        ev.prevent_default();
        self.designer.select(HashSet::from([id]));
        focus_inspector();
    }

    fn block_down(self, id: &str, ev: &ev::PointerEvent) {
        if ev.button() != 0 {
            return;
        }
        ev.stop_propagation();
        let designer = self.designer;
        let shift = ev.shift_key();
        let Some(cell) = designer.cell(id) else { return };
        if shift {
            designer.toggle(id);
        } else if !cell.selected.get_untracked() {
            designer.select(HashSet::from([id.to_string()]));
        }
        let selected = designer.selected.get_untracked();
        if !selected.contains(id) {
            return;
        }
        let origins = selected.iter().filter_map(|id| designer.cell(id).map(|cell| (id.clone(), cell, cell.pos.get_untracked()))).collect();
        self.drag.set_value(Some(Drag::Move { start: client(ev), origins, moved: false, clicked: id.to_string(), shift }));
    }

    fn block_up(self, id: &str, ev: &ev::PointerEvent) {
        let connecting = self.drag.with_value(|drag| match drag {
            Some(Drag::Connect { from, port, moved, .. }) => Some((from.clone(), port.clone(), *moved)),
            _ => None,
        });
        let Some((from, port, moved)) = connecting else { return };
        ev.stop_propagation();
        self.drag.set_value(None);
        self.preview.set(None);
        if from == id && !moved {
            return; // a click on a port, not an attempt to connect
        }
        self.designer.connect(Edge { from, from_port: port, to: id.to_string(), to_port: "in".to_string() });
    }

    fn port_down(self, id: &str, port: &str, ev: &ev::PointerEvent) {
        if ev.button() != 0 {
            return;
        }
        ev.stop_propagation();
        ev.prevent_default();
        let Some(cell) = self.designer.cell(id) else { return };
        let choices = self.designer.choices();
        let pos = cell.pos.get_untracked();
        let offset = cell.block.with_untracked(|block| out_port_offset(block, port, &choices));
        let origin = Position { x: pos.x + BLOCK_W, y: pos.y + offset };
        self.preview.set(Some((origin, origin)));
        self.drag.set_value(Some(Drag::Connect { from: id.to_string(), port: port.to_string(), origin, start: client(ev), moved: false }));
    }

    fn background_down(self, ev: &ev::PointerEvent) {
        if ev.button() != 0 {
            return;
        }
        if let Some(element) = viewport().and_then(|element| element.dyn_into::<web_sys::HtmlElement>().ok()) {
            // Keyboard shortcuts follow the canvas once it is clicked.
            let _ = element.focus();
        }
        if ev.shift_key() {
            let (x, y) = local(ev);
            let start = self.designer.to_world(x, y);
            self.rubber.set(Some((start, start)));
            self.drag.set_value(Some(Drag::Rubber { start, base: self.designer.selected.get_untracked() }));
        } else {
            self.drag.set_value(Some(Drag::Pan { start: client(ev), view: self.designer.view.get_untracked(), moved: false }));
        }
    }

    fn pointer_move(self, ev: &ev::PointerEvent) {
        let designer = self.designer;
        let now = client(ev);
        self.drag.update_value(|drag| match drag {
            Some(Drag::Move { start, origins, moved, .. }) => {
                if !*moved && !travelled(*start, now) {
                    return;
                }
                if !*moved {
                    self.dragging.set(true);
                }
                *moved = true;
                let zoom = designer.view.get_untracked().zoom;
                let (dx, dy) = ((now.0 - start.0) / zoom, (now.1 - start.1) / zoom);
                for (_, cell, origin) in origins.iter() {
                    cell.pos.set(Position { x: (origin.x + dx).round(), y: (origin.y + dy).round() });
                }
            }
            Some(Drag::Pan { start, view, moved }) => {
                if !*moved && !travelled(*start, now) {
                    return;
                }
                if !*moved {
                    self.dragging.set(true);
                }
                *moved = true;
                designer.view.set(View { x: view.x + now.0 - start.0, y: view.y + now.1 - start.1, zoom: view.zoom });
            }
            Some(Drag::Connect { origin, start, moved, .. }) => {
                *moved |= travelled(*start, now);
                let (x, y) = local(ev);
                self.preview.set(Some((*origin, designer.to_world(x, y))));
            }
            Some(Drag::Rubber { start, base }) => {
                let (x, y) = local(ev);
                let end = designer.to_world(x, y);
                self.rubber.set(Some((*start, end)));
                let (min_x, max_x) = (start.x.min(end.x), start.x.max(end.x));
                let (min_y, max_y) = (start.y.min(end.y), start.y.max(end.y));
                let choices = designer.choices();
                let mut chosen = base.clone();
                designer.cells.with_value(|cells| {
                    for (id, cell) in cells {
                        let pos = cell.pos.get_untracked();
                        let height = cell.block.with_untracked(|block| block_height(block, &choices));
                        if pos.x < max_x && pos.x + BLOCK_W > min_x && pos.y < max_y && pos.y + height > min_y {
                            chosen.insert(id.clone());
                        }
                    }
                });
                designer.select(chosen);
            }
            None => {}
        });
    }

    fn pointer_up(self, _ev: &ev::PointerEvent) {
        let Some(drag) = self.drag.try_update_value(Option::take).flatten() else { return };
        let designer = self.designer;
        if self.dragging.get_untracked() {
            self.dragging.set(false);
        }
        match drag {
            Drag::Move { origins, moved: true, .. } => {
                let moves: Vec<(String, Position)> = origins.into_iter().map(|(id, cell, _)| (id, cell.pos.get_untracked())).collect();
                designer.edit(false, |editor| editor.move_blocks(&moves));
            }
            Drag::Move { clicked, shift: false, .. } => designer.select(HashSet::from([clicked])),
            Drag::Move { .. } => {}
            Drag::Pan { moved: false, .. } => designer.select(HashSet::new()),
            Drag::Pan { .. } => {}
            Drag::Connect { .. } => self.preview.set(None),
            Drag::Rubber { .. } => self.rubber.set(None),
        }
    }

    fn wheel(self, ev: &ev::WheelEvent) {
        ev.prevent_default();
        let (x, y) = local(ev);
        let factor = (-ev.delta_y() * 0.0015).clamp(-0.5, 0.5).exp();
        self.designer.zoom_at(factor, x, y);
    }

    fn drop(self, ev: &ev::DragEvent) {
        let Some(payload) = ev.data_transfer().and_then(|data| data.get_data(DRAG_TYPE).ok()).filter(|text| !text.is_empty()) else { return };
        ev.prevent_default();
        let (x, y) = local(ev);
        let at = self.designer.to_world(x, y);
        let at = Position { x: (at.x - BLOCK_W / 2.0).round(), y: (at.y - HEAD_H / 2.0).round() };
        add_from_palette(self.designer, &payload, at);
    }
}

/// Adds what a palette entry names (`step:<key>` or `trigger:<key>`) at a world position.
pub(crate) fn add_from_palette(designer: Designer, payload: &str, at: Position) {
    match payload.split_once(':') {
        Some(("step", key)) => designer.add_step(key, at),
        Some(("trigger", key)) => {
            if let Some(trigger) = Trigger::from_key(key) {
                designer.add_trigger(trigger, at);
            }
        }
        _ => {}
    }
}

/// The centre of the visible canvas in world coordinates, where keyboard-added blocks go.
pub(crate) fn visible_centre(designer: Designer) -> Position {
    let (width, height) = viewport_size().unwrap_or((800.0, 600.0));
    let centre = designer.to_world(width / 2.0, height / 2.0);
    Position { x: (centre.x - BLOCK_W / 2.0).round(), y: (centre.y - HEAD_H / 2.0).round() }
}

/// Keeps each block's `detailed` flag in line with the zoom and the viewport; only the blocks
/// whose flag changes re-render.
fn level_of_detail(designer: Designer) {
    let size = RwSignal::new(None::<(f64, f64)>);
    request_animation_frame(move || size.set(viewport_size()));
    Effect::new(move |_| {
        let view = designer.view.get();
        designer.ids.track();
        let Some((width, height)) = size.get() else { return };
        let near = view.zoom >= DETAIL_ZOOM;
        let margin = DETAIL_MARGIN / view.zoom;
        let top_left = designer.to_world(0.0, 0.0);
        let (right, bottom) = (top_left.x + width / view.zoom + margin, top_left.y + height / view.zoom + margin);
        let (left, top) = (top_left.x - margin - BLOCK_W, top_left.y - margin - HEAD_H * 4.0);
        designer.cells.with_value(|cells| {
            for cell in cells.values() {
                let want = near && {
                    let pos = cell.pos.get_untracked();
                    pos.x > left && pos.x < right && pos.y > top && pos.y < bottom
                };
                if cell.detailed.get_untracked() != want {
                    cell.detailed.set(want);
                }
            }
        });
    });
}

#[component]
pub(super) fn Canvas(designer: Designer) -> impl IntoView {
    let ui = Ui { designer, drag: StoredValue::new(None), preview: RwSignal::new(None), rubber: RwSignal::new(None), dragging: RwSignal::new(false) };
    let moves = window_event_listener(ev::pointermove, move |ev| ui.pointer_move(&ev));
    let ups = window_event_listener(ev::pointerup, move |ev| ui.pointer_up(&ev));
    on_cleanup(move || {
        moves.remove();
        ups.remove();
    });
    // Frame the graph once the viewport has its size.
    request_animation_frame(move || designer.fit());
    level_of_detail(designer);

    let world_transform = move || {
        let view = designer.view.get();
        format!("translate({}px, {}px) scale({})", view.x, view.y, view.zoom)
    };
    let preview = move || ui.preview.get().map(|(from, to)| view! { <path class="fd-edge-preview" d=edge_path(from, to) /> });
    let rubber = move || {
        ui.rubber.get().map(|(a, b)| {
            let style = format!(
                "transform: translate({}px, {}px); width: {}px; height: {}px",
                a.x.min(b.x),
                a.y.min(b.y),
                (a.x - b.x).abs(),
                (a.y - b.y).abs()
            );
            view! { <div class="fd-rubber" style=style></div> }
        })
    };
    let empty = move || designer.ids.with(|ids| ids.is_empty());
    view! {
        <div
            id=VIEWPORT_ID
            class="fd-viewport"
            class:dragging=move || ui.dragging.get()
            tabindex="0"
            role="application"
            aria-label="Flow canvas. Press ? for keyboard shortcuts."
            on:pointerdown=move |ev| ui.pointer_down(&ev)
            on:pointerup=move |ev| {
                if let Some(id) = block_under(&ev) {
                    ui.block_up(&id, &ev);
                }
            }
            on:keydown=move |ev| ui.key_down(&ev)
            on:wheel=move |ev| ui.wheel(&ev)
            on:dragover=|ev| ev.prevent_default()
            on:drop=move |ev| ui.drop(&ev)
        >
            <div class="fd-world" style:transform=world_transform>
                <svg class="fd-edges" width="1" height="1" aria-hidden="true">
                    <LoopFrames designer />
                    <EdgeLayer ui />
                    {preview}
                </svg>
                <For each=move || designer.ids.get() key=|id| id.clone() children=move |id| view! { <BlockNode ui id /> } />
                {rubber}
            </div>
            <Show when=empty>
                <p class="fd-empty">"Drag a step from the palette onto the canvas to start."</p>
            </Show>
            <Minimap designer />
        </div>
    }
}

/// A dashed frame behind each For Each's body (the blocks its `each` port reaches, as
/// `flows::Loops` says), following the blocks as they move, so a loop's extent is visible.
#[component]
fn LoopFrames(designer: Designer) -> impl IntoView {
    const PAD: f64 = 14.0;
    let frames = move || {
        designer.ids.track();
        designer.edges.track();
        let choices = designer.choices();
        let loops = designer.editor.with_value(|editor| {
            let loops = Loops::of(&editor.doc.blocks, &editor.doc.edges);
            editor
                .doc
                .blocks
                .iter()
                .filter_map(|block| loops.body(&block.id).filter(|body| !body.is_empty()).map(|body| (block.id.clone(), body.clone())))
                .collect::<Vec<_>>()
        });
        loops
            .into_iter()
            .filter_map(|(id, body)| {
                let (mut left, mut top, mut right, mut bottom) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
                for member in &body {
                    let cell = designer.cell(member)?;
                    let pos = cell.pos.get();
                    let height = cell.block.with(|block| block_height(block, &choices));
                    (left, top) = (left.min(pos.x), top.min(pos.y));
                    (right, bottom) = (right.max(pos.x + BLOCK_W), bottom.max(pos.y + height));
                }
                let (x, y) = (left - PAD, top - PAD * 2.0);
                Some(view! {
                    <g class="fd-loop" data-loop=id.clone()>
                        <rect x=x y=y width=right - left + PAD * 2.0 height=bottom - top + PAD * 3.0 rx="10"></rect>
                        <text x=x + 8.0 y=y + 14.0>{format!("each item of {id}")}</text>
                    </g>
                })
            })
            .collect_view()
    };
    view! { <g>{frames}</g> }
}

/// What the edge layer has drawn: the edges in the order of their `<g>` elements, where each
/// one starts and ends, and which one is selected.
#[derive(Default)]
struct DrawnEdges {
    edges: Vec<Edge>,
    ends: Vec<(Position, Position)>,
    selected: Option<usize>,
}

/// Where an edge starts (its output port) and ends (the target's input port), as the blocks
/// stand now; reading them subscribes the caller to both blocks.
fn edge_ends(designer: Designer, edge: &Edge, choices: &[String]) -> Option<(Position, Position)> {
    let (from, to) = (designer.cell(&edge.from)?, designer.cell(&edge.to)?);
    let start = from.pos.get();
    let offset = from.block.with(|block| out_port_offset(block, &edge.from_port, choices));
    let end = to.pos.get();
    Some((Position { x: start.x + BLOCK_W, y: start.y + offset }, Position { x: end.x, y: end.y + HEAD_H / 2.0 }))
}

/// Escapes text for HTML markup (attribute values and text).
fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// One edge's markup: a wide transparent path to hit, the visible line, and a tooltip.
fn edge_markup(markup: &mut String, index: usize, edge: &Edge, (from, to): (Position, Position), selected: bool) {
    let d = edge_path(from, to);
    let class = if selected { "fd-edge selected" } else { "fd-edge" };
    let title = escape(&format!("{} ({}) → {}. Click to select, then press Delete.", edge.from, edge.from_port, edge.to));
    markup.push_str(&format!(
        r#"<g class="{class}" data-index="{index}"><path class="fd-edge-hit" d="{d}"><title>{title}</title></path><path class="fd-edge-line" d="{d}"></path></g>"#
    ));
}

/// Every edge in one `<g>`: one effect draws them all, as markup set at once when the edges
/// change (one parse instead of thousands of reactive nodes), and afterwards moves only the
/// paths whose blocks moved. A press on an edge selects it (one listener for all of them).
#[component]
fn EdgeLayer(ui: Ui) -> impl IntoView {
    let designer = ui.designer;
    let layer = NodeRef::<leptos::svg::G>::new();
    let drawn = StoredValue::new(DrawnEdges::default());
    Effect::new(move |_| {
        let Some(layer) = layer.get() else { return };
        let choices = designer.choices();
        let selected_edge = designer.selected_edge.get();
        designer.ids.track();
        designer.edges.with(|edges| {
            let ends: Vec<(Position, Position)> = edges.iter().map(|edge| edge_ends(designer, edge, &choices).unwrap_or_default()).collect();
            let selected = selected_edge.and_then(|chosen| edges.iter().position(|edge| *edge == chosen));
            drawn.update_value(|drawn| {
                if drawn.edges != *edges {
                    let mut markup = String::with_capacity(edges.len() * 320);
                    for (index, (edge, ends)) in edges.iter().zip(&ends).enumerate() {
                        edge_markup(&mut markup, index, edge, *ends, selected == Some(index));
                    }
                    layer.set_inner_html(&markup);
                    *drawn = DrawnEdges { edges: edges.clone(), ends, selected };
                    return;
                }
                let children = layer.children();
                for (index, (now, before)) in ends.iter().zip(drawn.ends.iter_mut()).enumerate() {
                    if now == before {
                        continue;
                    }
                    *before = *now;
                    let d = edge_path(now.0, now.1);
                    let paths = children.item(index as u32).map(|group| group.children());
                    for path in paths.iter().flat_map(|paths| [paths.item(0), paths.item(1)]).flatten() {
                        // Setting `d` on an SVG path cannot fail.
                        let _ = path.set_attribute("d", &d);
                    }
                }
                if drawn.selected != selected {
                    for (index, on) in [(drawn.selected, false), (selected, true)] {
                        if let Some(group) = index.and_then(|index| children.item(index as u32)) {
                            let _ = group.class_list().toggle_with_force("selected", on);
                        }
                    }
                    drawn.selected = selected;
                }
            });
        });
    });
    let press = move |ev: ev::PointerEvent| {
        let index = closest(&ev, ".fd-edge").and_then(|group| group.get_attribute("data-index")).and_then(|index| index.parse::<usize>().ok());
        let Some(edge) = index.and_then(|index| drawn.with_value(|drawn| drawn.edges.get(index).cloned())) else { return };
        ev.stop_propagation();
        designer.select_edge(edge);
    };
    view! { <g node_ref=layer on:pointerdown=press></g> }
}

#[component]
fn BlockNode(ui: Ui, id: String) -> impl IntoView {
    let designer = ui.designer;
    let Some(cell) = designer.cell(&id) else { return ().into_any() };
    let id = StoredValue::new(id);
    let choices = StoredValue::new(designer.choices());
    let transform = move || {
        let pos = cell.pos.get();
        format!("translate({}px, {}px)", pos.x, pos.y)
    };
    let body = move || {
        if !cell.detailed.get() {
            let height = cell.block.with(|block| choices.with_value(|choices| block_height(block, choices)));
            return view! { <div class="fd-lod" style:height=format!("{height}px")></div> }.into_any();
        }
        cell.block.with(|block| {
            let ports = choices.with_value(|choices| block.out_ports(choices));
            let has_input = !block.in_ports().is_empty();
            let title = block.title();
            let kind = if block.kind == BlockKind::Trigger { "Trigger" } else { "Step" };
            let type_name = block.type_name();
            // A trigger of the form's integration says which integration it is.
            let subtitle = match designer.integration(block) {
                Some(integration) => format!("{} · {}", integration.name, integration.action.label()),
                None if title == type_name => format!("{kind} · {}", block.id),
                None => format!("{type_name} · {}", block.id),
            };
            let single = ports.len() == 1;
            let port_views = ports
                .into_iter()
                .map(|port| {
                    let tip = format!("Output \"{port}\": drag to a block to connect");
                    let handle = view! {
                        <span
                            class="fd-port out"
                            title=tip
                            data-port=port.clone()
                        ></span>
                    };
                    if single {
                        view! { <div class="fd-out single">{handle}</div> }.into_any()
                    } else {
                        view! { <div class="fd-out"><span class="fd-out-name">{port}</span>{handle}</div> }.into_any()
                    }
                })
                .collect_view();
            view! {
                {has_input.then(|| view! { <span class="fd-port in" title="Input: drop a connection here"></span> })}
                <header class="fd-head">
                    <span class="fd-icon" aria-hidden="true">{icon(block)}</span>
                    <span class="fd-titles">
                        <span class="fd-title">{title}</span>
                        <span class="fd-sub" title=kind>{subtitle}</span>
                    </span>
                </header>
                {port_views}
            }
            .into_any()
        })
    };
    let badge = move || {
        cell.issues.with(|issues| {
            (cell.detailed.get() && !issues.is_empty()).then(|| {
                let tip = issues.join("\n");
                let count = issues.len();
                view! { <span class="fd-badge" title=tip.clone() aria-label=tip role="img">{format!("! {count}")}</span> }
            })
        })
    };
    let is_trigger = cell.block.with_untracked(|block| block.kind == BlockKind::Trigger);
    let label = move || cell.block.with(|block| format!("{} block {}", block.type_name(), block.title()));
    view! {
        <div
            class="fd-block"
            class:trigger=is_trigger
            class:selected=move || cell.selected.get()
            class:warn=move || cell.issues.with(|issues| !issues.is_empty())
            class:off=move || cell.block.with(|block| designer.trigger_problem(block).is_some())
            data-status=super::test_panel::block_status(id.get_value())
            style:transform=transform
            data-id=id.get_value()
            role="group"
            tabindex="0"
            aria-label=label
        >
            {body}
            {badge}
        </div>
    }
    .into_any()
}

/// Moves the focus to the inspector's first field once it shows the selected block.
fn focus_inspector() {
    request_animation_frame(|| {
        let field = web_sys::window()
            .and_then(|window| window.document())
            .and_then(|document| document.query_selector(".fd-inspector input, .fd-inspector textarea, .fd-inspector select").ok().flatten())
            .and_then(|element| element.dyn_into::<web_sys::HtmlElement>().ok());
        if let Some(field) = field {
            let _ = field.focus();
        }
    });
}

const MINIMAP_W: f64 = 200.0;
const MINIMAP_H: f64 = 130.0;

#[component]
fn Minimap(designer: Designer) -> impl IntoView {
    // The world area the minimap shows: the graph's bounds, padded to the minimap's shape.
    let area = Memo::new(move |_| {
        designer.ids.track();
        designer.inspector_rev.track();
        let (min_x, min_y, max_x, max_y) = designer.bounds().unwrap_or((0.0, 0.0, 800.0, 500.0));
        let (mut width, mut height) = (max_x - min_x + 200.0, max_y - min_y + 200.0);
        if width / height > MINIMAP_W / MINIMAP_H {
            height = width * MINIMAP_H / MINIMAP_W;
        } else {
            width = height * MINIMAP_W / MINIMAP_H;
        }
        let (cx, cy) = ((min_x + max_x) / 2.0, (min_y + max_y) / 2.0);
        (cx - width / 2.0, cy - height / 2.0, width, height)
    });
    // Every block as one path (the selected ones as another), from the document: one element
    // instead of one per block; a dragged block moves here when it is dropped.
    let shapes = Memo::new(move |_| {
        designer.ids.track();
        designer.inspector_rev.track();
        let selected = designer.selected.get();
        designer.editor.with_value(|editor| {
            let (mut all, mut chosen) = (String::new(), String::new());
            for block in &editor.doc.blocks {
                let height = block_height(block, &editor.choices);
                let shape = if selected.contains(&block.id) { &mut chosen } else { &mut all };
                shape.push_str(&format!("M{} {}h{BLOCK_W}v{height}h-{BLOCK_W}Z", block.position.x, block.position.y));
            }
            (all, chosen)
        })
    });
    let view_box = move || {
        let (x, y, w, h) = area.get();
        format!("{x} {y} {w} {h}")
    };
    // The viewport's size, read once and on resize: reading it per frame would force layout.
    let size = RwSignal::new((800.0, 600.0));
    let measure = move || {
        if let Some(measured) = viewport_size() {
            size.set(measured);
        }
    };
    request_animation_frame(measure);
    let resizes = window_event_listener(ev::resize, move |_| measure());
    on_cleanup(move || resizes.remove());
    let window = Memo::new(move |_| {
        let view = designer.view.get();
        let (width, height) = size.get();
        (-view.x / view.zoom, -view.y / view.zoom, width / view.zoom, height / view.zoom)
    });
    let centre_on = move |ev: ev::PointerEvent| {
        ev.stop_propagation();
        let Some(target) = ev.current_target().and_then(|target| target.dyn_into::<web_sys::Element>().ok()) else { return };
        let rect = target.get_bounding_client_rect();
        let (x, y, w, h) = area.get_untracked();
        let world_x = x + (f64::from(ev.client_x()) - rect.left()) / rect.width() * w;
        let world_y = y + (f64::from(ev.client_y()) - rect.top()) / rect.height() * h;
        let (width, height) = viewport_size().unwrap_or((800.0, 600.0));
        designer.view.update(|view| {
            view.x = width / 2.0 - world_x * view.zoom;
            view.y = height / 2.0 - world_y * view.zoom;
        });
    };
    view! {
        <svg
            class="fd-minimap"
            viewBox=view_box
            preserveAspectRatio="none"
            role="img"
            aria-label="Minimap: click to move the view"
            on:pointerdown=centre_on
        >
            <path class="fd-mini-block" d=move || shapes.get().0 />
            <path class="fd-mini-block selected" d=move || shapes.get().1 />
            <rect
                class="fd-mini-view"
                x=move || window.get().0
                y=move || window.get().1
                width=move || window.get().2
                height=move || window.get().3
            />
        </svg>
    }
}

/// Keyboard shortcuts and the warning before leaving with unsaved edits (every link on the
/// designer's page loads a new page: it has no client-side router).
pub(super) fn keyboard_and_leaving(designer: Designer) {
    let keys = window_event_listener(ev::keydown, move |ev| on_key(designer, &ev));
    let leaving = window_event_listener(ev::beforeunload, move |ev| {
        if designer.dirty.get_untracked() {
            ev.prevent_default();
            ev.set_return_value("You have unsaved changes in this flow.");
        }
    });
    on_cleanup(move || {
        keys.remove();
        leaving.remove();
    });
}

fn on_key(designer: Designer, ev: &ev::KeyboardEvent) {
    let command = ev.ctrl_key() || ev.meta_key();
    let key = ev.key().to_lowercase();
    if command && key == "s" {
        ev.prevent_default();
        designer.save();
        return;
    }
    let typing = ev
        .target()
        .and_then(|target| target.dyn_into::<web_sys::Element>().ok())
        .is_some_and(|element| matches!(element.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT") || element.has_attribute("contenteditable"));
    if typing {
        return;
    }
    let handled = match (command, key.as_str()) {
        (true, "z") if ev.shift_key() => {
            designer.redo();
            true
        }
        (true, "z") => {
            designer.undo();
            true
        }
        (true, "y") => {
            designer.redo();
            true
        }
        (true, "c") => {
            designer.copy();
            true
        }
        (true, "v") => {
            designer.paste();
            true
        }
        (true, "a") => {
            designer.select(designer.ids.get_untracked().into_iter().collect());
            true
        }
        (false, "delete" | "backspace") => {
            designer.delete_selection();
            true
        }
        (false, "?") => {
            designer.help.update(|open| *open = !*open);
            true
        }
        (false, "escape") => {
            designer.help.set(false);
            designer.select(HashSet::new());
            true
        }
        (false, "arrowleft" | "arrowright" | "arrowup" | "arrowdown") => {
            let step = if ev.shift_key() { 1.0 } else { 10.0 };
            let (dx, dy) = match key.as_str() {
                "arrowleft" => (-step, 0.0),
                "arrowright" => (step, 0.0),
                "arrowup" => (0.0, -step),
                _ => (0.0, step),
            };
            designer.nudge(dx, dy);
            true
        }
        (false, "f") => {
            designer.fit();
            true
        }
        (false, "+" | "=") | (false, "-") => {
            if let Some((width, height)) = viewport_size() {
                designer.zoom_at(if key == "-" { 1.0 / 1.2 } else { 1.2 }, width / 2.0, height / 2.0);
            }
            true
        }
        _ => false,
    };
    if handled {
        ev.prevent_default();
    }
}
