//! Clinical reviews: who checked a therapy or condition and when, what is due,
//! the REVIEW_DUE event, and the rule that holds back unreviewed, uncited pages.

use chrono::{Days, NaiveDate, Utc};
use clinic_content_api::auth::{self, Role};
use clinic_content_api::content::review::{self, ReviewRules};
use clinic_content_api::server::HttpSettings;
use serde_json::{Value, json};

use crate::helpers::{As, TestApp, error_code, prolotherapy_id};

const RECORD: &str = "mutation($input: RecordReviewInput!, $publish: Boolean! = false) {
    recordReview(input: $input, publish: $publish) { id reviewedOn nextReviewDue status note reviewer { name } }
}";

fn today() -> NaiveDate {
    Utc::now().date_naive()
}

fn days_ago(n: u64) -> String {
    (today() - Days::new(n)).to_string()
}

fn days_ahead(n: u64) -> String {
    (today() + Days::new(n)).to_string()
}

async fn reviewer_header(app: &TestApp) -> String {
    let (_, secret) = auth::create_token(app.db().conn(), "clinical reviewer", Role::Reviewer)
        .await
        .unwrap();
    format!("Bearer {secret}")
}

async fn practitioner(app: &TestApp) -> Value {
    app.data(
        As::Editor,
        "{ practitioners(first: 1) { nodes { id name } } }",
        json!({}),
    )
    .await["practitioners"]["nodes"][0]
        .clone()
}

async fn condition(app: &TestApp, slug: &str) -> Value {
    app.data(
        As::Editor,
        "query($slug: String!) { condition(slug: $slug, stage: DRAFT) { id } }",
        json!({ "slug": slug }),
    )
    .await["condition"]["id"]
        .clone()
}

async fn record(app: &TestApp, header: &str, input: Value, publish: bool) -> Value {
    app.call_with_header(
        Some(header),
        RECORD,
        json!({ "input": input, "publish": publish }),
    )
    .await
}

#[tokio::test]
async fn the_seeded_page_says_who_reviewed_it_and_when() {
    let app = TestApp::new().await;
    let id = prolotherapy_id(&app).await;
    let page = app
        .data(
            As::Public,
            "query($id: ID!) { therapy(id: $id) { lastReviewed reviewedBy { name } review { nextReviewDue note } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(page["therapy"]["lastReviewed"], "2026-11-20");
    assert_eq!(page["therapy"]["reviewedBy"]["name"], "Dr. Heather");
    assert_eq!(page["therapy"]["review"]["nextReviewDue"], "2027-11-20");
}

#[tokio::test]
async fn a_reviewer_records_a_review_and_the_status_follows_the_dates() {
    let app = TestApp::new().await;
    let header = reviewer_header(&app).await;
    let person = practitioner(&app).await;
    let knee = condition(&app, "knee-pain").await;
    let review_of = |reviewed: String, next: Option<String>| {
        json!({
            "subjectType": "CONDITION",
            "subjectId": knee,
            "reviewerId": person["id"],
            "reviewedOn": reviewed,
            "nextReviewDue": next,
            "note": "Checked against the knee trial.",
        })
    };
    // A year from the review date unless told: current.
    let current = record(&app, &header, review_of(days_ago(1), None), true).await;
    let current = &current["data"]["recordReview"];
    assert_eq!(current["status"], "CURRENT", "{current}");
    assert_eq!(current["reviewer"]["name"], person["name"]);
    let expected_next = (today() - Days::new(1))
        .checked_add_months(chrono::Months::new(12))
        .unwrap()
        .to_string();
    assert_eq!(current["nextReviewDue"], expected_next);
    // Within the 30-day window: due. Past it: overdue.
    let due = record(
        &app,
        &header,
        review_of(days_ago(300), Some(days_ahead(10))),
        false,
    )
    .await;
    assert_eq!(due["data"]["recordReview"]["status"], "DUE", "{due}");
    let overdue = record(&app, &header, review_of(days_ago(400), Some(days_ago(2))), false).await;
    assert_eq!(overdue["data"]["recordReview"]["status"], "OVERDUE", "{overdue}");

    // The condition's page answers its latest review, and keeps them all.
    let page = app
        .data(
            As::Editor,
            "query($id: ID!) { condition(id: $id, stage: DRAFT) { lastReviewed reviewedBy { name } reviews { status } } }",
            json!({ "id": knee }),
        )
        .await;
    assert_eq!(page["condition"]["lastReviewed"], days_ago(1));
    assert_eq!(page["condition"]["reviews"].as_array().unwrap().len(), 3);
    // Published with `publish: true` (the condition is published): the public sees it.
    let public = app
        .data(
            As::Public,
            "query($id: ID!) { condition(id: $id) { lastReviewed reviewedBy { name } } }",
            json!({ "id": knee }),
        )
        .await;
    assert_eq!(public["condition"]["lastReviewed"], days_ago(1));
    assert_eq!(public["condition"]["reviewedBy"]["name"], person["name"]);
}

#[tokio::test]
async fn only_reviewers_and_admins_record_reviews_and_bad_input_is_refused_at_its_field() {
    let app = TestApp::new().await;
    let person = practitioner(&app).await;
    let therapy = prolotherapy_id(&app).await;
    let good = json!({ "subjectType": "THERAPY", "subjectId": therapy, "reviewerId": person["id"], "reviewedOn": days_ago(1) });
    let as_editor = app.call(As::Editor, RECORD, json!({ "input": good })).await;
    assert_eq!(error_code(&as_editor), "FORBIDDEN", "{as_editor}");
    let as_public = app.call(As::Public, RECORD, json!({ "input": good })).await;
    assert_eq!(error_code(&as_public), "UNAUTHENTICATED");
    let as_admin = app.call(As::Admin, RECORD, json!({ "input": good })).await;
    assert!(as_admin["errors"].is_null(), "{as_admin}");

    let header = reviewer_header(&app).await;
    let with = |key: &str, value: Value| {
        let mut input = good.clone();
        input[key] = value;
        input
    };
    for (input, field) in [
        (with("subjectType", json!("BENEFIT")), "subjectType"),
        (with("subjectId", person["id"].clone()), "subjectId"),
        (with("reviewerId", json!(therapy)), "reviewerId"),
        (with("reviewedOn", json!(days_ahead(3))), "reviewedOn"),
        (with("nextReviewDue", json!(days_ago(5))), "nextReviewDue"),
        (with("note", json!("x".repeat(2001))), "note"),
    ] {
        let response = record(&app, &header, input, false).await;
        assert_eq!(error_code(&response), "BAD_USER_INPUT", "{field}: {response}");
        assert_eq!(response["errors"][0]["extensions"]["field"], field, "{response}");
    }
}

#[tokio::test]
async fn what_is_due_before_a_date_is_listed_soonest_first() {
    let app = TestApp::new().await;
    let header = reviewer_header(&app).await;
    let person = practitioner(&app).await;
    let knee = condition(&app, "knee-pain").await;
    let arthritis = condition(&app, "arthritis").await;
    for (subject, next) in [(&knee, days_ahead(5)), (&arthritis, days_ahead(90))] {
        let input = json!({ "subjectType": "CONDITION", "subjectId": subject, "reviewerId": person["id"],
            "reviewedOn": days_ago(300), "nextReviewDue": next });
        record(&app, &header, input, false).await;
    }
    let query = "query($before: NaiveDate!) { reviewsDue(before: $before) { subjectType subjectId name nextReviewDue status } }";
    let due = app
        .data(As::Preview, query, json!({ "before": days_ahead(30) }))
        .await["reviewsDue"]
        .clone();
    let due = due.as_array().unwrap();
    let ids: Vec<&Value> = due.iter().map(|d| &d["subjectId"]).collect();
    assert!(ids.contains(&&knee), "{due:?}");
    assert!(
        !ids.contains(&&arthritis),
        "due in 90 days, not before 30: {due:?}"
    );
    // The seeded therapy was reviewed until 2027-11-20; never-reviewed
    // conditions count as overdue and come first.
    let knee_item = due.iter().find(|d| d["subjectId"] == knee).unwrap();
    assert_eq!(knee_item["status"], "DUE");
    let never = due.iter().find(|d| d["nextReviewDue"].is_null()).unwrap();
    assert_eq!(never["status"], "OVERDUE");
    assert!(due[0]["nextReviewDue"].is_null(), "never reviewed first");
    let public = app
        .call(As::Public, query, json!({ "before": days_ahead(30) }))
        .await;
    assert_eq!(error_code(&public), "UNAUTHENTICATED");
}

#[tokio::test]
async fn a_review_that_falls_due_is_announced_once() {
    let app = TestApp::new().await;
    let header = reviewer_header(&app).await;
    let person = practitioner(&app).await;
    let knee = condition(&app, "knee-pain").await;
    let input = json!({ "subjectType": "CONDITION", "subjectId": knee, "reviewerId": person["id"],
        "reviewedOn": days_ago(10), "nextReviewDue": days_ahead(20) });
    let recorded = record(&app, &header, input, false).await["data"]["recordReview"]["id"].clone();

    let audit = "{ auditLog(filter: { action: REVIEW_DUE }) { totalCount nodes { documentType documentId actorName } } }";
    // Not yet due: nothing. On its date: one event. Again: still one.
    assert!(
        review::check_due(app.db(), today())
            .await
            .unwrap()
            .iter()
            .all(|r| r.id.to_string() != recorded)
    );
    let fell = review::check_due(app.db(), today() + Days::new(20))
        .await
        .unwrap();
    assert!(fell.iter().any(|r| r.id.to_string() == recorded), "{fell:?}");
    review::check_due(app.db(), today() + Days::new(21))
        .await
        .unwrap();
    let events = app.data(As::Admin, audit, json!({})).await["auditLog"].clone();
    let ours: Vec<&Value> = events["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["documentId"] == recorded)
        .collect();
    assert_eq!(ours.len(), 1, "{events}");
    assert_eq!(ours[0]["documentType"], "REVIEW");
    assert_eq!(ours[0]["actorName"], "review clock");
    // A new review starts the clock again.
    let input = json!({ "subjectType": "CONDITION", "subjectId": knee, "reviewerId": person["id"],
        "reviewedOn": days_ago(1) });
    record(&app, &header, input, false).await;
    let fell = review::check_due(app.db(), today() + Days::new(21))
        .await
        .unwrap();
    assert!(fell.iter().all(|r| r.id.to_string() != recorded));
}

#[tokio::test]
async fn with_the_review_rule_a_page_is_published_only_when_reviewed_and_cited() {
    let app = TestApp::spawn_with(HttpSettings {
        review_rules: ReviewRules {
            require_for_publishing: true,
            ..ReviewRules::default()
        },
        ..HttpSettings::default()
    })
    .await;
    let therapy = prolotherapy_id(&app).await;
    let publish = "mutation($id: ID!) { publishTherapy(id: $id) { id } }";
    let refused = app.call(As::Editor, publish, json!({ "id": therapy })).await;
    assert_eq!(error_code(&refused), "REVIEW_REQUIRED", "{refused}");
    let blockers = refused["errors"][0]["extensions"]["blockers"]
        .as_array()
        .unwrap()
        .clone();
    // The seed cites sources for some claims only: each uncited benefit and
    // condition link is named, with what it says.
    let named: Vec<&str> = blockers.iter().map(|b| b["claim"].as_str().unwrap()).collect();
    assert!(named.contains(&"Less need for surgery"), "{named:?}");
    assert!(named.contains(&"Sciatica responds well"), "{named:?}");
    assert!(!named.contains(&"Knee pain responds well"), "cited: {named:?}");
    assert!(
        blockers.iter().all(|b| b["reason"] == "cites no source"),
        "{blockers:?}"
    );
    let message = refused["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("\"Less need for surgery\" cites no source"),
        "{message}"
    );

    // Cite a source for every blocker: then it publishes.
    let source = app
        .data(
            As::Editor,
            "{ citations(stage: DRAFT, first: 1) { nodes { id } } }",
            json!({}),
        )
        .await["citations"]["nodes"][0]["id"]
        .clone();
    for blocker in &blockers {
        let input =
            json!({ "claimType": blocker["claimType"], "claimId": blocker["claimId"], "citationId": source });
        app.data(
            As::Editor,
            "mutation($input: CiteInput!) { cite(input: $input) { id } }",
            json!({ "input": input }),
        )
        .await;
    }
    let published = app.call(As::Editor, publish, json!({ "id": therapy })).await;
    assert!(published["errors"].is_null(), "{published}");
}

#[tokio::test]
async fn with_the_review_rule_an_overdue_review_holds_the_page_back() {
    let app = TestApp::spawn_with(HttpSettings {
        review_rules: ReviewRules {
            require_for_publishing: true,
            ..ReviewRules::default()
        },
        ..HttpSettings::default()
    })
    .await;
    let therapy = prolotherapy_id(&app).await;
    let blockers = review::publishing_blockers(
        app.db().conn(),
        therapy.parse().unwrap(),
        &ReviewRules {
            require_for_publishing: true,
            ..ReviewRules::default()
        },
        NaiveDate::from_ymd_opt(2028, 1, 1).unwrap(),
    )
    .await
    .unwrap();
    let overdue = blockers
        .iter()
        .find(|b| b.claim == "Prolotherapy")
        .expect("the therapy itself");
    assert_eq!(overdue.reason, "its review was due on 2027-11-20");
}
