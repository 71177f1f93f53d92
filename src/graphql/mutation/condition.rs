//! Condition writes.

use async_graphql::{Context, ID, Object};
use entity::condition::Entity;

use crate::auth::Role;
use crate::content::{condition, publishing};
use crate::graphql::context::{RoleGuard, parse_id, write};
use crate::graphql::error::ApiResult;
use crate::graphql::input::{CreateConditionInput, UpdateConditionInput};
use crate::graphql::object::Condition;

#[derive(Default)]
pub struct ConditionMutation;

#[Object(guard = "RoleGuard(Role::Editor)")]
impl ConditionMutation {
    /// Creates a condition as a draft (version 1).
    async fn create_condition(&self, ctx: &Context<'_>, input: CreateConditionInput) -> ApiResult<Condition> {
        let input = input.into();
        write(ctx, move |txn| Box::pin(condition::create(txn, input)))
            .await
            .map(Condition)
    }

    /// Changes the draft; fails with `CONFLICT` unless it is still at `expectedVersion`.
    async fn update_condition(
        &self,
        ctx: &Context<'_>,
        id: ID,
        expected_version: i32,
        input: UpdateConditionInput,
    ) -> ApiResult<Condition> {
        let id = parse_id("id", &id)?;
        let changes = input.into();
        write(ctx, move |txn| {
            Box::pin(condition::update(txn, id, expected_version, changes))
        })
        .await
        .map(Condition)
    }

    /// Deletes the condition from both stages, with every therapy's link to it.
    async fn delete_condition(&self, ctx: &Context<'_>, id: ID) -> ApiResult<ID> {
        let uuid = parse_id("id", &id)?;
        write(ctx, move |txn| Box::pin(condition::delete(txn, uuid))).await?;
        Ok(id)
    }

    /// Publishes the draft; returns the published copy.
    async fn publish_condition(
        &self,
        ctx: &Context<'_>,
        id: ID,
        expected_version: Option<i32>,
    ) -> ApiResult<Condition> {
        let id = parse_id("id", &id)?;
        write(ctx, move |txn| {
            Box::pin(publishing::publish::<Entity>(txn, id, expected_version))
        })
        .await
        .map(Condition)
    }

    /// Takes the condition off the published stage; returns the draft.
    async fn unpublish_condition(&self, ctx: &Context<'_>, id: ID) -> ApiResult<Condition> {
        let id = parse_id("id", &id)?;
        write(ctx, move |txn| Box::pin(publishing::unpublish::<Entity>(txn, id)))
            .await
            .map(Condition)
    }
}
