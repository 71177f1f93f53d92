//! What a list may be narrowed by, and how each filter becomes SQL.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Query, SelectStatement};
use sea_orm::{ColumnTrait, Condition, EntityTrait};
use uuid::Uuid;

use super::{Stage, Suitability};

/// Filters a list query may carry; each document type uses the ones that apply to it.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub name_equals: Option<String>,
    pub name_contains: Option<String>,
    pub slug_in: Option<Vec<String>>,
    pub therapy_id: Option<Uuid>,
    pub condition_id: Option<Uuid>,
    pub practitioner_id: Option<Uuid>,
    pub suitability: Option<Suitability>,
    pub body_region: Option<String>,
    pub clinic_wide: Option<bool>,
    pub updated_since: Option<DateTime<Utc>>,
}

/// The fields a list can be sorted by; `Name` means the type's title-like field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortField {
    Position,
    Name,
    UpdatedAt,
    CreatedAt,
}

impl SortField {
    pub fn label(self) -> &'static str {
        match self {
            Self::Position => "POSITION",
            Self::Name => "NAME",
            Self::UpdatedAt => "UPDATED_AT",
            Self::CreatedAt => "CREATED_AT",
        }
    }
}

/// `SELECT id FROM <E> WHERE stage = ?`: the documents of a type that exist at a stage.
pub fn ids_at<E: EntityTrait>(id: E::Column, stage_col: E::Column, stage: Stage) -> SelectStatement {
    Query::select()
        .column(id)
        .from(E::default())
        .and_where(stage_col.eq(stage))
        .to_owned()
}

/// `SELECT <column> FROM therapy_condition WHERE stage = ? AND …`: link ends matching a filter.
pub fn condition_links(
    column: entity::therapy_condition::Column,
    stage: Stage,
    therapy_id: Option<Uuid>,
    condition_id: Option<Uuid>,
    suitability: Option<Suitability>,
) -> SelectStatement {
    use entity::therapy_condition::{Column, Entity};
    let mut cond = Condition::all().add(Column::Stage.eq(stage));
    if let Some(id) = therapy_id {
        cond = cond.add(Column::TherapyId.eq(id));
    }
    if let Some(id) = condition_id {
        cond = cond.add(Column::ConditionId.eq(id));
    }
    if let Some(s) = suitability {
        cond = cond.add(Column::Suitability.eq(s));
    }
    Query::select()
        .column(column)
        .from(Entity)
        .cond_where(cond)
        .to_owned()
}

/// `SELECT <column> FROM therapy_practitioner WHERE stage = ? AND <other> = ?`.
pub fn practitioner_links(
    column: entity::therapy_practitioner::Column,
    stage: Stage,
    other: entity::therapy_practitioner::Column,
    other_id: Uuid,
) -> SelectStatement {
    use entity::therapy_practitioner::{Column, Entity};
    Query::select()
        .column(column)
        .from(Entity)
        .and_where(Column::Stage.eq(stage))
        .and_where(other.eq(other_id))
        .to_owned()
}
