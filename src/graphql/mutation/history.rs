//! Undo: restoring revisions (editor) and purging deleted documents (admin).

use async_graphql::{Context, ID, Object};

use crate::auth::Role;
use crate::content::restore;
use crate::graphql::context::{RoleGuard, parse_id, write};
use crate::graphql::error::{ApiError, ApiResult};
use crate::graphql::object::ContentEvent;

#[derive(Default)]
pub struct HistoryMutation;

#[Object]
impl HistoryMutation {
    /// Puts a past revision back into the document's draft as a new version (a
    /// deleted document comes back from the trash). Publishing it is a separate
    /// step. With `expectedVersion`, only if the draft is still at that version.
    /// Returns the `RESTORED` event.
    #[graphql(guard = "RoleGuard(Role::Editor)")]
    async fn restore_revision(
        &self,
        ctx: &Context<'_>,
        revision_id: ID,
        expected_version: Option<i32>,
    ) -> ApiResult<ContentEvent> {
        let seq = revision_id
            .parse::<i64>()
            .map_err(|_| ApiError::bad_input("revisionId", "is not a revision id"))?;
        write(ctx, move |w| Box::pin(restore::restore(w, seq, expected_version)))
            .await
            .map(ContentEvent)
    }

    /// Erases a deleted document's content from the history for good (admin).
    #[graphql(guard = "RoleGuard(Role::Admin)")]
    async fn purge_document(&self, ctx: &Context<'_>, id: ID) -> ApiResult<ContentEvent> {
        let id = parse_id("id", &id)?;
        write(ctx, move |w| Box::pin(restore::purge(w, id)))
            .await
            .map(ContentEvent)
    }
}
