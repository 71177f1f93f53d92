//! The `Therapy` type: the root of a clinic page.

use async_graphql::{Context, ID, Object};
use chrono::{DateTime, Utc};
use entity::therapy::Model;

pub use crate::content::therapy::TreatmentFacts;

use super::{Benefit, Faq, Practitioner, RichText, Stage, Suitability, TherapyCondition, TherapySection};
use crate::graphql::context::loaders;
use crate::graphql::error::ApiResult;
use crate::graphql::loader::StagedId;

pub struct Therapy(pub Model);

impl Therapy {
    fn key(&self) -> StagedId {
        StagedId::new(self.0.id, self.0.stage)
    }
}

/// A therapy the clinic offers, with everything its page shows.
#[Object]
impl Therapy {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// Which copy this is; every field below is read at the same stage.
    async fn stage(&self) -> Stage {
        self.0.stage
    }

    async fn slug(&self) -> &str {
        &self.0.slug
    }

    async fn name(&self) -> &str {
        &self.0.name
    }

    async fn summary(&self) -> RichText<'_> {
        let m = &self.0;
        RichText::stored(&m.summary, m.summary_html.as_deref(), m.summary_text.as_deref())
    }

    async fn facts(&self) -> TreatmentFacts {
        TreatmentFacts::of(&self.0)
    }

    /// The page's sections, in order.
    async fn sections(&self, ctx: &Context<'_>) -> ApiResult<Vec<TherapySection>> {
        let rows = loaders(ctx)?.sections.load_one(self.key()).await?;
        Ok(rows.unwrap_or_default().into_iter().map(TherapySection).collect())
    }

    /// The therapy's benefits, in order.
    async fn benefits(&self, ctx: &Context<'_>) -> ApiResult<Vec<Benefit>> {
        let rows = loaders(ctx)?.benefits.load_one(self.key()).await?;
        Ok(rows.unwrap_or_default().into_iter().map(Benefit).collect())
    }

    /// Questions and answers about this therapy, in order.
    async fn faqs(&self, ctx: &Context<'_>) -> ApiResult<Vec<Faq>> {
        let rows = loaders(ctx)?.faqs.load_one(self.key()).await?;
        Ok(rows.unwrap_or_default().into_iter().map(Faq).collect())
    }

    /// Conditions and how they respond, in order; optionally only one suitability.
    async fn conditions(
        &self,
        ctx: &Context<'_>,
        suitability: Option<Suitability>,
    ) -> ApiResult<Vec<TherapyCondition>> {
        let rows = loaders(ctx)?.conditions_of_therapy.load_one(self.key()).await?;
        let wanted = suitability;
        Ok(rows
            .unwrap_or_default()
            .into_iter()
            .filter(|link| wanted.is_none_or(|s| link.suitability == s))
            .map(TherapyCondition)
            .collect())
    }

    /// The practitioners who offer this therapy, in order.
    async fn practitioners(&self, ctx: &Context<'_>) -> ApiResult<Vec<Practitioner>> {
        let rows = loaders(ctx)?
            .practitioners_of_therapy
            .load_one(self.key())
            .await?;
        Ok(rows.unwrap_or_default().into_iter().map(Practitioner).collect())
    }

    /// The sources this claim rests on, in order (only published ones on the
    /// published stage).
    async fn citations(&self, ctx: &Context<'_>) -> ApiResult<Vec<super::ClaimCitation>> {
        super::citation::of_claim(ctx, self.0.id, self.0.stage).await
    }

    /// The page as schema.org structured data (JSON-LD): a `MedicalWebPage` about
    /// a `MedicalTherapy`, with `reviewedBy`, `lastReviewed`, the conditions it
    /// mentions and each source its claims cite. Put it in the page as
    /// `<script type="application/ld+json">` for search engines.
    async fn structured_data(&self, ctx: &Context<'_>) -> ApiResult<async_graphql::Json<serde_json::Value>> {
        use crate::cache::{ChildList, Dependency};
        use crate::content::{citation, schema_org};
        use entity::DocumentType;
        let loaders = loaders(ctx)?;
        let stage = self.0.stage;
        let sources =
            schema_org::sources_of_therapy(crate::graphql::context::database(ctx)?.conn(), self.0.id, stage)
                .await?;
        loaders.note(
            stage,
            [
                Dependency::Children(
                    self.0.id,
                    ChildList::of(&citation::CLAIM_DECLARATION, DocumentType::Therapy),
                ),
                Dependency::Kind(DocumentType::Citation),
            ],
        );
        let latest = super::review::of_subject(ctx, self.0.id, stage)
            .await?
            .into_iter()
            .next();
        let reviewer = match &latest {
            Some(r) => super::review::reviewer(ctx, r).await?.map(|p| p.0),
            None => None,
        };
        let links = loaders
            .conditions_of_therapy
            .load_one(self.key())
            .await?
            .unwrap_or_default();
        // Asked for together, so the loader reads them in one batch.
        let found = futures_util::future::try_join_all(links.iter().map(|link| {
            loaders
                .condition
                .load_one(StagedId::new(link.condition_id, stage))
        }))
        .await?;
        let conditions: Vec<_> = found
            .into_iter()
            .zip(&links)
            .filter_map(|(condition, link)| Some((condition?, link.suitability)))
            .collect();
        let page = schema_org::TherapyPage {
            therapy: &self.0,
            review: latest.as_ref().map(|r| (r, reviewer.as_ref())),
            conditions: conditions.iter().map(|(c, s)| (c, *s)).collect(),
            citations: sources.iter().collect(),
        };
        Ok(async_graphql::Json(schema_org::medical_web_page(&page)))
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

    /// Bumped by every saved change to the draft; pass it back as `expectedVersion`.
    async fn version(&self) -> i32 {
        self.0.version
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }

    /// When this therapy was last published; null if never.
    async fn published_at(&self) -> Option<DateTime<Utc>> {
        self.0.published_at
    }
}
