//! Therapy writes.

use async_graphql::{Context, ID, Object};

use crate::auth::Role;
use crate::content::review::{self, ReviewRules};
use crate::content::{ContentError, publishing, therapy};
use crate::graphql::context::{RoleGuard, parse_id, write};
use crate::graphql::error::ApiResult;
use crate::graphql::input::{CreateTherapyInput, UpdateTherapyInput};
use crate::graphql::object::Therapy;

#[derive(Default)]
pub struct TherapyMutation;

#[Object(guard = "RoleGuard(Role::Editor)")]
impl TherapyMutation {
    /// Creates a therapy as a draft (version 1).
    async fn create_therapy(&self, ctx: &Context<'_>, input: CreateTherapyInput) -> ApiResult<Therapy> {
        let input = input.into();
        write(ctx, move |txn| Box::pin(therapy::create(txn, input)))
            .await
            .map(Therapy)
    }

    /// Changes the draft; fails with `CONFLICT` unless it is still at `expectedVersion`.
    async fn update_therapy(
        &self,
        ctx: &Context<'_>,
        id: ID,
        expected_version: i32,
        input: UpdateTherapyInput,
    ) -> ApiResult<Therapy> {
        let id = parse_id("id", &id)?;
        let changes = input.into();
        write(ctx, move |txn| {
            Box::pin(therapy::update(txn, id, expected_version, changes))
        })
        .await
        .map(Therapy)
    }

    /// Deletes the therapy from both stages, with its sections, benefits, FAQ entries
    /// and links. Returns its id.
    async fn delete_therapy(&self, ctx: &Context<'_>, id: ID) -> ApiResult<ID> {
        let uuid = parse_id("id", &id)?;
        write(ctx, move |txn| Box::pin(therapy::delete(txn, uuid))).await?;
        Ok(id)
    }

    /// Publishes the draft with its condition and practitioner links; with
    /// `withChildren` also its sections, benefits and FAQ entries. If
    /// `expectedVersion` is given, only that version is published. Returns the published copy.
    async fn publish_therapy(
        &self,
        ctx: &Context<'_>,
        id: ID,
        expected_version: Option<i32>,
        #[graphql(default)] with_children: bool,
    ) -> ApiResult<Therapy> {
        let id = parse_id("id", &id)?;
        let rules = ctx.data_opt::<ReviewRules>().copied().unwrap_or_default();
        write(ctx, move |txn| {
            Box::pin(async move {
                if rules.require_for_publishing {
                    let blockers = review::publishing_blockers(txn.db, id, &rules, review::today()).await?;
                    if !blockers.is_empty() {
                        return Err(ContentError::PublishingBlocked(blockers));
                    }
                }
                publishing::publish_therapy(txn, id, expected_version, with_children).await
            })
        })
        .await
        .map(Therapy)
    }

    /// Takes the therapy off the published stage (with `withChildren`, its owned
    /// items too). The draft stays; it is returned.
    async fn unpublish_therapy(
        &self,
        ctx: &Context<'_>,
        id: ID,
        #[graphql(default)] with_children: bool,
    ) -> ApiResult<Therapy> {
        let id = parse_id("id", &id)?;
        write(ctx, move |txn| {
            Box::pin(publishing::unpublish_therapy(txn, id, with_children))
        })
        .await
        .map(Therapy)
    }
}
