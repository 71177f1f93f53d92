//! Integration tests, one binary. Each test gets its own fresh database: a temporary
//! SQLite file, or a uniquely named PostgreSQL database when `TEST_DATABASE_URL` is set.

mod browser;
mod helpers;

mod access;
mod batching;
mod citations;
mod cli;
mod delta_sync;
mod drafts;
mod editor;
mod editor_browser;
mod errors;
mod event_log;
mod graphiql;
mod graphql_http;
mod history;
mod hostile_input;
mod http;
mod http_caching;
mod input_limits;
mod limits;
mod lists;
mod log_layer;
mod outage;
mod persisted_queries;
mod read_cache;
mod registry;
mod reviews;
mod rich_text;
mod schema;
mod seed_content;
mod staff;
mod structured_data;
mod subscriptions;
mod transfer;
mod versions;
mod webhooks;
mod websocket;
mod ws_client;
