//! Moving a clinic's content between databases (SQLite to PostgreSQL, say) in
//! one JSON file: every document of every kind in the registry, at both stages,
//! with its id and version, and the whole event log, so history, restore and the
//! delta-sync feed carry on where they were.
//!
//! The file, one row per line so that it diffs and greps well:
//!
//! ```text
//! {"format":"clinic-content-export","formatVersion":1,
//! "snapshotVersions":{"therapies":1,…},
//! "documents":{
//! "therapies":[
//! {…one row, as its snapshot…},
//! …
//! ],
//! …
//! },
//! "events":[
//! {"seq":1,"documentType":"THERAPY",…},
//! …
//! ]}
//! ```
//!
//! Documents are keyed by their kind's plural, in registry order, each row as
//! its snapshot (rich text renderings are left out and made again on import),
//! ordered by id then stage; `snapshotVersions` says which shape the rows are
//! in, so that a file written before a model change still imports. Events are in
//! log order with every column. The same content gives the same bytes on either
//! database. API tokens and webhooks are not content: they stay behind.

mod error;
mod events;
mod export;
mod fields;
mod file;
mod import;

pub use error::TransferError;
pub use export::{ExportReport, export, export_to};
pub use import::{ImportReport, import, import_file};

/// What the file says it is. (The seed's hand-written format, documents by
/// slug and no history, is `clinic-content/1`.)
pub const FORMAT: &str = "clinic-content-export";

/// The version of the file's layout this server writes and reads.
pub const FORMAT_VERSION: u64 = 1;
