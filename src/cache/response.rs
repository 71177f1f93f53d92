//! The response cache: whole serialized answers to public queries, keyed by the
//! normalized document, the operation name and the variables. A hit skips
//! parsing, validation, execution and serialization.

use std::sync::Arc;

use axum::body::Bytes;
use axum::http::HeaderValue;
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::keys::{Dependency, surrogate_keys};
use super::store::{Budget, Store};
use crate::graphql::limits::skip_string;
use crate::observe::CacheMetrics;

/// The SHA-256 of what makes two requests the same question.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AnswerKey([u8; 32]);

impl AnswerKey {
    pub fn of(request: &async_graphql::Request) -> Self {
        let mut hash = Sha256::new();
        hash.update(normalize(&request.query).as_bytes());
        hash.update([0]);
        hash.update(request.operation_name.as_deref().unwrap_or("").as_bytes());
        hash.update([0]);
        // Variables in a fixed key order, so `{a, b}` and `{b, a}` are one question.
        let variables = canonical(
            request
                .variables
                .clone()
                .into_value()
                .into_json()
                .unwrap_or(Value::Null),
        );
        hash.update(variables.to_string().as_bytes());
        Self(hash.finalize().into())
    }
}

/// A public answer as sent: its bytes, strong validator and surrogate keys, the
/// headers made once so a hit only copies them.
#[derive(Debug)]
pub struct Answer {
    pub body: Bytes,
    pub etag: HeaderValue,
    /// Space-separated (`Surrogate-Key`, Fastly and others); `None` when empty.
    pub surrogate_keys: Option<HeaderValue>,
    /// Comma-separated (`Cache-Tag`, Cloudflare).
    pub cache_tags: Option<HeaderValue>,
    /// The operation's name, for the request metrics.
    pub operation: Option<String>,
}

impl Answer {
    pub fn new(body: Vec<u8>, dependencies: &[Dependency], operation: Option<String>) -> Self {
        // Keys are ids, plurals and `/`: always valid header text.
        let header = |separator| {
            let keys = surrogate_keys(dependencies, separator);
            (!keys.is_empty())
                .then(|| HeaderValue::from_str(&keys).ok())
                .flatten()
        };
        Self {
            etag: HeaderValue::from_str(&strong_etag(&body)).unwrap_or(HeaderValue::from_static("\"\"")),
            body: Bytes::from(body),
            surrogate_keys: header(" "),
            cache_tags: header(","),
            operation,
        }
    }

    fn bytes(&self) -> usize {
        let header = |value: &Option<HeaderValue>| value.as_ref().map_or(0, HeaderValue::len);
        self.body.len() + self.etag.len() + header(&self.surrogate_keys) + header(&self.cache_tags)
    }
}

/// A strong validator: the same bytes give the same tag, on every instance.
pub fn strong_etag(body: &[u8]) -> String {
    let digest = Sha256::digest(body);
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("\"{hex}\"")
}

pub struct ResponseCache(Store<AnswerKey, Arc<Answer>>);

impl ResponseCache {
    pub fn new(budget: Budget, metrics: CacheMetrics) -> Self {
        Self(Store::new(budget, metrics))
    }

    pub fn is_off(&self) -> bool {
        self.0.is_off()
    }

    pub fn epoch(&self) -> u64 {
        self.0.epoch()
    }

    pub fn get(&self, key: &AnswerKey) -> Option<Arc<Answer>> {
        self.0.get(key).map(|(answer, _)| answer)
    }

    /// Keeps an answer computed by a request that began at `epoch`.
    pub fn insert(&self, key: AnswerKey, answer: Arc<Answer>, dependencies: Vec<Dependency>, epoch: u64) {
        let bytes = answer.bytes();
        self.0.insert(key, answer, dependencies.into(), bytes, epoch);
    }

    pub fn purge(&self, dependencies: &[Dependency]) -> usize {
        self.0.purge(dependencies)
    }

    /// Entries and bytes held.
    pub fn size(&self) -> (usize, usize) {
        self.0.size()
    }
}

/// JSON with every object's keys sorted.
fn canonical(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = map.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(entries.into_iter().map(|(k, v)| (k, canonical(v))).collect())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(canonical).collect()),
        other => other,
    }
}

/// The document with comments and insignificant white space and commas removed:
/// one space only where two names or numbers would otherwise run together.
/// Strings are kept as written. Malformed text is normalized as far as it goes
/// (its answer is an error, which is never cached).
pub fn normalize(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out: Vec<u8> = Vec::with_capacity(bytes.len());
    let mut i = 0;
    let mut gap = false;
    while i < bytes.len() {
        match bytes[i] {
            b' ' | b'\t' | b'\n' | b'\r' | b',' => {
                gap = true;
                i += 1;
            }
            0xEF if bytes[i..].starts_with("\u{feff}".as_bytes()) => {
                gap = true;
                i += 3;
            }
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' && bytes[i] != b'\r' {
                    i += 1;
                }
                gap = true;
            }
            b'"' => {
                // The lexer's rule for where a string ends, kept within the text.
                let end = skip_string(bytes, i).min(bytes.len());
                out.extend_from_slice(&bytes[i..end]);
                gap = false;
                i = end;
            }
            byte => {
                let word = byte.is_ascii_alphanumeric() || byte == b'_' || byte == b'-';
                let after_word = out
                    .last()
                    .is_some_and(|last| last.is_ascii_alphanumeric() || *last == b'_');
                if gap && word && after_word {
                    out.push(b' ');
                }
                gap = false;
                // Any other byte is copied as is (a multi-byte character byte by byte).
                out.push(byte);
                i += 1;
            }
        }
    }
    // Only ASCII bytes were dropped, at character boundaries: still UTF-8.
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_and_comments_do_not_change_the_question() {
        let a =
            "query Page($slug: String!) {\n  therapy(slug: $slug) { name, summary { html } } # the page\n}";
        let b = "query Page($slug:String!){therapy(slug:$slug){name summary{html}}}";
        assert_eq!(normalize(a), normalize(b));
        assert_eq!(
            normalize(b),
            "query Page($slug:String!){therapy(slug:$slug){name summary{html}}}"
        );
    }

    #[test]
    fn strings_and_word_boundaries_are_kept() {
        assert_eq!(normalize(r#"{ a(x: "a,  b # c") }"#), r#"{a(x:"a,  b # c")}"#);
        assert_eq!(normalize("{ a b\n c }"), "{a b c}");
        assert_eq!(normalize("query  Q { ... on T { a } }"), "query Q{...on T{a}}");
        assert_ne!(normalize("{ ab }"), normalize("{ a b }"));
        // A text ending inside an escape is normalized as far as it goes.
        assert_eq!(normalize("{ a(x: \"\\"), normalize("{a(x:\"\\"));
    }

    #[test]
    fn the_key_follows_operation_and_variables_not_their_order() {
        let request = |vars: Value, op: Option<&str>| {
            let mut r = async_graphql::Request::new("query A { a } query B { b }")
                .variables(async_graphql::Variables::from_json(vars));
            if let Some(op) = op {
                r = r.operation_name(op);
            }
            AnswerKey::of(&r)
        };
        let json = |s: &str| serde_json::from_str::<Value>(s).unwrap();
        assert_eq!(
            request(json(r#"{"x":1,"y":{"b":2,"a":1}}"#), Some("A")),
            request(json(r#"{"y":{"a":1,"b":2},"x":1}"#), Some("A"))
        );
        assert_ne!(request(json("{}"), Some("A")), request(json("{}"), Some("B")));
        assert_ne!(
            request(json(r#"{"x":1}"#), Some("A")),
            request(json(r#"{"x":2}"#), Some("A"))
        );
    }
}
