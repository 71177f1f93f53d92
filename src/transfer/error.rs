//! Why an export or an import failed, saying where.

use sea_orm::DbErr;

use crate::content::ContentError;

#[derive(Debug, thiserror::Error)]
pub enum TransferError {
    /// A place in the file (`documents.therapies[3]`, `events[12].action`) is not
    /// what an export holds there.
    #[error("{at}: {message}")]
    Invalid { at: String, message: String },
    #[error("the file is not JSON: {0}")]
    NotJson(#[source] serde_json::Error),
    #[error("the database is not empty (it holds {0}); import only into an empty database")]
    NotEmpty(String),
    #[error("cannot read {path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("cannot write the export: {0}")]
    Write(#[from] std::io::Error),
    /// The command line is the only caller, so the database's own words help.
    #[error("database error: {0}")]
    Database(#[from] DbErr),
    #[error(transparent)]
    Content(ContentError),
}

pub type Result<T, E = TransferError> = std::result::Result<T, E>;

impl TransferError {
    pub fn invalid(at: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Invalid {
            at: at.into(),
            message: message.into(),
        }
    }
}

impl From<ContentError> for TransferError {
    fn from(err: ContentError) -> Self {
        match err {
            ContentError::Invalid { field, message } => Self::Invalid { at: field, message },
            ContentError::Database(err) => Self::Database(err),
            other => Self::Content(other),
        }
    }
}
