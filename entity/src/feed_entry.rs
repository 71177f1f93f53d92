//! The delta-sync feed's index: for each document, the last event that changed
//! its published copy, and whether (and since when) it is public. Kept by the
//! feed's consumer of the event log; derived data, rebuilt from the log.

use sea_orm::entity::prelude::*;

use crate::DocumentType;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "feed_entry")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub document_id: Uuid,
    pub document_type: DocumentType,
    /// The last published-stage event of the document (publication,
    /// unpublication, deletion).
    pub last_seq: i64,
    /// The last of those at which it became public or stopped being so; 0 if never.
    pub last_flip: i64,
    /// Whether it is public after `last_seq`.
    pub public: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
