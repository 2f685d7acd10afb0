//! The designer's document and its edit history, as plain data: every edit is a method that
//! changes the graph and records a snapshot, so undo and redo restore exactly. Nothing here
//! knows about the DOM or signals; the canvas mirrors this state into per-block signals.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::model::flows::{self, Block, BlockKind, Edge, Position};

/// Most snapshots undo goes back through.
const HISTORY: usize = 200;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Snapshot {
    pub name: String,
    pub blocks: Vec<Block>,
    pub edges: Vec<Edge>,
}

/// Blocks and the edges among them, as copied (also across flows, via local storage).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Clip {
    pub blocks: Vec<Block>,
    pub edges: Vec<Edge>,
}

/// How another version differs from the canvas (block names with ids; edge counts).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Differences {
    /// Blocks the other version has and the canvas does not.
    pub only_there: Vec<String>,
    /// Blocks on the canvas that the other version lacks.
    pub only_here: Vec<String>,
    /// Blocks in both whose label, settings, inputs or position differ.
    pub changed: Vec<String>,
    pub edges_there: usize,
    pub edges_here: usize,
}

impl Differences {
    pub fn is_empty(&self) -> bool {
        *self == Differences::default()
    }
}

#[derive(Clone, Debug, Default)]
pub struct Editor {
    pub doc: Snapshot,
    /// The form's response choices: the Responses trigger's output ports.
    pub choices: Vec<String>,
    undo: Vec<Snapshot>,
    redo: Vec<Snapshot>,
    /// The field the last edit typed into; further typing there extends that one undo step.
    typing: Option<String>,
    saved: Snapshot,
}

impl Editor {
    pub fn new(doc: Snapshot, choices: Vec<String>) -> Editor {
        Editor { saved: doc.clone(), doc, choices, ..Editor::default() }
    }

    pub fn block(&self, id: &str) -> Option<&Block> {
        self.doc.blocks.iter().find(|block| block.id == id)
    }

    fn block_mut(&mut self, id: &str) -> Option<&mut Block> {
        self.doc.blocks.iter_mut().find(|block| block.id == id)
    }

    pub fn is_dirty(&self) -> bool {
        self.doc != self.saved
    }

    pub fn mark_saved(&mut self) {
        self.saved = self.doc.clone();
    }

    /// Records what the server accepted; edits made while it was saving stay unsaved.
    pub fn mark_saved_as(&mut self, saved: Snapshot) {
        self.saved = saved;
    }

    pub fn can_undo(&self) -> bool {
        !self.undo.is_empty()
    }

    pub fn can_redo(&self) -> bool {
        !self.redo.is_empty()
    }

    /// Records the state before an edit. `typing` names a field: consecutive edits of the
    /// same field make one undo step.
    fn record(&mut self, typing: Option<String>) {
        if typing.is_some() && typing == self.typing {
            return;
        }
        self.typing = typing;
        self.undo.push(self.doc.clone());
        if self.undo.len() > HISTORY {
            self.undo.remove(0);
        }
        self.redo.clear();
    }

    pub fn undo(&mut self) -> bool {
        let Some(previous) = self.undo.pop() else { return false };
        self.redo.push(std::mem::replace(&mut self.doc, previous));
        self.typing = None;
        true
    }

    pub fn redo(&mut self) -> bool {
        let Some(next) = self.redo.pop() else { return false };
        self.undo.push(std::mem::replace(&mut self.doc, next));
        self.typing = None;
        true
    }

    /// An id not in use, such as `webhook2`.
    pub fn fresh_id(&self, prefix: &str) -> String {
        let taken: HashSet<&str> = self.doc.blocks.iter().map(|block| block.id.as_str()).collect();
        let prefix: String = prefix.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
        (1..).map(|n| format!("{prefix}{n}")).find(|id| !taken.contains(id.as_str())).unwrap_or_default()
    }

    /// Adds a step (or, for `http`, the HTTP trigger) of the catalogue; returns its id.
    pub fn add_step(&mut self, key: &str, position: Position) -> Option<String> {
        let spec = flows::step_spec(key)?;
        self.record(None);
        let id = self.fresh_id(spec.key());
        let mut settings = serde_json::Map::new();
        for setting in spec.settings {
            if let flows::SettingKind::Choice(options) = setting.kind
                && setting.required
            {
                settings.insert(setting.key.to_string(), Value::String(options[0].to_string()));
            }
        }
        let (kind, trigger, step) =
            if spec.starts_flow { (BlockKind::Trigger, Some(key.to_string()), None) } else { (BlockKind::Step, None, Some(key.to_string())) };
        self.doc.blocks.push(Block {
            id: id.clone(),
            kind,
            trigger,
            step,
            label: spec.name.to_string(),
            settings,
            inputs: Default::default(),
            position,
        });
        Some(id)
    }

    /// Adds a trigger node of the form (status, comment, responses, …); returns its id.
    pub fn add_trigger(&mut self, trigger: crate::model::trigger::Trigger, position: Position) -> String {
        self.record(None);
        let id = self.fresh_id("t");
        self.doc.blocks.push(trigger_block(&id, trigger, position));
        id
    }

    /// Places an unconnected node for each of `triggers` the canvas lacks, in a column below
    /// the blocks, as part of the saved canvas (no edit to undo or save): the form's
    /// integrations appear on every canvas of the form, those created later too.
    pub fn place_missing_triggers(&mut self, triggers: &[crate::model::trigger::Trigger]) {
        for trigger in triggers {
            let shown = self.doc.blocks.iter().any(|block| block.kind == BlockKind::Trigger && block.trigger.as_deref() == Some(trigger.key()));
            if shown {
                continue;
            }
            let below =
                self.doc.blocks.iter().map(|block| block.position.y).fold(None, |lowest: Option<f64>, y| Some(lowest.map_or(y, |l| l.max(y))));
            let position = Position { x: 40.0, y: below.map_or(40.0, |y| y + 160.0) };
            let block = trigger_block(&self.fresh_id("t"), *trigger, position);
            self.saved.blocks.push(block.clone());
            self.doc.blocks.push(block);
        }
    }

    /// Puts blocks where a drag left them (one undo step for the whole drag).
    pub fn move_blocks(&mut self, moves: &[(String, Position)]) {
        let changed = moves.iter().any(|(id, to)| self.block(id).is_some_and(|block| block.position != *to));
        if !changed {
            return;
        }
        self.record(None);
        for (id, to) in moves {
            if let Some(block) = self.block_mut(id) {
                block.position = *to;
            }
        }
    }

    /// Joins an output port to an input port, refusing what would make the flow invalid
    /// with a message naming the blocks.
    pub fn connect(&mut self, edge: Edge) -> Result<(), String> {
        let (Some(from), Some(to)) = (self.block(&edge.from), self.block(&edge.to)) else {
            return Err("Both ends of a connection must be blocks on the canvas.".into());
        };
        if edge.from == edge.to {
            return Err(format!("\"{}\" cannot be connected to itself: flows cannot loop.", from.title()));
        }
        if !to.in_ports().contains(&edge.to_port) {
            return Err(format!("\"{}\" starts a flow and takes no input.", to.title()));
        }
        if !from.out_ports(&self.choices).contains(&edge.from_port) {
            return Err(format!("\"{}\" has no output port \"{}\".", from.title(), edge.from_port));
        }
        if self.doc.edges.contains(&edge) {
            return Err(format!("\"{}\" is already connected to \"{}\" there.", from.title(), to.title()));
        }
        let mut edges: Vec<&Edge> = self.doc.edges.iter().collect();
        edges.push(&edge);
        if let Some(cycle) = flows::find_cycle(&self.doc.blocks, &edges) {
            let names: Vec<String> = cycle.iter().filter_map(|id| self.block(id)).map(|block| format!("\"{}\"", block.title())).collect();
            return Err(format!(
                "Refused: connecting \"{}\" to \"{}\" would make a loop ({}). Flows cannot loop.",
                from.title(),
                to.title(),
                names.join(" → ")
            ));
        }
        self.record(None);
        self.doc.edges.push(edge);
        Ok(())
    }

    /// Deletes blocks (with their edges) and edges.
    pub fn delete(&mut self, blocks: &HashSet<String>, edges: &[Edge]) -> bool {
        let hits = self.doc.blocks.iter().any(|block| blocks.contains(&block.id)) || self.doc.edges.iter().any(|edge| edges.contains(edge));
        if !hits {
            return false;
        }
        self.record(None);
        self.doc.blocks.retain(|block| !blocks.contains(&block.id));
        self.doc.edges.retain(|edge| !edges.contains(edge) && !blocks.contains(&edge.from) && !blocks.contains(&edge.to));
        true
    }

    pub fn set_name(&mut self, name: &str) {
        if self.doc.name != name {
            self.record(Some("name".into()));
            self.doc.name = name.to_string();
        }
    }

    pub fn set_label(&mut self, id: &str, label: &str) {
        if self.block(id).is_some_and(|block| block.label != label) {
            self.record(Some(format!("{id}/label")));
            if let Some(block) = self.block_mut(id) {
                block.label = label.to_string();
            }
        }
    }

    /// Sets a setting; an empty text removes it. A switch losing a case loses that case's edges.
    pub fn set_setting(&mut self, id: &str, key: &str, value: Value) {
        let empty = value.is_null() || value.as_str().is_some_and(str::is_empty);
        let Some(block) = self.block(id) else { return };
        if block.settings.get(key) == Some(&value) || (empty && !block.settings.contains_key(key)) {
            return;
        }
        self.record(Some(format!("{id}/settings/{key}")));
        let choices = self.choices.clone();
        if let Some(block) = self.block_mut(id) {
            if empty {
                block.settings.remove(key);
            } else {
                block.settings.insert(key.to_string(), value);
            }
            let ports = block.out_ports(&choices);
            self.doc.edges.retain(|edge| edge.from != id || ports.contains(&edge.from_port));
        }
    }

    /// Sets an input mapping; an empty text removes it.
    pub fn set_input(&mut self, id: &str, key: &str, text: &str) {
        let Some(block) = self.block(id) else { return };
        if block.inputs.get(key).map(String::as_str).unwrap_or("") == text {
            return;
        }
        self.record(Some(format!("{id}/inputs/{key}")));
        if let Some(block) = self.block_mut(id) {
            if text.is_empty() {
                block.inputs.remove(key);
            } else {
                block.inputs.insert(key.to_string(), text.to_string());
            }
        }
    }

    /// The blocks and the edges among them.
    pub fn copy(&self, ids: &HashSet<String>) -> Clip {
        Clip {
            blocks: self.doc.blocks.iter().filter(|block| ids.contains(&block.id)).cloned().collect(),
            edges: self.doc.edges.iter().filter(|edge| ids.contains(&edge.from) && ids.contains(&edge.to)).cloned().collect(),
        }
    }

    /// Adds copies of the clip's blocks under fresh ids, moved by `offset`, with the edges
    /// among them and their placeholders pointing at the copies. Returns the new ids.
    pub fn paste(&mut self, clip: &Clip, offset: Position) -> Vec<String> {
        if clip.blocks.is_empty() {
            return Vec::new();
        }
        self.record(None);
        let mut renamed: HashMap<String, String> = HashMap::new();
        for block in &clip.blocks {
            let prefix = block.id.trim_end_matches(|c: char| c.is_ascii_digit());
            let id = self.fresh_id(if prefix.is_empty() { "b" } else { prefix });
            renamed.insert(block.id.clone(), id.clone());
            // Reserve the id before the next one is chosen.
            let mut copy = block.clone();
            copy.id = id;
            copy.position = Position { x: block.position.x + offset.x, y: block.position.y + offset.y };
            self.doc.blocks.push(copy);
        }
        let added = clip.blocks.len();
        let start = self.doc.blocks.len() - added;
        for block in &mut self.doc.blocks[start..] {
            for text in block.inputs.values_mut() {
                *text = rename_placeholders(text, &renamed);
            }
        }
        for edge in &clip.edges {
            if let (Some(from), Some(to)) = (renamed.get(&edge.from), renamed.get(&edge.to)) {
                self.doc.edges.push(Edge { from: from.clone(), from_port: edge.from_port.clone(), to: to.clone(), to_port: edge.to_port.clone() });
            }
        }
        self.doc.blocks[start..].iter().map(|block| block.id.clone()).collect()
    }

    /// Moves these blocks by (dx, dy): the arrow keys (one undo step per press).
    pub fn nudge(&mut self, ids: &HashSet<String>, dx: f64, dy: f64) {
        let moves: Vec<(String, Position)> = self
            .doc
            .blocks
            .iter()
            .filter(|block| ids.contains(&block.id))
            .map(|block| (block.id.clone(), Position { x: block.position.x + dx, y: block.position.y + dy }))
            .collect();
        self.move_blocks(&moves);
    }

    /// Puts a document the server has just saved (a restored version) on the canvas: one undo
    /// step, and nothing unsaved.
    pub fn load_saved(&mut self, doc: Snapshot) {
        self.record(None);
        self.doc = doc.clone();
        self.saved = doc;
    }

    /// What differs between the canvas and another version of the flow, by block.
    pub fn compare(&self, other: &[Block], other_edges: &[Edge]) -> Differences {
        let here: HashMap<&str, &Block> = self.doc.blocks.iter().map(|block| (block.id.as_str(), block)).collect();
        let there: HashMap<&str, &Block> = other.iter().map(|block| (block.id.as_str(), block)).collect();
        let title = |block: &Block| format!("{} ({})", block.title(), block.id);
        Differences {
            only_there: other.iter().filter(|block| !here.contains_key(block.id.as_str())).map(title).collect(),
            only_here: self.doc.blocks.iter().filter(|block| !there.contains_key(block.id.as_str())).map(title).collect(),
            changed: other.iter().filter(|block| here.get(block.id.as_str()).is_some_and(|mine| *mine != *block)).map(title).collect(),
            edges_there: other_edges.iter().filter(|edge| !self.doc.edges.contains(edge)).count(),
            edges_here: self.doc.edges.iter().filter(|edge| !other_edges.contains(edge)).count(),
        }
    }

    /// Lays the graph out in columns by depth.
    pub fn auto_layout(&mut self) {
        let layout = flows::auto_layout(&self.doc.blocks, &self.doc.edges);
        let moves: Vec<(String, Position)> = layout.into_iter().collect();
        self.move_blocks(&moves);
    }

    /// What the graph's checks find, as the server will.
    pub fn validation(&self) -> flows::Validation {
        flows::validate(&self.doc.blocks, &self.doc.edges, &self.choices)
    }
}

fn rename_placeholders(text: &str, renamed: &HashMap<String, String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for found in flows::placeholders(text) {
        if let Some(new_id) = renamed.get(&found.block) {
            out.push_str(&text[last..found.span.0]);
            let rest = found.raw.split_once('.').map(|(_, rest)| rest).unwrap_or("");
            out.push_str(&flows::placeholder(new_id, rest));
            last = found.span.1;
        }
    }
    out.push_str(&text[last..]);
    out
}

/// A trigger node of `trigger`, labelled with the trigger's name.
fn trigger_block(id: &str, trigger: crate::model::trigger::Trigger, position: Position) -> Block {
    Block {
        id: id.to_string(),
        kind: BlockKind::Trigger,
        trigger: Some(trigger.key().to_string()),
        step: None,
        label: flows::trigger_label(trigger).to_string(),
        settings: Default::default(),
        inputs: Default::default(),
        position,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::trigger::Trigger;

    fn editor() -> Editor {
        let mut editor = Editor::new(Snapshot { name: "F".into(), ..Snapshot::default() }, vec!["Accept".into()]);
        editor.add_trigger(Trigger::Status, Position { x: 0.0, y: 0.0 });
        // As loaded from the server: no history yet.
        Editor::new(editor.doc.clone(), editor.choices.clone())
    }

    fn edge(from: &str, port: &str, to: &str) -> Edge {
        Edge { from: from.into(), from_port: port.into(), to: to.into(), to_port: "in".into() }
    }

    #[test]
    fn the_forms_integrations_are_placed_as_saved_unconnected_trigger_nodes() {
        let mut editor = editor();
        editor.place_missing_triggers(&[Trigger::Status, Trigger::Comment, Trigger::Escalation]);
        let triggers: Vec<(&str, Option<&str>, f64)> =
            editor.doc.blocks.iter().map(|block| (block.id.as_str(), block.trigger.as_deref(), block.position.y)).collect();
        assert_eq!(triggers, [("t1", Some("status"), 0.0), ("t2", Some("comment"), 160.0), ("t3", Some("escalation"), 320.0)]);
        assert!(editor.doc.edges.is_empty());
        assert!(!editor.is_dirty(), "placed as saved: opening the canvas changes nothing");
        assert!(!editor.can_undo());
    }

    #[test]
    fn every_edit_undoes_and_redoes_exactly() {
        let mut editor = editor();
        let start = editor.doc.clone();
        let webhook = editor.add_step("webhook", Position { x: 300.0, y: 0.0 }).unwrap();
        assert_eq!(webhook, "webhook1");
        assert_eq!(editor.block(&webhook).unwrap().settings["method"], "POST", "required choices start at their first option");
        editor.connect(edge("t1", "out", &webhook)).unwrap();
        editor.set_input(&webhook, "body", "{");
        editor.set_input(&webhook, "body", "{\"a\": ${t1.status}}");
        editor.move_blocks(&[(webhook.clone(), Position { x: 320.0, y: 40.0 })]);
        editor.set_label(&webhook, "Ticket");
        let end = editor.doc.clone();
        assert!(editor.is_dirty());
        // add, connect, typing (one step), move, label
        for _ in 0..5 {
            assert!(editor.undo());
        }
        assert!(!editor.undo());
        assert_eq!(editor.doc, start);
        assert!(!editor.is_dirty());
        while editor.redo() {}
        assert_eq!(editor.doc, end);
        editor.undo();
        editor.add_step("delay", Position::default());
        assert!(!editor.can_redo(), "a new edit drops the redo branch");
    }

    #[test]
    fn connections_refuse_loops_self_edges_and_triggers_as_targets() {
        let mut editor = editor();
        let a = editor.add_step("merge", Position::default()).unwrap();
        let b = editor.add_step("delay", Position::default()).unwrap();
        editor.connect(edge("t1", "out", &a)).unwrap();
        editor.connect(edge(&a, "out", &b)).unwrap();
        let looped = editor.connect(edge(&b, "out", &a)).unwrap_err();
        assert!(looped.contains("would make a loop") && looped.contains("\"Merge\"") && looped.contains("\"Delay\""), "{looped}");
        assert!(editor.connect(edge(&a, "out", &a)).unwrap_err().contains("itself"));
        assert!(editor.connect(edge(&a, "out", "t1")).unwrap_err().contains("takes no input"));
        assert!(editor.connect(edge(&a, "out", &b)).unwrap_err().contains("already connected"));
        assert_eq!(editor.doc.edges.len(), 2);
        assert!(editor.validation().is_ok());
    }

    #[test]
    fn deleting_a_block_takes_its_edges_and_one_undo_brings_both_back() {
        let mut editor = editor();
        let a = editor.add_step("merge", Position::default()).unwrap();
        editor.connect(edge("t1", "out", &a)).unwrap();
        let before = editor.doc.clone();
        assert!(editor.delete(&HashSet::from([a.clone()]), &[]));
        assert!(editor.doc.edges.is_empty());
        editor.undo();
        assert_eq!(editor.doc, before);
        assert!(editor.delete(&HashSet::new(), &[edge("t1", "out", &a)]));
        assert_eq!(editor.doc.blocks.len(), 2);
        assert!(editor.doc.edges.is_empty());
    }

    #[test]
    fn paste_makes_fresh_ids_and_rewires_edges_and_placeholders() {
        let mut editor = editor();
        let a = editor.add_step("webhook", Position { x: 10.0, y: 10.0 }).unwrap();
        let b = editor.add_step("add_comment", Position { x: 50.0, y: 10.0 }).unwrap();
        editor.connect(edge(&a, "out", &b)).unwrap();
        editor.set_input(&b, "comment", "HTTP ${webhook1.statusCode} from ${t1.status}");
        let clip = editor.copy(&HashSet::from([a.clone(), b.clone()]));
        let json = serde_json::to_string(&clip).unwrap();
        let mut other = Editor::new(Snapshot::default(), Vec::new());
        other.add_step("webhook", Position::default());
        let pasted = other.paste(&serde_json::from_str(&json).unwrap(), Position { x: 40.0, y: 40.0 });
        assert_eq!(pasted, ["webhook2", "add_comment1"]);
        assert_eq!(other.doc.edges, [edge("webhook2", "out", "add_comment1")]);
        assert_eq!(other.block("add_comment1").unwrap().inputs["comment"], "HTTP ${webhook2.statusCode} from ${t1.status}");
        assert_eq!(other.block("webhook2").unwrap().position, Position { x: 50.0, y: 50.0 });
        other.undo();
        assert_eq!(other.doc.blocks.len(), 1, "a paste is one undo step");
    }

    #[test]
    fn removing_a_switch_case_drops_the_edges_leaving_it() {
        let mut editor = editor();
        let switch = editor.add_step("switch", Position::default()).unwrap();
        let merge = editor.add_step("merge", Position::default()).unwrap();
        editor.set_setting(&switch, "cases", Value::String("high\nlow".into()));
        editor.connect(edge(&switch, "low", &merge)).unwrap();
        editor.set_setting(&switch, "cases", Value::String("high".into()));
        assert!(editor.doc.edges.is_empty());
        editor.undo();
        assert_eq!(editor.doc.edges.len(), 1);
    }

    #[test]
    fn nudging_moves_the_selection_and_undoes() {
        let mut editor = editor();
        let a = editor.add_step("merge", Position { x: 100.0, y: 100.0 }).unwrap();
        editor.nudge(&HashSet::from([a.clone(), "t1".to_string()]), 10.0, -10.0);
        assert_eq!(editor.block(&a).unwrap().position, Position { x: 110.0, y: 90.0 });
        assert_eq!(editor.block("t1").unwrap().position, Position { x: 10.0, y: -10.0 });
        editor.undo();
        assert_eq!(editor.block(&a).unwrap().position, Position { x: 100.0, y: 100.0 });
    }

    #[test]
    fn a_restored_version_is_one_undo_step_and_saved() {
        let mut editor = editor();
        let before = editor.doc.clone();
        let mut restored = before.clone();
        restored.name = "Restored".into();
        restored.blocks.clear();
        editor.load_saved(restored.clone());
        assert_eq!(editor.doc, restored);
        assert!(!editor.is_dirty());
        editor.undo();
        assert_eq!(editor.doc, before);
        assert!(editor.is_dirty(), "the canvas now differs from what the server has");
    }

    #[test]
    fn comparing_versions_names_added_removed_and_changed_blocks() {
        let mut editor = editor();
        let old = editor.doc.clone();
        let a = editor.add_step("merge", Position::default()).unwrap();
        editor.connect(edge("t1", "out", &a)).unwrap();
        editor.set_label("t1", "Status changes");
        let differences = editor.compare(&old.blocks, &old.edges);
        assert_eq!(differences.only_here, ["Merge (merge1)"]);
        assert!(differences.only_there.is_empty());
        assert_eq!(differences.changed, ["Status Updates (t1)"]);
        assert_eq!((differences.edges_here, differences.edges_there), (1, 0));
        assert!(editor.compare(&editor.doc.blocks, &editor.doc.edges).is_empty());
    }

    #[test]
    fn auto_layout_is_one_undo_step() {
        let mut editor = editor();
        let a = editor.add_step("merge", Position { x: 999.0, y: 999.0 }).unwrap();
        editor.connect(edge("t1", "out", &a)).unwrap();
        editor.auto_layout();
        assert_eq!(editor.block(&a).unwrap().position, Position { x: 320.0, y: 40.0 });
        editor.undo();
        assert_eq!(editor.block(&a).unwrap().position, Position { x: 999.0, y: 999.0 });
    }
}
