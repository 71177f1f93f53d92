//! GraphQL output types: thin wrappers over entity rows. A wrapped row knows its
//! stage, so every nested field is read at the stage of the root field.

mod citation;
mod condition;
mod event;
mod owned;
mod person;
mod practitioner;
mod review;
mod rich_text;
mod therapy;
mod token;
mod webhook;

use async_graphql::connection::{Connection, Edge, EmptyFields};
use async_graphql::{OutputType, SimpleObject};

pub use citation::{Citation, ClaimCitation};
pub use condition::{Condition, TherapyCondition};
pub use event::{ChangeFeed, ChangeKind, ContentChange, ContentEvent};
pub use owned::{Benefit, Faq, TherapySection};
pub use person::{Invitation, Person};
pub use practitioner::Practitioner;
pub use review::{Review, ReviewDue, ReviewStatus};
pub use rich_text::RichText;
pub use therapy::{Therapy, TreatmentFacts};
pub use token::{ApiToken, CreatedToken};
pub use webhook::{CreatedWebhook, Webhook, WebhookDelivery};

use crate::content::listing::Page;

/// The closed vocabularies are defined once, in `entity`, and served as they are.
pub use entity::{DeliveryStatus, DocumentType, EventAction, InsuranceCoverage, Role, Stage, Suitability};

/// Extra fields on every list.
#[derive(SimpleObject, Debug, Clone, Copy)]
pub struct ListInfo {
    /// How many items match the filter, across all pages.
    pub total_count: u64,
}

pub type List<T> = Connection<String, T, ListInfo, EmptyFields>;

/// A page of rows as a Relay connection of wrapped objects.
pub fn list<M, T: OutputType>(page: Page<M>, wrap: impl Fn(M) -> T) -> List<T> {
    let mut connection = Connection::with_additional_fields(
        page.has_previous_page,
        page.has_next_page,
        ListInfo {
            total_count: page.total_count,
        },
    );
    connection.edges.extend(
        page.items
            .into_iter()
            .map(|(cursor, row)| Edge::new(cursor, wrap(row))),
    );
    connection
}
