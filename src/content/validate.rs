//! Input rules shared by every document type: slugs, required text, lengths, ranges.

use super::{ContentError, Result};

pub const MAX_NAME_LEN: usize = 300;
pub const MAX_SLUG_LEN: usize = 120;
pub const MAX_RICH_TEXT_LEN: usize = 100_000;

/// A slug is lowercase letters, digits and single hyphens between them.
pub fn slug(field: &str, value: &str) -> Result<String> {
    let valid = !value.is_empty()
        && value.len() <= MAX_SLUG_LEN
        && value.split('-').all(|part| {
            !part.is_empty() && part.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        });
    if valid {
        Ok(value.to_owned())
    } else {
        Err(ContentError::invalid(
            field,
            format!(
                "must be 1–{MAX_SLUG_LEN} lowercase letters, digits and single hyphens (like \"knee-pain\"), got {value:?}"
            ),
        ))
    }
}

/// A required one-line text such as a name or a title, trimmed.
pub fn name(field: &str, value: &str) -> Result<String> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(ContentError::invalid(field, "must not be empty"));
    }
    if trimmed.chars().count() > MAX_NAME_LEN {
        return Err(ContentError::invalid(
            field,
            format!("must be at most {MAX_NAME_LEN} characters"),
        ));
    }
    if trimmed.contains(['\n', '\r']) {
        return Err(ContentError::invalid(field, "must be a single line"));
    }
    Ok(trimmed.to_owned())
}

/// Markdown text; may be empty unless `required`.
pub fn rich_text(field: &str, value: &str, required: bool) -> Result<String> {
    if required && value.trim().is_empty() {
        return Err(ContentError::invalid(field, "must not be empty"));
    }
    if value.len() > MAX_RICH_TEXT_LEN {
        return Err(ContentError::invalid(
            field,
            format!("must be at most {MAX_RICH_TEXT_LEN} bytes"),
        ));
    }
    Ok(value.to_owned())
}

/// An optional short text: blank becomes `None`.
pub fn optional_name(field: &str, value: Option<&str>) -> Result<Option<String>> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => name(field, v).map(Some),
    }
}

/// An optional count that must not be negative.
pub fn non_negative(field: &str, value: Option<i32>) -> Result<()> {
    match value {
        Some(v) if v < 0 => Err(ContentError::invalid(
            field,
            format!("must not be negative, got {v}"),
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
