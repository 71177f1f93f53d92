//! The web editor in a real headless Chromium (Debian's, over chromedriver): the
//! flows clinic staff go through, an accessibility check (axe-core) on every
//! screen, and the screenshots in the README (`SCREENSHOTS_DIR=docs/screenshots`).
//!
//! The tests find things as a person does: by label, button text and heading.

use std::sync::LazyLock;

use serde_json::{Value, json};

use crate::browser::{ALT, ARROW_DOWN, Browser};
use crate::helpers::{As, TestApp, prolotherapy_id};
use crate::staff::{accept, invite};

/// Chromium is heavy for a two-core machine: one editor test drives it at a time.
static ONE_AT_A_TIME: LazyLock<tokio::sync::Mutex<()>> = LazyLock::new(|| tokio::sync::Mutex::new(()));

const AXE: &str = include_str!("../browser/axe-core-4.14.1.min.js");
const PASSWORD: &str = "a long enough passphrase";

/// One person's browser on the editor.
struct Editor {
    browser: Browser,
    base: String,
}

impl Editor {
    /// A browser signed in as a new person with `role`, or `None` without Chromium.
    async fn signed_in(app: &TestApp, email: &str, name: &str, role: &str) -> Option<Self> {
        let code = invite(app, email, name, role).await;
        accept(app, &code).await;
        let editor = Self::open(app).await?;
        editor.sign_in(email).await;
        Some(editor)
    }

    async fn open(app: &TestApp) -> Option<Self> {
        let browser = Browser::start().await?;
        Some(Self {
            browser,
            base: app.address.clone().expect("spawned app"),
        })
    }

    async fn sign_in(&self, email: &str) {
        self.go("sign-in").await;
        self.heading("Sign in to the clinic editor").await;
        self.fill("Email", email).await;
        self.fill("Password", PASSWORD).await;
        self.press("Sign in").await;
        self.heading("Therapies").await;
    }

    /// Opens `#/route` and waits for the screen to be drawn.
    async fn go(&self, route: &str) {
        self.browser
            .go_to(&format!("{}/editor/#/{route}", self.base))
            .await;
        self.settled().await;
    }

    /// Waits until the router has drawn the screen of the address in the bar
    /// (not the one before it), and its `<h1>` is there.
    async fn settled(&self) {
        self.browser
            .wait_until(
                "the screen to be drawn",
                "const app = document.getElementById('app');
                 return app && app.getAttribute('aria-busy') === 'false' && app.dataset.shown === location.hash
                   && document.querySelector('main h1') !== null;",
                json!([]),
            )
            .await;
    }

    /// Waits for the page's `<h1>` to read `text`.
    async fn heading(&self, text: &str) {
        self.browser
            .wait_until(
                &format!("the heading {text:?}"),
                "const h = document.querySelector('main h1'); return h && h.textContent.trim() === arguments[0];",
                json!([text]),
            )
            .await;
    }

    /// Waits until the page (dialogs included) shows `text`.
    async fn sees(&self, text: &str) {
        self.browser
            .wait_until(
                &format!("the text {text:?}"),
                "return document.body.innerText.includes(arguments[0]);",
                json!([text]),
            )
            .await;
    }

    /// The control labelled `label` (in the open dialog if there is one, else in
    /// `scope`, a CSS selector, else anywhere), focused and emptied, then typed into.
    async fn fill_in(&self, scope: Option<&str>, label: &str, text: &str) {
        let control = self
            .browser
            .find(
                &format!("a field labelled {label:?}"),
                &format!("{FIND_ROOT}
                 const label = [...root.querySelectorAll('label')].find(l => l.textContent.trim() === arguments[0] && l.control && l.offsetParent !== null);
                 if (!label) return null;
                 label.control.focus();
                 label.control.select && label.control.select();
                 return label.control;"),
                json!([label, scope]),
            )
            .await;
        self.browser.click(&control).await;
        // Select all and replace, as a person would.
        self.browser.type_keys(&[crate::browser::CONTROL], "a").await;
        self.browser.type_keys(&[], text).await;
    }

    async fn fill(&self, label: &str, text: &str) {
        self.fill_in(None, label, text).await;
    }

    /// Clicks the visible button reading `text` (in the open dialog if any, else
    /// in `scope`, else anywhere).
    async fn press_in(&self, scope: Option<&str>, text: &str) {
        let button = self.button(scope, text).await;
        self.browser.click(&button).await;
    }

    async fn press(&self, text: &str) {
        self.press_in(None, text).await;
    }

    async fn button(&self, scope: Option<&str>, text: &str) -> String {
        self.browser
            .find(
                &format!("a button {text:?}"),
                &format!(
                    "{FIND_ROOT}
                 return [...root.querySelectorAll('button, a')].find(b =>
                   b.textContent.trim() === arguments[0] && b.offsetParent !== null && !b.disabled) || null;"
                ),
                json!([text, scope]),
            )
            .await
    }

    /// Whether a visible button reading `text` is on the page now.
    async fn has_button(&self, text: &str) -> bool {
        self.browser
            .run_script(
                "return [...document.querySelectorAll('button')].some(b => b.textContent.trim() === arguments[0] && b.offsetParent !== null);",
                json!([text]),
            )
            .await
            .as_bool()
            .unwrap_or(false)
    }

    /// Runs axe-core on the page as it is now; fails on serious or critical violations.
    async fn accessible(&self, screen: &str) {
        let result = self
            .browser
            .run_async_script(
                &format!(
                    "const done = arguments[arguments.length - 1];
                     if (!window.axe) {{ {AXE} }}
                     window.axe.run(document, {{ resultTypes: ['violations'] }}).then(r => done(
                       r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
                         .map(v => ({{ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map(n => n.html) }}))
                     ), e => done([{{ id: 'axe failed', help: String(e) }}]));"
                ),
                json!([]),
            )
            .await;
        let violations = result.as_array().cloned().unwrap_or_default();
        assert!(
            violations.is_empty(),
            "axe-core on {screen}: {:#}",
            Value::Array(violations)
        );
    }

    /// Saves a screenshot as `NAME.png` in `SCREENSHOTS_DIR` when it is set.
    async fn shot(&self, name: &str) {
        if let Some(dir) = std::env::var_os("SCREENSHOTS_DIR") {
            let dir = std::path::PathBuf::from(dir);
            let _ = std::fs::create_dir_all(&dir);
            self.browser.screenshot(&dir.join(format!("{name}.png"))).await;
        }
    }

    /// Console lines of level SEVERE that are not expected answers (a 401 after
    /// signing out, a 409 conflict): Content-Security-Policy violations and script errors.
    async fn script_errors(&self) -> Vec<String> {
        self.browser
            .console()
            .await
            .into_iter()
            .filter(|line| line.starts_with("SEVERE") && !line.contains("Failed to load resource"))
            .collect()
    }
}

/// Where `fill_in`/`button` look: the open dialog, else the scope's element, else the page.
const FIND_ROOT: &str = "const root = document.querySelector('dialog[open]')
    || (arguments[1] ? document.querySelector(arguments[1]) : null) || document;";

#[tokio::test]
async fn a_person_signs_in_and_out_and_signing_out_ends_the_session() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let app = TestApp::spawn().await;
    let code = invite(&app, "ann@clinic.example", "Ann Editor", "EDITOR").await;
    let Some(editor) = Editor::open(&app).await else {
        return;
    };

    // The invitation link sets the password and signs in.
    editor.go(&format!("invite/{code}")).await;
    editor.sees("Ann Editor").await;
    editor.accessible("the invitation").await;
    editor.shot("invite").await;
    editor.fill("New password", PASSWORD).await;
    editor.fill("Type the password again", PASSWORD).await;
    editor.press("Set password and sign in").await;
    editor.heading("Therapies").await;
    editor.sees("Prolotherapy").await;

    editor.press("Sign out").await;
    editor.heading("Sign in to the clinic editor").await;
    editor.accessible("sign-in").await;
    editor.shot("sign-in").await;
    // The server ended the session: a reload does not bring the person back.
    editor.browser.go_to(&format!("{}/editor/", editor.base)).await;
    editor.heading("Sign in to the clinic editor").await;

    // A wrong password is said at the form; the right one signs in again.
    editor.fill("Email", "ann@clinic.example").await;
    editor.fill("Password", "not the password at all").await;
    editor.press("Sign in").await;
    editor.sees("That email and password do not match").await;
    editor.accessible("sign-in with an error").await;
    editor.sign_in("ann@clinic.example").await;
    assert_eq!(editor.script_errors().await, Vec::<String>::new());
}

#[tokio::test]
async fn a_preview_person_reads_everything_and_is_offered_no_change() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let app = TestApp::spawn().await;
    let Some(viewer) = Editor::signed_in(&app, "pat@clinic.example", "Pat Preview", "PREVIEW").await else {
        return;
    };
    let therapy = prolotherapy_id(&app).await;
    viewer.go(&format!("therapies/{therapy}")).await;
    viewer.heading("Prolotherapy").await;
    viewer.sees("Benefits").await;
    for action in ["Save", "Publish", "Unpublish", "Delete", "Add a benefit"] {
        assert!(
            !viewer.has_button(action).await,
            "a preview person is offered {action:?}"
        );
    }
    let editable = viewer
        .browser
        .run_script(
            "return [...document.querySelectorAll('main input, main textarea')]
               .filter(i => !i.readOnly && !i.disabled && i.type !== 'search' && i.offsetParent !== null).length;",
            json!([]),
        )
        .await;
    assert_eq!(editable, json!(0), "no field takes typing");
    // Admin pages are not offered, and not shown when asked for by address.
    assert!(!viewer.has_button("People").await);
    viewer.go("admin/people").await;
    viewer.heading("Not available").await;
}

#[tokio::test]
async fn the_session_cookie_is_not_sent_from_another_site() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let app = TestApp::spawn().await;
    let Some(editor) = Editor::signed_in(&app, "ann@clinic.example", "Ann Editor", "EDITOR").await else {
        return;
    };
    let session_url = format!("{}/auth/session", editor.base);
    // Same site: the cookie goes along.
    editor.browser.go_to(&session_url).await;
    let own = editor
        .browser
        .run_script("return document.body.innerText;", json!([]))
        .await;
    assert!(own.as_str().unwrap().contains("Ann Editor"), "{own}");

    // Another site (a page with another origin) links to it and posts a change to
    // the API: with SameSite=Strict the browser sends no cookie with either.
    let faq = app
        .data(
            As::Editor,
            "{ faqs(first: 1, stage: DRAFT) { nodes { id version } } }",
            json!({}),
        )
        .await;
    let faq = &faq["faqs"]["nodes"][0];
    let mutation = format!(
        "mutation {{ updateFaq(id: \\\"{}\\\", expectedVersion: {}, input: {{ answer: \\\"forged\\\" }}) {{ id }} }}",
        faq["id"].as_str().unwrap(),
        faq["version"]
    );
    let attacker = format!(
        "<!doctype html><title>elsewhere</title>\
         <a id=go href='{session_url}'>session</a>\
         <form id=f method=post action='{base}/graphql' enctype=text/plain>\
         <input name='{{\"query\":\"{mutation}\",\"x\":\"' value='\"}}'></form>",
        base = editor.base
    );
    editor
        .browser
        .go_to(&format!("data:text/html,{}", urlencode(&attacker)))
        .await;
    let form = editor
        .browser
        .find(
            "the attacker's form",
            "return document.getElementById('f');",
            json!([]),
        )
        .await;
    let _ = form;
    editor
        .browser
        .run_script("document.getElementById('f').submit();", json!([]))
        .await;
    editor
        .browser
        .wait_until(
            "the form's answer",
            "return location.href.startsWith('http') && document.readyState === 'complete';",
            json!([]),
        )
        .await;
    let unchanged = app
        .data(
            As::Editor,
            "query($id: ID!) { faq(id: $id, stage: DRAFT) { version } }",
            json!({ "id": faq["id"] }),
        )
        .await;
    assert_eq!(
        unchanged["faq"]["version"], faq["version"],
        "the forged change was not made"
    );

    editor
        .browser
        .go_to(&format!("data:text/html,{}", urlencode(&attacker)))
        .await;
    let link = editor
        .browser
        .find(
            "the attacker's link",
            "return document.getElementById('go');",
            json!([]),
        )
        .await;
    editor.browser.click(&link).await;
    let answer = editor
        .browser
        .wait_until(
            "the session answer",
            "return location.href === arguments[0] && document.body && document.body.innerText.length > 0 ? document.body.innerText : null;",
            json!([session_url]),
        )
        .await;
    assert!(
        answer.as_str().unwrap().contains("UNAUTHENTICATED"),
        "a cross-site navigation carried the cookie: {answer}"
    );
}

fn urlencode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

#[tokio::test]
async fn benefits_reorder_by_keyboard_and_the_api_serves_the_new_order() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let app = TestApp::spawn().await;
    let Some(editor) = Editor::signed_in(&app, "ann@clinic.example", "Ann Editor", "EDITOR").await else {
        return;
    };
    let therapy = prolotherapy_id(&app).await;
    let order = || async {
        let data = app
            .data(
                As::Editor,
                "query($id: ID!) { therapy(id: $id, stage: DRAFT) { benefits { id } } }",
                json!({ "id": therapy }),
            )
            .await;
        data["therapy"]["benefits"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["id"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    let before = order().await;
    editor.go(&format!("therapies/{therapy}")).await;
    let handle = editor
        .browser
        .find(
            "the first benefit's move handle",
            "return document.querySelector('ul.items[data-kind=benefits] > li .handle');",
            json!([]),
        )
        .await;
    editor
        .browser
        .run_script(
            "document.querySelector('ul.items[data-kind=benefits] > li .handle').focus();",
            json!([]),
        )
        .await;
    let _ = handle;
    editor.browser.type_keys(&[ALT], ARROW_DOWN).await;
    editor.sees("to position 2 of").await;
    let expected = vec![before[1].clone(), before[0].clone()]
        .into_iter()
        .chain(before[2..].iter().cloned())
        .collect::<Vec<_>>();
    // The move is saved as it is made; wait for the API to say so.
    for _ in 0..200 {
        if order().await == expected {
            break;
        }
        editor
            .browser
            .wait_for("return false;", json!([]), std::time::Duration::from_millis(50))
            .await;
    }
    assert_eq!(order().await, expected);
    let focused = editor
        .browser
        .run_script(
            "return document.activeElement.classList.contains('handle') && document.activeElement.closest('li').dataset.id;",
            json!([]),
        )
        .await;
    assert_eq!(
        focused,
        json!(before[0]),
        "focus stays on the moved item's handle"
    );
}

/// Waits (without sleeping) until `check` holds, polling the API between animation
/// frames of the page; panics naming `what` after the browser's patience.
async fn until<F, Fut>(editor: &Editor, what: &str, check: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..600 {
        if check().await {
            return;
        }
        // One frame of the page: the page's work goes on, the test waits on it.
        editor
            .browser
            .wait_for("return false;", json!([]), std::time::Duration::from_millis(50))
            .await;
    }
    panic!("timed out waiting for {what}");
}

async fn faq_answer(app: &TestApp, id: &str, stage: &str) -> String {
    let data = app
        .data(
            As::Editor,
            &format!("query($id: ID!) {{ faq(id: $id, stage: {stage}) {{ answer {{ markdown }} }} }}"),
            json!({ "id": id }),
        )
        .await;
    data["faq"]["answer"]["markdown"]
        .as_str()
        .unwrap_or("")
        .to_owned()
}

#[tokio::test]
async fn an_editor_changes_a_faq_answer_previews_and_publishes_it_and_the_public_api_serves_it() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let app = TestApp::spawn().await;
    let Some(editor) = Editor::signed_in(&app, "ann@clinic.example", "Ann Editor", "EDITOR").await else {
        return;
    };
    editor.accessible("the therapies list").await;
    editor.shot("therapies").await;
    let therapy = prolotherapy_id(&app).await;
    editor.go(&format!("therapies/{therapy}")).await;
    editor.heading("Prolotherapy").await;
    editor.accessible("the therapy page").await;
    editor.shot("therapy").await;

    const FIRST_FAQ: &str = "ul.items[data-kind=faqs] > li:first-child";
    let faq_id = editor
        .browser
        .wait_until(
            "the first FAQ entry",
            &format!("const li = document.querySelector('{FIRST_FAQ}'); return li && li.dataset.id;"),
            json!([]),
        )
        .await;
    let faq_id = faq_id.as_str().unwrap().to_owned();
    let toggle = editor
        .browser
        .find(
            "the first FAQ entry's toggle",
            &format!("return document.querySelector('{FIRST_FAQ} .item-toggle');"),
            json!([]),
        )
        .await;
    editor.browser.click(&toggle).await;
    let answer = "Most patients need **three to six** sessions, a month apart.";
    editor.fill_in(Some(FIRST_FAQ), "Answer", answer).await;
    // The live preview is the server's rendering, as the public will get it.
    editor
        .browser
        .wait_until(
            "the preview to render the markdown",
            &format!("const b = document.querySelector('{FIRST_FAQ} .md-body'); return b && b.innerHTML.includes('<strong>three to six</strong>');"),
            json!([]),
        )
        .await;
    editor.accessible("a FAQ entry being edited").await;
    editor.shot("faq-edit").await;
    editor.press_in(Some(FIRST_FAQ), "Save").await;
    until(&editor, "the draft to be saved", || async {
        faq_answer(&app, &faq_id, "DRAFT").await == answer
    })
    .await;
    assert_ne!(
        faq_answer(&app, &faq_id, "PUBLISHED").await,
        answer,
        "saving does not publish"
    );

    editor.press_in(Some(FIRST_FAQ), "Publish").await;
    editor.sees("After publishing").await;
    editor.sees("three to six").await;
    editor.accessible("the publish dialog").await;
    editor.shot("publish").await;
    editor.press("Publish").await;
    until(&editor, "the public API to serve the new answer", || async {
        let public = app
            .data(
                As::Public,
                "query($id: ID!) { faq(id: $id) { answer { markdown html } } }",
                json!({ "id": faq_id }),
            )
            .await;
        public["faq"]["answer"]["markdown"] == answer
    })
    .await;

    // The preview shows the page as the public API serves it.
    editor.go(&format!("preview/{therapy}")).await;
    editor.sees("three to six").await;
    editor.accessible("the preview").await;
    editor.shot("preview").await;
    assert_eq!(editor.script_errors().await, Vec::<String>::new());
}

async fn condition(app: &TestApp) -> (String, String, i64) {
    let data = app
        .data(
            As::Editor,
            "{ conditions(first: 1, stage: DRAFT) { nodes { id name version } } }",
            json!({}),
        )
        .await;
    let c = &data["conditions"]["nodes"][0];
    (
        c["id"].as_str().unwrap().to_owned(),
        c["name"].as_str().unwrap().to_owned(),
        c["version"].as_i64().unwrap(),
    )
}

async fn body_region(app: &TestApp, id: &str) -> String {
    let data = app
        .data(
            As::Editor,
            "query($id: ID!) { condition(id: $id, stage: DRAFT) { bodyRegion } }",
            json!({ "id": id }),
        )
        .await;
    data["condition"]["bodyRegion"].as_str().unwrap_or("").to_owned()
}

async fn condition_name(app: &TestApp, id: &str) -> String {
    let data = app
        .data(
            As::Editor,
            "query($id: ID!) { condition(id: $id, stage: DRAFT) { name } }",
            json!({ "id": id }),
        )
        .await;
    data["condition"]["name"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn the_second_to_save_sees_both_versions_keeps_their_text_and_saves_a_merge() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let app = TestApp::spawn().await;
    let Some(ann) = Editor::signed_in(&app, "ann@clinic.example", "Ann Editor", "EDITOR").await else {
        return;
    };
    let Some(ben) = Editor::signed_in(&app, "ben@clinic.example", "Ben Writer", "EDITOR").await else {
        return;
    };
    let (id, _, _) = condition(&app).await;
    ann.go(&format!("conditions/{id}")).await;
    ben.go(&format!("conditions/{id}")).await;

    // Ben starts typing; Ann saves first.
    ben.fill("Part of the body", "lower back (Ben)").await;
    ann.fill("Part of the body", "knee (Ann)").await;
    ann.press("Save").await;
    until(&ann, "Ann's save", || async {
        body_region(&app, &id).await == "knee (Ann)"
    })
    .await;

    // Ben saves second: the conflict view shows both, with his text kept.
    ben.press("Save").await;
    ben.sees("Ann Editor saved a newer version").await;
    ben.sees("knee (Ann)").await;
    ben.accessible("the conflict view").await;
    ben.shot("conflict").await;
    let kept = ben
        .browser
        .run_script(
            "return [...document.querySelectorAll('dialog[open] input, dialog[open] textarea')].map(i => i.value);",
            json!([]),
        )
        .await;
    assert!(
        kept.to_string().contains("lower back (Ben)"),
        "Ben's text is kept: {kept}"
    );
    ben.fill("Merged part of the body", "knee and lower back").await;
    ben.press("Save merged").await;
    until(&ben, "the merged save", || async {
        body_region(&app, &id).await == "knee and lower back"
    })
    .await;
    // Ann, with nothing unsaved, sees Ben's change arrive (the subscription).
    ann.browser
        .wait_until(
            "Ben's change to reach Ann's open page",
            "const l = [...document.querySelectorAll('label')].find(l => l.textContent.trim() === 'Part of the body');
             return l && l.control.value === 'knee and lower back';",
            json!([]),
        )
        .await;
}

#[tokio::test]
async fn an_older_revision_is_restored_from_the_history_and_a_deleted_question_from_the_trash() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let app = TestApp::spawn().await;
    let Some(editor) = Editor::signed_in(&app, "ann@clinic.example", "Ann Editor", "EDITOR").await else {
        return;
    };
    let (id, original, version) = condition(&app).await;
    app.data(
        As::Editor,
        "mutation($id: ID!, $v: Int!) { updateCondition(id: $id, expectedVersion: $v, input: { name: \"A mistaken name\" }) { version } }",
        json!({ "id": id, "v": version }),
    )
    .await;

    editor.go(&format!("history/{id}")).await;
    editor.sees("A mistaken name").await;
    // Version `version` is the one before the mistake.
    let show = editor
        .browser
        .find(
            "the Show button of the revision before the mistake",
            "const row = [...document.querySelectorAll('table.revisions tbody tr')].find(r => r.querySelector('th').textContent.trim() === String(arguments[0]));
             return row ? row.querySelector('button') : null;",
            json!([version]),
        )
        .await;
    editor.browser.click(&show).await;
    editor.sees(&format!("Version {version}")).await;
    editor.accessible("the history").await;
    editor.shot("history").await;
    editor.press("Restore this revision").await;
    editor.press("Restore").await;
    until(&editor, "the restored name", || async {
        condition_name(&app, &id).await == original
    })
    .await;
    // The author and time of each revision are shown.
    editor.sees("Ann Editor").await;

    // A deleted question comes back from the trash.
    let faq = app
        .data(
            As::Editor,
            "{ faqs(first: 1, stage: DRAFT) { nodes { id question } } }",
            json!({}),
        )
        .await;
    let faq_id = faq["faqs"]["nodes"][0]["id"].as_str().unwrap().to_owned();
    let question = faq["faqs"]["nodes"][0]["question"].as_str().unwrap().to_owned();
    app.data(
        As::Editor,
        "mutation($id: ID!) { deleteFaq(id: $id) }",
        json!({ "id": faq_id }),
    )
    .await;
    editor.go("trash").await;
    editor.sees(&question).await;
    let restore = editor
        .browser
        .find(
            "the deleted question's Restore button",
            "const row = [...document.querySelectorAll('table.trash tbody tr')].find(r => r.querySelector('th').textContent.trim() === arguments[0]);
             return row ? row.querySelector('button') : null;",
            json!([question]),
        )
        .await;
    editor.browser.click(&restore).await;
    editor.sees("as a draft").await;
    until(&editor, "the question back as a draft", || async {
        let back = app
            .data(
                As::Editor,
                "query($id: ID!) { faq(id: $id, stage: DRAFT) { id } }",
                json!({ "id": faq_id }),
            )
            .await;
        !back["faq"].is_null()
    })
    .await;
}

#[tokio::test]
async fn every_screen_passes_the_accessibility_check() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let app = TestApp::spawn().await;
    let Some(admin) = Editor::signed_in(&app, "ada@clinic.example", "Ada Admin", "ADMIN").await else {
        return;
    };
    let (condition, _, _) = condition(&app).await;
    let ids = app
        .data(
            As::Editor,
            "{ practitioners(first: 1, stage: DRAFT) { nodes { id } } citations(first: 1, stage: DRAFT) { nodes { id } } }",
            json!({}),
        )
        .await;
    let practitioner = ids["practitioners"]["nodes"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let citation = ids["citations"]["nodes"][0]["id"].as_str().unwrap().to_owned();
    // Something in the trash, so the trash has a row to check.
    let faq = app
        .data(
            As::Editor,
            "{ faqs(first: 1, stage: DRAFT) { nodes { id } } }",
            json!({}),
        )
        .await;
    app.data(
        As::Editor,
        "mutation($id: ID!) { deleteFaq(id: $id) }",
        json!({ "id": faq["faqs"]["nodes"][0]["id"] }),
    )
    .await;

    let screens = [
        ("conditions", "Conditions", "conditions"),
        (&format!("conditions/{condition}") as &str, "", "condition"),
        ("practitioners", "Practitioners", ""),
        (&format!("practitioners/{practitioner}"), "", ""),
        ("faqs", "", ""),
        ("citations", "Citations", ""),
        (&format!("citations/{citation}"), "", "citation"),
        ("reviews", "", "reviews"),
        ("trash", "Trash", "trash"),
        ("admin/people", "", "people"),
        ("admin/tokens", "", ""),
        ("admin/webhooks", "", "webhooks"),
    ];
    for (route, heading, shot) in screens {
        admin.go(route).await;
        if !heading.is_empty() {
            admin.heading(heading).await;
        }
        admin.accessible(route).await;
        if !shot.is_empty() {
            admin.shot(shot).await;
        }
    }
    // Dialogs too: inviting someone.
    admin.go("admin/people").await;
    admin.press("Invite someone").await;
    admin
        .browser
        .wait_until(
            "the invite dialog",
            "return document.querySelector('dialog[open]');",
            json!([]),
        )
        .await;
    admin.accessible("the invite dialog").await;
    assert_eq!(admin.script_errors().await, Vec::<String>::new());
}

#[tokio::test]
async fn leaving_a_page_with_unsaved_changes_asks_first() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let app = TestApp::spawn().await;
    let Some(editor) = Editor::signed_in(&app, "ann@clinic.example", "Ann Editor", "EDITOR").await else {
        return;
    };
    let (id, name, _) = condition(&app).await;
    editor.go(&format!("conditions/{id}")).await;
    editor.heading(&name).await;
    editor.fill("Part of the body", "typed, not saved").await;

    // Cancel: the page and the typing stay.
    editor.press("Therapies").await;
    let question = editor.browser.alert_text().await;
    assert!(question.contains("unsaved changes"), "{question}");
    editor.browser.answer_alert(false).await;
    editor.heading(&name).await;
    let kept = editor
        .browser
        .run_script(
            "const l = [...document.querySelectorAll('label')].find(l => l.textContent.trim() === 'Part of the body');
             return l.control.value;",
            json!([]),
        )
        .await;
    assert_eq!(kept, json!("typed, not saved"));

    // OK: the editor leaves, and nothing was saved.
    editor.press("Therapies").await;
    editor.browser.alert_text().await;
    editor.browser.answer_alert(true).await;
    editor.heading("Therapies").await;
    assert_ne!(body_region(&app, &id).await, "typed, not saved");
}

#[tokio::test]
async fn a_reviewer_cites_a_source_for_a_benefit_and_records_a_review_of_the_page() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let app = TestApp::spawn().await;
    let Some(reviewer) = Editor::signed_in(&app, "rae@clinic.example", "Rae Reviewer", "REVIEWER").await
    else {
        return;
    };
    let therapy = prolotherapy_id(&app).await;
    let benefit_citations = || async {
        let data = app
            .data(
                As::Editor,
                "query($id: ID!) { therapy(id: $id, stage: DRAFT) { benefits { id citations { id } } } }",
                json!({ "id": therapy }),
            )
            .await;
        data["therapy"]["benefits"][0]["citations"]
            .as_array()
            .map_or(0, Vec::len)
    };
    let before = benefit_citations().await;
    reviewer.go(&format!("therapies/{therapy}")).await;

    // Cite an existing source where the claim is edited.
    const FIRST_BENEFIT: &str = "ul.items[data-kind=benefits] > li:first-child";
    let toggle = reviewer
        .browser
        .find(
            "the first benefit's toggle",
            &format!("return document.querySelector('{FIRST_BENEFIT} .item-toggle');"),
            json!([]),
        )
        .await;
    reviewer.browser.click(&toggle).await;
    reviewer.press_in(Some(FIRST_BENEFIT), "Cite a source").await;
    let cite = reviewer
        .browser
        .find(
            "a source to cite in the picker",
            "const d = document.querySelector('dialog[open]');
             return d ? [...d.querySelectorAll('button')].find(b => b.textContent.trim().startsWith('Cite “')) || null : null;",
            json!([]),
        )
        .await;
    reviewer.accessible("the citation picker").await;
    reviewer.browser.click(&cite).await;
    until(&reviewer, "the benefit to cite the source", || async {
        benefit_citations().await == before + 1
    })
    .await;

    // Record a review of the page (reviewed today by its practitioner).
    reviewer.press("Record a review").await;
    reviewer.sees("Record a review of").await;
    reviewer.accessible("the review dialog").await;
    reviewer.fill("Note", "Checked against the 2026 guidance.").await;
    reviewer.press("Record review").await;
    until(&reviewer, "the review to be recorded", || async {
        let data = app
            .data(
                As::Editor,
                "query($id: ID!) { therapy(id: $id, stage: DRAFT) { reviews { note reviewer { name } } } }",
                json!({ "id": therapy }),
            )
            .await;
        data["therapy"]["reviews"].as_array().is_some_and(|r| {
            r.iter()
                .any(|r| r["note"] == "Checked against the 2026 guidance.")
        })
    })
    .await;
    assert_eq!(reviewer.script_errors().await, Vec::<String>::new());
}
