//! The delta-sync feed: replaying it from the start, or from any cursor it gave,
//! leaves a client with exactly what public queries show — no children of an
//! unpublished therapy, no links to unpublished documents, no superseded text.

use std::collections::BTreeMap;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};

use crate::helpers::{As, TestApp, error_code, prolotherapy_id};

type Store = BTreeMap<(String, String), Value>;

const CHANGES: &str = "query($since: String, $first: Int) { changes(since: $since, first: $first) { cursor hasMore changes { kind documentType documentId data } } }";

/// What a client holds after applying the feed from `since` onto `store`.
async fn sync(app: &TestApp, store: Store, since: Option<String>) -> (Store, String) {
    let (store, cursor, _) = replay(app, store, since, 7).await;
    (store, cursor)
}

/// Applies the feed from `since` onto `store` in pages of `first`; returns the
/// store, the last cursor and every change received.
async fn replay(
    app: &TestApp,
    mut store: Store,
    since: Option<String>,
    first: u64,
) -> (Store, String, Vec<Value>) {
    let mut cursor = since;
    let mut received = Vec::new();
    for _ in 0..1000 {
        let page = app
            .data(As::Public, CHANGES, json!({ "since": cursor, "first": first }))
            .await["changes"]
            .clone();
        for change in page["changes"].as_array().unwrap() {
            let key = (
                change["documentType"].as_str().unwrap().to_owned(),
                change["documentId"].as_str().unwrap().to_owned(),
            );
            match change["kind"].as_str().unwrap() {
                "UPSERT" => store.insert(key, change["data"].clone()),
                _ => store.remove(&key),
            };
            received.push(change.clone());
        }
        cursor = Some(page["cursor"].as_str().unwrap().to_owned());
        if !page["hasMore"].as_bool().unwrap() {
            return (store, cursor.unwrap(), received);
        }
    }
    panic!("the feed never ended");
}

/// What the public sees through GraphQL, keyed as the feed keys it: every document
/// and link any public query shows, each with its version and its texts.
async fn public_view(app: &TestApp) -> Store {
    let rich = "markdown";
    let query = format!(
        "{{
          therapies(first: 100) {{ nodes {{ id version name
            conditions {{ id version }}
            practitioners {{ id }}
          }} }}
          conditions(first: 100) {{ nodes {{ id version name }} }}
          practitioners(first: 100) {{ nodes {{ id version name }} }}
          faqs(first: 100) {{ nodes {{ id version question answer {{ {rich} }} }} }}
          benefits(first: 100) {{ nodes {{ id version title body {{ {rich} }} }} }}
          therapySections(first: 100) {{ nodes {{ id version heading body {{ {rich} }} }} }}
          citations(first: 100) {{ nodes {{ id version title }} }}
        }}"
    );
    let mut data = app.data(As::Public, &query, json!({})).await;
    // The claims' citations and the reviews, asked apart to stay within the
    // public query cost, merged into the same nodes.
    for therapy in data["therapies"]["nodes"].as_array_mut().unwrap() {
        let extra = app
            .data(
                As::Public,
                "query($id: ID!) { therapy(id: $id) { citations { id version } reviews { id version }
                    conditions { id citations { id version } } } }",
                json!({ "id": therapy["id"] }),
            )
            .await;
        let extra = &extra["therapy"];
        therapy["citations"] = extra["citations"].clone();
        therapy["reviews"] = extra["reviews"].clone();
        for (link, with) in therapy["conditions"]
            .as_array_mut()
            .unwrap()
            .iter_mut()
            .zip(extra["conditions"].as_array().unwrap())
        {
            link["citations"] = with["citations"].clone();
        }
    }
    for (list, more) in [
        ("conditions", "reviews { id version }"),
        ("faqs", "citations { id version }"),
        ("benefits", "citations { id version }"),
        ("therapySections", "citations { id version }"),
    ] {
        let extra = app
            .data(
                As::Public,
                &format!("{{ {list}(first: 100) {{ nodes {{ id {more} }} }} }}"),
                json!({}),
            )
            .await;
        for (node, added) in data[list]["nodes"]
            .as_array_mut()
            .unwrap()
            .iter_mut()
            .zip(extra[list]["nodes"].as_array().unwrap())
        {
            for key in ["citations", "reviews"] {
                if let Some(value) = added.get(key) {
                    node[key] = value.clone();
                }
            }
        }
    }
    let mut store = Store::new();
    let mut put = |kind: &str, node: &Value, fields: &[&str]| {
        let mut view = serde_json::Map::new();
        for field in fields {
            let value = &node[*field];
            // Rich text is stored as Markdown: the feed carries what `markdown` shows.
            let value = value.get(rich).unwrap_or(value);
            view.insert((*field).to_owned(), value.clone());
        }
        let id = node["id"].as_str().unwrap().to_owned();
        store.insert((kind.to_owned(), id), Value::Object(view));
    };
    for (list, kind, fields) in [
        ("therapies", "THERAPY", &["version", "name"][..]),
        ("conditions", "CONDITION", &["version", "name"]),
        ("practitioners", "PRACTITIONER", &["version", "name"]),
        ("faqs", "FAQ", &["version", "question", "answer"]),
        ("benefits", "BENEFIT", &["version", "title", "body"]),
        (
            "therapySections",
            "THERAPY_SECTION",
            &["version", "heading", "body"],
        ),
    ] {
        for node in data[list]["nodes"].as_array().unwrap() {
            put(kind, node, fields);
            // Claims show their citations; therapies and conditions their reviews.
            for cited in node["citations"].as_array().into_iter().flatten() {
                put("CLAIM_CITATION", cited, &["version"]);
            }
            for review in node["reviews"].as_array().into_iter().flatten() {
                put("REVIEW", review, &["version"]);
            }
        }
    }
    for node in data["citations"]["nodes"].as_array().unwrap() {
        put("CITATION", node, &["version", "title"]);
    }
    for therapy in data["therapies"]["nodes"].as_array().unwrap() {
        for link in therapy["conditions"].as_array().unwrap() {
            put("THERAPY_CONDITION", link, &["version"]);
            for cited in link["citations"].as_array().into_iter().flatten() {
                put("CLAIM_CITATION", cited, &["version"]);
            }
        }
        for practitioner in therapy["practitioners"].as_array().unwrap() {
            // Public queries show a practitioner link as its two ends.
            let (therapy_id, practitioner_id) = (&therapy["id"], &practitioner["id"]);
            let link = json!({ "id": format!("{therapy_id}:{practitioner_id}") });
            put("THERAPY_PRACTITIONER", &link, &[]);
        }
    }
    store
}

/// A client's store cut down to what [`public_view`] compares.
fn comparable(store: &Store) -> Store {
    store
        .iter()
        .map(|((kind, id), data)| {
            if kind == "THERAPY_PRACTITIONER" {
                // Compared by its ends, which is how public queries show it.
                let ends = format!("{}:{}", data["therapyId"], data["practitionerId"]);
                return ((kind.clone(), ends), Value::Object(Default::default()));
            }
            let fields: &[&str] = match kind.as_str() {
                "THERAPY" | "CONDITION" | "PRACTITIONER" => &["version", "name"],
                "FAQ" => &["version", "question", "answer"],
                "BENEFIT" => &["version", "title", "body"],
                "THERAPY_SECTION" => &["version", "heading", "body"],
                "THERAPY_CONDITION" | "CLAIM_CITATION" | "REVIEW" => &["version"],
                "CITATION" => &["version", "title"],
                _ => &[],
            };
            let view = fields
                .iter()
                .map(|f| ((*f).to_owned(), data[*f].clone()))
                .collect();
            ((kind.clone(), id.clone()), Value::Object(view))
        })
        .collect()
}

async fn ids(app: &TestApp, query: &str, pick: impl Fn(&Value) -> Vec<Value>) -> Vec<String> {
    let data = app.data(As::Editor, query, json!({})).await;
    pick(&data)
        .into_iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect()
}

/// One random editor action on the seeded content; returns how many of its
/// mutations succeeded.
async fn random_write(app: &TestApp, rng: &mut StdRng, step: usize, therapy: &str) -> usize {
    let succeeded = std::sync::atomic::AtomicUsize::new(0);
    let conditions = ids(
        app,
        "{ conditions(first: 100, stage: DRAFT) { edges { node { id } } } }",
        |d| {
            d["conditions"]["edges"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["node"]["id"].clone())
                .collect()
        },
    )
    .await;
    let faqs = ids(
        app,
        "{ faqs(first: 100, stage: DRAFT) { edges { node { id } } } }",
        |d| {
            d["faqs"]["edges"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["node"]["id"].clone())
                .collect()
        },
    )
    .await;
    let pick = |rng: &mut StdRng, list: &[String]| list[rng.random_range(0..list.len())].clone();
    let succeeded = &succeeded;
    let editor = |query: &'static str, vars: Value| async move {
        let response = app.call(As::Editor, query, vars).await;
        if response.get("errors").is_none() {
            succeeded.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
        response
    };
    match rng.random_range(0..9) {
        0 => {
            let id = pick(rng, &conditions);
            let v = app
                .data(
                    As::Editor,
                    "query($id: ID!) { condition(id: $id, stage: DRAFT) { version } }",
                    json!({ "id": id }),
                )
                .await;
            editor(
                "mutation($id: ID!, $v: Int!, $n: String!) { updateCondition(id: $id, expectedVersion: $v, input: { name: $n }) { id } }",
                json!({ "id": id, "v": v["condition"]["version"], "n": format!("Condition {step}") }),
            )
            .await;
            if rng.random_bool(0.7) {
                editor(
                    "mutation($id: ID!) { publishCondition(id: $id) { id } }",
                    json!({ "id": id }),
                )
                .await;
            } else if rng.random_bool(0.5) {
                // Its published links stay, but the public no longer sees them.
                editor(
                    "mutation($id: ID!) { unpublishCondition(id: $id) { id } }",
                    json!({ "id": id }),
                )
                .await;
            }
        }
        1 => {
            let created = editor(
                "mutation($s: String!) { createCondition(input: { slug: $s, name: \"New\" }) { id } }",
                json!({ "s": format!("new-condition-{step}") }),
            )
            .await;
            let id = created["data"]["createCondition"]["id"].clone();
            editor(
                "mutation($id: ID!) { publishCondition(id: $id) { id } }",
                json!({ "id": id }),
            )
            .await;
            editor(
                "mutation($t: ID!, $c: ID!) { linkCondition(input: { therapyId: $t, conditionId: $c, suitability: RESPONDS_WELL }) { id } }",
                json!({ "t": therapy, "c": id }),
            )
            .await;
        }
        2 => {
            editor(
                "mutation($id: ID!) { deleteCondition(id: $id) }",
                json!({ "id": pick(rng, &conditions) }),
            )
            .await;
        }
        3 => {
            editor(
                "mutation($id: ID!, $c: Boolean!) { publishTherapy(id: $id, withChildren: $c) { id } }",
                json!({ "id": therapy, "c": rng.random_bool(0.5) }),
            )
            .await;
        }
        4 => {
            editor(
                "mutation($id: ID!, $c: Boolean!) { unpublishTherapy(id: $id, withChildren: $c) { id } }",
                json!({ "id": therapy, "c": rng.random_bool(0.5) }),
            )
            .await;
        }
        5 => {
            let created = editor(
                "mutation($t: ID, $q: String!) { createFaq(input: { therapyId: $t, question: $q, answer: \"Yes.\" }) { id } }",
                json!({ "t": if rng.random_bool(0.5) { json!(therapy) } else { Value::Null }, "q": format!("Question {step}?") }),
            )
            .await;
            editor(
                "mutation($id: ID!) { publishFaq(id: $id) { id } }",
                json!({ "id": created["data"]["createFaq"]["id"] }),
            )
            .await;
        }
        6 => {
            let id = pick(rng, &faqs);
            let v = app
                .data(
                    As::Editor,
                    "query($id: ID!) { faq(id: $id, stage: DRAFT) { version } }",
                    json!({ "id": id }),
                )
                .await;
            editor(
                "mutation($id: ID!, $v: Int!) { updateFaq(id: $id, expectedVersion: $v, input: { answer: \"Changed.\" }) { id } }",
                json!({ "id": id, "v": v["faq"]["version"] }),
            )
            .await;
            let action = if rng.random_bool(0.5) {
                "mutation($id: ID!) { publishFaq(id: $id) { id } }"
            } else {
                "mutation($id: ID!) { unpublishFaq(id: $id) { id } }"
            };
            editor(action, json!({ "id": id })).await;
        }
        7 => {
            editor(
                "mutation($id: ID!) { deleteFaq(id: $id) }",
                json!({ "id": pick(rng, &faqs) }),
            )
            .await;
        }
        _ => {
            let practitioner = ids(
                app,
                "{ practitioners(stage: DRAFT) { edges { node { id } } } }",
                |d| {
                    d["practitioners"]["edges"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|e| e["node"]["id"].clone())
                        .collect()
                },
            )
            .await;
            if let Some(p) = practitioner.first() {
                let query = if rng.random_bool(0.5) {
                    "mutation($t: ID!, $p: ID!) { unlinkPractitioner(therapyId: $t, practitionerId: $p) { id } }"
                } else {
                    "mutation($t: ID!, $p: ID!) { linkPractitioner(therapyId: $t, practitionerId: $p) { id } }"
                };
                editor(query, json!({ "t": therapy, "p": p })).await;
            }
        }
    }
    succeeded.load(std::sync::atomic::Ordering::SeqCst)
}

#[tokio::test]
async fn replaying_the_feed_from_the_start_or_any_cursor_gives_exactly_what_public_queries_show() {
    let app = TestApp::new().await;
    let therapy = prolotherapy_id(&app).await;
    let mut rng = StdRng::seed_from_u64(20261126);
    let mut checkpoints = Vec::new();
    let mut writes = 0;

    for step in 0..40 {
        writes += random_write(&app, &mut rng, step, &therapy).await;
        if step % 8 == 0 {
            let (store, cursor) = sync(&app, Store::new(), None).await;
            assert_eq!(
                comparable(&store),
                public_view(&app).await,
                "replay from the start diverged after step {step}"
            );
            checkpoints.push((store, cursor));
        }
    }

    assert!(writes >= 40, "only {writes} of the random mutations succeeded");
    let expected = public_view(&app).await;
    let (from_start, _) = sync(&app, Store::new(), None).await;
    assert_eq!(comparable(&from_start), expected, "replay from the start");
    for (i, (store, cursor)) in checkpoints.into_iter().enumerate() {
        let (caught_up, _) = sync(&app, store, Some(cursor)).await;
        // Each document exactly as a replay from the start has it, not merely alike.
        assert_eq!(caught_up, from_start, "catching up from checkpoint {i}");
    }
}

#[tokio::test]
async fn the_feed_holds_only_published_content_and_its_cursor_moves_past_draft_changes() {
    let app = TestApp::new().await;
    let therapy = prolotherapy_id(&app).await;
    let (_, cursor) = sync(&app, Store::new(), None).await;

    app.data(
        As::Editor,
        "mutation($id: ID!) { updateTherapy(id: $id, expectedVersion: 1, input: { name: \"Draft only\" }) { id } }",
        json!({ "id": therapy }),
    )
    .await;
    let page = app.data(As::Public, CHANGES, json!({ "since": cursor })).await["changes"].clone();
    assert_eq!(page["changes"], json!([]));
    assert_eq!(page["hasMore"], false);

    app.data(
        As::Editor,
        "mutation($id: ID!) { publishTherapy(id: $id) { id } }",
        json!({ "id": therapy }),
    )
    .await;
    let page = app
        .data(As::Public, CHANGES, json!({ "since": page["cursor"] }))
        .await["changes"]
        .clone();
    let therapies: Vec<&Value> = page["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["documentType"] == "THERAPY")
        .collect();
    assert_eq!(therapies.len(), 1);
    assert_eq!(therapies[0]["kind"], "UPSERT");
    assert_eq!(therapies[0]["data"]["name"], "Draft only");
}

#[tokio::test]
async fn a_bad_cursor_or_page_size_is_refused() {
    let app = TestApp::new().await;
    let bad_cursor = app.call(As::Public, CHANGES, json!({ "since": "garbage" })).await;
    assert_eq!(error_code(&bad_cursor), "BAD_USER_INPUT");
    assert_eq!(bad_cursor["errors"][0]["extensions"]["field"], "since");
    let log = clinic_content_api::log::tagged_cursor;
    for forged in [
        log("feed", "7:NO_SUCH_TYPE:01a21bd5-2e4d-71cd-8f2c-acf21e04596c"),
        log("feed", "7:FAQ:not-a-uuid"),
        log("feed", "7:FAQ"),
        log("event", "7"),
    ] {
        let refused = app.call(As::Public, CHANGES, json!({ "since": forged })).await;
        assert_eq!(error_code(&refused), "BAD_USER_INPUT", "{forged}");
    }
    let too_many = app.call(As::Public, CHANGES, json!({ "first": 501 })).await;
    assert_eq!(too_many["errors"][0]["extensions"]["field"], "first");
}

/// Runs an editor mutation that must succeed; returns its data.
async fn edit(app: &TestApp, query: &str, variables: Value) -> Value {
    app.data(As::Editor, query, variables).await
}

async fn publish_therapy(app: &TestApp, id: &str) {
    edit(
        app,
        "mutation($id: ID!) { publishTherapy(id: $id) { id } }",
        json!({ "id": id }),
    )
    .await;
}

async fn unpublish_therapy(app: &TestApp, id: &str) {
    edit(
        app,
        "mutation($id: ID!) { unpublishTherapy(id: $id) { id } }",
        json!({ "id": id }),
    )
    .await;
}

/// Asserts that a client replaying the whole feed, and one catching up from
/// `checkpoint`, both hold exactly what public queries show; returns the caught-up
/// store, its cursor and the changes the catch-up received.
async fn assert_in_step(
    app: &TestApp,
    checkpoint: (Store, String),
    what: &str,
) -> (Store, String, Vec<Value>) {
    let expected = public_view(app).await;
    let (from_start, _, _) = replay(app, Store::new(), None, 7).await;
    assert_eq!(comparable(&from_start), expected, "{what}: replay from the start");
    let (store, cursor) = checkpoint;
    let caught_up = replay(app, store, Some(cursor), 7).await;
    assert_eq!(comparable(&caught_up.0), expected, "{what}: catching up");
    caught_up
}

fn count(store: &Store, kind: &str) -> usize {
    store.keys().filter(|(k, _)| k == kind).count()
}

#[tokio::test]
async fn a_corrected_answer_is_never_served_again_once_the_correction_is_published() {
    // Arrange: an answer published with a mistake, held by a client…
    let app = TestApp::new().await;
    let faq = app
        .data(
            As::Public,
            "{ therapy(slug: \"prolotherapy\") { faqs { id version } } }",
            json!({}),
        )
        .await["therapy"]["faqs"][0]
        .clone();
    let correct = "mutation($id: ID!, $v: Int!, $a: String!) { updateFaq(id: $id, expectedVersion: $v, input: { answer: $a }) { version } }";
    let publish = "mutation($id: ID!) { publishFaq(id: $id) { id } }";
    edit(
        &app,
        correct,
        json!({ "id": faq["id"], "v": faq["version"], "a": "Mistaken: ten sessions a day." }),
    )
    .await;
    edit(&app, publish, json!({ "id": faq["id"] })).await;
    let held = sync(&app, Store::new(), None).await;
    assert!(
        format!("{:?}", held.0).contains("Mistaken: ten sessions a day."),
        "the mistake was public before the correction"
    );

    // Act: …then corrected and published again.
    let version = faq["version"].as_i64().unwrap() + 1;
    edit(
        &app,
        correct,
        json!({ "id": faq["id"], "v": version, "a": "One session a month." }),
    )
    .await;
    edit(&app, publish, json!({ "id": faq["id"] })).await;

    // Assert: no replay, from the start or from the client's cursor, page by page
    // or all at once, carries the old text.
    for first in [1, 7, 500] {
        let (store, _, received) = replay(&app, Store::new(), None, first).await;
        let text = serde_json::to_string(&received).unwrap();
        assert!(
            !text.contains("Mistaken"),
            "pages of {first} replay the superseded text"
        );
        let key = ("FAQ".to_owned(), faq["id"].as_str().unwrap().to_owned());
        assert_eq!(store[&key]["answer"], "One session a month.");
    }
    let (store, _, received) = assert_in_step(&app, held, "after the correction").await;
    assert!(!serde_json::to_string(&received).unwrap().contains("Mistaken"));
    assert!(!format!("{store:?}").contains("Mistaken"));
}

#[tokio::test]
async fn children_leave_the_feed_with_their_therapy_and_come_back_with_it() {
    // Arrange: a therapy never published whose FAQ entry and benefit are published…
    let app = TestApp::new().await;
    let prolotherapy = prolotherapy_id(&app).await;
    let cupping = edit(
        &app,
        "mutation { createTherapy(input: { slug: \"cupping\", name: \"Cupping\" }) { id } }",
        json!({}),
    )
    .await["createTherapy"]["id"]
        .clone();
    let faq = edit(
        &app,
        "mutation($t: ID!) { createFaq(input: { therapyId: $t, question: \"Does cupping leave marks?\", answer: \"For a few days.\" }) { id } }",
        json!({ "t": cupping }),
    )
    .await["createFaq"]["id"]
        .clone();
    let benefit = edit(
        &app,
        "mutation($t: ID!) { createBenefit(input: { therapyId: $t, title: \"Relaxing\", body: \"Very.\" }) { id } }",
        json!({ "t": cupping }),
    )
    .await["createBenefit"]["id"]
        .clone();
    edit(
        &app,
        "mutation($id: ID!) { publishFaq(id: $id) { id } }",
        json!({ "id": faq }),
    )
    .await;
    edit(
        &app,
        "mutation($id: ID!) { publishBenefit(id: $id) { id } }",
        json!({ "id": benefit }),
    )
    .await;

    // Assert: …are nowhere in the feed, not even as a deletion.
    let (start, cursor, received) = replay(&app, Store::new(), None, 7).await;
    assert_eq!(comparable(&start), public_view(&app).await);
    let text = serde_json::to_string(&received).unwrap();
    for hidden in [&faq, &benefit, &cupping] {
        assert!(
            !text.contains(hidden.as_str().unwrap()),
            "the feed names {hidden}"
        );
    }
    assert!(!text.contains("cupping"), "{text}");
    let seeded_children = (
        count(&start, "FAQ"),
        count(&start, "BENEFIT"),
        count(&start, "THERAPY_SECTION"),
    );
    assert_eq!(seeded_children, (4, 3, 6));

    // Act: unpublish the seeded page, its children left published.
    unpublish_therapy(&app, &prolotherapy).await;

    // Assert: its children and links leave every client's copy.
    let (store, cursor, received) = assert_in_step(&app, (start.clone(), cursor), "unpublished").await;
    assert_eq!(
        (
            count(&store, "THERAPY"),
            count(&store, "FAQ"),
            count(&store, "BENEFIT"),
            count(&store, "THERAPY_SECTION")
        ),
        (0, 0, 0, 0)
    );
    assert_eq!(
        (
            count(&store, "THERAPY_CONDITION"),
            count(&store, "THERAPY_PRACTITIONER")
        ),
        (0, 0)
    );
    assert!(received.iter().all(|c| c["kind"] == "DELETE"), "{received:#?}");

    // Act: publish it again.
    publish_therapy(&app, &prolotherapy).await;

    // Assert: they come back, as they are.
    let (store, cursor, received) = assert_in_step(&app, (store, cursor), "republished").await;
    assert_eq!(comparable(&store), comparable(&start));
    assert!(received.iter().all(|c| c["kind"] == "UPSERT"), "{received:#?}");

    // Act: publish the therapy whose children were published all along.
    publish_therapy(&app, cupping.as_str().unwrap()).await;

    // Assert: they appear with it.
    let (store, _, _) = assert_in_step(&app, (store, cursor), "cupping published").await;
    assert!(store.contains_key(&("FAQ".to_owned(), faq.as_str().unwrap().to_owned())));
    assert!(store.contains_key(&("BENEFIT".to_owned(), benefit.as_str().unwrap().to_owned())));
}

#[tokio::test]
async fn links_to_draft_only_documents_appear_only_while_both_ends_are_published() {
    // Arrange: the page linked to a condition and a practitioner that are drafts only.
    let app = TestApp::new().await;
    let prolotherapy = prolotherapy_id(&app).await;
    let checkpoint = sync(&app, Store::new(), None).await;
    let condition = edit(
        &app,
        "mutation { createCondition(input: { slug: \"tennis-elbow\", name: \"Tennis elbow\" }) { id } }",
        json!({}),
    )
    .await["createCondition"]["id"]
        .clone();
    let practitioner = edit(
        &app,
        "mutation { createPractitioner(input: { slug: \"dr-new\", name: \"Dr. New\" }) { id } }",
        json!({}),
    )
    .await["createPractitioner"]["id"]
        .clone();
    let link = edit(
        &app,
        "mutation($t: ID!, $c: ID!) { linkCondition(input: { therapyId: $t, conditionId: $c, suitability: RESPONDS_WELL }) { id } }",
        json!({ "t": prolotherapy, "c": condition }),
    )
    .await["linkCondition"]["id"]
        .clone();
    edit(
        &app,
        "mutation($t: ID!, $p: ID!) { linkPractitioner(therapyId: $t, practitionerId: $p) { id } }",
        json!({ "t": prolotherapy, "p": practitioner }),
    )
    .await;
    publish_therapy(&app, &prolotherapy).await;

    // Assert: the links are published with the page but shown nowhere.
    let (store, cursor, received) = assert_in_step(&app, checkpoint, "links published").await;
    let text = serde_json::to_string(&received).unwrap();
    for hidden in [&condition, &practitioner, &link] {
        assert!(
            !text.contains(hidden.as_str().unwrap()),
            "the feed names {hidden}: {text}"
        );
    }

    // Act: publish both ends.
    edit(
        &app,
        "mutation($id: ID!) { publishCondition(id: $id) { id } }",
        json!({ "id": condition }),
    )
    .await;
    edit(
        &app,
        "mutation($id: ID!) { publishPractitioner(id: $id) { id } }",
        json!({ "id": practitioner }),
    )
    .await;

    // Assert: the links come with them.
    let (store, cursor, _) = assert_in_step(&app, (store, cursor), "ends published").await;
    assert!(store.contains_key(&("THERAPY_CONDITION".to_owned(), link.as_str().unwrap().to_owned())));
    let practitioner_links = count(&store, "THERAPY_PRACTITIONER");
    assert_eq!(practitioner_links, 2);

    // Act: unpublish the condition again.
    edit(
        &app,
        "mutation($id: ID!) { unpublishCondition(id: $id) { id } }",
        json!({ "id": condition }),
    )
    .await;

    // Assert: its link goes with it.
    let (store, _, _) = assert_in_step(&app, (store, cursor), "condition unpublished").await;
    assert!(!store.contains_key(&("THERAPY_CONDITION".to_owned(), link.as_str().unwrap().to_owned())));
}

#[tokio::test]
async fn a_cursor_inside_one_events_changes_gives_the_same_page_every_time_and_old_cursors_still_work() {
    // Arrange: one write that hides many documents at once.
    let app = TestApp::new().await;
    let prolotherapy = prolotherapy_id(&app).await;
    let (start, cursor) = sync(&app, Store::new(), None).await;
    unpublish_therapy(&app, &prolotherapy).await;

    // Act: page through it two at a time, asking for every page twice.
    let mut since = cursor.clone();
    let mut pages = 0;
    let mut received = Vec::new();
    loop {
        let page = app
            .data(As::Public, CHANGES, json!({ "since": since, "first": 2 }))
            .await["changes"]
            .clone();
        let again = app
            .data(As::Public, CHANGES, json!({ "since": since, "first": 2 }))
            .await["changes"]
            .clone();
        assert_eq!(page, again, "the same cursor gave two different pages");
        received.extend(page["changes"].as_array().unwrap().iter().cloned());
        pages += 1;
        since = page["cursor"].as_str().unwrap().to_owned();
        if !page["hasMore"].as_bool().unwrap() {
            break;
        }
    }

    // Assert: every change came once, as a catch-up in one page has them.
    let (_, _, whole) = replay(&app, start, Some(cursor), 500).await;
    assert_eq!(received, whole);
    assert!(pages > 5, "only {pages} pages");
    let seqs: Vec<&Value> = received.iter().map(|c| &c["seq"]).collect();
    assert!(
        seqs.windows(2).any(|w| w[0] == w[1]),
        "no event moved several documents"
    );
    // A cursor of the older form (a log position alone) still reads.
    let old = clinic_content_api::log::seq_cursor("feed", 0);
    let (from_old, _, _) = replay(&app, Store::new(), Some(old), 100).await;
    assert_eq!(comparable(&from_old), public_view(&app).await);
}

#[tokio::test]
async fn the_feed_is_placed_by_a_durable_consumer_of_the_log_and_rebuilds_from_it() {
    use sea_orm::{ConnectionTrait, EntityTrait};
    let app = TestApp::new().await;
    let therapy = crate::helpers::prolotherapy_id(&app).await;
    unpublish_therapy(&app, &therapy).await;
    publish_therapy(&app, &therapy).await;
    let (first, cursor, changes) = replay(&app, Store::new(), None, 7).await;
    // The index took in the whole log, and keeps its place in `event_checkpoint`.
    let conn = app.db().conn();
    let head = clinic_content_api::log::last_seq(conn).await.unwrap();
    let at = clinic_content_api::log::checkpoint::get(conn, "feed")
        .await
        .unwrap();
    assert_eq!(at, Some(head));
    assert!(
        !entity::feed_entry::Entity::find()
            .all(conn)
            .await
            .unwrap()
            .is_empty()
    );

    // Thrown away, it is rebuilt from the log on the next read, to the same feed.
    entity::feed_entry::Entity::delete_many()
        .exec(conn)
        .await
        .unwrap();
    conn.execute_unprepared("UPDATE event_checkpoint SET seq = 0 WHERE consumer = 'feed'")
        .await
        .unwrap();
    let (again, again_cursor, again_changes) = replay(&app, Store::new(), None, 7).await;
    assert_eq!(again, first);
    assert_eq!(again_changes, changes);
    assert_eq!(again_cursor, cursor);
}
