//! Inputs of content mutations. Optional fields left out are not changed;
//! nullable fields set to null are cleared.

use async_graphql::{ID, InputObject, MaybeUndefined};

use crate::content::condition::{ConditionChanges, NewCondition};
use crate::content::links::{ConditionLinkChanges, NewConditionLink};
use crate::content::owned::{ItemChanges, NewItem};
use crate::content::practitioner::{NewPractitioner, PractitionerChanges};
use crate::content::therapy::{NewTherapy, TherapyChanges, TreatmentFacts};
use crate::graphql::context::parse_id;
use crate::graphql::error::ApiResult;
use crate::graphql::object::Suitability;

fn maybe<T>(value: MaybeUndefined<T>) -> Option<Option<T>> {
    match value {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(v) => Some(Some(v)),
    }
}

#[derive(InputObject, Debug, Clone)]
pub struct CreateTherapyInput {
    /// Lowercase letters, digits and hyphens; unique among therapies.
    pub slug: String,
    pub name: String,
    /// Markdown.
    #[graphql(default)]
    pub summary: String,
    pub facts: Option<TreatmentFacts>,
}

impl From<CreateTherapyInput> for NewTherapy {
    fn from(i: CreateTherapyInput) -> Self {
        Self {
            slug: i.slug,
            name: i.name,
            summary: i.summary,
            facts: i.facts.unwrap_or_default(),
        }
    }
}

#[derive(InputObject, Debug, Clone, Default)]
pub struct UpdateTherapyInput {
    pub slug: Option<String>,
    pub name: Option<String>,
    pub summary: Option<String>,
    /// Replaces all treatment facts at once.
    pub facts: Option<TreatmentFacts>,
}

impl From<UpdateTherapyInput> for TherapyChanges {
    fn from(i: UpdateTherapyInput) -> Self {
        Self {
            slug: i.slug,
            name: i.name,
            summary: i.summary,
            facts: i.facts,
        }
    }
}

#[derive(InputObject, Debug, Clone)]
pub struct CreateConditionInput {
    pub slug: String,
    pub name: String,
    #[graphql(default)]
    pub description: String,
    pub body_region: Option<String>,
}

impl From<CreateConditionInput> for NewCondition {
    fn from(i: CreateConditionInput) -> Self {
        Self {
            slug: i.slug,
            name: i.name,
            description: i.description,
            body_region: i.body_region,
        }
    }
}

#[derive(InputObject, Debug, Clone, Default)]
pub struct UpdateConditionInput {
    pub slug: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub body_region: MaybeUndefined<String>,
}

impl From<UpdateConditionInput> for ConditionChanges {
    fn from(i: UpdateConditionInput) -> Self {
        Self {
            slug: i.slug,
            name: i.name,
            description: i.description,
            body_region: maybe(i.body_region),
        }
    }
}

#[derive(InputObject, Debug, Clone)]
pub struct CreatePractitionerInput {
    pub slug: String,
    pub name: String,
    #[graphql(default)]
    pub title: String,
    #[graphql(default)]
    pub bio: String,
    #[graphql(default)]
    pub techniques: Vec<String>,
}

impl From<CreatePractitionerInput> for NewPractitioner {
    fn from(i: CreatePractitionerInput) -> Self {
        Self {
            slug: i.slug,
            name: i.name,
            title: i.title,
            bio: i.bio,
            techniques: i.techniques,
        }
    }
}

#[derive(InputObject, Debug, Clone, Default)]
pub struct UpdatePractitionerInput {
    pub slug: Option<String>,
    pub name: Option<String>,
    pub title: Option<String>,
    pub bio: Option<String>,
    /// Replaces the whole list.
    pub techniques: Option<Vec<String>>,
}

impl From<UpdatePractitionerInput> for PractitionerChanges {
    fn from(i: UpdatePractitionerInput) -> Self {
        Self {
            slug: i.slug,
            name: i.name,
            title: i.title,
            bio: i.bio,
            techniques: i.techniques,
        }
    }
}

#[derive(InputObject, Debug, Clone)]
pub struct CreateTherapySectionInput {
    pub therapy_id: ID,
    pub heading: String,
    /// Markdown.
    pub body: String,
    /// Place in the list; the end when left out.
    pub position: Option<i32>,
}

#[derive(InputObject, Debug, Clone, Default)]
pub struct UpdateTherapySectionInput {
    pub heading: Option<String>,
    pub body: Option<String>,
}

#[derive(InputObject, Debug, Clone)]
pub struct CreateBenefitInput {
    pub therapy_id: ID,
    pub title: String,
    /// Markdown.
    pub body: String,
    pub position: Option<i32>,
}

#[derive(InputObject, Debug, Clone, Default)]
pub struct UpdateBenefitInput {
    pub title: Option<String>,
    pub body: Option<String>,
}

#[derive(InputObject, Debug, Clone)]
pub struct CreateFaqInput {
    /// Null for a clinic-wide entry.
    pub therapy_id: Option<ID>,
    pub question: String,
    /// Markdown.
    pub answer: String,
    pub position: Option<i32>,
}

#[derive(InputObject, Debug, Clone, Default)]
pub struct UpdateFaqInput {
    pub question: Option<String>,
    pub answer: Option<String>,
}

impl CreateTherapySectionInput {
    pub fn into_domain(self) -> ApiResult<NewItem> {
        let therapy_id = Some(parse_id("therapyId", &self.therapy_id)?);
        Ok(NewItem {
            therapy_id,
            title: self.heading,
            body: self.body,
            position: self.position,
        })
    }
}

impl CreateBenefitInput {
    pub fn into_domain(self) -> ApiResult<NewItem> {
        let therapy_id = Some(parse_id("therapyId", &self.therapy_id)?);
        Ok(NewItem {
            therapy_id,
            title: self.title,
            body: self.body,
            position: self.position,
        })
    }
}

impl CreateFaqInput {
    pub fn into_domain(self) -> ApiResult<NewItem> {
        let therapy_id = self
            .therapy_id
            .as_ref()
            .map(|id| parse_id("therapyId", id))
            .transpose()?;
        Ok(NewItem {
            therapy_id,
            title: self.question,
            body: self.answer,
            position: self.position,
        })
    }
}

impl From<UpdateTherapySectionInput> for ItemChanges {
    fn from(i: UpdateTherapySectionInput) -> Self {
        Self {
            title: i.heading,
            body: i.body,
        }
    }
}

impl From<UpdateBenefitInput> for ItemChanges {
    fn from(i: UpdateBenefitInput) -> Self {
        Self {
            title: i.title,
            body: i.body,
        }
    }
}

impl From<UpdateFaqInput> for ItemChanges {
    fn from(i: UpdateFaqInput) -> Self {
        Self {
            title: i.question,
            body: i.answer,
        }
    }
}

#[derive(InputObject, Debug, Clone)]
pub struct LinkConditionInput {
    pub therapy_id: ID,
    pub condition_id: ID,
    pub suitability: Suitability,
    pub note: Option<String>,
    pub position: Option<i32>,
}

impl LinkConditionInput {
    pub fn into_domain(self) -> ApiResult<NewConditionLink> {
        Ok(NewConditionLink {
            therapy_id: parse_id("therapyId", &self.therapy_id)?,
            condition_id: parse_id("conditionId", &self.condition_id)?,
            suitability: self.suitability,
            note: self.note,
            position: self.position,
        })
    }
}

#[derive(InputObject, Debug, Clone, Default)]
pub struct UpdateTherapyConditionInput {
    pub suitability: Option<Suitability>,
    pub note: MaybeUndefined<String>,
}

impl From<UpdateTherapyConditionInput> for ConditionLinkChanges {
    fn from(i: UpdateTherapyConditionInput) -> Self {
        Self {
            suitability: i.suitability,
            note: maybe(i.note),
        }
    }
}
