//! Conditions: shared documents that therapies link to with a suitability.

use entity::condition::{ActiveModel, Column, Entity, Model};
use sea_orm::{ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter};
use serde::Deserialize;
use uuid::Uuid;

use super::document;
use super::error::unique_violation_as;
use super::filter::{Filter, SortField, condition_links};
use super::listing::{self, Direction, Ordering, Page, PageRequest};
use super::{ContentError, Result, Stage, validate};

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewCondition {
    pub slug: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub body_region: Option<String>,
}

/// Fields to change; `None` leaves a field as it is, `Some(None)` clears an optional one.
#[derive(Debug, Clone, Default)]
pub struct ConditionChanges {
    pub slug: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub body_region: Option<Option<String>>,
}

fn slug_taken(err: ContentError) -> ContentError {
    match err {
        ContentError::Database(db) => unique_violation_as(db, "slug", "is already used by another condition"),
        other => other,
    }
}

pub async fn create(db: &impl ConnectionTrait, input: NewCondition) -> Result<Model> {
    let now = super::now();
    let id = Uuid::now_v7();
    let model = ActiveModel {
        id: Set(id),
        stage: Set(Stage::Draft),
        slug: Set(validate::slug("slug", &input.slug)?),
        name: Set(validate::name("name", &input.name)?),
        description: Set(validate::rich_text("description", &input.description, false)?),
        body_region: Set(validate::optional_name("bodyRegion", input.body_region.as_deref())?),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        published_at: Set(None),
    };
    Entity::insert(model).exec_without_returning(db).await.map_err(|e| slug_taken(e.into()))?;
    document::draft::<Entity>(db, id).await
}

pub async fn update(
    db: &impl ConnectionTrait,
    id: Uuid,
    expected_version: i32,
    changes: ConditionChanges,
) -> Result<Model> {
    let mut model = <ActiveModel as Default>::default();
    if let Some(slug) = changes.slug {
        model.slug = Set(validate::slug("slug", &slug)?);
    }
    if let Some(name) = changes.name {
        model.name = Set(validate::name("name", &name)?);
    }
    if let Some(description) = changes.description {
        model.description = Set(validate::rich_text("description", &description, false)?);
    }
    if let Some(region) = changes.body_region {
        model.body_region = Set(validate::optional_name("bodyRegion", region.as_deref())?);
    }
    document::update_draft::<Entity>(db, id, expected_version, model).await.map_err(slug_taken)
}

/// Deletes a condition from both stages, with every therapy's link to it.
pub async fn delete(db: &impl ConnectionTrait, id: Uuid) -> Result<()> {
    use entity::therapy_condition;
    document::delete_document::<Entity>(db, id).await?;
    therapy_condition::Entity::delete_many()
        .filter(therapy_condition::Column::ConditionId.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

pub async fn find(db: &impl ConnectionTrait, id: Uuid, stage: Stage) -> Result<Option<Model>> {
    document::find::<Entity>(db, id, stage).await
}

pub async fn find_by_slug(db: &impl ConnectionTrait, slug: &str, stage: Stage) -> Result<Option<Model>> {
    Ok(Entity::find().filter(Column::Slug.eq(slug)).filter(Column::Stage.eq(stage)).one(db).await?)
}

pub fn ordering(field: SortField, direction: Direction) -> Result<Ordering<Column>> {
    let column = match field {
        SortField::Name => Column::Name,
        SortField::UpdatedAt => Column::UpdatedAt,
        SortField::CreatedAt => Column::CreatedAt,
        SortField::Position => {
            return Err(ContentError::invalid("orderBy.field", "conditions have no position; sort by NAME"));
        }
    };
    Ok(Ordering { column, name: field.label(), direction })
}

pub async fn list(
    db: &impl ConnectionTrait,
    stage: Stage,
    filter: &Filter,
    order: Ordering<Column>,
    page: &PageRequest,
) -> Result<Page<Model>> {
    use entity::therapy_condition as tc;
    let mut cond = Condition::all().add(Column::Stage.eq(stage));
    if let Some(name) = &filter.name_equals {
        cond = cond.add(Column::Name.eq(name.as_str()));
    }
    if let Some(needle) = &filter.name_contains {
        cond = cond.add(listing::contains(Column::Name, needle));
    }
    if let Some(slugs) = &filter.slug_in {
        cond = cond.add(Column::Slug.is_in(slugs.iter().map(String::as_str)));
    }
    if let Some(region) = &filter.body_region {
        cond = cond.add(Column::BodyRegion.eq(region.as_str()));
    }
    if let Some(since) = filter.updated_since {
        cond = cond.add(Column::UpdatedAt.gte(since));
    }
    if filter.therapy_id.is_some() || filter.suitability.is_some() {
        // Only links whose therapy exists at this stage count.
        let therapies = super::filter::ids_at::<entity::therapy::Entity>(
            entity::therapy::Column::Id,
            entity::therapy::Column::Stage,
            stage,
        );
        let mut links = condition_links(tc::Column::ConditionId, stage, filter.therapy_id, None, filter.suitability);
        links.and_where(tc::Column::TherapyId.in_subquery(therapies));
        cond = cond.add(Column::Id.in_subquery(links));
    }
    listing::fetch_page(db, Entity::find().filter(cond), order, page).await
}
