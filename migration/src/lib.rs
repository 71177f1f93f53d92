//! Database migrations, identical in meaning on SQLite and PostgreSQL.
//!
//! How much client text each column holds is decided in `entity::limits`, which
//! validation reads. A migration that has run is never edited, so its sizes stay as
//! written; a change of size is a new migration altering the column, and the test
//! `every_text_column_matches_the_limits_table` fails until the two agree.

pub use sea_orm_migration::prelude::*;

mod m20261126_000001_content_tables;
mod m20261126_000002_api_tokens;
mod m20261126_000003_events_and_webhooks;
mod m20261127_000001_rendered_rich_text;
mod m20261127_000002_practitioner_links_as_documents;
mod m20261127_000003_snapshot_versions;
mod m20261127_000004_citations;
mod m20261127_000005_reviews;
mod m20261128_000001_event_checkpoints;
mod m20261128_000002_feed_index;
mod m20261129_000001_people;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261126_000001_content_tables::Migration),
            Box::new(m20261126_000002_api_tokens::Migration),
            Box::new(m20261126_000003_events_and_webhooks::Migration),
            Box::new(m20261127_000001_rendered_rich_text::Migration),
            Box::new(m20261127_000002_practitioner_links_as_documents::Migration),
            Box::new(m20261127_000003_snapshot_versions::Migration),
            Box::new(m20261127_000004_citations::Migration),
            Box::new(m20261127_000005_reviews::Migration),
            Box::new(m20261128_000001_event_checkpoints::Migration),
            Box::new(m20261128_000002_feed_index::Migration),
            Box::new(m20261129_000001_people::Migration),
        ]
    }
}
