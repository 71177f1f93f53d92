//! A webhook an admin registered: where to send which events, and the signing secret.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub url: String,
    /// Signs each body (HMAC-SHA256); kept because every delivery needs it.
    pub secret: String,
    /// JSON array of document types; empty means all.
    #[sea_orm(column_type = "JsonBinary")]
    pub document_types: Json,
    /// JSON array of actions; empty means all.
    #[sea_orm(column_type = "JsonBinary")]
    pub actions: Json,
    /// JSON array of stages; empty means all.
    #[sea_orm(column_type = "JsonBinary")]
    pub stages: Json,
    pub active: bool,
    pub created_at: DateTimeUtc,
    /// The log's last event when the webhook was registered or last switched on:
    /// it gets only events after this one.
    pub after_seq: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
