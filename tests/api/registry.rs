//! The document registry's promises: revisions written before a model change
//! still read and restore in the current shape.

use clinic_content_api::db::Database;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{As, TestApp, migrate_down_to_before, prolotherapy_id};

/// The migration that made therapy–practitioner links documents of their own.
const LINKS_BECAME_DOCUMENTS: &str = "m20261127_000002_practitioner_links_as_documents";

/// Takes the seeded database back to before `LINKS_BECAME_DOCUMENTS` and makes
/// its practitioner-link events what the server of that time wrote: the link
/// named by an id derived from its ends, always at version 1, and a snapshot of
/// the row as it was then (ends, stage, position, creation time, nothing else).
async fn as_written_before_links_were_documents(db: &Database) {
    let conn = db.conn();
    migrate_down_to_before(conn, LINKS_BECAME_DOCUMENTS).await;
    let backend = conn.get_database_backend();
    let select = Statement::from_string(
        backend,
        "SELECT seq, snapshot FROM content_event WHERE document_type = 'THERAPY_PRACTITIONER'",
    );
    let rows = conn.query_all_raw(select).await.unwrap();
    assert!(!rows.is_empty(), "the seed links a practitioner");
    for row in rows {
        let seq: i64 = row.try_get("", "seq").unwrap();
        let snapshot: Value = match backend {
            DbBackend::Postgres => row.try_get("", "snapshot").unwrap(),
            _ => serde_json::from_str(&row.try_get::<String>("", "snapshot").unwrap()).unwrap(),
        };
        let end = |field: &str| -> Uuid { snapshot[field].as_str().unwrap().parse().unwrap() };
        let derived = Uuid::new_v5(&end("therapyId"), end("practitionerId").as_bytes());
        let old_shape = json!({
            "therapyId": snapshot["therapyId"],
            "practitionerId": snapshot["practitionerId"],
            "stage": snapshot["stage"],
            "position": snapshot["position"],
            "createdAt": snapshot["createdAt"],
        });
        let update = Query::update()
            .table(Alias::new("content_event"))
            .value(Alias::new("document_id"), derived)
            .value(Alias::new("version"), 1)
            .value(Alias::new("snapshot"), old_shape)
            .and_where(Expr::col(Alias::new("seq")).eq(seq))
            .to_owned();
        conn.execute(&update).await.unwrap();
    }
    // The server of this version starts: its migrations run.
    db.migrate().await.unwrap();
}

const HISTORY: &str = "query($id: ID!) {
    history(id: $id, first: 100) { nodes { id action stage version snapshot } }
}";

const THERAPY_PRACTITIONERS: &str = "query($id: ID!) {
    therapy(id: $id, stage: DRAFT) { practitioners { id name } }
}";

#[tokio::test]
async fn a_revision_written_before_a_model_change_reads_and_restores_in_the_current_shape() {
    let app = TestApp::seeded_then(as_written_before_links_were_documents).await;
    let therapy = prolotherapy_id(&app).await;
    let data = app
        .data(As::Editor, THERAPY_PRACTITIONERS, json!({ "id": therapy }))
        .await;
    let practitioner = data["therapy"]["practitioners"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let therapy_id: Uuid = therapy.parse().unwrap();
    let practitioner_id: Uuid = practitioner.parse().unwrap();
    // The migration kept the link's id, so its history goes on under it.
    let link = Uuid::new_v5(&therapy_id, practitioner_id.as_bytes()).to_string();

    let old = app.data(As::Editor, HISTORY, json!({ "id": link })).await["history"]["nodes"].clone();
    let linked = old
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "LINKED")
        .expect("the seed's LINKED event")
        .clone();
    // Read in today's shape: an id and a version the old row never had.
    assert_eq!(linked["snapshot"]["id"], json!(link));
    assert_eq!(linked["snapshot"]["version"], json!(1));
    assert_eq!(linked["snapshot"]["practitionerId"], json!(practitioner));
    assert!(linked["snapshot"].get("updatedAt").is_some());

    // Unlink with today's server, then restore the revision the old one wrote.
    app.data(
        As::Editor,
        "mutation($t: ID!, $p: ID!) { unlinkPractitioner(therapyId: $t, practitionerId: $p) { id } }",
        json!({ "t": therapy, "p": practitioner }),
    )
    .await;
    let after_unlink = app
        .data(As::Editor, THERAPY_PRACTITIONERS, json!({ "id": therapy }))
        .await;
    assert_eq!(after_unlink["therapy"]["practitioners"], json!([]));

    let restored = app
        .data(
            As::Editor,
            "mutation($rev: ID!) { restoreRevision(revisionId: $rev) { documentId action stage version snapshot } }",
            json!({ "rev": linked["id"] }),
        )
        .await["restoreRevision"]
        .clone();
    assert_eq!(restored["documentId"], json!(link));
    assert_eq!(restored["action"], json!("RESTORED"));
    assert_eq!(restored["stage"], json!("DRAFT"));
    // Version 1 was linked, the unlink recorded version 1 too: the restore is 2.
    assert_eq!(restored["version"], json!(2));
    assert_eq!(restored["snapshot"]["version"], json!(2));
    let back = app
        .data(As::Editor, THERAPY_PRACTITIONERS, json!({ "id": therapy }))
        .await;
    assert_eq!(back["therapy"]["practitioners"][0]["id"], json!(practitioner));

    // And it publishes like any document.
    app.data(
        As::Editor,
        "mutation($id: ID!) { publishTherapy(id: $id) { id } }",
        json!({ "id": therapy }),
    )
    .await;
    let public = app
        .data(
            As::Public,
            "query($id: ID!) { therapy(id: $id) { practitioners { id } } }",
            json!({ "id": therapy }),
        )
        .await;
    assert_eq!(public["therapy"]["practitioners"][0]["id"], json!(practitioner));
}
