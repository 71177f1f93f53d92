//! Condition reads.

use async_graphql::{Context, ID, Object};

use super::Lookup;
use crate::content::condition;
use crate::graphql::context::{database, stage};
use crate::graphql::error::ApiResult;
use crate::graphql::input::{OrderBy, OrderField, ConditionFilter, page};
use crate::graphql::object::{List, Stage, Condition, list};

#[derive(Default)]
pub struct ConditionQuery;

#[Object]
impl ConditionQuery {
    /// One condition by `id` or `slug`; null if there is
    /// none at the stage. `stage: DRAFT` needs a token.
    async fn condition(
        &self,
        ctx: &Context<'_>,
        id: Option<ID>,
        slug: Option<String>,
        stage: Option<Stage>,
    ) -> ApiResult<Option<Condition>> {
        let stage = self::stage(ctx, stage)?;
        let db = database(ctx)?.conn();
        let found = match Lookup::from_args(id, slug)? {
            Lookup::Id(id) => condition::find(db, id, stage).await?,
            Lookup::Slug(slug) => condition::find_by_slug(db, &slug, stage).await?,
        };
        Ok(found.map(Condition))
    }

    /// Conditions, filtered and sorted (by name unless told), a page at a time
    /// (`first` at most 100).
    #[allow(clippy::too_many_arguments)]
    async fn conditions(
        &self,
        ctx: &Context<'_>,
        filter: Option<ConditionFilter>,
        order_by: Option<OrderBy>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        stage: Option<Stage>,
    ) -> ApiResult<List<Condition>> {
        let stage = self::stage(ctx, stage)?;
        let filter = filter.unwrap_or_default().into_domain()?;
        let (field, direction) = OrderBy::or(order_by, OrderField::Name);
        let ordering = condition::ordering(field, direction)?;
        let rows =
            condition::list(database(ctx)?.conn(), stage, &filter, ordering, &page(first, after, last, before)).await?;
        Ok(list(rows, Condition))
    }
}
