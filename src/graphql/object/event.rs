//! Change events as the API shows them: revisions in history, audit entries,
//! subscription payloads and delta-sync changes.

use async_graphql::{Context, Enum, ID, Json, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::content_event::Model;

use super::{DocumentType, EventAction, Stage};
use crate::events::feed::FeedChange;
use crate::events::history;
use crate::graphql::context::{identity, loaders};
use crate::graphql::error::ApiResult;
use crate::graphql::loader::DraftKey;

pub struct ContentEvent(pub Model);

/// One change to one document, from the event log.
#[Object]
impl ContentEvent {
    /// The event's place in the log; pass it to `restoreRevision`.
    async fn id(&self) -> ID {
        ID(self.0.seq.to_string())
    }

    async fn document_type(&self) -> DocumentType {
        self.0.document_type
    }

    async fn document_id(&self) -> ID {
        ID(self.0.document_id.to_string())
    }

    async fn action(&self) -> EventAction {
        self.0.action
    }

    /// The stage the change happened at.
    async fn stage(&self) -> Stage {
        self.0.stage
    }

    /// The document's version after the change.
    async fn version(&self) -> i32 {
        self.0.version
    }

    /// Who made the change (token name); null for callers without a token.
    async fn actor_name(&self, ctx: &Context<'_>) -> Option<&str> {
        identity(ctx)
            .can_read_drafts()
            .then_some(self.0.actor_name.as_str())
    }

    /// The id of the token that made the change; null for callers without a token
    /// and for the server's own changes (seeding).
    async fn actor_id(&self, ctx: &Context<'_>) -> Option<ID> {
        identity(ctx)
            .can_read_drafts()
            .then_some(self.0.actor_id.map(|id| ID(id.to_string())))
            .flatten()
    }

    async fn occurred_at(&self) -> DateTime<Utc> {
        self.0.occurred_at
    }

    /// The surrogate keys of the public answers this change made stale (see
    /// `Surrogate-Key` on public responses): purge them from a CDN in front.
    /// Empty for a change to a draft, which the public never sees.
    async fn purge_keys(&self) -> Vec<String> {
        crate::cache::keys::purge_keys(&self.0)
    }

    /// The document as it stood after the change (field names as in the API, in
    /// the shape its kind has now, however old the revision); null once purged.
    async fn snapshot(&self) -> ApiResult<Option<Json<serde_json::Value>>> {
        Ok(crate::content::registry::snapshot_of(&self.0)?.map(Json))
    }

    /// The fields in which this revision differs from the current draft (all of
    /// them if the document has no draft now). Empty for callers without a token.
    async fn changed_fields(&self, ctx: &Context<'_>) -> ApiResult<Vec<String>> {
        // Comparing with the draft would tell the public what the draft changes.
        if !identity(ctx).can_read_drafts() {
            return Ok(Vec::new());
        }
        let Some(snapshot) = crate::content::registry::snapshot_of(&self.0)? else {
            return Ok(Vec::new());
        };
        let key = DraftKey {
            document_type: self.0.document_type,
            id: self.0.document_id,
        };
        let current = loaders(ctx)?
            .drafts
            .load_one(key)
            .await?
            .unwrap_or(serde_json::Value::Null);
        Ok(history::changed_fields(&snapshot, &current))
    }
}

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    /// Insert or replace the document with `data`.
    Upsert,
    /// The public cannot see the document (any more): drop it.
    Delete,
}

/// One change of the delta-sync feed.
#[derive(SimpleObject)]
pub struct ContentChange {
    /// The place in the log of the event that last changed what the public sees
    /// of the document (its own, or its therapy's or a link end's).
    pub seq: ID,
    pub kind: ChangeKind,
    pub document_type: DocumentType,
    pub document_id: ID,
    /// The published document as it stands now (for `UPSERT`), field names as in the API.
    pub data: Option<Json<serde_json::Value>>,
}

impl From<FeedChange> for ContentChange {
    fn from(change: FeedChange) -> Self {
        match change {
            FeedChange::Upsert {
                seq,
                document_type,
                id,
                data,
            } => Self {
                seq: ID(seq.to_string()),
                kind: ChangeKind::Upsert,
                document_type,
                document_id: ID(id.to_string()),
                data: Some(Json(data)),
            },
            FeedChange::Delete {
                seq,
                document_type,
                id,
            } => Self {
                seq: ID(seq.to_string()),
                kind: ChangeKind::Delete,
                document_type,
                document_id: ID(id.to_string()),
                data: None,
            },
        }
    }
}

/// A page of the delta-sync feed.
#[derive(SimpleObject)]
pub struct ChangeFeed {
    /// Apply in order.
    pub changes: Vec<ContentChange>,
    /// Pass as `since` next time.
    pub cursor: String,
    /// More changes are waiting: call again at once with `cursor`.
    pub has_more: bool,
}
