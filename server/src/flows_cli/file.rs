//! The flow file: the export format (SPEC §6) with every reference to the workflow's own
//! objects by *name* instead of id — the flow's form (`form`), and the settings the step
//! catalogue marks as an endpoint or a form (`endpointId` → `endpoint`, `formId` → `form`) —
//! so the file means the same on every server that has a workflow with those names. Pure:
//! converting between files and the API's documents, comparing them, and naming files.
//! Nothing here reads an endpoint's secrets: a flow only ever holds an endpoint's id.

use std::collections::BTreeMap;

use outflow_model::flows::{Block, Edge, FlowDocument, Issue, IssueCode, SettingKind, step_spec};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// One flow as a file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FlowFile {
    pub name: String,
    /// The form the flow belongs to, by name.
    pub form: String,
    #[serde(default)]
    pub blocks: Vec<Block>,
    #[serde(default)]
    pub edges: Vec<Edge>,
    /// At most this many runs at once; none when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_concurrent_runs: Option<u32>,
}

/// A form of the workflow, as flow files refer to it.
#[derive(Clone, Debug)]
pub struct FormRef {
    pub id: String,
    pub name: String,
    /// Its response choices: the Responses trigger's output ports.
    pub choices: Vec<String>,
}

/// The names and ids of what flows refer to in one workflow.
#[derive(Clone, Debug, Default)]
pub struct Directory {
    pub forms: Vec<FormRef>,
    /// (id, name) of each endpoint.
    pub endpoints: Vec<(String, String)>,
}

impl Directory {
    pub fn form_by_name(&self, name: &str) -> Option<&FormRef> {
        self.forms.iter().find(|form| form.name == name)
    }

    fn name_of(&self, kind: SettingKind, id: &str) -> Option<&str> {
        match kind {
            SettingKind::Endpoint => self.endpoints.iter().find(|(known, _)| known == id).map(|(_, name)| name.as_str()),
            SettingKind::Form => self.forms.iter().find(|form| form.id == id).map(|form| form.name.as_str()),
            _ => None,
        }
    }

    fn id_of(&self, kind: SettingKind, name: &str) -> Option<&str> {
        match kind {
            SettingKind::Endpoint => self.endpoints.iter().find(|(_, known)| known == name).map(|(id, _)| id.as_str()),
            SettingKind::Form => self.form_by_name(name).map(|form| form.id.as_str()),
            _ => None,
        }
    }
}

/// The settings of a block that hold an id of the workflow's objects: (setting key, key in
/// the file, what it refers to).
fn reference_settings(block: &Block) -> Vec<(&'static str, &'static str, SettingKind)> {
    let Some(spec) = block.step.as_deref().and_then(step_spec) else { return Vec::new() };
    spec.settings
        .iter()
        .filter(|setting| matches!(setting.kind, SettingKind::Endpoint | SettingKind::Form))
        .map(|setting| (setting.key, setting.key.strip_suffix("Id").unwrap_or(setting.key), setting.kind))
        .collect()
}

fn what(kind: SettingKind) -> &'static str {
    if kind == SettingKind::Endpoint { "endpoint" } else { "form" }
}

/// The file of an exported flow, and a note for each id that names nothing in `directory`
/// (kept as an id: the file will not move between servers until it is fixed).
pub fn to_file(document: &FlowDocument, form_name: &str, directory: &Directory) -> (FlowFile, Vec<String>) {
    let mut notes = Vec::new();
    let mut blocks = document.blocks.clone();
    for block in &mut blocks {
        for (key, file_key, kind) in reference_settings(block) {
            let Some(Value::String(id)) = block.settings.get(key) else { continue };
            if id.is_empty() {
                continue;
            }
            match directory.name_of(kind, id) {
                Some(name) => {
                    let name = Value::String(name.to_string());
                    block.settings.remove(key);
                    block.settings.insert(file_key.to_string(), name);
                }
                None => notes.push(format!("block \"{}\" refers to {} {id}, which is not in the workflow; kept as an id", block.id, what(kind))),
            }
        }
    }
    let file = FlowFile {
        name: document.name.clone(),
        form: form_name.to_string(),
        blocks,
        edges: document.edges.clone(),
        max_concurrent_runs: document.max_concurrent_runs,
    };
    (normalized(file), notes)
}

/// The API document a file stands for in `directory`'s workflow, or why it cannot be
/// (an unknown form or endpoint name), naming the blocks.
pub fn to_document(file: &FlowFile, directory: &Directory) -> Result<FlowDocument, Vec<Issue>> {
    let mut issues = Vec::new();
    let form_id = match directory.form_by_name(&file.form) {
        Some(form) => form.id.clone(),
        None => {
            issues.push(Issue {
                code: IssueCode::BadSetting,
                blocks: Vec::new(),
                message: format!("There is no form named \"{}\" in the workflow.", file.form),
            });
            String::new()
        }
    };
    let mut blocks = file.blocks.clone();
    for block in &mut blocks {
        for (key, file_key, kind) in reference_settings(block) {
            if file_key == key {
                continue;
            }
            let Some(value) = block.settings.remove(file_key) else { continue };
            let Value::String(name) = &value else {
                issues.push(Issue {
                    code: IssueCode::BadSetting,
                    blocks: vec![block.id.clone()],
                    message: format!("Block \"{}\": `{file_key}` must be the name of a {}.", block.id, what(kind)),
                });
                continue;
            };
            match directory.id_of(kind, name) {
                Some(id) => {
                    block.settings.insert(key.to_string(), Value::String(id.to_string()));
                }
                None => issues.push(Issue {
                    code: IssueCode::BadSetting,
                    blocks: vec![block.id.clone()],
                    message: format!("Block \"{}\" refers to the {} \"{name}\", which is not in the workflow.", block.id, what(kind)),
                }),
            }
        }
    }
    if !issues.is_empty() {
        return Err(issues);
    }
    Ok(FlowDocument { name: file.name.clone(), form_id, blocks, edges: file.edges.clone(), max_concurrent_runs: file.max_concurrent_runs })
}

/// The file with its settings' keys in order, so equal flows give byte-equal files.
pub fn normalized(mut file: FlowFile) -> FlowFile {
    for block in &mut file.blocks {
        block.settings = sorted_map(std::mem::take(&mut block.settings));
    }
    file
}

fn sorted_map(map: Map<String, Value>) -> Map<String, Value> {
    let sorted: BTreeMap<String, Value> = map.into_iter().map(|(key, value)| (key, sorted_value(value))).collect();
    sorted.into_iter().collect()
}

fn sorted_value(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(sorted_map(map)),
        Value::Array(items) => Value::Array(items.into_iter().map(sorted_value).collect()),
        other => other,
    }
}

/// The text of a file: pretty JSON, two-space indents, a final newline.
pub fn to_text(file: &FlowFile) -> String {
    // A struct of strings, vectors and JSON values always serializes.
    let mut text = serde_json::to_string_pretty(file).unwrap_or_default();
    text.push('\n');
    text
}

/// Reads a file's text; the error says where the JSON or its shape is wrong.
pub fn parse(text: &str) -> Result<FlowFile, String> {
    serde_json::from_str(text).map(normalized).map_err(|error| error.to_string())
}

/// File names for flows, in the order given: the flow's name made safe (`close-ticket.json`),
/// its form's name put first when two flows of different forms share a name.
pub fn file_names(flows: &[(String, String)]) -> Vec<String> {
    let plain: Vec<String> = flows.iter().map(|(_, name)| slug(name)).collect();
    let mut taken = std::collections::HashSet::new();
    let mut names = Vec::with_capacity(flows.len());
    for (index, (form, name)) in flows.iter().enumerate() {
        let shared = plain.iter().filter(|other| **other == plain[index]).count() > 1;
        let base = if shared { format!("{}--{}", slug(form), slug(name)) } else { plain[index].clone() };
        let mut candidate = base.clone();
        let mut counter = 2;
        while !taken.insert(candidate.clone()) {
            candidate = format!("{base}-{counter}");
            counter += 1;
        }
        names.push(format!("{candidate}.json"));
    }
    names
}

/// Lower-case letters and digits, words joined by `-`; at most 80 characters.
pub fn slug(text: &str) -> String {
    let mut slug = String::new();
    for c in text.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let slug: String = slug.trim_end_matches('-').chars().take(80).collect();
    let slug = slug.trim_end_matches('-').to_string();
    if slug.is_empty() { "flow".to_string() } else { slug }
}

/// What differs between the flow on the server and its file, for people: e.g.
/// `blocks +w2 -x1 ~s1, edges +1 -1`. Empty when they are the same.
pub fn describe_change(current: &FlowFile, wanted: &FlowFile) -> String {
    let mut parts = Vec::new();
    if current.name != wanted.name {
        parts.push(format!("name \"{}\" → \"{}\"", current.name, wanted.name));
    }
    let before: BTreeMap<&str, &Block> = current.blocks.iter().map(|block| (block.id.as_str(), block)).collect();
    let after: BTreeMap<&str, &Block> = wanted.blocks.iter().map(|block| (block.id.as_str(), block)).collect();
    let mut blocks = Vec::new();
    blocks.extend(after.keys().filter(|id| !before.contains_key(*id)).map(|id| format!("+{id}")));
    blocks.extend(before.keys().filter(|id| !after.contains_key(*id)).map(|id| format!("-{id}")));
    blocks.extend(after.iter().filter(|(id, block)| before.get(*id).is_some_and(|old| old != *block)).map(|(id, _)| format!("~{id}")));
    if !blocks.is_empty() {
        parts.push(format!("blocks {}", blocks.join(" ")));
    } else if current.blocks != wanted.blocks {
        parts.push("blocks reordered".to_string());
    }
    let added = wanted.edges.iter().filter(|edge| !current.edges.contains(edge)).count();
    let removed = current.edges.iter().filter(|edge| !wanted.edges.contains(edge)).count();
    if added + removed > 0 {
        parts.push(format!("edges +{added} -{removed}"));
    } else if current.edges != wanted.edges {
        parts.push("edges reordered".to_string());
    }
    if current.max_concurrent_runs != wanted.max_concurrent_runs {
        let limit = |limit: Option<u32>| limit.map_or_else(|| "none".to_string(), |limit| limit.to_string());
        parts.push(format!("runs at once {} → {}", limit(current.max_concurrent_runs), limit(wanted.max_concurrent_runs)));
    }
    parts.join(", ")
}

#[cfg(test)]
mod tests {
    use outflow_model::flows::{BlockKind, Position};
    use serde_json::json;

    use super::*;

    fn directory() -> Directory {
        Directory {
            forms: vec![FormRef { id: "frm_1".into(), name: "Incidents".into(), choices: vec![] }],
            endpoints: vec![("end_1".into(), "Ticketing".into())],
        }
    }

    fn webhook(id: &str, settings: Value) -> Block {
        Block {
            id: id.into(),
            kind: BlockKind::Step,
            trigger: None,
            step: Some("webhook".into()),
            label: "Close ticket".into(),
            settings: settings.as_object().cloned().unwrap_or_default(),
            inputs: BTreeMap::new(),
            position: Position { x: 40.0, y: 80.0 },
        }
    }

    fn document() -> FlowDocument {
        FlowDocument {
            name: "Close ticket".into(),
            form_id: "frm_1".into(),
            blocks: vec![webhook("w1", json!({"path": "/close", "method": "POST", "endpointId": "end_1"}))],
            edges: vec![],
            max_concurrent_runs: Some(3),
        }
    }

    #[test]
    fn a_file_names_the_form_and_endpoints_and_comes_back_to_the_same_document() {
        let (file, notes) = to_file(&document(), "Incidents", &directory());
        assert!(notes.is_empty());
        assert_eq!(file.form, "Incidents");
        assert_eq!(file.blocks[0].settings.get("endpoint"), Some(&json!("Ticketing")));
        assert!(!file.blocks[0].settings.contains_key("endpointId"));
        let text = to_text(&file);
        assert!(!text.contains("end_1") && !text.contains("frm_1"), "no ids in the file: {text}");
        let back = to_document(&parse(&text).expect("the file reads"), &directory()).expect("the names resolve");
        assert_eq!(back.form_id, "frm_1");
        assert_eq!(back.blocks[0].settings.get("endpointId"), Some(&json!("end_1")));
        assert_eq!(back.max_concurrent_runs, Some(3), "the limit of runs at once goes both ways");
    }

    #[test]
    fn the_text_is_the_same_whatever_order_the_settings_came_in() {
        let (file, _) = to_file(&document(), "Incidents", &directory());
        let mut shuffled = document();
        shuffled.blocks[0].settings = json!({"method": "POST", "endpointId": "end_1", "path": "/close"}).as_object().cloned().unwrap_or_default();
        let (other, _) = to_file(&shuffled, "Incidents", &directory());
        assert_eq!(to_text(&file), to_text(&other));
        let text = to_text(&file);
        assert!(text.find("\"endpoint\"") < text.find("\"method\"") && text.find("\"method\"") < text.find("\"path\""), "{text}");
        assert!(text.ends_with("}\n"));
    }

    #[test]
    fn unknown_names_are_refused_naming_the_block() {
        let (mut file, _) = to_file(&document(), "Incidents", &directory());
        file.blocks[0].settings.insert("endpoint".into(), json!("Elsewhere"));
        file.form = "Nope".into();
        let issues = to_document(&file, &directory()).expect_err("unknown names are refused");
        assert_eq!(issues.len(), 2);
        assert!(issues.iter().any(|issue| issue.blocks == ["w1"] && issue.message.contains("\"Elsewhere\"")));
        assert!(issues.iter().any(|issue| issue.message.contains("\"Nope\"")));
    }

    #[test]
    fn an_id_that_names_nothing_is_kept_with_a_note() {
        let mut lost = document();
        lost.blocks[0].settings.insert("endpointId".into(), json!("end_gone"));
        let (file, notes) = to_file(&lost, "Incidents", &directory());
        assert_eq!(file.blocks[0].settings.get("endpointId"), Some(&json!("end_gone")));
        assert_eq!(notes.len(), 1);
    }

    #[test]
    fn unknown_fields_in_a_file_are_refused() {
        assert!(parse(r#"{"name": "x", "form": "f", "formId": "frm_1"}"#).is_err());
        assert!(parse(r#"{"name": "x", "form": "f"}"#).is_ok());
    }

    #[test]
    fn file_names_are_safe_and_distinct() {
        assert_eq!(slug("Close ticket when alert ends!"), "close-ticket-when-alert-ends");
        assert_eq!(slug("../../etc"), "etc");
        assert_eq!(slug("☃"), "flow");
        let names = file_names(&[("Incidents".into(), "Close".into()), ("Changes".into(), "Close".into()), ("Incidents".into(), "Open".into())]);
        assert_eq!(names, ["incidents--close.json", "changes--close.json", "open.json"]);
    }

    #[test]
    fn changes_are_described_per_block_and_edge() {
        let (current, _) = to_file(&document(), "Incidents", &directory());
        let mut wanted = current.clone();
        assert_eq!(describe_change(&current, &wanted), "");
        wanted.blocks[0].label = "Close it".into();
        wanted.blocks.push(webhook("w2", json!({})));
        wanted.edges.push(Edge { from: "w1".into(), from_port: "out".into(), to: "w2".into(), to_port: "in".into() });
        assert_eq!(describe_change(&current, &wanted), "blocks +w2 ~w1, edges +1 -0");
    }
}
