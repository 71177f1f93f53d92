//! Database migrations, identical in meaning on SQLite and PostgreSQL.

pub use sea_orm_migration::prelude::*;

mod m20261126_000001_content_tables;
mod m20261126_000002_api_tokens;
mod m20261126_000003_events_and_webhooks;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261126_000001_content_tables::Migration),
            Box::new(m20261126_000002_api_tokens::Migration),
            Box::new(m20261126_000003_events_and_webhooks::Migration),
        ]
    }
}
