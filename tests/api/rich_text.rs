//! Rich text is rendered to HTML and plain text when it is written and kept beside
//! the markdown; reads serve what is kept. Rows without renderings get them at startup.

use clinic_content_api::content::Stage;
use clinic_content_api::content::document::{self, Document};
use clinic_content_api::content::rich_text::{self, backfill};
use entity::{benefit, condition, faq, practitioner, therapy, therapy_section};
use sea_orm::sea_query::Expr;
use sea_orm::{ConnectionTrait, EntityTrait, ModelTrait, QueryFilter, Value};
use serde_json::{Value as Json, json};
use uuid::Uuid;

use crate::helpers::{As, TestApp, TestDatabase, prolotherapy_id};

/// Markdown with something of everything the renderers treat: headings, emphasis,
/// a list, and a script the HTML must not keep.
const FIRST: &str =
    "# Why\n\nSome *emphasis* and <script>alert(1)</script> a **bold** claim.\n\n- one\n- two";
const SECOND: &str = "A second version, with a [link](https://example.org) and `code`.";

/// One rich text field of one GraphQL type, with what its create mutation needs besides.
struct Field {
    /// The type, as in `createTherapy` and `UpdateTherapyInput`.
    type_name: &'static str,
    /// Its single-document query, `therapy(id:, stage:)`.
    query: &'static str,
    field: &'static str,
    other_inputs: Json,
}

impl Field {
    async fn create(&self, app: &TestApp, markdown: &str) -> (Uuid, i64) {
        let mut input = self.other_inputs.clone();
        input[self.field] = json!(markdown);
        let mutation = format!(
            "mutation($input: Create{t}Input!) {{ create{t}(input: $input) {{ id version }} }}",
            t = self.type_name
        );
        let data = app.data(As::Editor, &mutation, json!({ "input": input })).await;
        id_and_version(&data[format!("create{}", self.type_name)])
    }

    async fn update(&self, app: &TestApp, id: Uuid, version: i64, markdown: &str) {
        let mutation = format!(
            "mutation($id: ID!, $v: Int!, $input: Update{t}Input!) {{ update{t}(id: $id, expectedVersion: $v, input: $input) {{ id }} }}",
            t = self.type_name
        );
        let input = json!({ self.field: markdown });
        app.data(
            As::Editor,
            &mutation,
            json!({ "id": id, "v": version, "input": input }),
        )
        .await;
    }

    /// The field as the API answers it: `{ markdown, html, plainText }`.
    async fn read(&self, app: &TestApp, id: Uuid, stage: &str) -> Json {
        let query = format!(
            "query($id: ID!, $stage: Stage) {{ {q}(id: $id, stage: $stage) {{ {f} {{ markdown html plainText }} }} }}",
            q = self.query,
            f = self.field
        );
        let data = app
            .data(As::Editor, &query, json!({ "id": id, "stage": stage }))
            .await;
        data[self.query][self.field].clone()
    }
}

fn id_and_version(object: &Json) -> (Uuid, i64) {
    let id = object["id"].as_str().unwrap().parse().unwrap();
    (id, object["version"].as_i64().unwrap())
}

/// What the API answers for rich text `markdown` rendered as the renderers do.
fn rendered(markdown: &str) -> Json {
    json!({
        "markdown": markdown,
        "html": rich_text::to_html(markdown),
        "plainText": rich_text::to_plain_text(markdown),
    })
}

/// A row's rich text as its table keeps it: markdown, HTML, plain text.
#[derive(Debug, PartialEq)]
struct Stored {
    markdown: String,
    html: Option<String>,
    plain_text: Option<String>,
}

impl Stored {
    fn rendered(markdown: &str) -> Self {
        Self {
            markdown: markdown.to_owned(),
            html: Some(rich_text::to_html(markdown)),
            plain_text: Some(rich_text::to_plain_text(markdown)),
        }
    }

    fn of<E: Document>(row: &E::Model) -> Self {
        let field = E::rich_text()[0];
        let text = |value: Value| match value {
            Value::String(s) => s,
            other => panic!("not text: {other:?}"),
        };
        Self {
            markdown: text(row.get(field.markdown)).unwrap(),
            html: text(row.get(field.html)),
            plain_text: text(row.get(field.plain_text)),
        }
    }
}

async fn stored<E: Document>(app: &TestApp, id: Uuid, stage: Stage) -> Stored {
    let row = document::find::<E>(app.db().conn(), id, stage)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("no {} {id} at {stage:?}", E::DECLARATION.label));
    Stored::of::<E>(&row)
}

/// Every row of a table, both stages.
async fn all_stored<E: Document>(db: &impl ConnectionTrait) -> Vec<Stored> {
    E::find()
        .all(db)
        .await
        .unwrap()
        .iter()
        .map(Stored::of::<E>)
        .collect()
}

/// Creates, reads, updates and publishes one field, checking what is kept at each step.
async fn write_and_check<E: Document>(app: &TestApp, field: &Field) {
    let (id, version) = field.create(app, FIRST).await;
    assert_eq!(
        stored::<E>(app, id, Stage::Draft).await,
        Stored::rendered(FIRST),
        "{} created",
        field.type_name
    );

    field.update(app, id, version, SECOND).await;
    assert_eq!(
        stored::<E>(app, id, Stage::Draft).await,
        Stored::rendered(SECOND),
        "{} updated",
        field.type_name
    );
    assert_eq!(field.read(app, id, "DRAFT").await, rendered(SECOND));

    // Publishing copies the row, renderings included.
    let publish = format!(
        "mutation($id: ID!) {{ publish{t}(id: $id) {{ id }} }}",
        t = field.type_name
    );
    app.data(As::Editor, &publish, json!({ "id": id })).await;
    assert_eq!(
        stored::<E>(app, id, Stage::Published).await,
        Stored::rendered(SECOND),
        "{} published",
        field.type_name
    );
}

#[tokio::test]
async fn writing_markdown_keeps_its_html_and_plain_text_for_every_rich_text_field() {
    let app = TestApp::new().await;
    let therapy = prolotherapy_id(&app).await;

    write_and_check::<therapy::Entity>(
        &app,
        &Field {
            type_name: "Therapy",
            query: "therapy",
            field: "summary",
            other_inputs: json!({ "slug": "ozone", "name": "Ozone" }),
        },
    )
    .await;
    write_and_check::<condition::Entity>(
        &app,
        &Field {
            type_name: "Condition",
            query: "condition",
            field: "description",
            other_inputs: json!({ "slug": "tennis-elbow", "name": "Tennis elbow" }),
        },
    )
    .await;
    write_and_check::<practitioner::Entity>(
        &app,
        &Field {
            type_name: "Practitioner",
            query: "practitioner",
            field: "bio",
            other_inputs: json!({ "slug": "dr-lee", "name": "Dr Lee" }),
        },
    )
    .await;
    write_and_check::<therapy_section::Entity>(
        &app,
        &Field {
            type_name: "TherapySection",
            query: "therapySection",
            field: "body",
            other_inputs: json!({ "therapyId": therapy, "heading": "Aftercare" }),
        },
    )
    .await;
    write_and_check::<benefit::Entity>(
        &app,
        &Field {
            type_name: "Benefit",
            query: "benefit",
            field: "body",
            other_inputs: json!({ "therapyId": therapy, "title": "Quick" }),
        },
    )
    .await;
    write_and_check::<faq::Entity>(
        &app,
        &Field {
            type_name: "Faq",
            query: "faq",
            field: "answer",
            other_inputs: json!({ "therapyId": therapy, "question": "Does it hurt?" }),
        },
    )
    .await;
}

/// Overwrites every row's renderings with text naming the table, as no renderer would write.
async fn mark_renderings<E: Document>(db: &impl ConnectionTrait, table: &str) {
    let field = E::rich_text()[0];
    E::update_many()
        .col_expr(field.html, Expr::value(format!("<p>kept html of {table}</p>")))
        .col_expr(field.plain_text, Expr::value(format!("kept text of {table}")))
        .exec(db)
        .await
        .unwrap();
}

const PAGE: &str = "{
    therapy(slug: \"prolotherapy\") {
        summary { html plainText }
        sections { body { html plainText } }
        benefits { body { html plainText } }
        faqs { answer { html plainText } }
        conditions { condition { description { html plainText } } }
        practitioners { bio { html plainText } }
    }
}";

#[tokio::test]
async fn the_answer_serves_the_kept_renderings_without_rendering_again() {
    let app = TestApp::new().await;
    let db = app.db().conn();
    mark_renderings::<therapy::Entity>(db, "therapy").await;
    mark_renderings::<therapy_section::Entity>(db, "therapy_section").await;
    mark_renderings::<benefit::Entity>(db, "benefit").await;
    mark_renderings::<faq::Entity>(db, "faq").await;
    mark_renderings::<condition::Entity>(db, "condition").await;
    mark_renderings::<practitioner::Entity>(db, "practitioner").await;

    let page = app.data(As::Public, PAGE, json!({})).await["therapy"].clone();

    let kept = |table: &str| json!({ "html": format!("<p>kept html of {table}</p>"), "plainText": format!("kept text of {table}") });
    assert_eq!(page["summary"], kept("therapy"));
    assert_eq!(page["sections"][0]["body"], kept("therapy_section"));
    assert_eq!(page["benefits"][0]["body"], kept("benefit"));
    assert_eq!(page["faqs"][0]["answer"], kept("faq"));
    assert_eq!(
        page["conditions"][0]["condition"]["description"],
        kept("condition")
    );
    assert_eq!(page["practitioners"][0]["bio"], kept("practitioner"));
}

/// Clears every row's renderings, as rows written before they were kept have none.
async fn clear_renderings<E: Document>(db: &impl ConnectionTrait) {
    let field = E::rich_text()[0];
    E::update_many()
        .col_expr(field.html, Expr::value(Value::String(None)))
        .col_expr(field.plain_text, Expr::value(Value::String(None)))
        .exec(db)
        .await
        .unwrap();
}

async fn clear_all_renderings(db: &impl ConnectionTrait) {
    clear_renderings::<therapy::Entity>(db).await;
    clear_renderings::<therapy_section::Entity>(db).await;
    clear_renderings::<benefit::Entity>(db).await;
    clear_renderings::<faq::Entity>(db).await;
    clear_renderings::<condition::Entity>(db).await;
    clear_renderings::<practitioner::Entity>(db).await;
}

/// Every row of every rich text table has exactly the renderings of its markdown.
async fn assert_all_rendered(db: &impl ConnectionTrait) {
    let tables = [
        ("therapy", all_stored::<therapy::Entity>(db).await),
        ("therapy_section", all_stored::<therapy_section::Entity>(db).await),
        ("benefit", all_stored::<benefit::Entity>(db).await),
        ("faq", all_stored::<faq::Entity>(db).await),
        ("condition", all_stored::<condition::Entity>(db).await),
        ("practitioner", all_stored::<practitioner::Entity>(db).await),
    ];
    for (table, rows) in tables {
        assert!(!rows.is_empty(), "{table} has no rows to check");
        for row in rows {
            assert_eq!(row, Stored::rendered(&row.markdown), "{table}");
        }
    }
}

/// How many rows of the seeded content hold rich text, both stages: one therapy,
/// its 5 sections, 3 benefits and 4 FAQ entries, 20 conditions and 1 practitioner.
async fn rich_text_rows(app: &TestApp) -> u64 {
    let db = app.db().conn();
    let count = |rows: Vec<Stored>| rows.len() as u64;
    count(all_stored::<therapy::Entity>(db).await)
        + count(all_stored::<therapy_section::Entity>(db).await)
        + count(all_stored::<benefit::Entity>(db).await)
        + count(all_stored::<faq::Entity>(db).await)
        + count(all_stored::<condition::Entity>(db).await)
        + count(all_stored::<practitioner::Entity>(db).await)
}

#[tokio::test]
async fn the_backfill_renders_rows_without_renderings_once_and_the_seed_needs_none() {
    let app = TestApp::new().await;
    let db = app.db().conn();
    assert_all_rendered(db).await;
    assert_eq!(
        backfill(app.db()).await.unwrap(),
        0,
        "the seed renders as it writes"
    );

    clear_all_renderings(db).await;
    // Until the backfill runs, reads still answer the right text.
    let page = app.data(As::Public, PAGE, json!({})).await;
    let filled = backfill(app.db()).await.unwrap();

    assert_eq!(filled, rich_text_rows(&app).await);
    assert_all_rendered(db).await;
    assert_eq!(app.data(As::Public, PAGE, json!({})).await, page);
    assert_eq!(
        backfill(app.db()).await.unwrap(),
        0,
        "a second run finds nothing to do"
    );
}

#[tokio::test]
async fn the_backfill_goes_through_tables_larger_than_one_batch() {
    let app = TestApp::empty().await;
    let faq = Field {
        type_name: "Faq",
        query: "faq",
        field: "answer",
        other_inputs: json!({ "question": "Opening hours?" }),
    };
    let mut ids = Vec::new();
    for n in 0..250 {
        ids.push(faq.create(&app, &format!("We open at *{n}*.")).await.0);
    }
    clear_renderings::<faq::Entity>(app.db().conn()).await;

    assert_eq!(backfill(app.db()).await.unwrap(), 250);

    for (n, id) in ids.into_iter().enumerate() {
        assert_eq!(
            stored::<faq::Entity>(&app, id, Stage::Draft).await,
            Stored::rendered(&format!("We open at *{n}*."))
        );
    }
}

#[tokio::test]
async fn a_database_from_before_the_renderings_gets_them_when_the_server_starts() {
    let database = TestDatabase::new().await;
    let app_db = database.connect().await;
    clinic_content_api::seed::load_default(&app_db).await.unwrap();
    // Back to the schema before the rendered columns, content and all.
    crate::helpers::migrate_down_to_before(app_db.conn(), "m20261127_000001_rendered_rich_text").await;
    drop(app_db);

    let migrated = std::process::Command::new(env!("CARGO_BIN_EXE_clinic-content-api"))
        .arg("migrate")
        .env("DATABASE_URL", &database.url)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run the binary");
    assert!(migrated.status.success(), "{migrated:?}");

    let db = database.connect().await;
    assert_all_rendered(db.conn()).await;
}

#[tokio::test]
async fn restoring_a_revision_renders_its_markdown_again() {
    let app = TestApp::new().await;
    let description = Field {
        type_name: "Condition",
        query: "condition",
        field: "description",
        other_inputs: json!({ "slug": "frozen-shoulder", "name": "Frozen shoulder" }),
    };
    let (id, version) = description.create(&app, FIRST).await;
    description.update(&app, id, version, SECOND).await;
    let history = app
        .data(
            As::Editor,
            "query($id: ID!) { history(id: $id) { nodes { id action snapshot } } }",
            json!({ "id": id }),
        )
        .await;
    let created = history["history"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["action"] == "CREATED")
        .unwrap()
        .clone();
    // Snapshots hold the markdown only: the renderings are derived, never logged.
    let mut keys: Vec<&str> = created["snapshot"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "bodyRegion",
            "createdAt",
            "description",
            "id",
            "name",
            "publishedAt",
            "slug",
            "stage",
            "updatedAt",
            "version"
        ]
    );

    app.data(
        As::Editor,
        "mutation($rev: ID!) { restoreRevision(revisionId: $rev) { id } }",
        json!({ "rev": created["id"] }),
    )
    .await;

    assert_eq!(
        stored::<condition::Entity>(&app, id, Stage::Draft).await,
        Stored::rendered(FIRST)
    );
    assert_eq!(description.read(&app, id, "DRAFT").await, rendered(FIRST));
}

#[tokio::test]
async fn a_deleted_therapy_restored_from_the_trash_has_its_renderings() {
    let app = TestApp::new().await;
    let summary = Field {
        type_name: "Therapy",
        query: "therapy",
        field: "summary",
        other_inputs: json!({ "slug": "ozone", "name": "Ozone" }),
    };
    let (id, _) = summary.create(&app, FIRST).await;
    app.data(
        As::Editor,
        "mutation($id: ID!) { deleteTherapy(id: $id) }",
        json!({ "id": id }),
    )
    .await;
    let trash = app
        .data(
            As::Editor,
            "{ trash(documentType: THERAPY) { nodes { id documentId } } }",
            json!({}),
        )
        .await;
    let deleted = trash["trash"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["documentId"] == id.to_string())
        .unwrap()
        .clone();

    app.data(
        As::Editor,
        "mutation($rev: ID!) { restoreRevision(revisionId: $rev) { id } }",
        json!({ "rev": deleted["id"] }),
    )
    .await;

    assert_eq!(
        stored::<therapy::Entity>(&app, id, Stage::Draft).await,
        Stored::rendered(FIRST)
    );
    assert_eq!(summary.read(&app, id, "DRAFT").await, rendered(FIRST));
}

#[tokio::test]
async fn rows_written_behind_the_servers_back_are_still_answered_rendered() {
    let app = TestApp::new().await;
    let therapy = prolotherapy_id(&app).await;
    therapy::Entity::update_many()
        .col_expr(therapy::Column::Summary, Expr::value(SECOND))
        .col_expr(therapy::Column::SummaryHtml, Expr::value(Value::String(None)))
        .filter(sea_orm::ColumnTrait::eq(
            &therapy::Column::Stage,
            Stage::Published,
        ))
        .exec(app.db().conn())
        .await
        .unwrap();

    let summary = app
        .data(
            As::Public,
            "query($id: ID!) { therapy(id: $id) { summary { markdown html plainText } } }",
            json!({ "id": therapy }),
        )
        .await;

    assert_eq!(summary["therapy"]["summary"], rendered(SECOND));
}
