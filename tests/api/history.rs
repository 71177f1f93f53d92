//! History, restore, trash, purge and the audit trail, all read from the event log.

use std::time::Duration;

use async_graphql::futures_util::StreamExt;
use clinic_content_api::auth;
use clinic_content_api::graphql::loader::Loaders;
use entity::content_event::{self, Column};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{As, TestApp, error_code, prolotherapy_id, therapy_version};

const HISTORY: &str = "query($id: ID!, $first: Int, $after: String) {
    history(id: $id, first: $first, after: $after) {
        totalCount
        pageInfo { hasNextPage endCursor }
        nodes { id documentType documentId action stage version actorName actorId occurredAt snapshot changedFields }
    }
}";

const TRASH: &str = "query($type: DocumentType) {
    trash(documentType: $type) { totalCount nodes { id documentType documentId action stage version snapshot } }
}";

const RESTORE: &str = "mutation($rev: ID!, $expected: Int) {
    restoreRevision(revisionId: $rev, expectedVersion: $expected) { id documentType documentId action stage version actorName snapshot }
}";

/// The whole history of a document (one page), as an editor sees it.
async fn history(app: &TestApp, id: &str) -> Value {
    app.data(As::Editor, HISTORY, json!({ "id": id, "first": 100 }))
        .await["history"]
        .clone()
}

fn nodes(list: &Value) -> Vec<Value> {
    list["nodes"].as_array().unwrap().clone()
}

fn field<'v>(nodes: &'v [Value], name: &str) -> Vec<&'v Value> {
    nodes.iter().map(|n| &n[name]).collect()
}

async fn create_condition(app: &TestApp, who: As, slug: &str, name: &str) -> String {
    app.data(
        who,
        "mutation($slug: String!, $name: String!) { createCondition(input: { slug: $slug, name: $name, description: \"At first.\", bodyRegion: \"knee\" }) { id } }",
        json!({ "slug": slug, "name": name }),
    )
    .await["createCondition"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn update_condition(app: &TestApp, who: As, id: &str, expected: i64, input: Value) -> Value {
    app.data(
        who,
        "mutation($id: ID!, $v: Int!, $input: UpdateConditionInput!) { updateCondition(id: $id, expectedVersion: $v, input: $input) { version } }",
        json!({ "id": id, "v": expected, "input": input }),
    )
    .await
}

async fn trash(app: &TestApp, document_type: Option<&str>) -> Value {
    app.data(As::Editor, TRASH, json!({ "type": document_type }))
        .await["trash"]
        .clone()
}

/// The trash entry of one document, if it is in the trash.
async fn trash_entry(app: &TestApp, document_type: &str, id: &str) -> Option<Value> {
    nodes(&trash(app, Some(document_type)).await)
        .into_iter()
        .find(|n| n["documentId"] == id)
}

async fn token_id(app: &TestApp, name: &str) -> String {
    let tokens = app.data(As::Admin, "{ apiTokens { id name } }", json!({})).await;
    tokens["apiTokens"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == name)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn history_lists_revisions_newest_first_and_pages() {
    let app = TestApp::new().await;
    let id = create_condition(&app, As::Editor, "shin-splints", "Shin splints").await;
    for (version, name) in [
        (1, "Shin splints (2)"),
        (2, "Shin splints (3)"),
        (3, "Shin splints (4)"),
    ] {
        update_condition(&app, As::Editor, &id, version, json!({ "name": name })).await;
    }
    app.data(
        As::Editor,
        "mutation($id: ID!) { publishCondition(id: $id) { id } }",
        json!({ "id": id }),
    )
    .await;
    let editor = token_id(&app, "test editor").await;

    let all = history(&app, &id).await;
    assert_eq!(all["totalCount"], 5);
    assert_eq!(all["pageInfo"]["hasNextPage"], false);
    let revisions = nodes(&all);
    let summary: Vec<(Value, Value, Value)> = revisions
        .iter()
        .map(|n| (n["action"].clone(), n["stage"].clone(), n["version"].clone()))
        .collect();
    assert_eq!(
        summary,
        [
            (json!("PUBLISHED"), json!("PUBLISHED"), json!(4)),
            (json!("UPDATED"), json!("DRAFT"), json!(4)),
            (json!("UPDATED"), json!("DRAFT"), json!(3)),
            (json!("UPDATED"), json!("DRAFT"), json!(2)),
            (json!("CREATED"), json!("DRAFT"), json!(1)),
        ]
    );
    for revision in &revisions {
        assert_eq!(revision["documentType"], "CONDITION");
        assert_eq!(revision["documentId"], id.as_str());
        assert_eq!(revision["actorName"], "test editor");
        assert_eq!(revision["actorId"], editor.as_str());
    }
    // Newest first: ids (sequence numbers) and times go down.
    let seqs: Vec<i64> = revisions
        .iter()
        .map(|n| n["id"].as_str().unwrap().parse().unwrap())
        .collect();
    assert!(seqs.windows(2).all(|w| w[0] > w[1]), "{seqs:?}");
    let times: Vec<chrono::DateTime<chrono::Utc>> = revisions
        .iter()
        .map(|n| n["occurredAt"].as_str().unwrap().parse().unwrap())
        .collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]), "{times:?}");

    // Two at a time.
    let mut paged = Vec::new();
    let mut after: Option<String> = None;
    let mut pages = 0;
    loop {
        let page = app
            .data(
                As::Preview,
                HISTORY,
                json!({ "id": id, "first": 2, "after": after }),
            )
            .await["history"]
            .clone();
        pages += 1;
        assert_eq!(page["totalCount"], 5);
        let got = nodes(&page);
        assert!(got.len() <= 2);
        paged.extend(got.iter().map(|n| n["id"].clone()));
        if page["pageInfo"]["hasNextPage"] == false {
            break;
        }
        after = Some(page["pageInfo"]["endCursor"].as_str().unwrap().to_owned());
    }
    assert_eq!(pages, 3);
    assert_eq!(
        paged,
        field(&revisions, "id").into_iter().cloned().collect::<Vec<_>>()
    );

    // Pages are bounded, and cursors are checked.
    let too_many = app
        .call(As::Editor, HISTORY, json!({ "id": id, "first": 101 }))
        .await;
    assert_eq!(error_code(&too_many), "BAD_USER_INPUT");
    let bad_cursor = app
        .call(
            As::Editor,
            HISTORY,
            json!({ "id": id, "first": 2, "after": "not-a-cursor" }),
        )
        .await;
    assert_eq!(error_code(&bad_cursor), "BAD_USER_INPUT");

    // The seeded page was made by the server itself: named, but by no token.
    let seeded = history(&app, &prolotherapy_id(&app).await).await;
    let seeded = nodes(&seeded);
    assert!(!seeded.is_empty());
    assert!(
        seeded
            .iter()
            .all(|n| n["actorName"] == "seed" && n["actorId"].is_null())
    );
}

#[tokio::test]
async fn history_and_revisions_need_a_token() {
    let app = TestApp::new().await;
    let id = prolotherapy_id(&app).await;
    let response = app.call(As::Public, HISTORY, json!({ "id": id })).await;
    assert_eq!(error_code(&response), "UNAUTHENTICATED");
    let seq = nodes(&history(&app, &id).await)[0]["id"].clone();
    let response = app
        .call(
            As::Public,
            "query($id: ID!) { revision(id: $id) { id } }",
            json!({ "id": seq }),
        )
        .await;
    assert_eq!(error_code(&response), "UNAUTHENTICATED");
    // Any token reads history; the trash is for editors.
    let preview = app.data(As::Preview, HISTORY, json!({ "id": id })).await;
    assert!(preview["history"]["totalCount"].as_i64().unwrap() > 0);
    assert_eq!(
        error_code(&app.call(As::Public, TRASH, json!({})).await),
        "UNAUTHENTICATED"
    );
    assert_eq!(
        error_code(&app.call(As::Preview, TRASH, json!({})).await),
        "FORBIDDEN"
    );
    assert_eq!(
        error_code(&app.call(As::Preview, RESTORE, json!({ "rev": seq })).await),
        "FORBIDDEN"
    );
}

#[tokio::test]
async fn a_revision_holds_the_old_values_and_names_the_fields_that_differ_from_the_draft() {
    let app = TestApp::new().await;
    let id = create_condition(&app, As::Editor, "shin-splints", "Shin splints").await;
    update_condition(&app, As::Editor, &id, 1, json!({ "name": "Shin pain" })).await;
    update_condition(
        &app,
        As::Editor,
        &id,
        2,
        json!({ "description": "Later.", "bodyRegion": "leg" }),
    )
    .await;

    let revisions = nodes(&history(&app, &id).await);
    let [latest, renamed, created] = <[Value; 3]>::try_from(revisions).unwrap();
    // Field names as in the API (camelCase), values as they then stood.
    let snapshot = &created["snapshot"];
    assert_eq!(snapshot["id"], id.as_str());
    assert_eq!(snapshot["slug"], "shin-splints");
    assert_eq!(snapshot["name"], "Shin splints");
    assert_eq!(snapshot["description"], "At first.");
    assert_eq!(snapshot["bodyRegion"], "knee");
    assert_eq!(snapshot["version"], 1);
    assert!(snapshot.get("createdAt").is_some() && snapshot.get("body_region").is_none());
    assert_eq!(renamed["snapshot"]["name"], "Shin pain");
    assert_eq!(renamed["snapshot"]["bodyRegion"], "knee");
    assert_eq!(latest["snapshot"]["bodyRegion"], "leg");

    // Against the current draft (version 3), exactly the fields that differ.
    assert_eq!(
        created["changedFields"],
        json!(["bodyRegion", "description", "name"])
    );
    assert_eq!(renamed["changedFields"], json!(["bodyRegion", "description"]));
    assert_eq!(latest["changedFields"], json!([]));

    // One revision by its id reads the same.
    let one = app
        .data(
            As::Preview,
            "query($id: ID!) { revision(id: $id) { id action version snapshot changedFields } }",
            json!({ "id": created["id"] }),
        )
        .await;
    assert_eq!(
        one["revision"],
        json!({
            "id": created["id"],
            "action": "CREATED",
            "version": 1,
            "snapshot": created["snapshot"],
            "changedFields": ["bodyRegion", "description", "name"],
        })
    );
    let none = app
        .data(As::Preview, "{ revision(id: \"999999999\") { id } }", json!({}))
        .await;
    assert_eq!(none["revision"], Value::Null);

    // With no draft left, every field differs.
    app.data(
        As::Editor,
        "mutation($id: ID!) { deleteCondition(id: $id) }",
        json!({ "id": id }),
    )
    .await;
    let revisions = nodes(&history(&app, &id).await);
    assert_eq!(revisions[0]["action"], "DELETED");
    for revision in &revisions {
        assert_eq!(
            revision["changedFields"],
            json!(["bodyRegion", "description", "id", "name", "slug"]),
            "{revision}"
        );
    }
}

const THERAPY_AT: &str = "query($stage: Stage) { therapy(slug: \"prolotherapy\", stage: $stage) { name version sections { id } conditions { id } } }";

#[tokio::test]
async fn restoring_a_revision_makes_a_new_draft_version_and_leaves_the_published_copy_alone() {
    let app = TestApp::new().await;
    let id = prolotherapy_id(&app).await;
    let rename = "mutation($id: ID!, $v: Int!, $name: String!) { updateTherapy(id: $id, expectedVersion: $v, input: { name: $name }) { version } }";
    app.data(
        As::Editor,
        rename,
        json!({ "id": id, "v": 1, "name": "Prolotherapy (2)" }),
    )
    .await;
    app.data(
        As::Editor,
        "mutation($id: ID!) { publishTherapy(id: $id) { id } }",
        json!({ "id": id }),
    )
    .await;
    app.data(
        As::Editor,
        rename,
        json!({ "id": id, "v": 2, "name": "Prolotherapy (3)" }),
    )
    .await;
    let draft_before = app
        .data(As::Editor, THERAPY_AT, json!({ "stage": "DRAFT" }))
        .await;

    let before = nodes(&history(&app, &id).await);
    let created = before.iter().find(|n| n["action"] == "CREATED").unwrap().clone();
    assert_eq!(created["snapshot"]["name"], "Prolotherapy");
    assert_eq!(created["changedFields"], json!(["name"]));

    let restored = app
        .data(
            As::Editor,
            RESTORE,
            json!({ "rev": created["id"], "expected": 3 }),
        )
        .await["restoreRevision"]
        .clone();
    assert_eq!(restored["documentType"], "THERAPY");
    assert_eq!(restored["documentId"], id.as_str());
    assert_eq!(restored["action"], "RESTORED");
    assert_eq!(restored["stage"], "DRAFT");
    assert_eq!(restored["version"], 4);
    assert_eq!(restored["actorName"], "test editor");
    assert_eq!(restored["snapshot"]["name"], "Prolotherapy");
    assert_eq!(restored["snapshot"]["version"], 4);

    // The draft has the old values as a new version; its sections and links stay.
    let draft = app
        .data(As::Editor, THERAPY_AT, json!({ "stage": "DRAFT" }))
        .await;
    assert_eq!(draft["therapy"]["name"], "Prolotherapy");
    assert_eq!(draft["therapy"]["version"], 4);
    assert_eq!(draft["therapy"]["sections"], draft_before["therapy"]["sections"]);
    assert_eq!(
        draft["therapy"]["conditions"],
        draft_before["therapy"]["conditions"]
    );

    // History grew by the RESTORED event; nothing older was rewritten.
    let after = nodes(&history(&app, &id).await);
    assert_eq!(after.len(), before.len() + 1);
    assert_eq!(after[0]["id"], restored["id"]);
    assert_eq!(after[0]["action"], "RESTORED");
    let unchanged = |n: &Value| {
        json!([
            n["id"],
            n["action"],
            n["stage"],
            n["version"],
            n["actorName"],
            n["occurredAt"],
            n["snapshot"]
        ])
    };
    assert_eq!(
        after[1..].iter().map(unchanged).collect::<Vec<_>>(),
        before.iter().map(unchanged).collect::<Vec<_>>()
    );
    // The restored revision now matches the draft.
    let created_now = after.iter().find(|n| n["id"] == created["id"]).unwrap();
    assert_eq!(created_now["changedFields"], json!([]));

    // The published copy is untouched until the therapy is published.
    let public = app.data(As::Public, THERAPY_AT, json!({})).await;
    assert_eq!(public["therapy"]["name"], "Prolotherapy (2)");
    assert_eq!(public["therapy"]["version"], 2);
    app.data(
        As::Editor,
        "mutation($id: ID!) { publishTherapy(id: $id) { id } }",
        json!({ "id": id }),
    )
    .await;
    let public = app.data(As::Public, THERAPY_AT, json!({})).await;
    assert_eq!(public["therapy"]["name"], "Prolotherapy");
    assert_eq!(public["therapy"]["version"], 4);

    // A revision id must name a revision.
    for rev in ["not-a-number", "999999999"] {
        let response = app.call(As::Editor, RESTORE, json!({ "rev": rev })).await;
        assert_eq!(error_code(&response), "BAD_USER_INPUT", "{response}");
    }

    // A stale expectedVersion is a conflict, and changes nothing.
    let total = after.len();
    let stale = app
        .call(
            As::Editor,
            RESTORE,
            json!({ "rev": before[0]["id"], "expected": 3 }),
        )
        .await;
    assert_eq!(error_code(&stale), "CONFLICT");
    assert_eq!(stale["errors"][0]["extensions"]["currentVersion"], 4);
    assert_eq!(therapy_version(&app, &id).await, 4);
    assert_eq!(
        history(&app, &id).await["totalCount"],
        total + 1,
        "only the publish was added"
    );
}

#[tokio::test]
async fn a_deleted_condition_waits_in_the_trash_and_comes_back_as_a_new_draft_version() {
    let app = TestApp::new().await;
    let therapy = prolotherapy_id(&app).await;
    let id = app
        .data(
            As::Editor,
            "{ condition(slug: \"fractures\", stage: DRAFT) { id } }",
            json!({}),
        )
        .await["condition"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    update_condition(&app, As::Editor, &id, 1, json!({ "name": "Broken bones" })).await;
    assert!(trash_entry(&app, "CONDITION", &id).await.is_none());
    app.data(
        As::Editor,
        "mutation($id: ID!) { deleteCondition(id: $id) }",
        json!({ "id": id }),
    )
    .await;

    let entry = trash_entry(&app, "CONDITION", &id)
        .await
        .expect("the condition is in the trash");
    assert_eq!(entry["action"], "DELETED");
    assert_eq!(entry["stage"], "DRAFT");
    assert_eq!(entry["version"], 2);
    assert_eq!(entry["snapshot"]["name"], "Broken bones");
    let conditions = trash(&app, Some("CONDITION")).await;
    assert_eq!(conditions["totalCount"], 1);
    // Its link to the therapy went with it, and waits there too.
    let link = nodes(&trash(&app, Some("THERAPY_CONDITION")).await)
        .into_iter()
        .find(|n| n["snapshot"]["conditionId"] == id.as_str())
        .expect("the link is in the trash");
    assert_eq!(trash(&app, None).await["totalCount"], 2);

    let restored =
        app.data(As::Editor, RESTORE, json!({ "rev": entry["id"] })).await["restoreRevision"].clone();
    assert_eq!(
        (&restored["action"], &restored["stage"], &restored["version"]),
        (&json!("RESTORED"), &json!("DRAFT"), &json!(3))
    );
    let back = app
        .data(
            As::Editor,
            "query($id: ID!) { draft: condition(id: $id, stage: DRAFT) { name version publishedAt } published: condition(id: $id) { id } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        back,
        json!({
            "draft": { "name": "Broken bones", "version": 3, "publishedAt": null },
            "published": null,
        })
    );
    assert!(trash_entry(&app, "CONDITION", &id).await.is_none());
    assert_eq!(trash(&app, Some("CONDITION")).await["totalCount"], 0);

    // Deleted again, it is in the trash once, by its newest deletion.
    app.data(
        As::Editor,
        "mutation($id: ID!) { deleteCondition(id: $id) }",
        json!({ "id": id }),
    )
    .await;
    let conditions = trash(&app, Some("CONDITION")).await;
    assert_eq!(conditions["totalCount"], 1);
    let again = nodes(&conditions).remove(0);
    assert_eq!((&again["documentId"], &again["version"]), (&json!(id), &json!(3)));
    assert_ne!(again["id"], entry["id"]);
    let restored =
        app.data(As::Editor, RESTORE, json!({ "rev": again["id"] })).await["restoreRevision"].clone();
    assert_eq!(restored["version"], 4);
    assert_eq!(trash(&app, Some("CONDITION")).await["totalCount"], 0);

    // With the condition back, its link can come back too.
    app.data(As::Editor, RESTORE, json!({ "rev": link["id"] })).await;
    let draft = app
        .data(
            As::Editor,
            "query($id: ID!) { therapy(id: $id, stage: DRAFT) { conditions { id condition { slug } } } }",
            json!({ "id": therapy }),
        )
        .await;
    assert!(
        draft["therapy"]["conditions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["id"] == link["documentId"] && l["condition"]["slug"] == "fractures")
    );
    assert_eq!(trash(&app, None).await["totalCount"], 0);
}

#[tokio::test]
async fn a_deleted_therapy_comes_back_from_the_trash_before_its_items_can() {
    let app = TestApp::new().await;
    let therapy = app
        .data(
            As::Editor,
            "mutation { createTherapy(input: { slug: \"cupping\", name: \"Cupping\" }) { id } }",
            json!({}),
        )
        .await["createTherapy"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let benefit = app
        .data(
            As::Editor,
            "mutation($id: ID!) { createBenefit(input: { therapyId: $id, title: \"Relaxing\", body: \"Very.\" }) { id } }",
            json!({ "id": therapy }),
        )
        .await["createBenefit"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.data(
        As::Editor,
        "mutation($id: ID!) { deleteTherapy(id: $id) }",
        json!({ "id": therapy }),
    )
    .await;

    let therapy_entry = trash_entry(&app, "THERAPY", &therapy)
        .await
        .expect("the therapy is in the trash");
    let benefit_entry = trash_entry(&app, "BENEFIT", &benefit)
        .await
        .expect("its benefit is in the trash");
    assert_eq!(therapy_entry["version"], 1);

    // A benefit cannot come back without its therapy.
    let orphan = app
        .call(As::Editor, RESTORE, json!({ "rev": benefit_entry["id"] }))
        .await;
    assert_eq!(error_code(&orphan), "BAD_USER_INPUT", "{orphan}");
    assert!(trash_entry(&app, "BENEFIT", &benefit).await.is_some());

    let restored = app
        .data(As::Editor, RESTORE, json!({ "rev": therapy_entry["id"] }))
        .await["restoreRevision"]
        .clone();
    assert_eq!(restored["version"], 2);
    assert_eq!(therapy_version(&app, &therapy).await, 2);
    assert!(trash_entry(&app, "THERAPY", &therapy).await.is_none());

    let restored = app
        .data(As::Editor, RESTORE, json!({ "rev": benefit_entry["id"] }))
        .await["restoreRevision"]
        .clone();
    assert_eq!(restored["version"], 2);
    let draft = app
        .data(
            As::Editor,
            "query($id: ID!) { therapy(id: $id, stage: DRAFT) { benefits { id title } } }",
            json!({ "id": therapy }),
        )
        .await;
    assert_eq!(
        draft["therapy"]["benefits"],
        json!([{ "id": benefit, "title": "Relaxing" }])
    );
    assert!(trash_entry(&app, "BENEFIT", &benefit).await.is_none());
}

#[tokio::test]
async fn purging_a_deleted_document_erases_its_content_for_good() {
    let app = TestApp::new().await;
    let id = create_condition(&app, As::Editor, "to-be-purged", "To be purged").await;
    update_condition(&app, As::Editor, &id, 1, json!({ "name": "Secret name" })).await;
    let purge = "mutation($id: ID!) { purgeDocument(id: $id) { documentType documentId action stage version snapshot } }";

    // Only a deleted document can be purged.
    let live = app.call(As::Admin, purge, json!({ "id": id })).await;
    assert_eq!(error_code(&live), "BAD_USER_INPUT");
    assert_eq!(live["errors"][0]["extensions"]["field"], "id");
    let unknown = app
        .call(As::Admin, purge, json!({ "id": Uuid::now_v7().to_string() }))
        .await;
    assert_eq!(error_code(&unknown), "BAD_USER_INPUT");

    app.data(
        As::Editor,
        "mutation($id: ID!) { deleteCondition(id: $id) }",
        json!({ "id": id }),
    )
    .await;
    let entry = trash_entry(&app, "CONDITION", &id).await.unwrap();

    // Editors may not purge.
    let editor = app.call(As::Editor, purge, json!({ "id": id })).await;
    assert_eq!(error_code(&editor), "FORBIDDEN");
    assert!(trash_entry(&app, "CONDITION", &id).await.is_some());

    let purged = app.data(As::Admin, purge, json!({ "id": id })).await;
    assert_eq!(
        purged["purgeDocument"],
        json!({
            "documentType": "CONDITION",
            "documentId": id,
            "action": "PURGED",
            "stage": "DRAFT",
            "version": 2,
            "snapshot": null,
        })
    );

    // Every revision is still listed, but holds no content.
    let revisions = nodes(&history(&app, &id).await);
    assert_eq!(
        field(&revisions, "action"),
        [
            &json!("PURGED"),
            &json!("DELETED"),
            &json!("UPDATED"),
            &json!("CREATED")
        ]
    );
    for revision in &revisions {
        assert_eq!(revision["snapshot"], Value::Null, "{revision}");
        assert_eq!(revision["changedFields"], json!([]));
    }
    let stored = content_event::Entity::find()
        .filter(Column::DocumentId.eq(Uuid::parse_str(&id).unwrap()))
        .all(app.db().conn())
        .await
        .unwrap();
    assert_eq!(stored.len(), 4);
    assert!(stored.iter().all(|e| e.snapshot.is_none()));
    assert!(
        stored
            .iter()
            .all(|e| !e.snapshot.iter().any(|s| s.to_string().contains("Secret name")))
    );

    // Gone from the trash, and beyond restoring.
    assert!(trash_entry(&app, "CONDITION", &id).await.is_none());
    let restore = app.call(As::Editor, RESTORE, json!({ "rev": entry["id"] })).await;
    assert_eq!(error_code(&restore), "BAD_USER_INPUT");
    let older = app
        .call(As::Editor, RESTORE, json!({ "rev": revisions[3]["id"] }))
        .await;
    assert_eq!(error_code(&older), "BAD_USER_INPUT");
    let draft = app
        .data(
            As::Editor,
            "query($id: ID!) { condition(id: $id, stage: DRAFT) { id } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(draft["condition"], Value::Null);
}

const AUDIT: &str = "query($filter: AuditFilter, $first: Int, $after: String) {
    auditLog(filter: $filter, first: $first, after: $after) {
        totalCount
        pageInfo { hasNextPage endCursor }
        nodes { id documentType documentId action version actorName actorId occurredAt }
    }
}";

async fn audit(app: &TestApp, filter: Value) -> Vec<Value> {
    let page = app
        .data(As::Admin, AUDIT, json!({ "filter": filter, "first": 100 }))
        .await;
    nodes(&page["auditLog"])
}

fn summary(nodes: &[Value]) -> Vec<(String, String, String)> {
    nodes
        .iter()
        .map(|n| {
            (
                n["documentType"].as_str().unwrap().to_owned(),
                n["documentId"].as_str().unwrap().to_owned(),
                n["action"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn s(document_type: &str, id: &str, action: &str) -> (String, String, String) {
    (document_type.to_owned(), id.to_owned(), action.to_owned())
}

#[tokio::test]
async fn the_audit_log_is_for_admins_and_narrows_by_actor_type_action_and_time() {
    let app = TestApp::new().await;
    let therapy = prolotherapy_id(&app).await;
    assert_eq!(
        error_code(&app.call(As::Editor, AUDIT, json!({})).await),
        "FORBIDDEN"
    );
    assert_eq!(
        error_code(&app.call(As::Preview, AUDIT, json!({})).await),
        "FORBIDDEN"
    );
    assert_eq!(
        error_code(&app.call(As::Public, AUDIT, json!({})).await),
        "UNAUTHENTICATED"
    );

    let created = app
        .data(
            As::Admin,
            "mutation { createApiToken(name: \"second editor\", role: EDITOR) { secret token { id } } }",
            json!({}),
        )
        .await["createApiToken"]
        .clone();
    let second = format!("Bearer {}", created["secret"].as_str().unwrap());
    let second_id = created["token"]["id"].as_str().unwrap().to_owned();
    let first_id = token_id(&app, "test editor").await;
    let pause = || tokio::time::sleep(Duration::from_millis(5));

    // First editor: creates a condition. Second: renames it and the therapy.
    // First again: publishes the condition.
    let condition = create_condition(&app, As::Editor, "audit-me", "Audit me").await;
    pause().await;
    let rename = app
        .call_with_header(
            Some(&second),
            "mutation($id: ID!) { updateCondition(id: $id, expectedVersion: 1, input: { name: \"Audited\" }) { version } }",
            json!({ "id": condition }),
        )
        .await;
    assert!(rename.get("errors").is_none(), "{rename}");
    pause().await;
    let rename = app
        .call_with_header(
            Some(&second),
            "mutation($id: ID!) { updateTherapy(id: $id, expectedVersion: 1, input: { name: \"Prolotherapy, audited\" }) { version } }",
            json!({ "id": therapy }),
        )
        .await;
    assert!(rename.get("errors").is_none(), "{rename}");
    pause().await;
    app.data(
        As::Editor,
        "mutation($id: ID!) { publishCondition(id: $id) { id } }",
        json!({ "id": condition }),
    )
    .await;

    // By actor.
    let by_second = audit(&app, json!({ "actorId": second_id })).await;
    assert_eq!(
        summary(&by_second),
        [
            s("THERAPY", &therapy, "UPDATED"),
            s("CONDITION", &condition, "UPDATED"),
        ]
    );
    assert!(
        by_second
            .iter()
            .all(|n| n["actorName"] == "second editor" && n["actorId"] == second_id.as_str())
    );
    let by_first = audit(&app, json!({ "actorId": first_id })).await;
    assert_eq!(
        summary(&by_first),
        [
            s("CONDITION", &condition, "PUBLISHED"),
            s("CONDITION", &condition, "CREATED"),
        ]
    );
    assert!(by_first.iter().all(|n| n["actorName"] == "test editor"));

    // Everything, newest first: ours on top of the seed's.
    let all = app.data(As::Admin, AUDIT, json!({ "first": 4 })).await["auditLog"].clone();
    let newest = nodes(&all);
    assert_eq!(
        summary(&newest),
        [
            s("CONDITION", &condition, "PUBLISHED"),
            s("THERAPY", &therapy, "UPDATED"),
            s("CONDITION", &condition, "UPDATED"),
            s("CONDITION", &condition, "CREATED"),
        ]
    );
    assert_eq!(all["pageInfo"]["hasNextPage"], true);
    assert!(all["totalCount"].as_i64().unwrap() > 4);
    let next = app
        .data(
            As::Admin,
            AUDIT,
            json!({ "first": 1, "after": all["pageInfo"]["endCursor"] }),
        )
        .await;
    assert_eq!(nodes(&next["auditLog"])[0]["actorName"], "seed");

    // By type, action and document, from when we started.
    let since = newest[3]["occurredAt"].clone();
    let conditions = audit(&app, json!({ "documentType": "CONDITION", "since": since })).await;
    assert_eq!(
        summary(&conditions),
        [
            s("CONDITION", &condition, "PUBLISHED"),
            s("CONDITION", &condition, "UPDATED"),
            s("CONDITION", &condition, "CREATED"),
        ]
    );
    let updates = audit(&app, json!({ "action": "UPDATED", "since": since })).await;
    assert_eq!(
        summary(&updates),
        [
            s("THERAPY", &therapy, "UPDATED"),
            s("CONDITION", &condition, "UPDATED"),
        ]
    );
    let therapy_only = audit(&app, json!({ "documentId": therapy })).await;
    assert!(therapy_only.iter().all(|n| n["documentId"] == therapy.as_str()));
    assert_eq!(therapy_only[0]["action"], "UPDATED");
    let combined = audit(
        &app,
        json!({ "actorId": second_id, "documentType": "CONDITION", "action": "UPDATED" }),
    )
    .await;
    assert_eq!(summary(&combined), [s("CONDITION", &condition, "UPDATED")]);

    // By time: `since` is inclusive, `until` exclusive.
    let at = |i: usize| newest[i]["occurredAt"].clone();
    let window = audit(&app, json!({ "since": at(2) })).await;
    assert_eq!(summary(&window), summary(&newest[..3]));
    let window = audit(&app, json!({ "since": at(3), "until": at(1) })).await;
    assert_eq!(summary(&window), summary(&newest[2..4]));
    let window = audit(&app, json!({ "since": at(2), "until": at(2) })).await;
    assert!(window.is_empty());
    let before = audit(&app, json!({ "until": at(3) })).await;
    assert!(!before.is_empty());
    assert!(before.iter().all(|n| n["actorName"] == "seed"));
}

#[tokio::test]
async fn the_public_never_learns_who_made_a_change() {
    let app = TestApp::new().await;
    let therapy = prolotherapy_id(&app).await;
    app.state.bus.start(app.db().clone()).await.unwrap();
    let subscription = "subscription($stage: Stage) { contentChanged(types: [THERAPY], stage: $stage) { documentId action stage actorName actorId } }";
    let subscribe = |identity: auth::Identity, stage: &str| {
        let request = async_graphql::Request::new(subscription)
            .variables(async_graphql::Variables::from_json(json!({ "stage": stage })))
            .data(identity)
            .data(Loaders::new(app.db()));
        app.state.schema.execute_stream(request)
    };
    let public_identity = auth::authenticate(app.db().conn(), None).await.unwrap();
    let editor_header = app.header(As::Editor).unwrap();
    let editor_identity = auth::authenticate(app.db().conn(), Some(&editor_header))
        .await
        .unwrap();
    // A subscription starts listening when first polled: poll each in a task of
    // its own, and publish until both have seen an event (a publish made before a
    // task subscribed is simply not seen by it).
    let first_event =
        |mut stream: async_graphql::futures_util::stream::BoxStream<'static, async_graphql::Response>| {
            tokio::spawn(async move {
                let response = serde_json::to_value(stream.next().await.expect("an event")).unwrap();
                assert!(response.get("errors").is_none(), "{response}");
                response["data"]["contentChanged"].clone()
            })
        };
    let mut public = first_event(subscribe(public_identity, "PUBLISHED"));
    let mut editor = first_event(subscribe(editor_identity, "PUBLISHED"));
    let (mut seen_by_public, mut seen_by_editor) = (None, None);
    for _ in 0..10 {
        app.data(
            As::Editor,
            "mutation($id: ID!) { publishTherapy(id: $id) { id } }",
            json!({ "id": therapy }),
        )
        .await;
        if seen_by_public.is_none()
            && let Ok(event) = tokio::time::timeout(Duration::from_secs(2), &mut public).await
        {
            seen_by_public = Some(event.unwrap());
        }
        if seen_by_editor.is_none()
            && let Ok(event) = tokio::time::timeout(Duration::from_secs(2), &mut editor).await
        {
            seen_by_editor = Some(event.unwrap());
        }
        if seen_by_public.is_some() && seen_by_editor.is_some() {
            break;
        }
    }
    assert_eq!(
        seen_by_public.expect("the public subscriber saw the publish"),
        json!({ "documentId": therapy, "action": "PUBLISHED", "stage": "PUBLISHED", "actorName": null, "actorId": null })
    );
    let seen_by_editor = seen_by_editor.expect("the editor's subscriber saw the publish");
    assert_eq!(seen_by_editor["actorName"], "test editor");
    assert_eq!(
        seen_by_editor["actorId"],
        token_id(&app, "test editor").await.as_str()
    );

    // The delta-sync feed carries published data only, never who changed it.
    let feed = app
        .data(
            As::Public,
            "{ changes(first: 500) { changes { seq kind documentType documentId data } } }",
            json!({}),
        )
        .await;
    let changes = feed["changes"]["changes"].as_array().unwrap();
    assert!(!changes.is_empty());
    let text = feed.to_string();
    assert!(!text.contains("test editor") && !text.contains("actor"), "{text}");
}

#[tokio::test]
async fn a_revision_whose_slug_is_taken_now_is_refused_and_changes_nothing() {
    let app = TestApp::new().await;
    let id = create_condition(&app, As::Editor, "shin-splints", "Shin splints").await;
    update_condition(&app, As::Editor, &id, 1, json!({ "slug": "shin-pain" })).await;
    // Another condition takes the old slug.
    create_condition(&app, As::Editor, "shin-splints", "Someone else").await;
    let before = history(&app, &id).await;
    let created = nodes(&before).pop().unwrap();
    assert_eq!(created["action"], "CREATED");

    let response = app
        .call(As::Editor, RESTORE, json!({ "rev": created["id"] }))
        .await;
    assert_eq!(error_code(&response), "BAD_USER_INPUT", "{response}");
    assert_eq!(response["errors"][0]["extensions"]["field"], "slug");
    assert_eq!(history(&app, &id).await["totalCount"], before["totalCount"]);
    let draft = app
        .data(
            As::Editor,
            "query($id: ID!) { condition(id: $id, stage: DRAFT) { slug version } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(draft["condition"], json!({ "slug": "shin-pain", "version": 2 }));
}
