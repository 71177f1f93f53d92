//! Each event records the shape its snapshot was written in, so that a snapshot
//! written before a model change is upgraded when it is read. Every snapshot so
//! far is in its kind's first shape.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ContentEvent {
    Table,
    SnapshotVersion,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(ContentEvent::Table)
                    .add_column(
                        ColumnDef::new(ContentEvent::SnapshotVersion)
                            .integer()
                            .not_null()
                            .default(1),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(ContentEvent::Table)
                    .drop_column(ContentEvent::SnapshotVersion)
                    .to_owned(),
            )
            .await
    }
}
