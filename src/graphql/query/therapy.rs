//! Therapy reads.

use async_graphql::{Context, ID, Object};

use super::Lookup;
use crate::content::therapy;
use crate::graphql::context::{database, stage};
use crate::graphql::error::ApiResult;
use crate::graphql::input::{OrderBy, OrderField, TherapyFilter, page};
use crate::graphql::object::{List, Stage, Therapy, list};

#[derive(Default)]
pub struct TherapyQuery;

#[Object]
impl TherapyQuery {
    /// One therapy by `id` or `slug`, with its whole page below it; null if there is
    /// none at the stage. `stage: DRAFT` needs a token.
    async fn therapy(
        &self,
        ctx: &Context<'_>,
        id: Option<ID>,
        slug: Option<String>,
        stage: Option<Stage>,
    ) -> ApiResult<Option<Therapy>> {
        let stage = self::stage(ctx, stage)?;
        let db = database(ctx)?.conn();
        let found = match Lookup::from_args(id, slug)? {
            Lookup::Id(id) => therapy::find(db, id, stage).await?,
            Lookup::Slug(slug) => therapy::find_by_slug(db, &slug, stage).await?,
        };
        Ok(found.map(Therapy))
    }

    /// Therapies, filtered and sorted (by name unless told), a page at a time
    /// (`first` at most 100).
    #[allow(clippy::too_many_arguments)]
    async fn therapies(
        &self,
        ctx: &Context<'_>,
        filter: Option<TherapyFilter>,
        order_by: Option<OrderBy>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        stage: Option<Stage>,
    ) -> ApiResult<List<Therapy>> {
        let stage = self::stage(ctx, stage)?;
        let filter = filter.unwrap_or_default().into_domain()?;
        let (field, direction) = OrderBy::or(order_by, OrderField::Name);
        let ordering = therapy::ordering(field, direction)?;
        let rows =
            therapy::list(database(ctx)?.conn(), stage, &filter, ordering, &page(first, after, last, before)).await?;
        Ok(list(rows, Therapy))
    }
}
