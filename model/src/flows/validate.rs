//! The graph rules: errors (unknown types, dangling edges, cycles, loop bodies entered from
//! outside, bad ids, sizes) refuse a save; warnings (missing settings or inputs, unknown references, unreachable blocks) are
//! the designer's badges.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

use super::{
    Block, BlockKind, BlockType, Edge, MAX_BLOCKS, MAX_EDGES, MAX_ID_CHARS, MAX_TEXT_CHARS,
    loops::Loops,
    placeholders::{Placeholder, placeholders},
};

// ---------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum IssueCode {
    // Errors: the graph is refused.
    TooLarge,
    BadBlock,
    DuplicateBlock,
    UnknownType,
    DanglingEdge,
    DuplicateEdge,
    Cycle,
    /// An edge enters a For Each's body from outside it.
    LoopBody,
    // Warnings: saved, shown as badges.
    MissingSetting,
    Unconnected,
    UnknownReference,
    /// A setting is set but its value cannot work (out of range, unreadable comparison).
    BadSetting,
}

/// One finding about a graph, naming the blocks it concerns.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Issue {
    pub code: IssueCode,
    pub blocks: Vec<String>,
    pub message: String,
}

/// What checking a graph found: errors refuse a save, warnings do not.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Validation {
    pub errors: Vec<Issue>,
    pub warnings: Vec<Issue>,
}

impl Validation {
    pub fn is_ok(&self) -> bool {
        self.errors.is_empty()
    }

    /// The errors as one message for a person.
    pub fn error_message(&self) -> String {
        let shown: Vec<&str> = self.errors.iter().take(5).map(|issue| issue.message.as_str()).collect();
        let more = self.errors.len().saturating_sub(shown.len());
        let mut message = shown.join(" ");
        if more > 0 {
            message.push_str(&format!(" ({more} more problems.)"));
        }
        message
    }

    /// The warnings about one block.
    pub fn warnings_for<'a>(&'a self, block: &'a str) -> impl Iterator<Item = &'a Issue> + 'a {
        self.warnings.iter().filter(move |issue| issue.blocks.iter().any(|id| id == block))
    }
}

fn issue(code: IssueCode, blocks: Vec<String>, message: String) -> Issue {
    Issue { code, blocks, message }
}

/// Checks a graph. `response_choices` are the form's response choices: the output ports
/// of the Responses trigger.
pub fn validate(blocks: &[Block], edges: &[Edge], response_choices: &[String]) -> Validation {
    let mut result = Validation::default();
    if blocks.len() > MAX_BLOCKS || edges.len() > MAX_EDGES {
        result.errors.push(issue(
            IssueCode::TooLarge,
            Vec::new(),
            format!("A flow holds at most {MAX_BLOCKS} blocks and {MAX_EDGES} edges; this one has {} and {}.", blocks.len(), edges.len()),
        ));
        return result;
    }
    let mut by_id: HashMap<&str, &Block> = HashMap::with_capacity(blocks.len());
    for block in blocks {
        check_block_shape(block, &mut result);
        if by_id.insert(block.id.as_str(), block).is_some() {
            result.errors.push(issue(IssueCode::DuplicateBlock, vec![block.id.clone()], format!("Two blocks share the id \"{}\".", block.id)));
        }
        if block.block_type().is_none() {
            let (what, key) = match block.kind {
                BlockKind::Trigger => ("trigger", block.trigger.as_deref().unwrap_or("")),
                BlockKind::Step => ("step type", block.step.as_deref().unwrap_or("")),
            };
            result.errors.push(issue(
                IssueCode::UnknownType,
                vec![block.id.clone()],
                format!("Block \"{}\" has an unknown {what} \"{key}\".", block.id),
            ));
        }
    }
    let good_edges = check_edges(edges, &by_id, response_choices, &mut result);
    if let Some(cycle) = find_cycle(blocks, &good_edges) {
        let names = cycle.iter().map(|id| format!("\"{id}\"")).collect::<Vec<_>>().join(" → ");
        result.errors.push(issue(IssueCode::Cycle, cycle.clone(), format!("Flows cannot loop: {names} → \"{}\" form a cycle.", cycle[0])));
    } else {
        for (edge, for_each) in Loops::of(blocks, edges).problems(edges) {
            result.errors.push(issue(
                IssueCode::LoopBody,
                vec![edge.from.clone(), edge.to.clone()],
                format!(
                    "The edge \"{}\" → \"{}\" enters the body of the For Each \"{for_each}\" from outside it; a loop's body is reached only from its each port.",
                    edge.from, edge.to
                ),
            ));
        }
    }
    if result.errors.is_empty() {
        result.warnings = warnings(blocks, edges, &by_id);
    }
    result
}

fn check_block_shape(block: &Block, result: &mut Validation) {
    let id_ok = !block.id.is_empty()
        && block.id.chars().count() <= MAX_ID_CHARS
        && block.id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if !id_ok {
        result.errors.push(issue(
            IssueCode::BadBlock,
            vec![block.id.clone()],
            format!("Block id \"{}\" must be 1 to {MAX_ID_CHARS} letters, digits, '_' or '-'.", block.id),
        ));
    }
    let too_long = block.label.chars().count() > crate::limits::NAME_CHARS
        || block.inputs.values().any(|text| text.chars().count() > MAX_TEXT_CHARS)
        || block.settings.values().any(|value| value.to_string().len() > MAX_TEXT_CHARS * 2);
    if too_long {
        result.errors.push(issue(
            IssueCode::BadBlock,
            vec![block.id.clone()],
            format!("Block \"{}\" has a label, setting or input that is too long.", block.id),
        ));
    }
    if !block.position.x.is_finite() || !block.position.y.is_finite() {
        result.errors.push(issue(IssueCode::BadBlock, vec![block.id.clone()], format!("Block \"{}\" has no valid position.", block.id)));
    }
}

/// Reports edges whose ends or ports do not exist; returns the sound ones.
fn check_edges<'a>(edges: &'a [Edge], by_id: &HashMap<&str, &Block>, choices: &[String], result: &mut Validation) -> Vec<&'a Edge> {
    let mut seen = HashSet::with_capacity(edges.len());
    let mut good = Vec::with_capacity(edges.len());
    for edge in edges {
        let (Some(from), Some(to)) = (by_id.get(edge.from.as_str()), by_id.get(edge.to.as_str())) else {
            let missing: Vec<&str> = [edge.from.as_str(), edge.to.as_str()].into_iter().filter(|id| !by_id.contains_key(id)).collect();
            result.errors.push(issue(
                IssueCode::DanglingEdge,
                vec![edge.from.clone(), edge.to.clone()],
                format!("The edge \"{}\" → \"{}\" points at a block that does not exist: \"{}\".", edge.from, edge.to, missing.join("\", \"")),
            ));
            continue;
        };
        if from.block_type().is_none() || to.block_type().is_none() {
            continue; // already reported as an unknown type
        }
        if !from.out_ports(choices).contains(&edge.from_port) {
            result.errors.push(issue(
                IssueCode::DanglingEdge,
                vec![edge.from.clone(), edge.to.clone()],
                format!(
                    "The edge \"{}\" → \"{}\" leaves from port \"{}\", which \"{}\" does not have.",
                    edge.from, edge.to, edge.from_port, edge.from
                ),
            ));
            continue;
        }
        if !to.in_ports().contains(&edge.to_port) {
            result.errors.push(issue(
                IssueCode::DanglingEdge,
                vec![edge.from.clone(), edge.to.clone()],
                format!("The edge \"{}\" → \"{}\" enters port \"{}\", which \"{}\" does not have.", edge.from, edge.to, edge.to_port, edge.to),
            ));
            continue;
        }
        if !seen.insert(edge) {
            result.errors.push(issue(
                IssueCode::DuplicateEdge,
                vec![edge.from.clone(), edge.to.clone()],
                format!("The edge \"{}\" → \"{}\" appears twice.", edge.from, edge.to),
            ));
            continue;
        }
        good.push(edge);
    }
    good
}

/// A cycle as the ids along it, if the graph has one (iterative DFS, no recursion limit).
pub fn find_cycle(blocks: &[Block], edges: &[&Edge]) -> Option<Vec<String>> {
    let index: HashMap<&str, usize> = blocks.iter().enumerate().map(|(i, block)| (block.id.as_str(), i)).collect();
    let mut next: Vec<Vec<usize>> = vec![Vec::new(); blocks.len()];
    for edge in edges {
        if let (Some(&from), Some(&to)) = (index.get(edge.from.as_str()), index.get(edge.to.as_str())) {
            next[from].push(to);
        }
    }
    // 0 = unseen, 1 = on the current path, 2 = done.
    let mut state = vec![0u8; blocks.len()];
    for start in 0..blocks.len() {
        if state[start] != 0 {
            continue;
        }
        let mut stack: Vec<(usize, usize)> = vec![(start, 0)];
        state[start] = 1;
        while let Some(&mut (node, ref mut child)) = stack.last_mut() {
            if let Some(&target) = next[node].get(*child) {
                *child += 1;
                match state[target] {
                    0 => {
                        state[target] = 1;
                        stack.push((target, 0));
                    }
                    1 => {
                        let from = stack.iter().position(|(n, _)| *n == target).unwrap_or(0);
                        return Some(stack[from..].iter().map(|(n, _)| blocks[*n].id.clone()).collect());
                    }
                    _ => {}
                }
            } else {
                state[node] = 2;
                stack.pop();
            }
        }
    }
    None
}

fn warnings(blocks: &[Block], edges: &[Edge], by_id: &HashMap<&str, &Block>) -> Vec<Issue> {
    let mut found = Vec::new();
    let entered: HashSet<&str> = edges.iter().map(|edge| edge.to.as_str()).collect();
    for block in blocks {
        let Some(BlockType::Step(spec)) = block.block_type() else { continue };
        let name = block.title();
        if !spec.starts_flow && !entered.contains(block.id.as_str()) {
            found.push(issue(IssueCode::Unconnected, vec![block.id.clone()], format!("\"{name}\" is not connected: nothing starts it.")));
        }
        for setting in spec.settings.iter().filter(|setting| setting.required) {
            let value = block.setting_text(setting.key);
            if value.trim().is_empty() {
                found.push(issue(IssueCode::MissingSetting, vec![block.id.clone()], format!("\"{name}\" needs {}.", setting.label)));
            }
        }
        for problem in block.setting_problems() {
            found.push(issue(IssueCode::BadSetting, vec![block.id.clone()], problem));
        }
        for (key, label, required, _) in block.input_specs() {
            if required && block.inputs.get(&key).is_none_or(|text| text.trim().is_empty()) {
                found.push(issue(IssueCode::MissingSetting, vec![block.id.clone()], format!("\"{name}\" needs the input {label}.")));
            }
        }
        let texts = block.inputs.values().map(String::as_str).chain(block.settings.values().filter_map(|value| value.as_str()));
        for text in texts {
            for reference in placeholders(text) {
                if let Some(problem) = reference_problem(&reference, by_id) {
                    found.push(issue(
                        IssueCode::UnknownReference,
                        vec![block.id.clone()],
                        format!("\"{name}\" uses ${{{}}}: {problem}", reference.raw),
                    ));
                }
            }
        }
    }
    found
}

fn reference_problem(reference: &Placeholder, by_id: &HashMap<&str, &Block>) -> Option<String> {
    let Some(block) = by_id.get(reference.block.as_str()) else {
        return Some(format!("there is no block \"{}\".", reference.block));
    };
    if reference.output.is_empty() {
        return Some("name an output after the block id.".to_string());
    }
    if block.outputs().contains(&reference.output) { None } else { Some(format!("\"{}\" has no output \"{}\".", block.title(), reference.output)) }
}
