//! Citations (the sources health claims rest on) and claim citations (a claim
//! citing a source, in order, with a locator). Both are staged documents.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Citation {
    Table,
    Title,
    Authors,
    Publisher,
    Year,
    Doi,
    PubmedId,
    Url,
    Note,
}

#[derive(DeriveIden, Clone, Copy)]
enum ClaimCitation {
    Table,
    TherapyId,
    ClaimType,
    ClaimId,
    CitationId,
    Position,
    Locator,
}

#[derive(DeriveIden, Clone, Copy)]
enum Doc {
    Id,
    Stage,
    Version,
    CreatedAt,
    UpdatedAt,
    PublishedAt,
}

/// The columns every staged document has, keyed by `(id, stage)`.
fn document_table(table: impl IntoIden) -> TableCreateStatement {
    Table::create()
        .table(table)
        .if_not_exists()
        .col(ColumnDef::new(Doc::Id).uuid().not_null())
        .col(ColumnDef::new(Doc::Stage).string_len(16).not_null())
        .col(ColumnDef::new(Doc::Version).integer().not_null())
        .col(
            ColumnDef::new(Doc::CreatedAt)
                .timestamp_with_time_zone()
                .not_null(),
        )
        .col(
            ColumnDef::new(Doc::UpdatedAt)
                .timestamp_with_time_zone()
                .not_null(),
        )
        .col(ColumnDef::new(Doc::PublishedAt).timestamp_with_time_zone().null())
        .primary_key(Index::create().col(Doc::Id).col(Doc::Stage))
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                document_table(Citation::Table)
                    .col(ColumnDef::new(Citation::Title).string_len(500).not_null())
                    .col(ColumnDef::new(Citation::Authors).json_binary().not_null())
                    .col(ColumnDef::new(Citation::Publisher).string_len(300).not_null())
                    .col(ColumnDef::new(Citation::Year).integer().null())
                    .col(ColumnDef::new(Citation::Doi).string_len(200).null())
                    .col(ColumnDef::new(Citation::PubmedId).string_len(20).null())
                    .col(ColumnDef::new(Citation::Url).string_len(2000).null())
                    .col(ColumnDef::new(Citation::Note).text().null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                document_table(ClaimCitation::Table)
                    .col(ColumnDef::new(ClaimCitation::TherapyId).uuid().null())
                    .col(ColumnDef::new(ClaimCitation::ClaimType).string_len(32).not_null())
                    .col(ColumnDef::new(ClaimCitation::ClaimId).uuid().not_null())
                    .col(ColumnDef::new(ClaimCitation::CitationId).uuid().not_null())
                    .col(ColumnDef::new(ClaimCitation::Position).integer().not_null())
                    .col(ColumnDef::new(ClaimCitation::Locator).string_len(200).null())
                    .to_owned(),
            )
            .await?;
        for (name, col) in [
            ("claim_citation_claim_idx", ClaimCitation::ClaimId),
            ("claim_citation_therapy_idx", ClaimCitation::TherapyId),
            ("claim_citation_citation_idx", ClaimCitation::CitationId),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(ClaimCitation::Table)
                        .col(col)
                        .col(Doc::Stage)
                        .if_not_exists()
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ClaimCitation::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Citation::Table).to_owned())
            .await
    }
}
