//! The Flow Designer: a canvas of blocks and edges with a palette, an inspector and a test panel.
//! The document and its history live in [`state::Editor`] (plain data, unit-tested); this
//! module mirrors it into one set of signals per block, so dragging one block re-renders
//! that block and its edges only, never the whole graph. Edits are saved as a draft within
//! [`AUTOSAVE_AFTER`] of the last one; Publish makes the saved draft the version that runs.

mod canvas;
mod history;
mod inspector;
mod palette;
pub mod state;
mod test_panel;

use std::collections::{HashMap, HashSet};

use leptos::{prelude::*, task::spawn_local};

use self::state::{Clip, Editor, Snapshot};
use crate::{
    api::flows::{DesignerData, create_trigger_integration, publish_flow, save_flow},
    model::{
        flows::{Block, BlockKind, Edge, Flow, FlowDocument, FlowSave, Position},
        integrations::TriggerNode,
        trigger::Trigger,
    },
};

/// Geometry the CSS uses too (`.fd-block` width, header and port row heights).
pub(crate) const BLOCK_W: f64 = 208.0;
pub(crate) const HEAD_H: f64 = 52.0;
pub(crate) const ROW_H: f64 = 24.0;
/// Where copied blocks wait for a paste, in this flow or another.
const CLIPBOARD_KEY: &str = "outflow-flow-clipboard";
/// How long after the last edit the draft is saved.
pub(crate) const AUTOSAVE_AFTER: std::time::Duration = std::time::Duration::from_millis(800);

/// One block's signals: the canvas reads these and nothing wider.
#[derive(Clone, Copy)]
pub(crate) struct Cell {
    pub pos: RwSignal<Position>,
    pub block: RwSignal<Block>,
    pub selected: RwSignal<bool>,
    pub issues: RwSignal<Vec<String>>,
    /// Drawn in full (text, ports, badge): zoomed in far enough and in or near the viewport.
    pub detailed: RwSignal<bool>,
}

#[derive(Clone, Copy, PartialEq)]
pub(crate) struct View {
    pub x: f64,
    pub y: f64,
    pub zoom: f64,
}

#[derive(Clone, PartialEq)]
pub(crate) enum Notice {
    Info(String),
    Refused(String),
}

/// The designer's state and every operation the UI offers; cheap to copy into handlers.
#[derive(Clone, Copy)]
pub(crate) struct Designer {
    pub flow_id: StoredValue<String>,
    pub editor: StoredValue<Editor>,
    pub cells: StoredValue<HashMap<String, Cell>>,
    pub ids: RwSignal<Vec<String>>,
    pub edges: RwSignal<Vec<Edge>>,
    pub selected: RwSignal<HashSet<String>>,
    pub selected_edge: RwSignal<Option<Edge>>,
    pub view: RwSignal<View>,
    pub dirty: RwSignal<bool>,
    pub can_undo: RwSignal<bool>,
    pub can_redo: RwSignal<bool>,
    pub name: RwSignal<String>,
    pub version: RwSignal<i64>,
    /// The version that runs; `None` until the flow is first published.
    pub published: RwSignal<Option<i64>>,
    /// At most this many runs of the flow at once (`None`: no limit).
    pub max_runs: RwSignal<Option<u32>>,
    pub saving: RwSignal<bool>,
    pub publishing: RwSignal<bool>,
    /// Counts edits, so an autosave timer knows whether another edit came after it.
    pub edits: StoredValue<u64>,
    pub notice: RwSignal<Option<Notice>>,
    /// Bumped when the document changes from outside the inspector (undo, paste…), so the
    /// inspector's fields re-read their values; typing in them does not bump it.
    pub inspector_rev: RwSignal<u64>,
    pub help: RwSignal<bool>,
    /// The version history panel is open (in the inspector's place).
    pub history: RwSignal<bool>,
    /// The form's integrations: the trigger nodes they stand for (a drop may add one).
    pub integrations: RwSignal<Vec<TriggerNode>>,
    pub data: StoredValue<DesignerData>,
}

impl Designer {
    pub fn new(data: DesignerData) -> Designer {
        let flow = &data.flow;
        let choices = data.choices.clone();
        let snapshot = Snapshot { name: flow.name.clone(), blocks: flow.blocks.clone(), edges: flow.edges.clone() };
        let mut editor = Editor::new(snapshot, choices);
        editor.place_missing_triggers(&data.integrations.iter().map(|integration| integration.trigger).collect::<Vec<_>>());
        let designer = Designer {
            flow_id: StoredValue::new(flow.id.clone()),
            editor: StoredValue::new(editor),
            cells: StoredValue::new(HashMap::new()),
            ids: RwSignal::new(Vec::new()),
            edges: RwSignal::new(Vec::new()),
            selected: RwSignal::new(HashSet::new()),
            selected_edge: RwSignal::new(None),
            view: RwSignal::new(View { x: 0.0, y: 0.0, zoom: 1.0 }),
            dirty: RwSignal::new(false),
            can_undo: RwSignal::new(false),
            can_redo: RwSignal::new(false),
            name: RwSignal::new(flow.name.clone()),
            version: RwSignal::new(flow.version),
            published: RwSignal::new(flow.published_version),
            max_runs: RwSignal::new(flow.max_concurrent_runs),
            saving: RwSignal::new(false),
            publishing: RwSignal::new(false),
            edits: StoredValue::new(0),
            notice: RwSignal::new(None),
            inspector_rev: RwSignal::new(0),
            help: RwSignal::new(false),
            history: RwSignal::new(false),
            integrations: RwSignal::new(data.integrations.clone()),
            data: StoredValue::new(data),
        };
        designer.sync(false);
        designer
    }

    pub fn choices(self) -> Vec<String> {
        self.editor.with_value(|editor| editor.choices.clone())
    }

    /// The form's integration of a trigger block's trigger.
    pub fn integration(self, block: &Block) -> Option<TriggerNode> {
        let key = block.trigger.as_deref()?;
        self.integrations.with(|integrations| integrations.iter().find(|integration| integration.trigger.key() == key).cloned())
    }

    /// Why a trigger block starts nothing: the form has no integration of its trigger, or
    /// that integration is off. (Responses and HTTP triggers are the flow's own.)
    pub fn trigger_problem(self, block: &Block) -> Option<String> {
        let trigger = Trigger::from_key(block.trigger.as_deref()?)?;
        let integration = self.integration(block);
        if trigger.starts_flows(integration.as_ref().is_some_and(|integration| integration.enabled)) {
            return None;
        }
        Some(match integration {
            None => format!(
                "The form has no {} integration, so this trigger starts nothing. Drag the trigger from the palette again to create one, or add one on the Integrations page.",
                trigger.display_name()
            ),
            Some(integration) => {
                format!("The form's integration \"{}\" is off, so this trigger starts nothing until it is turned on.", integration.name)
            }
        })
    }

    pub fn cell(self, id: &str) -> Option<Cell> {
        self.cells.with_value(|cells| cells.get(id).copied())
    }

    /// Runs an edit on the document, then mirrors the result into the signals.
    pub fn edit<T>(self, from_inspector: bool, change: impl FnOnce(&mut Editor) -> T) -> T {
        let result = self.editor.try_update_value(change).expect("the designer's editor lives as long as its page");
        self.sync(from_inspector);
        result
    }

    /// Brings every signal in line with the document, touching only what changed.
    fn sync(self, from_inspector: bool) {
        let (doc, dirty, can_undo, can_redo, validation) =
            self.editor.with_value(|editor| (editor.doc.clone(), editor.is_dirty(), editor.can_undo(), editor.can_redo(), editor.validation()));
        let mut issues: HashMap<&str, Vec<String>> = HashMap::new();
        for issue in validation.warnings.iter().chain(validation.errors.iter()) {
            for block in &issue.blocks {
                issues.entry(block.as_str()).or_default().push(issue.message.clone());
            }
        }
        for block in doc.blocks.iter().filter(|block| block.kind == BlockKind::Trigger) {
            if let Some(problem) = self.trigger_problem(block) {
                issues.entry(block.id.as_str()).or_default().push(problem);
            }
        }
        let mut cells = self.cells.get_value();
        let mut created = false;
        for block in &doc.blocks {
            let found = issues.remove(block.id.as_str()).unwrap_or_default();
            match cells.get(&block.id) {
                Some(cell) => {
                    if cell.pos.get_untracked() != block.position {
                        cell.pos.set(block.position);
                    }
                    if cell.block.with_untracked(|current| current != block) {
                        cell.block.set(block.clone());
                    }
                    if cell.issues.with_untracked(|current| *current != found) {
                        cell.issues.set(found);
                    }
                }
                None => {
                    created = true;
                    cells.insert(
                        block.id.clone(),
                        Cell {
                            pos: RwSignal::new(block.position),
                            block: RwSignal::new(block.clone()),
                            selected: RwSignal::new(false),
                            issues: RwSignal::new(found),
                            detailed: RwSignal::new(false),
                        },
                    );
                }
            }
        }
        let ids: Vec<String> = doc.blocks.iter().map(|block| block.id.clone()).collect();
        if created || cells.len() != ids.len() {
            let keep: HashSet<&String> = ids.iter().collect();
            cells.retain(|id, _| keep.contains(id));
        }
        self.cells.set_value(cells);
        if self.ids.with_untracked(|current| *current != ids) {
            self.ids.set(ids);
        }
        if self.edges.with_untracked(|current| *current != doc.edges) {
            self.edges.set(doc.edges.clone());
        }
        // Forget selections of what no longer exists.
        let gone: Vec<String> = self.selected.with_untracked(|selected| selected.iter().filter(|id| self.cell(id).is_none()).cloned().collect());
        if !gone.is_empty() {
            self.selected.update(|selected| selected.retain(|id| !gone.contains(id)));
        }
        if self.selected_edge.with_untracked(|edge| edge.as_ref().is_some_and(|edge| !doc.edges.contains(edge))) {
            self.selected_edge.set(None);
        }
        if self.name.get_untracked() != doc.name {
            self.name.set(doc.name.clone());
        }
        self.dirty.set(dirty);
        if dirty {
            self.autosave_later();
        }
        self.can_undo.set(can_undo);
        self.can_redo.set(can_redo);
        if !validation.errors.is_empty() {
            self.notice.set(Some(Notice::Refused(validation.error_message())));
        }
        if !from_inspector {
            self.inspector_rev.update(|rev| *rev += 1);
        }
    }

    /// Selects exactly these blocks (and no edge).
    pub fn select(self, ids: HashSet<String>) {
        self.cells.with_value(|cells| {
            for (id, cell) in cells {
                let on = ids.contains(id);
                if cell.selected.get_untracked() != on {
                    cell.selected.set(on);
                }
            }
        });
        if self.selected.with_untracked(|current| *current != ids) {
            self.selected.set(ids);
        }
        if self.selected_edge.get_untracked().is_some() {
            self.selected_edge.set(None);
        }
    }

    pub fn toggle(self, id: &str) {
        let mut ids = self.selected.get_untracked();
        if !ids.remove(id) {
            ids.insert(id.to_string());
        }
        self.select(ids);
    }

    pub fn select_edge(self, edge: Edge) {
        self.select(HashSet::new());
        self.selected_edge.set(Some(edge));
    }

    pub fn refuse(self, message: String) {
        self.notice.set(Some(Notice::Refused(message)));
    }

    pub fn undo(self) {
        if self.edit(false, Editor::undo) {
            self.notice.set(None);
        }
    }

    pub fn redo(self) {
        if self.edit(false, Editor::redo) {
            self.notice.set(None);
        }
    }

    pub fn delete_selection(self) {
        let blocks = self.selected.get_untracked();
        let edges: Vec<Edge> = self.selected_edge.get_untracked().into_iter().collect();
        if self.edit(false, |editor| editor.delete(&blocks, &edges)) {
            self.select(HashSet::new());
        }
    }

    pub fn connect(self, edge: Edge) {
        match self.edit(false, |editor| editor.connect(edge)) {
            Ok(()) => self.notice.set(None),
            Err(message) => self.refuse(message),
        }
    }

    pub fn add_step(self, key: &str, at: Position) {
        if let Some(id) = self.edit(false, |editor| editor.add_step(key, at)) {
            self.select(HashSet::from([id]));
        }
    }

    /// Adds a trigger node; for a trigger the form has no integration of, creates that
    /// integration ("Run flows only"), so a trigger on the canvas is always an integration.
    pub fn add_trigger(self, trigger: Trigger, at: Position) {
        let id = self.edit(false, |editor| editor.add_trigger(trigger, at));
        self.select(HashSet::from([id]));
        let missing = !trigger.flow_native() && self.integrations.with_untracked(|known| !known.iter().any(|known| known.trigger == trigger));
        if !missing {
            return;
        }
        let form_id = self.data.with_value(|data| data.flow.form_id.clone());
        spawn_local(async move {
            match create_trigger_integration(form_id, trigger).await {
                Ok(integration) => {
                    let name = integration.name.clone();
                    self.integrations.update(|known| known.push(integration));
                    self.sync(false);
                    self.notice.set(Some(Notice::Info(format!(
                        "Created the form's integration \"{name}\" (Run flows only): its events now start this flow once it is published."
                    ))));
                }
                Err(error) => self.refuse(format!("The form's {} integration was not created: {}", trigger.display_name(), error.message)),
            }
        });
    }

    pub fn copy(self) {
        let ids = self.selected.get_untracked();
        if ids.is_empty() {
            return;
        }
        let clip = self.editor.with_value(|editor| editor.copy(&ids));
        let count = clip.blocks.len();
        if let Ok(text) = serde_json::to_string(&clip) {
            store_clip(&text);
            self.notice.set(Some(Notice::Info(format!("Copied {count} block{}. Paste with Ctrl+V, here or in another flow.", plural(count)))));
        }
    }

    pub fn paste(self) {
        let Some(clip) = load_clip().and_then(|text| serde_json::from_str::<Clip>(&text).ok()) else { return };
        let ids = self.edit(false, |editor| editor.paste(&clip, Position { x: 40.0, y: 40.0 }));
        self.select(ids.into_iter().collect());
    }

    /// Moves the selected blocks by (dx, dy): the arrow keys.
    pub fn nudge(self, dx: f64, dy: f64) {
        let ids = self.selected.get_untracked();
        if !ids.is_empty() {
            self.edit(false, |editor| editor.nudge(&ids, dx, dy));
        }
    }

    /// Shows a version the server has just saved (a restored one) as the saved canvas.
    pub fn load_saved(self, flow: Flow) {
        let snapshot = Snapshot { name: flow.name, blocks: flow.blocks, edges: flow.edges };
        self.version.set(flow.version);
        self.edit(false, |editor| editor.load_saved(snapshot));
    }

    /// The canvas as a SPEC §6 export document (unsaved edits included).
    pub fn document(self) -> FlowDocument {
        let form_id = self.data.with_value(|data| data.flow.form_id.clone());
        self.editor.with_value(|editor| FlowDocument {
            name: editor.doc.name.clone(),
            form_id,
            blocks: editor.doc.blocks.clone(),
            edges: editor.doc.edges.clone(),
            max_concurrent_runs: self.max_runs.get_untracked(),
        })
    }

    pub fn auto_layout(self) {
        self.edit(false, Editor::auto_layout);
        self.fit();
    }

    /// The world position under a point of the viewport (pixels from its top-left corner).
    pub fn to_world(self, x: f64, y: f64) -> Position {
        let view = self.view.get_untracked();
        Position { x: (x - view.x) / view.zoom, y: (y - view.y) / view.zoom }
    }

    /// Zooms by `factor` keeping the world point under (x, y) in place.
    pub fn zoom_at(self, factor: f64, x: f64, y: f64) {
        self.view.update(|view| {
            let zoom = (view.zoom * factor).clamp(0.1, 2.5);
            let scale = zoom / view.zoom;
            view.x = x - (x - view.x) * scale;
            view.y = y - (y - view.y) * scale;
            view.zoom = zoom;
        });
    }

    /// Frames the whole graph in the viewport.
    pub fn fit(self) {
        let Some((width, height)) = canvas::viewport_size() else { return };
        let Some((min_x, min_y, max_x, max_y)) = self.bounds() else { return };
        let (graph_w, graph_h) = (max_x - min_x + 80.0, max_y - min_y + 80.0);
        let zoom = (width / graph_w).min(height / graph_h).clamp(0.1, 1.0);
        self.view.set(View {
            x: (width - (max_x - min_x) * zoom) / 2.0 - min_x * zoom,
            y: (height - (max_y - min_y) * zoom) / 2.0 - min_y * zoom,
            zoom,
        });
    }

    /// The graph's extent in world coordinates, from the document (not the live drag).
    pub fn bounds(self) -> Option<(f64, f64, f64, f64)> {
        self.editor.with_value(|editor| {
            let blocks = &editor.doc.blocks;
            if blocks.is_empty() {
                return None;
            }
            let mut bounds = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
            for block in blocks {
                let height = block_height(block, &editor.choices);
                bounds.0 = bounds.0.min(block.position.x);
                bounds.1 = bounds.1.min(block.position.y);
                bounds.2 = bounds.2.max(block.position.x + BLOCK_W);
                bounds.3 = bounds.3.max(block.position.y + height);
            }
            Some(bounds)
        })
    }

    /// Saves the draft [`AUTOSAVE_AFTER`] from now unless another edit comes first. A canvas
    /// with errors waits (the errors are on screen) until an edit fixes them.
    fn autosave_later(self) {
        self.edits.update_value(|count| *count += 1);
        let edit = self.edits.get_value();
        set_timeout(
            move || {
                let still_last = self.edits.try_get_value() == Some(edit);
                let valid = self.editor.try_with_value(|editor| editor.validation().is_ok()) == Some(true);
                if still_last && valid && self.dirty.get_untracked() && !self.saving.get_untracked() {
                    self.save();
                }
            },
            AUTOSAVE_AFTER,
        );
    }

    /// Whether Publish has something to do now: a saved draft, nothing being saved or
    /// published.
    pub fn can_publish(self) -> bool {
        !self.dirty.get()
            && !self.saving.get()
            && !self.publishing.get()
            && crate::model::flows::draft_version(self.version.get(), self.published.get()).is_some()
    }

    /// Publishes the saved draft: runs started from now on use it.
    pub fn publish(self) {
        if !untrack(|| self.can_publish()) {
            return;
        }
        self.publishing.set(true);
        spawn_local(async move {
            match publish_flow(self.flow_id.get_value()).await {
                Ok(version) => {
                    self.published.set(Some(version));
                    self.notice.set(Some(Notice::Info(format!("Published version {version}: runs started from now on use it."))));
                }
                Err(error) => self.refuse(format!("Not published: {}", error.message)),
            }
            self.publishing.set(false);
        });
    }

    /// Sets how many runs of the flow may go at once (`None`: no limit), saved at once.
    pub fn set_max_runs(self, limit: Option<u32>) {
        self.max_runs.set(limit);
        self.save();
    }

    /// Saves the canvas as the newest version: a draft, which runs once published.
    pub fn save(self) {
        if self.saving.get_untracked() {
            return;
        }
        let (snapshot, validation) = self.editor.with_value(|editor| (editor.doc.clone(), editor.validation()));
        if !validation.is_ok() {
            self.refuse(format!("Not saved: {}", validation.error_message()));
            return;
        }
        let id = self.flow_id.get_value();
        let save = FlowSave {
            base_version: self.version.get_untracked(),
            name: snapshot.name.clone(),
            blocks: snapshot.blocks.clone(),
            edges: snapshot.edges.clone(),
            enabled: None,
            // 0 lifts the limit.
            max_concurrent_runs: Some(self.max_runs.get_untracked().unwrap_or(0)),
        };
        self.saving.set(true);
        spawn_local(async move {
            match save_flow(id, save).await {
                Ok(flow) => {
                    self.version.set(flow.version);
                    self.published.set(flow.published_version);
                    self.saving.set(false);
                    // Edits made while saving stay unsaved: `sync` schedules the next save.
                    self.edit(true, |editor| editor.mark_saved_as(snapshot));
                    let badges = flow.warnings.len();
                    // A refusal stays until the user acts: a save finishing behind it does not hide it.
                    let refused = self.notice.with_untracked(|notice| matches!(notice, Some(Notice::Refused(_))));
                    if badges > 0 && !refused {
                        self.notice.set(Some(Notice::Info(format!("Draft saved; {badges} block warning{} remain.", plural(badges)))));
                    }
                }
                Err(error) => {
                    self.saving.set(false);
                    self.refuse(format!("Not saved: {}", error.message));
                }
            }
        });
    }
}

fn plural(count: usize) -> &'static str {
    if count == 1 { "" } else { "s" }
}

/// A block's height on the canvas: the header, plus one row per output port when it has several.
pub(crate) fn block_height(block: &Block, choices: &[String]) -> f64 {
    let ports = block.out_ports(choices).len();
    if ports > 1 { HEAD_H + ports as f64 * ROW_H + 6.0 } else { HEAD_H }
}

/// Where an output port sits below the block's top edge.
pub(crate) fn out_port_offset(block: &Block, port: &str, choices: &[String]) -> f64 {
    let ports = block.out_ports(choices);
    if ports.len() <= 1 {
        return HEAD_H / 2.0;
    }
    let index = ports.iter().position(|known| known == port).unwrap_or(0);
    HEAD_H + index as f64 * ROW_H + ROW_H / 2.0
}

/// Downloads the canvas as `<flow name>.json` in the format `POST /api/v1/flows/import` takes.
fn download_export(designer: Designer) {
    let document = designer.document();
    let Ok(text) = serde_json::to_string_pretty(&document) else { return };
    let name: String = document.name.chars().map(|c| if c.is_alphanumeric() || c == '-' || c == '_' { c } else { '-' }).collect();
    #[cfg(feature = "browser")]
    {
        use leptos::wasm_bindgen::JsCast;
        let parts = js_sys::Array::of1(&leptos::wasm_bindgen::JsValue::from_str(&text));
        let options = web_sys::BlobPropertyBag::new();
        options.set_type("application/json");
        let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options) else { return };
        let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else { return };
        let link = web_sys::window()
            .and_then(|window| window.document())
            .and_then(|document| document.create_element("a").ok())
            .and_then(|element| element.dyn_into::<web_sys::HtmlAnchorElement>().ok());
        if let Some(link) = link {
            link.set_href(&url);
            link.set_download(&format!("{name}.json"));
            link.click();
        }
        // The download reads the blob after this click returns.
        set_timeout(move || drop(web_sys::Url::revoke_object_url(&url)), std::time::Duration::from_secs(60));
    }
    #[cfg(not(feature = "browser"))]
    let _ = (text, name);
}

fn store_clip(text: &str) {
    #[cfg(feature = "browser")]
    if let Some(storage) = web_sys::window().and_then(|window| window.local_storage().ok().flatten()) {
        // A full or blocked storage only loses the copy; the page goes on.
        let _ = storage.set_item(CLIPBOARD_KEY, text);
    }
    #[cfg(not(feature = "browser"))]
    let _ = (text, CLIPBOARD_KEY);
}

fn load_clip() -> Option<String> {
    #[cfg(feature = "browser")]
    {
        web_sys::window().and_then(|window| window.local_storage().ok().flatten()).and_then(|storage| storage.get_item(CLIPBOARD_KEY).ok().flatten())
    }
    #[cfg(not(feature = "browser"))]
    None
}

/// The whole designer: toolbar, palette, canvas, inspector, help. `history` opens the
/// version history at that version.
#[component]
pub fn FlowDesigner(data: DesignerData, history: Option<i64>) -> impl IntoView {
    let designer = Designer::new(data);
    if history.is_some() {
        designer.history.set(true);
    }
    canvas::keyboard_and_leaving(designer);
    let tester = test_panel::Tester::provide(designer);
    let status = move || {
        let (version, published) = (designer.version.get(), designer.published.get());
        let draft = crate::model::flows::draft_version(version, published);
        if designer.saving.get() {
            view! { <span class="fd-status">"Saving draft…"</span> }.into_any()
        } else if designer.dirty.get() {
            view! { <span class="fd-status unsaved" title="Saved as a draft a moment after your last edit (or now with Ctrl+S)">"● Editing"</span> }
                .into_any()
        } else if draft.is_none() {
            view! { <span class="fd-status saved">{format!("Published · version {version}")}</span> }.into_any()
        } else {
            let runs = match published {
                Some(running) => format!("version {running} runs"),
                None => "nothing runs until you publish".to_string(),
            };
            view! { <span class="fd-status draft" title="Saved, not published: runs do not use it yet">{format!("Draft · version {version} · {runs}")}</span> }
                .into_any()
        }
    };
    let notice = move || {
        designer.notice.get().map(|notice| {
            let (class, role, text) = match notice {
                Notice::Info(text) => ("fd-notice info", "status", text),
                Notice::Refused(text) => ("fd-notice refused", "alert", text),
            };
            view! {
                <div class=class role=role>
                    <span>{text}</span>
                    <button type="button" class="icon" aria-label="Dismiss" on:click=move |_| designer.notice.set(None)>"×"</button>
                </div>
            }
        })
    };
    let zoom_label = move || format!("{:.0}%", designer.view.get().zoom * 100.0);
    let zoom_by = move |factor: f64| {
        if let Some((width, height)) = canvas::viewport_size() {
            designer.zoom_at(factor, width / 2.0, height / 2.0);
        }
    };
    let form_name = designer.data.with_value(|data| data.flow.form_name.clone());
    view! {
        <div class="designer">
            <div class="fd-toolbar" role="toolbar" aria-label="Flow">
                <a href="/flows" class="fd-back" title="All flows">"← Flows"</a>
                <input
                    class="fd-name"
                    type="text"
                    aria-label="Flow name"
                    prop:value=move || designer.name.get()
                    on:input=move |ev| {
                        let name = event_target_value(&ev);
                        designer.edit(true, |editor| editor.set_name(&name));
                    }
                />
                <span class="fd-form sub">{form_name}</span>
                {status}
                <span class="fd-spacer"></span>
                <div class="fd-group">
                    <button type="button" class="small" title="Undo (Ctrl+Z)" disabled=move || !designer.can_undo.get() on:click=move |_| designer.undo()>"↶ Undo"</button>
                    <button type="button" class="small" title="Redo (Ctrl+Shift+Z)" disabled=move || !designer.can_redo.get() on:click=move |_| designer.redo()>"↷ Redo"</button>
                </div>
                <div class="fd-group">
                    <button type="button" class="small" title="Zoom out" aria-label="Zoom out" on:click=move |_| zoom_by(1.0 / 1.2)>"−"</button>
                    <span class="fd-zoom" aria-live="polite">{zoom_label}</span>
                    <button type="button" class="small" title="Zoom in" aria-label="Zoom in" on:click=move |_| zoom_by(1.2)>"+"</button>
                    <button type="button" class="small" title="Zoom to fit (F)" on:click=move |_| designer.fit()>"Fit"</button>
                </div>
                <button type="button" class="small" title="Arrange in columns by depth" on:click=move |_| designer.auto_layout()>"Auto-layout"</button>
                <button type="button" class="small" title="Download the flow as JSON (the import format)" on:click=move |_| download_export(designer)>"Export"</button>
                <button
                    type="button"
                    class="small"
                    title="Saved versions: view and restore"
                    aria-pressed=move || designer.history.get().to_string()
                    on:click=move |_| designer.history.update(|open| *open = !*open)
                >
                    "History"
                </button>
                <button type="button" class="small" title="Keyboard shortcuts (?)" aria-label="Help" on:click=move |_| designer.help.update(|open| *open = !*open)>"?"</button>
                <button
                    type="button"
                    class="primary small"
                    title="Make the saved draft the version that runs"
                    disabled=move || !designer.can_publish()
                    on:click=move |_| designer.publish()
                >
                    {move || if designer.publishing.get() { "Publishing…" } else { "Publish" }}
                </button>
                <test_panel::TestButton tester />
            </div>
            <div class="fd-body">
                <palette::Palette designer />
                <div class="fd-stage">
                    {notice}
                    <canvas::Canvas designer />
                    <test_panel::TestPanel tester />
                </div>
                <Show when=move || designer.history.get() fallback=move || view! { <inspector::Inspector designer /> }>
                    <history::History designer opened=history />
                </Show>
            </div>
            <Show when=move || designer.help.get()>
                <HelpOverlay designer />
            </Show>
        </div>
    }
}

const SHORTCUTS: &[(&str, &str)] = &[
    ("Drag a palette step", "Add it to the canvas (or focus it and press Enter)"),
    ("Drag from ● to a block", "Connect an output port to the block's input"),
    ("Click · Shift+click", "Select · add to the selection"),
    ("Shift+drag the background", "Select with a rectangle"),
    ("Drag the background", "Pan"),
    ("Wheel · + · −", "Zoom"),
    ("F", "Zoom to fit"),
    ("Delete · Backspace", "Delete the selection"),
    ("Ctrl+C · Ctrl+V", "Copy · paste (also into another flow)"),
    ("Ctrl+A", "Select everything"),
    ("Tab · Shift+Tab", "Move the focus to the next · previous block"),
    ("Enter", "Select the focused block and edit it in the inspector"),
    ("← ↑ → ↓", "Move the selected blocks (Shift: by 1 pixel)"),
    ("Ctrl+Z · Ctrl+Shift+Z", "Undo · redo"),
    ("Ctrl+S", "Save the draft now (it is saved a moment after each edit anyway)"),
    ("?", "Show or hide this help"),
    ("Esc", "Clear the selection, close this help"),
];

#[component]
fn HelpOverlay(designer: Designer) -> impl IntoView {
    let rows = SHORTCUTS.iter().map(|(keys, what)| view! { <tr><th scope="row"><kbd>{*keys}</kbd></th><td>{*what}</td></tr> }).collect_view();
    view! {
        <div class="fd-help-backdrop" on:click=move |_| designer.help.set(false)>
            <div class="fd-help panel" role="dialog" aria-modal="true" aria-label="Keyboard shortcuts" on:click=|ev| ev.stop_propagation()>
                <header class="card-head">
                    <h2>"Keyboard shortcuts"</h2>
                    <button type="button" class="icon" aria-label="Close" on:click=move |_| designer.help.set(false)>"×"</button>
                </header>
                <table class="table compact">
                    <tbody>{rows}</tbody>
                </table>
                <p class="hint">"Inputs are text with ${blockId.output} placeholders: drag an output chip from the inspector into a field."</p>
            </div>
        </div>
    }
}
