//! HTTP caching of GraphQL answers, so browsers and a CDN can keep public pages:
//! a successful public query is `Cache-Control: public` with a strong `ETag`, and
//! a matching `If-None-Match` is answered 304 without a body; answers for token
//! holders are `private, no-store`, and anything else (writes, errors) `no-store`.

use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

/// How long shared caches may keep a public answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheSettings {
    /// `max-age`: fresh for this long.
    pub max_age: Duration,
    /// `stale-while-revalidate`: then served stale for this long while refetched.
    pub stale_while_revalidate: Duration,
}

impl Default for CacheSettings {
    fn default() -> Self {
        Self {
            max_age: Duration::from_secs(30),
            stale_while_revalidate: Duration::from_secs(60),
        }
    }
}

/// Who may keep an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cacheability {
    /// A query without a token that ran without errors.
    Public,
    /// An answer for a token holder: never stored by anyone.
    Private,
    /// A write, an error or a refusal.
    NoStore,
}

/// Adds the caching headers to an answer whose body is `body`, or turns it into a
/// 304 when the client already holds it.
pub fn finish(
    request: &HeaderMap,
    cacheability: Cacheability,
    settings: &CacheSettings,
    status: StatusCode,
    content_type: HeaderValue,
    body: Vec<u8>,
) -> Response {
    let mut headers = HeaderMap::new();
    headers.insert(header::CONTENT_TYPE, content_type);
    // The answer depends on the media type asked for and on the token.
    headers.insert(header::VARY, HeaderValue::from_static("Accept, Authorization"));
    let control = match cacheability {
        Cacheability::Public if status == StatusCode::OK => format!(
            "public, max-age={}, stale-while-revalidate={}",
            settings.max_age.as_secs(),
            settings.stale_while_revalidate.as_secs()
        ),
        Cacheability::Private => "private, no-store".to_owned(),
        _ => "no-store".to_owned(),
    };
    let cacheable = control.starts_with("public");
    if let Ok(value) = HeaderValue::from_str(&control) {
        headers.insert(header::CACHE_CONTROL, value);
    }
    if cacheable {
        let tag = etag(&body);
        let matched = request
            .get_all(header::IF_NONE_MATCH)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .any(|candidate| candidate == tag || candidate == "*");
        if let Ok(value) = HeaderValue::from_str(&tag) {
            headers.insert(header::ETAG, value);
        }
        if matched {
            headers.remove(header::CONTENT_TYPE);
            return (StatusCode::NOT_MODIFIED, headers, Body::empty()).into_response();
        }
    }
    (status, headers, body).into_response()
}

/// A strong validator: the same bytes give the same tag, on every instance.
fn etag(body: &[u8]) -> String {
    let digest = Sha256::digest(body);
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("\"{hex}\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tag_is_strong_and_follows_the_bytes() {
        assert_eq!(etag(b"{}"), etag(b"{}"));
        assert_ne!(etag(b"{}"), etag(b"{ }"));
        assert!(etag(b"x").starts_with('"') && !etag(b"x").starts_with("W/"));
    }
}
