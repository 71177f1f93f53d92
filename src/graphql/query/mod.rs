//! The query root, merged from one struct per kind of content.

mod condition;
mod history;
mod owned;
mod practitioner;
mod therapy;
mod token;
mod webhook;

use async_graphql::{Context, ID, MergedObject};

use super::context::{database, parse_id, stage};
use super::error::{ApiError, ApiResult};
use super::input::{OrderBy, OrderField, page};
use super::object::Stage;
use crate::content::document;
use crate::content::filter::Filter;
use crate::content::listing::Page;
use crate::content::slugged::{self, Slugged};

#[derive(MergedObject, Default)]
pub struct QueryRoot(
    therapy::TherapyQuery,
    condition::ConditionQuery,
    practitioner::PractitionerQuery,
    owned::OwnedItemQuery,
    token::TokenQuery,
    webhook::WebhookQuery,
    history::HistoryQuery,
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
    match (id, slug) {
        (Some(id), None) => Ok(document::find::<E>(db, parse_id("id", &id)?, stage).await?),
        (None, Some(slug)) => Ok(slugged::find_by_slug::<E>(db, &slug, stage).await?),
        _ => Err(ApiError::bad_input("id", "give exactly one of id and slug")),
    }
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
    Ok(slugged::list::<E>(database(ctx)?.conn(), stage, &filter, ordering, &request).await?)
}
