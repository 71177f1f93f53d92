//! Reading the file's JSON field by field, so that every refusal names its place.

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::error::{Result, TransferError};

/// Takes field `name` out of `fields`; `at` is its place in the file.
pub fn take(fields: &mut Map<String, Value>, name: &str, at: &str) -> Result<Value> {
    fields
        .remove(name)
        .ok_or_else(|| TransferError::invalid(at, "missing"))
}

/// A field of a type serde reads, or a message saying what it should have been.
pub fn typed<T: DeserializeOwned>(value: Value, at: &str, what: &str) -> Result<T> {
    serde_json::from_value(value).map_err(|err| TransferError::invalid(at, format!("is not {what}: {err}")))
}

/// Refuses fields an export does not write, which would otherwise be dropped unseen.
pub fn refuse_other_fields(fields: &Map<String, Value>, at: &str, what: &str) -> Result<()> {
    match fields.keys().next() {
        Some(name) => Err(TransferError::invalid(
            if at.is_empty() {
                name.clone()
            } else {
                format!("{at}.{name}")
            },
            format!("is not a field of {what}"),
        )),
        None => Ok(()),
    }
}
