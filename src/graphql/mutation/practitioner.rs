//! Practitioner writes.

use async_graphql::{Context, ID, Object};
use entity::practitioner::Entity;

use crate::auth::Role;
use crate::content::{practitioner, publishing};
use crate::graphql::context::{RoleGuard, parse_id, write};
use crate::graphql::error::ApiResult;
use crate::graphql::input::{CreatePractitionerInput, UpdatePractitionerInput};
use crate::graphql::object::Practitioner;

#[derive(Default)]
pub struct PractitionerMutation;

#[Object(guard = "RoleGuard(Role::Editor)")]
impl PractitionerMutation {
    /// Creates a practitioner as a draft (version 1).
    async fn create_practitioner(
        &self,
        ctx: &Context<'_>,
        input: CreatePractitionerInput,
    ) -> ApiResult<Practitioner> {
        let input = input.into();
        write(ctx, move |txn| Box::pin(practitioner::create(txn, input)))
            .await
            .map(Practitioner)
    }

    /// Changes the draft; fails with `CONFLICT` unless it is still at `expectedVersion`.
    async fn update_practitioner(
        &self,
        ctx: &Context<'_>,
        id: ID,
        expected_version: i32,
        input: UpdatePractitionerInput,
    ) -> ApiResult<Practitioner> {
        let id = parse_id("id", &id)?;
        let changes = input.into();
        write(ctx, move |txn| {
            Box::pin(practitioner::update(txn, id, expected_version, changes))
        })
        .await
        .map(Practitioner)
    }

    /// Deletes the practitioner from both stages, with every therapy's link to them.
    async fn delete_practitioner(&self, ctx: &Context<'_>, id: ID) -> ApiResult<ID> {
        let uuid = parse_id("id", &id)?;
        write(ctx, move |txn| Box::pin(practitioner::delete(txn, uuid))).await?;
        Ok(id)
    }

    /// Publishes the draft; returns the published copy.
    async fn publish_practitioner(
        &self,
        ctx: &Context<'_>,
        id: ID,
        expected_version: Option<i32>,
    ) -> ApiResult<Practitioner> {
        let id = parse_id("id", &id)?;
        write(ctx, move |txn| {
            Box::pin(publishing::publish::<Entity>(txn, id, expected_version))
        })
        .await
        .map(Practitioner)
    }

    /// Takes the practitioner off the published stage; returns the draft.
    async fn unpublish_practitioner(&self, ctx: &Context<'_>, id: ID) -> ApiResult<Practitioner> {
        let id = parse_id("id", &id)?;
        write(ctx, move |txn| Box::pin(publishing::unpublish::<Entity>(txn, id)))
            .await
            .map(Practitioner)
    }
}
