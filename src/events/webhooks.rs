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
