//! Documents of any type as JSON snapshots, serialised exactly as the event log
//! serialises them, so that a revision and the current draft compare field by field.

use entity::DocumentType;
use sea_orm::ConnectionTrait;
use uuid::Uuid;

use super::document::{self, Document};
use super::{ContentError, Result, Stage};

/// A value as a snapshot, the one way every snapshot is made.
pub fn json<T: serde::Serialize>(value: &T) -> Result<serde_json::Value> {
    serde_json::to_value(value).map_err(|e| ContentError::Database(sea_orm::DbErr::Custom(e.to_string())))
}

async fn rows<E: Document>(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
    stage: Stage,
) -> Result<Vec<(Uuid, serde_json::Value)>> {
    document::find_many::<E>(db, ids, stage)
        .await?
        .into_iter()
        .map(|(id, row)| Ok((id, json(&row)?)))
        .collect()
}

/// The documents of one type with these ids at a stage, as snapshots.
pub async fn find(
    db: &impl ConnectionTrait,
    document_type: DocumentType,
    ids: &[Uuid],
    stage: Stage,
) -> Result<Vec<(Uuid, serde_json::Value)>> {
    match document_type {
        DocumentType::Therapy => rows::<entity::therapy::Entity>(db, ids, stage).await,
        DocumentType::TherapySection => rows::<entity::therapy_section::Entity>(db, ids, stage).await,
        DocumentType::Benefit => rows::<entity::benefit::Entity>(db, ids, stage).await,
        DocumentType::Faq => rows::<entity::faq::Entity>(db, ids, stage).await,
        DocumentType::Condition => rows::<entity::condition::Entity>(db, ids, stage).await,
        DocumentType::Practitioner => rows::<entity::practitioner::Entity>(db, ids, stage).await,
        DocumentType::TherapyCondition => rows::<entity::therapy_condition::Entity>(db, ids, stage).await,
        DocumentType::TherapyPractitioner => {
            rows::<entity::therapy_practitioner::Entity>(db, ids, stage).await
        }
    }
}
