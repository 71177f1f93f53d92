//! Documents of any type as JSON snapshots, serialised exactly as the event log
//! serialises them, so that a revision and the current draft compare field by field.

use entity::DocumentType;
use sea_orm::IntoDatabaseExecutor;
use uuid::Uuid;

use super::{ContentError, Result, Stage, registry};

/// A value as a snapshot, the one way every snapshot is made.
pub fn json<T: serde::Serialize>(value: &T) -> Result<serde_json::Value> {
    serde_json::to_value(value).map_err(|e| ContentError::Database(sea_orm::DbErr::Custom(e.to_string())))
}

/// The documents of one type with these ids at a stage, as snapshots.
pub async fn find<'c>(
    db: impl IntoDatabaseExecutor<'c>,
    document_type: DocumentType,
    ids: &[Uuid],
    stage: Stage,
) -> Result<Vec<(Uuid, serde_json::Value)>> {
    let db = db.into_database_executor();
    registry::kind(document_type)?.find(&db, ids, stage).await
}
