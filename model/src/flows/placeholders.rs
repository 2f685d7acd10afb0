//! `${blockId.output.path}` references in inputs and text settings, and which blocks are
//! upstream of a block (whose outputs it may reference).

use std::collections::HashSet;

use super::Edge;

/// One `${blockId.output.path}` placeholder found in a text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Placeholder {
    /// What stands between `${` and `}`.
    pub raw: String,
    pub block: String,
    /// The first segment after the block id; output names may contain spaces.
    pub output: String,
    /// Where the placeholder starts and ends (byte offsets, `$` to `}` inclusive).
    pub span: (usize, usize),
}

/// The placeholders in a text, in order. `${` without a closing `}` is plain text.
pub fn placeholders(text: &str) -> Vec<Placeholder> {
    let mut found = Vec::new();
    let mut rest = 0;
    while let Some(start) = text[rest..].find("${").map(|at| at + rest) {
        let Some(end) = text[start + 2..].find('}').map(|at| at + start + 2) else { break };
        let raw = &text[start + 2..end];
        let mut parts = raw.splitn(3, '.');
        let block = parts.next().unwrap_or_default().trim().to_string();
        let output = parts.next().unwrap_or_default().to_string();
        found.push(Placeholder { raw: raw.to_string(), block, output, span: (start, end + 1) });
        rest = end + 1;
    }
    found
}

impl Placeholder {
    /// What follows the output name, e.g. `ticket.id` in `${w1.body.ticket.id}`: a path
    /// into the output's JSON value.
    pub fn path(&self) -> Option<&str> {
        self.raw.splitn(3, '.').nth(2).filter(|path| !path.is_empty())
    }
}

/// The placeholder text for an output, e.g. `${t1.status}`.
pub fn placeholder(block: &str, output: &str) -> String {
    format!("${{{block}.{output}}}")
}

/// The ids of every block upstream of `block` (whose outputs it may use), nearest first.
pub fn upstream(block: &str, edges: &[Edge]) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    let mut queue = vec![block.to_string()];
    let mut seen: HashSet<String> = HashSet::new();
    while let Some(current) = queue.pop() {
        for edge in edges.iter().filter(|edge| edge.to == current) {
            if seen.insert(edge.from.clone()) {
                found.push(edge.from.clone());
                queue.insert(0, edge.from.clone());
            }
        }
    }
    found
}
