//! A clinical review of a therapy or a condition: who checked it, when, and
//! when it is next due. Each review is kept; the latest one counts.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::limits::{Storage, TextLimit};
use crate::{DocumentType, Stage};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[sea_orm(table_name = "review")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub stage: Stage,
    /// THERAPY or CONDITION.
    pub subject_type: DocumentType,
    pub subject_id: Uuid,
    /// The practitioner who reviewed it.
    pub reviewer_id: Uuid,
    pub reviewed_on: Date,
    pub next_review_due: Date,
    #[sea_orm(column_type = "Text", nullable)]
    pub note: Option<String>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub published_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

pub const NOTE: TextLimit = TextLimit {
    table: "review",
    column: "note",
    max_chars: 2000,
    storage: Storage::Text,
};
