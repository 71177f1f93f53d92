//! The `Practitioner` type.

use async_graphql::{Context, ID, Object};
use chrono::{DateTime, Utc};
use entity::practitioner::Model;

use super::{RichText, Stage, Therapy};
use crate::graphql::context::loaders;
use crate::graphql::error::ApiResult;
use crate::graphql::loader::StagedId;

pub struct Practitioner(pub Model);

/// A practitioner of the clinic.
#[Object]
impl Practitioner {
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

    /// Professional title, such as "Naturopathic Doctor".
    async fn title(&self) -> &str {
        &self.0.title
    }

    async fn bio(&self) -> RichText<'_> {
        let m = &self.0;
        RichText::stored(&m.bio, m.bio_html.as_deref(), m.bio_text.as_deref())
    }

    /// Named techniques the practitioner is known for.
    async fn techniques(&self) -> &[String] {
        &self.0.techniques.0
    }

    /// The therapies this practitioner offers.
    async fn therapies(&self, ctx: &Context<'_>) -> ApiResult<Vec<Therapy>> {
        let key = StagedId::new(self.0.id, self.0.stage);
        let rows = loaders(ctx)?.therapies_of_practitioner.load_one(key).await?;
        Ok(rows.unwrap_or_default().into_iter().map(Therapy).collect())
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
