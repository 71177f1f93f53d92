//! Condition reads.

use async_graphql::{Context, ID, Object};
use entity::condition::Entity;

use super::{ListArgs, find_slugged, list_slugged};
use crate::graphql::error::ApiResult;
use crate::graphql::input::{ConditionFilter, OrderBy};
use crate::graphql::object::{Condition, List, Stage, list};

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
        Ok(find_slugged::<Entity>(ctx, id, slug, stage).await?.map(Condition))
    }

    /// Conditions, filtered and sorted (by name unless told), a page at a time
    /// (`first`/`last` at most 100, default 20).
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
        let filter = filter.unwrap_or_default().into_domain()?;
        let args = ListArgs {
            order_by,
            first,
            after,
            last,
            before,
            stage,
        };
        Ok(list(list_slugged::<Entity>(ctx, filter, args).await?, Condition))
    }
}
