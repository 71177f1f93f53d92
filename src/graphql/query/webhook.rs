//! Webhook reads (admin only): the registered webhooks and their deliveries.

use async_graphql::{Context, ID, Object};

use crate::auth::Role;
use crate::events::webhooks;
use crate::graphql::context::{RoleGuard, database, parse_id};
use crate::graphql::error::{ApiError, ApiResult};
use crate::graphql::object::{DeliveryStatus, Webhook, WebhookDelivery};

/// The most deliveries one `webhookDeliveries` call returns.
const MAX_DELIVERIES: i32 = 100;

#[derive(Default)]
pub struct WebhookQuery;

#[Object(guard = "RoleGuard(Role::Admin)")]
impl WebhookQuery {
    /// Every webhook, oldest first (admin only). Secrets are never shown.
    async fn webhooks(&self, ctx: &Context<'_>) -> ApiResult<Vec<Webhook>> {
        Ok(webhooks::list(database(ctx)?.conn())
            .await?
            .into_iter()
            .map(Webhook)
            .collect())
    }

    /// The newest deliveries, by event, of one webhook or of all (admin only).
    async fn webhook_deliveries(
        &self,
        ctx: &Context<'_>,
        webhook_id: Option<ID>,
        status: Option<DeliveryStatus>,
        #[graphql(default = 20)] first: i32,
    ) -> ApiResult<Vec<WebhookDelivery>> {
        let webhook_id = webhook_id.map(|id| parse_id("webhookId", &id)).transpose()?;
        if !(0..=MAX_DELIVERIES).contains(&first) {
            return Err(ApiError::bad_input(
                "first",
                format!("must be 0–{MAX_DELIVERIES}"),
            ));
        }
        let first = u64::try_from(first).unwrap_or(0);
        Ok(
            webhooks::deliveries(database(ctx)?.conn(), webhook_id, status, first)
                .await?
                .into_iter()
                .map(WebhookDelivery)
                .collect(),
        )
    }
}
