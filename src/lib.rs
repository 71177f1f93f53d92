//! A GraphQL content API for clinics, one doc line per module below.
//!
//! Change events are layered: the event log ([`log`]) is at the bottom and knows
//! nothing of content; the content layer ([`content`]) appends every change to it
//! in the change's transaction and knows nothing of who reads it; above both, the
//! consumers — the caches ([`cache`]), the subscription fan-out and webhooks
//! ([`events`]) — take events through one interface ([`log::Consumer`]), each from
//! its checkpoint (in memory for the caches and subscribers, durable for webhooks),
//! and [`events`] also reads the log in content's terms (history, the feed).

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
/// Change events in the clinic's terms: history, the feed, subscriber fan-out, webhooks.
pub mod events;
/// GraphiQL, served offline from the binary behind a strict Content-Security-Policy.
pub mod graphiql;
/// The GraphQL schema: thin resolvers, objects, inputs, DataLoaders, error codes.
pub mod graphql;
/// The event log, below content: append, read, cursors, consumers and their checkpoints.
pub mod log;
/// Prometheus metrics kept by the request pipeline, the query guard and sockets.
pub mod observe;
/// The clinic's staff: invitations, argon2id passwords, sign-in sessions and their throttle.
pub mod people;
/// The default content (the prolotherapy page) and its loader.
pub mod seed;
/// The axum router: GraphQL over HTTP and WebSocket, the editor and sign-in, health and metrics, middleware, shutdown.
pub mod server;
/// Structured logging.
pub mod telemetry;
/// Moving all content and its history between databases: `export` to one JSON
/// file, `import` into an empty database.
pub mod transfer;
