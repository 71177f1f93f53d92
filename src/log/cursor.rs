//! Opaque cursors for positions in the log, tagged with what made them, so that a
//! cursor one list gave out is refused by another.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// A cursor this list did not give out, named by the argument it came in.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {}", Self::MESSAGE)]
pub struct BadCursor {
    pub field: String,
}

impl BadCursor {
    /// What is wrong with it, for whoever reports it on `field`.
    pub const MESSAGE: &str = "is not a cursor returned by this list";

    pub fn on(field: &str) -> Self {
        Self {
            field: field.to_owned(),
        }
    }
}

/// An opaque cursor for a position in the log, tagged with what made it.
pub fn seq_cursor(tag: &str, seq: i64) -> String {
    tagged_cursor(tag, &seq.to_string())
}

/// Reads a cursor made by [`seq_cursor`] with the same tag.
pub fn parse_seq_cursor(tag: &str, field: &str, cursor: &str) -> Result<i64, BadCursor> {
    parse_tagged_cursor(tag, field, cursor)?
        .parse()
        .map_err(|_| BadCursor::on(field))
}

/// An opaque cursor holding `body`, tagged with what made it.
pub fn tagged_cursor(tag: &str, body: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("{tag}:{body}"))
}

/// The body of a cursor made by [`tagged_cursor`] with the same tag.
pub fn parse_tagged_cursor(tag: &str, field: &str, cursor: &str) -> Result<String, BadCursor> {
    URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|text| Some(text.strip_prefix(tag)?.strip_prefix(':')?.to_owned()))
        .ok_or_else(|| BadCursor::on(field))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_is_read_back_only_with_its_own_tag() {
        assert_eq!(parse_seq_cursor("feed", "since", &seq_cursor("feed", 42)), Ok(42));
        assert_eq!(
            parse_seq_cursor("event", "after", &seq_cursor("feed", 42)),
            Err(BadCursor::on("after"))
        );
        assert_eq!(
            parse_tagged_cursor("feed", "since", "not base64!"),
            Err(BadCursor::on("since"))
        );
        assert_eq!(
            parse_tagged_cursor("feed", "since", &tagged_cursor("feed", "1:x")).unwrap(),
            "1:x"
        );
    }
}
