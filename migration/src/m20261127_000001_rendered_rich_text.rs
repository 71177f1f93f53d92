//! Beside each rich text column, its HTML and plain text as rendered when the
//! markdown was written, so that reads serve them instead of rendering each time.
//!
//! The columns are nullable: rows written before this migration get theirs from the
//! server's backfill at startup.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Each rich text column, by table, with the two columns rendered from it.
const RENDERED: &[(&str, &str, &str)] = &[
    ("therapy", "summary_html", "summary_text"),
    ("condition", "description_html", "description_text"),
    ("practitioner", "bio_html", "bio_text"),
    ("therapy_section", "body_html", "body_text"),
    ("benefit", "body_html", "body_text"),
    ("faq", "answer_html", "answer_text"),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for &(table, html, text) in RENDERED {
            // One column per statement: SQLite alters one thing at a time.
            for column in [html, text] {
                manager
                    .alter_table(
                        Table::alter()
                            .table(Alias::new(table))
                            .add_column(ColumnDef::new(Alias::new(column)).text().null())
                            .to_owned(),
                    )
                    .await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for &(table, html, text) in RENDERED {
            for column in [html, text] {
                manager
                    .alter_table(
                        Table::alter()
                            .table(Alias::new(table))
                            .drop_column(Alias::new(column))
                            .to_owned(),
                    )
                    .await?;
            }
        }
        Ok(())
    }
}
