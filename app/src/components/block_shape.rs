//! How a flow's blocks and edges are drawn, shared by the designer's canvas and the read-only
//! run view: the curve of an edge and a block's icon. Pure functions, no DOM.

use crate::model::flows::{Block, BlockType, Position, TRIGGER_ICON, UNKNOWN_ICON};

/// A smooth cubic curve from an output port to an input port, bending more the farther apart.
pub(crate) fn edge_path(from: Position, to: Position) -> String {
    let bend = ((to.x - from.x).abs() / 2.0).max(40.0);
    format!("M {} {} C {} {}, {} {}, {} {}", from.x, from.y, from.x + bend, from.y, to.x - bend, to.y, to.x, to.y)
}

/// A block's icon: its catalogue entry's (see `flows::StepSpec::icon`).
pub(crate) fn icon(block: &Block) -> &'static str {
    match block.block_type() {
        Some(BlockType::Step(spec)) => spec.icon,
        Some(BlockType::Trigger(_)) => TRIGGER_ICON,
        None => UNKNOWN_ICON,
    }
}
