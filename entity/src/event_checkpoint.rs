//! How far each durable consumer of the event log has got: the last event it handled.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "event_checkpoint")]
pub struct Model {
    /// The consumer's name (e.g. `webhooks`).
    #[sea_orm(primary_key, auto_increment = false, column_type = "Text")]
    pub consumer: String,
    /// The last event the consumer handled; it resumes after it.
    pub seq: i64,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
