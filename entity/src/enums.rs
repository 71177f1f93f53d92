//! Closed vocabularies stored as short strings, identical on SQLite and PostgreSQL,
//! and served as the API's enums under the same names (one definition each).

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// Which copy of a document a row is: the editors' working draft or what the public sees.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    EnumIter,
    DeriveActiveEnum,
    Serialize,
    Deserialize,
    async_graphql::Enum,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Stage {
    #[sea_orm(string_value = "DRAFT")]
    Draft,
    #[sea_orm(string_value = "PUBLISHED")]
    Published,
}

/// How a condition generally responds to a therapy.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    EnumIter,
    DeriveActiveEnum,
    Serialize,
    Deserialize,
    async_graphql::Enum,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Suitability {
    #[sea_orm(string_value = "RESPONDS_WELL")]
    RespondsWell,
    #[sea_orm(string_value = "RESPONDS_POORLY")]
    RespondsPoorly,
}

/// Whether health insurance usually pays for a therapy.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    Hash,
    EnumIter,
    DeriveActiveEnum,
    Serialize,
    Deserialize,
    async_graphql::Enum,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum InsuranceCoverage {
    #[sea_orm(string_value = "COVERED")]
    Covered,
    #[sea_orm(string_value = "PARTIALLY_COVERED")]
    PartiallyCovered,
    #[sea_orm(string_value = "NOT_COVERED")]
    NotCovered,
    #[default]
    #[sea_orm(string_value = "UNKNOWN")]
    Unknown,
}

/// What an API token may do; no token at all means the public.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    EnumIter,
    DeriveActiveEnum,
    Serialize,
    Deserialize,
    async_graphql::Enum,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Role {
    /// Read published content and drafts.
    #[sea_orm(string_value = "PREVIEW")]
    Preview,
    /// Preview, plus every content change and publishing.
    #[sea_orm(string_value = "EDITOR")]
    Editor,
    /// Editor, plus recording clinical reviews of therapies and conditions.
    #[sea_orm(string_value = "REVIEWER")]
    Reviewer,
    /// Editor, plus managing API tokens.
    #[sea_orm(string_value = "ADMIN")]
    Admin,
}

impl std::str::FromStr for Role {
    type Err = String;

    /// A role by its lowercase name, as the command line takes it.
    fn from_str(name: &str) -> Result<Self, Self::Err> {
        use sea_orm::Iterable;
        Self::iter()
            .find(|role| role.to_value().eq_ignore_ascii_case(name))
            .ok_or_else(|| {
                let names: Vec<String> = Self::iter().map(|r| r.to_value().to_lowercase()).collect();
                format!("unknown role {name:?}; one of {}", names.join(", "))
            })
    }
}

/// The kinds of document the event log speaks of.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    EnumIter,
    DeriveActiveEnum,
    Serialize,
    Deserialize,
    async_graphql::Enum,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DocumentType {
    #[sea_orm(string_value = "THERAPY")]
    Therapy,
    #[sea_orm(string_value = "THERAPY_SECTION")]
    TherapySection,
    #[sea_orm(string_value = "BENEFIT")]
    Benefit,
    #[sea_orm(string_value = "FAQ")]
    Faq,
    #[sea_orm(string_value = "CONDITION")]
    Condition,
    #[sea_orm(string_value = "PRACTITIONER")]
    Practitioner,
    #[sea_orm(string_value = "THERAPY_CONDITION")]
    TherapyCondition,
    #[sea_orm(string_value = "THERAPY_PRACTITIONER")]
    TherapyPractitioner,
    #[sea_orm(string_value = "CITATION")]
    Citation,
    #[sea_orm(string_value = "CLAIM_CITATION")]
    ClaimCitation,
    #[sea_orm(string_value = "REVIEW")]
    Review,
}

/// What a change did to a document.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    EnumIter,
    DeriveActiveEnum,
    Serialize,
    Deserialize,
    async_graphql::Enum,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum EventAction {
    #[sea_orm(string_value = "CREATED")]
    Created,
    #[sea_orm(string_value = "UPDATED")]
    Updated,
    #[sea_orm(string_value = "DELETED")]
    Deleted,
    #[sea_orm(string_value = "PUBLISHED")]
    Published,
    #[sea_orm(string_value = "UNPUBLISHED")]
    Unpublished,
    #[sea_orm(string_value = "RESTORED")]
    Restored,
    #[sea_orm(string_value = "REORDERED")]
    Reordered,
    #[sea_orm(string_value = "LINKED")]
    Linked,
    #[sea_orm(string_value = "UNLINKED")]
    Unlinked,
    #[sea_orm(string_value = "PURGED")]
    Purged,
    /// A review's next-review date was reached: the subject is due for review.
    #[sea_orm(string_value = "REVIEW_DUE")]
    ReviewDue,
}

/// Where a webhook delivery stands.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    EnumIter,
    DeriveActiveEnum,
    Serialize,
    Deserialize,
    async_graphql::Enum,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DeliveryStatus {
    /// Not yet delivered; attempted at `nextAttemptAt`.
    #[sea_orm(string_value = "PENDING")]
    Pending,
    /// The receiver answered 2xx.
    #[sea_orm(string_value = "DELIVERED")]
    Delivered,
    /// Every attempt failed; `retryWebhookDelivery` queues it again.
    #[sea_orm(string_value = "FAILED")]
    Failed,
}
