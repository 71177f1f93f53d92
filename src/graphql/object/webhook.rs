//! Webhooks and their deliveries, as admins see them (the secret only once, at creation).

use async_graphql::{ID, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::DeliveryStatus;
use entity::{webhook, webhook_delivery};

use super::{DocumentType, EventAction, Stage};
use crate::events::webhooks::{WebhookError, filter_values};
use crate::graphql::error::ApiError;

pub struct Webhook(pub webhook::Model);

/// Where change events are POSTed, and which ones.
#[Object]
impl Webhook {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn url(&self) -> &str {
        &self.0.url
    }

    /// Only events about these kinds of document; empty means all.
    async fn document_types(&self) -> Vec<DocumentType> {
        filter_values::<entity::DocumentType>(&self.0.document_types)
            .into_iter()
            .collect()
    }

    /// Only events with these actions; empty means all.
    async fn actions(&self) -> Vec<EventAction> {
        filter_values::<entity::EventAction>(&self.0.actions)
            .into_iter()
            .collect()
    }

    /// Only events at these stages; empty means all.
    async fn stages(&self) -> Vec<Stage> {
        filter_values::<entity::Stage>(&self.0.stages)
            .into_iter()
            .collect()
    }

    /// An inactive webhook gets no new deliveries, and its pending ones wait.
    async fn active(&self) -> bool {
        self.0.active
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// A new webhook and its signing secret. The secret is shown only here: store it now.
#[derive(SimpleObject)]
pub struct CreatedWebhook {
    /// The HMAC-SHA256 key of the `X-Clinic-Signature` header.
    pub secret: String,
    pub webhook: Webhook,
}

pub struct WebhookDelivery(pub webhook_delivery::Model);

/// One event sent (or to be sent) to one webhook.
#[Object]
impl WebhookDelivery {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn webhook_id(&self) -> ID {
        ID(self.0.webhook_id.to_string())
    }

    /// The event's sequence number (the `X-Clinic-Event` header and `seq` in the body).
    async fn event_seq(&self) -> i64 {
        self.0.event_seq
    }

    async fn status(&self) -> DeliveryStatus {
        self.0.status
    }

    /// Attempts made so far.
    async fn attempts(&self) -> i32 {
        self.0.attempts
    }

    /// The HTTP status of the latest attempt that got an answer.
    async fn last_status_code(&self) -> Option<i32> {
        self.0.last_status_code
    }

    /// What went wrong the last time an attempt failed (kept after a later success).
    async fn last_error(&self) -> Option<&str> {
        self.0.last_error.as_deref()
    }

    /// When a pending delivery is next attempted.
    async fn next_attempt_at(&self) -> DateTime<Utc> {
        self.0.next_attempt_at
    }

    async fn delivered_at(&self) -> Option<DateTime<Utc>> {
        self.0.delivered_at
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

impl From<WebhookError> for ApiError {
    fn from(err: WebhookError) -> Self {
        match err {
            WebhookError::Invalid { field, message } => Self::BadUserInput { field, message },
            WebhookError::NotFound(_) => Self::NotFound(err.to_string()),
            WebhookError::Database(db) => db.into(),
        }
    }
}
