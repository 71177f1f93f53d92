//! Input rules shared by every document type: text within its column's limit and
//! free of NUL, slugs, names, and the ranges of numbers and lists.

pub use entity::limits::{self, TextLimit};

use super::{ContentError, Result};

/// The most entries a list argument that selects or sets values may hold
/// (`slugIn`, `ids`, `types`, `techniques`…); it also keeps every `IN (…)` far
/// below the databases' limits on bound parameters.
pub const MAX_LIST_LEN: usize = 100;
/// The most items a reorder list may name: it names every item of a hand-ordered
/// list, which may be longer than a filter's list.
pub const MAX_REORDER_LEN: usize = 1_000;
/// The highest position a client may give an item; appending goes on from the
/// last one, so nothing near `i32::MAX` is ever reached.
pub const MAX_POSITION: i32 = 1_000_000;
/// The largest value of a treatment fact (a count of sessions, weeks, minutes or months).
pub const MAX_FACT: i32 = 10_000;

/// Any text from a client, stored or compared with a column: no NUL character
/// (PostgreSQL text cannot hold one) and at most the column's characters.
pub fn text(field: &str, value: &str, limit: &TextLimit) -> Result<()> {
    if value.contains('\0') {
        return Err(ContentError::invalid(
            field,
            "must not contain the NUL character (U+0000)",
        ));
    }
    if !limit.admits(value) {
        return Err(ContentError::invalid(
            field,
            format!("must be at most {} characters", limit.max_chars),
        ));
    }
    Ok(())
}

/// A slug is lowercase letters, digits and single hyphens between them.
pub fn slug(field: &str, value: &str, limit: &TextLimit) -> Result<String> {
    text(field, value, limit)?;
    let valid = !value.is_empty()
        && value.split('-').all(|part| {
            !part.is_empty() && part.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        });
    if valid {
        Ok(value.to_owned())
    } else {
        Err(ContentError::invalid(
            field,
            format!(
                "must be 1–{} lowercase letters, digits and single hyphens (like \"knee-pain\"), got {value:?}",
                limit.max_chars
            ),
        ))
    }
}

/// A required one-line text such as a name or a title, trimmed.
pub fn name(field: &str, value: &str, limit: &TextLimit) -> Result<String> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(ContentError::invalid(field, "must not be empty"));
    }
    text(field, trimmed, limit)?;
    if trimmed.contains(['\n', '\r']) {
        return Err(ContentError::invalid(field, "must be a single line"));
    }
    Ok(trimmed.to_owned())
}

/// Markdown text; may be empty unless `required`.
pub fn rich_text(field: &str, value: &str, required: bool, limit: &TextLimit) -> Result<String> {
    if required && value.trim().is_empty() {
        return Err(ContentError::invalid(field, "must not be empty"));
    }
    text(field, value, limit)?;
    Ok(value.to_owned())
}

/// An optional short text: blank becomes `None`.
pub fn optional_name(field: &str, value: Option<&str>, limit: &TextLimit) -> Result<Option<String>> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => name(field, v, limit).map(Some),
    }
}

/// A list argument holds at most `max` entries.
pub fn list_len(field: &str, len: usize, max: usize) -> Result<()> {
    if len > max {
        return Err(ContentError::invalid(
            field,
            format!("must hold at most {max} entries, got {len}"),
        ));
    }
    Ok(())
}

/// A position given by a client: 0 to [`MAX_POSITION`].
pub fn position(field: &str, value: i32) -> Result<i32> {
    if !(0..=MAX_POSITION).contains(&value) {
        return Err(ContentError::invalid(
            field,
            format!("must be between 0 and {MAX_POSITION}, got {value}"),
        ));
    }
    Ok(value)
}

/// A version a client expects: versions start at 1.
pub fn version(field: &str, value: i32) -> Result<()> {
    if value < 1 {
        return Err(ContentError::invalid(
            field,
            format!("must be at least 1 (versions start at 1), got {value}"),
        ));
    }
    Ok(())
}

/// An optional treatment fact: 0 to [`MAX_FACT`].
pub fn fact(field: &str, value: Option<i32>) -> Result<()> {
    match value {
        Some(v) if !(0..=MAX_FACT).contains(&v) => Err(ContentError::invalid(
            field,
            format!("must be between 0 and {MAX_FACT}, got {v}"),
        )),
        _ => Ok(()),
    }
}

/// `low ≤ high` when both are given.
pub fn ordered(field: &str, low: Option<i32>, high: Option<i32>, what: &str) -> Result<()> {
    match (low, high) {
        (Some(l), Some(h)) if l > h => Err(ContentError::invalid(
            field,
            format!("must not be below {what} ({l})"),
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHORT: TextLimit = TextLimit {
        max_chars: 3,
        ..limits::CONDITION_NAME
    };

    #[test]
    fn text_counts_characters_not_bytes() {
        assert!(text("f", "äöü", &SHORT).is_ok());
        assert!(text("f", "äöüß", &SHORT).is_err());
    }

    #[test]
    fn nul_is_refused_everywhere() {
        assert!(text("f", "a\0", &SHORT).is_err());
        assert!(name("f", "a\0b", &SHORT).is_err());
        assert!(rich_text("f", "\0", false, &SHORT).is_err());
        assert!(slug("f", "a\0", &SHORT).is_err());
    }
}
