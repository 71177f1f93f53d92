//! A GraphQL content API for clinics. A tour, from the outside in:

/// What each CLI command (`serve`, `migrate`, `seed`, `token`, `schema`) does.
pub mod commands;
/// Settings from flags and environment variables.
pub mod config;
/// Structured logging.
pub mod telemetry;
/// The axum router: `/graphql`, `/healthz`, authentication, middleware, shutdown.
pub mod server;
/// The GraphQL schema: thin resolvers, objects, inputs, DataLoaders, error codes.
pub mod graphql;
/// Tokens, roles and the identity a request acts as.
pub mod auth;
/// The domain: every read and write of content, with stages and versions.
pub mod content;
/// Connections, migrations and write transactions for SQLite and PostgreSQL.
pub mod db;
/// The default content (the prolotherapy page) and its loader.
pub mod seed;
