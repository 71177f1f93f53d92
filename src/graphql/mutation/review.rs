//! Recording clinical reviews (reviewer tokens and above).

use async_graphql::{Context, ID, InputObject, Object};
use chrono::NaiveDate;
use entity::DocumentType;

use crate::auth::Role;
use crate::content::publishing;
use crate::content::review::{self, NewReview};
use crate::graphql::context::{RoleGuard, parse_id, write_as};
use crate::graphql::error::ApiResult;
use crate::graphql::object::Review;

/// A review of a therapy or a condition.
#[derive(InputObject)]
pub struct RecordReviewInput {
    /// THERAPY or CONDITION.
    pub subject_type: DocumentType,
    pub subject_id: ID,
    /// The practitioner who reviewed it.
    pub reviewer_id: ID,
    /// Not in the future.
    pub reviewed_on: NaiveDate,
    /// After `reviewedOn`; a year after it when left out.
    pub next_review_due: Option<NaiveDate>,
    pub note: Option<String>,
}

#[derive(Default)]
pub struct ReviewMutation;

#[Object(guard = "RoleGuard(Role::Reviewer)")]
impl ReviewMutation {
    /// Records a review. It goes public with its subject; with `publish`, at once
    /// (for a subject that is published already).
    async fn record_review(
        &self,
        ctx: &Context<'_>,
        input: RecordReviewInput,
        #[graphql(default)] publish: bool,
    ) -> ApiResult<Review> {
        let new = NewReview {
            subject_type: input.subject_type,
            subject_id: parse_id("subjectId", &input.subject_id)?,
            reviewer_id: parse_id("reviewerId", &input.reviewer_id)?,
            reviewed_on: input.reviewed_on,
            next_review_due: input.next_review_due,
            note: input.note,
        };
        write_as(ctx, Role::Reviewer, move |txn| {
            Box::pin(async move {
                let recorded = review::record(txn, new).await?;
                if publish {
                    publishing::publish::<entity::review::Entity>(txn, recorded.id, None).await
                } else {
                    Ok(recorded)
                }
            })
        })
        .await
        .map(Review)
    }
}
