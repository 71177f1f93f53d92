//! The GraphQL schema: roots merged from one struct per kind of content, over the
//! domain layer in `content`.

pub mod context;
pub mod error;
pub mod input;
pub mod loader;
pub mod mutation;
pub mod object;
pub mod query;
pub mod subscription;

use async_graphql::Schema;

use crate::db::Database;
use crate::events::EventBus;
use crate::events::webhooks::AllowList;

pub type AppSchema = Schema<query::QueryRoot, mutation::MutationRoot, subscription::SubscriptionRoot>;

/// Deepest nesting a query may have; the page query needs 5.
pub const MAX_DEPTH: usize = 16;
/// Largest complexity (fields, roughly) a query may have.
pub const MAX_COMPLEXITY: usize = 5_000;

/// The schema, with the database every resolver reaches through the context, and
/// the webhook destinations allowed despite the rule against internal addresses.
pub fn build_schema(db: Database, bus: EventBus, webhook_allow_list: AllowList) -> AppSchema {
    Schema::build(
        query::QueryRoot::default(),
        mutation::MutationRoot::default(),
        subscription::SubscriptionRoot,
    )
    .data(db)
    .data(bus)
    .data(webhook_allow_list)
    .limit_depth(MAX_DEPTH)
    .limit_complexity(MAX_COMPLEXITY)
    .finish()
}

/// The schema's SDL, as committed in `schema.graphql`.
pub fn sdl() -> String {
    Schema::build(
        query::QueryRoot::default(),
        mutation::MutationRoot::default(),
        subscription::SubscriptionRoot,
    )
    .finish()
    .sdl()
}
