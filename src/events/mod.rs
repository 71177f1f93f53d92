//! Change events: the append-only log every write lands in, and what reads it —
//! fan-out to subscribers (in-process, and across instances through PostgreSQL
//! `LISTEN/NOTIFY`), history, audit, the delta-sync feed and webhooks.

pub mod bus;
pub mod feed;
pub mod history;
pub mod log;
pub mod visibility;
pub mod webhooks;

pub use bus::EventBus;
