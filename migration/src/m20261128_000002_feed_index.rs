//! The delta-sync feed's index, kept by a durable consumer of the event log. It
//! starts empty; the consumer fills it from the whole log on first use.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum FeedEntry {
    Table,
    DocumentId,
    DocumentType,
    LastSeq,
    LastFlip,
    Public,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(FeedEntry::Table)
                    .if_not_exists()
                    .col(
                        ColumnDef::new(FeedEntry::DocumentId)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(FeedEntry::DocumentType).string_len(32).not_null())
                    .col(ColumnDef::new(FeedEntry::LastSeq).big_integer().not_null())
                    .col(ColumnDef::new(FeedEntry::LastFlip).big_integer().not_null())
                    .col(ColumnDef::new(FeedEntry::Public).boolean().not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("feed_entry_last_seq_idx")
                    .table(FeedEntry::Table)
                    .col(FeedEntry::LastSeq)
                    .if_not_exists()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(FeedEntry::Table).to_owned())
            .await
    }
}
