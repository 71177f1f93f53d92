//! Reading an export file into the rows to insert, refusing anything an export
//! does not hold and saying where, before the database is touched.

use entity::content_event::Model as Event;
use serde_json::{Map, Value};

use super::error::{Result, TransferError};
use super::fields::{refuse_other_fields, take, typed};
use super::{FORMAT, FORMAT_VERSION, events};
use crate::content::registry::{KINDS, Kind};

/// The seed's format, which names documents by slug and has no history.
const SEED_FORMAT: &str = "clinic-content/1";

/// An export, read and checked as far as it can be without the database: each
/// kind's rows in the current shape, in registry order, and the events in log order.
pub struct ExportFile {
    pub documents: Vec<(&'static dyn Kind, Vec<Value>)>,
    pub events: Vec<Event>,
}

pub fn parse(text: &str) -> Result<ExportFile> {
    let Value::Object(mut top) = serde_json::from_str(text).map_err(TransferError::NotJson)? else {
        return Err(TransferError::invalid(
            "the file",
            format!("is not a {FORMAT} file (an object)"),
        ));
    };
    check_format(&mut top)?;
    let versions = object(&mut top, "snapshotVersions")?;
    let documents = documents(object(&mut top, "documents")?, versions)?;
    let Value::Array(events) = take(&mut top, "events", "events")? else {
        return Err(TransferError::invalid("events", "is not a list"));
    };
    let events = event_log(events)?;
    refuse_other_fields(&top, "", "an export")?;
    Ok(ExportFile { documents, events })
}

/// The marker first, so that any other file is refused as what it is.
fn check_format(top: &mut Map<String, Value>) -> Result<()> {
    let format = take(top, "format", "format")
        .map_err(|_| TransferError::invalid("format", format!("missing: this is not a {FORMAT} file")))?;
    if format != FORMAT {
        let hint = if format == SEED_FORMAT {
            " (that is the seed's hand-written format, not an export)"
        } else {
            ""
        };
        return Err(TransferError::invalid(
            "format",
            format!("{format} is not \"{FORMAT}\"{hint}"),
        ));
    }
    let version: u64 = typed(
        take(top, "formatVersion", "formatVersion")?,
        "formatVersion",
        "a version",
    )?;
    match version {
        0 => Err(TransferError::invalid(
            "formatVersion",
            "0 is not a version (they start at 1)",
        )),
        v if v > FORMAT_VERSION => Err(TransferError::invalid(
            "formatVersion",
            format!("{v} is newer than this server reads ({FORMAT_VERSION})"),
        )),
        _ => Ok(()),
    }
}

fn object(top: &mut Map<String, Value>, name: &str) -> Result<Map<String, Value>> {
    match take(top, name, name)? {
        Value::Object(fields) => Ok(fields),
        _ => Err(TransferError::invalid(name, "is not an object")),
    }
}

/// Each kind's rows, brought to the current shape from the one the file names.
fn documents(
    mut documents: Map<String, Value>,
    mut versions: Map<String, Value>,
) -> Result<Vec<(&'static dyn Kind, Vec<Value>)>> {
    let mut read = Vec::new();
    for kind in KINDS {
        let declaration = kind.declaration();
        let plural = declaration.plural;
        let version = versions.remove(plural);
        // A file written before this kind existed has none of it.
        let Some(rows) = documents.remove(plural) else {
            continue;
        };
        let at = format!("documents.{plural}");
        let Value::Array(rows) = rows else {
            return Err(TransferError::invalid(at, "is not a list"));
        };
        let version_at = format!("snapshotVersions.{plural}");
        let version = version.ok_or_else(|| TransferError::invalid(&version_at, "missing"))?;
        let version: i32 = typed(version, &version_at, "a snapshot version")?;
        let known = declaration.snapshot.version;
        if version > known || version < 1 {
            return Err(TransferError::invalid(
                version_at,
                format!("{version} is not a shape this server reads (1 to {known})"),
            ));
        }
        let rows = rows
            .into_iter()
            .map(|row| declaration.snapshot.upgrade(version, row))
            .collect::<Result<Vec<_>, _>>()?;
        read.push((*kind, rows));
    }
    for (place, rest) in [("documents", &documents), ("snapshotVersions", &versions)] {
        if let Some(name) = rest.keys().next() {
            return Err(TransferError::invalid(
                format!("{place}.{name}"),
                "is not a kind of document this server knows",
            ));
        }
    }
    Ok(read)
}

fn event_log(events: Vec<Value>) -> Result<Vec<Event>> {
    let mut previous = 0;
    events
        .into_iter()
        .enumerate()
        .map(|(index, value)| {
            let event = events::parse(value, &format!("events[{index}]"), previous)?;
            previous = event.seq;
            Ok(event)
        })
        .collect()
}
