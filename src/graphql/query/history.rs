//! Reads of the event log: history, trash, audit (token holders) and the public
//! delta-sync feed.

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, ID, InputObject, Object};
use chrono::{DateTime, Utc};

use crate::auth::Role;
use crate::cache::Dependency;
use crate::content::Stage;
use crate::events::{feed, history};
use crate::graphql::context::{RoleGuard, database, loaders, parse_id};
use crate::graphql::error::{ApiError, ApiResult};
use crate::graphql::object::{ChangeFeed, ContentEvent, DocumentType, EventAction, List, ListInfo};

#[derive(Default)]
pub struct HistoryQuery;

fn page_size(first: Option<i32>) -> ApiResult<u64> {
    let first = first.unwrap_or(20);
    u64::try_from(first).map_err(|_| ApiError::bad_input("first", "must not be negative"))
}

fn list(page: history::EventPage) -> List<ContentEvent> {
    let mut connection = Connection::with_additional_fields(
        false,
        page.has_next_page,
        ListInfo {
            total_count: page.total_count,
        },
    );
    connection.edges.extend(
        page.events
            .into_iter()
            .map(|event| Edge::new(history::cursor(event.seq), ContentEvent(event))),
    );
    connection
}

/// What the audit trail may be narrowed by.
#[derive(InputObject, Default)]
pub struct AuditFilter {
    /// The token that made the changes.
    pub actor_id: Option<ID>,
    pub document_type: Option<DocumentType>,
    pub document_id: Option<ID>,
    pub action: Option<EventAction>,
    pub since: Option<DateTime<Utc>>,
    /// Exclusive.
    pub until: Option<DateTime<Utc>>,
}

#[Object]
impl HistoryQuery {
    /// A document's revisions, newest first (any token). Each has its snapshot and
    /// the fields in which it differs from the current draft.
    #[graphql(guard = "RoleGuard(Role::Preview)")]
    async fn history(
        &self,
        ctx: &Context<'_>,
        id: ID,
        first: Option<i32>,
        after: Option<String>,
    ) -> ApiResult<List<ContentEvent>> {
        let id = parse_id("id", &id)?;
        let page = history::revisions(database(ctx)?.conn(), id, page_size(first)?, after.as_deref()).await?;
        Ok(list(page))
    }

    /// One revision by its id (any token).
    #[graphql(guard = "RoleGuard(Role::Preview)")]
    async fn revision(&self, ctx: &Context<'_>, id: ID) -> ApiResult<Option<ContentEvent>> {
        let seq = id
            .parse::<i64>()
            .map_err(|_| ApiError::bad_input("id", "is not a revision id"))?;
        Ok(history::revision(database(ctx)?.conn(), seq)
            .await?
            .map(ContentEvent))
    }

    /// Deleted documents that can still be restored (editor), newest deletion first:
    /// pass an entry's id to `restoreRevision`.
    #[graphql(guard = "RoleGuard(Role::Editor)")]
    async fn trash(
        &self,
        ctx: &Context<'_>,
        document_type: Option<DocumentType>,
        first: Option<i32>,
        after: Option<String>,
    ) -> ApiResult<List<ContentEvent>> {
        let kind = document_type;
        let page = history::trash(database(ctx)?.conn(), kind, page_size(first)?, after.as_deref()).await?;
        Ok(list(page))
    }

    /// Every change, newest first, by actor, type, action and time (admin).
    #[graphql(guard = "RoleGuard(Role::Admin)")]
    async fn audit_log(
        &self,
        ctx: &Context<'_>,
        filter: Option<AuditFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> ApiResult<List<ContentEvent>> {
        let filter = filter.unwrap_or_default();
        let domain = history::AuditFilter {
            actor_id: filter
                .actor_id
                .as_ref()
                .map(|id| parse_id("filter.actorId", id))
                .transpose()?,
            document_type: filter.document_type,
            document_id: filter
                .document_id
                .as_ref()
                .map(|id| parse_id("filter.documentId", id))
                .transpose()?,
            action: filter.action,
            since: filter.since,
            until: filter.until,
        };
        let page = history::audit(
            database(ctx)?.conn(),
            &domain,
            page_size(first)?,
            after.as_deref(),
        )
        .await?;
        Ok(list(page))
    }

    /// What changed in the public view since `since` (from the beginning when
    /// null), at most `first` (≤ 500) changes: each changed document once, with its
    /// current public state. Offline clients apply the changes in order and keep
    /// `cursor` for next time; they then hold exactly what public queries show.
    async fn changes(
        &self,
        ctx: &Context<'_>,
        since: Option<String>,
        first: Option<i32>,
    ) -> ApiResult<ChangeFeed> {
        let first = u64::try_from(first.unwrap_or(100))
            .map_err(|_| ApiError::bad_input("first", "must be positive"))?;
        let feed = feed::changes(database(ctx)?, since.as_deref(), first).await?;
        let loaders = loaders(ctx)?;
        loaders.note(Stage::Published, [Dependency::Feed]);
        loaders.reads.mark_volatile();
        Ok(ChangeFeed {
            changes: feed.changes.into_iter().map(Into::into).collect(),
            cursor: feed.cursor,
            has_more: feed.has_more,
        })
    }
}
