//! Automatic placement of a graph's blocks, for imports without positions and the designer's
//! "Tidy" command.

use std::collections::{BTreeMap, HashMap};

use super::{Block, Edge, Position};

/// Positions in layers by depth (the longest path from a start), each layer a column,
/// blocks in a layer ordered by their current height. Cycles, which valid flows do not
/// have, are broken arbitrarily.
pub fn auto_layout(blocks: &[Block], edges: &[Edge]) -> HashMap<String, Position> {
    const COLUMN: f64 = 280.0;
    const ROW: f64 = 130.0;
    const ORIGIN: f64 = 40.0;
    let index: HashMap<&str, usize> = blocks.iter().enumerate().map(|(i, block)| (block.id.as_str(), i)).collect();
    let mut incoming = vec![0usize; blocks.len()];
    let mut next: Vec<Vec<usize>> = vec![Vec::new(); blocks.len()];
    for edge in edges {
        if let (Some(&from), Some(&to)) = (index.get(edge.from.as_str()), index.get(edge.to.as_str())) {
            next[from].push(to);
            incoming[to] += 1;
        }
    }
    let mut depth = vec![0usize; blocks.len()];
    let mut ready: Vec<usize> = (0..blocks.len()).filter(|&i| incoming[i] == 0).collect();
    let mut placed = 0;
    while let Some(node) = ready.pop() {
        placed += 1;
        for &target in &next[node] {
            depth[target] = depth[target].max(depth[node] + 1);
            incoming[target] -= 1;
            if incoming[target] == 0 {
                ready.push(target);
            }
        }
    }
    debug_assert!(placed <= blocks.len());
    let mut layers: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (i, &layer) in depth.iter().enumerate() {
        layers.entry(layer).or_default().push(i);
    }
    let mut positions = HashMap::with_capacity(blocks.len());
    for (layer, mut members) in layers {
        members.sort_by(|a, b| blocks[*a].position.y.total_cmp(&blocks[*b].position.y));
        for (row, i) in members.into_iter().enumerate() {
            positions.insert(blocks[i].id.clone(), Position { x: ORIGIN + COLUMN * layer as f64, y: ORIGIN + ROW * row as f64 });
        }
    }
    positions
}
