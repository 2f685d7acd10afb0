//! The store's statements are written once, in the SQL both engines share, with SQLite's
//! parameters (`?`, `?N`). This turns one into PostgreSQL's: parameters become `$N` (an
//! anonymous `?` takes the number after the highest so far, as in SQLite) and SQLite's
//! index hints (`INDEXED BY name`) go. String literals, quoted names and comments are left
//! as they are. Pure, so every rule is unit-tested here.

/// `sql` as PostgreSQL takes it.
pub fn postgres(sql: &str) -> String {
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
    fn sqlite_index_hints_go() {
        assert_eq!(
            postgres("SELECT id FROM flow_runs INDEXED BY flow_runs_open WHERE status = 'queued'"),
            "SELECT id FROM flow_runs WHERE status = 'queued'"
        );
        assert_eq!(postgres("FROM runs r INDEXED BY runs_due\n WHERE a"), "FROM runs r\n WHERE a");
        assert_eq!(postgres("SELECT indexed_by, INDEXED FROM t"), "SELECT indexed_by, INDEXED FROM t");
    }
}
