//! How a flow's blocks and edges are drawn, shared by the designer's canvas and the read-only
//! run view: the curve of an edge and a block's icon. Pure functions, no DOM.

use crate::model::flows::{Block, BlockKind, Position};

/// A smooth cubic curve from an output port to an input port, bending more the farther apart.
pub(crate) fn edge_path(from: Position, to: Position) -> String {
    let bend = ((to.x - from.x).abs() / 2.0).max(40.0);
    format!("M {} {} C {} {}, {} {}, {} {}", from.x, from.y, from.x + bend, from.y, to.x - bend, to.y, to.x, to.y)
}

/// A block's icon by what it is (glyphs every system font has).
pub(crate) fn icon(block: &Block) -> &'static str {
    match (block.kind, block.step.as_deref(), block.trigger.as_deref()) {
        (BlockKind::Trigger, _, Some("http")) => "⇥",
        (BlockKind::Trigger, _, _) => "⚡",
        (_, Some("webhook"), _) => "↗",
        (_, Some("script"), _) => "{}",
        (_, Some("switch"), _) => "⇉",
        (_, Some("condition"), _) => "?",
        (_, Some("merge"), _) => "⇶",
        (_, Some("delay"), _) => "◷",
        (_, Some("create_alert"), _) => "+",
        (_, Some("add_comment"), _) => "✎",
        (_, Some("change_alert_status"), _) => "⇅",
        (_, Some("get_alerts"), _) => "≡",
        _ => "◆",
    }
}
