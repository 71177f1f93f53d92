//! GraphiQL served from the binary: the page at `GET /graphql` and its pinned,
//! vendored scripts and styles under `/graphiql/`, behind a strict Content-Security-Policy.
//!
//! Nothing is loaded from elsewhere, so GraphiQL works on an intranet with no
//! internet, and no CDN can run script on the page where admins paste tokens. The
//! vendored files, their versions and licences are listed in `assets/graphiql/README.md`.

use std::sync::LazyLock;

use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use sha2::{Digest, Sha256};
use tower_http::compression::CompressionLayer;

/// The pinned versions, which name the served files. The `include_bytes!` paths
/// below spell them again (a macro cannot take a constant): update both together.
pub const GRAPHIQL_VERSION: &str = "4.1.2";
pub const REACT_VERSION: &str = "18.3.1";

/// The folder the assets are served from. The page links them relative to its own
/// URL (`/graphql` → `/graphiql/…`), so a path prefix added by a proxy still works.
const FOLDER: &str = "graphiql";

const JAVASCRIPT: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";
const HTML: &str = "text/html; charset=utf-8";

/// Every asset's name changes with its content (a version or a hash), so a
/// browser may keep it for a year and never ask again.
const CACHE_FOREVER: &str = "public, max-age=31536000, immutable";

/// The policy for the page, less `connect-src`, which depends on the `Host`.
/// GraphiQL needs neither `'unsafe-eval'` nor inline script, nor inline styles in
/// general: React and CodeMirror set styles through the DOM (`element.style`), which
/// CSP does not govern. Two exceptions, each allowed exactly:
/// - its CSS inlines its fonts and two icons as `data:` URIs, hence `data:` for
///   fonts and images, which cannot run script;
/// - its dialogs (settings, shortcuts) add one `<style>` to stop the page behind
///   them from scrolling (react-remove-scroll-bar). Its text depends only on the
///   body's margins and scrollbar, which `page.css` keeps at zero, so the hash
///   allows that one text and no other style. If a new GraphiQL changes it, the
///   browser test fails on the console error, which names the new hash.
macro_rules! policy {
    () => {
        "default-src 'self'; script-src 'self'; \
         style-src 'self' 'sha256-nzTgYzXYDNe6BAHiiI7NNlfK8n/auuOAhh2t92YvuXo='; \
         img-src 'self' data:; font-src 'self' data:; object-src 'none'; base-uri 'none'; \
         form-action 'none'; frame-ancestors 'none'"
    };
}

/// The policy for requests whose `Host` is unusable: ws(s):// only as `'self'`.
const POLICY_WITHOUT_WEBSOCKETS: &str = concat!(policy!(), "; connect-src 'self'");

/// One file served under `/graphiql/`.
struct Asset {
    name: String,
    body: &'static [u8],
    content_type: &'static str,
}

/// The assets and the page that links them, built once.
struct Graphiql {
    assets: Vec<Asset>,
    page: String,
}

static GRAPHIQL: LazyLock<Graphiql> = LazyLock::new(|| {
    let react = vendored(
        format!("react-{REACT_VERSION}.production.min.js"),
        include_bytes!("../../assets/graphiql/react-18.3.1.production.min.js"),
        JAVASCRIPT,
    );
    let react_dom = vendored(
        format!("react-dom-{REACT_VERSION}.production.min.js"),
        include_bytes!("../../assets/graphiql/react-dom-18.3.1.production.min.js"),
        JAVASCRIPT,
    );
    let graphiql_js = vendored(
        format!("graphiql-{GRAPHIQL_VERSION}.min.js"),
        include_bytes!("../../assets/graphiql/graphiql-4.1.2.min.js"),
        JAVASCRIPT,
    );
    let graphiql_css = vendored(
        format!("graphiql-{GRAPHIQL_VERSION}.min.css"),
        include_bytes!("../../assets/graphiql/graphiql-4.1.2.min.css"),
        CSS,
    );
    let page_css = own("page", "css", include_bytes!("page.css"), CSS);
    let start_js = own("start", "js", include_bytes!("start.js"), JAVASCRIPT);

    let href = |asset: &Asset| format!("{FOLDER}/{}", asset.name);
    let page = include_str!("page.html")
        .replace("{graphiql_css}", &href(&graphiql_css))
        .replace("{page_css}", &href(&page_css))
        .replace("{react_js}", &href(&react))
        .replace("{react_dom_js}", &href(&react_dom))
        .replace("{graphiql_js}", &href(&graphiql_js))
        .replace("{start_js}", &href(&start_js));
    Graphiql {
        assets: vec![react, react_dom, graphiql_js, graphiql_css, page_css, start_js],
        page,
    }
});

/// A vendored file: its name carries the package's version.
fn vendored(name: String, body: &'static [u8], content_type: &'static str) -> Asset {
    Asset {
        name,
        body,
        content_type,
    }
}

/// One of our own files: its name carries a hash of its content, as it has no version.
fn own(stem: &str, extension: &str, body: &'static [u8], content_type: &'static str) -> Asset {
    let digest = Sha256::digest(body);
    let hash: String = digest[..6].iter().map(|byte| format!("{byte:02x}")).collect();
    Asset {
        name: format!("{stem}.{hash}.{extension}"),
        body,
        content_type,
    }
}

/// The asset routes, `/graphiql/{file}`, gzipped for clients that accept it.
pub fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route(&format!("/{FOLDER}/{{file}}"), get(asset))
        .layer(CompressionLayer::new())
}

async fn asset(Path(file): Path<String>) -> Response {
    let Some(asset) = GRAPHIQL.assets.iter().find(|asset| asset.name == file) else {
        return (
            StatusCode::NOT_FOUND,
            [(header::X_CONTENT_TYPE_OPTIONS, "nosniff")],
        )
            .into_response();
    };
    (
        [
            (header::CONTENT_TYPE, asset.content_type),
            (header::CACHE_CONTROL, CACHE_FOREVER),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        asset.body,
    )
        .into_response()
}

/// The GraphiQL page, for a request with these headers (the `Host` names the
/// WebSocket URLs the page may connect to).
pub fn page(request_headers: &HeaderMap) -> Response {
    let host = request_headers.get(header::HOST).and_then(|v| v.to_str().ok());
    let policy = content_security_policy(host);
    let policy = HeaderValue::from_str(&policy)
        .unwrap_or_else(|_| HeaderValue::from_static(POLICY_WITHOUT_WEBSOCKETS));
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(HTML)),
            // The policy depends on the `Host`, and the page is small: never cache it.
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
            (header::CONTENT_SECURITY_POLICY, policy),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
            (header::REFERRER_POLICY, HeaderValue::from_static("no-referrer")),
            // For browsers that predate `frame-ancestors`.
            (header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
            (
                HeaderName::from_static("cross-origin-opener-policy"),
                HeaderValue::from_static("same-origin"),
            ),
        ],
        GRAPHIQL.page.as_str(),
    )
        .into_response()
}

/// The policy with `connect-src` for `'self'` and, when the `Host` is a plain
/// `host[:port]`, its ws:// and wss:// URLs, as older browsers do not count
/// WebSockets to the page's host as `'self'`. Anything else in a `Host` (spaces,
/// semicolons) could add directives, so it is left out.
fn content_security_policy(host: Option<&str>) -> String {
    match plain_host(host) {
        Some(host) => format!(
            concat!(policy!(), "; connect-src 'self' ws://{host} wss://{host}"),
            host = host
        ),
        None => POLICY_WITHOUT_WEBSOCKETS.to_owned(),
    }
}

/// The `Host` when it is a plain `host[:port]`, safe to write into a policy.
pub(crate) fn plain_host(host: Option<&str>) -> Option<&str> {
    host.filter(|host| {
        !host.is_empty()
            && host.len() <= 260
            && host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b".-:[]_".contains(&b))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_links_every_asset_and_nothing_from_elsewhere() {
        let page = &GRAPHIQL.page;
        for asset in &GRAPHIQL.assets {
            assert!(
                page.contains(&format!("\"{FOLDER}/{}\"", asset.name)),
                "{}",
                asset.name
            );
        }
        assert!(!page.contains('{'), "a placeholder was left in the page:\n{page}");
        assert!(!page.contains("//"), "the page names another host:\n{page}");
        assert!(!page.contains("<script>"), "inline script would break the policy");
    }

    #[test]
    fn a_plain_host_gets_its_websocket_urls() {
        let policy = content_security_policy(Some("clinic.example:8443"));
        assert!(
            policy.ends_with("; connect-src 'self' ws://clinic.example:8443 wss://clinic.example:8443"),
            "{policy}"
        );
    }

    #[test]
    fn a_host_that_could_add_directives_is_left_out() {
        for host in [Some("evil; script-src *"), Some(""), Some("a b"), None] {
            assert_eq!(
                content_security_policy(host),
                POLICY_WITHOUT_WEBSOCKETS,
                "{host:?}"
            );
        }
    }
}
