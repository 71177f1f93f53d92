//! The page query costs the same few SQL statements whatever the list sizes.

use serde_json::json;

use crate::helpers::{As, TestApp, prolotherapy_id};
use crate::seed_content::PAGE_QUERY;

#[tokio::test]
async fn the_page_query_issues_the_same_statements_for_4_or_200_faq_entries() {
    let app = TestApp::new().await;
    let id = prolotherapy_id(&app).await;
    let (small, page) = app
        .count_statements(app.data(As::Public, PAGE_QUERY, json!({})))
        .await;
    assert_eq!(page["therapy"]["faqs"].as_array().unwrap().len(), 4);

    for i in 0..196 {
        app.data(
            As::Editor,
            "mutation($id: ID!, $q: String!) { createFaq(input: { therapyId: $id, question: $q, answer: \"Yes.\" }) { id } }",
            json!({ "id": id, "q": format!("Question {i}?") }),
        )
        .await;
    }
    for i in 0..20 {
        app.data(
            As::Editor,
            "mutation($id: ID!, $t: String!) { createBenefit(input: { therapyId: $id, title: $t, body: \"Good.\" }) { id } }",
            json!({ "id": id, "t": format!("Benefit {i}") }),
        )
        .await;
    }
    app.data(
        As::Editor,
        "mutation($id: ID!) { publishTherapy(id: $id, withChildren: true) { id } }",
        json!({ "id": id }),
    )
    .await;

    let (large, page) = app
        .count_statements(app.data(As::Public, PAGE_QUERY, json!({})))
        .await;

    assert_eq!(page["therapy"]["faqs"].as_array().unwrap().len(), 200);
    assert_eq!(page["therapy"]["benefits"].as_array().unwrap().len(), 23);
    assert_eq!(
        small, large,
        "statements for the page query grew with the list sizes"
    );
    // The therapy, its sections, benefits, FAQ entries, condition links, their
    // conditions, and its practitioners joined with their links.
    assert!(small <= 7, "the page query took {small} statements");
}

#[tokio::test]
async fn nested_lists_of_many_parents_are_batched() {
    let app = TestApp::new().await;
    let query = "{ conditions(first: 20) { edges { node { slug therapies { suitability therapy { slug practitioners { slug } } } } } } }";

    let (statements, data) = app.count_statements(app.data(As::Public, query, json!({}))).await;

    let edges = data["conditions"]["edges"].as_array().unwrap();
    assert_eq!(edges.len(), 20);
    assert!(
        edges
            .iter()
            .all(|e| e["node"]["therapies"][0]["therapy"]["practitioners"][0]["slug"] == "dr-heather")
    );
    // count + page, links, therapies, practitioner links, practitioners.
    assert!(statements <= 6, "20 conditions took {statements} statements");
}
