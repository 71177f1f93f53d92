//! What one GraphQL document may cost: every document is priced before it is
//! validated or run, and one over a limit is refused with a code naming the limit.
//!
//! `lexer` counts tokens and nesting on the raw text (so a huge or deeply nested
//! document never reaches the parser), `analysis` walks the parsed document with
//! each fragment's expansion memoised (so a fragment bomb is priced in
//! microseconds), and `extension` plugs both into the schema, which makes the same
//! limits hold over HTTP and over the WebSocket.

mod analysis;
pub mod attacks;
mod extension;
mod lexer;
#[cfg(test)]
mod tests;

use std::time::Duration;

pub use analysis::{Measured, measure};
pub use extension::{
    ExecutionStarted, INTROSPECTION_DISABLED, LONG_DOCUMENT_BYTES, OPERATION_TIMEOUT, PARSE_FAILED,
    ParseLane, QueryGuard, RESPONSE_TOO_LARGE, VALIDATION_FAILED,
};
pub use lexer::{TextShape, scan, skip_string};

/// The limits, with defaults sized for a clinic site: every query in the README
/// and the tests fits well inside them, and GraphiQL's introspection query too.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryLimits {
    /// Longest document, in bytes.
    pub max_query_bytes: usize,
    /// Most lexical tokens (names, punctuation, values) in a document.
    pub max_tokens: usize,
    /// Deepest field nesting, counted through fragments.
    pub max_depth: usize,
    /// Most aliased fields, counted as the document expands.
    pub max_aliases: u64,
    /// Most fields directly under the operation's root.
    pub max_root_fields: u64,
    /// Most directives, counted as the document expands.
    pub max_directives: u64,
    /// Most fragment spreads, counted as the document expands.
    pub max_fragment_spreads: u64,
    /// Highest cost: each field costs 1, and a list multiplies what it selects by
    /// its page size (`first`/`last`) or by `child_list_size`.
    pub max_cost: u64,
    /// The highest cost for a request with a token (editors and previews run
    /// larger queries than a public page needs, such as whole-site snapshots).
    pub max_cost_with_token: u64,
    /// The size assumed for a list without paging arguments (a therapy's FAQ,
    /// a condition's therapies).
    pub child_list_size: u64,
    /// Largest serialized answer, in bytes; a larger one is replaced by an error.
    pub max_response_bytes: usize,
    /// Longest a query or mutation may run (HTTP or WebSocket).
    pub operation_timeout: Duration,
}

impl Default for QueryLimits {
    fn default() -> Self {
        Self {
            max_query_bytes: 32 * 1024,
            max_tokens: 4_000,
            max_depth: 15,
            max_aliases: 50,
            max_root_fields: 20,
            max_directives: 50,
            max_fragment_spreads: 500,
            max_cost: 25_000,
            max_cost_with_token: 250_000,
            child_list_size: 25,
            max_response_bytes: 4 * 1024 * 1024,
            operation_timeout: Duration::from_secs(10),
        }
    }
}

/// How deeply `__Type` lists (`fields`, `interfaces`, …) may nest: GraphiQL's
/// introspection needs one level; more only multiplies the schema by itself.
const MAX_INTROSPECTION_LISTS: u64 = 2;

/// A document over one of the limits: the code names the limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LimitExceeded {
    pub code: &'static str,
    pub what: &'static str,
    pub measured: u64,
    pub limit: u64,
}

impl LimitExceeded {
    fn check(code: &'static str, what: &'static str, measured: u64, limit: u64) -> Result<(), Self> {
        if measured > limit {
            Err(Self {
                code,
                what,
                measured,
                limit,
            })
        } else {
            Ok(())
        }
    }

    pub fn message(&self) -> String {
        format!(
            "the query is refused: its {} is {} and the limit is {}",
            self.what, self.measured, self.limit
        )
    }

    pub fn into_server_error(self) -> async_graphql::ServerError {
        let mut error = async_graphql::ServerError::new(self.message(), None);
        let mut extensions = async_graphql::ErrorExtensionValues::default();
        extensions.set("code", self.code);
        extensions.set("measured", self.measured);
        extensions.set("limit", self.limit);
        error.extensions = Some(extensions);
        error
    }
}

/// Every `extensions.code` a limit refusal can carry; the HTTP layer answers 400 for them.
pub const LIMIT_CODES: &[&str] = &[
    "QUERY_TOO_LONG",
    "QUERY_TOO_MANY_TOKENS",
    "QUERY_TOO_DEEP",
    "QUERY_TOO_MANY_ALIASES",
    "QUERY_TOO_MANY_ROOT_FIELDS",
    "QUERY_TOO_MANY_DIRECTIVES",
    "QUERY_TOO_MANY_FRAGMENTS",
    "QUERY_TOO_COMPLEX",
    "INTROSPECTION_DISABLED",
];

impl QueryLimits {
    /// Checks the raw text, before parsing.
    pub fn check_text(&self, shape: &TextShape) -> Result<(), LimitExceeded> {
        LimitExceeded::check(
            "QUERY_TOO_LONG",
            "length in bytes",
            shape.bytes as u64,
            self.max_query_bytes as u64,
        )?;
        LimitExceeded::check(
            "QUERY_TOO_MANY_TOKENS",
            "number of tokens",
            shape.tokens as u64,
            self.max_tokens as u64,
        )?;
        // Brackets nest at most one level per field plus a few for arguments'
        // values; far deeper text is refused before the parser recurses into it.
        LimitExceeded::check(
            "QUERY_TOO_DEEP",
            "bracket nesting",
            shape.max_nesting as u64,
            (self.max_depth as u64).saturating_mul(2) + 8,
        )
    }

    /// Checks one operation's measurements, after parsing.
    pub fn check_measured(&self, measured: &Measured, with_token: bool) -> Result<(), LimitExceeded> {
        LimitExceeded::check("QUERY_TOO_DEEP", "depth", measured.depth, self.max_depth as u64)?;
        LimitExceeded::check(
            "QUERY_TOO_DEEP",
            "nesting of introspection type lists",
            measured.introspection_lists,
            MAX_INTROSPECTION_LISTS,
        )?;
        LimitExceeded::check(
            "QUERY_TOO_MANY_FRAGMENTS",
            "number of fragment spreads",
            measured.fragment_spreads,
            self.max_fragment_spreads,
        )?;
        // The price before the counts: it is what a refused client most needs to know.
        let max_cost = if with_token {
            self.max_cost_with_token
        } else {
            self.max_cost
        };
        LimitExceeded::check("QUERY_TOO_COMPLEX", "cost", measured.cost, max_cost)?;
        LimitExceeded::check(
            "QUERY_TOO_MANY_ROOT_FIELDS",
            "number of root fields",
            measured.root_fields,
            self.max_root_fields,
        )?;
        LimitExceeded::check(
            "QUERY_TOO_MANY_ALIASES",
            "number of aliases",
            measured.aliases,
            self.max_aliases,
        )?;
        LimitExceeded::check(
            "QUERY_TOO_MANY_DIRECTIVES",
            "number of directives",
            measured.directives,
            self.max_directives,
        )
    }
}
