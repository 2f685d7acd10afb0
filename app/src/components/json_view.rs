//! JSON as people read it: pretty-printed, keys, strings, numbers and literals in their own
//! colours, long text wrapped. Very large values are shown plain and cut, so a 1 MiB step
//! output cannot stall the page.

use leptos::prelude::*;
use serde_json::Value;

/// Longest pretty text that is coloured and shown whole.
const MOST_CHARS: usize = 100_000;

/// One coloured run of the pretty text.
#[derive(Debug, PartialEq)]
enum Token<'a> {
    Key(&'a str),
    Text(&'a str),
    Number(&'a str),
    Literal(&'a str),
    Punctuation(&'a str),
}

impl Token<'_> {
    fn class(&self) -> &'static str {
        match self {
            Token::Key(_) => "j-key",
            Token::Text(_) => "j-str",
            Token::Number(_) => "j-num",
            Token::Literal(_) => "j-lit",
            Token::Punctuation(_) => "j-punct",
        }
    }

    fn text(&self) -> &str {
        match self {
            Token::Key(text) | Token::Text(text) | Token::Number(text) | Token::Literal(text) | Token::Punctuation(text) => text,
        }
    }
}

/// Splits serde_json's pretty output into tokens; whitespace and commas stay punctuation.
fn tokens(pretty: &str) -> Vec<Token<'_>> {
    let bytes = pretty.as_bytes();
    let mut out = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        let start = at;
        match bytes[at] {
            b'"' => {
                at += 1;
                while at < bytes.len() && bytes[at] != b'"' {
                    at += if bytes[at] == b'\\' { 2 } else { 1 };
                }
                at = (at + 1).min(bytes.len());
                let text = &pretty[start..at];
                out.push(if pretty[at..].starts_with(':') { Token::Key(text) } else { Token::Text(text) });
            }
            b'-' | b'0'..=b'9' => {
                while at < bytes.len() && matches!(bytes[at], b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9') {
                    at += 1;
                }
                out.push(Token::Number(&pretty[start..at]));
            }
            b't' | b'f' | b'n' => {
                while at < bytes.len() && bytes[at].is_ascii_alphabetic() {
                    at += 1;
                }
                out.push(Token::Literal(&pretty[start..at]));
            }
            _ => {
                while at < bytes.len() && !matches!(bytes[at], b'"' | b'-' | b'0'..=b'9' | b't' | b'f' | b'n') {
                    at += 1;
                }
                out.push(Token::Punctuation(&pretty[start..at]));
            }
        }
    }
    out
}

/// A string that holds a JSON object or array (a resolved request body, say), parsed.
pub fn embedded_json(value: &Value) -> Option<Value> {
    let text = value.as_str()?.trim();
    if !(text.starts_with('{') || text.starts_with('[')) {
        return None;
    }
    serde_json::from_str(text).ok()
}

/// A JSON value, pretty and coloured, labelled for assistive technology and tests.
#[component]
pub fn JsonView(value: Value, #[prop(into)] label: String) -> impl IntoView {
    let pretty = serde_json::to_string_pretty(&value).unwrap_or_else(|_| value.to_string());
    if pretty.len() > MOST_CHARS {
        let cut = pretty.char_indices().nth(MOST_CHARS).map_or(pretty.len(), |(index, _)| index);
        let note = format!("Showing the first {MOST_CHARS} characters of {}.", pretty.len());
        return view! {
            <pre class="json" aria-label=label>{pretty[..cut].to_string()}</pre>
            <p class="hint">{note}</p>
        }
        .into_any();
    }
    let spans = tokens(&pretty)
        .into_iter()
        .map(|token| match token {
            Token::Punctuation(text) => text.to_string().into_any(),
            other => view! { <span class=other.class()>{other.text().to_string()}</span> }.into_any(),
        })
        .collect_view();
    view! { <pre class="json" aria-label=label>{spans}</pre> }.into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pretty_json_splits_into_coloured_tokens_that_rebuild_it() {
        let pretty = serde_json::to_string_pretty(&serde_json::json!({"a \"b\"": [1.5e3, -2, true, null], "c": "x:y"})).unwrap();
        let found = tokens(&pretty);
        assert_eq!(found.iter().map(Token::text).collect::<String>(), pretty);
        assert!(found.contains(&Token::Key(r#""a \"b\"""#)));
        assert!(found.contains(&Token::Key(r#""c""#)));
        assert!(found.contains(&Token::Text(r#""x:y""#)));
        assert!(found.contains(&Token::Number("1500.0")));
        assert!(found.contains(&Token::Number("-2")));
        assert!(found.contains(&Token::Literal("true")));
        assert!(found.contains(&Token::Literal("null")));
    }

    #[test]
    fn only_strings_holding_objects_or_arrays_count_as_embedded_json() {
        assert_eq!(embedded_json(&Value::from(r#" {"text": "hi"} "#)), Some(serde_json::json!({"text": "hi"})));
        assert_eq!(embedded_json(&Value::from("[1]")), Some(serde_json::json!([1])));
        assert_eq!(embedded_json(&Value::from("42")), None);
        assert_eq!(embedded_json(&Value::from("{not json")), None);
        assert_eq!(embedded_json(&serde_json::json!({"a": 1})), None);
    }
}
