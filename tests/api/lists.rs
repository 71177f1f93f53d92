//! Lists: Relay cursor pagination, page-size limits, filters, nested lists both
//! ways, and the reorder mutations.

use serde_json::{Value, json};

use crate::helpers::{As, TestApp, error_code, prolotherapy_id};

/// Every seeded condition name, in ascending name order as the database sorts it:
/// byte order (SQLite; PostgreSQL with the `C`/`C.UTF-8` collation), so "SI (…" comes
/// before "Sciatica".
const ALL_CONDITIONS_BY_NAME: [&str; 20] = [
    "Acute joint injuries",
    "Arthritis",
    "Cancer pain",
    "Cerebral spinal stenosis",
    "Chronic joint pain",
    "Complete rotator cuff tears",
    "DJD (Degenerative joint disorder)",
    "Fibromyalgia",
    "Fractures",
    "Knee pain",
    "Labral tears",
    "Low back pain",
    "Pain from autoimmune conditions",
    "Rotator cuff injuries and partial tears",
    "SI (sacroiliac) joint pain",
    "Sciatica",
    "Severely herniated discs",
    "Sprained Ankle",
    "Tennis and Golfer’s Elbow",
    "Torn meniscus",
];

/// The seeded conditions that respond poorly to prolotherapy, by name.
const RESPONDS_POORLY_BY_NAME: [&str; 7] = [
    "Cancer pain",
    "Cerebral spinal stenosis",
    "Complete rotator cuff tears",
    "Fibromyalgia",
    "Fractures",
    "Pain from autoimmune conditions",
    "Severely herniated discs",
];

/// The seeded condition links of prolotherapy, in their hand-made (seed) order.
const PROLOTHERAPY_CONDITION_SLUGS: [&str; 20] = [
    "acute-joint-injuries",
    "chronic-joint-pain",
    "arthritis",
    "knee-pain",
    "torn-meniscus",
    "low-back-pain",
    "sciatica",
    "si-joint-pain",
    "degenerative-joint-disorder",
    "rotator-cuff-injuries-and-partial-tears",
    "labral-tears",
    "sprained-ankle",
    "tennis-and-golfers-elbow",
    "fibromyalgia",
    "severely-herniated-discs",
    "cerebral-spinal-stenosis",
    "complete-rotator-cuff-tears",
    "fractures",
    "cancer-pain",
    "pain-from-autoimmune-conditions",
];

const BENEFIT_TITLES: [&str; 3] = [
    "Long-term results",
    "Better pain, function and range of motion",
    "Less need for surgery",
];

const FAQ_QUESTIONS: [&str; 4] = [
    "Will the injections hurt?",
    "How long does the procedure take?",
    "How many treatments will I need?",
    "How long will the treatment last?",
];

const SECTION_HEADINGS: [&str; 6] = [
    "What is Prolotherapy?",
    "Is Prolotherapy right for you?",
    "Do you want a natural solution for acute or chronic joint pain?",
    "Why prolotherapy heals joints",
    "How prolotherapy works",
    "Precautions",
];

const SEED: &str = include_str!("../../src/seed/prolotherapy.json");

const CONDITIONS: &str = r#"
query Conditions($filter: ConditionFilter, $orderBy: OrderBy, $first: Int, $after: String,
                 $last: Int, $before: String, $stage: Stage) {
  conditions(filter: $filter, orderBy: $orderBy, first: $first, after: $after,
             last: $last, before: $before, stage: $stage) {
    totalCount
    pageInfo { hasPreviousPage hasNextPage startCursor endCursor }
    edges { cursor node { id slug name } }
    nodes { id slug name bodyRegion updatedAt }
  }
}"#;

const THERAPIES: &str = r#"
query Therapies($filter: TherapyFilter, $orderBy: OrderBy, $first: Int, $after: String) {
  therapies(filter: $filter, orderBy: $orderBy, first: $first, after: $after) {
    totalCount
    pageInfo { hasPreviousPage hasNextPage }
    nodes { id slug name }
  }
}"#;

const PRACTITIONERS: &str = r#"
query Practitioners($filter: PractitionerFilter, $orderBy: OrderBy, $first: Int) {
  practitioners(filter: $filter, orderBy: $orderBy, first: $first) {
    totalCount
    nodes { id slug name }
  }
}"#;

const BENEFITS: &str = r#"
query Benefits($filter: OwnedItemFilter, $orderBy: OrderBy, $first: Int, $after: String, $stage: Stage) {
  benefits(filter: $filter, orderBy: $orderBy, first: $first, after: $after, stage: $stage) {
    totalCount
    pageInfo { hasPreviousPage hasNextPage endCursor }
    nodes { id title position }
  }
}"#;

const FAQS: &str = r#"
query Faqs($filter: OwnedItemFilter, $orderBy: OrderBy, $first: Int, $stage: Stage) {
  faqs(filter: $filter, orderBy: $orderBy, first: $first, stage: $stage) {
    totalCount
    nodes { id question position therapy { slug } }
  }
}"#;

const SECTIONS: &str = r#"
query Sections($filter: OwnedItemFilter, $orderBy: OrderBy, $first: Int, $after: String) {
  therapySections(filter: $filter, orderBy: $orderBy, first: $first, after: $after) {
    totalCount
    pageInfo { hasPreviousPage hasNextPage endCursor }
    nodes { id heading position }
  }
}"#;

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/// `field` of every element of a JSON array, as strings.
fn strings<'a>(list: &'a Value, field: &str) -> Vec<&'a str> {
    list.as_array()
        .unwrap_or_else(|| panic!("not a list: {list:#}"))
        .iter()
        .map(|item| {
            item[field]
                .as_str()
                .unwrap_or_else(|| panic!("no string {field} in {item:#}"))
        })
        .collect()
}

fn owned(list: Vec<&str>) -> Vec<String> {
    list.into_iter().map(str::to_owned).collect()
}

/// `extensions.field` of the first error of a response.
fn error_field(response: &Value) -> &str {
    response["errors"][0]["extensions"]["field"]
        .as_str()
        .unwrap_or_else(|| panic!("no error field in {response:#}"))
}

/// Asserts the response failed with `BAD_USER_INPUT` (on `field` if given) and returned no data.
fn assert_bad_input(response: &Value, field: Option<&str>) {
    assert_eq!(error_code(response), "BAD_USER_INPUT", "{response:#}");
    if let Some(field) = field {
        assert_eq!(error_field(response), field, "{response:#}");
    }
    assert!(response["data"].is_null(), "no data expected: {response:#}");
}

async fn conditions(app: &TestApp, vars: Value) -> Value {
    app.data(As::Public, CONDITIONS, vars).await["conditions"].clone()
}

async fn condition_names(app: &TestApp, filter: Value) -> Vec<String> {
    let page = conditions(app, json!({ "filter": filter, "first": 100 })).await;
    let names = owned(strings(&page["nodes"], "name"));
    assert_eq!(page["totalCount"], names.len(), "totalCount of {filter}");
    assert_eq!(page["pageInfo"]["hasNextPage"], false);
    names
}

async fn condition_id(app: &TestApp, slug: &str) -> String {
    let data = app
        .data(
            As::Public,
            "query($s: String) { condition(slug: $s) { id } }",
            json!({ "s": slug }),
        )
        .await;
    data["condition"]["id"].as_str().unwrap().to_owned()
}

async fn practitioner_id(app: &TestApp, slug: &str) -> String {
    let data = app
        .data(
            As::Public,
            "query($s: String) { practitioner(slug: $s) { id } }",
            json!({ "s": slug }),
        )
        .await;
    data["practitioner"]["id"].as_str().unwrap().to_owned()
}

/// Walks a condition list forward, `size` at a time, checking the page info of
/// every page; returns the names and the number of pages.
async fn walk_forward(app: &TestApp, order_by: Value, size: usize) -> (Vec<String>, usize) {
    let mut names = Vec::new();
    let mut after: Option<String> = None;
    let mut pages = 0;
    loop {
        let page = conditions(app, json!({ "orderBy": order_by, "first": size, "after": after })).await;
        pages += 1;
        assert!(pages <= 20, "forward walk does not end");
        assert_eq!(page["totalCount"], 20, "totalCount on page {pages}");
        let info = &page["pageInfo"];
        assert_eq!(
            info["hasPreviousPage"],
            after.is_some(),
            "hasPreviousPage on page {pages}"
        );
        let page_names = strings(&page["nodes"], "name");
        assert_eq!(strings(&page["edges"], "cursor").len(), page_names.len());
        let edge_names: Vec<&str> = page["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["node"]["name"].as_str().unwrap())
            .collect();
        assert_eq!(edge_names, page_names, "edges and nodes agree");
        assert_eq!(info["startCursor"], page["edges"][0]["cursor"]);
        assert_eq!(info["endCursor"], page["edges"][page_names.len() - 1]["cursor"]);
        names.extend(owned(page_names));
        if info["hasNextPage"] == false {
            break;
        }
        assert_eq!(
            page["nodes"].as_array().unwrap().len(),
            size,
            "only the last page is short"
        );
        after = Some(info["endCursor"].as_str().unwrap().to_owned());
    }
    (names, pages)
}

/// Walks a condition list backward from the end, `size` at a time.
async fn walk_backward(app: &TestApp, order_by: Value, size: usize) -> (Vec<String>, usize) {
    let mut pages_seen: Vec<Vec<String>> = Vec::new();
    let mut before: Option<String> = None;
    loop {
        let page = conditions(
            app,
            json!({ "orderBy": order_by, "last": size, "before": before }),
        )
        .await;
        assert!(pages_seen.len() < 20, "backward walk does not end");
        assert_eq!(
            page["totalCount"],
            20,
            "totalCount on backward page {}",
            pages_seen.len() + 1
        );
        let info = &page["pageInfo"];
        assert_eq!(
            info["hasNextPage"],
            before.is_some(),
            "hasNextPage on backward page {}",
            pages_seen.len() + 1
        );
        pages_seen.push(owned(strings(&page["nodes"], "name")));
        if info["hasPreviousPage"] == false {
            break;
        }
        assert_eq!(
            page["nodes"].as_array().unwrap().len(),
            size,
            "only the first page is short"
        );
        before = Some(info["startCursor"].as_str().unwrap().to_owned());
    }
    let pages = pages_seen.len();
    (pages_seen.into_iter().rev().flatten().collect(), pages)
}

fn sorted_names() -> Vec<String> {
    owned(ALL_CONDITIONS_BY_NAME.to_vec())
}

// ---------------------------------------------------------------------------
// 1. Relay pagination of conditions
// ---------------------------------------------------------------------------

#[tokio::test]
async fn conditions_are_sorted_by_name_by_default_and_match_the_seed() {
    let app = TestApp::new().await;
    let page = conditions(&app, json!({ "first": 100 })).await;
    assert_eq!(page["totalCount"], 20);
    assert_eq!(page["pageInfo"]["hasNextPage"], false);
    assert_eq!(page["pageInfo"]["hasPreviousPage"], false);
    let names = strings(&page["nodes"], "name");
    assert_eq!(names, ALL_CONDITIONS_BY_NAME);

    // The same set as in the seed file.
    let seed: Value = serde_json::from_str(SEED).unwrap();
    let mut seeded = strings(&seed["conditions"], "name");
    seeded.sort_unstable();
    assert_eq!(names, seeded);
}

#[tokio::test]
async fn walking_forward_six_at_a_time_visits_every_condition_once_in_name_order() {
    let app = TestApp::new().await;
    let unpaged = owned(strings(
        &conditions(&app, json!({ "first": 100 })).await["nodes"],
        "name",
    ));
    assert_eq!(unpaged, sorted_names());

    let (names, pages) = walk_forward(&app, Value::Null, 6).await;
    assert_eq!(pages, 4);
    assert_eq!(names, unpaged);
}

#[tokio::test]
async fn the_first_page_has_no_previous_page_and_the_later_ones_do() {
    let app = TestApp::new().await;
    let first = conditions(&app, json!({ "first": 6 })).await;
    assert_eq!(first["pageInfo"]["hasPreviousPage"], false);
    assert_eq!(first["pageInfo"]["hasNextPage"], true);
    assert_eq!(strings(&first["nodes"], "name"), ALL_CONDITIONS_BY_NAME[..6]);

    let second = conditions(
        &app,
        json!({ "first": 6, "after": first["pageInfo"]["endCursor"] }),
    )
    .await;
    assert_eq!(second["pageInfo"]["hasPreviousPage"], true);
    assert_eq!(second["pageInfo"]["hasNextPage"], true);
    assert_eq!(second["totalCount"], 20);
    assert_eq!(strings(&second["nodes"], "name"), ALL_CONDITIONS_BY_NAME[6..12]);

    // A cursor in the middle of a page continues right after that item.
    let from_third = conditions(&app, json!({ "first": 3, "after": first["edges"][2]["cursor"] })).await;
    assert_eq!(
        strings(&from_third["nodes"], "name"),
        ALL_CONDITIONS_BY_NAME[3..6]
    );

    // After the last item: an empty page, nothing further.
    let last = conditions(&app, json!({ "last": 1 })).await;
    let beyond = conditions(
        &app,
        json!({ "first": 6, "after": last["pageInfo"]["endCursor"] }),
    )
    .await;
    assert_eq!(beyond["nodes"], json!([]));
    assert_eq!(beyond["totalCount"], 20);
    assert_eq!(beyond["pageInfo"]["hasNextPage"], false);
    assert_eq!(beyond["pageInfo"]["hasPreviousPage"], true);
    assert_eq!(beyond["pageInfo"]["startCursor"], Value::Null);
    assert_eq!(beyond["pageInfo"]["endCursor"], Value::Null);
}

#[tokio::test]
async fn walking_backward_from_the_end_gives_the_same_list() {
    let app = TestApp::new().await;
    let last_page = conditions(&app, json!({ "last": 6 })).await;
    assert_eq!(strings(&last_page["nodes"], "name"), ALL_CONDITIONS_BY_NAME[14..]);
    assert_eq!(last_page["pageInfo"]["hasPreviousPage"], true);
    assert_eq!(last_page["pageInfo"]["hasNextPage"], false);

    let (names, pages) = walk_backward(&app, Value::Null, 6).await;
    assert_eq!(pages, 4);
    assert_eq!(names, sorted_names());
}

#[tokio::test]
async fn descending_name_order_reverses_the_list_both_ways() {
    let app = TestApp::new().await;
    let desc = json!({ "field": "NAME", "direction": "DESC" });
    let mut reversed = sorted_names();
    reversed.reverse();

    let unpaged = conditions(&app, json!({ "orderBy": desc, "first": 100 })).await;
    assert_eq!(owned(strings(&unpaged["nodes"], "name")), reversed);

    let (forward, pages) = walk_forward(&app, desc.clone(), 6).await;
    assert_eq!(pages, 4);
    assert_eq!(forward, reversed);

    let (backward, _) = walk_backward(&app, desc, 6).await;
    assert_eq!(backward, reversed);
}

#[tokio::test]
async fn updated_at_order_pages_with_cursors_too() {
    let app = TestApp::new().await;
    // Make one condition the most recently updated.
    let knee = condition_id(&app, "knee-pain").await;
    app.data(
        As::Editor,
        r#"mutation($id: ID!) {
             updateCondition(id: $id, expectedVersion: 1, input: { description: "Pain in the knee." }) { version }
             publishCondition(id: $id) { version }
           }"#,
        json!({ "id": knee }),
    )
    .await;

    let asc = json!({ "field": "UPDATED_AT" });
    let unpaged = conditions(&app, json!({ "orderBy": asc, "first": 100 })).await;
    let expected = owned(strings(&unpaged["nodes"], "name"));
    assert_eq!(expected.len(), 20);
    assert_eq!(expected.last().map(String::as_str), Some("Knee pain"));
    let mut as_set = expected.clone();
    as_set.sort();
    assert_eq!(as_set, sorted_names());
    // Sorted by updatedAt (ties broken by id, in a stable way).
    let times: Vec<chrono::DateTime<chrono::Utc>> = strings(&unpaged["nodes"], "updatedAt")
        .iter()
        .map(|t| t.parse().unwrap())
        .collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "{times:?}");

    let (forward, pages) = walk_forward(&app, asc.clone(), 6).await;
    assert_eq!(pages, 4);
    assert_eq!(forward, expected);
    let (backward, _) = walk_backward(&app, asc, 6).await;
    assert_eq!(backward, expected);

    let desc = json!({ "field": "UPDATED_AT", "direction": "DESC" });
    let (forward_desc, _) = walk_forward(&app, desc, 7).await;
    let mut reversed = expected.clone();
    reversed.reverse();
    assert_eq!(forward_desc, reversed);
    assert_eq!(forward_desc[0], "Knee pain");
}

#[tokio::test]
async fn equal_names_are_paged_by_id_without_gaps_or_repeats() {
    let app = TestApp::new().await;
    // Three more drafts named "Knee pain": ties on the sort key, broken by id.
    for slug in ["knee-pain-2", "knee-pain-3", "knee-pain-4"] {
        app.data(
            As::Editor,
            "mutation($s: String!) { createCondition(input: { slug: $s, name: \"Knee pain\" }) { id } }",
            json!({ "s": slug }),
        )
        .await;
    }
    let unpaged = app
        .data(As::Editor, CONDITIONS, json!({ "first": 100, "stage": "DRAFT" }))
        .await;
    let expected = owned(strings(&unpaged["conditions"]["nodes"], "slug"));
    assert_eq!(expected.len(), 23);
    assert_eq!(
        expected[9..13]
            .iter()
            .filter(|s| s.starts_with("knee-pain"))
            .count(),
        4,
        "the four knee pains are together: {expected:?}"
    );
    for direction in ["ASC", "DESC"] {
        let order_by = json!({ "field": "NAME", "direction": direction });
        let mut slugs = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let vars = json!({ "orderBy": order_by, "first": 2, "after": after, "stage": "DRAFT" });
            let page = app.data(As::Editor, CONDITIONS, vars).await["conditions"].clone();
            assert_eq!(page["totalCount"], 23);
            slugs.extend(owned(strings(&page["nodes"], "slug")));
            if page["pageInfo"]["hasNextPage"] == false {
                break;
            }
            after = Some(page["pageInfo"]["endCursor"].as_str().unwrap().to_owned());
        }
        let mut want = expected.clone();
        if direction == "DESC" {
            want.reverse();
        }
        assert_eq!(slugs, want, "{direction}");
    }
    // Backward, one at a time, through the ties.
    let mut slugs = Vec::new();
    let mut before: Option<String> = None;
    loop {
        let vars = json!({ "last": 1, "before": before, "stage": "DRAFT" });
        let page = app.data(As::Editor, CONDITIONS, vars).await["conditions"].clone();
        slugs.splice(0..0, owned(strings(&page["nodes"], "slug")));
        if page["pageInfo"]["hasPreviousPage"] == false {
            break;
        }
        before = Some(page["pageInfo"]["startCursor"].as_str().unwrap().to_owned());
    }
    assert_eq!(slugs, expected);
}

#[tokio::test]
async fn created_at_order_pages_with_cursors_too() {
    let app = TestApp::new().await;
    app.data(
        As::Editor,
        r#"mutation {
             c: createCondition(input: { slug: "aaa-newest", name: "Aaa newest" }) { id }
           }"#,
        json!({}),
    )
    .await;
    let asc = json!({ "field": "CREATED_AT" });
    let unpaged = app
        .data(
            As::Editor,
            CONDITIONS,
            json!({ "orderBy": asc, "first": 100, "stage": "DRAFT" }),
        )
        .await;
    let expected = owned(strings(&unpaged["conditions"]["nodes"], "name"));
    assert_eq!(expected.len(), 21);
    assert_eq!(expected.last().map(String::as_str), Some("Aaa newest"));
    let mut names = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let vars = json!({ "orderBy": asc, "first": 5, "after": after, "stage": "DRAFT" });
        let page = app.data(As::Editor, CONDITIONS, vars).await["conditions"].clone();
        names.extend(owned(strings(&page["nodes"], "name")));
        if page["pageInfo"]["hasNextPage"] == false {
            break;
        }
        after = Some(page["pageInfo"]["endCursor"].as_str().unwrap().to_owned());
    }
    assert_eq!(names, expected);
}

// ---------------------------------------------------------------------------
// 2. Page-size limits and bad arguments
// ---------------------------------------------------------------------------

#[tokio::test]
async fn more_than_a_hundred_per_page_is_refused() {
    let app = TestApp::new().await;
    let response = app.call(As::Public, CONDITIONS, json!({ "first": 101 })).await;
    assert_bad_input(&response, Some("first"));
    let response = app.call(As::Public, CONDITIONS, json!({ "last": 101 })).await;
    assert_bad_input(&response, Some("last"));

    // The other lists have the same limit.
    let response = app.call(As::Public, THERAPIES, json!({ "first": 101 })).await;
    assert_bad_input(&response, Some("first"));
    let response = app.call(As::Public, BENEFITS, json!({ "first": 101 })).await;
    assert_bad_input(&response, Some("first"));
}

#[tokio::test]
async fn a_hundred_per_page_is_fine() {
    let app = TestApp::new().await;
    let page = conditions(&app, json!({ "first": 100 })).await;
    assert_eq!(page["nodes"].as_array().unwrap().len(), 20);
    let page = conditions(&app, json!({ "last": 100 })).await;
    assert_eq!(owned(strings(&page["nodes"], "name")), sorted_names());
    assert_eq!(page["pageInfo"]["hasPreviousPage"], false);
}

#[tokio::test]
async fn twenty_is_the_default_page_size() {
    let app = TestApp::new().await;
    let page = conditions(
        &app,
        json!({ "filter": { "therapyId": prolotherapy_id(&app).await } }),
    )
    .await;
    assert_eq!(page["nodes"].as_array().unwrap().len(), 20);
    assert_eq!(page["pageInfo"]["hasNextPage"], false);
    // With 21 conditions, the default page stops at 20.
    app.data(
        As::Editor,
        r#"mutation { c: createCondition(input: { slug: "zygote-pain", name: "Zygote pain" }) { id } }"#,
        json!({}),
    )
    .await;
    let drafts = app
        .data(As::Editor, CONDITIONS, json!({ "stage": "DRAFT" }))
        .await["conditions"]
        .clone();
    assert_eq!(drafts["totalCount"], 21);
    assert_eq!(drafts["nodes"].as_array().unwrap().len(), 20);
    assert_eq!(drafts["pageInfo"]["hasNextPage"], true);
}

#[tokio::test]
async fn negative_page_sizes_are_refused() {
    let app = TestApp::new().await;
    let response = app.call(As::Public, CONDITIONS, json!({ "first": -1 })).await;
    assert_bad_input(&response, Some("first"));
    let response = app.call(As::Public, CONDITIONS, json!({ "last": -1 })).await;
    assert_bad_input(&response, Some("last"));
}

#[tokio::test]
async fn first_and_last_together_are_refused() {
    let app = TestApp::new().await;
    let response = app
        .call(As::Public, CONDITIONS, json!({ "first": 5, "last": 5 }))
        .await;
    assert_bad_input(&response, None);
}

#[tokio::test]
async fn a_garbage_cursor_is_refused() {
    let app = TestApp::new().await;
    for garbage in ["not a cursor", "bm90IGpzb24", "", "eyJieSI6Ik5BTUUifQ"] {
        let response = app
            .call(As::Public, CONDITIONS, json!({ "first": 5, "after": garbage }))
            .await;
        assert_bad_input(&response, Some("after"));
        let response = app
            .call(As::Public, CONDITIONS, json!({ "last": 5, "before": garbage }))
            .await;
        assert_bad_input(&response, Some("before"));
    }
}

#[tokio::test]
async fn a_cursor_made_for_another_ordering_is_refused() {
    let app = TestApp::new().await;
    let by_update = conditions(&app, json!({ "orderBy": { "field": "UPDATED_AT" }, "first": 2 })).await;
    let cursor = by_update["pageInfo"]["endCursor"].clone();
    let response = app
        .call(As::Public, CONDITIONS, json!({ "first": 5, "after": cursor }))
        .await;
    assert_bad_input(&response, Some("after"));

    let by_name = conditions(&app, json!({ "first": 2 })).await;
    let cursor = by_name["pageInfo"]["endCursor"].clone();
    let response = app
        .call(
            As::Public,
            CONDITIONS,
            json!({ "orderBy": { "field": "CREATED_AT" }, "first": 5, "after": cursor }),
        )
        .await;
    assert_bad_input(&response, Some("after"));
}

#[tokio::test]
async fn conditions_cannot_be_ordered_by_position() {
    let app = TestApp::new().await;
    let response = app
        .call(
            As::Public,
            CONDITIONS,
            json!({ "orderBy": { "field": "POSITION" } }),
        )
        .await;
    assert_bad_input(&response, None);
}

// ---------------------------------------------------------------------------
// 3. Condition filters
// ---------------------------------------------------------------------------

#[tokio::test]
async fn name_contains_is_case_insensitive() {
    let app = TestApp::new().await;
    let expected = [
        "Cancer pain",
        "Chronic joint pain",
        "Knee pain",
        "Low back pain",
        "Pain from autoimmune conditions",
        "SI (sacroiliac) joint pain",
    ];
    // The same six as the seed has.
    let seed: Value = serde_json::from_str(SEED).unwrap();
    let mut from_seed: Vec<&str> = strings(&seed["conditions"], "name")
        .into_iter()
        .filter(|n| n.to_lowercase().contains("pain"))
        .collect();
    from_seed.sort_unstable();
    assert_eq!(from_seed, expected);

    for needle in ["PAIN", "pain", "pAiN"] {
        assert_eq!(
            condition_names(&app, json!({ "nameContains": needle })).await,
            expected,
            "{needle}"
        );
    }
    assert_eq!(
        condition_names(&app, json!({ "nameContains": "TEARS" })).await,
        [
            "Complete rotator cuff tears",
            "Labral tears",
            "Rotator cuff injuries and partial tears",
        ]
    );
    assert_eq!(
        condition_names(&app, json!({ "nameContains": "" })).await,
        sorted_names()
    );
}

#[tokio::test]
async fn percent_and_underscore_in_name_contains_are_taken_literally() {
    let app = TestApp::new().await;
    for needle in ["%", "_", "%pain", "knee_pain", "k%n", "\\"] {
        let page = conditions(
            &app,
            json!({ "filter": { "nameContains": needle }, "first": 100 }),
        )
        .await;
        assert_eq!(page["totalCount"], 0, "{needle}");
        assert_eq!(page["nodes"], json!([]), "{needle}");
    }
}

#[tokio::test]
async fn name_equals_matches_the_exact_name_only() {
    let app = TestApp::new().await;
    assert_eq!(
        condition_names(&app, json!({ "nameEquals": "Knee pain" })).await,
        ["Knee pain"]
    );
    assert_eq!(
        condition_names(&app, json!({ "nameEquals": "SI (sacroiliac) joint pain" })).await,
        ["SI (sacroiliac) joint pain"]
    );
    assert!(
        condition_names(&app, json!({ "nameEquals": "Knee" }))
            .await
            .is_empty()
    );
    assert!(
        condition_names(&app, json!({ "nameEquals": "Knee pain " }))
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn slug_in_picks_those_slugs() {
    let app = TestApp::new().await;
    assert_eq!(
        condition_names(
            &app,
            json!({ "slugIn": ["sciatica", "knee-pain", "no-such-condition"] })
        )
        .await,
        ["Knee pain", "Sciatica"]
    );
    assert!(
        condition_names(&app, json!({ "slugIn": ["no-such-condition"] }))
            .await
            .is_empty()
    );
    assert!(condition_names(&app, json!({ "slugIn": [] })).await.is_empty());
}

#[tokio::test]
async fn body_region_filters_exactly() {
    let app = TestApp::new().await;
    assert_eq!(
        condition_names(&app, json!({ "bodyRegion": "spine" })).await,
        [
            "Cerebral spinal stenosis",
            "Low back pain",
            "Sciatica",
            "Severely herniated discs"
        ]
    );
    assert_eq!(
        condition_names(&app, json!({ "bodyRegion": "whole body" })).await,
        ["Cancer pain", "Fibromyalgia", "Pain from autoimmune conditions"]
    );
    assert_eq!(
        condition_names(&app, json!({ "bodyRegion": "knee" })).await,
        ["Knee pain", "Torn meniscus"]
    );
    assert!(
        condition_names(&app, json!({ "bodyRegion": "nose" }))
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn therapy_and_suitability_filters_give_the_linked_conditions() {
    let app = TestApp::new().await;
    let therapy = prolotherapy_id(&app).await;
    assert_eq!(
        condition_names(
            &app,
            json!({ "therapyId": therapy, "suitability": "RESPONDS_POORLY" })
        )
        .await,
        RESPONDS_POORLY_BY_NAME
    );
    let well = condition_names(
        &app,
        json!({ "therapyId": therapy, "suitability": "RESPONDS_WELL" }),
    )
    .await;
    let expected_well: Vec<String> = sorted_names()
        .into_iter()
        .filter(|n| !RESPONDS_POORLY_BY_NAME.contains(&n.as_str()))
        .collect();
    assert_eq!(well.len(), 13);
    assert_eq!(well, expected_well);
    assert_eq!(
        condition_names(&app, json!({ "therapyId": therapy })).await,
        sorted_names()
    );
    assert_eq!(
        condition_names(&app, json!({ "suitability": "RESPONDS_POORLY" })).await,
        RESPONDS_POORLY_BY_NAME
    );
    // Filters combine.
    assert_eq!(
        condition_names(
            &app,
            json!({ "nameContains": "pain", "suitability": "RESPONDS_POORLY" })
        )
        .await,
        ["Cancer pain", "Pain from autoimmune conditions"]
    );
    assert_eq!(
        condition_names(
            &app,
            json!({ "bodyRegion": "spine", "therapyId": therapy, "suitability": "RESPONDS_WELL" })
        )
        .await,
        ["Low back pain", "Sciatica"]
    );
    // A condition linked to no therapy is left out by therapyId.
    let unknown_therapy = uuid::Uuid::now_v7().to_string();
    assert!(
        condition_names(&app, json!({ "therapyId": unknown_therapy }))
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn updated_since_finds_what_changed_after_that_time() {
    let app = TestApp::new().await;
    let future = (chrono::Utc::now() + chrono::TimeDelta::days(1)).to_rfc3339();
    assert!(
        condition_names(&app, json!({ "updatedSince": future }))
            .await
            .is_empty()
    );
    let past = "2000-01-01T00:00:00Z";
    assert_eq!(
        condition_names(&app, json!({ "updatedSince": past })).await,
        sorted_names()
    );

    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let before_update = chrono::Utc::now().to_rfc3339();
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let sciatica = condition_id(&app, "sciatica").await;
    app.data(
        As::Editor,
        r#"mutation($id: ID!) {
             updateCondition(id: $id, expectedVersion: 1, input: { bodyRegion: "lower back and leg" }) { version }
             publishCondition(id: $id, expectedVersion: 2) { version }
           }"#,
        json!({ "id": sciatica }),
    )
    .await;

    assert_eq!(
        condition_names(&app, json!({ "updatedSince": before_update })).await,
        ["Sciatica"]
    );
    let drafts = app
        .data(
            As::Editor,
            CONDITIONS,
            json!({ "filter": { "updatedSince": before_update }, "stage": "DRAFT" }),
        )
        .await;
    assert_eq!(strings(&drafts["conditions"]["nodes"], "name"), ["Sciatica"]);
    assert_eq!(
        drafts["conditions"]["nodes"][0]["bodyRegion"],
        "lower back and leg"
    );
    assert!(
        condition_names(&app, json!({ "updatedSince": future }))
            .await
            .is_empty()
    );
}

// ---------------------------------------------------------------------------
// 4. Other lists
// ---------------------------------------------------------------------------

/// Adds a published "Acupuncture" therapy linked to knee pain (responds poorly) and
/// to a new published practitioner "dr-lee"; returns (therapy id, practitioner id).
async fn add_acupuncture(app: &TestApp) -> (String, String) {
    let knee = condition_id(app, "knee-pain").await;
    let data = app
        .data(
            As::Editor,
            r#"mutation {
                 t: createTherapy(input: { slug: "acupuncture", name: "Acupuncture" }) { id }
                 p: createPractitioner(input: { slug: "dr-lee", name: "Dr. Lee" }) { id }
               }"#,
            json!({}),
        )
        .await;
    let (therapy, practitioner) = (data["t"]["id"].clone(), data["p"]["id"].clone());
    app.data(
        As::Editor,
        r#"mutation($t: ID!, $p: ID!, $c: ID!) {
             linkCondition(input: { therapyId: $t, conditionId: $c, suitability: RESPONDS_POORLY }) { id }
             linkPractitioner(therapyId: $t, practitionerId: $p) { id }
             publishPractitioner(id: $p) { id }
             publishTherapy(id: $t) { id }
           }"#,
        json!({ "t": therapy, "p": practitioner, "c": knee }),
    )
    .await;
    (
        therapy.as_str().unwrap().to_owned(),
        practitioner.as_str().unwrap().to_owned(),
    )
}

async fn therapy_slugs(app: &TestApp, filter: Value) -> Vec<String> {
    let list = app.data(As::Public, THERAPIES, json!({ "filter": filter })).await["therapies"].clone();
    let slugs = owned(strings(&list["nodes"], "slug"));
    assert_eq!(list["totalCount"], slugs.len());
    slugs
}

async fn practitioner_slugs(app: &TestApp, filter: Value) -> Vec<String> {
    let list = app
        .data(As::Public, PRACTITIONERS, json!({ "filter": filter }))
        .await["practitioners"]
        .clone();
    let slugs = owned(strings(&list["nodes"], "slug"));
    assert_eq!(list["totalCount"], slugs.len());
    slugs
}

#[tokio::test]
async fn therapies_filter_by_slug_condition_suitability_and_practitioner() {
    let app = TestApp::new().await;
    let prolotherapy = prolotherapy_id(&app).await;
    let knee = condition_id(&app, "knee-pain").await;
    let fractures = condition_id(&app, "fractures").await;
    let heather = practitioner_id(&app, "dr-heather").await;

    assert_eq!(therapy_slugs(&app, Value::Null).await, ["prolotherapy"]);
    assert_eq!(
        therapy_slugs(&app, json!({ "conditionId": knee })).await,
        ["prolotherapy"]
    );
    assert_eq!(
        therapy_slugs(&app, json!({ "practitionerId": heather })).await,
        ["prolotherapy"]
    );

    let (acupuncture, lee) = add_acupuncture(&app).await;
    assert_eq!(
        therapy_slugs(&app, Value::Null).await,
        ["acupuncture", "prolotherapy"]
    );
    let desc = app
        .data(
            As::Public,
            THERAPIES,
            json!({ "orderBy": { "field": "NAME", "direction": "DESC" } }),
        )
        .await;
    assert_eq!(
        strings(&desc["therapies"]["nodes"], "slug"),
        ["prolotherapy", "acupuncture"]
    );
    // Paging works on therapies too.
    let first = app.data(As::Public, THERAPIES, json!({ "first": 1 })).await["therapies"].clone();
    assert_eq!(strings(&first["nodes"], "slug"), ["acupuncture"]);
    assert_eq!(first["pageInfo"]["hasNextPage"], true);
    assert_eq!(first["totalCount"], 2);

    assert_eq!(
        therapy_slugs(&app, json!({ "slugIn": ["prolotherapy"] })).await,
        ["prolotherapy"]
    );
    assert_eq!(
        therapy_slugs(
            &app,
            json!({ "slugIn": ["prolotherapy", "acupuncture", "reiki"] })
        )
        .await,
        ["acupuncture", "prolotherapy"]
    );
    assert!(
        therapy_slugs(&app, json!({ "slugIn": ["reiki"] }))
            .await
            .is_empty()
    );
    assert_eq!(
        therapy_slugs(&app, json!({ "nameContains": "PUNCT" })).await,
        ["acupuncture"]
    );
    assert_eq!(
        therapy_slugs(&app, json!({ "nameEquals": "Prolotherapy" })).await,
        ["prolotherapy"]
    );

    assert_eq!(
        therapy_slugs(&app, json!({ "conditionId": knee })).await,
        ["acupuncture", "prolotherapy"]
    );
    assert_eq!(
        therapy_slugs(
            &app,
            json!({ "conditionId": knee, "suitability": "RESPONDS_WELL" })
        )
        .await,
        ["prolotherapy"]
    );
    assert_eq!(
        therapy_slugs(
            &app,
            json!({ "conditionId": knee, "suitability": "RESPONDS_POORLY" })
        )
        .await,
        ["acupuncture"]
    );
    assert_eq!(
        therapy_slugs(&app, json!({ "conditionId": fractures })).await,
        ["prolotherapy"]
    );
    assert_eq!(
        therapy_slugs(&app, json!({ "suitability": "RESPONDS_WELL" })).await,
        ["prolotherapy"]
    );
    assert_eq!(
        therapy_slugs(&app, json!({ "suitability": "RESPONDS_POORLY" })).await,
        ["acupuncture", "prolotherapy"]
    );

    assert_eq!(
        therapy_slugs(&app, json!({ "practitionerId": heather })).await,
        ["prolotherapy"]
    );
    assert_eq!(
        therapy_slugs(&app, json!({ "practitionerId": lee })).await,
        ["acupuncture"]
    );
    assert_eq!(
        therapy_slugs(&app, json!({ "practitionerId": lee, "conditionId": fractures })).await,
        Vec::<String>::new()
    );

    // Practitioners by therapy.
    assert_eq!(
        practitioner_slugs(&app, Value::Null).await,
        ["dr-heather", "dr-lee"]
    );
    assert_eq!(
        practitioner_slugs(&app, json!({ "therapyId": prolotherapy })).await,
        ["dr-heather"]
    );
    assert_eq!(
        practitioner_slugs(&app, json!({ "therapyId": acupuncture })).await,
        ["dr-lee"]
    );
    assert_eq!(
        practitioner_slugs(&app, json!({ "nameContains": "LEE" })).await,
        ["dr-lee"]
    );
    assert_eq!(
        practitioner_slugs(&app, json!({ "slugIn": ["dr-heather"] })).await,
        ["dr-heather"]
    );
}

#[tokio::test]
async fn practitioners_filter_by_therapy() {
    let app = TestApp::new().await;
    let prolotherapy = prolotherapy_id(&app).await;
    assert_eq!(
        practitioner_slugs(&app, json!({ "therapyId": prolotherapy })).await,
        ["dr-heather"]
    );
    let other = uuid::Uuid::now_v7().to_string();
    assert!(
        practitioner_slugs(&app, json!({ "therapyId": other }))
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn benefits_of_a_therapy_come_in_seed_order_and_filter_by_text() {
    let app = TestApp::new().await;
    let therapy = prolotherapy_id(&app).await;
    let list = app
        .data(
            As::Public,
            BENEFITS,
            json!({ "filter": { "therapyId": therapy } }),
        )
        .await;
    assert_eq!(strings(&list["benefits"]["nodes"], "title"), BENEFIT_TITLES);
    assert_eq!(list["benefits"]["totalCount"], 3);
    let positions: Vec<i64> = list["benefits"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["position"].as_i64().unwrap())
        .collect();
    assert_eq!(positions, [0, 1, 2]);

    let by_name = app
        .data(
            As::Public,
            BENEFITS,
            json!({ "filter": { "therapyId": therapy }, "orderBy": { "field": "NAME" } }),
        )
        .await;
    assert_eq!(
        strings(&by_name["benefits"]["nodes"], "title"),
        [
            "Better pain, function and range of motion",
            "Less need for surgery",
            "Long-term results"
        ]
    );

    let pain = app
        .data(
            As::Public,
            BENEFITS,
            json!({ "filter": { "therapyId": therapy, "textContains": "PAIN" } }),
        )
        .await;
    assert_eq!(
        strings(&pain["benefits"]["nodes"], "title"),
        ["Better pain, function and range of motion"]
    );
    assert_eq!(pain["benefits"]["totalCount"], 1);
    let exact = app
        .data(
            As::Public,
            BENEFITS,
            json!({ "filter": { "textEquals": "Less need for surgery" } }),
        )
        .await;
    assert_eq!(
        strings(&exact["benefits"]["nodes"], "title"),
        ["Less need for surgery"]
    );

    // Paging by position.
    let first = app
        .data(
            As::Public,
            BENEFITS,
            json!({ "filter": { "therapyId": therapy }, "first": 2 }),
        )
        .await;
    assert_eq!(strings(&first["benefits"]["nodes"], "title"), BENEFIT_TITLES[..2]);
    assert_eq!(first["benefits"]["pageInfo"]["hasNextPage"], true);
    let rest = app
        .data(
            As::Public,
            BENEFITS,
            json!({ "filter": { "therapyId": therapy }, "first": 2,
                    "after": first["benefits"]["pageInfo"]["endCursor"] }),
        )
        .await;
    assert_eq!(strings(&rest["benefits"]["nodes"], "title"), BENEFIT_TITLES[2..]);
    assert_eq!(rest["benefits"]["pageInfo"]["hasNextPage"], false);
    assert_eq!(rest["benefits"]["pageInfo"]["hasPreviousPage"], true);
}

#[tokio::test]
async fn faqs_of_a_therapy_come_in_seed_order_and_filter_by_text() {
    let app = TestApp::new().await;
    let therapy = prolotherapy_id(&app).await;
    let list = app
        .data(As::Public, FAQS, json!({ "filter": { "therapyId": therapy } }))
        .await;
    assert_eq!(strings(&list["faqs"]["nodes"], "question"), FAQ_QUESTIONS);
    assert_eq!(list["faqs"]["totalCount"], 4);

    let how_long = app
        .data(
            As::Public,
            FAQS,
            json!({ "filter": { "therapyId": therapy, "textContains": "how LONG" } }),
        )
        .await;
    assert_eq!(
        strings(&how_long["faqs"]["nodes"], "question"),
        [
            "How long does the procedure take?",
            "How long will the treatment last?"
        ]
    );
    let by_name_desc = app
        .data(
            As::Public,
            FAQS,
            json!({ "filter": { "therapyId": therapy }, "orderBy": { "field": "NAME", "direction": "DESC" } }),
        )
        .await;
    assert_eq!(
        strings(&by_name_desc["faqs"]["nodes"], "question"),
        [
            "Will the injections hurt?",
            "How many treatments will I need?",
            "How long will the treatment last?",
            "How long does the procedure take?",
        ]
    );
}

#[tokio::test]
async fn sections_of_a_therapy_come_in_seed_order_and_filter_by_text() {
    let app = TestApp::new().await;
    let therapy = prolotherapy_id(&app).await;
    let list = app
        .data(
            As::Public,
            SECTIONS,
            json!({ "filter": { "therapyId": therapy } }),
        )
        .await;
    assert_eq!(
        strings(&list["therapySections"]["nodes"], "heading"),
        SECTION_HEADINGS
    );
    assert_eq!(list["therapySections"]["totalCount"], 6);

    let about = app
        .data(
            As::Public,
            SECTIONS,
            json!({ "filter": { "therapyId": therapy, "textContains": "PROLOTHERAPY" } }),
        )
        .await;
    assert_eq!(
        strings(&about["therapySections"]["nodes"], "heading"),
        [
            "What is Prolotherapy?",
            "Is Prolotherapy right for you?",
            "Why prolotherapy heals joints",
            "How prolotherapy works",
        ]
    );

    // Four, then the last two.
    let first = app
        .data(
            As::Public,
            SECTIONS,
            json!({ "filter": { "therapyId": therapy }, "first": 4 }),
        )
        .await;
    assert_eq!(
        strings(&first["therapySections"]["nodes"], "heading"),
        SECTION_HEADINGS[..4]
    );
    let rest = app
        .data(
            As::Public,
            SECTIONS,
            json!({ "filter": { "therapyId": therapy }, "first": 4,
                    "after": first["therapySections"]["pageInfo"]["endCursor"] }),
        )
        .await;
    assert_eq!(
        strings(&rest["therapySections"]["nodes"], "heading"),
        SECTION_HEADINGS[4..]
    );
    assert_eq!(rest["therapySections"]["pageInfo"]["hasNextPage"], false);
}

#[tokio::test]
async fn clinic_wide_faqs_are_listed_once_published() {
    let app = TestApp::new().await;
    let clinic_wide = |stage: &str| json!({ "filter": { "clinicWide": true }, "stage": stage });
    let none = app.data(As::Public, FAQS, clinic_wide("PUBLISHED")).await;
    assert_eq!(none["faqs"]["totalCount"], 0);
    assert_eq!(none["faqs"]["nodes"], json!([]));
    let about_therapies = app
        .data(As::Public, FAQS, json!({ "filter": { "clinicWide": false } }))
        .await;
    assert_eq!(
        strings(&about_therapies["faqs"]["nodes"], "question"),
        FAQ_QUESTIONS
    );

    let created = app
        .data(
            As::Editor,
            r#"mutation {
                 createFaq(input: { question: "Where is the clinic?", answer: "Downtown, next to the park." }) {
                   id stage therapy { slug }
                 }
               }"#,
            json!({}),
        )
        .await;
    assert_eq!(created["createFaq"]["therapy"], Value::Null);
    assert_eq!(created["createFaq"]["stage"], "DRAFT");
    let id = created["createFaq"]["id"].clone();

    // A draft is not public yet, but editors see it in the draft stage.
    assert_eq!(
        app.data(As::Public, FAQS, clinic_wide("PUBLISHED")).await["faqs"]["totalCount"],
        0
    );
    let drafts = app.data(As::Editor, FAQS, clinic_wide("DRAFT")).await;
    assert_eq!(
        strings(&drafts["faqs"]["nodes"], "question"),
        ["Where is the clinic?"]
    );

    app.data(
        As::Editor,
        "mutation($id: ID!) { publishFaq(id: $id) { id } }",
        json!({ "id": id }),
    )
    .await;
    let one = app.data(As::Public, FAQS, clinic_wide("PUBLISHED")).await;
    assert_eq!(one["faqs"]["totalCount"], 1);
    assert_eq!(
        strings(&one["faqs"]["nodes"], "question"),
        ["Where is the clinic?"]
    );
    assert_eq!(one["faqs"]["nodes"][0]["therapy"], Value::Null);
    assert_eq!(one["faqs"]["nodes"][0]["id"], id);

    // The therapy's FAQ are unaffected; the unfiltered list has all five.
    let about_therapies = app
        .data(As::Public, FAQS, json!({ "filter": { "clinicWide": false } }))
        .await;
    assert_eq!(
        strings(&about_therapies["faqs"]["nodes"], "question"),
        FAQ_QUESTIONS
    );
    assert_eq!(
        app.data(As::Public, FAQS, json!({})).await["faqs"]["totalCount"],
        5
    );
}

// ---------------------------------------------------------------------------
// 5. Nested lists, both ways
// ---------------------------------------------------------------------------

#[tokio::test]
async fn a_condition_lists_its_therapies_with_their_suitability() {
    let app = TestApp::new().await;
    let query = r#"query($slug: String, $s: Suitability) {
        condition(slug: $slug) { therapies(suitability: $s) { suitability therapy { slug } } }
    }"#;
    let knee = app.data(As::Public, query, json!({ "slug": "knee-pain" })).await;
    assert_eq!(
        knee["condition"]["therapies"],
        json!([{ "suitability": "RESPONDS_WELL", "therapy": { "slug": "prolotherapy" } }])
    );
    let fractures = app.data(As::Public, query, json!({ "slug": "fractures" })).await;
    assert_eq!(
        fractures["condition"]["therapies"],
        json!([{ "suitability": "RESPONDS_POORLY", "therapy": { "slug": "prolotherapy" } }])
    );
    let knee_poorly = app
        .data(
            As::Public,
            query,
            json!({ "slug": "knee-pain", "s": "RESPONDS_POORLY" }),
        )
        .await;
    assert_eq!(knee_poorly["condition"]["therapies"], json!([]));

    add_acupuncture(&app).await;
    let knee = app.data(As::Public, query, json!({ "slug": "knee-pain" })).await;
    let mut links: Vec<(String, String)> = knee["condition"]["therapies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["therapy"]["slug"].as_str().unwrap().to_owned(),
                l["suitability"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    links.sort();
    assert_eq!(
        links,
        [
            ("acupuncture".to_owned(), "RESPONDS_POORLY".to_owned()),
            ("prolotherapy".to_owned(), "RESPONDS_WELL".to_owned())
        ]
    );
    let knee_poorly = app
        .data(
            As::Public,
            query,
            json!({ "slug": "knee-pain", "s": "RESPONDS_POORLY" }),
        )
        .await;
    assert_eq!(
        knee_poorly["condition"]["therapies"],
        json!([{ "suitability": "RESPONDS_POORLY", "therapy": { "slug": "acupuncture" } }])
    );
}

#[tokio::test]
async fn a_practitioner_lists_the_therapies_they_offer() {
    let app = TestApp::new().await;
    let query = r#"query($slug: String) { practitioner(slug: $slug) { therapies { slug } } }"#;
    let heather = app.data(As::Public, query, json!({ "slug": "dr-heather" })).await;
    assert_eq!(
        heather["practitioner"]["therapies"],
        json!([{ "slug": "prolotherapy" }])
    );

    add_acupuncture(&app).await;
    let lee = app.data(As::Public, query, json!({ "slug": "dr-lee" })).await;
    assert_eq!(
        lee["practitioner"]["therapies"],
        json!([{ "slug": "acupuncture" }])
    );
    let heather = app.data(As::Public, query, json!({ "slug": "dr-heather" })).await;
    assert_eq!(
        heather["practitioner"]["therapies"],
        json!([{ "slug": "prolotherapy" }])
    );
}

#[tokio::test]
async fn a_therapy_lists_its_conditions_filtered_by_suitability() {
    let app = TestApp::new().await;
    let query = r#"query($s: Suitability) {
        therapy(slug: "prolotherapy") { conditions(suitability: $s) { suitability condition { slug } } }
    }"#;
    let slugs_of = |data: &Value| -> Vec<String> {
        data["therapy"]["conditions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["condition"]["slug"].as_str().unwrap().to_owned())
            .collect()
    };
    let all = app.data(As::Public, query, json!({})).await;
    assert_eq!(slugs_of(&all), PROLOTHERAPY_CONDITION_SLUGS);

    let well = app.data(As::Public, query, json!({ "s": "RESPONDS_WELL" })).await;
    assert_eq!(slugs_of(&well), PROLOTHERAPY_CONDITION_SLUGS[..13]);
    assert!(
        well["therapy"]["conditions"]
            .as_array()
            .unwrap()
            .iter()
            .all(|l| l["suitability"] == "RESPONDS_WELL")
    );

    let poorly = app
        .data(As::Public, query, json!({ "s": "RESPONDS_POORLY" }))
        .await;
    assert_eq!(slugs_of(&poorly), PROLOTHERAPY_CONDITION_SLUGS[13..]);
    assert!(
        poorly["therapy"]["conditions"]
            .as_array()
            .unwrap()
            .iter()
            .all(|l| l["suitability"] == "RESPONDS_POORLY")
    );
}

// ---------------------------------------------------------------------------
// 6. Reorder mutations
// ---------------------------------------------------------------------------

const PAGE_ORDER: &str = r#"query($stage: Stage) {
  therapy(slug: "prolotherapy", stage: $stage) {
    sections { heading }
    benefits { id title version }
    faqs { question }
    conditions { id condition { slug } }
    practitioners { id slug }
  }
}"#;

async fn page_order(app: &TestApp, stage: &str) -> Value {
    let who = if stage == "DRAFT" { As::Editor } else { As::Public };
    app.data(who, PAGE_ORDER, json!({ "stage": stage })).await["therapy"].clone()
}

fn ids(list: &Value) -> Vec<String> {
    owned(strings(list, "id"))
}

fn condition_slugs(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|l| l["condition"]["slug"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn reordering_benefits_changes_the_draft_and_publishing_shows_it() {
    let app = TestApp::new().await;
    let therapy = prolotherapy_id(&app).await;
    let draft = page_order(&app, "DRAFT").await;
    assert_eq!(strings(&draft["benefits"], "title"), BENEFIT_TITLES);
    let mut reversed_ids = ids(&draft["benefits"]);
    reversed_ids.reverse();
    let mut reversed_titles = BENEFIT_TITLES.to_vec();
    reversed_titles.reverse();

    let result = app
        .data(
            As::Editor,
            "mutation($t: ID!, $ids: [ID!]!) { reorderBenefits(therapyId: $t, ids: $ids) { id title position stage } }",
            json!({ "t": therapy, "ids": reversed_ids }),
        )
        .await;
    let reordered = &result["reorderBenefits"];
    assert_eq!(ids(reordered), reversed_ids);
    assert_eq!(strings(reordered, "title"), reversed_titles);
    let positions: Vec<i64> = reordered
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["position"].as_i64().unwrap())
        .collect();
    assert_eq!(positions, [0, 1, 2]);
    assert!(
        reordered
            .as_array()
            .unwrap()
            .iter()
            .all(|b| b["stage"] == "DRAFT")
    );

    // The draft page shows the new order; the published page keeps the old one.
    assert_eq!(
        strings(&page_order(&app, "DRAFT").await["benefits"], "title"),
        reversed_titles
    );
    assert_eq!(
        strings(&page_order(&app, "PUBLISHED").await["benefits"], "title"),
        BENEFIT_TITLES
    );
    let public_list = app
        .data(
            As::Public,
            BENEFITS,
            json!({ "filter": { "therapyId": therapy } }),
        )
        .await;
    assert_eq!(
        strings(&public_list["benefits"]["nodes"], "title"),
        BENEFIT_TITLES
    );
    let draft_list = app
        .data(
            As::Editor,
            BENEFITS,
            json!({ "filter": { "therapyId": therapy }, "stage": "DRAFT" }),
        )
        .await;
    assert_eq!(
        strings(&draft_list["benefits"]["nodes"], "title"),
        reversed_titles
    );

    // Publishing the therapy alone leaves the owned items as they were published.
    app.data(
        As::Editor,
        "mutation($t: ID!) { publishTherapy(id: $t) { id } }",
        json!({ "t": therapy }),
    )
    .await;
    assert_eq!(
        strings(&page_order(&app, "PUBLISHED").await["benefits"], "title"),
        BENEFIT_TITLES
    );

    app.data(
        As::Editor,
        "mutation($t: ID!) { publishTherapy(id: $t, withChildren: true) { id } }",
        json!({ "t": therapy }),
    )
    .await;
    assert_eq!(
        strings(&page_order(&app, "PUBLISHED").await["benefits"], "title"),
        reversed_titles
    );
    let public_list = app
        .data(
            As::Public,
            BENEFITS,
            json!({ "filter": { "therapyId": therapy } }),
        )
        .await;
    assert_eq!(
        strings(&public_list["benefits"]["nodes"], "title"),
        reversed_titles
    );
}

#[tokio::test]
async fn reordering_benefits_with_a_missing_or_repeated_id_changes_nothing() {
    let app = TestApp::new().await;
    let therapy = prolotherapy_id(&app).await;
    let before = page_order(&app, "DRAFT").await;
    let [a, b, c]: [String; 3] = ids(&before["benefits"]).try_into().unwrap();
    let faq_id = app.data(As::Public, FAQS, json!({ "first": 1 })).await["faqs"]["nodes"][0]["id"].clone();
    let faq_id = faq_id.as_str().unwrap().to_owned();
    let unknown = uuid::Uuid::now_v7().to_string();

    let mutation = "mutation($t: ID!, $ids: [ID!]!) { reorderBenefits(therapyId: $t, ids: $ids) { id } }";
    for bad in [
        vec![c.clone(), b.clone()],                       // one missing
        vec![],                                           // all missing
        vec![c.clone(), c.clone(), b.clone()],            // repeated, one missing
        vec![c.clone(), b.clone(), a.clone(), a.clone()], // all there, one repeated
        vec![c.clone(), b.clone(), faq_id.clone()],       // another list's item
        vec![c.clone(), b.clone(), a.clone(), unknown.clone()],
    ] {
        let response = app
            .call(As::Editor, mutation, json!({ "t": therapy, "ids": bad }))
            .await;
        assert_bad_input(&response, Some("ids"));
    }
    let after = page_order(&app, "DRAFT").await;
    assert_eq!(
        after["benefits"], before["benefits"],
        "titles, order and versions unchanged"
    );
    assert_eq!(
        strings(&page_order(&app, "PUBLISHED").await["benefits"], "title"),
        BENEFIT_TITLES
    );
}

#[tokio::test]
async fn reordering_sections_and_faqs_changes_the_draft_only() {
    let app = TestApp::new().await;
    let therapy = prolotherapy_id(&app).await;
    let sections = app
        .data(
            As::Editor,
            SECTIONS,
            json!({ "filter": { "therapyId": therapy } }),
        )
        .await["therapySections"]
        .clone();
    let mut section_ids = ids(&sections["nodes"]);
    section_ids.rotate_left(1);
    let result = app
        .data(
            As::Editor,
            "mutation($t: ID!, $ids: [ID!]!) { reorderTherapySections(therapyId: $t, ids: $ids) { heading } }",
            json!({ "t": therapy, "ids": section_ids }),
        )
        .await;
    let mut rotated = SECTION_HEADINGS.to_vec();
    rotated.rotate_left(1);
    assert_eq!(strings(&result["reorderTherapySections"], "heading"), rotated);
    assert_eq!(
        strings(&page_order(&app, "DRAFT").await["sections"], "heading"),
        rotated
    );
    assert_eq!(
        strings(&page_order(&app, "PUBLISHED").await["sections"], "heading"),
        SECTION_HEADINGS
    );

    let faqs = app
        .data(As::Public, FAQS, json!({ "filter": { "therapyId": therapy } }))
        .await["faqs"]
        .clone();
    let mut faq_ids = ids(&faqs["nodes"]);
    faq_ids.swap(0, 3);
    let result = app
        .data(
            As::Editor,
            "mutation($t: ID, $ids: [ID!]!) { reorderFaqs(therapyId: $t, ids: $ids) { question } }",
            json!({ "t": therapy, "ids": faq_ids }),
        )
        .await;
    let mut swapped = FAQ_QUESTIONS.to_vec();
    swapped.swap(0, 3);
    assert_eq!(strings(&result["reorderFaqs"], "question"), swapped);
    assert_eq!(
        strings(&page_order(&app, "DRAFT").await["faqs"], "question"),
        swapped
    );
    assert_eq!(
        strings(&page_order(&app, "PUBLISHED").await["faqs"], "question"),
        FAQ_QUESTIONS
    );

    app.data(
        As::Editor,
        "mutation($t: ID!) { publishTherapy(id: $t, withChildren: true) { id } }",
        json!({ "t": therapy }),
    )
    .await;
    let published = page_order(&app, "PUBLISHED").await;
    assert_eq!(strings(&published["sections"], "heading"), rotated);
    assert_eq!(strings(&published["faqs"], "question"), swapped);
}

#[tokio::test]
async fn clinic_wide_faqs_are_reordered_with_a_null_therapy() {
    let app = TestApp::new().await;
    let mut created = Vec::new();
    for question in ["First?", "Second?", "Third?"] {
        let data = app
            .data(
                As::Editor,
                "mutation($q: String!) { createFaq(input: { question: $q, answer: \"Yes.\" }) { id position } }",
                json!({ "q": question }),
            )
            .await;
        created.push(data["createFaq"]["id"].as_str().unwrap().to_owned());
    }
    let reorder = "mutation($ids: [ID!]!) { reorderFaqs(therapyId: null, ids: $ids) { question position } }";
    let wanted = [created[2].clone(), created[0].clone(), created[1].clone()];
    let result = app.data(As::Editor, reorder, json!({ "ids": wanted })).await;
    assert_eq!(
        result["reorderFaqs"],
        json!([
            { "question": "Third?", "position": 0 },
            { "question": "First?", "position": 1 },
            { "question": "Second?", "position": 2 },
        ])
    );
    let drafts = app
        .data(
            As::Editor,
            FAQS,
            json!({ "filter": { "clinicWide": true }, "stage": "DRAFT" }),
        )
        .await;
    assert_eq!(
        strings(&drafts["faqs"]["nodes"], "question"),
        ["Third?", "First?", "Second?"]
    );
    // The therapy's FAQ are another list: mixing them in is refused.
    let therapy_faq = app
        .data(As::Public, FAQS, json!({ "filter": { "clinicWide": false } }))
        .await["faqs"]["nodes"][0]["id"]
        .clone();
    let mut mixed = json!(wanted);
    mixed.as_array_mut().unwrap().push(therapy_faq);
    assert_bad_input(
        &app.call(As::Editor, reorder, json!({ "ids": mixed })).await,
        Some("ids"),
    );
    let therapy_faqs = app
        .data(As::Public, FAQS, json!({ "filter": { "clinicWide": false } }))
        .await;
    assert_eq!(strings(&therapy_faqs["faqs"]["nodes"], "question"), FAQ_QUESTIONS);
}

#[tokio::test]
async fn reordering_condition_links_changes_the_draft_and_publishing_shows_it() {
    let app = TestApp::new().await;
    let therapy = prolotherapy_id(&app).await;
    let draft = page_order(&app, "DRAFT").await;
    assert_eq!(
        condition_slugs(&draft["conditions"]),
        PROLOTHERAPY_CONDITION_SLUGS
    );
    let mut reversed_ids = ids(&draft["conditions"]);
    reversed_ids.reverse();
    let mut reversed_slugs = PROLOTHERAPY_CONDITION_SLUGS.to_vec();
    reversed_slugs.reverse();

    let mutation = r#"mutation($t: ID!, $ids: [ID!]!) {
        reorderTherapyConditions(therapyId: $t, ids: $ids) { stage conditions { id condition { slug } } }
    }"#;
    let result = app
        .data(As::Editor, mutation, json!({ "t": therapy, "ids": reversed_ids }))
        .await;
    assert_eq!(result["reorderTherapyConditions"]["stage"], "DRAFT");
    assert_eq!(
        condition_slugs(&result["reorderTherapyConditions"]["conditions"]),
        reversed_slugs
    );
    assert_eq!(
        ids(&result["reorderTherapyConditions"]["conditions"]),
        reversed_ids
    );

    assert_eq!(
        condition_slugs(&page_order(&app, "DRAFT").await["conditions"]),
        reversed_slugs
    );
    assert_eq!(
        condition_slugs(&page_order(&app, "PUBLISHED").await["conditions"]),
        PROLOTHERAPY_CONDITION_SLUGS
    );

    // Bad lists are refused and change nothing.
    let mut missing = reversed_ids.clone();
    missing.pop();
    let mut repeated = reversed_ids.clone();
    repeated[19] = repeated[0].clone();
    let mut extra = reversed_ids.clone();
    extra.push(reversed_ids[5].clone());
    for bad in [missing, repeated, extra] {
        let response = app
            .call(As::Editor, mutation, json!({ "t": therapy, "ids": bad }))
            .await;
        assert_bad_input(&response, Some("ids"));
    }
    assert_eq!(
        condition_slugs(&page_order(&app, "DRAFT").await["conditions"]),
        reversed_slugs
    );

    // Links are published with the therapy.
    app.data(
        As::Editor,
        "mutation($t: ID!) { publishTherapy(id: $t) { id } }",
        json!({ "t": therapy }),
    )
    .await;
    assert_eq!(
        condition_slugs(&page_order(&app, "PUBLISHED").await["conditions"]),
        reversed_slugs
    );
}

#[tokio::test]
async fn reordering_practitioners_changes_the_draft_and_publishing_shows_it() {
    let app = TestApp::new().await;
    let therapy = prolotherapy_id(&app).await;
    let heather = practitioner_id(&app, "dr-heather").await;
    let created = app
        .data(
            As::Editor,
            r#"mutation { createPractitioner(input: { slug: "dr-sam", name: "Dr. Sam" }) { id } }"#,
            json!({}),
        )
        .await;
    let sam = created["createPractitioner"]["id"].as_str().unwrap().to_owned();
    let linked = app
        .data(
            As::Editor,
            r#"mutation($t: ID!, $p: ID!) {
                 publishPractitioner(id: $p) { id }
                 linkPractitioner(therapyId: $t, practitionerId: $p) { practitioners { slug } }
               }"#,
            json!({ "t": therapy, "p": sam }),
        )
        .await;
    assert_eq!(
        strings(&linked["linkPractitioner"]["practitioners"], "slug"),
        ["dr-heather", "dr-sam"]
    );
    assert_eq!(
        strings(&page_order(&app, "PUBLISHED").await["practitioners"], "slug"),
        ["dr-heather"]
    );

    let mutation = r#"mutation($t: ID!, $ids: [ID!]!) {
        reorderTherapyPractitioners(therapyId: $t, practitionerIds: $ids) { stage practitioners { slug } }
    }"#;
    let result = app
        .data(
            As::Editor,
            mutation,
            json!({ "t": therapy, "ids": [sam, heather] }),
        )
        .await;
    assert_eq!(result["reorderTherapyPractitioners"]["stage"], "DRAFT");
    assert_eq!(
        strings(&result["reorderTherapyPractitioners"]["practitioners"], "slug"),
        ["dr-sam", "dr-heather"]
    );
    assert_eq!(
        strings(&page_order(&app, "DRAFT").await["practitioners"], "slug"),
        ["dr-sam", "dr-heather"]
    );
    assert_eq!(
        strings(&page_order(&app, "PUBLISHED").await["practitioners"], "slug"),
        ["dr-heather"]
    );

    for bad in [
        json!([heather]),
        json!([heather, heather]),
        json!([sam, heather, sam]),
        json!([]),
    ] {
        let response = app
            .call(As::Editor, mutation, json!({ "t": therapy, "ids": bad }))
            .await;
        assert_bad_input(&response, Some("practitionerIds"));
    }
    assert_eq!(
        strings(&page_order(&app, "DRAFT").await["practitioners"], "slug"),
        ["dr-sam", "dr-heather"]
    );

    app.data(
        As::Editor,
        "mutation($t: ID!) { publishTherapy(id: $t) { id } }",
        json!({ "t": therapy }),
    )
    .await;
    assert_eq!(
        strings(&page_order(&app, "PUBLISHED").await["practitioners"], "slug"),
        ["dr-sam", "dr-heather"]
    );
    let prac = app
        .data(
            As::Public,
            PRACTITIONERS,
            json!({ "filter": { "therapyId": therapy } }),
        )
        .await["practitioners"]
        .clone();
    assert_eq!(
        owned(strings(&prac["nodes"], "slug")),
        ["dr-heather", "dr-sam"],
        "the list sorts by name"
    );
}

#[tokio::test]
async fn reordering_needs_an_editor() {
    let app = TestApp::new().await;
    let therapy = prolotherapy_id(&app).await;
    let draft = page_order(&app, "DRAFT").await;
    let ids = ids(&draft["benefits"]);
    let mutation = "mutation($t: ID!, $ids: [ID!]!) { reorderBenefits(therapyId: $t, ids: $ids) { id } }";
    for who in [As::Public, As::Preview] {
        let response = app.call(who, mutation, json!({ "t": therapy, "ids": ids })).await;
        assert!(
            response["errors"].as_array().is_some_and(|e| !e.is_empty()),
            "{who:?}: {response:#}"
        );
    }
    assert_eq!(page_order(&app, "DRAFT").await["benefits"], draft["benefits"]);
}
