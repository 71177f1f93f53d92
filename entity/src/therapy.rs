//! A therapy the clinic offers, with its treatment facts.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{InsuranceCoverage, Stage};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[sea_orm(table_name = "therapy")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub stage: Stage,
    pub slug: String,
    pub name: String,
    #[sea_orm(column_type = "Text")]
    pub summary: String,
    /// `summary` as sanitized HTML and as plain text, rendered when it is written.
    /// Derived data: snapshots and the event log leave them out (and restore renders
    /// them again); null only until the startup backfill reaches an older row.
    #[sea_orm(column_type = "Text", nullable)]
    #[serde(skip_serializing, default)]
    pub summary_html: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    #[serde(skip_serializing, default)]
    pub summary_text: Option<String>,
    pub typical_sessions: Option<i32>,
    pub min_sessions: Option<i32>,
    pub max_sessions: Option<i32>,
    pub session_interval_weeks: Option<i32>,
    pub procedure_minutes_min: Option<i32>,
    pub procedure_minutes_max: Option<i32>,
    pub repeat_after_months_min: Option<i32>,
    pub repeat_after_months_max: Option<i32>,
    pub insurance_coverage: InsuranceCoverage,
    #[sea_orm(column_type = "Text", nullable)]
    pub insurance_note: Option<String>,
    pub first_used_decade: Option<i32>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub published_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
