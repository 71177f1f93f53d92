//! Root documents that a URL names by slug (therapies, conditions, practitioners):
//! lookup by slug, and their lists with the filters and orderings they share.

use sea_orm::{ColumnTrait, Condition, ConnectionTrait, QueryFilter};

use super::document::Document;
use super::error::unique_violation_as;
use super::filter::{Filter, SortField, condition_links, ids_at, practitioner_links};
use super::listing::{self, Direction, Ordering, Page, PageRequest};
use super::validate::{self, TextLimit, limits};
use super::{ContentError, Result, Stage};

pub trait Slugged: Document {
    /// The type's name in plural, for messages.
    const PLURAL: &'static str;
    /// The slug and name columns, with their limits (lookups and filters obey them too).
    const SLUG_LIMIT: TextLimit;
    const NAME_LIMIT: TextLimit;
    fn slug_col() -> Self::Column;
    fn name_col() -> Self::Column;
    fn created_at_col() -> Self::Column;
    /// The filters only this type has, added to `cond`.
    fn narrow(cond: Condition, stage: Stage, filter: &Filter) -> Condition;
}

impl Slugged for entity::therapy::Entity {
    const PLURAL: &'static str = "therapies";
    const SLUG_LIMIT: TextLimit = limits::THERAPY_SLUG;
    const NAME_LIMIT: TextLimit = limits::THERAPY_NAME;
    fn slug_col() -> Self::Column {
        entity::therapy::Column::Slug
    }
    fn name_col() -> Self::Column {
        entity::therapy::Column::Name
    }
    fn created_at_col() -> Self::Column {
        entity::therapy::Column::CreatedAt
    }
    fn narrow(mut cond: Condition, stage: Stage, filter: &Filter) -> Condition {
        use entity::therapy::Column;
        use entity::{condition, practitioner, therapy_condition as tc, therapy_practitioner as tp};
        // Only links whose condition or practitioner exists at this stage count.
        if filter.condition_id.is_some() || filter.suitability.is_some() {
            let conditions =
                ids_at::<condition::Entity>(condition::Column::Id, condition::Column::Stage, stage);
            let mut links = condition_links(
                tc::Column::TherapyId,
                stage,
                None,
                filter.condition_id,
                filter.suitability,
            );
            links.and_where(tc::Column::ConditionId.in_subquery(conditions));
            cond = cond.add(Column::Id.in_subquery(links));
        }
        if let Some(practitioner) = filter.practitioner_id {
            let people =
                ids_at::<practitioner::Entity>(practitioner::Column::Id, practitioner::Column::Stage, stage);
            let mut links = practitioner_links(
                tp::Column::TherapyId,
                stage,
                tp::Column::PractitionerId,
                practitioner,
            );
            links.and_where(tp::Column::PractitionerId.in_subquery(people));
            cond = cond.add(Column::Id.in_subquery(links));
        }
        cond
    }
}

impl Slugged for entity::condition::Entity {
    const PLURAL: &'static str = "conditions";
    const SLUG_LIMIT: TextLimit = limits::CONDITION_SLUG;
    const NAME_LIMIT: TextLimit = limits::CONDITION_NAME;
    fn slug_col() -> Self::Column {
        entity::condition::Column::Slug
    }
    fn name_col() -> Self::Column {
        entity::condition::Column::Name
    }
    fn created_at_col() -> Self::Column {
        entity::condition::Column::CreatedAt
    }
    fn narrow(mut cond: Condition, stage: Stage, filter: &Filter) -> Condition {
        use entity::condition::Column;
        use entity::{therapy, therapy_condition as tc};
        if let Some(region) = &filter.body_region {
            cond = cond.add(Column::BodyRegion.eq(region.as_str()));
        }
        if filter.therapy_id.is_some() || filter.suitability.is_some() {
            // Only links whose therapy exists at this stage count.
            let therapies = ids_at::<therapy::Entity>(therapy::Column::Id, therapy::Column::Stage, stage);
            let mut links = condition_links(
                tc::Column::ConditionId,
                stage,
                filter.therapy_id,
                None,
                filter.suitability,
            );
            links.and_where(tc::Column::TherapyId.in_subquery(therapies));
            cond = cond.add(Column::Id.in_subquery(links));
        }
        cond
    }
}

impl Slugged for entity::practitioner::Entity {
    const PLURAL: &'static str = "practitioners";
    const SLUG_LIMIT: TextLimit = limits::PRACTITIONER_SLUG;
    const NAME_LIMIT: TextLimit = limits::PRACTITIONER_NAME;
    fn slug_col() -> Self::Column {
        entity::practitioner::Column::Slug
    }
    fn name_col() -> Self::Column {
        entity::practitioner::Column::Name
    }
    fn created_at_col() -> Self::Column {
        entity::practitioner::Column::CreatedAt
    }
    fn narrow(mut cond: Condition, stage: Stage, filter: &Filter) -> Condition {
        use entity::practitioner::Column;
        use entity::therapy_practitioner as tp;
        if let Some(therapy) = filter.therapy_id {
            let links = practitioner_links(tp::Column::PractitionerId, stage, tp::Column::TherapyId, therapy);
            cond = cond.add(Column::Id.in_subquery(links));
        }
        cond
    }
}

/// The document with this slug at `stage`. A slug that breaks the slug rules
/// simply finds nothing, but one with a NUL or longer than any slug is refused,
/// like every other text argument.
pub async fn find_by_slug<E: Slugged>(
    db: &impl ConnectionTrait,
    slug: &str,
    stage: Stage,
) -> Result<Option<E::Model>> {
    validate::text("slug", slug, &E::SLUG_LIMIT)?;
    Ok(E::find()
        .filter(E::slug_col().eq(slug))
        .filter(E::stage_col().eq(stage))
        .one(db)
        .await?)
}

pub fn ordering<E: Slugged>(field: SortField, direction: Direction) -> Result<Ordering<E::Column>> {
    let column = match field {
        SortField::Name => E::name_col(),
        SortField::UpdatedAt => E::updated_at_col(),
        SortField::CreatedAt => E::created_at_col(),
        SortField::Position => {
            return Err(ContentError::invalid(
                "orderBy.field",
                format!(
                    "{} have no position; sort by NAME, UPDATED_AT or CREATED_AT",
                    E::PLURAL
                ),
            ));
        }
    };
    Ok(Ordering {
        column,
        name: field.label(),
        direction,
    })
}

pub async fn list<E: Slugged>(
    db: &impl ConnectionTrait,
    stage: Stage,
    filter: &Filter,
    order: Ordering<E::Column>,
    page: &PageRequest,
) -> Result<Page<E::Model>>
where
    E::Model: Sync,
{
    check::<E>(filter)?;
    let mut cond = Condition::all().add(E::stage_col().eq(stage));
    if let Some(name) = &filter.name_equals {
        cond = cond.add(E::name_col().eq(name.as_str()));
    }
    if let Some(needle) = &filter.name_contains {
        cond = cond.add(listing::contains(E::name_col(), needle));
    }
    if let Some(slugs) = &filter.slug_in {
        cond = cond.add(E::slug_col().is_in(slugs.iter().map(String::as_str)));
    }
    if let Some(since) = filter.updated_since {
        cond = cond.add(E::updated_at_col().gte(since));
    }
    let cond = E::narrow(cond, stage, filter);
    listing::fetch_page(db, E::find().filter(cond), order, page).await
}

/// Text in a filter obeys the limits of the column it is compared with.
fn check<E: Slugged>(filter: &Filter) -> Result<()> {
    if let Some(name) = &filter.name_equals {
        validate::text("filter.nameEquals", name, &E::NAME_LIMIT)?;
    }
    if let Some(needle) = &filter.name_contains {
        validate::text("filter.nameContains", needle, &E::NAME_LIMIT)?;
    }
    if let Some(slugs) = &filter.slug_in {
        validate::list_len("filter.slugIn", slugs.len(), validate::MAX_LIST_LEN)?;
        for slug in slugs {
            validate::text("filter.slugIn", slug, &E::SLUG_LIMIT)?;
        }
    }
    if let Some(region) = &filter.body_region {
        validate::text("filter.bodyRegion", region, &limits::CONDITION_BODY_REGION)?;
    }
    Ok(())
}

/// Maps a unique-slug violation on insert or update to a `BAD_USER_INPUT` on `slug`.
pub fn slug_taken<E: Slugged>(err: ContentError) -> ContentError {
    match err {
        ContentError::Database(db) => unique_violation_as(
            db,
            "slug",
            format!("is already used by another {}", E::DECLARATION.label),
        ),
        other => other,
    }
}
