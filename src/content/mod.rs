//! The domain: every read and write of clinic content, knowing nothing of HTTP or GraphQL.
//!
//! Writes change only drafts and run in one transaction each; `publish` copies a
//! draft to the published stage. Reads take the stage explicitly.

pub mod condition;
pub mod document;
pub mod error;
pub mod filter;
pub mod links;
pub mod listing;
pub mod owned;
pub mod practitioner;
pub mod publishing;
pub mod restore;
pub mod rich_text;
pub mod slugged;
pub mod snapshot;
pub mod therapy;
pub mod validate;
pub mod write;

pub use entity::{InsuranceCoverage, Role, Stage, Suitability};
pub use error::{ContentError, Result};
pub use write::{Actor, Write};

/// The kinds of document editors work with, as named in messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DocumentKind {
    Therapy,
    TherapySection,
    Benefit,
    Faq,
    Condition,
    Practitioner,
    TherapyCondition,
    TherapyPractitioner,
}

impl std::fmt::Display for DocumentKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Therapy => "therapy",
            Self::TherapySection => "therapy section",
            Self::Benefit => "benefit",
            Self::Faq => "FAQ entry",
            Self::Condition => "condition",
            Self::Practitioner => "practitioner",
            Self::TherapyCondition => "therapy–condition link",
            Self::TherapyPractitioner => "therapy–practitioner link",
        })
    }
}

/// The current time, truncated to microseconds so that values round-trip
/// identically through SQLite text and PostgreSQL `timestamptz`.
pub fn now() -> chrono::DateTime<chrono::Utc> {
    use chrono::{DurationRound, TimeDelta};
    let now = chrono::Utc::now();
    now.duration_trunc(TimeDelta::microseconds(1)).unwrap_or(now)
}
