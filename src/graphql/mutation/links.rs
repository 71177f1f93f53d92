//! Writes of a therapy's links to conditions and practitioners (in its draft).

use async_graphql::{Context, ID, Object};

use futures_util::future::BoxFuture;

use crate::auth::Role;
use crate::content::{self, Write, links};
use crate::graphql::context::{RoleGuard, parse_id, parse_ids, write};
use crate::graphql::error::ApiResult;
use crate::graphql::input::{LinkConditionInput, UpdateTherapyConditionInput};
use crate::graphql::object::{Therapy, TherapyCondition};

#[derive(Default)]
pub struct LinkMutation;

/// The therapy's draft after a link change, or `NOT_FOUND`.
async fn draft_therapy(w: &Write<'_>, id: uuid::Uuid) -> content::Result<entity::therapy::Model> {
    content::document::draft::<entity::therapy::Entity>(w.db, id).await
}

/// Runs a change to a therapy's links and answers with the therapy's draft.
async fn change_links<F>(ctx: &Context<'_>, therapy_id: uuid::Uuid, change: F) -> ApiResult<Therapy>
where
    F: for<'t> FnOnce(&'t Write<'t>) -> BoxFuture<'t, content::Result<()>> + Send + 'static,
{
    write(ctx, move |txn| {
        Box::pin(async move {
            change(txn).await?;
            draft_therapy(txn, therapy_id).await
        })
    })
    .await
    .map(Therapy)
}

#[Object(guard = "RoleGuard(Role::Editor)")]
impl LinkMutation {
    /// Links a condition to a therapy's draft with a suitability.
    async fn link_condition(
        &self,
        ctx: &Context<'_>,
        input: LinkConditionInput,
    ) -> ApiResult<TherapyCondition> {
        let input = input.into_domain()?;
        write(ctx, move |txn| Box::pin(links::link_condition(txn, input)))
            .await
            .map(TherapyCondition)
    }

    /// Changes a link's suitability or note; fails with `CONFLICT` unless it is still at `expectedVersion`.
    async fn update_therapy_condition(
        &self,
        ctx: &Context<'_>,
        id: ID,
        expected_version: i32,
        input: UpdateTherapyConditionInput,
    ) -> ApiResult<TherapyCondition> {
        let id = parse_id("id", &id)?;
        let changes = input.into();
        write(ctx, move |txn| {
            Box::pin(links::update_condition_link(txn, id, expected_version, changes))
        })
        .await
        .map(TherapyCondition)
    }

    /// Removes a link from the therapy's draft (the published page keeps it until
    /// the therapy is published again). Returns the therapy's draft.
    async fn unlink_condition(&self, ctx: &Context<'_>, id: ID) -> ApiResult<Therapy> {
        let id = parse_id("id", &id)?;
        write(ctx, move |txn| {
            Box::pin(async move {
                let therapy_id = links::unlink_condition(txn, id).await?;
                draft_therapy(txn, therapy_id).await
            })
        })
        .await
        .map(Therapy)
    }

    /// Sets the order of a therapy's condition links: `ids` lists every link once.
    async fn reorder_therapy_conditions(
        &self,
        ctx: &Context<'_>,
        therapy_id: ID,
        ids: Vec<ID>,
    ) -> ApiResult<Therapy> {
        let therapy_id = parse_id("therapyId", &therapy_id)?;
        let ids = parse_ids("ids", &ids)?;
        write(ctx, move |txn| {
            Box::pin(async move {
                links::reorder_condition_links(txn, therapy_id, &ids).await?;
                draft_therapy(txn, therapy_id).await
            })
        })
        .await
        .map(Therapy)
    }

    /// Adds a practitioner to a therapy's draft (at the end; linking twice is harmless).
    async fn link_practitioner(
        &self,
        ctx: &Context<'_>,
        therapy_id: ID,
        practitioner_id: ID,
    ) -> ApiResult<Therapy> {
        let therapy_id = parse_id("therapyId", &therapy_id)?;
        let practitioner_id = parse_id("practitionerId", &practitioner_id)?;
        change_links(ctx, therapy_id, move |txn| {
            Box::pin(async move {
                links::link_practitioner(txn, therapy_id, practitioner_id)
                    .await
                    .map(|_| ())
            })
        })
        .await
    }

    async fn unlink_practitioner(
        &self,
        ctx: &Context<'_>,
        therapy_id: ID,
        practitioner_id: ID,
    ) -> ApiResult<Therapy> {
        let therapy_id = parse_id("therapyId", &therapy_id)?;
        let practitioner_id = parse_id("practitionerId", &practitioner_id)?;
        change_links(ctx, therapy_id, move |txn| {
            Box::pin(links::unlink_practitioner(txn, therapy_id, practitioner_id))
        })
        .await
    }

    /// Sets the order of a therapy's practitioners: every linked practitioner once.
    async fn reorder_therapy_practitioners(
        &self,
        ctx: &Context<'_>,
        therapy_id: ID,
        practitioner_ids: Vec<ID>,
    ) -> ApiResult<Therapy> {
        let therapy_id = parse_id("therapyId", &therapy_id)?;
        let ids = parse_ids("practitionerIds", &practitioner_ids)?;
        change_links(ctx, therapy_id, move |txn| {
            Box::pin(async move { links::reorder_practitioners(txn, therapy_id, &ids).await })
        })
        .await
    }
}
