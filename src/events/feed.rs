//! The delta-sync feed for offline clients: what changed in published content
//! since a cursor. Applying the feed in order — upsert the data, drop deleted
//! ids — from the start or from any cursor it gave leaves a client holding
//! exactly the published content set.

use std::collections::BTreeMap;

use entity::content_event::{Column, Entity, Model as Event};
use entity::{DocumentType, EventAction};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use super::log;
use crate::content::document::{self, Document};
use crate::content::{ContentError, Result, Stage, links, snapshot};

/// Largest number of changes one call returns.
pub const MAX_CHANGES: u64 = 500;

/// One change to apply.
#[derive(Debug, Clone, PartialEq)]
pub enum FeedChange {
    /// Insert or replace the document with this published data.
    Upsert {
        seq: i64,
        document_type: DocumentType,
        id: Uuid,
        data: serde_json::Value,
    },
    /// The document is no longer published: drop it.
    Delete {
        seq: i64,
        document_type: DocumentType,
        id: Uuid,
    },
}

#[derive(Debug)]
pub struct Feed {
    pub changes: Vec<FeedChange>,
    /// Where to continue next time.
    pub cursor: String,
    /// More changes are waiting now: call again at once with `cursor`.
    pub has_more: bool,
}

fn encode(seq: i64) -> String {
    log::seq_cursor("feed", seq)
}

fn decode(cursor: &str) -> Result<i64> {
    log::parse_seq_cursor("feed", "since", cursor)
}

/// Changes to published content after `since` (from the start when `None`).
pub async fn changes(db: &impl ConnectionTrait, since: Option<&str>, first: u64) -> Result<Feed> {
    if !(1..=MAX_CHANGES).contains(&first) {
        return Err(ContentError::invalid(
            "first",
            format!("must be between 1 and {MAX_CHANGES}"),
        ));
    }
    let since = since.map(decode).transpose()?.unwrap_or(0);
    // Every event up to the newest committed one is visible (appends are ordered
    // by commit), so reading up to it can never skip one that commits later.
    let horizon = log::last_seq(db).await?;
    let mut events = Entity::find()
        .filter(Column::Seq.gt(since))
        .filter(Column::Seq.lte(horizon))
        .filter(Column::Stage.eq(Stage::Published))
        .filter(Column::Action.is_in([
            EventAction::Published,
            EventAction::Unpublished,
            EventAction::Deleted,
        ]))
        .order_by_asc(Column::Seq)
        .limit(first + 1)
        .all(db)
        .await?;
    let has_more = events.len() as u64 > first;
    events.truncate(first as usize);
    let cursor = match (has_more, events.last()) {
        (true, Some(last)) => last.seq,
        _ => horizon.max(since),
    };
    Ok(Feed {
        changes: events.into_iter().map(change_of).collect(),
        cursor: encode(cursor),
        has_more,
    })
}

fn change_of(event: Event) -> FeedChange {
    match (event.action, event.snapshot) {
        (EventAction::Published, Some(data)) => FeedChange::Upsert {
            seq: event.seq,
            document_type: event.document_type,
            id: event.document_id,
            data,
        },
        _ => FeedChange::Delete {
            seq: event.seq,
            document_type: event.document_type,
            id: event.document_id,
        },
    }
}

/// The whole published content set, keyed as the feed keys it, each document
/// serialised as the feed serialises it: what a client must end up holding.
pub async fn published_set(
    db: &impl ConnectionTrait,
) -> Result<BTreeMap<(DocumentType, Uuid), serde_json::Value>> {
    let mut set = BTreeMap::new();
    add::<entity::therapy::Entity>(db, &mut set).await?;
    add::<entity::therapy_section::Entity>(db, &mut set).await?;
    add::<entity::benefit::Entity>(db, &mut set).await?;
    add::<entity::faq::Entity>(db, &mut set).await?;
    add::<entity::condition::Entity>(db, &mut set).await?;
    add::<entity::practitioner::Entity>(db, &mut set).await?;
    add::<entity::therapy_condition::Entity>(db, &mut set).await?;
    use entity::therapy_practitioner as tp;
    for link in tp::Entity::find()
        .filter(tp::Column::Stage.eq(Stage::Published))
        .all(db)
        .await?
    {
        set.insert(
            (
                DocumentType::TherapyPractitioner,
                links::practitioner_link_id(&link),
            ),
            snapshot::json(&link)?,
        );
    }
    Ok(set)
}

async fn add<E: Document>(
    db: &impl ConnectionTrait,
    set: &mut BTreeMap<(DocumentType, Uuid), serde_json::Value>,
) -> Result<()> {
    for row in E::find()
        .filter(E::stage_col().eq(Stage::Published))
        .all(db)
        .await?
    {
        set.insert((E::TYPE, document::id_of::<E>(&row)), snapshot::json(&row)?);
    }
    Ok(())
}
