//! Citations: sources with checked identifiers, cited in order by every kind of
//! health claim, published with their claims, and gone with them.

use serde_json::{Value, json};

use crate::helpers::{As, TestApp, error_code, prolotherapy_id};

const CREATE: &str = "mutation($input: CreateCitationInput!) {
    createCitation(input: $input) { id version title authors publisher year doi pubmedId url link note stage }
}";

const CITE: &str = "mutation($input: CiteInput!) {
    cite(input: $input) { id claimType claimId position locator version citation { id title } }
}";

fn study(title: &str) -> Value {
    json!({
        "title": title,
        "authors": ["Rabago D", "Patterson JJ"],
        "publisher": "Annals of Family Medicine",
        "year": 2013,
        "doi": "10.1370/afm.1504",
        "pubmedId": "23690322",
    })
}

async fn create(app: &TestApp, input: Value) -> Value {
    app.data(As::Editor, CREATE, json!({ "input": input })).await["createCitation"].clone()
}

async fn cite(
    app: &TestApp,
    claim_type: &str,
    claim_id: &Value,
    citation: &Value,
    locator: Option<&str>,
) -> Value {
    let input = json!({
        "claimType": claim_type,
        "claimId": claim_id,
        "citationId": citation["id"],
        "locator": locator,
    });
    app.data(As::Editor, CITE, json!({ "input": input })).await["cite"].clone()
}

/// A claim of each kind on the seeded page: the therapy, and a section, a
/// benefit, a condition link and a FAQ entry that the seed gives no citations.
async fn claims(app: &TestApp) -> Vec<(&'static str, Value)> {
    let id = prolotherapy_id(app).await;
    let data = app
        .data(
            As::Editor,
            "query($id: ID!) { therapy(id: $id, stage: DRAFT) {
                id sections { id } benefits { id } conditions { id } faqs { id } } }",
            json!({ "id": id }),
        )
        .await;
    let t = &data["therapy"];
    vec![
        ("THERAPY", t["id"].clone()),
        ("THERAPY_SECTION", t["sections"][SECTION]["id"].clone()),
        ("BENEFIT", t["benefits"][BENEFIT]["id"].clone()),
        ("THERAPY_CONDITION", t["conditions"][CONDITION]["id"].clone()),
        ("FAQ", t["faqs"][FAQ]["id"].clone()),
    ]
}

/// The citations each claim of the page shows at a stage, as (claim, titles).
const PAGE_CITATIONS: &str = "query($id: ID!, $stage: Stage) { therapy(id: $id, stage: $stage) {
    citations { locator citation { title } }
    sections { citations { locator citation { title } } }
    benefits { citations { locator citation { title } } }
    conditions { citations { locator citation { title } } }
    faqs { citations { locator citation { title } } }
} }";

/// Claims of the seeded page that the seed cites nothing for ("Is Prolotherapy
/// right for you?", "Less need for surgery", acute joint injuries, "Will the
/// injections hurt?").
const SECTION: usize = 1;
const BENEFIT: usize = 2;
const CONDITION: usize = 0;
const FAQ: usize = 0;

/// The sources these tests create (the seed cites others).
const OURS: [&str; 3] = ["Knee trial", "Review", "Other"];

/// The titles of the sources these tests cite, in order.
fn titles(list: &Value) -> Vec<String> {
    list.as_array()
        .map(|items| {
            items
                .iter()
                .map(|c| c["citation"]["title"].as_str().unwrap().to_owned())
                .filter(|title| OURS.contains(&title.as_str()))
                .collect()
        })
        .unwrap_or_default()
}

async fn page_citations(app: &TestApp, who: As, stage: &str) -> Vec<Vec<String>> {
    let id = prolotherapy_id(app).await;
    let data = app
        .data(who, PAGE_CITATIONS, json!({ "id": id, "stage": stage }))
        .await;
    let t = &data["therapy"];
    vec![
        titles(&t["citations"]),
        titles(&t["sections"][SECTION]["citations"]),
        titles(&t["benefits"][BENEFIT]["citations"]),
        titles(&t["conditions"][CONDITION]["citations"]),
        titles(&t["faqs"][FAQ]["citations"]),
    ]
}

#[tokio::test]
async fn a_citation_keeps_its_fields_and_links_to_its_source() {
    let app = TestApp::new().await;
    let created = create(
        &app,
        json!({
            "title": "Dextrose prolotherapy for knee osteoarthritis: a randomized controlled trial",
            "authors": [" Rabago D ", "Patterson JJ", "Mundt M"],
            "publisher": "Annals of Family Medicine",
            "year": 2013,
            "doi": "https://doi.org/10.1370/afm.1504",
            "pubmedId": "23690322",
            "url": "https://pubmed.ncbi.nlm.nih.gov/23690322/",
            "note": "Dextrose beat saline and exercise at 52 weeks.",
        }),
    )
    .await;
    assert_eq!(created["version"], 1);
    assert_eq!(created["stage"], "DRAFT");
    assert_eq!(created["authors"], json!(["Rabago D", "Patterson JJ", "Mundt M"]));
    assert_eq!(
        created["doi"], "10.1370/afm.1504",
        "the resolver prefix is dropped"
    );
    assert_eq!(created["link"], "https://doi.org/10.1370/afm.1504");
    let pubmed_only = create(
        &app,
        json!({ "title": "T", "authors": ["A B"], "publisher": "P", "pubmedId": "14699269" }),
    )
    .await;
    assert_eq!(pubmed_only["link"], "https://pubmed.ncbi.nlm.nih.gov/14699269/");

    let updated = app
        .data(
            As::Editor,
            "mutation($id: ID!) { updateCitation(id: $id, expectedVersion: 1, input: { year: null, note: \"Updated.\" }) { version year note doi } }",
            json!({ "id": created["id"] }),
        )
        .await["updateCitation"]
        .clone();
    assert_eq!(
        updated,
        json!({ "version": 2, "year": null, "note": "Updated.", "doi": "10.1370/afm.1504" })
    );
    let list = app
        .data(
            As::Editor,
            "{ citations(stage: DRAFT, search: \"AFM.1504\") { totalCount nodes { title } } }",
            json!({}),
        )
        .await;
    // The seed cites the same knee trial; search ignores case.
    assert_eq!(list["citations"]["totalCount"], 2);
}

#[tokio::test]
async fn malformed_identifiers_are_refused_at_their_field_and_nothing_is_written() {
    let app = TestApp::new().await;
    let count = async || {
        app.data(
            As::Editor,
            "{ citations(stage: DRAFT) { totalCount } }",
            json!({}),
        )
        .await["citations"]["totalCount"]
            .clone()
    };
    let before = count().await;
    let cases = [
        (json!({ "doi": "10.12/x" }), "doi"),
        (json!({ "doi": "not a doi" }), "doi"),
        (json!({ "doi": null, "pubmedId": "PMC5952445" }), "pubmedId"),
        (json!({ "doi": null, "pubmedId": null }), "doi"),
        (json!({ "url": "javascript:alert(1)" }), "url"),
        (json!({ "year": 1700 }), "year"),
        (json!({ "authors": [] }), "authors"),
        (json!({ "authors": ["  "] }), "authors[0]"),
        (json!({ "title": "" }), "title"),
    ];
    for (change, field) in cases {
        let mut input = study("A study");
        for (key, value) in change.as_object().unwrap() {
            input[key] = value.clone();
        }
        let response = app.call(As::Editor, CREATE, json!({ "input": input })).await;
        assert_eq!(error_code(&response), "BAD_USER_INPUT", "{field}: {response}");
        assert_eq!(response["errors"][0]["extensions"]["field"], field, "{response}");
    }
    assert_eq!(count().await, before);
}

#[tokio::test]
async fn every_kind_of_claim_cites_in_order_and_goes_public_with_its_claim() {
    let app = TestApp::new().await;
    let knee = create(&app, study("Knee trial")).await;
    let review = create(&app, study("Review")).await;
    let claims = claims(&app).await;
    for (kind, id) in &claims {
        let first = cite(&app, kind, id, &knee, Some("Table 2")).await;
        assert_eq!(first["claimType"], *kind);
        // At the end of the claim's list (the seed cites one source for the therapy).
        let at = first["position"].as_i64().unwrap();
        assert_eq!(at, i64::from(*kind == "THERAPY"));
        assert_eq!(first["locator"], "Table 2");
        let second = cite(&app, kind, id, &review, None).await;
        assert_eq!(second["position"], at + 1);
    }
    let drafts = page_citations(&app, As::Editor, "DRAFT").await;
    assert!(
        drafts.iter().all(|t| *t == ["Knee trial", "Review"]),
        "{drafts:?}"
    );
    // Nothing is public yet: neither the claims' new citations nor the sources.
    let public = page_citations(&app, As::Public, "PUBLISHED").await;
    assert!(public.iter().all(Vec::is_empty), "{public:?}");

    // Publishing the page takes its claims' citations along; a source shows once published.
    let therapy = prolotherapy_id(&app).await;
    app.data(
        As::Editor,
        "mutation($id: ID!) { publishTherapy(id: $id, withChildren: true) { id } }",
        json!({ "id": therapy }),
    )
    .await;
    let public = page_citations(&app, As::Public, "PUBLISHED").await;
    assert!(
        public.iter().all(Vec::is_empty),
        "sources still drafts: {public:?}"
    );
    app.data(
        As::Editor,
        "mutation($id: ID!) { publishCitation(id: $id) { id } }",
        json!({ "id": knee["id"] }),
    )
    .await;
    let public = page_citations(&app, As::Public, "PUBLISHED").await;
    assert!(public.iter().all(|t| *t == ["Knee trial"]), "{public:?}");

    // Reordering is a draft change until the claim is published again.
    let benefit = &claims[2].1;
    let ids: Vec<Value> = app
        .data(
            As::Editor,
            "query($id: ID!) { benefit(id: $id, stage: DRAFT) { citations { id } } }",
            json!({ "id": benefit }),
        )
        .await["benefit"]["citations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].clone())
        .rev()
        .collect();
    app.data(
        As::Editor,
        "mutation($claim: ID!, $ids: [ID!]!) { reorderClaimCitations(claimId: $claim, ids: $ids) }",
        json!({ "claim": benefit, "ids": ids }),
    )
    .await;
    app.data(
        As::Editor,
        "mutation($id: ID!) { publishCitation(id: $id) { id } }",
        json!({ "id": review["id"] }),
    )
    .await;
    assert_eq!(
        page_citations(&app, As::Editor, "DRAFT").await[2],
        ["Review", "Knee trial"]
    );
    assert_eq!(
        page_citations(&app, As::Public, "PUBLISHED").await[2],
        ["Knee trial", "Review"]
    );
    app.data(
        As::Editor,
        "mutation($id: ID!) { publishBenefit(id: $id) { id } }",
        json!({ "id": benefit }),
    )
    .await;
    assert_eq!(
        page_citations(&app, As::Public, "PUBLISHED").await[2],
        ["Review", "Knee trial"]
    );

    // Unpublishing a source hides it from every claim at once.
    app.data(
        As::Editor,
        "mutation($id: ID!) { unpublishCitation(id: $id) { id } }",
        json!({ "id": review["id"] }),
    )
    .await;
    let public = page_citations(&app, As::Public, "PUBLISHED").await;
    assert!(public.iter().all(|t| *t == ["Knee trial"]), "{public:?}");
}

#[tokio::test]
async fn a_clinic_wide_faq_answer_publishes_its_own_citations() {
    let app = TestApp::new().await;
    let source = create(&app, study("Review")).await;
    app.data(
        As::Editor,
        "mutation($id: ID!) { publishCitation(id: $id) { id } }",
        json!({ "id": source["id"] }),
    )
    .await;
    let faq = app
        .data(
            As::Editor,
            "mutation { createFaq(input: { question: \"Is it safe?\", answer: \"Yes.\" }) { id } }",
            json!({}),
        )
        .await["createFaq"]["id"]
        .clone();
    cite(&app, "FAQ", &faq, &source, Some("p. 4")).await;
    app.data(
        As::Editor,
        "mutation($id: ID!) { publishFaq(id: $id) { id } }",
        json!({ "id": faq }),
    )
    .await;
    let public = app
        .data(
            As::Public,
            "query($id: ID!) { faq(id: $id) { citations { locator citation { title link } } } }",
            json!({ "id": faq }),
        )
        .await;
    assert_eq!(
        public["faq"]["citations"],
        json!([{ "locator": "p. 4", "citation": { "title": "Review", "link": "https://doi.org/10.1370/afm.1504" } }])
    );
}

#[tokio::test]
async fn citing_refuses_what_cannot_cite_or_be_cited() {
    let app = TestApp::new().await;
    let source = create(&app, study("Review")).await;
    let therapy = prolotherapy_id(&app).await;
    let practitioner = app
        .data(
            As::Editor,
            "{ practitioners(first: 1) { nodes { id } } }",
            json!({}),
        )
        .await["practitioners"]["nodes"][0]["id"]
        .clone();
    let cases = [
        (
            json!({ "claimType": "PRACTITIONER", "claimId": practitioner, "citationId": source["id"] }),
            "claimType",
        ),
        (
            json!({ "claimType": "BENEFIT", "claimId": therapy, "citationId": source["id"] }),
            "claimId",
        ),
        (
            json!({ "claimType": "THERAPY", "claimId": therapy, "citationId": therapy }),
            "citationId",
        ),
        (
            json!({ "claimType": "THERAPY", "claimId": therapy, "citationId": source["id"], "locator": "x".repeat(201) }),
            "locator",
        ),
    ];
    for (input, field) in cases {
        let response = app.call(As::Editor, CITE, json!({ "input": input })).await;
        assert_eq!(error_code(&response), "BAD_USER_INPUT", "{response}");
        assert_eq!(response["errors"][0]["extensions"]["field"], field, "{response}");
    }
    let response = app
        .call(
            As::Public,
            CITE,
            json!({ "input": { "claimType": "THERAPY", "claimId": therapy, "citationId": source["id"] } }),
        )
        .await;
    assert_eq!(error_code(&response), "UNAUTHENTICATED");
}

#[tokio::test]
async fn deleting_a_claim_or_a_source_deletes_the_citations_between_them() {
    let app = TestApp::new().await;
    let source = create(&app, study("Review")).await;
    let other = create(&app, study("Other")).await;
    let claims = claims(&app).await;
    let benefit = &claims[2].1;
    cite(&app, "BENEFIT", benefit, &source, None).await;
    cite(&app, "THERAPY", &claims[0].1, &other, None).await;
    app.data(
        As::Editor,
        "mutation($id: ID!) { deleteBenefit(id: $id) }",
        json!({ "id": benefit }),
    )
    .await;
    app.data(
        As::Editor,
        "mutation($id: ID!) { deleteCitation(id: $id) }",
        json!({ "id": other["id"] }),
    )
    .await;
    let deleted = app
        .data(
            As::Editor,
            "{ trash(documentType: CLAIM_CITATION) { totalCount nodes { action } } }",
            json!({}),
        )
        .await;
    assert_eq!(deleted["trash"]["totalCount"], 2, "{deleted}");
    assert!(page_citations(&app, As::Editor, "DRAFT").await[0].is_empty());
}

#[tokio::test]
async fn a_claim_citation_has_a_history_and_restores_like_any_document() {
    let app = TestApp::new().await;
    let source = create(&app, study("Review")).await;
    let therapy = prolotherapy_id(&app).await;
    let cited = cite(&app, "THERAPY", &json!(therapy), &source, Some("p. 1")).await;
    app.data(
        As::Editor,
        "mutation($id: ID!) { updateClaimCitation(id: $id, expectedVersion: 1, locator: \"p. 2\") { version } }",
        json!({ "id": cited["id"] }),
    )
    .await;
    let history = app
        .data(
            As::Editor,
            "query($id: ID!) { history(id: $id) { nodes { id action version snapshot } } }",
            json!({ "id": cited["id"] }),
        )
        .await["history"]["nodes"]
        .clone();
    let first = history
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "LINKED")
        .unwrap()
        .clone();
    assert_eq!(first["snapshot"]["locator"], "p. 1");
    let restored = app
        .data(
            As::Editor,
            "mutation($rev: ID!) { restoreRevision(revisionId: $rev, expectedVersion: 2) { version snapshot } }",
            json!({ "rev": first["id"] }),
        )
        .await["restoreRevision"]
        .clone();
    assert_eq!(restored["version"], 3);
    assert_eq!(restored["snapshot"]["locator"], "p. 1");
}

#[tokio::test]
async fn the_change_feed_carries_published_citations_and_claim_citations() {
    let app = TestApp::new().await;
    let source = create(&app, study("Review")).await;
    let therapy = prolotherapy_id(&app).await;
    cite(&app, "THERAPY", &json!(therapy), &source, None).await;
    app.data(
        As::Editor,
        "mutation($id: ID!, $c: ID!) { publishCitation(id: $c) { id } publishTherapy(id: $id) { id } }",
        json!({ "id": therapy, "c": source["id"] }),
    )
    .await;
    let feed = app
        .data(
            As::Public,
            "{ changes(first: 500) { changes { kind documentType data } } }",
            json!({}),
        )
        .await;
    let kinds: Vec<&str> = feed["changes"]["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["kind"] == "UPSERT")
        .map(|c| c["documentType"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"CITATION"), "{kinds:?}");
    assert!(kinds.contains(&"CLAIM_CITATION"), "{kinds:?}");
}
