//! The subscription root: change events as they are committed, over WebSocket
//! (`graphql-transport-ws`, the protocol of the `graphql-ws` library, Apollo and urql).

use std::collections::HashSet;
use std::future::ready;
use std::sync::Arc;
use std::time::Duration;

use async_graphql::{Context, ErrorExtensions, ID, Subscription};
use futures_util::{Stream, StreamExt, stream};
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use uuid::Uuid;

use super::context::{database, identity, parse_ids, stage};
use super::error::ApiError;
use super::object::{ContentEvent, DocumentType, Stage};
use crate::auth::{self, Credential};
use crate::content::validate;
use crate::db::Database;
use crate::events::Subscribers;
use crate::observe::Metrics;

#[derive(Default)]
pub struct SubscriptionRoot;

/// How often a subscription opened with a token checks that the token still
/// stands; a revoked token's subscriptions end within this time.
pub const TOKEN_RECHECK: Duration = Duration::from_secs(5);

/// How many subscriptions one WebSocket may run at once: put in each socket's
/// connection data; each subscription holds a slot until it ends.
#[derive(Clone)]
pub struct SubscriptionSlots(Arc<Semaphore>);

impl SubscriptionSlots {
    pub fn new(slots: usize) -> Self {
        Self(Arc::new(Semaphore::new(slots)))
    }
}

/// A running subscription's slot on its socket and its place in the metrics,
/// both given back when the subscription ends.
struct Running {
    _slot: Option<OwnedSemaphorePermit>,
    metrics: Option<Metrics>,
}

impl Running {
    fn start(ctx: &Context<'_>) -> async_graphql::Result<Self> {
        let slot = match ctx.data_opt::<SubscriptionSlots>() {
            None => None,
            Some(slots) => Some(slots.0.clone().try_acquire_owned().map_err(|_| {
                async_graphql::Error::new(
                    "this connection already runs its maximum number of subscriptions; complete one first",
                )
                .extend_with(|_, ext| ext.set("code", "TOO_MANY_SUBSCRIPTIONS"))
            })?),
        };
        let metrics = ctx.data_opt::<Metrics>().cloned();
        if let Some(metrics) = &metrics {
            metrics.subscription_started();
        }
        Ok(Self { _slot: slot, metrics })
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(metrics) = &self.metrics {
            metrics.subscription_ended();
        }
    }
}

/// The token or session a subscription was opened with, re-checked as it runs.
struct TokenWatch {
    _running: Running,
    token: Option<Credential>,
    db: Database,
    every: tokio::time::Interval,
}

impl TokenWatch {
    async fn still_valid(&self) -> bool {
        let Some(credential) = self.token else { return true };
        match auth::still_valid(self.db.conn(), credential).await {
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
    /// subscriptions within a few seconds. Without a token only changes public
    /// queries show arrive: none for sections, benefits and FAQ entries of an
    /// unpublished therapy or for links with an unpublished end, and a snapshot
    /// only with `PUBLISHED`.
    async fn content_changed(
        &self,
        ctx: &Context<'_>,
        types: Option<Vec<DocumentType>>,
        ids: Option<Vec<ID>>,
        stage: Option<Stage>,
    ) -> async_graphql::Result<impl Stream<Item = ContentEvent> + use<>> {
        let stage = self::stage(ctx, stage).map_err(async_graphql::Error::from)?;
        let subscribers = ctx
            .data::<Subscribers>()
            .map_err(|_| async_graphql::Error::from(ApiError::Internal))?;
        for (field, len) in [
            ("types", types.as_ref().map_or(0, Vec::len)),
            ("ids", ids.as_ref().map_or(0, Vec::len)),
        ] {
            validate::list_len(field, len, validate::MAX_LIST_LEN)
                .map_err(|err| async_graphql::Error::from(ApiError::from(err)))?;
        }
        let types: Option<HashSet<entity::DocumentType>> = types.map(|t| t.into_iter().collect());
        let ids: Option<HashSet<Uuid>> = ids
            .map(|ids| parse_ids("ids", &ids))
            .transpose()
            .map_err(async_graphql::Error::from)?
            .map(HashSet::from_iter);
        let watch = TokenWatch {
            _running: Running::start(ctx)?,
            token: identity(ctx).credential(),
            db: database(ctx).map_err(async_graphql::Error::from)?.clone(),
            every: tokio::time::interval_at(tokio::time::Instant::now() + TOKEN_RECHECK, TOKEN_RECHECK),
        };
        let events = stream::unfold(
            (subscribers.subscribe(), watch),
            |(mut receiver, mut watch)| async move {
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
            },
        );
        // The public gets what public queries show; token holders get every event.
        let public = !identity(ctx).can_read_drafts();
        Ok(events.filter_map(move |delivered| {
            let event = if public {
                delivered.public.as_ref()
            } else {
                Some(&delivered.event)
            };
            ready(
                event
                    .filter(|event| {
                        event.stage == stage
                            && types.as_ref().is_none_or(|t| t.contains(&event.document_type))
                            && ids.as_ref().is_none_or(|i| i.contains(&event.document_id))
                    })
                    .map(|event| ContentEvent(event.clone())),
            )
        }))
    }
}
