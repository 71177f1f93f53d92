//! Event log rows in the file: every column, as written and as read back.

use chrono::{DateTime, Timelike, Utc};
use entity::content_event::Model as Event;
use entity::{DocumentType, EventAction, Stage};
use sea_orm::ActiveEnum;
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

use super::error::{Result, TransferError};
use super::fields::{refuse_other_fields, take, typed};
use crate::content::registry;

/// One event as the file holds it, fields in the table's column order.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EventRecord<'e> {
    seq: i64,
    document_type: DocumentType,
    document_id: Uuid,
    action: EventAction,
    stage: Stage,
    version: i32,
    actor_id: Option<Uuid>,
    actor_name: &'e str,
    occurred_at: DateTime<Utc>,
    snapshot: &'e Option<Value>,
    snapshot_version: i32,
}

impl<'e> From<&'e Event> for EventRecord<'e> {
    fn from(event: &'e Event) -> Self {
        Self {
            seq: event.seq,
            document_type: event.document_type,
            document_id: event.document_id,
            action: event.action,
            stage: event.stage,
            version: event.version,
            actor_id: event.actor_id,
            actor_name: &event.actor_name,
            occurred_at: event.occurred_at,
            snapshot: &event.snapshot,
            snapshot_version: event.snapshot_version,
        }
    }
}

/// Reads the event at `at` (`events[12]`), which must come after `previous` in
/// the log. Every field must be there, and nothing else.
pub fn parse(value: Value, at: &str, previous: i64) -> Result<Event> {
    let Value::Object(mut fields) = value else {
        return Err(TransferError::invalid(at, "is not an event (an object)"));
    };
    let mut field = |name: &str| {
        let place = format!("{at}.{name}");
        take(&mut fields, name, &place).map(|value| (value, place))
    };
    let (value, seq_at) = field("seq")?;
    let seq: i64 = typed(value, &seq_at, "a sequence number")?;
    if seq <= previous {
        return Err(TransferError::invalid(
            seq_at,
            format!("{seq} does not come after {previous}: events are in log order, each once"),
        ));
    }
    let (value, document_type_at) = field("documentType")?;
    let document_type: DocumentType = one_of(&value, &document_type_at)?;
    let (value, document_id_at) = field("documentId")?;
    let document_id = typed(value, &document_id_at, "a document id")?;
    let (value, action_at) = field("action")?;
    let action = one_of(&value, &action_at)?;
    let (value, stage_at) = field("stage")?;
    let stage = one_of(&value, &stage_at)?;
    let (value, version_at) = field("version")?;
    let version = typed(value, &version_at, "a version")?;
    let (value, actor_id_at) = field("actorId")?;
    let actor_id = typed(value, &actor_id_at, "a token id or null")?;
    let (value, actor_name_at) = field("actorName")?;
    let actor_name = typed(value, &actor_name_at, "a name")?;
    let (value, time_at) = field("occurredAt")?;
    let occurred_at = timestamp(value, &time_at)?;
    let (snapshot, snapshot_at) = field("snapshot")?;
    if !(snapshot.is_object() || snapshot.is_null()) {
        return Err(TransferError::invalid(
            snapshot_at,
            "is neither a document (an object) nor null",
        ));
    }
    let (value, snapshot_version_at) = field("snapshotVersion")?;
    let snapshot_version = typed(value, &snapshot_version_at, "a snapshot version")?;
    known_snapshot_version(document_type, snapshot_version, &snapshot_version_at)?;
    refuse_other_fields(&fields, at, "an event")?;
    Ok(Event {
        seq,
        document_type,
        document_id,
        action,
        stage,
        version,
        actor_id,
        actor_name,
        occurred_at,
        snapshot: Some(snapshot).filter(|s| !s.is_null()),
        snapshot_version,
    })
}

/// A value of a closed vocabulary, as the database stores it.
fn one_of<T: ActiveEnum<Value = String>>(value: &Value, at: &str) -> Result<T> {
    let text = value.as_str().unwrap_or_default();
    T::iter().find(|known| known.to_value() == text).ok_or_else(|| {
        let known: Vec<String> = T::iter().map(|v| v.to_value()).collect();
        TransferError::invalid(at, format!("unknown value {value} (one of {})", known.join(", ")))
    })
}

/// A time the databases keep exactly: both store microseconds, so a finer one
/// would come back changed.
fn timestamp(value: Value, at: &str) -> Result<DateTime<Utc>> {
    let time: DateTime<Utc> = typed(value, at, "a time (RFC 3339)")?;
    if !time.nanosecond().is_multiple_of(1_000) {
        return Err(TransferError::invalid(
            at,
            "is finer than microseconds, which the databases do not keep",
        ));
    }
    Ok(time)
}

/// Refuses a snapshot written by a newer server, which this one could not read.
fn known_snapshot_version(document_type: DocumentType, version: i32, at: &str) -> Result<()> {
    let Some(declaration) = registry::declaration(document_type) else {
        return Err(TransferError::invalid(
            at,
            format!("no kind of document is declared for {document_type:?}"),
        ));
    };
    let known = declaration.snapshot.version;
    match version {
        v if v > known => Err(TransferError::invalid(
            at,
            format!(
                "{v} is newer than this server reads for a {} ({known})",
                declaration.label
            ),
        )),
        v if v < 1 => Err(TransferError::invalid(
            at,
            format!("{v} is not a snapshot version (they start at 1)"),
        )),
        _ => Ok(()),
    }
}
