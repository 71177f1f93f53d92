//! The mutation root, merged from one struct per kind of content. Every content
//! mutation needs an editor token and runs in one transaction.

mod citation;
mod condition;
mod history;
mod links;
mod owned;
mod people;
mod practitioner;
mod review;
mod therapy;
mod token;
mod webhook;

use async_graphql::MergedObject;

#[derive(MergedObject, Default)]
pub struct MutationRoot(
    therapy::TherapyMutation,
    condition::ConditionMutation,
    practitioner::PractitionerMutation,
    owned::OwnedItemMutation,
    links::LinkMutation,
    token::TokenMutation,
    webhook::WebhookMutation,
    history::HistoryMutation,
    citation::CitationMutation,
    review::ReviewMutation,
    people::PeopleMutation,
);
