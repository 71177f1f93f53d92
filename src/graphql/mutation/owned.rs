//! Writes of the items therapies own: sections, benefits and FAQ entries.

use async_graphql::{Context, ID, Object};
use entity::{benefit, faq, therapy_section};
use sea_orm::{ActiveModelBehavior, ActiveModelTrait, IntoActiveModel};

use crate::auth::Role;
use crate::content::owned::{self, ItemChanges, NewItem, OwnedItem};
use crate::content::{document, publishing};
use crate::graphql::context::{RoleGuard, parse_id, parse_ids, write};
use crate::graphql::error::ApiResult;
use crate::graphql::input::{
    CreateBenefitInput, CreateFaqInput, CreateTherapySectionInput, UpdateBenefitInput, UpdateFaqInput,
    UpdateTherapySectionInput,
};
use crate::graphql::object::{Benefit, Faq, TherapySection};

#[derive(Default)]
pub struct OwnedItemMutation;

/// The bounds every owned-item write needs.
trait Item:
    OwnedItem<
        Model: IntoActiveModel<Self::ActiveModel> + Send,
        ActiveModel: ActiveModelTrait<Entity = Self> + ActiveModelBehavior + Send,
    >
{
}
impl<E> Item for E where
    E: OwnedItem<
            Model: IntoActiveModel<E::ActiveModel> + Send,
            ActiveModel: ActiveModelTrait<Entity = E> + ActiveModelBehavior + Send,
        >
{
}

async fn create<E: Item>(ctx: &Context<'_>, input: NewItem) -> ApiResult<E::Model> {
    write(ctx, move |txn| Box::pin(owned::create::<E>(txn, input))).await
}

async fn update<E: Item>(
    ctx: &Context<'_>,
    id: &ID,
    expected_version: i32,
    changes: ItemChanges,
) -> ApiResult<E::Model> {
    let id = parse_id("id", id)?;
    write(ctx, move |txn| {
        Box::pin(owned::update::<E>(txn, id, expected_version, changes))
    })
    .await
}

async fn delete<E: Item>(ctx: &Context<'_>, id: ID) -> ApiResult<ID> {
    let uuid = parse_id("id", &id)?;
    write(ctx, move |txn| {
        Box::pin(document::delete_document::<E>(txn, uuid))
    })
    .await?;
    Ok(id)
}

async fn publish<E: Item>(ctx: &Context<'_>, id: &ID, expected_version: Option<i32>) -> ApiResult<E::Model> {
    let id = parse_id("id", id)?;
    write(ctx, move |txn| {
        Box::pin(publishing::publish::<E>(txn, id, expected_version))
    })
    .await
}

async fn unpublish<E: Item>(ctx: &Context<'_>, id: &ID) -> ApiResult<E::Model> {
    let id = parse_id("id", id)?;
    write(ctx, move |txn| Box::pin(publishing::unpublish::<E>(txn, id))).await
}

async fn reorder<E: Item>(
    ctx: &Context<'_>,
    therapy_id: Option<&ID>,
    ids: &[ID],
) -> ApiResult<Vec<E::Model>> {
    let owner = therapy_id.map(|id| parse_id("therapyId", id)).transpose()?;
    let ids = parse_ids("ids", ids)?;
    write(ctx, move |txn| {
        Box::pin(async move {
            owned::reorder_items::<E>(txn, owner, &ids).await?;
            owned::drafts_of::<E>(txn.db, owner).await
        })
    })
    .await
}

#[Object(guard = "RoleGuard(Role::Editor)")]
impl OwnedItemMutation {
    /// Adds a section to a therapy's draft page.
    async fn create_therapy_section(
        &self,
        ctx: &Context<'_>,
        input: CreateTherapySectionInput,
    ) -> ApiResult<TherapySection> {
        create::<therapy_section::Entity>(ctx, input.into_domain()?)
            .await
            .map(TherapySection)
    }

    async fn update_therapy_section(
        &self,
        ctx: &Context<'_>,
        id: ID,
        expected_version: i32,
        input: UpdateTherapySectionInput,
    ) -> ApiResult<TherapySection> {
        update::<therapy_section::Entity>(ctx, &id, expected_version, input.into())
            .await
            .map(TherapySection)
    }

    async fn delete_therapy_section(&self, ctx: &Context<'_>, id: ID) -> ApiResult<ID> {
        delete::<therapy_section::Entity>(ctx, id).await
    }

    async fn publish_therapy_section(
        &self,
        ctx: &Context<'_>,
        id: ID,
        expected_version: Option<i32>,
    ) -> ApiResult<TherapySection> {
        publish::<therapy_section::Entity>(ctx, &id, expected_version)
            .await
            .map(TherapySection)
    }

    async fn unpublish_therapy_section(&self, ctx: &Context<'_>, id: ID) -> ApiResult<TherapySection> {
        unpublish::<therapy_section::Entity>(ctx, &id)
            .await
            .map(TherapySection)
    }

    /// Sets the order of a therapy's sections: `ids` lists every section once.
    async fn reorder_therapy_sections(
        &self,
        ctx: &Context<'_>,
        therapy_id: ID,
        ids: Vec<ID>,
    ) -> ApiResult<Vec<TherapySection>> {
        let rows = reorder::<therapy_section::Entity>(ctx, Some(&therapy_id), &ids).await?;
        Ok(rows.into_iter().map(TherapySection).collect())
    }

    async fn create_benefit(&self, ctx: &Context<'_>, input: CreateBenefitInput) -> ApiResult<Benefit> {
        create::<benefit::Entity>(ctx, input.into_domain()?)
            .await
            .map(Benefit)
    }

    async fn update_benefit(
        &self,
        ctx: &Context<'_>,
        id: ID,
        expected_version: i32,
        input: UpdateBenefitInput,
    ) -> ApiResult<Benefit> {
        update::<benefit::Entity>(ctx, &id, expected_version, input.into())
            .await
            .map(Benefit)
    }

    async fn delete_benefit(&self, ctx: &Context<'_>, id: ID) -> ApiResult<ID> {
        delete::<benefit::Entity>(ctx, id).await
    }

    async fn publish_benefit(
        &self,
        ctx: &Context<'_>,
        id: ID,
        expected_version: Option<i32>,
    ) -> ApiResult<Benefit> {
        publish::<benefit::Entity>(ctx, &id, expected_version)
            .await
            .map(Benefit)
    }

    async fn unpublish_benefit(&self, ctx: &Context<'_>, id: ID) -> ApiResult<Benefit> {
        unpublish::<benefit::Entity>(ctx, &id).await.map(Benefit)
    }

    /// Sets the order of a therapy's benefits: `ids` lists every benefit once.
    async fn reorder_benefits(
        &self,
        ctx: &Context<'_>,
        therapy_id: ID,
        ids: Vec<ID>,
    ) -> ApiResult<Vec<Benefit>> {
        let rows = reorder::<benefit::Entity>(ctx, Some(&therapy_id), &ids).await?;
        Ok(rows.into_iter().map(Benefit).collect())
    }

    async fn create_faq(&self, ctx: &Context<'_>, input: CreateFaqInput) -> ApiResult<Faq> {
        create::<faq::Entity>(ctx, input.into_domain()?).await.map(Faq)
    }

    async fn update_faq(
        &self,
        ctx: &Context<'_>,
        id: ID,
        expected_version: i32,
        input: UpdateFaqInput,
    ) -> ApiResult<Faq> {
        update::<faq::Entity>(ctx, &id, expected_version, input.into())
            .await
            .map(Faq)
    }

    async fn delete_faq(&self, ctx: &Context<'_>, id: ID) -> ApiResult<ID> {
        delete::<faq::Entity>(ctx, id).await
    }

    async fn publish_faq(&self, ctx: &Context<'_>, id: ID, expected_version: Option<i32>) -> ApiResult<Faq> {
        publish::<faq::Entity>(ctx, &id, expected_version).await.map(Faq)
    }

    async fn unpublish_faq(&self, ctx: &Context<'_>, id: ID) -> ApiResult<Faq> {
        unpublish::<faq::Entity>(ctx, &id).await.map(Faq)
    }

    /// Sets the order of a therapy's FAQ entries, or of the clinic-wide ones when
    /// `therapyId` is null: `ids` lists every entry of that list once.
    async fn reorder_faqs(
        &self,
        ctx: &Context<'_>,
        therapy_id: Option<ID>,
        ids: Vec<ID>,
    ) -> ApiResult<Vec<Faq>> {
        let rows = reorder::<faq::Entity>(ctx, therapy_id.as_ref(), &ids).await?;
        Ok(rows.into_iter().map(Faq).collect())
    }
}
