//! Arguments of list fields: filters, ordering and page arguments.

use async_graphql::{Enum, ID, InputObject};
use chrono::{DateTime, Utc};

use crate::content::filter::{Filter, SortField};
use crate::content::listing::{Direction, PageRequest};
use crate::graphql::context::parse_id;
use crate::graphql::error::ApiResult;
use crate::graphql::object::Suitability;

/// What to sort a list by. `NAME` sorts by the type's title-like field (name,
/// title, heading or question); `POSITION` is the hand-made order of owned items.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderField {
    Position,
    Name,
    UpdatedAt,
    CreatedAt,
}

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OrderDirection {
    #[default]
    Asc,
    Desc,
}

#[derive(InputObject, Debug, Clone, Copy)]
pub struct OrderBy {
    pub field: OrderField,
    #[graphql(default)]
    pub direction: OrderDirection,
}

impl OrderBy {
    pub fn or(order: Option<OrderBy>, field: OrderField) -> (SortField, Direction) {
        let order = order.unwrap_or(OrderBy {
            field,
            direction: OrderDirection::Asc,
        });
        let field = match order.field {
            OrderField::Position => SortField::Position,
            OrderField::Name => SortField::Name,
            OrderField::UpdatedAt => SortField::UpdatedAt,
            OrderField::CreatedAt => SortField::CreatedAt,
        };
        let direction = match order.direction {
            OrderDirection::Asc => Direction::Ascending,
            OrderDirection::Desc => Direction::Descending,
        };
        (field, direction)
    }
}

pub fn page(
    first: Option<i32>,
    after: Option<String>,
    last: Option<i32>,
    before: Option<String>,
) -> PageRequest {
    PageRequest {
        first,
        after,
        last,
        before,
    }
}

fn optional_id(field: &str, id: Option<&ID>) -> ApiResult<Option<uuid::Uuid>> {
    id.map(|id| parse_id(field, id)).transpose()
}

#[derive(InputObject, Debug, Clone, Default)]
pub struct TherapyFilter {
    pub name_equals: Option<String>,
    /// Case-insensitive.
    pub name_contains: Option<String>,
    pub slug_in: Option<Vec<String>>,
    /// Only therapies linked to this condition.
    pub condition_id: Option<ID>,
    /// Only therapies with a condition link of this suitability.
    pub suitability: Option<Suitability>,
    /// Only therapies this practitioner offers.
    pub practitioner_id: Option<ID>,
    pub updated_since: Option<DateTime<Utc>>,
}

impl TherapyFilter {
    pub fn into_domain(self) -> ApiResult<Filter> {
        Ok(Filter {
            name_equals: self.name_equals,
            name_contains: self.name_contains,
            slug_in: self.slug_in,
            condition_id: optional_id("filter.conditionId", self.condition_id.as_ref())?,
            suitability: self.suitability,
            practitioner_id: optional_id("filter.practitionerId", self.practitioner_id.as_ref())?,
            updated_since: self.updated_since,
            ..Filter::default()
        })
    }
}

#[derive(InputObject, Debug, Clone, Default)]
pub struct ConditionFilter {
    pub name_equals: Option<String>,
    /// Case-insensitive.
    pub name_contains: Option<String>,
    pub slug_in: Option<Vec<String>>,
    pub body_region: Option<String>,
    /// Only conditions linked to this therapy.
    pub therapy_id: Option<ID>,
    /// Only conditions with a therapy link of this suitability.
    pub suitability: Option<Suitability>,
    pub updated_since: Option<DateTime<Utc>>,
}

impl ConditionFilter {
    pub fn into_domain(self) -> ApiResult<Filter> {
        Ok(Filter {
            name_equals: self.name_equals,
            name_contains: self.name_contains,
            slug_in: self.slug_in,
            body_region: self.body_region,
            therapy_id: optional_id("filter.therapyId", self.therapy_id.as_ref())?,
            suitability: self.suitability,
            updated_since: self.updated_since,
            ..Filter::default()
        })
    }
}

#[derive(InputObject, Debug, Clone, Default)]
pub struct PractitionerFilter {
    pub name_equals: Option<String>,
    /// Case-insensitive.
    pub name_contains: Option<String>,
    pub slug_in: Option<Vec<String>>,
    /// Only practitioners who offer this therapy.
    pub therapy_id: Option<ID>,
    pub updated_since: Option<DateTime<Utc>>,
}

impl PractitionerFilter {
    pub fn into_domain(self) -> ApiResult<Filter> {
        Ok(Filter {
            name_equals: self.name_equals,
            name_contains: self.name_contains,
            slug_in: self.slug_in,
            therapy_id: optional_id("filter.therapyId", self.therapy_id.as_ref())?,
            updated_since: self.updated_since,
            ..Filter::default()
        })
    }
}

/// Filters for sections, benefits and FAQ entries; `textEquals`/`textContains`
/// match the heading, title or question.
#[derive(InputObject, Debug, Clone, Default)]
pub struct OwnedItemFilter {
    pub therapy_id: Option<ID>,
    /// FAQ only: true for clinic-wide entries, false for entries about a therapy.
    pub clinic_wide: Option<bool>,
    pub text_equals: Option<String>,
    /// Case-insensitive.
    pub text_contains: Option<String>,
    pub updated_since: Option<DateTime<Utc>>,
}

impl OwnedItemFilter {
    pub fn into_domain(self) -> ApiResult<Filter> {
        Ok(Filter {
            therapy_id: optional_id("filter.therapyId", self.therapy_id.as_ref())?,
            clinic_wide: self.clinic_wide,
            name_equals: self.text_equals,
            name_contains: self.text_contains,
            updated_since: self.updated_since,
            ..Filter::default()
        })
    }
}
