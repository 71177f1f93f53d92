//! The event log, the bottom layer of change events: appending an event, reading
//! after a sequence number, cursors over it, and handing events to consumers.
//!
//! It knows rows of `content_event` and nothing of what they describe: the content
//! layer above builds a [`NewEvent`] for each change and appends it in the change's
//! own transaction; what reacts to events (caches, subscribers, webhooks) and what
//! reads the log in content's terms (history, the feed) sit above both. Nothing here
//! imports `crate::content`.

pub mod bus;
pub mod checkpoint;
pub mod consumer;
pub mod cursor;

use entity::content_event::{ActiveModel, Column, Entity};
use entity::{DocumentType, EventAction, Stage};
use sea_orm::{
    ActiveValue::NotSet, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseBackend, DbErr, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

pub use bus::EventBus;
pub use consumer::Consumer;
pub use cursor::{BadCursor, parse_seq_cursor, parse_tagged_cursor, seq_cursor, tagged_cursor};
/// One committed event, as the log holds it.
pub use entity::content_event::Model as Event;

/// The PostgreSQL notification channel that tells instances to read new events.
pub const CHANNEL: &str = "clinic_content_events";

/// An event to append: what changed, who changed it, and the document as it stood after.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    pub document_type: DocumentType,
    pub document_id: Uuid,
    pub action: EventAction,
    pub stage: Stage,
    pub version: i32,
    /// The API token used; `None` for the server itself.
    pub actor_id: Option<Uuid>,
    pub actor_name: String,
    pub snapshot: Option<serde_json::Value>,
    /// The shape `snapshot` is in, as whoever wrote it numbers its shapes.
    pub snapshot_version: i32,
}

/// Appends an event in the caller's transaction; it gets the next sequence number
/// and the current time.
pub async fn append(db: &impl ConnectionTrait, event: NewEvent) -> Result<Event, DbErr> {
    let row = ActiveModel {
        seq: NotSet,
        document_type: Set(event.document_type),
        document_id: Set(event.document_id),
        action: Set(event.action),
        stage: Set(event.stage),
        version: Set(event.version),
        actor_id: Set(event.actor_id),
        actor_name: Set(event.actor_name),
        occurred_at: Set(crate::db::now()),
        snapshot: Set(event.snapshot),
        snapshot_version: Set(event.snapshot_version),
    };
    Entity::insert(row).exec_with_returning(db).await
}

/// Asks PostgreSQL to tell every listening instance, at commit, that the log grew
/// (once per transaction is enough); elsewhere nothing listens, and it does nothing.
pub async fn announce(db: &impl ConnectionTrait) -> Result<(), DbErr> {
    if db.get_database_backend() == DatabaseBackend::Postgres {
        db.execute_unprepared(&format!("NOTIFY {CHANNEL}")).await?;
    }
    Ok(())
}

/// Events after `seq`, oldest first, at most `limit`.
pub async fn after(db: &impl ConnectionTrait, seq: i64, limit: u64) -> Result<Vec<Event>, DbErr> {
    Entity::find()
        .filter(Column::Seq.gt(seq))
        .order_by_asc(Column::Seq)
        .limit(limit)
        .all(db)
        .await
}

/// The newest sequence number, 0 for an empty log.
pub async fn last_seq(db: &impl ConnectionTrait) -> Result<i64, DbErr> {
    let last: Option<Option<i64>> = Entity::find()
        .select_only()
        .column_as(Column::Seq.max(), "last")
        .into_tuple()
        .one(db)
        .await?;
    Ok(last.flatten().unwrap_or(0))
}

/// How many events the log holds.
pub async fn count(db: &impl ConnectionTrait) -> Result<u64, DbErr> {
    use sea_orm::PaginatorTrait;
    Entity::find().count(db).await
}

/// Makes new events follow `seq`, after events were inserted with numbers of
/// their own (an import). PostgreSQL's sequence does not notice such inserts, so
/// it is set past them; SQLite numbers a new row after the highest there is.
pub async fn continue_after(db: &impl ConnectionTrait, seq: i64) -> Result<(), DbErr> {
    use sea_orm::Statement;
    if db.get_database_backend() != DatabaseBackend::Postgres {
        return Ok(());
    }
    let find = Statement::from_string(
        DatabaseBackend::Postgres,
        "SELECT pg_get_serial_sequence('content_event', 'seq') AS sequence",
    );
    let sequence: Option<String> = match db.query_one_raw(find).await? {
        Some(row) => row.try_get("", "sequence")?,
        None => None,
    };
    let sequence = sequence.ok_or_else(|| DbErr::Custom("content_event.seq has no sequence".to_owned()))?;
    let set = Statement::from_sql_and_values(
        DatabaseBackend::Postgres,
        "SELECT setval($1::regclass, $2)",
        [sequence.into(), seq.into()],
    );
    db.query_one_raw(set).await?;
    Ok(())
}
