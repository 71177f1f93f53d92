//! Webhooks (stub while the outbox is being built).

use entity::content_event;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};

pub async fn active(db: &impl ConnectionTrait) -> Result<Vec<entity::webhook::Model>, DbErr> {
    entity::webhook::Entity::find()
        .filter(entity::webhook::Column::Active.eq(true))
        .all(db)
        .await
}

pub async fn enqueue(
    _db: &impl ConnectionTrait,
    _webhooks: &[entity::webhook::Model],
    _event: &content_event::Model,
) -> Result<(), DbErr> {
    Ok(())
}

/// How the delivery worker behaves.
#[derive(Debug, Clone)]
pub struct WebhookSettings {
    /// Wait before the first retry; each further retry waits twice as long.
    pub retry_base: std::time::Duration,
    /// Longest wait between two attempts.
    pub retry_max: std::time::Duration,
    /// Attempts before a delivery is marked failed.
    pub max_attempts: i32,
    /// How long one attempt may take.
    pub timeout: std::time::Duration,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        use std::time::Duration;
        Self {
            retry_base: Duration::from_secs(5),
            retry_max: Duration::from_secs(3600),
            max_attempts: 12,
            timeout: Duration::from_secs(10),
        }
    }
}

/// Starts the delivery worker (stub: deliveries are not sent yet).
pub fn start_worker(_db: crate::db::Database, _bus: crate::events::EventBus, _settings: WebhookSettings) {}
