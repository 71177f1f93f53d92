//! Integration tests, one binary. Each test gets its own fresh database: a temporary
//! SQLite file, or a uniquely named PostgreSQL database when `TEST_DATABASE_URL` is set.

mod helpers;

mod access;
mod batching;
mod cli;
mod delta_sync;
mod drafts;
mod errors;
mod event_log;
mod history;
mod hostile_input;
mod http;
mod input_limits;
mod lists;
mod schema;
mod seed_content;
mod subscriptions;
mod versions;
mod webhooks;
