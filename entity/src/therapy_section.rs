//! A titled section of a therapy's page ("What is…", "Is it right for you?", …), owned by the therapy.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::Stage;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[sea_orm(table_name = "therapy_section")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub stage: Stage,
    pub therapy_id: Uuid,
    pub heading: String,
    #[sea_orm(column_type = "Text")]
    pub body: String,
    /// `body` as sanitized HTML and as plain text, rendered when it is written.
    /// Derived data: snapshots and the event log leave them out (and restore renders
    /// them again); null only until the startup backfill reaches an older row.
    #[sea_orm(column_type = "Text", nullable)]
    #[serde(skip_serializing, default)]
    pub body_html: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    #[serde(skip_serializing, default)]
    pub body_text: Option<String>,
    pub position: i32,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub published_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
