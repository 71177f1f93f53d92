//! A GraphQL content API for clinics. A tour, from the outside in:

/// Tokens, roles and the identity a request acts as.
pub mod auth;
/// Public reads from memory: the response and object caches, kept current by the event log.
pub mod cache;
/// What each CLI command (`serve`, `migrate`, `seed`, `token`, `schema`, `export`, `import`) does.
pub mod commands;
/// Settings from flags and environment variables.
pub mod config;
/// The domain: every read and write of content, with stages and versions.
pub mod content;
/// Connections, migrations and write transactions for SQLite and PostgreSQL.
pub mod db;
/// The event log and everything that reads it.
pub mod events;
/// GraphiQL, served offline from the binary behind a strict Content-Security-Policy.
pub mod graphiql;
/// The GraphQL schema: thin resolvers, objects, inputs, DataLoaders, error codes.
pub mod graphql;
/// Prometheus metrics kept by the request pipeline, the query guard and sockets.
pub mod observe;
/// The default content (the prolotherapy page) and its loader.
pub mod seed;
/// The axum router: GraphQL over HTTP and WebSocket, health and metrics, middleware, shutdown.
pub mod server;
/// Structured logging.
pub mod telemetry;
/// Moving all content and its history between databases: `export` to one JSON
/// file, `import` into an empty database.
pub mod transfer;
