//! The event log, webhooks and their delivery outbox.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ContentEvent {
    Table,
    Seq,
    DocumentType,
    DocumentId,
    Action,
    Stage,
    Version,
    ActorId,
    ActorName,
    OccurredAt,
    Snapshot,
}

#[derive(DeriveIden)]
enum Webhook {
    Table,
    Id,
    Url,
    Secret,
    DocumentTypes,
    Actions,
    Stages,
    Active,
    CreatedAt,
}

#[derive(DeriveIden)]
enum WebhookDelivery {
    Table,
    Id,
    WebhookId,
    EventSeq,
    Status,
    Attempts,
    NextAttemptAt,
    LockedUntil,
    LastStatusCode,
    LastError,
    DeliveredAt,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ContentEvent::Table)
                    .if_not_exists()
                    .col(
                        ColumnDef::new(ContentEvent::Seq)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(ContentEvent::DocumentType)
                            .string_len(32)
                            .not_null(),
                    )
                    .col(ColumnDef::new(ContentEvent::DocumentId).uuid().not_null())
                    .col(ColumnDef::new(ContentEvent::Action).string_len(16).not_null())
                    .col(ColumnDef::new(ContentEvent::Stage).string_len(16).not_null())
                    .col(ColumnDef::new(ContentEvent::Version).integer().not_null())
                    .col(ColumnDef::new(ContentEvent::ActorId).uuid().null())
                    .col(ColumnDef::new(ContentEvent::ActorName).string_len(200).not_null())
                    .col(
                        ColumnDef::new(ContentEvent::OccurredAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(ColumnDef::new(ContentEvent::Snapshot).json_binary().null())
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            (
                "content_event_document_idx",
                vec![ContentEvent::DocumentId, ContentEvent::Seq],
            ),
            (
                "content_event_stage_idx",
                vec![ContentEvent::Stage, ContentEvent::Seq],
            ),
            (
                "content_event_actor_idx",
                vec![ContentEvent::ActorId, ContentEvent::Seq],
            ),
            ("content_event_time_idx", vec![ContentEvent::OccurredAt]),
        ] {
            let mut index = Index::create();
            index.name(name).table(ContentEvent::Table).if_not_exists();
            for col in cols {
                index.col(col);
            }
            manager.create_index(index).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(Webhook::Table)
                    .if_not_exists()
                    .col(ColumnDef::new(Webhook::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(Webhook::Url).string_len(2000).not_null())
                    .col(ColumnDef::new(Webhook::Secret).string_len(200).not_null())
                    .col(ColumnDef::new(Webhook::DocumentTypes).json_binary().not_null())
                    .col(ColumnDef::new(Webhook::Actions).json_binary().not_null())
                    .col(ColumnDef::new(Webhook::Stages).json_binary().not_null())
                    .col(ColumnDef::new(Webhook::Active).boolean().not_null())
                    .col(
                        ColumnDef::new(Webhook::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(WebhookDelivery::Table)
                    .if_not_exists()
                    .col(
                        ColumnDef::new(WebhookDelivery::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(WebhookDelivery::WebhookId).uuid().not_null())
                    .col(ColumnDef::new(WebhookDelivery::EventSeq).big_integer().not_null())
                    .col(ColumnDef::new(WebhookDelivery::Status).string_len(16).not_null())
                    .col(ColumnDef::new(WebhookDelivery::Attempts).integer().not_null())
                    .col(
                        ColumnDef::new(WebhookDelivery::NextAttemptAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(WebhookDelivery::LockedUntil)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(ColumnDef::new(WebhookDelivery::LastStatusCode).integer().null())
                    .col(ColumnDef::new(WebhookDelivery::LastError).text().null())
                    .col(
                        ColumnDef::new(WebhookDelivery::DeliveredAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(WebhookDelivery::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("webhook_delivery_webhook_fk")
                            .from(WebhookDelivery::Table, WebhookDelivery::WebhookId)
                            .to(Webhook::Table, Webhook::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("webhook_delivery_event_fk")
                            .from(WebhookDelivery::Table, WebhookDelivery::EventSeq)
                            .to(ContentEvent::Table, ContentEvent::Seq),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            (
                "webhook_delivery_due_idx",
                vec![WebhookDelivery::Status, WebhookDelivery::NextAttemptAt],
            ),
            (
                "webhook_delivery_webhook_idx",
                vec![WebhookDelivery::WebhookId, WebhookDelivery::CreatedAt],
            ),
            ("webhook_delivery_event_idx", vec![WebhookDelivery::EventSeq]),
        ] {
            let mut index = Index::create();
            index.name(name).table(WebhookDelivery::Table).if_not_exists();
            for col in cols {
                index.col(col);
            }
            manager.create_index(index).await?;
        }
        // One delivery per (webhook, event); also serves "the oldest pending delivery
        // of each webhook", which keeps each webhook's deliveries in event order.
        manager
            .create_index(
                Index::create()
                    .name("webhook_delivery_webhook_event_idx")
                    .table(WebhookDelivery::Table)
                    .col(WebhookDelivery::WebhookId)
                    .col(WebhookDelivery::EventSeq)
                    .unique()
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(WebhookDelivery::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Webhook::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(ContentEvent::Table).to_owned())
            .await
    }
}
