//! Values crossing into and out of either database: [`Arg`] (what a statement is given),
//! [`Cell`] (what one column of a row holds, read from either engine) and [`Column`] (the
//! Rust types a cell reads into), with [`Json`] for JSON kept as text and [`FromRow`] for
//! whole rows. Both engines store the same few kinds (integers, reals, text, bytes, null);
//! booleans are integers 0/1 on both, as SQLite has them.

use std::{borrow::Cow, sync::Arc};

use super::{DbError, Row};

/// A statement parameter, as both engines take it.
#[derive(Debug, Clone, PartialEq)]
pub enum Value<'a> {
    Null,
    Int(i64),
    Real(f64),
    Text(Cow<'a, str>),
    Blob(Cow<'a, [u8]>),
}

impl Value<'_> {
    /// The same value owning its text or bytes, to outlive the caller's borrow.
    pub fn into_owned(self) -> Value<'static> {
        match self {
            Value::Null => Value::Null,
            Value::Int(value) => Value::Int(value),
            Value::Real(value) => Value::Real(value),
            Value::Text(text) => Value::Text(Cow::Owned(text.into_owned())),
            Value::Blob(bytes) => Value::Blob(Cow::Owned(bytes.into_owned())),
        }
    }
}

/// What may be bound to a statement's parameter.
pub trait Arg: Send + Sync {
    fn value(&self) -> Value<'_>;
}

impl<T: Arg + ?Sized> Arg for &T {
    fn value(&self) -> Value<'_> {
        (**self).value()
    }
}

impl<T: Arg> Arg for Option<T> {
    fn value(&self) -> Value<'_> {
        self.as_ref().map_or(Value::Null, Arg::value)
    }
}

impl Arg for Value<'_> {
    fn value(&self) -> Value<'_> {
        match self {
            Value::Text(text) => Value::Text(Cow::Borrowed(text)),
            Value::Blob(bytes) => Value::Blob(Cow::Borrowed(bytes)),
            other => other.clone(),
        }
    }
}

macro_rules! integer_args {
    ($($ty:ty),*) => {$(
        impl Arg for $ty {
            fn value(&self) -> Value<'_> {
                // Every integer Outflow stores fits an i64 (counts, milliseconds, ids).
                Value::Int(i64::try_from(*self).unwrap_or(i64::MAX))
            }
        }
    )*};
}
integer_args!(i64, i32, u32, u16, u8, usize, u64);

impl Arg for bool {
    fn value(&self) -> Value<'_> {
        Value::Int(i64::from(*self))
    }
}

impl Arg for f64 {
    fn value(&self) -> Value<'_> {
        Value::Real(*self)
    }
}

/// Text as both engines store it: PostgreSQL's text cannot hold the NUL character, so a
/// NUL (from a remote's answer, a fuzzer) is stored as U+FFFD on both, alike.
fn text(text: &str) -> Value<'_> {
    if text.contains('\0') { Value::Text(Cow::Owned(text.replace('\0', "\u{FFFD}"))) } else { Value::Text(Cow::Borrowed(text)) }
}

impl Arg for str {
    fn value(&self) -> Value<'_> {
        text(self)
    }
}

impl Arg for String {
    fn value(&self) -> Value<'_> {
        text(self)
    }
}

impl Arg for Arc<str> {
    fn value(&self) -> Value<'_> {
        text(self)
    }
}

impl Arg for [u8] {
    fn value(&self) -> Value<'_> {
        Value::Blob(Cow::Borrowed(self))
    }
}

impl Arg for Vec<u8> {
    fn value(&self) -> Value<'_> {
        Value::Blob(Cow::Borrowed(self))
    }
}

/// A JSON value kept as text in a column: written serialised, read parsed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Json<T>(pub T);

impl<T: serde::Serialize + Send + Sync> Arg for Json<T> {
    fn value(&self) -> Value<'_> {
        // JSON writes a NUL as `\u0000`, never raw.
        Value::Text(Cow::Owned(super::super::to_json(&self.0)))
    }
}

/// One column of one row as either engine hands it over.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cell<'a> {
    Null,
    Int(i64),
    Real(f64),
    Text(&'a str),
    Blob(&'a [u8]),
}

impl Cell<'_> {
    fn kind(&self) -> &'static str {
        match self {
            Cell::Null => "null",
            Cell::Int(_) => "an integer",
            Cell::Real(_) => "a real",
            Cell::Text(_) => "text",
            Cell::Blob(_) => "bytes",
        }
    }
}

/// A Rust type one column reads into.
pub trait Column: Sized {
    fn from_cell(cell: Cell<'_>) -> Result<Self, String>;
}

fn unexpected<T>(want: &str, cell: Cell<'_>) -> Result<T, String> {
    Err(format!("expected {want}, found {}", cell.kind()))
}

impl Column for i64 {
    fn from_cell(cell: Cell<'_>) -> Result<Self, String> {
        match cell {
            Cell::Int(value) => Ok(value),
            other => unexpected("an integer", other),
        }
    }
}

macro_rules! narrow_columns {
    ($($ty:ty),*) => {$(
        impl Column for $ty {
            fn from_cell(cell: Cell<'_>) -> Result<Self, String> {
                let wide = i64::from_cell(cell)?;
                <$ty>::try_from(wide).map_err(|_| format!("{wide} is out of range for {}", stringify!($ty)))
            }
        }
    )*};
}
narrow_columns!(i32, u32, u16, u64, usize);

impl Column for bool {
    fn from_cell(cell: Cell<'_>) -> Result<Self, String> {
        match cell {
            Cell::Int(value) => Ok(value != 0),
            other => unexpected("a boolean", other),
        }
    }
}

impl Column for f64 {
    fn from_cell(cell: Cell<'_>) -> Result<Self, String> {
        match cell {
            Cell::Real(value) => Ok(value),
            #[expect(clippy::cast_precision_loss, reason = "an aggregate of integers read as a real")]
            Cell::Int(value) => Ok(value as f64),
            other => unexpected("a number", other),
        }
    }
}

impl Column for String {
    fn from_cell(cell: Cell<'_>) -> Result<Self, String> {
        match cell {
            Cell::Text(text) => Ok(text.to_string()),
            other => unexpected("text", other),
        }
    }
}

impl Column for Arc<str> {
    fn from_cell(cell: Cell<'_>) -> Result<Self, String> {
        match cell {
            Cell::Text(text) => Ok(text.into()),
            other => unexpected("text", other),
        }
    }
}

impl Column for Vec<u8> {
    fn from_cell(cell: Cell<'_>) -> Result<Self, String> {
        match cell {
            Cell::Blob(bytes) => Ok(bytes.to_vec()),
            other => unexpected("bytes", other),
        }
    }
}

/// Any cell as the value it holds, owning its text or bytes: what a copy that knows no
/// column's type reads (and binds again unchanged, see `store::copy`).
impl Column for Value<'static> {
    fn from_cell(cell: Cell<'_>) -> Result<Self, String> {
        Ok(match cell {
            Cell::Null => Value::Null,
            Cell::Int(value) => Value::Int(value),
            Cell::Real(value) => Value::Real(value),
            Cell::Text(text) => Value::Text(Cow::Owned(text.to_string())),
            Cell::Blob(bytes) => Value::Blob(Cow::Owned(bytes.to_vec())),
        })
    }
}

impl<T: Column> Column for Option<T> {
    fn from_cell(cell: Cell<'_>) -> Result<Self, String> {
        match cell {
            Cell::Null => Ok(None),
            other => T::from_cell(other).map(Some),
        }
    }
}

impl<T: serde::de::DeserializeOwned> Column for Json<T> {
    fn from_cell(cell: Cell<'_>) -> Result<Self, String> {
        match cell {
            Cell::Text(text) => serde_json::from_str(text).map(Json).map_err(|error| format!("unreadable JSON: {error}")),
            other => unexpected("JSON text", other),
        }
    }
}

/// A whole row read into a Rust value: a tuple of columns in order, or a struct by column
/// name (see [`crate::from_row`]).
pub trait FromRow: Sized {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError>;
}

macro_rules! tuple_rows {
    ($($name:ident $index:tt),+) => {
        impl<$($name: Column),+> FromRow for ($($name,)+) {
            fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
                Ok(($(row.get::<_, $name>($index)?,)+))
            }
        }
    };
}
tuple_rows!(A 0);
tuple_rows!(A 0, B 1);
tuple_rows!(A 0, B 1, C 2);
tuple_rows!(A 0, B 1, C 2, D 3);
tuple_rows!(A 0, B 1, C 2, D 3, E 4);
tuple_rows!(A 0, B 1, C 2, D 3, E 4, F 5);
tuple_rows!(A 0, B 1, C 2, D 3, E 4, F 5, G 6);
tuple_rows!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7);
tuple_rows!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8);
tuple_rows!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9);
tuple_rows!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10);
tuple_rows!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11);
tuple_rows!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11, M 12);
tuple_rows!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11, M 12, N 13);
tuple_rows!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11, M 12, N 13, O 14);
tuple_rows!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11, M 12, N 13, O 14, P 15);

/// Declares a row struct read by column name: `row_struct! { struct UserRow { id: i64, … } }`.
#[macro_export]
macro_rules! row_struct {
    ($(#[$meta:meta])* $vis:vis struct $name:ident { $($(#[$field_meta:meta])* $field_vis:vis $field:ident : $ty:ty),* $(,)? }) => {
        $(#[$meta])*
        $vis struct $name { $($(#[$field_meta])* $field_vis $field: $ty),* }

        impl $crate::store::db::FromRow for $name {
            fn from_row(row: &$crate::store::db::Row<'_>) -> Result<Self, $crate::store::db::DbError> {
                Ok($name { $($field: row.get(stringify!($field))?),* })
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_nul_in_text_is_stored_as_a_replacement_character_on_both_engines() {
        assert_eq!("a\0b".value(), Value::Text(Cow::Owned("a\u{FFFD}b".into())));
        assert!(matches!("plain".value(), Value::Text(Cow::Borrowed("plain"))));
    }

    #[test]
    fn any_cell_reads_as_the_value_it_holds() {
        let read = |cell| Value::from_cell(cell).expect("every cell reads as a value");
        assert_eq!(read(Cell::Null), Value::Null);
        assert_eq!(read(Cell::Int(-7)), Value::Int(-7));
        assert_eq!(read(Cell::Real(2.5)), Value::Real(2.5));
        assert_eq!(read(Cell::Text("wf_1")), Value::Text(Cow::Owned("wf_1".into())));
        assert_eq!(read(Cell::Blob(&[0, 255])), Value::Blob(Cow::Owned(vec![0, 255])));
        // Bound again it is the same value, a NUL too (`store::copy` makes text storable itself).
        assert_eq!(read(Cell::Text("a\0b")).value(), Value::Text(Cow::Borrowed("a\0b")));
    }
}
