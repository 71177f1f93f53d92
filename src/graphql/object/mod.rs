//! GraphQL output types: thin wrappers over entity rows. A wrapped row knows its
//! stage, so every nested field is read at the stage of the root field.

mod condition;
mod event;
mod owned;
mod practitioner;
mod rich_text;
mod therapy;
mod token;
mod webhook;

use async_graphql::connection::{Connection, Edge, EmptyFields};
use async_graphql::{Enum, OutputType, SimpleObject};

pub use condition::{Condition, TherapyCondition};
pub use event::{ChangeFeed, ChangeKind, ContentChange, ContentEvent};
pub use owned::{Benefit, Faq, TherapySection};
pub use practitioner::Practitioner;
pub use rich_text::RichText;
pub use therapy::{Therapy, TreatmentFacts};
pub use token::{ApiToken, CreatedToken};
pub use webhook::{CreatedWebhook, DeliveryStatus, Webhook, WebhookDelivery};

use crate::content::listing::Page;

/// Which copy of the content to read: what the public sees, or the editors' drafts.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::Stage")]
pub enum Stage {
    Draft,
    Published,
}

/// How a condition generally responds to a therapy.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::Suitability")]
pub enum Suitability {
    RespondsWell,
    RespondsPoorly,
}

/// Whether health insurance usually pays for a therapy.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq, Default)]
#[graphql(remote = "entity::InsuranceCoverage")]
pub enum InsuranceCoverage {
    Covered,
    PartiallyCovered,
    NotCovered,
    #[default]
    Unknown,
}

/// The kinds of document, as change events name them.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::DocumentType")]
pub enum DocumentType {
    Therapy,
    TherapySection,
    Benefit,
    Faq,
    Condition,
    Practitioner,
    TherapyCondition,
    TherapyPractitioner,
}

/// What a change did to a document.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::EventAction")]
pub enum EventAction {
    Created,
    Updated,
    Deleted,
    Published,
    Unpublished,
    Restored,
    Reordered,
    Linked,
    Unlinked,
    Purged,
}

/// What an API token may do.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "entity::Role")]
pub enum Role {
    /// Read published content and drafts.
    Preview,
    /// Preview, plus every content change and publishing.
    Editor,
    /// Editor, plus managing API tokens.
    Admin,
}

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
