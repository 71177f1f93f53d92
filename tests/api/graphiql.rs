//! GraphiQL served offline: the page and its files over HTTP, and the whole IDE in
//! a Chromium that can reach only loopback.

use serde_json::{Value, json};

use crate::browser::{Browser, CONTROL, ENTER, ESCAPE};
use crate::helpers::{As, TestApp, wait_for_metrics};

/// A browser's request for the page.
fn page_request(address: &str) -> impl Future<Output = reqwest::Result<reqwest::Response>> {
    reqwest::Client::new()
        .get(format!("{address}/graphql"))
        .header("accept", "text/html,application/xhtml+xml,*/*;q=0.8")
        .send()
}

#[tokio::test]
async fn the_page_is_served_under_a_strict_content_security_policy() {
    let app = TestApp::spawn().await;
    let address = app.address.as_ref().unwrap();

    let response = page_request(address).await.unwrap();

    assert_eq!(response.status(), 200);
    let headers = response.headers().clone();
    assert_eq!(headers["content-type"], "text/html; charset=utf-8");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["referrer-policy"], "no-referrer");
    let host = address.trim_start_matches("http://");
    assert_eq!(
        headers["content-security-policy"].to_str().unwrap(),
        format!(
            "default-src 'self'; script-src 'self'; \
             style-src 'self' 'sha256-nzTgYzXYDNe6BAHiiI7NNlfK8n/auuOAhh2t92YvuXo='; img-src 'self' data:; \
             font-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'none'; \
             frame-ancestors 'none'; connect-src 'self' ws://{host} wss://{host}"
        )
    );
    let page = response.text().await.unwrap();
    assert!(!page.contains("//"), "the page names another host:\n{page}");
    assert!(!page.contains("<script>"), "the page has inline script:\n{page}");
}

#[tokio::test]
async fn every_file_the_page_links_is_served_from_the_binary_and_cached_for_good() {
    let app = TestApp::spawn().await;
    let address = app.address.as_ref().unwrap();
    let page = page_request(address).await.unwrap().text().await.unwrap();

    let links = linked_files(&page);

    assert_eq!(
        links
            .iter()
            .map(|l| l.split('.').next().unwrap())
            .collect::<Vec<_>>(),
        [
            "graphiql/graphiql-4",
            "graphiql/page",
            "graphiql/react-18",
            "graphiql/react-dom-18",
            "graphiql/graphiql-4",
            "graphiql/start",
        ],
        "{links:?}"
    );
    for link in &links {
        let response = reqwest::get(format!("{address}/{link}")).await.unwrap();
        assert_eq!(response.status(), 200, "{link}");
        let expected_type = if link.ends_with(".js") {
            "text/javascript; charset=utf-8"
        } else {
            "text/css; charset=utf-8"
        };
        assert_eq!(response.headers()["content-type"], expected_type, "{link}");
        assert_eq!(
            response.headers()["cache-control"],
            "public, max-age=31536000, immutable",
            "{link}"
        );
        assert_eq!(response.headers()["x-content-type-options"], "nosniff", "{link}");
        assert!(!response.bytes().await.unwrap().is_empty(), "{link}");
    }
}

#[tokio::test]
async fn graphiql_is_gzipped_for_browsers_that_accept_it() {
    let app = TestApp::spawn().await;
    let url = format!("{}/graphiql/graphiql-4.1.2.min.js", app.address.as_ref().unwrap());
    let plain = reqwest::get(&url).await.unwrap().bytes().await.unwrap();

    let response = reqwest::Client::new()
        .get(&url)
        .header("Accept-Encoding", "gzip")
        .send()
        .await
        .unwrap();

    assert_eq!(response.headers()["content-encoding"], "gzip");
    let gzipped = response.bytes().await.unwrap();
    assert_eq!(gzipped[..2], [0x1f, 0x8b], "not a gzip stream");
    assert!(
        gzipped.len() < plain.len() / 2,
        "{} of {}",
        gzipped.len(),
        plain.len()
    );
}

#[tokio::test]
async fn a_file_graphiql_does_not_have_is_not_found() {
    let app = TestApp::spawn().await;
    let url = format!("{}/graphiql/graphiql-9.9.9.min.js", app.address.as_ref().unwrap());

    let response = reqwest::get(url).await.unwrap();

    assert_eq!(response.status(), 404);
}

const PUBLISHED: &str = "{ published: therapies { totalCount } }";
const DRAFTS: &str = "{ drafts: therapies(stage: DRAFT) { totalCount } }";
const DRAFT_CHANGES: &str =
    "subscription DraftChanges { contentChanged(stage: DRAFT) { documentType stage } }";

/// Types queries into GraphiQL, runs them with the button and with Ctrl-Enter, adds
/// a token in the header editor and subscribes, with no network but loopback.
#[tokio::test]
async fn graphiql_runs_queries_in_a_browser_that_can_reach_only_loopback() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let app = TestApp::spawn().await;
    let address = app.address.as_ref().unwrap();

    browser.go_to(&format!("{address}/graphql")).await;

    // A public query, typed over the default one and run with the button.
    let query_editor = browser
        .wait_for_element(".graphiql-query-editor .CodeMirror")
        .await;
    browser.click(&query_editor).await;
    browser.type_keys(&[CONTROL], "a").await;
    browser.type_keys(&[], PUBLISHED).await;
    let run = browser.wait_for_element(".graphiql-execute-button").await;
    browser.click(&run).await;
    let shown = shown_response(&browser, "published").await;
    assert_eq!(shown, app.call(As::Public, PUBLISHED, json!({})).await);
    assert!(
        shown["data"]["published"]["totalCount"].as_i64() > Some(0),
        "{shown}"
    );

    // An editor's token in the header editor, then a query only editors may run.
    let header_editor = browser
        .wait_for_element(".graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror")
        .await;
    browser.click(&header_editor).await;
    browser.type_keys(&[CONTROL], "a").await;
    let token = app.header(As::Editor).unwrap();
    browser
        .type_keys(&[], &format!(r#"{{"Authorization": "{token}"}}"#))
        .await;
    browser.click(&query_editor).await;
    browser.type_keys(&[CONTROL], "a").await;
    browser.type_keys(&[], DRAFTS).await;
    browser.type_keys(&[CONTROL], ENTER).await;
    let shown = shown_response(&browser, "drafts").await;
    assert_eq!(shown, app.call(As::Editor, DRAFTS, json!({})).await);
    assert!(shown.get("errors").is_none(), "{shown}");

    // A subscription over ws://, where the header editor's token goes in `connection_init`.
    browser.click(&query_editor).await;
    browser.type_keys(&[CONTROL], "a").await;
    browser.type_keys(&[], DRAFT_CHANGES).await;
    // GraphiQL picks HTTP or WebSocket from its parse of the editor, which lags the
    // typing; the tab takes the operation's name once that parse has caught up.
    browser
        .wait_until(
            "GraphiQL to parse the subscription",
            "const tab = document.querySelector('.graphiql-tab-active');
             return tab !== null && tab.textContent.includes('DraftChanges');",
            json!([]),
        )
        .await;
    browser.type_keys(&[CONTROL], ENTER).await;
    let event = first_event_shown(&browser, &app).await;
    assert_eq!(
        event,
        json!({ "data": { "contentChanged": { "documentType": "CONDITION", "stage": "DRAFT" } } })
    );

    // The settings dialog, whose scroll lock is the one inline style the policy allows.
    let settings = browser
        .wait_for_element("[aria-label='Open settings dialog']")
        .await;
    browser.click(&settings).await;
    browser.wait_for_element(".graphiql-dialog").await;
    browser.type_keys(&[], ESCAPE).await;
    browser
        .wait_until(
            "the settings dialog to close",
            "return document.querySelector('.graphiql-dialog') === null;",
            json!([]),
        )
        .await;

    let console = browser.console().await;
    let requests = browser.page_requests().await;
    let loaded: Vec<String> = serde_json::from_value(
        browser
            .run_script(
                "return performance.getEntriesByType('resource').map(e => e.name);",
                json!([]),
            )
            .await,
    )
    .unwrap();
    let host = address.trim_start_matches("http://");
    let local = |url: &String| {
        url.starts_with(&format!("http://{host}/"))
            || url.starts_with(&format!("ws://{host}/"))
            // The fonts and icons inlined in GraphiQL's CSS.
            || url.starts_with("data:")
    };
    let screenshot = std::env::temp_dir().join("cca-graphiql.png");
    browser.screenshot(&screenshot).await;
    let seen = format!("(the window is in {})", screenshot.display());
    assert!(
        requests.iter().any(|url| url.ends_with("/graphql")),
        "{requests:#?}"
    );
    assert!(
        requests.iter().all(local),
        "the page asked elsewhere {seen}: {requests:#?}"
    );
    assert!(
        loaded.iter().all(local),
        "the page loaded from elsewhere {seen}: {loaded:#?}"
    );
    // Chromium reports a Content-Security-Policy violation, like any script error,
    // as an error on the console. (GraphiQL's own warnings, such as a dialog's
    // missing description, are not ours to fix.)
    let errors: Vec<&String> = console.iter().filter(|line| line.starts_with("SEVERE")).collect();
    assert_eq!(errors, Vec::<&String>::new(), "errors on the console {seen}");
}

/// Once the server runs GraphiQL's subscription, makes a draft change and returns
/// the event GraphiQL's response pane shows for it.
async fn first_event_shown(browser: &Browser, app: &TestApp) -> Value {
    wait_for_metrics(&app.state.metrics, "GraphiQL's subscription", |m| {
        m.subscriptions() >= 1
    })
    .await;
    app.data(
        As::Editor,
        "mutation { createCondition(input: { slug: \"graphiql-1\", name: \"GraphiQL 1\" }) { slug } }",
        json!({}),
    )
    .await;
    shown_response(browser, "contentChanged").await
}

/// The JSON in GraphiQL's response pane, once it holds `field`.
async fn shown_response(browser: &Browser, field: &str) -> Value {
    let text = browser
        .wait_until(
            &format!("a response with {field} in GraphiQL's response pane"),
            "const pane = document.querySelector('.graphiql-response .CodeMirror');
             const text = pane && pane.CodeMirror.getValue();
             return text && text.includes(arguments[0]) ? text : null;",
            json!([format!("\"{field}\"")]),
        )
        .await;
    let text = text.as_str().unwrap();
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

/// The `src` and `href` attributes of a page, in order.
fn linked_files(page: &str) -> Vec<String> {
    let mut links = Vec::new();
    for attribute in page.split(['<', ' ']) {
        for prefix in ["src=\"", "href=\""] {
            if let Some(rest) = attribute.strip_prefix(prefix)
                && let Some((link, _)) = rest.split_once('"')
                && link != "data:,"
            {
                links.push(link.to_owned());
            }
        }
    }
    links
}
