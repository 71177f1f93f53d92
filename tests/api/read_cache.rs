//! Public reads from memory: the response cache answers a repeated public query
//! without SQL, the object cache answers a new query over recently read content
//! without SQL, and every kind of write evicts exactly what it changes, on this
//! instance and on another one, so no answer is stale once the write is applied.

use std::time::{Duration, Instant};

use clinic_content_api::server::{AppState, HttpSettings};
use serde_json::{Value, json};

use crate::helpers::{As, TestApp, prolotherapy_id};

const PAGE: &str = r#"query Page { therapy(slug: "prolotherapy") {
  id name summary { html }
  sections { id heading body { html } }
  benefits { id title }
  faqs { id question answer { plainText } }
  conditions { id note suitability condition { id slug name } }
  practitioners { id name }
} }"#;

/// Everything a front-end lists: each must stay exactly what the database says.
const WATCHED: [&str; 7] = [
    PAGE,
    "{ therapies(first: 20) { totalCount edges { node { slug name } } } }",
    "{ conditions(first: 20) { edges { node { slug name therapies { note therapy { name } } } } } }",
    "{ practitioners { edges { node { name therapies { name } } } } }",
    "{ faqs(first: 50) { edges { node { question } } } }",
    r#"{ condition(slug: "knee-pain") { name } notYet: condition(slug: "not-yet") { name } }"#,
    r#"{ therapy(slug: "prolotherapy") { lastReviewed reviewedBy { name } citations { locator citation { title } }
        benefits { citations { citation { title } } } structuredData } }"#,
];

fn url(app: &TestApp) -> String {
    format!("{}/graphql", app.address.as_ref().unwrap())
}

/// A public GET, as a front-end sends it.
async fn public_get(base: &str, query: &str) -> reqwest::Response {
    reqwest::Client::new()
        .get(base)
        .query(&[("query", query)])
        .send()
        .await
        .expect("HTTP request")
}

async fn public_answer(base: &str, query: &str) -> Value {
    public_get(base, query).await.json().await.expect("JSON answer")
}

/// What the database says now: the query run on an instance with no caches.
async fn truth(app: &TestApp, query: &str) -> Value {
    let uncached = AppState::new(app.db().clone());
    let response = uncached
        .execute(None, async_graphql::Request::new(query))
        .await
        .expect("runs");
    serde_json::to_value(&response).unwrap()
}

async fn editor(app: &TestApp, query: &str, variables: Value) -> Value {
    let data = app.data(As::Editor, query, variables).await;
    assert!(!data.is_null());
    data
}

fn response_hits(app: &TestApp) -> u64 {
    app.state.metrics.cache("responses").hits()
}

#[tokio::test]
async fn a_repeated_public_query_is_answered_from_memory_without_sql() {
    let app = TestApp::spawn().await;
    let base = url(&app);
    let first = public_get(&base, PAGE).await;
    assert_eq!(first.status(), 200);
    let first_tag = first.headers()["etag"].clone();
    let first_body: Value = first.json().await.unwrap();

    let hits = response_hits(&app);
    let (statements, again) = app.count_statements(public_get(&base, PAGE)).await;
    assert_eq!(statements, 0, "a cached answer reads nothing");
    assert_eq!(response_hits(&app), hits + 1);
    assert_eq!(again.headers()["etag"], first_tag);
    assert_eq!(again.json::<Value>().await.unwrap(), first_body);

    // Laid out differently and sent by POST: the same question.
    let compact = PAGE.split_whitespace().collect::<Vec<_>>().join(" ");
    let (statements, posted) = app
        .count_statements(
            reqwest::Client::new()
                .post(&base)
                .json(&json!({ "query": compact, "operationName": "Page" }))
                .send(),
        )
        .await;
    assert_eq!(statements, 0);
    assert_eq!(posted.unwrap().json::<Value>().await.unwrap(), first_body);
}

#[tokio::test]
async fn a_new_query_over_recently_read_content_issues_no_sql() {
    let app = TestApp::spawn().await;
    let base = url(&app);
    assert!(public_answer(&base, PAGE).await["errors"].is_null());
    // Other fields and aliases: not in the response cache, all in the object cache.
    let other = r#"{ page: therapy(slug: "prolotherapy") {
        name facts { typicalSessions }
        sections { heading } benefits { body { markdown } } faqs { question }
        conditions { condition { name } } practitioners { name title }
    } }"#;
    let (statements, answer) = app.count_statements(public_answer(&base, other)).await;
    assert!(answer["errors"].is_null(), "{answer:#}");
    assert_eq!(statements, 0, "rows and child lists come from the object cache");
    assert_eq!(answer, truth(&app, other).await);
}

#[tokio::test]
async fn a_public_answer_names_the_documents_it_contains() {
    let app = TestApp::spawn().await;
    let response = public_get(&url(&app), PAGE).await;
    let keys = response.headers()["surrogate-key"].to_str().unwrap().to_owned();
    let tags = response.headers()["cache-tag"].to_str().unwrap().to_owned();
    assert_eq!(keys.replace(' ', ","), tags);
    let keys: Vec<&str> = keys.split(' ').collect();
    let page: Value = response.json().await.unwrap();
    let therapy = page["data"]["therapy"]["id"].as_str().unwrap();
    for list in ["sections", "benefits", "faqs", "conditions", "practitioners"] {
        assert!(
            keys.contains(&format!("{therapy}/{list}").as_str()),
            "{list}: {keys:?}"
        );
        for item in page["data"]["therapy"][list].as_array().unwrap() {
            let id = item["id"].as_str().unwrap();
            assert!(keys.contains(&id), "{list} item {id} not named");
        }
    }
    assert!(keys.contains(&therapy));
    // A token holder's answer names nothing: it is never stored by anyone.
    let private = reqwest::Client::new()
        .get(url(&app))
        .query(&[("query", PAGE)])
        .header("authorization", app.header(As::Preview).unwrap())
        .send()
        .await
        .unwrap();
    assert!(private.headers().get("surrogate-key").is_none());
}

/// The ids and versions the writes below need.
struct Seeded {
    therapy: String,
    section: (String, i64),
    faqs: Vec<String>,
    condition_link: String,
    condition: (String, i64),
    practitioner: (String, i64),
}

async fn seeded(app: &TestApp) -> Seeded {
    let data = editor(
        app,
        r#"{ therapy(slug: "prolotherapy", stage: DRAFT) {
            id sections { id version } faqs { id }
            conditions { id condition { id version } }
            practitioners { id version }
        } }"#,
        json!({}),
    )
    .await;
    let t = &data["therapy"];
    let pair = |v: &Value| {
        (
            v["id"].as_str().unwrap().to_owned(),
            v["version"].as_i64().unwrap(),
        )
    };
    Seeded {
        therapy: t["id"].as_str().unwrap().to_owned(),
        section: pair(&t["sections"][0]),
        faqs: t["faqs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["id"].as_str().unwrap().to_owned())
            .collect(),
        condition_link: t["conditions"][0]["id"].as_str().unwrap().to_owned(),
        condition: pair(&t["conditions"][0]["condition"]),
        practitioner: pair(&t["practitioners"][0]),
    }
}

/// Warms every watched answer (and checks it is right), applies `write`, and
/// checks every watched answer is right again at once.
async fn check_after(app: &TestApp, what: &str, write: impl AsyncFnOnce()) {
    let base = url(app);
    for query in WATCHED {
        let first = public_answer(&base, query).await;
        assert_eq!(first, truth(app, query).await, "before {what}: {query}");
        public_answer(&base, query).await;
    }
    write().await;
    for query in WATCHED {
        assert_eq!(
            public_answer(&base, query).await,
            truth(app, query).await,
            "stale after {what}: {query}"
        );
    }
}

#[tokio::test]
async fn every_kind_of_write_evicts_what_it_changes() {
    let app = TestApp::spawn().await;
    let s = seeded(&app).await;
    let therapy = s.therapy.clone();
    let hits = response_hits(&app);

    check_after(&app, "a therapy's published name", async || {
        let version = crate::helpers::therapy_version(&app, &therapy).await;
        editor(&app, "mutation($id: ID!, $v: Int!) { updateTherapy(id: $id, expectedVersion: $v, input: { name: \"Prolotherapy (dextrose)\" }) { id } }", json!({ "id": therapy, "v": version })).await;
        editor(&app, "mutation($id: ID!) { publishTherapy(id: $id) { id } }", json!({ "id": therapy })).await;
    })
    .await;
    check_after(&app, "a section's published body", async || {
        editor(&app, "mutation($id: ID!, $v: Int!) { updateTherapySection(id: $id, expectedVersion: $v, input: { body: \"Now **bold**.\" }) { id } }", json!({ "id": s.section.0, "v": s.section.1 })).await;
        editor(&app, "mutation($id: ID!) { publishTherapySection(id: $id) { id } }", json!({ "id": s.section.0 })).await;
    })
    .await;
    check_after(&app, "a new published benefit", async || {
        let created = editor(&app, "mutation($t: ID!) { createBenefit(input: { therapyId: $t, title: \"Fewer pills\", body: \"Less need for pain medication.\" }) { id } }", json!({ "t": therapy })).await;
        editor(&app, "mutation($id: ID!) { publishBenefit(id: $id) { id } }", json!({ "id": created["createBenefit"]["id"] })).await;
    })
    .await;
    check_after(&app, "reordered FAQ entries, published", async || {
        let reversed: Vec<&String> = s.faqs.iter().rev().collect();
        editor(
            &app,
            "mutation($t: ID!, $ids: [ID!]!) { reorderFaqs(therapyId: $t, ids: $ids) { id } }",
            json!({ "t": therapy, "ids": reversed }),
        )
        .await;
        editor(
            &app,
            "mutation($id: ID!) { publishTherapy(id: $id, withChildren: true) { id } }",
            json!({ "id": therapy }),
        )
        .await;
    })
    .await;
    check_after(&app, "a deleted FAQ entry", async || {
        editor(
            &app,
            "mutation($id: ID!) { deleteFaq(id: $id) }",
            json!({ "id": s.faqs[0] }),
        )
        .await;
    })
    .await;
    check_after(&app, "a condition renamed and published", async || {
        editor(&app, "mutation($id: ID!, $v: Int!) { updateCondition(id: $id, expectedVersion: $v, input: { name: \"Chronic low back pain\" }) { id } }", json!({ "id": s.condition.0, "v": s.condition.1 })).await;
        editor(&app, "mutation($id: ID!) { publishCondition(id: $id) { id } }", json!({ "id": s.condition.0 })).await;
    })
    .await;
    check_after(&app, "a condition unpublished", async || {
        editor(
            &app,
            "mutation($id: ID!) { unpublishCondition(id: $id) { id } }",
            json!({ "id": s.condition.0 }),
        )
        .await;
    })
    .await;
    check_after(&app, "a condition published again", async || {
        editor(
            &app,
            "mutation($id: ID!) { publishCondition(id: $id) { id } }",
            json!({ "id": s.condition.0 }),
        )
        .await;
    })
    .await;
    check_after(&app, "a condition unlinked", async || {
        editor(
            &app,
            "mutation($id: ID!) { unlinkCondition(id: $id) { id } }",
            json!({ "id": s.condition_link }),
        )
        .await;
    })
    .await;
    check_after(&app, "a new condition linked and published", async || {
        let created = editor(&app, "mutation { createCondition(input: { slug: \"not-yet\", name: \"Tennis elbow\" }) { id } }", json!({})).await;
        let condition = created["createCondition"]["id"].clone();
        editor(&app, "mutation($id: ID!) { publishCondition(id: $id) { id } }", json!({ "id": condition })).await;
        editor(&app, "mutation($t: ID!, $c: ID!) { linkCondition(input: { therapyId: $t, conditionId: $c, suitability: RESPONDS_WELL, note: \"Often\" }) { id } }", json!({ "t": therapy, "c": condition })).await;
        editor(&app, "mutation($id: ID!) { publishTherapy(id: $id, withChildren: true) { id } }", json!({ "id": therapy })).await;
    })
    .await;
    check_after(&app, "a practitioner renamed and published", async || {
        editor(&app, "mutation($id: ID!, $v: Int!) { updatePractitioner(id: $id, expectedVersion: $v, input: { name: \"Dr. A. Example\" }) { id } }", json!({ "id": s.practitioner.0, "v": s.practitioner.1 })).await;
        editor(&app, "mutation($id: ID!) { publishPractitioner(id: $id) { id } }", json!({ "id": s.practitioner.0 })).await;
    })
    .await;
    check_after(&app, "a practitioner unlinked", async || {
        editor(
            &app,
            "mutation($t: ID!, $p: ID!) { unlinkPractitioner(therapyId: $t, practitionerId: $p) { id } }",
            json!({ "t": therapy, "p": s.practitioner.0 }),
        )
        .await;
    })
    .await;
    check_after(&app, "the therapy unpublished", async || {
        editor(
            &app,
            "mutation($id: ID!) { unpublishTherapy(id: $id) { id } }",
            json!({ "id": therapy }),
        )
        .await;
    })
    .await;
    check_after(
        &app,
        "the therapy published again with its children",
        async || {
            editor(
                &app,
                "mutation($id: ID!) { publishTherapy(id: $id, withChildren: true) { id } }",
                json!({ "id": therapy }),
            )
            .await;
        },
    )
    .await;
    check_after(&app, "an old revision restored and published", async || {
        let history = editor(
            &app,
            "query($id: ID!) { history(id: $id, first: 50) { edges { node { id action } } } }",
            json!({ "id": therapy }),
        )
        .await;
        let first_revision = history["history"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .rev()
            .find(|e| e["node"]["action"] == "CREATED")
            .map(|e| e["node"]["id"].clone())
            .expect("a CREATED revision");
        editor(
            &app,
            "mutation($r: ID!) { restoreRevision(revisionId: $r) { id } }",
            json!({ "r": first_revision }),
        )
        .await;
        editor(
            &app,
            "mutation($id: ID!) { publishTherapy(id: $id) { id } }",
            json!({ "id": therapy }),
        )
        .await;
    })
    .await;
    check_after(&app, "a source renamed and published", async || {
        let sources = editor(&app, "{ citations(stage: DRAFT, search: \"primary care\") { nodes { id version } } }", json!({})).await;
        let source = &sources["citations"]["nodes"][0];
        editor(&app, "mutation($id: ID!, $v: Int!) { updateCitation(id: $id, expectedVersion: $v, input: { title: \"Prolotherapy in primary care (review)\" }) { id } }", json!({ "id": source["id"], "v": source["version"] })).await;
        editor(&app, "mutation($id: ID!) { publishCitation(id: $id) { id } }", json!({ "id": source["id"] })).await;
    })
    .await;
    check_after(&app, "a benefit citing a new source, published", async || {
        let created = editor(&app, "mutation { createCitation(input: { title: \"New trial\", authors: [\"A B\"], publisher: \"J\", pubmedId: \"123\" }) { id } }", json!({})).await;
        let source = &created["createCitation"]["id"];
        editor(&app, "mutation($id: ID!) { publishCitation(id: $id) { id } }", json!({ "id": source })).await;
        let page = editor(&app, "query($id: ID!) { therapy(id: $id, stage: DRAFT) { benefits { id } } }", json!({ "id": therapy })).await;
        let benefit = &page["therapy"]["benefits"][0]["id"];
        editor(&app, "mutation($b: ID!, $c: ID!) { cite(input: { claimType: BENEFIT, claimId: $b, citationId: $c }) { id } }", json!({ "b": benefit, "c": source })).await;
        editor(&app, "mutation($id: ID!) { publishBenefit(id: $id) { id } }", json!({ "id": benefit })).await;
    })
    .await;
    check_after(&app, "a review recorded and published", async || {
        let person = editor(&app, "{ practitioners(first: 1) { nodes { id } } }", json!({})).await;
        app.data(As::Admin, "mutation($t: ID!, $p: ID!) { recordReview(input: { subjectType: THERAPY, subjectId: $t, reviewerId: $p, reviewedOn: \"2026-11-25\" }, publish: true) { id } }", json!({ "t": therapy, "p": person["practitioners"]["nodes"][0]["id"] })).await;
    })
    .await;
    check_after(&app, "the therapy deleted", async || {
        editor(
            &app,
            "mutation($id: ID!) { deleteTherapy(id: $id) }",
            json!({ "id": therapy }),
        )
        .await;
    })
    .await;

    // The checks above were served from memory in between, not straight from the database.
    assert!(
        response_hits(&app) > hits + 50,
        "{} hits",
        response_hits(&app) - hits
    );
}

#[tokio::test]
async fn drafts_and_other_therapies_evict_nothing_of_a_page() {
    let app = TestApp::spawn().await;
    let base = url(&app);
    let therapy = prolotherapy_id(&app).await;
    public_answer(&base, PAGE).await;

    // A draft save: the public sees nothing of it.
    let version = crate::helpers::therapy_version(&app, &therapy).await;
    editor(&app, "mutation($id: ID!, $v: Int!) { updateTherapy(id: $id, expectedVersion: $v, input: { name: \"Draft only\" }) { id } }", json!({ "id": therapy, "v": version })).await;
    // Another therapy's published FAQ entry.
    let other = editor(&app, "mutation { createTherapy(input: { slug: \"massage\", name: \"Massage\", summary: \"Hands on.\" }) { id } }", json!({})).await;
    let other = other["createTherapy"]["id"].clone();
    let faq = editor(&app, "mutation($t: ID!) { createFaq(input: { therapyId: $t, question: \"How long?\", answer: \"An hour.\" }) { id } }", json!({ "t": other })).await;
    editor(
        &app,
        "mutation($id: ID!) { publishTherapy(id: $id, withChildren: true) { id } }",
        json!({ "id": other }),
    )
    .await;
    assert!(!faq.is_null());

    let hits = response_hits(&app);
    let (statements, page) = app.count_statements(public_answer(&base, PAGE)).await;
    assert_eq!(statements, 0, "the page is still served from memory");
    assert_eq!(response_hits(&app), hits + 1);
    assert_eq!(page, truth(&app, PAGE).await);
}

#[tokio::test]
async fn concurrent_readers_see_a_publish_as_soon_as_it_is_acknowledged() {
    let app = TestApp::spawn().await;
    let base = url(&app);
    let therapy = prolotherapy_id(&app).await;
    let query = r#"{ therapy(slug: "prolotherapy") { name } }"#;
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let readers: Vec<_> = (0..4)
        .map(|_| {
            let (base, stop) = (base.clone(), stop.clone());
            tokio::spawn(async move {
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    public_answer(&base, query).await;
                }
            })
        })
        .collect();
    for round in 0..10 {
        let name = format!("Prolotherapy, round {round}");
        let version = crate::helpers::therapy_version(&app, &therapy).await;
        editor(&app, "mutation($id: ID!, $v: Int!, $n: String!) { updateTherapy(id: $id, expectedVersion: $v, input: { name: $n }) { id } }", json!({ "id": therapy, "v": version, "n": name })).await;
        editor(
            &app,
            "mutation($id: ID!) { publishTherapy(id: $id) { id } }",
            json!({ "id": therapy }),
        )
        .await;
        for _ in 0..3 {
            let answer = public_answer(&base, query).await;
            assert_eq!(answer["data"]["therapy"]["name"], name.as_str(), "round {round}");
        }
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for reader in readers {
        reader.await.unwrap();
    }
}

#[tokio::test]
async fn another_instance_serves_no_stale_answer_once_it_has_applied_the_publish() {
    let app = TestApp::spawn().await;
    let (other, other_state) = app.spawn_another_instance_with_state().await;
    let other = format!("{other}/graphql");
    let therapy = prolotherapy_id(&app).await;
    let query = r#"{ therapy(slug: "prolotherapy") { name } }"#;
    // Cached there.
    public_answer(&other, query).await;
    let (statements, _) = app.count_statements(public_answer(&other, query)).await;
    assert_eq!(statements, 0);

    let version = crate::helpers::therapy_version(&app, &therapy).await;
    editor(&app, "mutation($id: ID!, $v: Int!) { updateTherapy(id: $id, expectedVersion: $v, input: { name: \"Renamed elsewhere\" }) { id } }", json!({ "id": therapy, "v": version })).await;
    editor(
        &app,
        "mutation($id: ID!) { publishTherapy(id: $id) { id } }",
        json!({ "id": therapy }),
    )
    .await;
    let acknowledged = Instant::now();
    let seq = clinic_content_api::log::last_seq(app.db().conn()).await.unwrap();

    // The other instance hears of the write (LISTEN on PostgreSQL, its poll on
    // SQLite) and applies it; from then on it serves the new name.
    assert!(
        other_state.bus.caught_up(seq, Duration::from_secs(10)).await,
        "the other instance never applied the publish"
    );
    let delay = acknowledged.elapsed();
    let answer = public_answer(&other, query).await;
    assert_eq!(answer["data"]["therapy"]["name"], "Renamed elsewhere");
    eprintln!("the other instance applied the publish {delay:?} after it was acknowledged");
}

#[tokio::test]
async fn the_response_cache_stays_within_its_budget() {
    let settings = HttpSettings {
        caches: clinic_content_api::cache::CacheBudgets {
            responses: clinic_content_api::cache::Budget {
                max_bytes: 1024 * 1024,
                max_entries: 5,
            },
            ..Default::default()
        },
        ..HttpSettings::default()
    };
    let app = TestApp::spawn_with(settings).await;
    let base = url(&app);
    for n in 0..20 {
        public_answer(
            &base,
            &format!("{{ a{n}: therapy(slug: \"prolotherapy\") {{ name }} }}"),
        )
        .await;
    }
    let [(entries, _), _] = app.state.caches.sizes();
    assert!(entries <= 5, "{entries} entries");
    let metrics = app.state.metrics.render();
    assert!(
        metrics.contains("clinic_cache_evictions_total{cache=\"responses\",reason=\"room\"} 15"),
        "{metrics}"
    );
    assert!(metrics.contains("clinic_cache_bytes{cache=\"objects\"}"));
}

#[tokio::test]
async fn answers_that_are_not_public_successes_are_not_kept() {
    let app = TestApp::spawn().await;
    let base = url(&app);
    let query = r#"{ therapy(slug: "prolotherapy") { name } }"#;
    // A token holder's answer.
    for _ in 0..2 {
        reqwest::Client::new()
            .post(&base)
            .header("authorization", app.header(As::Preview).unwrap())
            .json(&json!({ "query": query }))
            .send()
            .await
            .unwrap();
    }
    // An answer with an error.
    let bad = "{ therapy(id: \"not-an-id\") { name } }";
    public_answer(&base, bad).await;
    // The change feed, whose cursor moves with drafts too.
    public_answer(&base, "{ changes { cursor } }").await;
    let [(entries, _), _] = app.state.caches.sizes();
    assert_eq!(entries, 0);
}

async fn surrogate_keys(base: &str, query: &str) -> Vec<String> {
    let response = public_get(base, query).await;
    let keys = response.headers()["surrogate-key"].to_str().unwrap();
    keys.split(' ').map(str::to_owned).collect()
}

#[tokio::test]
async fn a_publish_names_the_keys_of_exactly_the_answers_it_changes() {
    let app = TestApp::spawn().await;
    let base = url(&app);
    let s = seeded(&app).await;
    // A second published therapy, whose page the change must leave alone.
    let other = editor(&app, "mutation { createTherapy(input: { slug: \"massage\", name: \"Massage\", summary: \"Hands on.\" }) { id } }", json!({})).await;
    let other = other["createTherapy"]["id"].clone();
    editor(
        &app,
        "mutation($id: ID!) { publishTherapy(id: $id) { id } }",
        json!({ "id": other }),
    )
    .await;
    let other_page = r#"{ therapy(slug: "massage") { name faqs { question } } }"#;
    let page_keys = surrogate_keys(&base, PAGE).await;
    let other_keys = surrogate_keys(&base, other_page).await;

    // Publish a changed FAQ answer of the prolotherapy page.
    let faq = editor(
        &app,
        "query($id: ID!) { faq(id: $id, stage: DRAFT) { version } }",
        json!({ "id": s.faqs[1] }),
    )
    .await;
    editor(&app, "mutation($id: ID!, $v: Int!) { updateFaq(id: $id, expectedVersion: $v, input: { answer: \"Corrected.\" }) { id } }", json!({ "id": s.faqs[1], "v": faq["faq"]["version"] })).await;
    editor(
        &app,
        "mutation($id: ID!) { publishFaq(id: $id) { id } }",
        json!({ "id": s.faqs[1] }),
    )
    .await;
    let history = editor(
        &app,
        "query($id: ID!) { history(id: $id, first: 5) { edges { node { action stage purgeKeys } } } }",
        json!({ "id": s.faqs[1] }),
    )
    .await;
    let events = history["history"]["edges"].as_array().unwrap();
    let published = events
        .iter()
        .find(|e| e["node"]["action"] == "PUBLISHED")
        .expect("a PUBLISHED event");
    let purge: Vec<String> = serde_json::from_value(published["node"]["purgeKeys"].clone()).unwrap();
    assert_eq!(
        purge,
        [
            s.faqs[1].clone(),
            "faqs".to_owned(),
            format!("{}/faqs", s.therapy),
            "changes".to_owned()
        ]
    );
    // The draft save before it purges nothing.
    let updated = events.iter().find(|e| e["node"]["action"] == "UPDATED").unwrap();
    assert_eq!(updated["node"]["purgeKeys"], json!([]));
    // A CDN purging these keys drops the page that shows the answer, and keeps the other.
    assert!(purge.iter().any(|k| page_keys.contains(k)), "{page_keys:?}");
    assert!(!purge.iter().any(|k| other_keys.contains(k)), "{other_keys:?}");
}
