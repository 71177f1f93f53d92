//! Loading an export into an empty database, in one transaction: all of it, or
//! (on any refusal) nothing.

use std::path::Path;

use entity::content_event;
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DatabaseBackend, DatabaseTransaction, IntoActiveModel,
    IntoDatabaseExecutor,
};

use super::error::{Result, TransferError};
use super::file::{self, ExportFile};
use crate::content::registry::KINDS;
use crate::db::{self, Database, InsertError};
use crate::log;

/// What an import loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportReport {
    /// Document rows, both stages counted.
    pub rows: usize,
    pub events: usize,
}

pub async fn import_file(db: &Database, path: &Path) -> Result<ImportReport> {
    let text = std::fs::read_to_string(path).map_err(|source| TransferError::Read {
        path: path.display().to_string(),
        source,
    })?;
    import(db, &text).await
}

/// Loads an export, keeping ids, versions and event sequence numbers; new
/// events continue after the last one imported.
#[tracing::instrument(skip_all)]
pub async fn import(db: &Database, text: &str) -> Result<ImportReport> {
    let ExportFile { documents, events } = file::parse(text)?;
    // A content write, so that no editor's change can interleave with it.
    let txn = db.begin_content_write().await?;
    refuse_unless_empty(&txn).await?;
    let mut report = ImportReport {
        rows: 0,
        events: events.len(),
    };
    for (kind, rows) in documents {
        report.rows += rows.len();
        let at = format!("documents.{}", kind.declaration().plural);
        kind.import(&txn, rows, &at).await?;
    }
    let last_seq = events.last().map(|event| event.seq);
    let events = events
        .into_iter()
        .map(|event| event.into_active_model().reset_all())
        .collect();
    db::insert_all::<content_event::ActiveModel>(&txn, events)
        .await
        .map_err(|err| match err {
            InsertError::Refused { index, source } => TransferError::invalid(
                format!("events[{index}]"),
                format!("the database refused this event: {source}"),
            ),
            InsertError::Database(err) => err.into(),
        })?;
    if let Some(seq) = last_seq {
        log::continue_after(&*txn, seq).await?;
    }
    if txn.get_database_backend() == DatabaseBackend::Postgres {
        // Instances already serving this database read the imported log at commit.
        txn.execute_unprepared(&format!("NOTIFY {}", log::CHANNEL))
            .await?;
    }
    txn.commit().await?;
    Ok(report)
}

/// Refuses a database holding any document or event: an import would mix two
/// histories, and ids or sequence numbers could collide.
async fn refuse_unless_empty(txn: &DatabaseTransaction) -> Result<()> {
    let executor = txn.into_database_executor();
    let mut held = Vec::new();
    for kind in KINDS {
        let rows = kind.count(&executor).await?;
        if rows > 0 {
            held.push(format!("{} ({rows} rows)", kind.declaration().plural));
        }
    }
    let events = log::count(txn).await?;
    if events > 0 {
        held.push(format!("{events} events"));
    }
    if held.is_empty() {
        Ok(())
    } else {
        Err(TransferError::NotEmpty(held.join(", ")))
    }
}
