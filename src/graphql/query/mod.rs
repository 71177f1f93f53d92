//! The query root, merged from one struct per kind of content.

mod condition;
mod owned;
mod practitioner;
mod therapy;
mod token;

use async_graphql::{ID, MergedObject};
use uuid::Uuid;

use super::context::parse_id;
use super::error::{ApiError, ApiResult};

#[derive(MergedObject, Default)]
pub struct QueryRoot(
    therapy::TherapyQuery,
    condition::ConditionQuery,
    practitioner::PractitionerQuery,
    owned::OwnedItemQuery,
    token::TokenQuery,
);

/// How a single document is looked up: by id or by slug, exactly one of them.
pub enum Lookup {
    Id(Uuid),
    Slug(String),
}

impl Lookup {
    pub fn from_args(id: Option<ID>, slug: Option<String>) -> ApiResult<Self> {
        match (id, slug) {
            (Some(id), None) => Ok(Self::Id(parse_id("id", &id)?)),
            (None, Some(slug)) => Ok(Self::Slug(slug)),
            _ => Err(ApiError::bad_input("id", "give exactly one of id and slug")),
        }
    }
}
