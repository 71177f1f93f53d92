//! The domain layer's one error type.

use sea_orm::{DbErr, SqlErr};
use uuid::Uuid;

#[derive(Debug, thiserror::Error)]
pub enum ContentError {
    #[error("no {kind} with {key}")]
    NotFound { kind: &'static str, key: String },
    #[error(
        "{kind} {id} was saved by someone else in the meantime: it is at version {current_version}, \
         not {expected_version}; reload it and apply your change again"
    )]
    Conflict {
        kind: &'static str,
        id: Uuid,
        expected_version: i32,
        current_version: i32,
    },
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
    /// The clinic's review rule holds a therapy back: each entry names a claim
    /// (its kind, id and what it says) and why.
    #[error("{}", publishing_blocked(.0))]
    PublishingBlocked(Vec<super::review::Blocker>),
    #[error("database error")]
    Database(#[from] DbErr),
}

pub type Result<T, E = ContentError> = std::result::Result<T, E>;

impl ContentError {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Invalid {
            field: field.into(),
            message: message.into(),
        }
    }

    pub fn not_found(kind: &'static str, id: Uuid) -> Self {
        Self::NotFound {
            kind,
            key: format!("id {id}"),
        }
    }
}

impl From<crate::log::BadCursor> for ContentError {
    fn from(err: crate::log::BadCursor) -> Self {
        Self::invalid(err.field, crate::log::BadCursor::MESSAGE)
    }
}

/// Turns a unique-constraint violation into a user error on `field`; other errors pass through.
pub fn unique_violation_as(err: DbErr, field: &str, message: impl Into<String>) -> ContentError {
    match err.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => ContentError::invalid(field, message),
        _ => ContentError::Database(err),
    }
}

fn publishing_blocked(blockers: &[super::review::Blocker]) -> String {
    let each: Vec<String> = blockers
        .iter()
        .map(|b| format!("\"{}\" {}", b.claim, b.reason))
        .collect();
    format!(
        "this therapy cannot be published until it is reviewed and its health claims cite sources: {}",
        each.join("; ")
    )
}
