//! The database going away under load: requests fail fast with
//! `SERVICE_UNAVAILABLE` (503), `/readyz` says not ready, the server recovers by
//! itself, and no acknowledged write is lost or half applied. PostgreSQL only: an
//! embedded SQLite file cannot be stopped or have its connections cut.

use std::time::{Duration, Instant};

use sea_orm::{ConnectionTrait, Database as Connection, DatabaseConnection, Statement};
use serde_json::{Value, json};

use crate::helpers::{POSTGRES_URL_VAR, TestApp, prolotherapy_id};

/// A connection to the server's maintenance database, to act on the test's database.
async fn admin_connection() -> Option<DatabaseConnection> {
    let url = std::env::var(POSTGRES_URL_VAR).ok()?;
    Some(Connection::connect(url).await.expect("maintenance connection"))
}

/// A served app on its own PostgreSQL database, a maintenance connection and the
/// database's name; `None` (saying the test is skipped) on SQLite.
async fn served_on_postgres() -> Option<(DatabaseConnection, TestApp, String)> {
    let Some(admin) = admin_connection().await else {
        eprintln!("SKIPPED outage test: it needs PostgreSQL ({POSTGRES_URL_VAR}); SQLite is embedded");
        return None;
    };
    let app = TestApp::spawn().await;
    let database = database_name(app.database_url());
    Some((admin, app, database))
}

fn database_name(url: &str) -> String {
    let path = url.rsplit('/').next().unwrap_or_default();
    path.split('?').next().unwrap_or_default().to_owned()
}

async fn run(admin: &DatabaseConnection, sql: String) {
    admin
        .execute_raw(Statement::from_string(admin.get_database_backend(), sql))
        .await
        .expect("admin statement");
}

/// Ends every connection the app holds to its database.
async fn cut_connections(admin: &DatabaseConnection, database: &str) {
    run(
        admin,
        format!("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{database}' AND pid <> pg_backend_pid()"),
    )
    .await;
}

async fn create_faq(app: &TestApp, therapy: &str, n: usize) -> (u16, Value) {
    app.post(
        app.header(crate::helpers::As::Editor).as_deref(),
        "mutation($t: ID!, $q: String!) { createFaq(input: { therapyId: $t, question: $q, answer: \"Yes.\" }) { id question } }",
        json!({ "t": therapy, "q": format!("Question {n}?") }),
    )
    .await
}

#[tokio::test]
async fn cut_connections_lose_no_acknowledged_write_and_half_apply_none() {
    let Some((admin, app, database)) = served_on_postgres().await else {
        return;
    };
    let therapy = prolotherapy_id(&app).await;

    // Act: 60 writes, with every connection cut three times along the way.
    let mut acknowledged = Vec::new();
    let mut refused = 0;
    for n in 0..60 {
        if n % 20 == 10 {
            cut_connections(&admin, &database).await;
        }
        let (status, body) = create_faq(&app, &therapy, n).await;
        match body["data"]["createFaq"]["id"].as_str() {
            Some(id) => acknowledged.push((id.to_owned(), format!("Question {n}?"))),
            None => {
                let code = body["errors"][0]["extensions"]["code"].clone();
                assert_eq!(code, "SERVICE_UNAVAILABLE", "{status} {body}");
                assert_eq!(status, 503, "{body}");
                refused += 1;
            }
        }
    }

    // Assert: every acknowledged write is there, each with exactly one event, and
    // nothing else was written (a refused write left neither row nor event).
    let data = app
        .data(
            crate::helpers::As::Editor,
            "query($t: ID!) { therapy(id: $t, stage: DRAFT) { faqs { id question } } }",
            json!({ "t": therapy }),
        )
        .await;
    let stored: Vec<(String, String)> = data["therapy"]["faqs"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["question"].as_str().unwrap().starts_with("Question "))
        .map(|f| {
            (
                f["id"].as_str().unwrap().to_owned(),
                f["question"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(stored, acknowledged, "{refused} writes were refused");
    for (id, _) in &acknowledged {
        let history = app
            .data(
                crate::helpers::As::Editor,
                "query($id: ID!) { history(id: $id) { totalCount } }",
                json!({ "id": id }),
            )
            .await;
        assert_eq!(history["history"]["totalCount"], 1, "{id}");
    }
    assert!(
        acknowledged.len() >= 55,
        "the server did not recover: {refused} refused"
    );
}

#[tokio::test]
async fn a_database_that_refuses_connections_is_answered_503_fast_and_recovered_from() {
    let Some((admin, app, database)) = served_on_postgres().await else {
        return;
    };
    let base = app.address.clone().unwrap();
    let page = json!({ "query": "{ therapy(slug: \"prolotherapy\") { name } }" });

    // Act: the database stops taking connections, and those open are cut.
    run(
        &admin,
        format!("ALTER DATABASE \"{database}\" WITH ALLOW_CONNECTIONS false"),
    )
    .await;
    cut_connections(&admin, &database).await;
    let started = Instant::now();
    let client = reqwest::Client::new();
    let during = client
        .post(format!("{base}/graphql"))
        .json(&page)
        .send()
        .await
        .unwrap();
    let took = started.elapsed();
    let during_status = during.status().as_u16();
    let during_body: Value = during.json().await.unwrap();
    let ready = client
        .get(format!("{base}/readyz"))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16();
    let health = client
        .get(format!("{base}/healthz"))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16();
    run(
        &admin,
        format!("ALTER DATABASE \"{database}\" WITH ALLOW_CONNECTIONS true"),
    )
    .await;

    // Assert: refused within the acquire timeout (3 s), not the 30 s request
    // timeout; alive but not ready; and serving again without a restart.
    assert_eq!(during_status, 503, "{during_body}");
    assert_eq!(
        during_body["errors"][0]["extensions"]["code"],
        "SERVICE_UNAVAILABLE"
    );
    assert!(took < Duration::from_secs(10), "took {took:?}");
    assert_eq!((ready, health), (503, 200));
    let after = client
        .post(format!("{base}/graphql"))
        .json(&page)
        .send()
        .await
        .unwrap();
    assert_eq!(after.status(), 200);
    let ready = client
        .get(format!("{base}/readyz"))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16();
    assert_eq!(ready, 200);
}
