//! Consumers of the event log keep a durable checkpoint, and webhooks are queued
//! by one of them (`webhooks`) instead of inside each content write.
//!
//! A webhook gets the events after the log's head at its registration
//! (`after_seq`), as it did when deliveries were queued at write time. Everything
//! already in the log had its deliveries queued by the write that made it, so the
//! webhook consumer starts at the log's head, and so do existing webhooks.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum EventCheckpoint {
    Table,
    Consumer,
    Seq,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Webhook {
    Table,
    AfterSeq,
}

#[derive(DeriveIden)]
enum ContentEvent {
    Table,
    Seq,
}

/// The name the webhook consumer's checkpoint is kept under.
const WEBHOOKS: &str = "webhooks";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(EventCheckpoint::Table)
                    .col(
                        ColumnDef::new(EventCheckpoint::Consumer)
                            .text()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(EventCheckpoint::Seq).big_integer().not_null())
                    .col(
                        ColumnDef::new(EventCheckpoint::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Webhook::Table)
                    .add_column(
                        ColumnDef::new(Webhook::AfterSeq)
                            .big_integer()
                            .not_null()
                            .default(0),
                    )
                    .to_owned(),
            )
            .await?;

        let db = manager.get_connection();
        let head = Query::select()
            .expr_as(Expr::col(ContentEvent::Seq).max(), "head")
            .from(ContentEvent::Table)
            .to_owned();
        let head: i64 = match db.query_one(&head).await? {
            Some(row) => row.try_get::<Option<i64>>("", "head")?.unwrap_or(0),
            None => 0,
        };
        db.execute(
            &Query::update()
                .table(Webhook::Table)
                .value(Webhook::AfterSeq, head)
                .to_owned(),
        )
        .await?;
        db.execute(
            &Query::insert()
                .into_table(EventCheckpoint::Table)
                .columns([
                    EventCheckpoint::Consumer,
                    EventCheckpoint::Seq,
                    EventCheckpoint::UpdatedAt,
                ])
                .values_panic([WEBHOOKS.into(), head.into(), chrono::Utc::now().into()])
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Webhook::Table)
                    .drop_column(Webhook::AfterSeq)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(EventCheckpoint::Table).to_owned())
            .await
    }
}
