//! The link between a therapy and a practitioner who offers it: a document like
//! a condition link, staged with the therapy that owns it.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::Stage;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[sea_orm(table_name = "therapy_practitioner")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub stage: Stage,
    pub therapy_id: Uuid,
    pub practitioner_id: Uuid,
    pub position: i32,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub published_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
