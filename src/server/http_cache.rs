//! HTTP caching of GraphQL answers, so browsers and a CDN can keep public pages:
//! a successful public query is `Cache-Control: public` with a strong `ETag`, and
//! a matching `If-None-Match` is answered 304 without a body; answers for token
//! holders are `private, no-store`, and anything else (writes, errors) `no-store`.
//! A public answer names what it was read from in `Surrogate-Key` (space-separated)
//! and `Cache-Tag` (comma-separated), the keys each change's `purgeKeys` lists.

use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::cache::Answer;
use crate::cache::response::strong_etag as etag;

/// How long shared caches may keep a public answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheSettings {
    /// `max-age`: fresh for this long.
    pub max_age: Duration,
    /// `stale-while-revalidate`: then served stale for this long while refetched.
    pub stale_while_revalidate: Duration,
    /// The `Cache-Control` of public answers, made once.
    public_control: HeaderValue,
}

impl CacheSettings {
    pub fn new(max_age: Duration, stale_while_revalidate: Duration) -> Self {
        let control = format!(
            "public, max-age={}, stale-while-revalidate={}",
            max_age.as_secs(),
            stale_while_revalidate.as_secs()
        );
        Self {
            max_age,
            stale_while_revalidate,
            public_control: HeaderValue::from_str(&control).unwrap_or(HeaderValue::from_static("no-store")),
        }
    }
}

impl Default for CacheSettings {
    fn default() -> Self {
        Self::new(Duration::from_secs(30), Duration::from_secs(60))
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
    // The answer depends on the media type asked for, the token and the session.
    headers.insert(
        header::VARY,
        HeaderValue::from_static("Accept, Authorization, X-CSRF-Token"),
    );
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
        let matched = matches_etag(request, &tag);
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

/// A public answer (fresh or from the response cache), with its caching headers,
/// or 304 when the client already holds it.
pub fn public(
    request: &HeaderMap,
    settings: &CacheSettings,
    content_type: HeaderValue,
    answer: &Answer,
) -> Response {
    let mut headers = HeaderMap::with_capacity(7);
    headers.insert(
        header::VARY,
        HeaderValue::from_static("Accept, Authorization, X-CSRF-Token"),
    );
    headers.insert(header::CACHE_CONTROL, settings.public_control.clone());
    headers.insert(header::ETAG, answer.etag.clone());
    if let Some(keys) = &answer.surrogate_keys {
        headers.insert("surrogate-key", keys.clone());
    }
    if let Some(tags) = &answer.cache_tags {
        headers.insert("cache-tag", tags.clone());
    }
    if answer.etag.to_str().is_ok_and(|tag| matches_etag(request, tag)) {
        return (StatusCode::NOT_MODIFIED, headers, Body::empty()).into_response();
    }
    headers.insert(header::CONTENT_TYPE, content_type);
    (StatusCode::OK, headers, answer.body.clone()).into_response()
}

/// Whether `If-None-Match` names `tag` (or `*`).
fn matches_etag(request: &HeaderMap, tag: &str) -> bool {
    request
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .any(|candidate| candidate == tag || candidate == "*")
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
