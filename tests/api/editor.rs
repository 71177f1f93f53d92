//! The web editor as served: where, with which headers, how small, and that it
//! names nothing outside the server.

use reqwest::StatusCode;

use crate::helpers::TestApp;
use clinic_content_api::server::editor::EditorFiles;

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

#[tokio::test]
async fn the_editor_is_served_at_its_path_under_a_strict_policy() {
    let app = TestApp::spawn().await;
    let base = app.address.clone().unwrap();
    let redirect = http().get(format!("{base}/editor")).send().await.unwrap();
    assert_eq!(redirect.status(), StatusCode::PERMANENT_REDIRECT);
    assert_eq!(redirect.headers()["location"], "/editor/");

    let root = http().get(format!("{base}/")).send().await.unwrap();
    assert_eq!(
        root.status(),
        StatusCode::TEMPORARY_REDIRECT,
        "the root leads people to the editor"
    );
    assert_eq!(root.headers()["location"], "/editor/");

    let page = http().get(format!("{base}/editor/")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let policy = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    for directive in [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "frame-ancestors 'none'",
    ] {
        assert!(policy.contains(directive), "{directive} missing from {policy}");
    }
    assert!(!policy.contains("unsafe"), "{policy}");
    assert_eq!(page.headers()["x-frame-options"], "DENY");
    let etag = page.headers()["etag"].to_str().unwrap().to_owned();
    let html = page.text().await.unwrap();
    assert!(
        html.contains("<script type=\"module\" src=\"js/app.js\">"),
        "{html}"
    );

    // Unchanged files are not sent again.
    let again = http()
        .get(format!("{base}/editor/"))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);

    let missing = http()
        .get(format!("{base}/editor/js/nothing.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    let escape = http()
        .get(format!("{base}/editor/../Cargo.toml"))
        .send()
        .await
        .unwrap();
    assert_ne!(escape.status(), StatusCode::OK);
}

/// The budget from the issue: all scripts and styles, as served gzipped, under 150 KB.
#[tokio::test]
async fn all_scripts_and_styles_together_are_under_150_kb_compressed() {
    let app = TestApp::spawn().await;
    let base = app.address.clone().unwrap();
    let mut total = 0;
    let mut files = Vec::new();
    for name in EditorFiles::iter() {
        if !(name.ends_with(".js") || name.ends_with(".css")) {
            continue;
        }
        let response = http()
            .get(format!("{base}/editor/{name}"))
            .header("accept-encoding", "gzip")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{name}");
        let bytes = response.bytes().await.unwrap().len();
        total += bytes;
        files.push(format!("{name}: {bytes}"));
    }
    assert!(files.len() > 5, "the editor's files: {files:?}");
    assert!(total < 150 * 1024, "{total} bytes compressed: {files:#?}");
}

/// Nothing loads from elsewhere: works offline on an intranet, no CDN can run script.
#[test]
fn no_file_loads_anything_from_another_host() {
    for name in EditorFiles::iter() {
        let file = EditorFiles::get(&name).unwrap();
        let text = String::from_utf8_lossy(&file.data);
        for line in text.lines() {
            let loads = line.contains("import ")
                || line.contains("src=")
                || line.contains("href=")
                || line.contains("@import")
                || line.contains("url(")
                || line.contains("fetch(");
            let elsewhere = line.contains("://") && !line.contains("location");
            assert!(
                !(loads && elsewhere) || line.contains("doi.org") || line.contains("pubmed"),
                "{name} loads from another host: {line}"
            );
        }
        if name.ends_with(".html") {
            assert!(!text.contains("<script>"), "inline script in {name}");
            assert!(!text.contains("style="), "inline style in {name}");
        }
    }
}
