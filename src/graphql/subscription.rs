//! The subscription root: change events as they are committed, over WebSocket
//! (`graphql-transport-ws`, the protocol of the `graphql-ws` library, Apollo and urql).

use std::collections::HashSet;
use std::future::ready;
use std::time::Duration;

use async_graphql::{Context, ID, Subscription};
use futures_util::{Stream, StreamExt, stream};
use tokio::sync::broadcast::error::RecvError;
use uuid::Uuid;

use super::context::{database, identity, parse_ids, stage};
use super::error::ApiError;
use super::object::{ContentEvent, DocumentType, Stage};
use crate::auth::{self, Identity};
use crate::content::validate;
use crate::db::Database;
use crate::events::EventBus;

#[derive(Default)]
pub struct SubscriptionRoot;

/// How often a subscription opened with a token checks that the token still
/// stands; a revoked token's subscriptions end within this time.
pub const TOKEN_RECHECK: Duration = Duration::from_secs(5);

/// The token a subscription was opened with, re-checked as it runs.
struct TokenWatch {
    token: Option<Uuid>,
    db: Database,
    every: tokio::time::Interval,
}

impl TokenWatch {
    async fn still_valid(&self) -> bool {
        let Some(id) = self.token else { return true };
        match auth::is_active(self.db.conn(), id).await {
            Ok(active) => active,
            // A database hiccup is no reason to drop a subscriber; try again next time.
            Err(err) => {
                tracing::warn!(error = %err, "subscription token check failed");
                true
            }
        }
    }
}

#[Subscription]
impl SubscriptionRoot {
    /// Every change committed from now on, optionally only of some document types
    /// or ids. Published changes by default (anyone); `stage: DRAFT` streams the
    /// editors' draft changes and needs a token, sent in `connection_init` as
    /// `{"Authorization": "Bearer <token>"}`. Revoking the token ends its
    /// subscriptions within a few seconds.
    async fn content_changed(
        &self,
        ctx: &Context<'_>,
        types: Option<Vec<DocumentType>>,
        ids: Option<Vec<ID>>,
        stage: Option<Stage>,
    ) -> async_graphql::Result<impl Stream<Item = ContentEvent> + use<>> {
        let stage = self::stage(ctx, stage).map_err(async_graphql::Error::from)?;
        let bus = ctx
            .data::<EventBus>()
            .map_err(|_| async_graphql::Error::from(ApiError::Internal))?;
        for (field, len) in [
            ("types", types.as_ref().map_or(0, Vec::len)),
            ("ids", ids.as_ref().map_or(0, Vec::len)),
        ] {
            validate::list_len(field, len, validate::MAX_LIST_LEN)
                .map_err(|err| async_graphql::Error::from(ApiError::from(err)))?;
        }
        let types: Option<HashSet<entity::DocumentType>> =
            types.map(|t| t.into_iter().map(Into::into).collect());
        let ids: Option<HashSet<Uuid>> = ids
            .map(|ids| parse_ids("ids", &ids))
            .transpose()
            .map_err(async_graphql::Error::from)?
            .map(HashSet::from_iter);
        let watch = TokenWatch {
            token: match identity(ctx) {
                Identity::Token { id, .. } => Some(*id),
                Identity::Public => None,
            },
            db: database(ctx).map_err(async_graphql::Error::from)?.clone(),
            every: tokio::time::interval_at(tokio::time::Instant::now() + TOKEN_RECHECK, TOKEN_RECHECK),
        };
        let events = stream::unfold((bus.subscribe(), watch), |(mut receiver, mut watch)| async move {
            loop {
                tokio::select! {
                    received = receiver.recv() => match received {
                        Ok(event) => return Some((event, (receiver, watch))),
                        // A subscriber too slow to keep up skips ahead rather than stalling others.
                        Err(RecvError::Lagged(skipped)) => tracing::warn!(skipped, "subscriber lagged"),
                        Err(RecvError::Closed) => return None,
                    },
                    _ = watch.every.tick(), if watch.token.is_some() => {
                        if !watch.still_valid().await {
                            return None;
                        }
                    }
                }
            }
        });
        Ok(events
            .filter(move |event| {
                ready(
                    event.stage == stage
                        && types.as_ref().is_none_or(|t| t.contains(&event.document_type))
                        && ids.as_ref().is_none_or(|i| i.contains(&event.document_id)),
                )
            })
            .map(|event| ContentEvent((*event).clone())))
    }
}
