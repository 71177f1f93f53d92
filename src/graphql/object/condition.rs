//! The `Condition` type and the `TherapyCondition` link.

use async_graphql::{Context, ID, Object};
use chrono::{DateTime, Utc};
use entity::{condition, therapy_condition};

use super::{RichText, Stage, Suitability, Therapy};
use crate::graphql::context::loaders;
use crate::graphql::error::ApiResult;
use crate::graphql::loader::StagedId;

pub struct Condition(pub condition::Model);
pub struct TherapyCondition(pub therapy_condition::Model);

/// A health condition; shared by every therapy that links to it.
#[Object]
impl Condition {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn stage(&self) -> Stage {
        self.0.stage
    }

    async fn slug(&self) -> &str {
        &self.0.slug
    }

    async fn name(&self) -> &str {
        &self.0.name
    }

    async fn description(&self) -> RichText<'_> {
        let m = &self.0;
        RichText::stored(
            &m.description,
            m.description_html.as_deref(),
            m.description_text.as_deref(),
        )
    }

    /// The part of the body concerned, such as "knee" or "spine".
    async fn body_region(&self) -> Option<&str> {
        self.0.body_region.as_deref()
    }

    /// The therapies linked to this condition, with how it responds to each.
    async fn therapies(
        &self,
        ctx: &Context<'_>,
        suitability: Option<Suitability>,
    ) -> ApiResult<Vec<TherapyCondition>> {
        let key = StagedId::new(self.0.id, self.0.stage);
        let rows = loaders(ctx)?.therapies_of_condition.load_one(key).await?;
        let wanted = suitability;
        Ok(rows
            .unwrap_or_default()
            .into_iter()
            .filter(|link| wanted.is_none_or(|s| link.suitability == s))
            .map(TherapyCondition)
            .collect())
    }

    /// The latest clinical review (null if never reviewed).
    async fn review(&self, ctx: &Context<'_>) -> ApiResult<Option<super::Review>> {
        let reviews = super::review::of_subject(ctx, self.0.id, self.0.stage).await?;
        Ok(reviews.into_iter().next().map(super::Review))
    }

    /// Every clinical review, newest first.
    async fn reviews(&self, ctx: &Context<'_>) -> ApiResult<Vec<super::Review>> {
        let reviews = super::review::of_subject(ctx, self.0.id, self.0.stage).await?;
        Ok(reviews.into_iter().map(super::Review).collect())
    }

    /// When it was last reviewed (null if never).
    async fn last_reviewed(&self, ctx: &Context<'_>) -> ApiResult<Option<chrono::NaiveDate>> {
        let reviews = super::review::of_subject(ctx, self.0.id, self.0.stage).await?;
        Ok(reviews.first().map(|r| r.reviewed_on))
    }

    /// Who last reviewed it (null if never).
    async fn reviewed_by(&self, ctx: &Context<'_>) -> ApiResult<Option<super::Practitioner>> {
        let reviews = super::review::of_subject(ctx, self.0.id, self.0.stage).await?;
        match reviews.first() {
            Some(latest) => super::review::reviewer(ctx, latest).await,
            None => Ok(None),
        }
    }

    async fn version(&self) -> i32 {
        self.0.version
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }

    async fn published_at(&self) -> Option<DateTime<Utc>> {
        self.0.published_at
    }
}

/// How one condition responds to one therapy. Part of the therapy: edited in its
/// draft and published with it.
#[Object]
impl TherapyCondition {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn suitability(&self) -> Suitability {
        self.0.suitability
    }

    /// An optional remark, such as "partial tears only".
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }

    async fn position(&self) -> i32 {
        self.0.position
    }

    async fn condition(&self, ctx: &Context<'_>) -> ApiResult<Option<Condition>> {
        let key = StagedId::new(self.0.condition_id, self.0.stage);
        Ok(loaders(ctx)?.condition.load_one(key).await?.map(Condition))
    }

    async fn therapy(&self, ctx: &Context<'_>) -> ApiResult<Option<Therapy>> {
        let key = StagedId::new(self.0.therapy_id, self.0.stage);
        Ok(loaders(ctx)?.therapy.load_one(key).await?.map(Therapy))
    }

    /// The sources the claim that the condition responds this way rests on, in order.
    async fn citations(&self, ctx: &Context<'_>) -> ApiResult<Vec<super::ClaimCitation>> {
        super::citation::of_claim(ctx, self.0.id, self.0.stage).await
    }

    async fn version(&self) -> i32 {
        self.0.version
    }

    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}
