//! The link between a therapy and a condition: how well the condition responds.
//! Staged with the therapy that owns it.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{Stage, Suitability};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[sea_orm(table_name = "therapy_condition")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub stage: Stage,
    pub therapy_id: Uuid,
    pub condition_id: Uuid,
    pub suitability: Suitability,
    #[sea_orm(column_type = "Text", nullable)]
    pub note: Option<String>,
    pub position: i32,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub published_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
