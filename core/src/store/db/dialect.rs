//! The store's statements are written once, in the SQL both engines share, with SQLite's
//! parameters (`?`, `?N`). This turns one into PostgreSQL's: parameters become `$N` (an
//! anonymous `?` takes the number after the highest so far, as in SQLite), SQLite's index
//! hints (`INDEXED BY name`) go, and SQLite's JSON functions (JSON is kept as text on both)
//! become PostgreSQL's. String literals, quoted names and comments are left as they are.
//! Pure, so every rule is unit-tested here.

/// `sql` as PostgreSQL takes it.
pub fn postgres(sql: &str) -> String {
    let mut sql = sql.to_string();
    for (name, rewrite) in FUNCTIONS {
        sql = rewrite_calls(&sql, name, *rewrite);
    }
    tokens(&sql)
}

/// A rewrite of one SQLite function call, from its arguments' text.
type Rewrite = fn(&[&str]) -> String;

/// SQLite functions PostgreSQL has under another name or shape. A JSON path is `'$.key'`
/// or `'$.a.b'` (object keys only, as the store writes them) or a parameter.
const FUNCTIONS: &[(&str, Rewrite)] = &[
    ("json_extract", |args| match args {
        [json, path] => match keys(path) {
            Some(keys) if keys.len() == 1 => format!("({} ->> '{}')", as_json(json), keys[0]),
            Some(keys) => format!("({} #>> '{{{}}}')", as_json(json), keys.join(",")),
            None => format!("(jsonb_path_query_first(CAST({json} AS TEXT)::jsonb, CAST({path} AS TEXT)::jsonpath) #>> '{{}}')"),
        },
        _ => format!("json_extract({})", args.join(", ")),
    }),
    // A table of the array's elements, in a column named `value` (text, or JSON when the
    // array is at a path, whose elements are objects).
    ("json_each", |args| match args {
        [json] => format!("json_array_elements_text({})", as_json(json)),
        [json, path] => match keys(path) {
            Some(keys) => format!("json_array_elements({} #> '{{{}}}')", as_json(json), keys.join(",")),
            None => format!("json_each({})", args.join(", ")),
        },
        _ => format!("json_each({})", args.join(", ")),
    }),
    ("json_array_length", |args| match args {
        [json] => format!("CAST(json_array_length({}) AS BIGINT)", as_json(json)),
        [json, path] => match keys(path) {
            Some(keys) => format!("CAST(json_array_length({} #> '{{{}}}') AS BIGINT)", as_json(json), keys.join(",")),
            None => format!("json_array_length({})", args.join(", ")),
        },
        _ => format!("json_array_length({})", args.join(", ")),
    }),
    ("json_group_array", |args| format!("COALESCE(json_agg({}), '[]'::json)::text", args.join(", "))),
    ("instr", |args| format!("strpos({})", args.join(", "))),
];

fn as_json(text: &str) -> String {
    format!("CAST({text} AS TEXT)::json")
}

/// The keys of a literal JSON path `'$.a.b'`; `None` for anything else (a parameter).
fn keys(path: &str) -> Option<Vec<&str>> {
    let inner = path.strip_prefix("'$.")?.strip_suffix('\'')?;
    Some(inner.split('.').map(|key| key.trim_matches('"')).collect())
}

/// `sql` with every call of the function `name` (any case, outside literals) rewritten.
fn rewrite_calls(sql: &str, name: &str, rewrite: Rewrite) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut rest = sql;
    while let Some(at) = find_call(rest, name) {
        let open = at + rest[at..].find('(').unwrap_or(0);
        let Some((close, args)) = arguments(&rest[open..]) else { break };
        out.push_str(&rest[..at]);
        out.push_str(&rewrite(&args));
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    out
}

/// Where the next call `name(` starts in `sql`: a whole word, outside quotes, followed by
/// an opening parenthesis.
fn find_call(sql: &str, name: &str) -> Option<usize> {
    let mut quote: Option<char> = None;
    let mut previous: Option<char> = None;
    for (at, c) in sql.char_indices() {
        match quote {
            Some(open) if c == open => quote = None,
            Some(_) => {}
            None if c == '\'' || c == '"' => quote = Some(c),
            None => {
                let starts_word = !previous.is_some_and(|p| p.is_ascii_alphanumeric() || p == '_' || p == '.');
                if starts_word && sql[at..].len() > name.len() && sql[at..at + name.len()].eq_ignore_ascii_case(name) {
                    let after = sql[at + name.len()..].trim_start();
                    let word_ends = !sql[at + name.len()..].starts_with(|n: char| n.is_ascii_alphanumeric() || n == '_');
                    if word_ends && after.starts_with('(') {
                        return Some(at);
                    }
                }
            }
        }
        previous = Some(c);
    }
    None
}

/// The arguments of the call whose `(` starts `text`, split at top-level commas, and the
/// position of its closing `)`.
fn arguments(text: &str) -> Option<(usize, Vec<&str>)> {
    let (mut depth, mut quote, mut start, mut args) = (0usize, None::<char>, 1usize, Vec::new());
    for (at, c) in text.char_indices() {
        match quote {
            Some(open) if c == open => quote = None,
            Some(_) => {}
            None => match c {
                '\'' | '"' => quote = Some(c),
                '(' => depth += 1,
                ')' => {
                    depth -= 1;
                    if depth == 0 {
                        args.push(text[start..at].trim());
                        return Some((at, args));
                    }
                }
                ',' if depth == 1 => {
                    args.push(text[start..at].trim());
                    start = at + 1;
                }
                _ => {}
            },
        }
    }
    None
}

/// Parameters to `$N`, index hints dropped.
fn tokens(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 16);
    let mut highest = 0u32;
    let mut rest = sql;
    while let Some(next) = rest.chars().next() {
        match next {
            '\'' | '"' => {
                let end = quoted_end(rest, next);
                out.push_str(&rest[..end]);
                rest = &rest[end..];
            }
            '-' if rest.starts_with("--") => {
                let end = rest.find('\n').unwrap_or(rest.len());
                out.push_str(&rest[..end]);
                rest = &rest[end..];
            }
            '?' => {
                let digits = rest[1..].find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len() - 1);
                let number = match rest[1..=digits].parse::<u32>() {
                    Ok(number) => number,
                    Err(_) => highest + 1,
                };
                highest = highest.max(number);
                out.push('$');
                out.push_str(&number.to_string());
                rest = &rest[1 + digits..];
            }
            c if c.is_ascii_alphabetic() || c == '_' => {
                let end = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(rest.len());
                let word = &rest[..end];
                if word.eq_ignore_ascii_case("INDEXED")
                    && let Some(after) = index_hint_end(&rest[end..])
                {
                    // Drop the hint and the space before it.
                    while out.ends_with(char::is_whitespace) {
                        out.pop();
                    }
                    rest = &rest[end + after..];
                } else {
                    out.push_str(word);
                    rest = &rest[end..];
                }
            }
            c => {
                out.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
    }
    out
}

/// Where the quoted text at the start of `text` ends (after its closing quote; a doubled
/// quote is part of the text).
fn quoted_end(text: &str, quote: char) -> usize {
    let mut chars = text.char_indices().skip(1).peekable();
    while let Some((at, c)) = chars.next() {
        if c == quote {
            if chars.peek().is_some_and(|(_, next)| *next == quote) {
                chars.next();
            } else {
                return at + 1;
            }
        }
    }
    text.len()
}

/// After `INDEXED`: the length of ` BY name` if that follows.
fn index_hint_end(text: &str) -> Option<usize> {
    let trimmed = text.trim_start();
    let by = trimmed.get(..2).filter(|word| word.eq_ignore_ascii_case("BY"))?;
    let after_by = trimmed[by.len()..].trim_start();
    let name_len = after_by.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(after_by.len());
    (name_len > 0).then(|| text.len() - after_by.len() + name_len)
}

#[cfg(test)]
mod tests {
    use super::postgres;

    #[test]
    fn parameters_are_numbered_as_sqlite_numbers_them() {
        assert_eq!(postgres("SELECT a FROM t WHERE b = ? AND c = ?"), "SELECT a FROM t WHERE b = $1 AND c = $2");
        assert_eq!(postgres("UPDATE t SET a = ?2 WHERE id = ?1 OR p = ?1"), "UPDATE t SET a = $2 WHERE id = $1 OR p = $1");
        // An anonymous parameter after ?3 is the fourth, as in SQLite.
        assert_eq!(postgres("VALUES (?3, ?, ?1)"), "VALUES ($3, $4, $1)");
    }

    #[test]
    fn literals_quoted_names_and_comments_are_left_alone() {
        assert_eq!(
            postgres("SELECT '?', 'it''s ?', \"a?\" FROM t -- why?\nWHERE x = ?"),
            "SELECT '?', 'it''s ?', \"a?\" FROM t -- why?\nWHERE x = $1"
        );
    }

    #[test]
    fn sqlite_json_functions_become_postgresqls() {
        assert_eq!(
            postgres("SELECT name FROM integrations WHERE json_extract(action, '$.endpointId') = ?"),
            "SELECT name FROM integrations WHERE (CAST(action AS TEXT)::json ->> 'endpointId') = $1"
        );
        assert_eq!(
            postgres("WHERE r.id IN (SELECT value FROM json_each(?))"),
            "WHERE r.id IN (SELECT value FROM json_array_elements_text(CAST($1 AS TEXT)::json))"
        );
        assert_eq!(
            postgres("FROM flows fl, json_each(fl.published_graph, '$.blocks') b WHERE json_extract(b.value, '$.kind') = 'trigger'"),
            "FROM flows fl, json_array_elements(CAST(fl.published_graph AS TEXT)::json #> '{blocks}') b WHERE (CAST(b.value AS TEXT)::json ->> 'kind') = 'trigger'"
        );
        assert_eq!(
            postgres("SELECT json_array_length(fl.graph, '$.blocks')"),
            "SELECT CAST(json_array_length(CAST(fl.graph AS TEXT)::json #> '{blocks}') AS BIGINT)"
        );
        assert_eq!(
            postgres("CAST(json_extract(a.properties, ?3) AS TEXT) = ?4"),
            "CAST((jsonb_path_query_first(CAST(a.properties AS TEXT)::jsonb, CAST($3 AS TEXT)::jsonpath) #>> '{}') AS TEXT) = $4"
        );
        assert_eq!(
            postgres("SELECT json_group_array(target_name) FROM (SELECT 1) AS r"),
            "SELECT COALESCE(json_agg(target_name), '[]'::json)::text FROM (SELECT 1) AS r"
        );
        assert_eq!(postgres("WHERE instr(fl.published_graph, '\"schedule\"') > 0"), "WHERE strpos(fl.published_graph, '\"schedule\"') > 0");
        // Inside a literal, or part of another name, nothing changes.
        assert_eq!(postgres("SELECT 'json_each(x)', my_instr(a) FROM t"), "SELECT 'json_each(x)', my_instr(a) FROM t");
    }

    #[test]
    fn sqlite_index_hints_go() {
        assert_eq!(
            postgres("SELECT id FROM flow_runs INDEXED BY flow_runs_open WHERE status = 'queued'"),
            "SELECT id FROM flow_runs WHERE status = 'queued'"
        );
        assert_eq!(postgres("FROM runs r INDEXED BY runs_due\n WHERE a"), "FROM runs r\n WHERE a");
        assert_eq!(postgres("SELECT indexed_by, INDEXED FROM t"), "SELECT indexed_by, INDEXED FROM t");
    }
}
