//! Hostile input is refused as `BAD_USER_INPUT`, never `INTERNAL`: NUL characters,
//! text longer than its column, huge lists, positions and versions out of range,
//! forged cursors. And the limits table agrees with the columns the migrations make.

use std::collections::BTreeMap;

use async_graphql::futures_util::StreamExt;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use clinic_content_api::auth::Identity;
use clinic_content_api::graphql::loader::Loaders;
use entity::limits::{self, Storage, TextLimit};
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use serde_json::{Value, json};

use crate::helpers::{As, TestApp, error_code, prolotherapy_id};

/// Asserts a `BAD_USER_INPUT` naming `field`.
fn assert_refused(response: &Value, field: &str, what: &str) {
    assert_eq!(error_code(response), "BAD_USER_INPUT", "{what}: {response:#}");
    assert_eq!(
        response["errors"][0]["extensions"]["field"], field,
        "{what}: {response:#}"
    );
}

#[tokio::test]
async fn a_nul_character_in_any_string_argument_is_refused_naming_the_argument() {
    let app = TestApp::new().await;
    let therapy = prolotherapy_id(&app).await;
    let nul = "a\u{0}b";
    let cases: Vec<(As, &str, Value, &str)> = vec![
        (
            As::Public,
            "query($s: String!) { therapy(slug: $s) { id } }",
            json!({ "s": nul }),
            "slug",
        ),
        (
            As::Public,
            "query($s: String!) { condition(slug: $s) { id } }",
            json!({ "s": nul }),
            "slug",
        ),
        (
            As::Public,
            "query($s: String!) { practitioner(slug: $s) { id } }",
            json!({ "s": nul }),
            "slug",
        ),
        (
            As::Public,
            "query($s: String!) { therapies(filter: { nameEquals: $s }) { totalCount } }",
            json!({ "s": nul }),
            "filter.nameEquals",
        ),
        (
            As::Public,
            "query($s: String!) { conditions(filter: { nameContains: $s }) { totalCount } }",
            json!({ "s": nul }),
            "filter.nameContains",
        ),
        (
            As::Public,
            "query($s: String!) { practitioners(filter: { slugIn: [\"x\", $s] }) { totalCount } }",
            json!({ "s": nul }),
            "filter.slugIn",
        ),
        (
            As::Public,
            "query($s: String!) { conditions(filter: { bodyRegion: $s }) { totalCount } }",
            json!({ "s": nul }),
            "filter.bodyRegion",
        ),
        (
            As::Public,
            "query($s: String!) { faqs(filter: { textContains: $s }) { totalCount } }",
            json!({ "s": nul }),
            "filter.textContains",
        ),
        (
            As::Editor,
            "mutation($s: String!) { createCondition(input: { slug: \"nul\", name: \"N\", bodyRegion: $s }) { id } }",
            json!({ "s": nul }),
            "bodyRegion",
        ),
        (
            As::Editor,
            "mutation($s: String!, $t: ID!) { createFaq(input: { therapyId: $t, question: \"Q?\", answer: $s }) { id } }",
            json!({ "s": nul, "t": therapy }),
            "answer",
        ),
        (
            As::Editor,
            "mutation($s: String!) { createPractitioner(input: { slug: \"nul\", name: \"N\", techniques: [\"ok\", $s] }) { id } }",
            json!({ "s": nul }),
            "techniques[1]",
        ),
        (
            As::Editor,
            "mutation($s: String!, $t: ID!) { updateTherapy(id: $t, expectedVersion: 1, input: { facts: { insuranceNote: $s } }) { id } }",
            json!({ "s": nul, "t": therapy }),
            "facts.insuranceNote",
        ),
        (
            As::Admin,
            "mutation($s: String!) { createApiToken(name: $s, role: PREVIEW) { secret } }",
            json!({ "s": nul }),
            "name",
        ),
        (
            As::Admin,
            "mutation($s: String!) { createWebhook(input: { url: $s }) { secret } }",
            json!({ "s": "https://example.com/a\u{0}b" }),
            "url",
        ),
    ];
    for (who, query, variables, field) in cases {
        let response = app.call(who, query, variables).await;
        assert_refused(&response, field, query);
    }
}

#[tokio::test]
async fn a_body_region_longer_than_its_column_is_refused_and_one_that_fits_is_kept_whole() {
    let app = TestApp::new().await;
    let create = "mutation($region: String!) { createCondition(input: { slug: \"elbow\", name: \"Elbow\", bodyRegion: $region }) { bodyRegion } }";
    // Characters count, not bytes: 120 two-byte letters fit a varchar(120).
    let fits = "é".repeat(limits::CONDITION_BODY_REGION.max_chars);

    let long = app
        .call(As::Editor, create, json!({ "region": "x".repeat(150) }))
        .await;
    let kept = app.data(As::Editor, create, json!({ "region": fits })).await;

    assert_refused(&long, "bodyRegion", "150 characters");
    assert_eq!(kept["createCondition"]["bodyRegion"], fits.as_str());
}

#[tokio::test]
async fn text_fields_take_exactly_their_limit_in_multibyte_characters() {
    let app = TestApp::new().await;
    let therapy = prolotherapy_id(&app).await;
    let at = |limit: &TextLimit| "ü".repeat(limit.max_chars);
    let over = |limit: &TextLimit| "ü".repeat(limit.max_chars + 1);
    let faq = "mutation($t: ID!, $q: String!) { createFaq(input: { therapyId: $t, question: $q, answer: \"A\" }) { question } }";
    let person = "mutation($title: String!, $technique: String!) { createPractitioner(input: { slug: \"dr-u\", name: \"Dr U\", title: $title, techniques: [$technique] }) { title techniques } }";
    let token = "mutation($name: String!) { createApiToken(name: $name, role: PREVIEW) { token { name } } }";
    let question = at(&limits::FAQ_QUESTION);
    let title = at(&limits::PRACTITIONER_TITLE);
    let technique = at(&limits::PRACTITIONER_TECHNIQUES);
    let name = at(&limits::API_TOKEN_NAME);

    let stored_faq = app
        .data(As::Editor, faq, json!({ "t": therapy, "q": question }))
        .await;
    let stored_person = app
        .data(
            As::Editor,
            person,
            json!({ "title": title, "technique": technique }),
        )
        .await;
    let stored_token = app.data(As::Admin, token, json!({ "name": name })).await;
    let long_faq = app
        .call(
            As::Editor,
            faq,
            json!({ "t": therapy, "q": over(&limits::FAQ_QUESTION) }),
        )
        .await;
    let long_token = app
        .call(As::Admin, token, json!({ "name": over(&limits::API_TOKEN_NAME) }))
        .await;

    assert_eq!(stored_faq["createFaq"]["question"], question.as_str());
    assert_eq!(
        stored_person["createPractitioner"],
        json!({ "title": title, "techniques": [technique] })
    );
    assert_eq!(stored_token["createApiToken"]["token"]["name"], name.as_str());
    assert_refused(&long_faq, "question", "501-character question");
    assert_refused(&long_token, "name", "201-character token name");
}

#[tokio::test]
async fn list_arguments_longer_than_the_cap_are_refused() {
    let app = TestApp::new().await;
    let therapy = prolotherapy_id(&app).await;
    let slugs: Vec<String> = (0..70_000).map(|i| format!("slug-{i}")).collect();
    let hundred: Vec<String> = (0..100).map(|i| format!("slug-{i}")).collect();
    let slug_in = "query($slugs: [String!]!) { therapies(filter: { slugIn: $slugs }) { totalCount } }";
    let ids: Vec<String> = (0..1_001)
        .map(|i| format!("01900000-0000-7000-8000-{i:012}"))
        .collect();

    let huge = app.call(As::Public, slug_in, json!({ "slugs": slugs })).await;
    let at_cap = app.data(As::Public, slug_in, json!({ "slugs": hundred })).await;
    let reorder = app
        .call(
            As::Editor,
            "mutation($t: ID!, $ids: [ID!]!) { reorderFaqs(therapyId: $t, ids: $ids) { id } }",
            json!({ "t": therapy, "ids": ids }),
        )
        .await;
    let techniques = app
        .call(
            As::Editor,
            "mutation($t: [String!]!) { createPractitioner(input: { slug: \"many\", name: \"Many\", techniques: $t }) { id } }",
            json!({ "t": vec!["a"; 101] }),
        )
        .await;
    let types = app
        .call(
            As::Admin,
            "mutation($types: [DocumentType!]!) { createWebhook(input: { url: \"https://example.com/h\", documentTypes: $types }) { secret } }",
            json!({ "types": vec!["FAQ"; 101] }),
        )
        .await;

    assert_refused(&huge, "filter.slugIn", "70,000 slugs");
    assert_eq!(at_cap["therapies"]["totalCount"], 0);
    assert_refused(&reorder, "ids", "1,001 ids");
    assert_refused(&techniques, "techniques", "101 techniques");
    assert_refused(&types, "documentTypes", "101 types");
}

#[tokio::test]
async fn a_subscription_with_more_ids_or_types_than_the_cap_is_refused() {
    let app = TestApp::new().await;
    let ids: Vec<String> = (0..101)
        .map(|i| format!("01900000-0000-7000-8000-{i:012}"))
        .collect();
    let subscribe = |variables: Value| {
        let request = async_graphql::Request::new(
            "subscription($ids: [ID!], $types: [DocumentType!]) { contentChanged(ids: $ids, types: $types) { documentId } }",
        )
        .variables(async_graphql::Variables::from_json(variables))
        .data(Identity::Public)
        .data(Loaders::new(app.db()));
        app.state.schema.execute_stream(request)
    };

    let by_ids = subscribe(json!({ "ids": ids })).next().await.expect("an answer");
    let by_types = subscribe(json!({ "types": vec!["FAQ"; 101] }))
        .next()
        .await
        .expect("an answer");

    assert_refused(&serde_json::to_value(by_ids).unwrap(), "ids", "101 ids");
    assert_refused(&serde_json::to_value(by_types).unwrap(), "types", "101 types");
}

#[tokio::test]
async fn positions_out_of_range_are_refused_and_appending_after_the_highest_one_works() {
    let app = TestApp::new().await;
    let therapy = prolotherapy_id(&app).await;
    let create = "mutation($t: ID!, $p: Int) { createBenefit(input: { therapyId: $t, title: \"T\", body: \"B\", position: $p }) { position } }";
    let link = "mutation($t: ID!, $c: ID!, $p: Int) { linkCondition(input: { therapyId: $t, conditionId: $c, suitability: RESPONDS_WELL, position: $p }) { position } }";
    let spare = app
        .data(
            As::Editor,
            "mutation { createCondition(input: { slug: \"spare\", name: \"Spare\" }) { id } }",
            json!({}),
        )
        .await["createCondition"]["id"]
        .clone();

    let mut refused = Vec::new();
    for position in [i32::MAX, 1_000_001, -1, i32::MIN] {
        refused.push(
            app.call(As::Editor, create, json!({ "t": therapy, "p": position }))
                .await,
        );
        refused.push(
            app.call(
                As::Editor,
                link,
                json!({ "t": therapy, "c": spare, "p": position }),
            )
            .await,
        );
    }
    let highest = app
        .data(As::Editor, create, json!({ "t": therapy, "p": 1_000_000 }))
        .await;
    let appended = app
        .data(As::Editor, create, json!({ "t": therapy, "p": null }))
        .await;

    for response in &refused {
        assert_refused(response, "position", "position out of range");
    }
    assert_eq!(highest["createBenefit"]["position"], 1_000_000);
    assert_eq!(appended["createBenefit"]["position"], 1_000_001);
}

#[tokio::test]
async fn versions_and_treatment_facts_out_of_range_are_refused() {
    let app = TestApp::new().await;
    let therapy = prolotherapy_id(&app).await;
    let update = "mutation($t: ID!, $v: Int!) { updateTherapy(id: $t, expectedVersion: $v, input: { name: \"X\" }) { id } }";
    let publish = "mutation($t: ID!, $v: Int) { publishTherapy(id: $t, expectedVersion: $v) { id } }";
    let facts = "mutation($t: ID!, $n: Int) { updateTherapy(id: $t, expectedVersion: 1, input: { facts: { typicalSessions: $n } }) { id } }";

    for version in [0, -1, i32::MIN] {
        let updated = app
            .call(As::Editor, update, json!({ "t": therapy, "v": version }))
            .await;
        let published = app
            .call(As::Editor, publish, json!({ "t": therapy, "v": version }))
            .await;
        assert_refused(&updated, "expectedVersion", "update");
        assert_refused(&published, "expectedVersion", "publish");
    }
    let far_ahead = app
        .call(As::Editor, update, json!({ "t": therapy, "v": i32::MAX }))
        .await;
    assert_eq!(error_code(&far_ahead), "CONFLICT");
    for count in [i32::MAX, 10_001, -1, i32::MIN] {
        let response = app
            .call(As::Editor, facts, json!({ "t": therapy, "n": count }))
            .await;
        assert_refused(&response, "facts.typicalSessions", "typical sessions");
    }
}

fn forged(cursor: Value) -> Value {
    Value::from(URL_SAFE_NO_PAD.encode(cursor.to_string()))
}

#[tokio::test]
async fn cursors_are_checked_against_the_ordering_they_are_used_with() {
    let app = TestApp::new().await;
    let id = "01900000-0000-7000-8000-000000000000";
    let by_name = app
        .data(
            As::Public,
            "{ conditions(first: 1, orderBy: { field: NAME }) { pageInfo { endCursor } } }",
            json!({}),
        )
        .await["conditions"]["pageInfo"]["endCursor"]
        .clone();
    let conditions = "query($order: OrderField!, $after: String) { conditions(orderBy: { field: $order }, after: $after) { totalCount } }";
    let faqs = "query($order: OrderField!, $before: String) { faqs(orderBy: { field: $order }, last: 2, before: $before) { totalCount } }";
    let refused_after: Vec<(&str, &str, Value)> = vec![
        (
            "made for NAME, used with UPDATED_AT",
            "UPDATED_AT",
            by_name.clone(),
        ),
        ("not base64", "NAME", json!("%%%")),
        ("huge", "NAME", json!("A".repeat(100_000))),
        (
            "text key for a time column",
            "UPDATED_AT",
            forged(json!({ "by": "UPDATED_AT", "key": { "Text": "x" }, "id": id })),
        ),
        (
            "number key for a text column",
            "NAME",
            forged(json!({ "by": "NAME", "key": { "Int": 5 }, "id": id })),
        ),
        (
            "time key for a text column",
            "NAME",
            forged(json!({ "by": "NAME", "key": { "Time": "2020-01-01T00:00:00Z" }, "id": id })),
        ),
        (
            "NUL in a text key",
            "NAME",
            forged(json!({ "by": "NAME", "key": { "Text": "a\u{0}" }, "id": id })),
        ),
        (
            "a time out of range",
            "CREATED_AT",
            forged(json!({ "by": "CREATED_AT", "key": { "Time": "+200000-01-01T00:00:00Z" }, "id": id })),
        ),
        ("not a cursor's shape", "NAME", forged(json!({ "by": "NAME" }))),
    ];
    let refused_before: Vec<(&str, Value)> = vec![
        (
            "a position beyond i32",
            forged(json!({ "by": "POSITION", "key": { "Int": 1_i64 << 40 }, "id": id })),
        ),
        (
            "text key for a position",
            forged(json!({ "by": "POSITION", "key": { "Text": "1" }, "id": id })),
        ),
    ];

    for (what, order, cursor) in refused_after {
        let response = app
            .call(As::Public, conditions, json!({ "order": order, "after": cursor }))
            .await;
        assert_refused(&response, "after", what);
    }
    for (what, cursor) in refused_before {
        let response = app
            .call(As::Public, faqs, json!({ "order": "POSITION", "before": cursor }))
            .await;
        assert_refused(&response, "before", what);
    }
    let fitting = app
        .data(
            As::Public,
            conditions,
            json!({ "order": "NAME", "after": by_name }),
        )
        .await;
    assert!(fitting["conditions"]["totalCount"].as_u64().unwrap() > 1);
}

/// How a column is declared, as far as text limits go.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Declared {
    Varchar(usize),
    Text,
    Json,
    Other(String),
}

/// Every column of the migrated database: (table, column) → how it is declared.
async fn migrated_columns(app: &TestApp) -> BTreeMap<(String, String), Declared> {
    let conn = app.db().conn();
    let backend = conn.get_database_backend();
    let sql = match backend {
        DbBackend::Postgres => {
            "SELECT table_name::text AS table_name, column_name::text AS column_name, \
             data_type::text AS declared, character_maximum_length::int8 AS size \
             FROM information_schema.columns WHERE table_schema = current_schema()"
        }
        _ => {
            "SELECT m.name AS table_name, p.name AS column_name, lower(p.type) AS declared, \
             CAST(NULL AS INTEGER) AS size \
             FROM sqlite_master m JOIN pragma_table_info(m.name) p WHERE m.type = 'table'"
        }
    };
    let rows = conn
        .query_all_raw(Statement::from_string(backend, sql))
        .await
        .expect("read the schema");
    rows.iter()
        .map(|row| {
            let table: String = row.try_get("", "table_name").unwrap();
            let column: String = row.try_get("", "column_name").unwrap();
            let declared: String = row.try_get("", "declared").unwrap();
            let size: Option<i64> = row.try_get("", "size").unwrap();
            ((table, column), classify(&declared, size))
        })
        .collect()
}

/// PostgreSQL says `character varying` with a size; SQLite keeps the declaration, `varchar(120)`.
fn classify(declared: &str, size: Option<i64>) -> Declared {
    let sqlite_size = declared
        .strip_prefix("varchar(")
        .and_then(|rest| rest.strip_suffix(')'))
        .and_then(|n| n.parse().ok());
    match (declared, size, sqlite_size) {
        ("character varying", Some(n), _) => Declared::Varchar(usize::try_from(n).unwrap()),
        (_, _, Some(n)) => Declared::Varchar(n),
        ("text", _, _) => Declared::Text,
        ("jsonb" | "json" | "json_text" | "jsonb_text", _, _) => Declared::Json,
        (other, _, _) => Declared::Other(other.to_owned()),
    }
}

/// Text columns that only ever hold the server's own values (names of enums,
/// hashes, generated secrets, its own error text), so no client text reaches them.
const SERVER_WRITTEN: &[(&str, &str)] = &[
    ("api_token", "role"),
    ("api_token", "secret_hash"),
    ("person", "role"),
    ("person", "password_hash"),
    ("person", "invite_hash"),
    ("staff_session", "secret_hash"),
    ("therapy", "insurance_coverage"),
    ("therapy_condition", "suitability"),
    ("claim_citation", "claim_type"),
    ("review", "subject_type"),
    ("feed_entry", "document_type"),
    ("content_event", "document_type"),
    ("content_event", "action"),
    ("content_event", "snapshot"),
    ("webhook", "secret"),
    ("webhook", "document_types"),
    ("webhook", "actions"),
    ("webhook", "stages"),
    ("webhook_delivery", "status"),
    ("webhook_delivery", "last_error"),
    ("event_checkpoint", "consumer"),
    ("seaql_migrations", "version"),
    // Rendered by the server from the markdown beside them, which the limits hold.
    ("therapy", "summary_html"),
    ("therapy", "summary_text"),
    ("therapy_section", "body_html"),
    ("therapy_section", "body_text"),
    ("benefit", "body_html"),
    ("benefit", "body_text"),
    ("faq", "answer_html"),
    ("faq", "answer_text"),
    ("condition", "description_html"),
    ("condition", "description_text"),
    ("practitioner", "bio_html"),
    ("practitioner", "bio_text"),
];

#[tokio::test]
async fn every_text_column_matches_the_limits_table() {
    let app = TestApp::empty().await;

    let columns = migrated_columns(&app).await;

    for limit in limits::ALL {
        let key = (limit.table.to_owned(), limit.column.to_owned());
        let expected = match limit.storage {
            Storage::Varchar => Declared::Varchar(limit.max_chars),
            Storage::Text => Declared::Text,
            Storage::JsonStrings => Declared::Json,
        };
        assert_eq!(
            columns.get(&key),
            Some(&expected),
            "{}.{}: the limits table says {expected:?}; a size change needs a new migration",
            limit.table,
            limit.column
        );
    }
    for ((table, column), declared) in &columns {
        let texty = matches!(declared, Declared::Varchar(_) | Declared::Text | Declared::Json);
        let listed = limits::ALL.iter().any(|l| l.table == table && l.column == column);
        let server_written =
            column == "stage" || SERVER_WRITTEN.iter().any(|(t, c)| t == table && c == column);
        assert!(
            !texty || listed || server_written,
            "{table}.{column} ({declared:?}) holds text but is not in entity::limits"
        );
    }
}
