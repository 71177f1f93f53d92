//! Reading the log back: a document's revisions, the differences between a
//! revision and the current draft, the trash of deleted documents, and the
//! audit trail. Restoring and purging live in `content::restore`.

use chrono::{DateTime, Utc};
use entity::content_event::{Column, Entity, Model};
use entity::{DocumentType, EventAction};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use uuid::Uuid;

use crate::content::{ContentError, Result};
use crate::log;

/// Largest page of events a client may ask for.
pub const MAX_PAGE_SIZE: u64 = 100;

/// A page of events, newest first.
#[derive(Debug)]
pub struct EventPage {
    pub events: Vec<Model>,
    pub has_next_page: bool,
    pub total_count: u64,
}

pub fn cursor(seq: i64) -> String {
    log::seq_cursor("event", seq)
}

pub fn parse_cursor(field: &str, cursor: &str) -> Result<i64> {
    Ok(log::parse_seq_cursor("event", field, cursor)?)
}

/// Events matching `filter`, newest first, `first` at a time after `after`.
async fn page(
    db: &impl ConnectionTrait,
    filter: Condition,
    first: u64,
    after: Option<&str>,
) -> Result<EventPage> {
    if first > MAX_PAGE_SIZE {
        return Err(ContentError::invalid(
            "first",
            format!("must be at most {MAX_PAGE_SIZE}"),
        ));
    }
    let total_count = Entity::find().filter(filter.clone()).count(db).await?;
    let mut select = Entity::find().filter(filter);
    if let Some(after) = after {
        select = select.filter(Column::Seq.lt(parse_cursor("after", after)?));
    }
    let mut events = select.order_by_desc(Column::Seq).limit(first + 1).all(db).await?;
    let has_next_page = events.len() as u64 > first;
    events.truncate(first as usize);
    Ok(EventPage {
        events,
        has_next_page,
        total_count,
    })
}

/// A document's revisions, newest first.
pub async fn revisions(
    db: &impl ConnectionTrait,
    id: Uuid,
    first: u64,
    after: Option<&str>,
) -> Result<EventPage> {
    page(db, Condition::all().add(Column::DocumentId.eq(id)), first, after).await
}

pub async fn revision(db: &impl ConnectionTrait, seq: i64) -> Result<Option<Model>> {
    Ok(Entity::find_by_id(seq).one(db).await?)
}

/// Bookkeeping fields left out when comparing revisions.
const BOOKKEEPING: [&str; 5] = ["version", "stage", "createdAt", "updatedAt", "publishedAt"];

/// The fields whose values differ between two snapshots (a field missing on one
/// side counts as changed), in alphabetical order.
pub fn changed_fields(before: &serde_json::Value, after: &serde_json::Value) -> Vec<String> {
    let empty = serde_json::Map::new();
    let a = before.as_object().unwrap_or(&empty);
    let b = after.as_object().unwrap_or(&empty);
    let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter(|k| !BOOKKEEPING.contains(&k.as_str()) && a.get(*k) != b.get(*k))
        .cloned()
        .collect()
}

/// What may follow a deletion and take the document out of the trash.
const REVIVING: [EventAction; 4] = [
    EventAction::Created,
    EventAction::Restored,
    EventAction::Linked,
    EventAction::Purged,
];

/// Deleted documents that can still be restored: their draft's deletion is the
/// last word on them (nothing restored, re-created or purged them since).
pub async fn trash(
    db: &impl ConnectionTrait,
    document_type: Option<DocumentType>,
    first: u64,
    after: Option<&str>,
) -> Result<EventPage> {
    let reviving: Vec<String> = REVIVING
        .iter()
        .map(|a| format!("'{}'", action_code(*a)))
        .collect();
    let mut filter = Condition::all()
        .add(Column::Action.eq(EventAction::Deleted))
        .add(Column::Stage.eq(crate::content::Stage::Draft))
        .add(Expr::cust(format!(
            "NOT EXISTS (SELECT 1 FROM content_event later WHERE later.document_id = content_event.document_id \
             AND later.seq > content_event.seq AND later.action IN ({}))",
            reviving.join(", ")
        )));
    if let Some(kind) = document_type {
        filter = filter.add(Column::DocumentType.eq(kind));
    }
    page(db, filter, first, after).await
}

fn action_code(action: EventAction) -> String {
    sea_orm::ActiveEnum::to_value(&action)
}

/// What the audit trail may be narrowed by.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub actor_id: Option<Uuid>,
    pub document_type: Option<DocumentType>,
    pub document_id: Option<Uuid>,
    pub action: Option<EventAction>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
}

/// Every change, newest first, narrowed by actor, type, action and time range.
pub async fn audit(
    db: &impl ConnectionTrait,
    filter: &AuditFilter,
    first: u64,
    after: Option<&str>,
) -> Result<EventPage> {
    let mut cond = Condition::all();
    if let Some(actor) = filter.actor_id {
        cond = cond.add(Column::ActorId.eq(actor));
    }
    if let Some(kind) = filter.document_type {
        cond = cond.add(Column::DocumentType.eq(kind));
    }
    if let Some(id) = filter.document_id {
        cond = cond.add(Column::DocumentId.eq(id));
    }
    if let Some(action) = filter.action {
        cond = cond.add(Column::Action.eq(action));
    }
    if let Some(since) = filter.since {
        cond = cond.add(Column::OccurredAt.gte(since));
    }
    if let Some(until) = filter.until {
        cond = cond.add(Column::OccurredAt.lt(until));
    }
    page(db, cond, first, after).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn changed_fields_ignores_bookkeeping_and_sees_removed_keys() {
        let before = json!({ "name": "A", "version": 1, "note": "x", "slug": "a" });
        let after = json!({ "name": "B", "version": 2, "slug": "a" });
        assert_eq!(changed_fields(&before, &after), ["name", "note"]);
    }

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        assert_eq!(parse_cursor("after", &cursor(42)).unwrap(), 42);
        assert!(parse_cursor("after", "nope").is_err());
    }
}
