//! Reads of the items therapies own (sections, benefits, FAQ) and of condition links.

use async_graphql::{Context, ID, Object};
use entity::{benefit, faq, therapy_section};

use entity::DocumentType;

use crate::cache::Dependency;
use crate::content::{document, links, owned};
use crate::graphql::context::{database, loaders, parse_id, stage};
use crate::graphql::error::ApiResult;
use crate::graphql::input::{OrderBy, OrderField, OwnedItemFilter, page};
use crate::graphql::object::{Benefit, Faq, List, Stage, TherapyCondition, TherapySection, list};

#[derive(Default)]
pub struct OwnedItemQuery;

/// Pagination and filter arguments shared by the owned-item lists.
struct OwnedListArgs {
    filter: Option<OwnedItemFilter>,
    order_by: Option<OrderBy>,
    first: Option<i32>,
    after: Option<String>,
    last: Option<i32>,
    before: Option<String>,
}

async fn owned_list<E, T>(
    ctx: &Context<'_>,
    requested: Option<Stage>,
    args: OwnedListArgs,
    wrap: fn(E::Model) -> T,
) -> ApiResult<List<T>>
where
    E: owned::OwnedItem,
    E::Model: Sync,
    T: async_graphql::OutputType,
{
    let stage = stage(ctx, requested)?;
    let filter = args.filter.unwrap_or_default().into_domain()?;
    let (field, direction) = OrderBy::or(args.order_by, OrderField::Position);
    let ordering = owned::ordering::<E>(field, direction);
    let request = page(args.first, args.after, args.last, args.before);
    let rows = owned::list::<E>(database(ctx)?.conn(), stage, &filter, ordering, &request).await?;
    // Items show only while their therapy is published.
    super::note_list::<E>(ctx, stage, &rows, &[DocumentType::Therapy])?;
    Ok(list(rows, wrap))
}

async fn owned_item<E: owned::OwnedItem, T>(
    ctx: &Context<'_>,
    id: ID,
    requested: Option<Stage>,
    wrap: fn(E::Model) -> T,
) -> ApiResult<Option<T>> {
    let stage = stage(ctx, requested)?;
    let id = parse_id("id", &id)?;
    let row = owned::find::<E>(database(ctx)?.conn(), id, stage).await?;
    // It shows only while its therapy is published.
    let own = match &row {
        Some(row) => Dependency::Document(E::TYPE, document::id_of::<E>(row)),
        None => Dependency::Kind(E::TYPE),
    };
    loaders(ctx)?.note(stage, [own, Dependency::Kind(DocumentType::Therapy)]);
    Ok(row.map(wrap))
}

#[Object]
impl OwnedItemQuery {
    async fn therapy_section(
        &self,
        ctx: &Context<'_>,
        id: ID,
        stage: Option<Stage>,
    ) -> ApiResult<Option<TherapySection>> {
        owned_item::<therapy_section::Entity, _>(ctx, id, stage, TherapySection).await
    }

    /// Sections of therapies (in hand-made order unless told).
    #[allow(clippy::too_many_arguments)]
    async fn therapy_sections(
        &self,
        ctx: &Context<'_>,
        filter: Option<OwnedItemFilter>,
        order_by: Option<OrderBy>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        stage: Option<Stage>,
    ) -> ApiResult<List<TherapySection>> {
        let args = OwnedListArgs {
            filter,
            order_by,
            first,
            after,
            last,
            before,
        };
        owned_list::<therapy_section::Entity, _>(ctx, stage, args, TherapySection).await
    }

    async fn benefit(&self, ctx: &Context<'_>, id: ID, stage: Option<Stage>) -> ApiResult<Option<Benefit>> {
        owned_item::<benefit::Entity, _>(ctx, id, stage, Benefit).await
    }

    /// Benefits of therapies (in hand-made order unless told).
    #[allow(clippy::too_many_arguments)]
    async fn benefits(
        &self,
        ctx: &Context<'_>,
        filter: Option<OwnedItemFilter>,
        order_by: Option<OrderBy>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        stage: Option<Stage>,
    ) -> ApiResult<List<Benefit>> {
        let args = OwnedListArgs {
            filter,
            order_by,
            first,
            after,
            last,
            before,
        };
        owned_list::<benefit::Entity, _>(ctx, stage, args, Benefit).await
    }

    async fn faq(&self, ctx: &Context<'_>, id: ID, stage: Option<Stage>) -> ApiResult<Option<Faq>> {
        owned_item::<faq::Entity, _>(ctx, id, stage, Faq).await
    }

    /// FAQ entries, about therapies or clinic-wide (in hand-made order unless told).
    #[allow(clippy::too_many_arguments)]
    async fn faqs(
        &self,
        ctx: &Context<'_>,
        filter: Option<OwnedItemFilter>,
        order_by: Option<OrderBy>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        stage: Option<Stage>,
    ) -> ApiResult<List<Faq>> {
        let args = OwnedListArgs {
            filter,
            order_by,
            first,
            after,
            last,
            before,
        };
        owned_list::<faq::Entity, _>(ctx, stage, args, Faq).await
    }

    /// One therapy–condition link; null unless both ends exist at the stage.
    async fn therapy_condition(
        &self,
        ctx: &Context<'_>,
        id: ID,
        stage: Option<Stage>,
    ) -> ApiResult<Option<TherapyCondition>> {
        let stage = self::stage(ctx, stage)?;
        let id = parse_id("id", &id)?;
        let link = links::find_condition_link(database(ctx)?.conn(), id, stage).await?;
        // It shows only while both ends are published.
        let own = match &link {
            Some(link) => Dependency::Document(DocumentType::TherapyCondition, link.id),
            None => Dependency::Kind(DocumentType::TherapyCondition),
        };
        loaders(ctx)?.note(
            stage,
            [
                own,
                Dependency::Kind(DocumentType::Therapy),
                Dependency::Kind(DocumentType::Condition),
            ],
        );
        Ok(link.map(TherapyCondition))
    }
}
