//! The domain: every read and write of clinic content, knowing nothing of HTTP or GraphQL.
//!
//! Writes change only drafts and run in one transaction each; `publish` copies a
//! draft to the published stage. Reads take the stage explicitly.

pub mod citation;
pub mod condition;
pub mod document;
pub mod error;
pub mod filter;
pub mod links;
pub mod listing;
pub mod owned;
pub mod practitioner;
pub mod publishing;
pub mod registry;
pub mod restore;
pub mod review;
pub mod rich_text;
pub mod schema_org;
pub mod slugged;
pub mod snapshot;
pub mod therapy;
pub mod validate;
pub mod write;

pub use entity::{InsuranceCoverage, Role, Stage, Suitability};
pub use error::{ContentError, Result};
pub use write::{Actor, Write};

pub use crate::db::now;
