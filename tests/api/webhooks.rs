//! Webhooks: signed deliveries to a real receiving HTTP server on loopback, retries,
//! delivery after a restart, filters, several instances on one database, access.

mod destinations;

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use clinic_content_api::events::webhooks::WebhookConsumer;
use clinic_content_api::log::consumer;
use clinic_content_api::server::AppState;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::helpers::{
    As, TestApp, error_code, fast_webhooks, prolotherapy_id, test_webhook_allow_list, therapy_version,
};

/// Every wait for the worker gives up after this long.
const DEADLINE: Duration = Duration::from_secs(10);

// ---------------------------------------------------------------------------
// A receiving server
// ---------------------------------------------------------------------------

#[derive(Clone, Debug)]
struct Received {
    headers: HeaderMap,
    body: Bytes,
    /// The status the receiver answered.
    answered: u16,
}

impl Received {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("the body is JSON")
    }

    fn seq(&self) -> i64 {
        self.json()["seq"].as_i64().expect("seq in the body")
    }
}

#[derive(Clone)]
struct ReceiverState {
    received: Arc<Mutex<Vec<Received>>>,
    /// Requests still to be answered 500.
    failures_left: Arc<AtomicUsize>,
    delay: Duration,
}

struct Receiver {
    url: String,
    state: ReceiverState,
}

impl Receiver {
    /// Listens on a free loopback port; answers 500 to the first `failures` requests,
    /// then 200, each after `delay`.
    async fn start(failures: usize, delay: Duration) -> Self {
        let state = ReceiverState {
            received: Arc::default(),
            failures_left: Arc::new(AtomicUsize::new(failures)),
            delay,
        };
        let router = Router::new()
            .route("/hook", post(receive))
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, router).await });
        Self { url, state }
    }

    fn received(&self) -> Vec<Received> {
        self.state.received.lock().unwrap().clone()
    }

    fn successes(&self) -> Vec<Received> {
        self.received()
            .into_iter()
            .filter(|r| r.answered == 200)
            .collect()
    }
}

async fn receive(State(state): State<ReceiverState>, headers: HeaderMap, body: Bytes) -> StatusCode {
    tokio::time::sleep(state.delay).await;
    let fail = state
        .failures_left
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok();
    let status = if fail {
        StatusCode::INTERNAL_SERVER_ERROR
    } else {
        StatusCode::OK
    };
    state.received.lock().unwrap().push(Received {
        headers,
        body,
        answered: status.as_u16(),
    });
    status
}

/// A loopback URL where nothing listens.
async fn closed_port_url() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    drop(listener);
    url
}

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/// Polls `check` until it gives a value, for at most [`DEADLINE`].
async fn eventually<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + DEADLINE;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "gave up after {DEADLINE:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// Hands the log's new events to the webhook consumer, as a running instance's
/// consumer does (apps made with `TestApp::new` run no background work); returns
/// its checkpoint.
async fn queue_deliveries(app: &TestApp) -> i64 {
    consumer::catch_up(app.db(), &WebhookConsumer)
        .await
        .expect("the webhook consumer catches up")
}

/// Registers a webhook as admin; returns its id and secret.
async fn create_webhook(app: &TestApp, input: Value) -> (String, String) {
    let data = app
        .data(
            As::Admin,
            "mutation($input: CreateWebhookInput!) { createWebhook(input: $input) { secret webhook { id url active } } }",
            json!({ "input": input }),
        )
        .await;
    let created = &data["createWebhook"];
    assert_eq!(created["webhook"]["active"], true);
    (
        created["webhook"]["id"].as_str().unwrap().to_owned(),
        created["secret"].as_str().unwrap().to_owned(),
    )
}

/// A webhook's deliveries, newest event first.
async fn deliveries(app: &TestApp, webhook_id: &str) -> Vec<Value> {
    let data = app
        .data(
            As::Admin,
            "query($id: ID) { webhookDeliveries(webhookId: $id, first: 100) {
                id webhookId eventSeq status attempts lastStatusCode lastError nextAttemptAt deliveredAt createdAt
            } }",
            json!({ "id": webhook_id }),
        )
        .await;
    data["webhookDeliveries"].as_array().unwrap().clone()
}

/// Waits until the webhook has `count` deliveries, all in `status`.
async fn wait_for_status(app: &TestApp, webhook_id: &str, count: usize, status: &str) -> Vec<Value> {
    eventually(&format!("{count} {status} deliveries"), || async {
        let rows = deliveries(app, webhook_id).await;
        (rows.len() == count && rows.iter().all(|d| d["status"] == status)).then_some(rows)
    })
    .await
}

/// The first draft FAQ entry's id.
async fn faq_id(app: &TestApp) -> String {
    let data = app
        .data(
            As::Editor,
            "{ faqs(first: 1, stage: DRAFT) { edges { node { id } } } }",
            json!({}),
        )
        .await;
    data["faqs"]["edges"][0]["node"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

const UPDATE_FAQ: &str = "mutation($id: ID!, $v: Int!, $answer: String!) {
    updateFaq(id: $id, expectedVersion: $v, input: { answer: $answer }) { version } }";

async fn faq_version(app: &TestApp, id: &str) -> i64 {
    let data = app
        .data(
            As::Editor,
            "query($id: ID!) { faq(id: $id, stage: DRAFT) { version } }",
            json!({ "id": id }),
        )
        .await;
    data["faq"]["version"].as_i64().unwrap()
}

/// Edits a FAQ entry's draft (one FAQ event).
async fn edit_faq(app: &TestApp, id: &str, answer: &str) {
    let v = faq_version(app, id).await;
    app.data(
        As::Editor,
        UPDATE_FAQ,
        json!({ "id": id, "v": v, "answer": answer }),
    )
    .await;
}

/// Edits the prolotherapy draft's name (a THERAPY event).
async fn edit_therapy(app: &TestApp, name: &str) {
    let id = prolotherapy_id(app).await;
    let v = therapy_version(app, &id).await;
    app.data(
        As::Editor,
        "mutation($id: ID!, $v: Int!, $name: String!) { updateTherapy(id: $id, expectedVersion: $v, input: { name: $name }) { version } }",
        json!({ "id": id, "v": v, "name": name }),
    )
    .await;
}

/// Parses `t=<seconds>,v1=<hex>`.
fn parse_signature(header: &str) -> (i64, String) {
    let mut t = None;
    let mut v1 = None;
    for part in header.split(',') {
        match part.split_once('=') {
            Some(("t", value)) => t = value.parse().ok(),
            Some(("v1", value)) => v1 = Some(value.to_owned()),
            _ => {}
        }
    }
    (t.expect("t= in the signature"), v1.expect("v1= in the signature"))
}

/// What a receiver computes: hex HMAC-SHA256(secret, "<t>.<body>").
fn expected_signature(secret: &str, t: i64, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{t}.").as_bytes());
    mac.update(body);
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn unix_now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64
}

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

#[tokio::test]
async fn deliveries_are_signed_with_the_secret_and_a_recent_timestamp() {
    let app = TestApp::spawn().await;
    let receiver = Receiver::start(0, Duration::ZERO).await;
    let (webhook_id, secret) = create_webhook(&app, json!({ "url": receiver.url })).await;
    assert!(secret.starts_with("whsec_"), "{secret}");
    let faq = faq_id(&app).await;
    edit_faq(&app, &faq, "Signed and delivered.").await;

    let rows = wait_for_status(&app, &webhook_id, 1, "DELIVERED").await;
    let received = receiver.received();
    assert_eq!(received.len(), 1, "{received:?}");
    let request = &received[0];

    assert_eq!(request.headers["content-type"], "application/json");
    let signature = request.headers["x-clinic-signature"].to_str().unwrap();
    let (t, v1) = parse_signature(signature);
    assert_eq!(
        v1,
        expected_signature(&secret, t, &request.body),
        "signature verifies"
    );
    assert!((unix_now() - t).abs() <= 60, "timestamp {t} is recent");
    // A different body or secret does not verify.
    assert_ne!(v1, expected_signature(&secret, t, b"{}"));
    assert_ne!(v1, expected_signature("whsec_other", t, &request.body));

    let body = request.json();
    let seq = body["seq"].as_i64().unwrap();
    assert_eq!(request.headers["x-clinic-event"], seq.to_string().as_str());
    assert_eq!(body["documentType"], "FAQ");
    assert_eq!(body["documentId"], faq.as_str());
    assert_eq!(body["action"], "UPDATED");
    assert_eq!(body["stage"], "DRAFT");
    assert_eq!(body["version"], faq_version(&app, &faq).await);
    assert_eq!(body["actor"]["name"], "test editor");
    assert!(body["occurredAt"].is_string(), "{body:#}");
    assert!(body["snapshot"].is_object(), "{body:#}");
    // A draft changes nothing the public or a CDN holds.
    assert_eq!(body["purgeKeys"], json!([]), "{body:#}");

    let row = &rows[0];
    assert_eq!(row["eventSeq"], seq);
    assert_eq!(row["attempts"], 1);
    assert_eq!(row["lastStatusCode"], 200);
    assert!(row["deliveredAt"].is_string(), "{row:#}");
}

#[tokio::test]
async fn a_failing_receiver_gets_the_event_exactly_once_after_it_recovers() {
    let app = TestApp::spawn().await;
    let receiver = Receiver::start(3, Duration::ZERO).await;
    let (webhook_id, _) =
        create_webhook(&app, json!({ "url": receiver.url, "documentTypes": ["FAQ"] })).await;
    let faq = faq_id(&app).await;
    edit_faq(&app, &faq, "Third time lucky, fourth time delivered.").await;

    let rows = wait_for_status(&app, &webhook_id, 1, "DELIVERED").await;
    let row = &rows[0];
    assert_eq!(row["attempts"], 4, "{row:#}");
    assert_eq!(row["lastStatusCode"], 200);
    assert_eq!(row["lastError"], "HTTP 500 Internal Server Error");

    // Nothing more arrives once it was delivered.
    tokio::time::sleep(Duration::from_millis(600)).await;
    let received = receiver.received();
    let answers: Vec<u16> = received.iter().map(|r| r.answered).collect();
    assert_eq!(answers, [500, 500, 500, 200]);
    let seq = row["eventSeq"].as_i64().unwrap();
    assert!(received.iter().all(|r| r.seq() == seq));
    assert_eq!(receiver.successes().len(), 1);
}

#[tokio::test]
async fn a_pending_delivery_survives_a_restart() {
    // No worker runs in this app: once queued, the write's delivery waits in the outbox.
    let app = TestApp::new().await;
    let receiver = Receiver::start(0, Duration::ZERO).await;
    let (webhook_id, _) = create_webhook(&app, json!({ "url": receiver.url })).await;
    let faq = faq_id(&app).await;
    edit_faq(&app, &faq, "Written before the restart.").await;
    queue_deliveries(&app).await;

    let pending = deliveries(&app, &webhook_id).await;
    assert_eq!(pending.len(), 1, "{pending:#?}");
    assert_eq!(pending[0]["status"], "PENDING");
    assert_eq!(pending[0]["attempts"], 0);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(receiver.received().is_empty());

    // A new instance over the same database delivers it.
    let restarted = AppState::with_webhook_allow_list(app.db().clone(), test_webhook_allow_list());
    restarted
        .start_background(fast_webhooks())
        .await
        .expect("background work starts");
    let rows = wait_for_status(&app, &webhook_id, 1, "DELIVERED").await;
    assert_eq!(rows[0]["attempts"], 1);
    let received = receiver.successes();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].json()["documentId"], faq.as_str());
}

#[tokio::test]
async fn filters_choose_which_events_a_webhook_gets() {
    let app = TestApp::spawn().await;
    let faqs = Receiver::start(0, Duration::ZERO).await;
    let published = Receiver::start(0, Duration::ZERO).await;
    let (faq_hook, _) = create_webhook(&app, json!({ "url": faqs.url, "documentTypes": ["FAQ"] })).await;
    let (published_hook, _) =
        create_webhook(&app, json!({ "url": published.url, "stages": ["PUBLISHED"] })).await;

    edit_therapy(&app, "Prolotherapy (edited)").await;
    let faq = faq_id(&app).await;
    edit_faq(&app, &faq, "Only this one goes to the FAQ webhook.").await;

    let rows = wait_for_status(&app, &faq_hook, 1, "DELIVERED").await;
    let received = faqs.received();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].json()["documentType"], "FAQ");
    assert_eq!(received[0].seq(), rows[0]["eventSeq"].as_i64().unwrap());
    // Draft edits are not published events: nothing was even queued for that webhook.
    assert!(deliveries(&app, &published_hook).await.is_empty());
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(faqs.received().len(), 1);
    assert!(published.received().is_empty());
}

#[tokio::test]
async fn two_instances_on_one_database_deliver_each_event_once_and_in_order() {
    let app = TestApp::spawn().await;
    let other = AppState::with_webhook_allow_list(app.db().clone(), test_webhook_allow_list());
    other
        .start_background(fast_webhooks())
        .await
        .expect("background work starts");
    // Several slow receivers: many deliveries due at once, and in flight while the
    // other instance looks.
    let mut hooks = Vec::new();
    for _ in 0..4 {
        let receiver = Receiver::start(0, Duration::from_millis(50)).await;
        let (id, _) = create_webhook(&app, json!({ "url": receiver.url, "documentTypes": ["FAQ"] })).await;
        hooks.push((id, receiver));
    }

    let faq = faq_id(&app).await;
    let editor = app.header(As::Editor).unwrap();
    const EDITS: usize = 6;
    for i in 0..EDITS {
        let answer = format!("Edit number {i}");
        if i % 2 == 0 {
            edit_faq(&app, &faq, &answer).await;
        } else {
            let v = faq_version(&app, &faq).await;
            let request = async_graphql::Request::new(UPDATE_FAQ).variables(
                async_graphql::Variables::from_json(json!({ "id": faq, "v": v, "answer": answer })),
            );
            let response = other
                .execute(Some(&editor), request)
                .await
                .expect("authenticated");
            assert!(response.errors.is_empty(), "{:?}", response.errors);
        }
        // Both instances hear of the write at once (as PostgreSQL's NOTIFY tells them),
        // so both workers go for the same deliveries.
        app.state.bus.wake();
        other.bus.wake();
    }

    for (id, receiver) in &hooks {
        let rows = wait_for_status(&app, id, EDITS, "DELIVERED").await;
        let mut expected: Vec<i64> = rows.iter().map(|r| r["eventSeq"].as_i64().unwrap()).collect();
        expected.sort_unstable();
        // Time for any duplicate to arrive.
        tokio::time::sleep(Duration::from_millis(300)).await;
        let arrived: Vec<i64> = receiver.received().iter().map(Received::seq).collect();
        assert_eq!(arrived, expected, "each event once, in order");
        assert!(rows.iter().all(|r| r["attempts"] == 1), "{rows:#?}");
    }
}

#[tokio::test]
async fn a_failed_delivery_can_be_retried_after_fixing_the_url() {
    let app = TestApp::spawn().await;
    let (webhook_id, _) = create_webhook(&app, json!({ "url": closed_port_url().await })).await;
    let faq = faq_id(&app).await;
    edit_faq(&app, &faq, "Nobody is listening yet.").await;

    let rows = wait_for_status(&app, &webhook_id, 1, "FAILED").await;
    let failed = &rows[0];
    assert_eq!(failed["attempts"], fast_webhooks().max_attempts);
    assert_eq!(failed["lastStatusCode"], Value::Null);
    let error = failed["lastError"].as_str().unwrap();
    assert!(error.starts_with("could not connect"), "{error}");
    assert!(!error.contains("127.0.0.1"), "no URL in the error: {error}");

    let receiver = Receiver::start(0, Duration::ZERO).await;
    app.data(
        As::Admin,
        "mutation($id: ID!, $url: String!) { updateWebhook(id: $id, input: { url: $url }) { url } }",
        json!({ "id": webhook_id, "url": receiver.url }),
    )
    .await;
    let retry = "mutation($id: ID!) { retryWebhookDelivery(id: $id) { status attempts } }";
    let data = app.data(As::Admin, retry, json!({ "id": failed["id"] })).await;
    assert_eq!(data["retryWebhookDelivery"]["attempts"], 0);
    let rows = wait_for_status(&app, &webhook_id, 1, "DELIVERED").await;
    assert_eq!(rows[0]["attempts"], 1);
    assert_eq!(receiver.successes().len(), 1);

    // Only a failed delivery can be retried.
    let response = app.call(As::Admin, retry, json!({ "id": failed["id"] })).await;
    assert_eq!(error_code(&response), "BAD_USER_INPUT");
}

#[tokio::test]
async fn webhooks_can_be_listed_updated_deactivated_and_deleted() {
    let app = TestApp::new().await;
    let (id, _) = create_webhook(
        &app,
        json!({ "url": "https://example.com/hook", "documentTypes": ["FAQ", "FAQ"], "actions": ["PUBLISHED"] }),
    )
    .await;
    let list = app
        .data(
            As::Admin,
            "{ webhooks { id url documentTypes actions stages active createdAt } }",
            json!({}),
        )
        .await;
    let hooks = list["webhooks"].as_array().unwrap();
    assert_eq!(hooks.len(), 1);
    assert_eq!(hooks[0]["documentTypes"], json!(["FAQ"]));
    assert_eq!(hooks[0]["actions"], json!(["PUBLISHED"]));
    assert_eq!(hooks[0]["stages"], json!([]));

    let updated = app
        .data(
            As::Admin,
            "mutation($id: ID!) { updateWebhook(id: $id, input: { active: false, actions: [] }) { active actions url } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        updated["updateWebhook"],
        json!({ "active": false, "actions": [], "url": "https://example.com/hook" })
    );
    // An inactive webhook gets no deliveries, not even once it is switched back on.
    let faq = faq_id(&app).await;
    edit_faq(&app, &faq, "Nobody is told.").await;
    queue_deliveries(&app).await;
    assert!(deliveries(&app, &id).await.is_empty());
    let reactivate = "mutation($id: ID!) { updateWebhook(id: $id, input: { active: true }) { active } }";
    app.data(As::Admin, reactivate, json!({ "id": id })).await;
    queue_deliveries(&app).await;
    assert!(deliveries(&app, &id).await.is_empty());
    // What happens once it is on again, it gets.
    edit_faq(&app, &faq, "Now it is told.").await;
    queue_deliveries(&app).await;
    assert_eq!(deliveries(&app, &id).await.len(), 1);

    let deleted = app
        .data(
            As::Admin,
            "mutation($id: ID!) { deleteWebhook(id: $id) { id } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(deleted["deleteWebhook"]["id"], id.as_str());
    let list = app.data(As::Admin, "{ webhooks { id } }", json!({})).await;
    assert_eq!(list["webhooks"], json!([]));
    let again = app
        .call(
            As::Admin,
            "mutation($id: ID!) { deleteWebhook(id: $id) { id } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(error_code(&again), "NOT_FOUND");
}

#[tokio::test]
async fn only_admins_manage_webhooks_and_urls_must_be_http() {
    let app = TestApp::new().await;
    let (id, _) = create_webhook(&app, json!({ "url": "http://127.0.0.1:9/hook" })).await;
    let fields = [
        ("{ webhooks { id } }", json!({})),
        ("{ webhookDeliveries { id } }", json!({})),
        (
            "mutation { createWebhook(input: { url: \"https://example.com/\" }) { secret } }",
            json!({}),
        ),
        (
            "mutation($id: ID!) { updateWebhook(id: $id, input: { active: false }) { id } }",
            json!({ "id": id }),
        ),
        (
            "mutation($id: ID!) { deleteWebhook(id: $id) { id } }",
            json!({ "id": id }),
        ),
        (
            "mutation($id: ID!) { retryWebhookDelivery(id: $id) { id } }",
            json!({ "id": id }),
        ),
    ];
    for (query, variables) in &fields {
        for (who, code) in [
            (As::Public, "UNAUTHENTICATED"),
            (As::Preview, "FORBIDDEN"),
            (As::Editor, "FORBIDDEN"),
        ] {
            let response = app.call(who, query, variables.clone()).await;
            assert_eq!(error_code(&response), code, "{who:?} {query}: {response:#}");
        }
    }
    // The webhook is untouched.
    let list = app.data(As::Admin, "{ webhooks { id active } }", json!({})).await;
    assert_eq!(list["webhooks"], json!([{ "id": id, "active": true }]));

    for url in [
        "ftp://example.com/hook",
        "javascript:alert(1)",
        "not a url",
        "",
        "/relative/path",
        "file:///etc/passwd",
    ] {
        let response = app
            .call(
                As::Admin,
                "mutation($url: String!) { createWebhook(input: { url: $url }) { secret } }",
                json!({ "url": url }),
            )
            .await;
        assert_eq!(error_code(&response), "BAD_USER_INPUT", "{url}: {response:#}");
        assert_eq!(response["errors"][0]["extensions"]["field"], "url");
        let response = app
            .call(
                As::Admin,
                "mutation($id: ID!, $url: String!) { updateWebhook(id: $id, input: { url: $url }) { id } }",
                json!({ "id": id, "url": url }),
            )
            .await;
        assert_eq!(error_code(&response), "BAD_USER_INPUT", "{url}: {response:#}");
        assert_eq!(response["errors"][0]["extensions"]["field"], "url");
    }
}

#[tokio::test]
async fn one_claim_wins_however_many_workers_try_at_once() {
    use clinic_content_api::events::webhooks::claim;

    let app = TestApp::new().await;
    let (webhook_id, _) = create_webhook(&app, json!({ "url": "http://127.0.0.1:9/hook" })).await;
    let faq = faq_id(&app).await;
    edit_faq(&app, &faq, "Claimed once.").await;
    queue_deliveries(&app).await;
    let rows = deliveries(&app, &webhook_id).await;
    let id: uuid::Uuid = rows[0]["id"].as_str().unwrap().parse().unwrap();

    // A claim that has expired (its worker died) does not keep others out.
    let expired = chrono::Utc::now() - chrono::TimeDelta::seconds(1);
    assert!(claim(app.db(), id, expired).await.unwrap());

    let lock = chrono::Utc::now() + chrono::TimeDelta::seconds(30);
    let attempts: Vec<_> = (0..8)
        .map(|_| {
            let db = app.db().clone();
            tokio::spawn(async move { claim(&db, id, lock).await.unwrap() })
        })
        .collect();
    let mut won = 0;
    for attempt in attempts {
        if attempt.await.unwrap() {
            won += 1;
        }
    }
    assert_eq!(won, 1, "exactly one concurrent claim succeeds");
    assert!(
        !claim(app.db(), id, lock).await.unwrap(),
        "a live claim keeps others out"
    );
}

#[tokio::test]
async fn a_webhook_gets_its_events_in_order_even_while_retrying() {
    let app = TestApp::spawn().await;
    let receiver = Receiver::start(2, Duration::ZERO).await;
    let (webhook_id, _) =
        create_webhook(&app, json!({ "url": receiver.url, "documentTypes": ["FAQ"] })).await;
    let faq = faq_id(&app).await;
    for i in 0..3 {
        edit_faq(&app, &faq, &format!("Edit {i}")).await;
    }

    let rows = wait_for_status(&app, &webhook_id, 3, "DELIVERED").await;
    let mut seqs: Vec<i64> = rows.iter().map(|r| r["eventSeq"].as_i64().unwrap()).collect();
    seqs.sort_unstable();
    let arrived: Vec<(i64, u16)> = receiver
        .received()
        .iter()
        .map(|r| (r.seq(), r.answered))
        .collect();
    // The first event is retried until it is delivered; only then do the others go.
    assert_eq!(
        arrived,
        [
            (seqs[0], 500),
            (seqs[0], 500),
            (seqs[0], 200),
            (seqs[1], 200),
            (seqs[2], 200)
        ]
    );
}

#[tokio::test]
async fn a_webhook_gets_no_event_committed_before_it_was_registered() {
    // No consumer runs here: the first edit is still unread when the webhook comes.
    let app = TestApp::new().await;
    let faq = faq_id(&app).await;
    edit_faq(&app, &faq, "Before the webhook.").await;
    let (webhook_id, _) = create_webhook(&app, json!({ "url": "http://127.0.0.1:9/hook" })).await;
    edit_faq(&app, &faq, "After the webhook.").await;
    let after = clinic_content_api::log::last_seq(app.db().conn()).await.unwrap();
    let (late_id, _) = create_webhook(&app, json!({ "url": "http://127.0.0.1:9/late" })).await;

    queue_deliveries(&app).await;

    let queued: Vec<i64> = deliveries(&app, &webhook_id)
        .await
        .iter()
        .map(|d| d["eventSeq"].as_i64().unwrap())
        .collect();
    assert_eq!(queued, [after]);
    assert!(deliveries(&app, &late_id).await.is_empty());
}

/// The webhook consumer's durable checkpoint.
async fn webhook_checkpoint(app: &TestApp) -> i64 {
    clinic_content_api::log::checkpoint::get(app.db().conn(), "webhooks")
        .await
        .unwrap()
        .expect("the webhook consumer has a checkpoint")
}

#[tokio::test]
async fn the_webhook_consumer_resumes_from_its_checkpoint_after_a_restart() {
    // The first life of the consumer: it queues two edits, then stops (here it is
    // driven by hand, and nothing delivers).
    let app = TestApp::new().await;
    let receiver = Receiver::start(0, Duration::ZERO).await;
    let (webhook_id, _) =
        create_webhook(&app, json!({ "url": receiver.url, "documentTypes": ["FAQ"] })).await;
    let faq = faq_id(&app).await;
    edit_faq(&app, &faq, "First, queued before the stop.").await;
    edit_faq(&app, &faq, "Second, queued before the stop.").await;
    let stopped_at = queue_deliveries(&app).await;
    assert_eq!(webhook_checkpoint(&app).await, stopped_at);
    assert_eq!(deliveries(&app, &webhook_id).await.len(), 2);

    // Written while no consumer runs: they wait in the log, unqueued.
    edit_faq(&app, &faq, "Third, written while stopped.").await;
    edit_faq(&app, &faq, "Fourth, written while stopped.").await;
    assert_eq!(deliveries(&app, &webhook_id).await.len(), 2);
    assert_eq!(webhook_checkpoint(&app).await, stopped_at);

    // A new instance over the same database resumes after the checkpoint.
    let restarted = AppState::with_webhook_allow_list(app.db().clone(), test_webhook_allow_list());
    restarted
        .start_background(fast_webhooks())
        .await
        .expect("background work starts");
    let rows = wait_for_status(&app, &webhook_id, 4, "DELIVERED").await;
    // A marker written after the restart: once it is delivered, anything doubled or
    // skipped before it would show.
    edit_faq(&app, &faq, "Fifth, the marker.").await;
    let rows_with_marker = wait_for_status(&app, &webhook_id, 5, "DELIVERED").await;
    let mut expected: Vec<i64> = rows_with_marker
        .iter()
        .map(|d| d["eventSeq"].as_i64().unwrap())
        .collect();
    expected.sort_unstable();
    assert_eq!(expected.len(), 5);
    assert!(rows.iter().all(|r| r["attempts"] == 1), "{rows:#?}");
    let arrived: Vec<i64> = receiver.successes().iter().map(Received::seq).collect();
    assert_eq!(arrived, expected, "each event once, in order");
    let answers: Vec<Value> = receiver
        .successes()
        .iter()
        .map(|r| r.json()["snapshot"]["answer"].clone())
        .collect();
    assert_eq!(
        answers,
        [
            "First, queued before the stop.",
            "Second, queued before the stop.",
            "Third, written while stopped.",
            "Fourth, written while stopped.",
            "Fifth, the marker."
        ]
    );
}

#[tokio::test]
async fn an_event_handed_to_the_webhook_consumer_twice_is_queued_once() {
    let app = TestApp::new().await;
    let (webhook_id, _) = create_webhook(&app, json!({ "url": "http://127.0.0.1:9/hook" })).await;
    let faq = faq_id(&app).await;
    edit_faq(&app, &faq, "Queued once.").await;
    let checkpoint = queue_deliveries(&app).await;
    let queued = deliveries(&app, &webhook_id).await;
    assert_eq!(queued.len(), 1);

    // As if the checkpoint had been lost after the deliveries were written: the
    // consumer is handed the same event again.
    let moved_back = clinic_content_api::log::checkpoint::advance(app.db().conn(), "webhooks", checkpoint, 0)
        .await
        .unwrap();
    assert!(moved_back);
    assert_eq!(queue_deliveries(&app).await, checkpoint);

    assert_eq!(deliveries(&app, &webhook_id).await, queued);
}

#[tokio::test]
async fn upgrading_to_the_webhook_consumer_queues_no_event_written_before_again() {
    // Before the upgrade each write queued its own deliveries.
    let app = TestApp::new().await;
    let (webhook_id, _) = create_webhook(&app, json!({ "url": "http://127.0.0.1:9/hook" })).await;
    let faq = faq_id(&app).await;
    edit_faq(&app, &faq, "Queued by the write itself.").await;
    queue_deliveries(&app).await;
    crate::helpers::migrate_down_to_before(app.db().conn(), "m20261128_000001_event_checkpoints").await;
    // Long sent, its delivery may even be gone: either way it is not sent again.
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    entity::webhook_delivery::Entity::delete_many()
        .filter(entity::webhook_delivery::Column::WebhookId.eq(webhook_id.parse::<uuid::Uuid>().unwrap()))
        .exec(app.db().conn())
        .await
        .unwrap();
    let head = clinic_content_api::log::last_seq(app.db().conn()).await.unwrap();

    app.db().migrate().await.unwrap();

    assert_eq!(webhook_checkpoint(&app).await, head);
    assert_eq!(queue_deliveries(&app).await, head);
    assert!(deliveries(&app, &webhook_id).await.is_empty());
    edit_faq(&app, &faq, "Queued by the consumer.").await;
    queue_deliveries(&app).await;
    assert_eq!(deliveries(&app, &webhook_id).await.len(), 1);
}
