//! The append-only event log: one row per change, ordered by `seq`.

use sea_orm::entity::prelude::*;

use crate::{DocumentType, EventAction, Stage};

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "content_event")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub seq: i64,
    pub document_type: DocumentType,
    pub document_id: Uuid,
    pub action: EventAction,
    pub stage: Stage,
    pub version: i32,
    pub actor_id: Option<Uuid>,
    pub actor_name: String,
    pub occurred_at: DateTimeUtc,
    /// The document as it stood after the change (null once purged).
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub snapshot: Option<Json>,
    /// The shape `snapshot` was written in, as its kind's declaration numbers
    /// them; older shapes are upgraded when read.
    pub snapshot_version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
