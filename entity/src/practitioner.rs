//! A practitioner of the clinic, with the techniques they are known for.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::Stage;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[sea_orm(table_name = "practitioner")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub stage: Stage,
    pub slug: String,
    pub name: String,
    pub title: String,
    #[sea_orm(column_type = "Text")]
    pub bio: String,
    /// `bio` as sanitized HTML and as plain text, rendered when it is written.
    /// Derived data: snapshots and the event log leave them out (and restore renders
    /// them again); null only until the startup backfill reaches an older row.
    #[sea_orm(column_type = "Text", nullable)]
    #[serde(skip_serializing, default)]
    pub bio_html: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    #[serde(skip_serializing, default)]
    pub bio_text: Option<String>,
    #[sea_orm(column_type = "JsonBinary")]
    pub techniques: Techniques,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub published_at: Option<DateTimeUtc>,
}

/// The named techniques a practitioner uses, kept as a JSON array of strings.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, FromJsonQueryResult)]
pub struct Techniques(pub Vec<String>);

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
