//! Appending to and reading the event log.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use entity::content_event::{ActiveModel, Column, Entity, Model};
use sea_orm::{
    ActiveValue::NotSet, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use serde::Serialize;

use crate::content::write::{Actor, Change};

/// The PostgreSQL notification channel that tells instances to read new events.
pub const CHANNEL: &str = "clinic_content_events";

pub async fn append<T: Serialize>(
    db: &impl ConnectionTrait,
    actor: &Actor,
    change: &Change<'_, T>,
    snapshot: Option<serde_json::Value>,
) -> Result<Model, DbErr> {
    let event = ActiveModel {
        seq: NotSet,
        document_type: Set(change.document_type),
        document_id: Set(change.id),
        action: Set(change.action),
        stage: Set(change.stage),
        version: Set(change.version),
        actor_id: Set(actor.token_id),
        actor_name: Set(actor.name.clone()),
        occurred_at: Set(crate::content::now()),
        snapshot: Set(snapshot),
        snapshot_version: Set(change.snapshot_version),
    };
    Entity::insert(event).exec_with_returning(db).await
}

/// An opaque cursor for a position in the log, tagged with what made it.
pub fn seq_cursor(tag: &str, seq: i64) -> String {
    tagged_cursor(tag, &seq.to_string())
}

/// Reads a cursor made by [`seq_cursor`] with the same tag; anything else is a
/// `BAD_USER_INPUT` on `field`.
pub fn parse_seq_cursor(tag: &str, field: &str, cursor: &str) -> crate::content::Result<i64> {
    parse_tagged_cursor(tag, field, cursor)?
        .parse()
        .map_err(|_| bad_cursor(field))
}

/// An opaque cursor holding `body`, tagged with what made it.
pub fn tagged_cursor(tag: &str, body: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("{tag}:{body}"))
}

/// The body of a cursor made by [`tagged_cursor`] with the same tag; anything else
/// is a `BAD_USER_INPUT` on `field`.
pub fn parse_tagged_cursor(tag: &str, field: &str, cursor: &str) -> crate::content::Result<String> {
    URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|text| Some(text.strip_prefix(tag)?.strip_prefix(':')?.to_owned()))
        .ok_or_else(|| bad_cursor(field))
}

/// The refusal of a cursor this list did not give out.
pub fn bad_cursor(field: &str) -> crate::content::ContentError {
    crate::content::ContentError::invalid(field, "is not a cursor returned by this list")
}

/// Events after `seq`, oldest first, at most `limit`.
pub async fn after(db: &impl ConnectionTrait, seq: i64, limit: u64) -> Result<Vec<Model>, DbErr> {
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
