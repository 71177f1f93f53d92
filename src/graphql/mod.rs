//! The GraphQL schema: roots merged from one struct per kind of content, over the
//! domain layer in `content`.

pub mod context;
pub mod error;
pub mod input;
pub mod limits;
pub mod loader;
pub mod mutation;
pub mod object;
pub mod query;
pub mod samples;
pub mod session;
pub mod subscription;

use async_graphql::Schema;

use crate::db::Database;
use crate::events::Subscribers;
use crate::events::webhooks::AllowList;
use crate::log::EventBus;
use crate::observe::Metrics;

pub type AppSchema = Schema<query::QueryRoot, mutation::MutationRoot, subscription::SubscriptionRoot>;

/// How the schema is built for serving.
#[derive(Debug, Clone, Default)]
pub struct SchemaSettings {
    pub limits: limits::QueryLimits,
    /// Production mode: no introspection and no field suggestions in errors.
    pub production: bool,
    /// Webhook destinations allowed despite the rule against internal addresses.
    pub webhook_allow_list: AllowList,
    /// Where long documents are parsed, one at a time.
    pub parse_lane: limits::ParseLane,
    /// When reviews fall due, and whether publishing waits for them.
    pub review_rules: crate::content::review::ReviewRules,
    /// Where the web editor is served, for the links in invitations.
    pub editor_path: EditorPath,
}

/// Where the web editor is served (`/editor`), for the links in invitations.
#[derive(Debug, Clone)]
pub struct EditorPath(pub String);

impl Default for EditorPath {
    fn default() -> Self {
        Self(crate::server::editor::DEFAULT_PATH.to_owned())
    }
}

/// The schema, with the database every resolver reaches through the context and
/// the query guard that prices every document before it runs.
pub fn build_schema(
    db: Database,
    bus: EventBus,
    subscribers: Subscribers,
    settings: &SchemaSettings,
    metrics: Metrics,
) -> AppSchema {
    let mut builder = Schema::build(
        query::QueryRoot::default(),
        mutation::MutationRoot::default(),
        subscription::SubscriptionRoot,
    )
    .data(db)
    .data(bus)
    .data(subscribers)
    .data(metrics.clone())
    .data(settings.webhook_allow_list.clone())
    .data(settings.review_rules)
    .data(settings.editor_path.clone())
    .extension(session::SessionCheck);
    let guard = limits::QueryGuard::new(settings.limits.clone(), metrics)
        .with_parse_lane(settings.parse_lane.clone());
    if settings.production {
        builder = builder
            .extension(guard.without_introspection())
            .disable_introspection()
            .disable_suggestions();
    } else {
        builder = builder.extension(guard);
    }
    builder.finish()
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
