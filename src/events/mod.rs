//! Change events in the clinic's terms, above both the event log (`crate::log`)
//! and the content layer: what reads the log as content (revisions, the audit
//! trail, the trash, the delta-sync feed, what the public may see of an event)
//! and what reacts to it as a consumer (the subscription fan-out, webhooks).
//!
//! They live here rather than in `content` because none of the content layer's
//! writes needs them: content appends to the log and knows nothing of who reads
//! it, the log knows nothing of content, and these know both.

pub mod feed;
pub mod history;
pub mod subscribers;
pub mod visibility;
pub mod webhooks;

pub use subscribers::{BusEvent, Subscribers};
