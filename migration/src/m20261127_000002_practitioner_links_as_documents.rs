//! Therapy–practitioner links become documents like condition links: an id of
//! their own, a version, and the update and publication times, unique by
//! `(id, stage)`. Until now a link was keyed by its two ends and its id derived
//! from them; existing links keep that id, so the event log's history of each
//! link continues under the same document id.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::ConnectionTrait;
use uuid::Uuid;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Link {
    #[sea_orm(iden = "therapy_practitioner")]
    Table,
    Id,
    Stage,
    TherapyId,
    PractitionerId,
    Version,
    CreatedAt,
    UpdatedAt,
    PublishedAt,
}

/// The id a link had when it was derived from its ends.
fn derived_id(therapy_id: Uuid, practitioner_id: Uuid) -> Uuid {
    Uuid::new_v5(&therapy_id, practitioner_id.as_bytes())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Columns are added, not the table rebuilt: SQLite alters one column at a
        // time and cannot change a primary key. The ends' key stays (a therapy
        // links a practitioner once per stage); `(id, stage)` gets a unique index.
        for column in [
            ColumnDef::new(Link::Id).uuid().null().to_owned(),
            ColumnDef::new(Link::Version)
                .integer()
                .not_null()
                .default(1)
                .to_owned(),
            ColumnDef::new(Link::UpdatedAt)
                .timestamp_with_time_zone()
                .null()
                .to_owned(),
            ColumnDef::new(Link::PublishedAt)
                .timestamp_with_time_zone()
                .null()
                .to_owned(),
        ] {
            manager
                .alter_table(Table::alter().table(Link::Table).add_column(column).to_owned())
                .await?;
        }
        let db = manager.get_connection();
        let select = Query::select()
            .columns([
                Link::TherapyId,
                Link::PractitionerId,
                Link::Stage,
                Link::CreatedAt,
            ])
            .from(Link::Table)
            .to_owned();
        for row in db.query_all(&select).await? {
            let therapy_id: Uuid = row.try_get("", "therapy_id")?;
            let practitioner_id: Uuid = row.try_get("", "practitioner_id")?;
            let stage: String = row.try_get("", "stage")?;
            let created_at: chrono::DateTime<chrono::Utc> = row.try_get("", "created_at")?;
            let published_at = (stage == "PUBLISHED").then_some(created_at);
            let update = Query::update()
                .table(Link::Table)
                .value(Link::Id, derived_id(therapy_id, practitioner_id))
                .value(Link::UpdatedAt, created_at)
                .value(Link::PublishedAt, published_at)
                .and_where(Expr::col(Link::TherapyId).eq(therapy_id))
                .and_where(Expr::col(Link::PractitionerId).eq(practitioner_id))
                .and_where(Expr::col(Link::Stage).eq(stage))
                .to_owned();
            db.execute(&update).await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("therapy_practitioner_id_idx")
                    .table(Link::Table)
                    .col(Link::Id)
                    .col(Link::Stage)
                    .unique()
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("therapy_practitioner_id_idx")
                    .table(Link::Table)
                    .to_owned(),
            )
            .await?;
        for column in [Link::PublishedAt, Link::UpdatedAt, Link::Version, Link::Id] {
            manager
                .alter_table(Table::alter().table(Link::Table).drop_column(column).to_owned())
                .await?;
        }
        Ok(())
    }
}
