//! Export and import: all content and its history in one file, loaded into an
//! empty database whole or not at all, and the same bytes after a round trip on
//! either database and from SQLite to the test database.

use std::collections::BTreeSet;
use std::process::{Command, Output};

use clinic_content_api::db::Database;
use clinic_content_api::log;
use clinic_content_api::transfer::{self, ExportReport, TransferError};
use serde_json::{Value, json};

use crate::helpers::{As, TestApp, TestDatabase, prolotherapy_id};

/// What the public sees of the page, and what editors see of its draft, its
/// history and the trash.
const PAGE_AND_HISTORY: &str = r#"query($id: ID!) {
    published: therapy(slug: "prolotherapy") { ...Page }
    draft: therapy(slug: "prolotherapy", stage: DRAFT) { ...Page }
    history(id: $id, first: 100) { nodes { id action stage version actorName actorId occurredAt snapshot } }
    trash(first: 50) { nodes { id documentType documentId version snapshot } }
}
fragment Page on Therapy {
    id slug name version updatedAt publishedAt
    summary { markdown html plainText }
    sections { id heading body { markdown html plainText } version }
    facts { typicalSessions minSessions maxSessions insuranceCoverage insuranceNote firstUsedDecade }
    benefits { id title body { html } }
    conditions { id suitability note condition { id slug name version } }
    faqs { id question answer { html plainText } version publishedAt }
    practitioners { id name title techniques }
}"#;

/// The whole export of a database, as text.
async fn export(db: &Database) -> (String, ExportReport) {
    let mut out = Vec::new();
    let report = transfer::export(db, &mut out).await.expect("export");
    (String::from_utf8(out).expect("the export is UTF-8"), report)
}

async fn page_and_history(app: &TestApp, therapy: &str) -> Value {
    app.data(As::Editor, PAGE_AND_HISTORY, json!({ "id": therapy }))
        .await
}

/// Edits the seeded page so that its history holds every kind of change: FAQ
/// updates, publishing with and without children, an unpublish, a condition
/// deleted (with its links) and restored, a benefit left in the trash, and a
/// FAQ entry purged.
async fn edit_the_page(app: &TestApp) {
    let therapy = prolotherapy_id(app).await;
    let page = app
        .data(
            As::Editor,
            "query($id: ID!) { therapy(id: $id, stage: DRAFT) { version faqs { id version } benefits { id } } }",
            json!({ "id": therapy }),
        )
        .await["therapy"]
        .clone();
    let (faq, other_faq) = (&page["faqs"][0]["id"], &page["faqs"][1]["id"]);
    let update_faq = "mutation($id: ID!, $v: Int!, $answer: String!) { updateFaq(id: $id, expectedVersion: $v, input: { answer: $answer }) { version } }";
    let version = &page["faqs"][0]["version"];
    let updated = app
        .data(
            As::Editor,
            update_faq,
            json!({ "id": faq, "v": version, "answer": "Only *a little*." }),
        )
        .await;
    let version = &updated["updateFaq"]["version"];
    app.data(
        As::Editor,
        update_faq,
        json!({ "id": faq, "v": version, "answer": "Only **briefly**." }),
    )
    .await;
    app.data(
        As::Editor,
        "mutation($id: ID!) { publishFaq(id: $id) { version } }",
        json!({ "id": faq }),
    )
    .await;
    app.data(
        As::Editor,
        "mutation($id: ID!) { unpublishFaq(id: $id) { version } }",
        json!({ "id": other_faq }),
    )
    .await;
    app.data(
        As::Editor,
        "mutation($id: ID!, $v: Int!) { updateTherapy(id: $id, expectedVersion: $v, input: { summary: \"Prolotherapy *strengthens* joints.\" }) { version } }",
        json!({ "id": therapy, "v": page["version"] }),
    )
    .await;
    app.data(
        As::Editor,
        "mutation($id: ID!) { publishTherapy(id: $id, withChildren: true) { version } }",
        json!({ "id": therapy }),
    )
    .await;

    let knee = app
        .data(
            As::Editor,
            r#"{ condition(slug: "knee-pain", stage: DRAFT) { id } }"#,
            json!({}),
        )
        .await["condition"]["id"]
        .clone();
    app.data(
        As::Editor,
        "mutation($id: ID!) { deleteCondition(id: $id) }",
        json!({ "id": knee }),
    )
    .await;
    let trash = app
        .data(
            As::Editor,
            "{ trash(documentType: CONDITION) { nodes { id documentId } } }",
            json!({}),
        )
        .await;
    let entry = &trash["trash"]["nodes"][0];
    assert_eq!(entry["documentId"], json!(knee));
    app.data(
        As::Editor,
        "mutation($rev: ID!) { restoreRevision(revisionId: $rev) { id } }",
        json!({ "rev": entry["id"] }),
    )
    .await;

    app.data(
        As::Editor,
        "mutation($id: ID!) { deleteBenefit(id: $id) }",
        json!({ "id": page["benefits"][0]["id"] }),
    )
    .await;

    let created = app
        .data(
            As::Editor,
            "mutation { createFaq(input: { question: \"Parking?\", answer: \"Behind the clinic.\" }) { id } }",
            json!({}),
        )
        .await;
    let clinic_faq = &created["createFaq"]["id"];
    app.data(
        As::Editor,
        "mutation($id: ID!) { deleteFaq(id: $id) }",
        json!({ "id": clinic_faq }),
    )
    .await;
    app.data(
        As::Admin,
        "mutation($id: ID!) { purgeDocument(id: $id) { action } }",
        json!({ "id": clinic_faq }),
    )
    .await;
}

/// The actions an export's events hold.
fn actions(export: &str) -> BTreeSet<String> {
    let file: Value = serde_json::from_str(export).unwrap();
    file["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|event| event["action"].as_str().unwrap().to_owned())
        .collect()
}

/// The seeded page, edited, exported.
async fn edited_export(source: &TestApp) -> (String, ExportReport) {
    edit_the_page(source).await;
    let (text, report) = export(source.db()).await;
    let expected: BTreeSet<String> = [
        "CREATED",
        "UPDATED",
        "PUBLISHED",
        "UNPUBLISHED",
        "DELETED",
        "RESTORED",
        "PURGED",
        "LINKED",
    ]
    .map(str::to_owned)
    .into();
    assert!(actions(&text).is_superset(&expected), "{:?}", actions(&text));
    (text, report)
}

#[tokio::test]
async fn export_import_export_gives_the_same_file() {
    let source = TestApp::new().await;
    let (exported, report) = edited_export(&source).await;
    assert!(report.rows > 100 && report.events > 100, "{report:?}");
    assert!(exported.starts_with("{\"format\":\"clinic-content-export\",\"formatVersion\":1,\n"));

    let target = TestApp::empty().await;
    let imported = transfer::import(target.db(), &exported).await.expect("import");
    assert_eq!((imported.rows, imported.events), (report.rows, report.events));

    let (again, _) = export(target.db()).await;
    assert_eq!(again, exported);
}

/// Runs the server binary as an operator would.
fn cli(database_url: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_clinic-content-api"))
        .args(args)
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run the binary")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[tokio::test]
async fn a_clinic_moves_from_sqlite_to_the_test_database_in_two_commands() {
    let source = TestApp::seeded_on_sqlite().await;
    let (exported, _) = edited_export(&source).await;
    let dir = std::env::temp_dir().join(format!("cca-transfer-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir(&dir).unwrap();
    let file = dir.join("clinic.json");
    let file_name = file.to_str().unwrap();
    let target = TestDatabase::new().await;

    let exporting = cli(source.database_url(), &["export", "--output", file_name]);
    assert!(exporting.status.success(), "{}", stderr(&exporting));
    let importing = cli(&target.url, &["import", file_name]);
    assert!(importing.status.success(), "{}", stderr(&importing));
    assert!(String::from_utf8_lossy(&importing.stdout).starts_with("imported "));

    // Both ends, exported by the binary to standard output this time.
    let written = std::fs::read_to_string(&file).unwrap();
    assert_eq!(written, exported);
    let again = cli(&target.url, &["export"]);
    assert!(again.status.success(), "{}", stderr(&again));
    assert_eq!(String::from_utf8(again.stdout).unwrap(), exported);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn after_an_import_the_api_serves_the_same_pages_and_new_events_follow_the_imported_ones() {
    let source = TestApp::new().await;
    let (exported, _) = edited_export(&source).await;
    let therapy = prolotherapy_id(&source).await;
    let served = page_and_history(&source, &therapy).await;

    let target = TestApp::empty().await;
    transfer::import(target.db(), &exported).await.expect("import");
    assert_eq!(page_and_history(&target, &therapy).await, served);

    // The next change is numbered after the last imported event: on PostgreSQL
    // the sequence was moved past them.
    let last_imported = log::last_seq(target.db().conn()).await.unwrap();
    let faq = &served["draft"]["faqs"][0];
    let changed = target
        .data(
            As::Editor,
            "mutation($id: ID!, $v: Int!) { updateFaq(id: $id, expectedVersion: $v, input: { question: \"How long?\" }) { version } }",
            json!({ "id": faq["id"], "v": faq["version"] }),
        )
        .await;
    assert_eq!(
        changed["updateFaq"]["version"],
        json!(faq["version"].as_i64().unwrap() + 1)
    );
    let new_events = log::after(target.db().conn(), last_imported, 10).await.unwrap();
    let seqs: Vec<i64> = new_events.iter().map(|event| event.seq).collect();
    assert_eq!(seqs, [last_imported + 1]);
    let history = target
        .data(
            As::Editor,
            "query($id: ID!) { history(id: $id, first: 1) { nodes { id action } } }",
            json!({ "id": faq["id"] }),
        )
        .await;
    assert_eq!(
        history["history"]["nodes"],
        json!([{ "id": (last_imported + 1).to_string(), "action": "UPDATED" }])
    );
}

#[tokio::test]
async fn an_import_into_a_database_with_content_is_refused_and_changes_nothing() {
    let source = TestApp::new().await;
    let (exported, _) = edited_export(&source).await;
    let target = TestApp::new().await;
    let (before, _) = export(target.db()).await;

    let refused = transfer::import(target.db(), &exported).await.unwrap_err();
    assert!(matches!(refused, TransferError::NotEmpty(_)), "{refused:?}");
    let message = refused.to_string();
    assert!(
        message.starts_with("the database is not empty (it holds therapies (2 rows), ")
            && message.ends_with("import only into an empty database"),
        "{message}"
    );

    let (after, _) = export(target.db()).await;
    assert_eq!(after, before);
}

/// The export with one change made to it.
fn changed(exported: &str, change: impl FnOnce(&mut Value)) -> String {
    let mut file: Value = serde_json::from_str(exported).unwrap();
    change(&mut file);
    serde_json::to_string(&file).unwrap()
}

#[tokio::test]
async fn a_malformed_file_is_refused_with_its_place_and_nothing_is_written() {
    let source = TestApp::new().await;
    let (exported, report) = edited_export(&source).await;
    let file: Value = serde_json::from_str(&exported).unwrap();
    let conditions = file["documents"]["conditions"].as_array().unwrap().len();
    let fourth_seq = &file["events"][4]["seq"];
    let cases = [
        (
            exported[..exported.find("\"events\":[").unwrap()].to_owned(),
            "the file is not JSON: EOF while parsing".to_owned(),
        ),
        (
            changed(&exported, |f| f["formatVersion"] = json!(2)),
            "formatVersion: 2 is newer than this server reads (1)".to_owned(),
        ),
        (
            changed(&exported, |f| f["format"] = json!("clinic-content/1")),
            "format: \"clinic-content/1\" is not \"clinic-content-export\"".to_owned(),
        ),
        // FAQ entries are imported after therapies, conditions, sections and
        // benefits: those rows are written, then taken back.
        (
            changed(&exported, |f| {
                f["documents"]["faqs"][3]
                    .as_object_mut()
                    .unwrap()
                    .remove("question");
            }),
            "documents.faqs[3]: is not a FAQ entry: missing field `question`".to_owned(),
        ),
        (
            changed(&exported, |f| f["events"][12]["action"] = json!("FOO")),
            "events[12].action: unknown value \"FOO\" (one of CREATED, UPDATED,".to_owned(),
        ),
        (
            changed(&exported, |f| {
                f["events"][7].as_object_mut().unwrap().remove("occurredAt");
            }),
            "events[7].occurredAt: missing".to_owned(),
        ),
        (
            changed(&exported, |f| {
                f["events"][5]["seq"] = f["events"][4]["seq"].clone()
            }),
            format!("events[5].seq: {fourth_seq} does not come after {fourth_seq}"),
        ),
        (
            changed(&exported, |f| f["documents"]["prescriptions"] = json!([])),
            "documents.prescriptions: is not a kind of document this server knows".to_owned(),
        ),
        (
            changed(&exported, |f| f["snapshotVersions"]["therapies"] = json!(9)),
            "snapshotVersions.therapies: 9 is not a shape this server reads (1 to 1)".to_owned(),
        ),
        // Well-formed, but the database refuses it: a condition twice.
        (
            changed(&exported, |f| {
                let conditions = f["documents"]["conditions"].as_array_mut().unwrap();
                conditions.push(conditions[0].clone());
            }),
            format!("documents.conditions[{conditions}]: the database refused this condition: "),
        ),
    ];

    let target = TestApp::empty().await;
    for (file, expected) in cases {
        let refused = transfer::import(target.db(), &file).await.unwrap_err();
        assert!(
            refused.to_string().starts_with(&expected),
            "expected {expected:?}, got {:?}",
            refused.to_string()
        );
        let (_, held) = export(target.db()).await;
        assert_eq!(held, ExportReport { rows: 0, events: 0 }, "after {expected:?}");
    }

    // Nothing of the refused attempts stayed behind: the whole file still goes in.
    let imported = transfer::import(target.db(), &exported).await.expect("import");
    assert_eq!((imported.rows, imported.events), (report.rows, report.events));
    assert_eq!(export(target.db()).await.0, exported);
}

#[tokio::test]
async fn the_import_command_refuses_a_malformed_file_with_a_failure_status_and_its_place() {
    let source = TestApp::new().await;
    let (exported, _) = export(source.db()).await;
    let file = std::env::temp_dir().join(format!("cca-transfer-{}.json", uuid::Uuid::new_v4().simple()));
    std::fs::write(
        &file,
        changed(&exported, |f| f["events"][3]["action"] = json!("FOO")),
    )
    .unwrap();
    let target = TestDatabase::new().await;

    let refused = cli(&target.url, &["import", file.to_str().unwrap()]);
    std::fs::remove_file(&file).unwrap();

    assert!(!refused.status.success());
    assert_eq!(refused.status.code(), Some(1), "an error, not a crash");
    let said = stderr(&refused);
    assert!(
        said.starts_with("error: events[3].action: unknown value \"FOO\""),
        "{said}"
    );
    let db = target.connect().await;
    assert_eq!(export(&db).await.1, ExportReport { rows: 0, events: 0 });
}
