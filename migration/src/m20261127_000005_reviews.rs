//! Clinical reviews of therapies and conditions, as staged documents.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Review {
    Table,
    Id,
    Stage,
    SubjectType,
    SubjectId,
    ReviewerId,
    ReviewedOn,
    NextReviewDue,
    Note,
    Version,
    CreatedAt,
    UpdatedAt,
    PublishedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Review::Table)
                    .if_not_exists()
                    .col(ColumnDef::new(Review::Id).uuid().not_null())
                    .col(ColumnDef::new(Review::Stage).string_len(16).not_null())
                    .col(ColumnDef::new(Review::SubjectType).string_len(32).not_null())
                    .col(ColumnDef::new(Review::SubjectId).uuid().not_null())
                    .col(ColumnDef::new(Review::ReviewerId).uuid().not_null())
                    .col(ColumnDef::new(Review::ReviewedOn).date().not_null())
                    .col(ColumnDef::new(Review::NextReviewDue).date().not_null())
                    .col(ColumnDef::new(Review::Note).text().null())
                    .col(ColumnDef::new(Review::Version).integer().not_null())
                    .col(
                        ColumnDef::new(Review::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Review::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Review::PublishedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .primary_key(Index::create().col(Review::Id).col(Review::Stage))
                    .to_owned(),
            )
            .await?;
        for (name, col) in [
            ("review_subject_idx", Review::SubjectId),
            ("review_due_idx", Review::NextReviewDue),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(Review::Table)
                        .col(col)
                        .col(Review::Stage)
                        .if_not_exists()
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Review::Table).to_owned())
            .await
    }
}
