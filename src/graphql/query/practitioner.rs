//! Practitioner reads.

use async_graphql::{Context, ID, Object};
use entity::practitioner::Entity;

use super::{ListArgs, find_slugged, list_slugged};
use crate::graphql::error::ApiResult;
use crate::graphql::input::{OrderBy, PractitionerFilter};
use crate::graphql::object::{List, Practitioner, Stage, list};

#[derive(Default)]
pub struct PractitionerQuery;

#[Object]
impl PractitionerQuery {
    /// One practitioner by `id` or `slug`; null if there is
    /// none at the stage. `stage: DRAFT` needs a token.
    async fn practitioner(
        &self,
        ctx: &Context<'_>,
        id: Option<ID>,
        slug: Option<String>,
        stage: Option<Stage>,
    ) -> ApiResult<Option<Practitioner>> {
        Ok(find_slugged::<Entity>(ctx, id, slug, stage)
            .await?
            .map(Practitioner))
    }

    /// Practitioners, filtered and sorted (by name unless told), a page at a time
    /// (`first`/`last` at most 100, default 20).
    #[allow(clippy::too_many_arguments)]
    async fn practitioners(
        &self,
        ctx: &Context<'_>,
        filter: Option<PractitionerFilter>,
        order_by: Option<OrderBy>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        stage: Option<Stage>,
    ) -> ApiResult<List<Practitioner>> {
        let filter = filter.unwrap_or_default().into_domain()?;
        let args = ListArgs {
            order_by,
            first,
            after,
            last,
            before,
            stage,
        };
        Ok(list(
            list_slugged::<Entity>(ctx, filter, args).await?,
            Practitioner,
        ))
    }
}
