//! The web editor for clinic staff, served at `/editor/` (configurable) from files
//! embedded in the binary: plain ES modules and CSS from `editor/`, no build step,
//! nothing fetched from elsewhere. It uses the public GraphQL API with the
//! signed-in person's session (see `staff`), so it can do nothing another client cannot.

use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use rust_embed::RustEmbed;
use tower_http::compression::CompressionLayer;

use crate::graphiql::plain_host;

/// The editor's files. (In a debug build they are read from `editor/` as they
/// are requested, so a change shows on reload; a release build embeds them.)
#[derive(RustEmbed)]
#[folder = "editor/"]
pub struct EditorFiles;

/// Where the editor is served unless `EDITOR_PATH` says otherwise.
pub const DEFAULT_PATH: &str = "/editor";

/// Scripts and styles only from this server, no inline script or style, no
/// framing, no plugins; the API and its WebSocket on the same host.
const POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
     object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// The editor's routes under `path` (e.g. `/editor`): the path itself, and the
/// server's root, redirect to the folder, whose index is the app; other files by name.
pub fn routes<S: Clone + Send + Sync + 'static>(path: &str) -> Router<S> {
    let folder = format!("{path}/");
    let from_root = folder.clone();
    Router::new()
        .route("/", get(move || async move { Redirect::temporary(&from_root) }))
        .route(path, get(move || async move { Redirect::permanent(&folder) }))
        .route(&format!("{path}/"), get(index))
        .route(&format!("{path}/{{*file}}"), get(file))
        .layer(CompressionLayer::new())
}

async fn index(headers: HeaderMap) -> Response {
    serve("index.html", &headers)
}

async fn file(Path(file): Path<String>, headers: HeaderMap) -> Response {
    serve(&file, &headers)
}

fn serve(name: &str, request: &HeaderMap) -> Response {
    let Some(found) = EditorFiles::get(name) else {
        return (
            StatusCode::NOT_FOUND,
            [(header::X_CONTENT_TYPE_OPTIONS, "nosniff")],
            "no such file in the editor",
        )
            .into_response();
    };
    let hash = found.metadata.sha256_hash();
    let etag = format!(
        "\"{}\"",
        hash[..8].iter().map(|b| format!("{b:02x}")).collect::<String>()
    );
    let content_type = content_type(name);
    let host = request.get(header::HOST).and_then(|v| v.to_str().ok());
    let policy = match plain_host(host) {
        Some(host) => format!("{POLICY}; connect-src 'self' ws://{host} wss://{host}"),
        None => format!("{POLICY}; connect-src 'self'"),
    };
    let mut headers = HeaderMap::new();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    // The files keep their names across releases: the browser keeps them but asks
    // each time whether they changed (a 304 when not).
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if let Ok(value) = HeaderValue::from_str(&etag) {
        headers.insert(header::ETAG, value);
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        HeaderName::from_static("cross-origin-opener-policy"),
        HeaderValue::from_static("same-origin"),
    );
    if let Ok(value) = HeaderValue::from_str(&policy) {
        headers.insert(header::CONTENT_SECURITY_POLICY, value);
    }
    let unchanged = request
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|tags| tags.split(',').any(|tag| tag.trim() == etag));
    if unchanged {
        return (StatusCode::NOT_MODIFIED, headers).into_response();
    }
    (headers, found.data.into_owned()).into_response()
}

fn content_type(name: &str) -> &'static str {
    match name.rsplit_once('.').map(|(_, extension)| extension) {
        Some("html") => "text/html; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        _ => "application/octet-stream",
    }
}
