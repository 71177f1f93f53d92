//! The `Review` type, what is due for review, and the loader that reads the
//! reviews of a page's subjects at once.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use async_graphql::{Context, Enum, ID, Object, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use entity::{DocumentType, review};
use uuid::Uuid;

use super::{Practitioner, Stage};
use crate::cache::{ChildList, Dependency, ObjectKey};
use crate::content::ContentError;
use crate::content::review::{self as domain, ReviewRules, Status};
use crate::db::Database;
use crate::graphql::context::loaders;
use crate::graphql::error::ApiResult;
use crate::graphql::loader::{ById, Keep, LoadResult, StagedId, by_stage};

/// Where a subject's review stands today.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewStatus {
    /// The next review is further away than the clinic's due window.
    Current,
    /// The next review falls within the due window.
    Due,
    /// The next review date has passed.
    Overdue,
}

impl From<Status> for ReviewStatus {
    fn from(status: Status) -> Self {
        match status {
            Status::Current => Self::Current,
            Status::Due => Self::Due,
            Status::Overdue => Self::Overdue,
        }
    }
}

pub struct Review(pub review::Model);

/// A practitioner's clinical review of a therapy or a condition.
#[Object]
impl Review {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn stage(&self) -> Stage {
        self.0.stage
    }

    /// THERAPY or CONDITION.
    async fn subject_type(&self) -> DocumentType {
        self.0.subject_type
    }

    async fn subject_id(&self) -> ID {
        ID(self.0.subject_id.to_string())
    }

    /// The practitioner who reviewed it (null if they are not at this stage).
    async fn reviewer(&self, ctx: &Context<'_>) -> ApiResult<Option<Practitioner>> {
        reviewer(ctx, &self.0).await
    }

    async fn reviewed_on(&self) -> NaiveDate {
        self.0.reviewed_on
    }

    async fn next_review_due(&self) -> NaiveDate {
        self.0.next_review_due
    }

    /// As of today, by the clinic's due window.
    async fn status(&self, ctx: &Context<'_>) -> ReviewStatus {
        let rules = ctx.data_opt::<ReviewRules>().copied().unwrap_or_default();
        rules.status(self.0.next_review_due, domain::today()).into()
    }

    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }

    async fn version(&self) -> i32 {
        self.0.version
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

pub async fn reviewer(ctx: &Context<'_>, review: &review::Model) -> ApiResult<Option<Practitioner>> {
    let practitioner = loaders(ctx)?
        .of(ById::<entity::practitioner::Entity>::new)
        .load_one(StagedId::new(review.reviewer_id, review.stage))
        .await?;
    Ok(practitioner.map(Practitioner))
}

/// The reviews of subjects (therapies, conditions), newest first.
pub struct ReviewsOfSubjects(Database);

impl Loader<StagedId> for ReviewsOfSubjects {
    type Value = Vec<review::Model>;
    type Error = std::sync::Arc<ContentError>;

    async fn load(&self, keys: &[StagedId]) -> LoadResult<Self::Value> {
        let mut found: HashMap<StagedId, Self::Value> = HashMap::new();
        for (stage, ids) in by_stage(keys) {
            for row in domain::of_subjects(self.0.conn(), stage, &ids).await? {
                found
                    .entry(StagedId::new(row.subject_id, stage))
                    .or_default()
                    .push(row);
            }
        }
        Ok(found)
    }
}

fn reviews_list() -> ChildList {
    ChildList::of(&domain::DECLARATION, DocumentType::Therapy)
}

impl Keep for ReviewsOfSubjects {
    fn object_key(&self, id: Uuid) -> ObjectKey {
        ObjectKey::Children(id, reviews_list())
    }

    fn dependencies(&self, id: Uuid, value: Option<&Self::Value>) -> Vec<Dependency> {
        std::iter::once(Dependency::Children(id, reviews_list()))
            .chain(
                value
                    .into_iter()
                    .flatten()
                    .map(|r| Dependency::Document(DocumentType::Review, r.id)),
            )
            .collect()
    }

    fn absent(&self) -> Option<Self::Value> {
        Some(Vec::new())
    }
}

/// The reviews of the subject `id` at `stage`, newest first.
pub async fn of_subject(ctx: &Context<'_>, id: Uuid, stage: entity::Stage) -> ApiResult<Vec<review::Model>> {
    let loader = loaders(ctx)?.of(|db| ReviewsOfSubjects(db.clone()));
    Ok(loader
        .load_one(StagedId::new(id, stage))
        .await?
        .unwrap_or_default())
}

/// A therapy or condition whose review is due before the date asked about.
#[derive(SimpleObject)]
pub struct ReviewDue {
    /// THERAPY or CONDITION.
    pub subject_type: DocumentType,
    pub subject_id: ID,
    pub name: String,
    /// Its latest review; null if it was never reviewed.
    pub review: Option<Review>,
    /// Null if it was never reviewed (which counts as overdue).
    pub next_review_due: Option<NaiveDate>,
    pub status: ReviewStatus,
}

impl ReviewDue {
    pub fn new(item: domain::DueItem, rules: &ReviewRules, today: NaiveDate) -> Self {
        let next = item.review.as_ref().map(|r| r.next_review_due);
        Self {
            subject_type: item.subject_type,
            subject_id: ID(item.subject_id.to_string()),
            name: item.name,
            status: next.map_or(ReviewStatus::Overdue, |d| rules.status(d, today).into()),
            next_review_due: next,
            review: item.review.map(Review),
        }
    }
}
