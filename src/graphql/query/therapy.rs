//! Therapy reads.

use async_graphql::{Context, ID, Object};
use entity::therapy::Entity;

use super::{ListArgs, find_slugged, list_slugged};
use crate::graphql::error::ApiResult;
use crate::graphql::input::{OrderBy, TherapyFilter};
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
        Ok(find_slugged::<Entity>(ctx, id, slug, stage).await?.map(Therapy))
    }

    /// Therapies, filtered and sorted (by name unless told), a page at a time
    /// (`first`/`last` at most 100, default 20).
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
        let filter = filter.unwrap_or_default().into_domain()?;
        let args = ListArgs {
            order_by,
            first,
            after,
            last,
            before,
            stage,
        };
        Ok(list(list_slugged::<Entity>(ctx, filter, args).await?, Therapy))
    }
}
