//! Practitioner reads.

use async_graphql::{Context, ID, Object};

use super::Lookup;
use crate::content::practitioner;
use crate::graphql::context::{database, stage};
use crate::graphql::error::ApiResult;
use crate::graphql::input::{OrderBy, OrderField, PractitionerFilter, page};
use crate::graphql::object::{List, Stage, Practitioner, list};

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
        let stage = self::stage(ctx, stage)?;
        let db = database(ctx)?.conn();
        let found = match Lookup::from_args(id, slug)? {
            Lookup::Id(id) => practitioner::find(db, id, stage).await?,
            Lookup::Slug(slug) => practitioner::find_by_slug(db, &slug, stage).await?,
        };
        Ok(found.map(Practitioner))
    }

    /// Practitioners, filtered and sorted (by name unless told), a page at a time
    /// (`first` at most 100).
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
        let stage = self::stage(ctx, stage)?;
        let filter = filter.unwrap_or_default().into_domain()?;
        let (field, direction) = OrderBy::or(order_by, OrderField::Name);
        let ordering = practitioner::ordering(field, direction)?;
        let rows =
            practitioner::list(database(ctx)?.conn(), stage, &filter, ordering, &page(first, after, last, before)).await?;
        Ok(list(rows, Practitioner))
    }
}
