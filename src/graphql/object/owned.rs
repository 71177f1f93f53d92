//! The hand-ordered items a therapy owns: `TherapySection`, `Benefit`, `Faq`.

use async_graphql::{Context, ID, Object};
use chrono::{DateTime, Utc};
use entity::{benefit, faq, therapy_section};

use super::{RichText, Stage, Therapy};
use crate::graphql::context::loaders;
use crate::graphql::error::ApiResult;
use crate::graphql::loader::StagedId;

pub struct TherapySection(pub therapy_section::Model);
pub struct Benefit(pub benefit::Model);
pub struct Faq(pub faq::Model);

async fn owner(
    ctx: &Context<'_>,
    therapy_id: Option<uuid::Uuid>,
    stage: entity::Stage,
) -> ApiResult<Option<Therapy>> {
    let Some(id) = therapy_id else { return Ok(None) };
    Ok(loaders(ctx)?
        .therapy
        .load_one(StagedId::new(id, stage))
        .await?
        .map(Therapy))
}

/// One owned-item type: its shared fields plus its title-like and body fields (with
/// the columns the body's renderings are kept in).
macro_rules! owned_object {
    ($(#[$doc:meta])* $name:ident, $title:ident, $body:ident, $body_html:ident, $body_text:ident, $owner:expr) => {
        $(#[$doc])*
        #[Object]
        impl $name {
            async fn id(&self) -> ID {
                ID(self.0.id.to_string())
            }

            async fn stage(&self) -> Stage {
                self.0.stage.into()
            }

            async fn $title(&self) -> &str {
                &self.0.$title
            }

            async fn $body(&self) -> RichText<'_> {
                let m = &self.0;
                RichText::stored(&m.$body, m.$body_html.as_deref(), m.$body_text.as_deref())
            }

            /// Place in the hand-made order (0 first).
            async fn position(&self) -> i32 {
                self.0.position
            }

            /// The sources this rests on, in order (only published ones on the
            /// published stage).
            async fn citations(&self, ctx: &Context<'_>) -> ApiResult<Vec<super::ClaimCitation>> {
                super::citation::of_claim(ctx, self.0.id, self.0.stage).await
            }

            /// The therapy this belongs to (null for clinic-wide FAQ entries).
            async fn therapy(&self, ctx: &Context<'_>) -> ApiResult<Option<Therapy>> {
                owner(ctx, ($owner)(&self.0), self.0.stage).await
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
    };
}

owned_object!(
    /// A titled section of a therapy's page, such as "Is Prolotherapy right for you?".
    TherapySection, heading, body, body_html, body_text, |m: &therapy_section::Model| Some(m.therapy_id)
);
owned_object!(
    /// A benefit of a therapy.
    Benefit, title, body, body_html, body_text, |m: &benefit::Model| Some(m.therapy_id)
);
owned_object!(
    /// A question and its answer, about one therapy or clinic-wide.
    Faq, question, answer, answer_html, answer_text, |m: &faq::Model| m.therapy_id
);
