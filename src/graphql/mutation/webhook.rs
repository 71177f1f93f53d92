//! Webhook management (admin only).

use async_graphql::{Context, ID, InputObject, Object};

use crate::auth::Role as AuthRole;
use crate::events::webhooks::{self, AllowList, Filters, WebhookChanges};
use crate::graphql::context::{RoleGuard, database, parse_id};
use crate::graphql::error::{ApiError, ApiResult};
use crate::graphql::object::{CreatedWebhook, DocumentType, EventAction, Stage, Webhook, WebhookDelivery};

/// A webhook to register. Each filter left empty lets every event through.
#[derive(InputObject)]
pub struct CreateWebhookInput {
    /// Where events are POSTed: an absolute `http` or `https` URL. Its host must be
    /// public (not loopback, private, link-local, …) unless the server's allow-list names it.
    pub url: String,
    #[graphql(default)]
    pub document_types: Vec<DocumentType>,
    #[graphql(default)]
    pub actions: Vec<EventAction>,
    #[graphql(default)]
    pub stages: Vec<Stage>,
}

/// Changes to a webhook; a field left out keeps its value. An empty filter lets all through.
#[derive(InputObject)]
pub struct UpdateWebhookInput {
    pub url: Option<String>,
    pub document_types: Option<Vec<DocumentType>>,
    pub actions: Option<Vec<EventAction>>,
    pub stages: Option<Vec<Stage>>,
    pub active: Option<bool>,
}

/// The destinations allowed despite the rule against internal addresses.
fn allow_list<'c>(ctx: &Context<'c>) -> ApiResult<&'c AllowList> {
    ctx.data::<AllowList>().map_err(|_| {
        tracing::error!("the schema was built without the webhook allow-list");
        ApiError::Internal
    })
}

fn convert<T: Copy + Into<U>, U>(values: &[T]) -> Vec<U> {
    values.iter().map(|v| (*v).into()).collect()
}

#[derive(Default)]
pub struct WebhookMutation;

#[Object(guard = "RoleGuard(AuthRole::Admin)")]
impl WebhookMutation {
    /// Registers a webhook; its signing secret is in the answer and shown nowhere else.
    /// Events from now on that pass its filters are delivered to it.
    async fn create_webhook(
        &self,
        ctx: &Context<'_>,
        input: CreateWebhookInput,
    ) -> ApiResult<CreatedWebhook> {
        let filters = Filters {
            document_types: convert(&input.document_types),
            actions: convert(&input.actions),
            stages: convert(&input.stages),
        };
        let (webhook, secret) =
            webhooks::create(database(ctx)?, allow_list(ctx)?, &input.url, &filters).await?;
        Ok(CreatedWebhook {
            secret,
            webhook: Webhook(webhook),
        })
    }

    /// Changes a webhook's URL, filters or whether it is active.
    async fn update_webhook(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateWebhookInput,
    ) -> ApiResult<Webhook> {
        let id = parse_id("id", &id)?;
        let changes = WebhookChanges {
            url: input.url,
            document_types: input.document_types.as_deref().map(convert),
            actions: input.actions.as_deref().map(convert),
            stages: input.stages.as_deref().map(convert),
            active: input.active,
        };
        Ok(Webhook(
            webhooks::update(database(ctx)?, allow_list(ctx)?, id, changes).await?,
        ))
    }

    /// Deletes a webhook and all its deliveries, pending ones included. Returns what it was.
    async fn delete_webhook(&self, ctx: &Context<'_>, id: ID) -> ApiResult<Webhook> {
        let id = parse_id("id", &id)?;
        Ok(Webhook(webhooks::delete(database(ctx)?, id).await?))
    }

    /// Queues a `FAILED` delivery again, due now, with a fresh set of attempts.
    async fn retry_webhook_delivery(&self, ctx: &Context<'_>, id: ID) -> ApiResult<WebhookDelivery> {
        let id = parse_id("id", &id)?;
        Ok(WebhookDelivery(webhooks::retry(database(ctx)?, id).await?))
    }
}
