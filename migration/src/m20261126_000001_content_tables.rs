//! The content documents and their links, each row keyed by (id, stage).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Therapy {
    Table,
    Slug,
    Name,
    Summary,
    TypicalSessions,
    MinSessions,
    MaxSessions,
    SessionIntervalWeeks,
    ProcedureMinutesMin,
    ProcedureMinutesMax,
    RepeatAfterMonthsMin,
    RepeatAfterMonthsMax,
    InsuranceCoverage,
    InsuranceNote,
    FirstUsedDecade,
}

#[derive(DeriveIden)]
enum TherapySection {
    Table,
    Heading,
    Body,
}

#[derive(DeriveIden)]
enum Benefit {
    Table,
    Title,
    Body,
}

#[derive(DeriveIden)]
enum Faq {
    Table,
    Question,
    Answer,
}

#[derive(DeriveIden)]
enum Condition {
    Table,
    Slug,
    Name,
    Description,
    BodyRegion,
}

#[derive(DeriveIden)]
enum Practitioner {
    Table,
    Slug,
    Name,
    Title,
    Bio,
    Techniques,
}

#[derive(DeriveIden)]
enum TherapyCondition {
    Table,
    ConditionId,
    Suitability,
    Note,
}

#[derive(DeriveIden)]
enum TherapyPractitioner {
    Table,
    PractitionerId,
}

/// Columns every staged document shares.
#[derive(DeriveIden, Clone, Copy)]
enum Doc {
    Id,
    Stage,
    TherapyId,
    Position,
    Version,
    CreatedAt,
    UpdatedAt,
    PublishedAt,
}

/// A table holding one row per (document, stage), with the bookkeeping columns.
fn document_table(table: impl IntoIden) -> TableCreateStatement {
    let mut create = Table::create();
    create
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
        .primary_key(Index::create().col(Doc::Id).col(Doc::Stage));
    create
}

fn index(name: &str, table: impl IntoIden, cols: &[Doc]) -> IndexCreateStatement {
    let mut create = Index::create();
    create.name(name).table(table).if_not_exists();
    for col in cols {
        create.col(col.into_iden());
    }
    create
}

fn text(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col).text().not_null().to_owned()
}

fn name(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col).string_len(300).not_null().to_owned()
}

fn count(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col).integer().null().to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                document_table(Therapy::Table)
                    .col(ColumnDef::new(Therapy::Slug).string_len(120).not_null())
                    .col(name(Therapy::Name))
                    .col(text(Therapy::Summary))
                    .col(count(Therapy::TypicalSessions))
                    .col(count(Therapy::MinSessions))
                    .col(count(Therapy::MaxSessions))
                    .col(count(Therapy::SessionIntervalWeeks))
                    .col(count(Therapy::ProcedureMinutesMin))
                    .col(count(Therapy::ProcedureMinutesMax))
                    .col(count(Therapy::RepeatAfterMonthsMin))
                    .col(count(Therapy::RepeatAfterMonthsMax))
                    .col(
                        ColumnDef::new(Therapy::InsuranceCoverage)
                            .string_len(32)
                            .not_null(),
                    )
                    .col(ColumnDef::new(Therapy::InsuranceNote).text().null())
                    .col(count(Therapy::FirstUsedDecade))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("therapy_stage_slug_key")
                    .table(Therapy::Table)
                    .col(Doc::Stage)
                    .col(Therapy::Slug)
                    .unique()
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("therapy_stage_name_idx")
                    .table(Therapy::Table)
                    .col(Doc::Stage)
                    .col(Therapy::Name)
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;

        for (table, title, body, owner_required, prefix) in [
            (
                TherapySection::Table.into_iden(),
                TherapySection::Heading.into_iden(),
                TherapySection::Body.into_iden(),
                true,
                "therapy_section",
            ),
            (
                Benefit::Table.into_iden(),
                Benefit::Title.into_iden(),
                Benefit::Body.into_iden(),
                true,
                "benefit",
            ),
            (
                Faq::Table.into_iden(),
                Faq::Question.into_iden(),
                Faq::Answer.into_iden(),
                false,
                "faq",
            ),
        ] {
            let mut owner = ColumnDef::new(Doc::TherapyId);
            owner.uuid();
            if owner_required {
                owner.not_null();
            } else {
                owner.null();
            }
            manager
                .create_table(
                    document_table(table.clone())
                        .col(owner)
                        .col(ColumnDef::new(title).string_len(500).not_null())
                        .col(text(body))
                        .col(ColumnDef::new(Doc::Position).integer().not_null())
                        .to_owned(),
                )
                .await?;
            manager
                .create_index(index(
                    &format!("{prefix}_stage_therapy_position_idx"),
                    table.clone(),
                    &[Doc::Stage, Doc::TherapyId, Doc::Position],
                ))
                .await?;
            manager
                .create_index(index(&format!("{prefix}_therapy_idx"), table, &[Doc::TherapyId]))
                .await?;
        }

        manager
            .create_table(
                document_table(Condition::Table)
                    .col(ColumnDef::new(Condition::Slug).string_len(120).not_null())
                    .col(name(Condition::Name))
                    .col(text(Condition::Description))
                    .col(ColumnDef::new(Condition::BodyRegion).string_len(120).null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("condition_stage_slug_key")
                    .table(Condition::Table)
                    .col(Doc::Stage)
                    .col(Condition::Slug)
                    .unique()
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("condition_stage_name_idx")
                    .table(Condition::Table)
                    .col(Doc::Stage)
                    .col(Condition::Name)
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                document_table(Practitioner::Table)
                    .col(ColumnDef::new(Practitioner::Slug).string_len(120).not_null())
                    .col(name(Practitioner::Name))
                    .col(name(Practitioner::Title))
                    .col(text(Practitioner::Bio))
                    .col(ColumnDef::new(Practitioner::Techniques).json_binary().not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("practitioner_stage_slug_key")
                    .table(Practitioner::Table)
                    .col(Doc::Stage)
                    .col(Practitioner::Slug)
                    .unique()
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                document_table(TherapyCondition::Table)
                    .col(ColumnDef::new(Doc::TherapyId).uuid().not_null())
                    .col(ColumnDef::new(TherapyCondition::ConditionId).uuid().not_null())
                    .col(
                        ColumnDef::new(TherapyCondition::Suitability)
                            .string_len(32)
                            .not_null(),
                    )
                    .col(ColumnDef::new(TherapyCondition::Note).text().null())
                    .col(ColumnDef::new(Doc::Position).integer().not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("therapy_condition_pair_key")
                    .table(TherapyCondition::Table)
                    .col(Doc::Stage)
                    .col(Doc::TherapyId)
                    .col(TherapyCondition::ConditionId)
                    .unique()
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("therapy_condition_condition_idx")
                    .table(TherapyCondition::Table)
                    .col(TherapyCondition::ConditionId)
                    .col(Doc::Stage)
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "therapy_condition_therapy_idx",
                TherapyCondition::Table,
                &[Doc::TherapyId],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(TherapyPractitioner::Table)
                    .if_not_exists()
                    .col(ColumnDef::new(Doc::TherapyId).uuid().not_null())
                    .col(
                        ColumnDef::new(TherapyPractitioner::PractitionerId)
                            .uuid()
                            .not_null(),
                    )
                    .col(ColumnDef::new(Doc::Stage).string_len(16).not_null())
                    .col(ColumnDef::new(Doc::Position).integer().not_null())
                    .col(
                        ColumnDef::new(Doc::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .primary_key(
                        Index::create()
                            .col(Doc::TherapyId)
                            .col(TherapyPractitioner::PractitionerId)
                            .col(Doc::Stage),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("therapy_practitioner_practitioner_idx")
                    .table(TherapyPractitioner::Table)
                    .col(TherapyPractitioner::PractitionerId)
                    .col(Doc::Stage)
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            TherapyPractitioner::Table.into_iden(),
            TherapyCondition::Table.into_iden(),
            Practitioner::Table.into_iden(),
            Condition::Table.into_iden(),
            Faq::Table.into_iden(),
            Benefit::Table.into_iden(),
            TherapySection::Table.into_iden(),
            Therapy::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
