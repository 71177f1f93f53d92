//! GraphQL input types, each turned into the domain's own input.

mod content;
mod list;

pub use content::*;
pub use list::*;
