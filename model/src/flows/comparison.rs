//! The Condition step's comparison lines: `left operator right`.

use super::placeholders::placeholders;

/// A comparison operator of the Condition step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operator {
    Equal,
    NotEqual,
    AtLeast,
    AtMost,
    Greater,
    Less,
    Contains,
    NotContains,
    StartsWith,
    EndsWith,
}

/// Operators as written, longest first where one begins another.
const OPERATORS: &[(&str, Operator)] = &[
    ("==", Operator::Equal),
    ("!=", Operator::NotEqual),
    (">=", Operator::AtLeast),
    ("<=", Operator::AtMost),
    (">", Operator::Greater),
    ("<", Operator::Less),
    (" not contains ", Operator::NotContains),
    (" contains ", Operator::Contains),
    (" starts with ", Operator::StartsWith),
    (" ends with ", Operator::EndsWith),
];

impl Operator {
    /// The operator as written (without the spaces around a word).
    pub fn written(self) -> &'static str {
        OPERATORS.iter().find(|(_, operator)| *operator == self).map_or("", |(written, _)| written.trim())
    }

    /// Whether `left op right` holds. Both sides numbers: compared as numbers; otherwise as text.
    pub fn holds(self, left: &str, right: &str) -> bool {
        let numbers = left.trim().parse::<f64>().ok().zip(right.trim().parse::<f64>().ok());
        let ordering = match numbers {
            Some((a, b)) => a.partial_cmp(&b),
            None => Some(left.cmp(right)),
        };
        use std::cmp::Ordering::*;
        match self {
            Operator::Equal => ordering == Some(Equal),
            Operator::NotEqual => ordering != Some(Equal),
            Operator::AtLeast => matches!(ordering, Some(Greater | Equal)),
            Operator::AtMost => matches!(ordering, Some(Less | Equal)),
            Operator::Greater => ordering == Some(Greater),
            Operator::Less => ordering == Some(Less),
            Operator::Contains => left.contains(right),
            Operator::NotContains => !left.contains(right),
            Operator::StartsWith => left.starts_with(right),
            Operator::EndsWith => left.ends_with(right),
        }
    }
}

/// One line of a Condition: `left operator right`, both sides text that may hold placeholders.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Comparison {
    pub left: String,
    pub operator: Operator,
    pub right: String,
}

/// Splits a comparison line at its first operator outside a `${…}` placeholder.
pub fn parse_comparison(line: &str) -> Result<Comparison, String> {
    let spans: Vec<(usize, usize)> = placeholders(line).iter().map(|found| found.span).collect();
    let inside = |at: usize| spans.iter().any(|(start, end)| at >= *start && at < *end);
    for (at, _) in line.char_indices().filter(|(at, _)| !inside(*at)) {
        let rest = &line[at..];
        if let Some((written, operator)) = OPERATORS.iter().find(|(written, _)| rest.starts_with(written)) {
            let left = line[..at].trim();
            let right = line[at + written.len()..].trim();
            if left.is_empty() {
                return Err(format!("\"{}\" has nothing before its operator.", line.trim()));
            }
            return Ok(Comparison { left: left.to_string(), operator: *operator, right: right.to_string() });
        }
    }
    Err(format!("\"{}\" has no operator; use ==, !=, >, >=, <, <=, contains, not contains, starts with or ends with.", line.trim()))
}
