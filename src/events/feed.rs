//! The delta-sync feed for offline clients: what changed in the public view since
//! a cursor. Applying the feed in order — upsert the data, drop deleted ids — from
//! the start or from any cursor it gave leaves a client holding exactly what public
//! queries show.
//!
//! The feed is derived from the event log, not replayed from it: each document that
//! changed comes once, with its current public state (its published row, or a
//! deletion when the public cannot see it). A document's place in the feed is the
//! last event that changed what the public sees of it — its own publication,
//! unpublication or deletion, or its therapy (or a link's other end) becoming public
//! or ceasing to be. So superseded texts are never served, children come and go
//! with their therapy, and links with their ends.

use std::collections::{BTreeMap, HashMap, HashSet};

use entity::DocumentType;
use entity::content_event::{Column, Entity};
use sea_orm::{
    AccessMode, ActiveEnum, ColumnTrait, DatabaseBackend, DatabaseConnection, DatabaseTransaction,
    EntityTrait, IntoDatabaseExecutor, IsolationLevel, QueryFilter, QueryOrder, QuerySelect,
    TransactionTrait,
};
use uuid::Uuid;

use super::visibility::{self, PUBLISHED_STAGE_ACTIONS, Timelines};
use crate::content::{ContentError, Result, Stage, registry, snapshot};
use crate::db::Database;
use crate::log::{self, Consumer, checkpoint, consumer};

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
    /// The public cannot see the document (any more): drop it.
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

type Key = (DocumentType, Uuid);

/// A place in the feed. Changes are ordered by the event that placed them, then
/// by document type and id (one event can move many documents, e.g. a therapy's
/// children): everything before `seq` has been given, and of the changes at `seq`
/// those up to `after`, or all of them when `after` is `None`.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Position {
    seq: i64,
    after: Option<Key>,
}

const TAG: &str = "feed";

fn encode(position: Position) -> String {
    match position.after {
        // The plain form is what earlier versions gave out; it still means the same.
        None => log::seq_cursor(TAG, position.seq),
        Some((document_type, id)) => log::tagged_cursor(
            TAG,
            &format!("{}:{}:{id}", position.seq, document_type.to_value()),
        ),
    }
}

fn decode(cursor: &str) -> Result<Position> {
    let body = log::parse_tagged_cursor(TAG, "since", cursor)?;
    let mut parts = body.splitn(3, ':');
    let seq = parts.next().and_then(|s| s.parse().ok());
    let position = match (seq, parts.next(), parts.next()) {
        (Some(seq), None, None) => Some(Position { seq, after: None }),
        (Some(seq), Some(kind), Some(id)) => DocumentType::try_from_value(&kind.to_owned())
            .ok()
            .zip(id.parse().ok())
            .map(|after| Position {
                seq,
                after: Some(after),
            }),
        _ => None,
    };
    position.ok_or_else(|| log::BadCursor::on("since").into())
}

/// The feed's index of the log, a durable consumer (its checkpoint is `feed`):
/// for each document, its last published-stage event and the last at which it
/// became public or stopped being so. The feed places documents from it.
pub struct FeedIndex;

/// The name of the index's checkpoint.
const INDEX: &str = "feed";

#[async_trait::async_trait]
impl Consumer for FeedIndex {
    fn name(&self) -> &'static str {
        INDEX
    }

    async fn consume(
        &self,
        db: &sea_orm::DatabaseExecutor<'_>,
        events: &[log::Event],
    ) -> std::result::Result<(), sea_orm::DbErr> {
        use entity::feed_entry::{ActiveModel, Column as Entry, Entity as Entries};
        use sea_orm::ActiveValue::Set;
        use sea_orm::sea_query::OnConflict;
        let published_stage = events
            .iter()
            .filter(|e| e.stage == Stage::Published && PUBLISHED_STAGE_ACTIONS.contains(&e.action));
        for event in published_stage {
            let current = Entries::find_by_id(event.document_id).one(db).await?;
            if current.as_ref().is_some_and(|c| c.last_seq >= event.seq) {
                continue; // handled already
            }
            let (was_public, last_flip) = current.map_or((false, 0), |c| (c.public, c.last_flip));
            let public = event.action == entity::EventAction::Published;
            let row = ActiveModel {
                document_id: Set(event.document_id),
                document_type: Set(event.document_type),
                last_seq: Set(event.seq),
                last_flip: Set(if public == was_public {
                    last_flip
                } else {
                    event.seq
                }),
                public: Set(public),
            };
            Entries::insert(row)
                .on_conflict(
                    OnConflict::column(Entry::DocumentId)
                        .update_columns([Entry::LastSeq, Entry::LastFlip, Entry::Public])
                        .to_owned(),
                )
                .exec_without_returning(db)
                .await?;
        }
        Ok(())
    }
}

/// Changes to the public view after `since` (from the start when `None`).
pub async fn changes(db: &Database, since: Option<&str>, first: u64) -> Result<Feed> {
    if !(1..=MAX_CHANGES).contains(&first) {
        return Err(ContentError::invalid(
            "first",
            format!("must be between 1 and {MAX_CHANGES}"),
        ));
    }
    let from = match since {
        Some(cursor) => decode(cursor)?,
        None => Position { seq: 0, after: None },
    };
    // The index first takes in every event committed so far, so a read right
    // after a write is never behind it.
    consumer::catch_up(db, &FeedIndex).await?;
    // One snapshot for the horizon and every row read, so the page shows the
    // content exactly as it stood at the horizon.
    let txn = read_snapshot(db.conn()).await?;
    let feed = page(&txn, from, first).await?;
    txn.commit().await?;
    Ok(feed)
}

async fn read_snapshot(db: &DatabaseConnection) -> Result<DatabaseTransaction> {
    Ok(match db.get_database_backend() {
        // PostgreSQL's default gives each statement its own snapshot.
        DatabaseBackend::Postgres => {
            db.begin_with_config(Some(IsolationLevel::RepeatableRead), Some(AccessMode::ReadOnly))
                .await?
        }
        // A SQLite read transaction reads one snapshot already.
        _ => db.begin().await?,
    })
}

async fn page(db: &DatabaseTransaction, from: Position, first: u64) -> Result<Feed> {
    use entity::feed_entry::{Column as Entry, Entity as Entries};
    // The index has taken in every event up to its checkpoint, and no later one:
    // that is the horizon (events committed since are served next time).
    let horizon = checkpoint::get(db, INDEX).await?.unwrap_or(0);
    // Only events after `low` can place a document after `from`.
    let low = if from.after.is_some() {
        from.seq.saturating_sub(1)
    } else {
        from.seq
    };

    // Documents whose own published copy changed.
    let touched: Vec<(DocumentType, Uuid, i64)> = Entries::find()
        .select_only()
        .columns([Entry::DocumentType, Entry::DocumentId, Entry::LastSeq])
        .filter(Entry::LastSeq.gt(low))
        .filter(Entry::LastSeq.lte(horizon))
        .into_tuple()
        .all(db)
        .await?;
    let mut placed: HashMap<Key, i64> = touched.iter().map(|&(t, id, seq)| ((t, id), seq)).collect();

    // Documents others hang on (therapies, conditions…) that became public or
    // stopped being so.
    let flips: Vec<(DocumentType, Uuid, i64)> = Entries::find()
        .select_only()
        .columns([Entry::DocumentType, Entry::DocumentId, Entry::LastFlip])
        .filter(Entry::LastFlip.gt(low))
        .filter(Entry::LastFlip.lte(horizon))
        .into_tuple()
        .all(db)
        .await?;
    let flipped: HashMap<Uuid, i64> = flips
        .into_iter()
        .filter(|(t, _, _)| registry::has_dependants(*t))
        .map(|(_, id, flip)| (id, flip))
        .collect();

    // The published rows of everything placed, and of everything hanging on a flipped end.
    let mut rows = BTreeMap::new();
    load_rows(db, &placed, &mut rows).await?;
    load_dependants(db, &flipped, &mut rows).await?;

    // A row's place also counts its ends' flips; a row's public state needs them published.
    let mut ends_needed: HashMap<DocumentType, HashSet<Uuid>> = HashMap::new();
    for (&(document_type, id), data) in &rows {
        for (kind, end) in visibility::parents(document_type, data) {
            ends_needed.entry(kind).or_default().insert(end);
            if let Some(&flip) = flipped.get(&end) {
                let seq = placed.entry((document_type, id)).or_insert(flip);
                *seq = (*seq).max(flip);
            }
        }
    }
    let mut public_ends = HashSet::new();
    for (kind, ids) in &ends_needed {
        public_ends.extend(published_ids(db, *kind, ids).await?);
    }

    let mut order: Vec<(i64, Key)> = placed
        .into_iter()
        .map(|(key, seq)| (seq, key))
        .filter(|&(seq, key)| match from.after {
            Some(after) => seq > from.seq || (seq == from.seq && key > after),
            None => seq > from.seq,
        })
        .collect();
    order.sort_unstable();
    let has_more = order.len() as u64 > first;
    order.truncate(first as usize);

    let seen = ever_public(db, &order, &rows, &public_ends, horizon).await?;
    let changes = order
        .iter()
        .filter(|(_, key)| seen.contains(key))
        .map(|&(seq, (document_type, id))| {
            let public = rows.get(&(document_type, id)).filter(|data| {
                visibility::parents(document_type, data)
                    .iter()
                    .all(|(_, end)| public_ends.contains(end))
            });
            match public {
                Some(data) => FeedChange::Upsert {
                    seq,
                    document_type,
                    id,
                    data: data.clone(),
                },
                None => FeedChange::Delete {
                    seq,
                    document_type,
                    id,
                },
            }
        })
        .collect();
    let cursor = match (has_more, order.last()) {
        (true, Some(&(seq, key))) => Position {
            seq,
            after: Some(key),
        },
        _ => Position {
            seq: horizon.max(from.seq),
            after: None,
        },
    };
    Ok(Feed {
        changes,
        cursor: encode(cursor),
        has_more,
    })
}

/// Which of these documents the public could ever see. Only they can be in a
/// client's copy, so only they get a deletion: the feed never names a document
/// that public queries never showed.
async fn ever_public(
    db: &DatabaseTransaction,
    order: &[(i64, Key)],
    rows: &BTreeMap<Key, serde_json::Value>,
    public_ends: &HashSet<Uuid>,
    horizon: i64,
) -> Result<HashSet<Key>> {
    let mut seen = HashSet::new();
    let mut hidden: HashMap<Uuid, (DocumentType, Option<Vec<Uuid>>)> = HashMap::new();
    for &(_, (document_type, id)) in order {
        match rows.get(&(document_type, id)) {
            Some(data) => {
                let ends: Vec<Uuid> = visibility::parents(document_type, data)
                    .into_iter()
                    .map(|(_, end)| end)
                    .collect();
                if ends.iter().all(|end| public_ends.contains(end)) {
                    seen.insert((document_type, id));
                } else {
                    hidden.insert(id, (document_type, Some(ends)));
                }
            }
            None => {
                hidden.insert(id, (document_type, None));
            }
        }
    }
    // What a document without a published row hung on, from its last snapshot.
    let gone: Vec<Uuid> = hidden
        .iter()
        .filter(|(_, (_, ends))| ends.is_none())
        .map(|(id, _)| *id)
        .collect();
    if !gone.is_empty() {
        let snapshots: Vec<(Uuid, Option<serde_json::Value>)> = Entity::find()
            .select_only()
            .columns([Column::DocumentId, Column::Snapshot])
            .filter(Column::DocumentId.is_in(gone))
            .filter(Column::Stage.eq(Stage::Published))
            .filter(Column::Action.is_in(PUBLISHED_STAGE_ACTIONS))
            .filter(Column::Seq.lte(horizon))
            .order_by_asc(Column::Seq)
            .into_tuple()
            .all(db)
            .await?;
        for (id, snapshot) in snapshots {
            if let (Some((document_type, ends)), Some(snapshot)) = (hidden.get_mut(&id), snapshot) {
                *ends = Some(
                    visibility::parents(*document_type, &snapshot)
                        .into_iter()
                        .map(|(_, end)| end)
                        .collect(),
                );
            }
        }
    }
    let mut ids: HashSet<Uuid> = hidden.keys().copied().collect();
    ids.extend(
        hidden
            .values()
            .flat_map(|(_, ends)| ends.iter().flatten().copied()),
    );
    let timelines = Timelines::load(db, &ids, horizon).await?;
    for (id, (document_type, ends)) in hidden {
        // Purged snapshots no longer tell the ends: judge by the document alone
        // rather than leave a copy behind in a client.
        let ends = ends.unwrap_or_default();
        if timelines.ever_together(id, &ends) {
            seen.insert((document_type, id));
        }
    }
    Ok(seen)
}

/// The published rows of these documents, as snapshots.
async fn load_rows(
    db: &DatabaseTransaction,
    keys: &HashMap<Key, i64>,
    rows: &mut BTreeMap<Key, serde_json::Value>,
) -> Result<()> {
    let mut by_type: HashMap<DocumentType, Vec<Uuid>> = HashMap::new();
    for &(document_type, id) in keys.keys() {
        by_type.entry(document_type).or_default().push(id);
    }
    for (document_type, ids) in by_type {
        for (id, data) in snapshot::find(db, document_type, &ids, Stage::Published).await? {
            rows.insert((document_type, id), data);
        }
    }
    Ok(())
}

/// The published documents that hang on these ends: owned items and links.
async fn load_dependants(
    db: &DatabaseTransaction,
    ends: &HashMap<Uuid, i64>,
    rows: &mut BTreeMap<Key, serde_json::Value>,
) -> Result<()> {
    if ends.is_empty() {
        return Ok(());
    }
    let ids: Vec<Uuid> = ends.keys().copied().collect();
    let db = db.into_database_executor();
    for kind in registry::KINDS {
        let declaration = kind.declaration();
        for field in declaration.parent_fields() {
            for (id, data) in kind.under(&db, field, &ids, Stage::Published).await? {
                rows.insert((declaration.document_type, id), data);
            }
        }
    }
    Ok(())
}

/// Which of these therapies, conditions or practitioners are published.
async fn published_ids(
    db: &DatabaseTransaction,
    document_type: DocumentType,
    ids: &HashSet<Uuid>,
) -> Result<Vec<Uuid>> {
    let ids: Vec<Uuid> = ids.iter().copied().collect();
    Ok(snapshot::find(db, document_type, &ids, Stage::Published)
        .await?
        .into_iter()
        .map(|(id, _)| id)
        .collect())
}
