//! The GraphQL layer's error: a stable `extensions.code`, a clear message, and
//! never any database text.

use std::sync::Arc;

use async_graphql::ErrorExtensions;

use crate::auth::AuthError;
use crate::content::ContentError;
use crate::people::PeopleError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    BadUserInput {
        field: String,
        message: String,
    },
    NotFound(String),
    Conflict {
        message: String,
        current_version: i32,
    },
    Unauthenticated(String),
    Forbidden(String),
    /// The review rule holds a therapy back; `blockers` names each claim and why.
    ReviewRequired {
        message: String,
        blockers: Vec<serde_json::Value>,
    },
    /// The database cannot be reached: try again shortly (HTTP 503).
    Unavailable,
    Internal,
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn bad_input(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::BadUserInput {
            field: field.into(),
            message: message.into(),
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            Self::BadUserInput { .. } => "BAD_USER_INPUT",
            Self::NotFound(_) => "NOT_FOUND",
            Self::Conflict { .. } => "CONFLICT",
            Self::Unauthenticated(_) => "UNAUTHENTICATED",
            Self::Forbidden(_) => "FORBIDDEN",
            Self::ReviewRequired { .. } => "REVIEW_REQUIRED",
            Self::Unavailable => "SERVICE_UNAVAILABLE",
            Self::Internal => "INTERNAL",
        }
    }

    pub fn message(&self) -> String {
        match self {
            Self::BadUserInput { field, message } => format!("{field}: {message}"),
            Self::NotFound(m) | Self::Unauthenticated(m) | Self::Forbidden(m) => m.clone(),
            Self::Conflict { message, .. } | Self::ReviewRequired { message, .. } => message.clone(),
            Self::Unavailable => "the database cannot be reached just now; try again shortly".to_owned(),
            Self::Internal => "internal error; the server log has the details".to_owned(),
        }
    }

    /// A database failure: unavailable when the database cannot be reached,
    /// internal otherwise. Either way its text goes only to the log.
    pub fn from_db(err: &sea_orm::DbErr) -> Self {
        if crate::db::is_unreachable(err) {
            tracing::warn!(error = %err, "database unreachable");
            Self::Unavailable
        } else {
            tracing::error!(error = %err, "database error");
            Self::Internal
        }
    }

    /// The whole error as a GraphQL response body, for failures before the
    /// executor ran (so, as GraphQL over HTTP asks, without a `data` entry).
    pub fn to_response_body(&self) -> serde_json::Value {
        serde_json::json!({
            "errors": [{ "message": self.message(), "extensions": { "code": self.code() } }]
        })
    }
}

impl From<ApiError> for async_graphql::Error {
    fn from(err: ApiError) -> Self {
        async_graphql::Error::new(err.message()).extend_with(|_, ext| {
            ext.set("code", err.code());
            match &err {
                ApiError::BadUserInput { field, .. } => ext.set("field", field.as_str()),
                ApiError::Conflict { current_version, .. } => ext.set("currentVersion", *current_version),
                ApiError::ReviewRequired { blockers, .. } => {
                    let list = async_graphql::Value::from_json(serde_json::Value::Array(blockers.clone()));
                    ext.set("blockers", list.unwrap_or_default());
                }
                _ => {}
            }
        })
    }
}

impl From<&ContentError> for ApiError {
    fn from(err: &ContentError) -> Self {
        match err {
            ContentError::Invalid { field, message } => Self::bad_input(field.clone(), message.clone()),
            ContentError::NotFound { .. } => Self::NotFound(err.to_string()),
            ContentError::Conflict { current_version, .. } => Self::Conflict {
                message: err.to_string(),
                current_version: *current_version,
            },
            ContentError::PublishingBlocked(blockers) => Self::ReviewRequired {
                message: err.to_string(),
                blockers: blockers
                    .iter()
                    .map(|b| {
                        serde_json::json!({
                            "claimType": sea_orm::ActiveEnum::to_value(&b.claim_type),
                            "claimId": b.claim_id,
                            "claim": b.claim,
                            "reason": b.reason,
                        })
                    })
                    .collect(),
            },
            ContentError::Database(db) => Self::from_db(db),
        }
    }
}

impl From<ContentError> for ApiError {
    fn from(err: ContentError) -> Self {
        Self::from(&err)
    }
}

/// Loader errors are shared between the fields that asked for the same batch.
impl From<Arc<ContentError>> for ApiError {
    fn from(err: Arc<ContentError>) -> Self {
        Self::from(&*err)
    }
}

impl From<AuthError> for ApiError {
    fn from(err: AuthError) -> Self {
        match err {
            AuthError::Malformed | AuthError::Rejected => Self::Unauthenticated(err.to_string()),
            AuthError::NotFound(_) => Self::NotFound(err.to_string()),
            AuthError::InvalidName => Self::bad_input(
                "name",
                format!(
                    "must be 1–{} characters, without NUL",
                    entity::limits::API_TOKEN_NAME.max_chars
                ),
            ),
            AuthError::Database(db) => Self::from_db(&db),
        }
    }
}

impl From<sea_orm::DbErr> for ApiError {
    fn from(err: sea_orm::DbErr) -> Self {
        ContentError::Database(err).into()
    }
}

impl From<PeopleError> for ApiError {
    fn from(err: PeopleError) -> Self {
        match err {
            PeopleError::InvalidEmail(message) => Self::bad_input("email", message),
            PeopleError::InvalidName => Self::bad_input("name", err.to_string()),
            PeopleError::WeakPassword(message) => Self::bad_input("password", message),
            PeopleError::EmailTaken => Self::bad_input("email", err.to_string()),
            PeopleError::NotFound(_) | PeopleError::InviteInvalid => Self::NotFound(err.to_string()),
            PeopleError::WrongCredentials => Self::Unauthenticated(err.to_string()),
            PeopleError::LockingSelfOut | PeopleError::LastAdmin => Self::Forbidden(err.to_string()),
            PeopleError::Disabled => Self::bad_input("id", err.to_string()),
            PeopleError::Hashing => {
                tracing::error!("a password hashing thread failed");
                Self::Internal
            }
            PeopleError::Database(db) => Self::from_db(&db),
        }
    }
}
