//! The loop structure of a graph: which blocks are the body of each For Each (everything its
//! `each` port reaches) and which loop is the innermost around a block. Validation refuses a
//! body entered from outside its For Each ([`Loops::problems`]); the executor runs each
//! body once per item with this same structure, so both read one rule.

use std::collections::{HashMap, HashSet};

use super::{Block, EACH_PORT, Edge, StepKind};

/// The For Each loops of a graph.
#[derive(Clone, Debug, Default)]
pub struct Loops {
    /// Per For Each block: the blocks its `each` port reaches.
    bodies: HashMap<String, HashSet<String>>,
    /// Per block inside a body: the innermost For Each around it.
    innermost: HashMap<String, String>,
}

impl Loops {
    pub fn of(blocks: &[Block], edges: &[Edge]) -> Loops {
        let mut next: HashMap<&str, Vec<&str>> = HashMap::new();
        for edge in edges {
            next.entry(edge.from.as_str()).or_default().push(edge.to.as_str());
        }
        let mut bodies = HashMap::new();
        for block in blocks.iter().filter(|block| block.step_kind() == StepKind::ForEach) {
            let mut body: HashSet<String> = HashSet::new();
            let mut stack: Vec<&str> =
                edges.iter().filter(|edge| edge.from == block.id && edge.from_port == EACH_PORT).map(|edge| edge.to.as_str()).collect();
            while let Some(id) = stack.pop() {
                // A cycle through the loop itself is refused elsewhere; never walk into it.
                if id != block.id && body.insert(id.to_string()) {
                    stack.extend(next.get(id).into_iter().flatten());
                }
            }
            bodies.insert(block.id.clone(), body);
        }
        let mut innermost: HashMap<String, String> = HashMap::new();
        for (id, body) in &bodies {
            for member in body {
                // Nested bodies are subsets: the smaller one is further in.
                let inner = innermost.get(member).is_none_or(|current| bodies[current].len() > body.len());
                if inner {
                    innermost.insert(member.clone(), id.clone());
                }
            }
        }
        Loops { bodies, innermost }
    }

    /// The innermost For Each around `block`, if it is inside one.
    pub fn innermost(&self, block: &str) -> Option<&str> {
        self.innermost.get(block).map(String::as_str)
    }

    /// The blocks of a For Each's body.
    pub fn body(&self, for_each: &str) -> Option<&HashSet<String>> {
        self.bodies.get(for_each)
    }

    /// Edges that enter a body from outside it (anything but its For Each's `each` port):
    /// such a block would run once per item and once more outside, so the graph is refused.
    pub fn problems<'e>(&self, edges: &'e [Edge]) -> Vec<(&'e Edge, &str)> {
        let mut found = Vec::new();
        for edge in edges {
            for (id, body) in &self.bodies {
                let from_the_loop = edge.from == *id && edge.from_port == EACH_PORT;
                if body.contains(&edge.to) && !body.contains(&edge.from) && !from_the_loop {
                    found.push((edge, id.as_str()));
                }
            }
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flows::tests::{edge, step, trigger};

    #[test]
    fn a_body_is_what_each_reaches_and_nested_bodies_know_their_loop() {
        let blocks = [trigger("t1", "status"), step("outer", "forEach"), step("inner", "forEach"), step("w1", "webhook"), step("after", "merge")];
        let edges = [edge("t1", "out", "outer"), edge("outer", "each", "inner"), edge("inner", "each", "w1"), edge("inner", "done", "after")];
        let loops = Loops::of(&blocks, &edges);
        assert_eq!(loops.body("outer").map(HashSet::len), Some(3), "inner, w1 and after");
        assert_eq!(loops.body("inner").map(HashSet::len), Some(1));
        assert_eq!((loops.innermost("w1"), loops.innermost("after"), loops.innermost("inner")), (Some("inner"), Some("outer"), Some("outer")));
        assert_eq!((loops.innermost("outer"), loops.innermost("t1")), (None, None));
        assert!(loops.problems(&edges).is_empty());
    }

    #[test]
    fn entering_a_body_from_outside_is_a_problem() {
        let blocks = [trigger("t1", "status"), step("fe", "forEach"), step("w1", "webhook")];
        let edges = [edge("t1", "out", "fe"), edge("fe", "each", "w1"), edge("t1", "out", "w1"), edge("fe", "done", "w1")];
        let loops = Loops::of(&blocks, &edges);
        let problems: Vec<(&str, &str)> = loops.problems(&edges).into_iter().map(|(edge, id)| (edge.from.as_str(), id)).collect();
        assert_eq!(problems, [("t1", "fe"), ("fe", "fe")]);
    }
}
