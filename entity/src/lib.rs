//! SeaORM entities: one module per table, and `limits`, the text each column holds.
//!
//! Every editable document table is keyed by `(id, stage)`: the draft and the
//! published copy of a document are two rows sharing one id.

pub mod api_token;
pub mod benefit;
pub mod citation;
pub mod claim_citation;
pub mod condition;
pub mod content_event;
pub mod enums;
pub mod event_checkpoint;
pub mod faq;
pub mod feed_entry;
pub mod limits;
pub mod person;
pub mod practitioner;
pub mod review;
pub mod staff_session;
pub mod therapy;
pub mod therapy_condition;
pub mod therapy_practitioner;
pub mod therapy_section;
pub mod webhook;
pub mod webhook_delivery;

pub use enums::{DeliveryStatus, DocumentType, EventAction, InsuranceCoverage, Role, Stage, Suitability};
