//! The query root, merged from one struct per kind of content.

mod citation;
mod condition;
mod history;
mod owned;
mod people;
mod practitioner;
mod review;
mod therapy;
mod token;
mod webhook;

use async_graphql::{Context, ID, MergedObject};

use super::context::{database, loaders, parse_id, stage};
use super::error::{ApiError, ApiResult};
use super::input::{OrderBy, OrderField, page};
use super::object::Stage;
use crate::cache::{Dependency, ObjectKey};
use crate::content::filter::Filter;
use crate::content::listing::Page;
use crate::content::slugged::{self, Slugged};
use crate::content::{self, document};

#[derive(MergedObject, Default)]
pub struct QueryRoot(
    therapy::TherapyQuery,
    condition::ConditionQuery,
    practitioner::PractitionerQuery,
    owned::OwnedItemQuery,
    token::TokenQuery,
    webhook::WebhookQuery,
    history::HistoryQuery,
    citation::CitationQuery,
    review::ReviewQuery,
    people::PeopleQuery,
);

/// One therapy, condition or practitioner by `id` or `slug` (exactly one of them).
async fn find_slugged<E: Slugged>(
    ctx: &Context<'_>,
    id: Option<ID>,
    slug: Option<String>,
    requested: Option<Stage>,
) -> ApiResult<Option<E::Model>> {
    let stage = stage(ctx, requested)?;
    let db = database(ctx)?.conn();
    let (id, slug) = match (id, slug) {
        (Some(id), None) => (Some(parse_id("id", &id)?), None),
        (None, Some(slug)) => (None, Some(slug)),
        _ => return Err(ApiError::bad_input("id", "give exactly one of id and slug")),
    };
    let find = async {
        match (id, &slug) {
            (Some(id), _) => document::find::<E>(db, id, stage).await,
            (None, Some(slug)) => slugged::find_by_slug::<E>(db, slug, stage).await,
            (None, None) => Ok(None),
        }
    };
    if stage != content::Stage::Published {
        return Ok(find.await?);
    }
    let key = match (id, &slug) {
        (Some(id), _) => ObjectKey::Row(E::TYPE, id),
        (None, slug) => ObjectKey::Slug(E::TYPE, slug.clone().unwrap_or_default()),
    };
    // Found: its own fields; nothing found: whether one gets published.
    let read_from = |row: Option<&E::Model>| match row {
        Some(row) => vec![Dependency::Document(E::TYPE, document::id_of::<E>(row))],
        None => vec![Dependency::Kind(E::TYPE)],
    };
    Ok(loaders(ctx)?.published(key, find, read_from).await?)
}

/// Relay page arguments with the ordering and stage, as root list fields take them.
struct ListArgs {
    order_by: Option<OrderBy>,
    first: Option<i32>,
    after: Option<String>,
    last: Option<i32>,
    before: Option<String>,
    stage: Option<Stage>,
}

/// A page of therapies, conditions or practitioners, sorted by name unless told.
async fn list_slugged<E: Slugged>(
    ctx: &Context<'_>,
    filter: Filter,
    args: ListArgs,
) -> ApiResult<Page<E::Model>>
where
    E::Model: Sync,
{
    let stage = stage(ctx, args.stage)?;
    let (field, direction) = OrderBy::or(args.order_by, OrderField::Name);
    let ordering = slugged::ordering::<E>(field, direction)?;
    let request = page(args.first, args.after, args.last, args.before);
    let rows = slugged::list::<E>(database(ctx)?.conn(), stage, &filter, ordering, &request).await?;
    note_list::<E>(ctx, stage, &rows, &[])?;
    Ok(rows)
}

/// Notes what a root list read: which documents of its kind are published (any
/// such change may move, add or drop an item; `also` names the other kinds its
/// items hang on), and the items themselves.
fn note_list<E: document::Document>(
    ctx: &Context<'_>,
    stage: content::Stage,
    rows: &Page<E::Model>,
    also: &[entity::DocumentType],
) -> ApiResult<()> {
    let kinds = std::iter::once(E::TYPE)
        .chain(also.iter().copied())
        .map(Dependency::Kind);
    let items = rows
        .items
        .iter()
        .map(|(_, row)| Dependency::Document(E::TYPE, document::id_of::<E>(row)));
    loaders(ctx)?.note(stage, kinds.chain(items));
    Ok(())
}
