//! A single pass over a document's text that counts its tokens and how deeply its
//! brackets nest, so oversized documents are refused before the parser sees them.

/// What the text of a document looks like, measured without parsing it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TextShape {
    pub bytes: usize,
    pub tokens: usize,
    pub max_nesting: usize,
}

/// Measures `text` in one pass. Malformed text is measured as well as it can be;
/// the parser reports the error afterwards.
pub fn scan(text: &str) -> TextShape {
    let bytes = text.as_bytes();
    let mut shape = TextShape {
        bytes: bytes.len(),
        ..TextShape::default()
    };
    let mut nesting = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b' ' | b'\t' | b'\n' | b'\r' | b',' => i += 1,
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' && bytes[i] != b'\r' {
                    i += 1;
                }
            }
            b'"' => {
                shape.tokens += 1;
                i = skip_string(bytes, i);
            }
            b'{' | b'(' | b'[' => {
                shape.tokens += 1;
                nesting += 1;
                shape.max_nesting = shape.max_nesting.max(nesting);
                i += 1;
            }
            b'}' | b')' | b']' => {
                shape.tokens += 1;
                nesting = nesting.saturating_sub(1);
                i += 1;
            }
            b'.' if bytes[i..].starts_with(b"...") => {
                shape.tokens += 1;
                i += 3;
            }
            b if b.is_ascii_alphanumeric() || b == b'_' || b == b'-' => {
                // A name or a number (with its sign, fraction and exponent).
                shape.tokens += 1;
                i += 1;
                while i < bytes.len()
                    && (bytes[i].is_ascii_alphanumeric() || matches!(bytes[i], b'_' | b'.' | b'+' | b'-'))
                {
                    if bytes[i] == b'.' && bytes[i..].starts_with(b"...") {
                        break;
                    }
                    i += 1;
                }
            }
            _ => {
                // Other punctuation (`! $ & : = @ |`) or a stray byte.
                shape.tokens += 1;
                i += 1;
            }
        }
    }
    shape
}

/// The index just past the string that starts at `start` (a `"` or `"""`); past
/// the end of `bytes` when the text ends in an escape.
pub fn skip_string(bytes: &[u8], start: usize) -> usize {
    if bytes[start..].starts_with(b"\"\"\"") {
        let mut i = start + 3;
        while i < bytes.len() {
            if bytes[i..].starts_with(b"\\\"\"\"") {
                i += 4;
            } else if bytes[i..].starts_with(b"\"\"\"") {
                return i + 3;
            } else {
                i += 1;
            }
        }
        return i;
    }
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return i + 1,
            b'\n' | b'\r' => return i,
            _ => i += 1,
        }
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_names_punctuation_and_values() {
        let shape = scan(r#"query Q($n: Int = 5) { therapy(slug: "a b, c") { name ...F } }"#);
        // query Q ( $ n : Int = 5 ) { therapy ( slug : "…" ) { name ... F } }
        assert_eq!(shape.tokens, 23);
        assert_eq!(shape.max_nesting, 2);
    }

    #[test]
    fn comments_commas_and_block_strings_are_not_tokens_inside() {
        let shape = scan("# { { {\n{ a, b(x: \"\"\" { \\\"\"\" { \"\"\") }");
        assert_eq!(shape.tokens, 9);
        assert_eq!(shape.max_nesting, 2);
    }

    #[test]
    fn deep_brackets_are_measured_without_recursion() {
        let text = "{".repeat(100_000);
        assert_eq!(scan(&text).max_nesting, 100_000);
    }
}
