//! The subscription root: change events as they are committed, over WebSocket
//! (`graphql-transport-ws`, the protocol of the `graphql-ws` library, Apollo and urql).

use std::collections::HashSet;
use std::future::ready;

use async_graphql::{Context, ID, Subscription};
use futures_util::{Stream, StreamExt, stream};
use tokio::sync::broadcast::error::RecvError;
use uuid::Uuid;

use super::context::{parse_ids, stage};
use super::error::ApiError;
use super::object::{ContentEvent, DocumentType, Stage};
use crate::events::EventBus;

#[derive(Default)]
pub struct SubscriptionRoot;

#[Subscription]
impl SubscriptionRoot {
    /// Every change committed from now on, optionally only of some document types
    /// or ids. Published changes by default (anyone); `stage: DRAFT` streams the
    /// editors' draft changes and needs a token, sent in `connection_init` as
    /// `{"Authorization": "Bearer <token>"}`.
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
        let types: Option<HashSet<entity::DocumentType>> =
            types.map(|t| t.into_iter().map(Into::into).collect());
        let ids: Option<HashSet<Uuid>> = ids
            .map(|ids| parse_ids("ids", &ids))
            .transpose()
            .map_err(async_graphql::Error::from)?
            .map(HashSet::from_iter);
        let events = stream::unfold(bus.subscribe(), |mut receiver| async move {
            loop {
                match receiver.recv().await {
                    Ok(event) => return Some((event, receiver)),
                    // A subscriber too slow to keep up skips ahead rather than stalling others.
                    Err(RecvError::Lagged(skipped)) => tracing::warn!(skipped, "subscriber lagged"),
                    Err(RecvError::Closed) => return None,
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
