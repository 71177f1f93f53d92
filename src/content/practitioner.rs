//! Practitioners: the clinic's people, linked to the therapies they offer.

use entity::practitioner::{ActiveModel, Column, Entity, Model, Techniques};
use sea_orm::{ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter};
use serde::Deserialize;
use uuid::Uuid;

use super::document;
use super::error::unique_violation_as;
use super::filter::{Filter, SortField, practitioner_links};
use super::listing::{self, Direction, Ordering, Page, PageRequest};
use super::{ContentError, Result, Stage, validate};

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewPractitioner {
    pub slug: String,
    pub name: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub bio: String,
    #[serde(default)]
    pub techniques: Vec<String>,
}

/// Fields to change; `None` leaves a field as it is. `techniques` replaces the whole list.
#[derive(Debug, Clone, Default)]
pub struct PractitionerChanges {
    pub slug: Option<String>,
    pub name: Option<String>,
    pub title: Option<String>,
    pub bio: Option<String>,
    pub techniques: Option<Vec<String>>,
}

fn slug_taken(err: ContentError) -> ContentError {
    match err {
        ContentError::Database(db) => unique_violation_as(db, "slug", "is already used by another practitioner"),
        other => other,
    }
}

fn techniques(list: Vec<String>) -> Result<Techniques> {
    let cleaned = list
        .iter()
        .enumerate()
        .map(|(i, t)| validate::name(&format!("techniques[{i}]"), t))
        .collect::<Result<Vec<_>>>()?;
    Ok(Techniques(cleaned))
}

fn title(value: &str) -> Result<String> {
    Ok(validate::optional_name("title", Some(value))?.unwrap_or_default())
}

pub async fn create(db: &impl ConnectionTrait, input: NewPractitioner) -> Result<Model> {
    let now = super::now();
    let id = Uuid::now_v7();
    let model = ActiveModel {
        id: Set(id),
        stage: Set(Stage::Draft),
        slug: Set(validate::slug("slug", &input.slug)?),
        name: Set(validate::name("name", &input.name)?),
        title: Set(title(&input.title)?),
        bio: Set(validate::rich_text("bio", &input.bio, false)?),
        techniques: Set(techniques(input.techniques)?),
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
    changes: PractitionerChanges,
) -> Result<Model> {
    let mut model = <ActiveModel as Default>::default();
    if let Some(slug) = changes.slug {
        model.slug = Set(validate::slug("slug", &slug)?);
    }
    if let Some(name) = changes.name {
        model.name = Set(validate::name("name", &name)?);
    }
    if let Some(t) = changes.title {
        model.title = Set(title(&t)?);
    }
    if let Some(bio) = changes.bio {
        model.bio = Set(validate::rich_text("bio", &bio, false)?);
    }
    if let Some(list) = changes.techniques {
        model.techniques = Set(techniques(list)?);
    }
    document::update_draft::<Entity>(db, id, expected_version, model).await.map_err(slug_taken)
}

/// Deletes a practitioner from both stages, with every therapy's link to them.
pub async fn delete(db: &impl ConnectionTrait, id: Uuid) -> Result<()> {
    use entity::therapy_practitioner;
    document::delete_document::<Entity>(db, id).await?;
    therapy_practitioner::Entity::delete_many()
        .filter(therapy_practitioner::Column::PractitionerId.eq(id))
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
            return Err(ContentError::invalid("orderBy.field", "practitioners have no position; sort by NAME"));
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
    use entity::therapy_practitioner as tp;
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
    if let Some(since) = filter.updated_since {
        cond = cond.add(Column::UpdatedAt.gte(since));
    }
    if let Some(therapy) = filter.therapy_id {
        let links = practitioner_links(tp::Column::PractitionerId, stage, tp::Column::TherapyId, therapy);
        cond = cond.add(Column::Id.in_subquery(links));
    }
    listing::fetch_page(db, Entity::find().filter(cond), order, page).await
}
