//! One health claim citing one source, in order among the claim's citations.
//! The claim is a therapy, a section, a benefit, a condition link (that the
//! condition responds well or poorly) or a FAQ answer.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::limits::{Storage, TextLimit};
use crate::{DocumentType, Stage};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[sea_orm(table_name = "claim_citation")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub stage: Stage,
    /// The therapy the claim belongs to; none for a clinic-wide FAQ answer.
    pub therapy_id: Option<Uuid>,
    pub claim_type: DocumentType,
    pub claim_id: Uuid,
    pub citation_id: Uuid,
    pub position: i32,
    /// Where in the source: "p. 4", "Table 2", "Figure 3".
    pub locator: Option<String>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub published_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

pub const LOCATOR: TextLimit = TextLimit {
    table: "claim_citation",
    column: "locator",
    max_chars: 200,
    storage: Storage::Varchar,
};
