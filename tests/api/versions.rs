//! Optimistic concurrency: every update names the version it was based on.

use std::collections::HashMap;

use serde_json::json;

use crate::helpers::{As, TestApp, error_code, prolotherapy_id, therapy_version};

const RENAME: &str = "mutation($id: ID!, $v: Int!, $name: String!) { updateTherapy(id: $id, expectedVersion: $v, input: { name: $name }) { name version } }";

#[tokio::test]
async fn a_stale_version_is_a_conflict_that_names_the_current_version_and_writes_nothing() {
    let app = TestApp::new().await;
    let id = prolotherapy_id(&app).await;
    app.data(
        As::Editor,
        RENAME,
        json!({ "id": id, "v": 1, "name": "First edit" }),
    )
    .await;

    let stale = app
        .call(
            As::Editor,
            RENAME,
            json!({ "id": id, "v": 1, "name": "Lost edit" }),
        )
        .await;

    assert_eq!(error_code(&stale), "CONFLICT");
    assert_eq!(stale["errors"][0]["extensions"]["currentVersion"], 2);
    assert_eq!(stale["data"], json!(null));
    let draft = app
        .data(
            As::Editor,
            "{ therapy(slug: \"prolotherapy\", stage: DRAFT) { name version } }",
            json!({}),
        )
        .await;
    assert_eq!(draft["therapy"], json!({ "name": "First edit", "version": 2 }));
}

#[tokio::test]
async fn racing_updates_never_lose_an_edit_exactly_one_wins_per_version() {
    let app = TestApp::spawn().await;
    let id = prolotherapy_id(&app).await;
    let editor = app.header(As::Editor);
    const RACERS: usize = 8;
    const ROUNDS: i64 = 4;

    for round in 0..ROUNDS {
        let version = 1 + round;
        let attempts = (0..RACERS).map(|racer| {
            let (app, editor, id) = (&app, editor.clone(), id.clone());
            async move {
                let name = format!("round {round} racer {racer}");
                let (_, body) = app
                    .post(
                        editor.as_deref(),
                        RENAME,
                        json!({ "id": id, "v": version, "name": name }),
                    )
                    .await;
                (name, body)
            }
        });
        let results = futures_util::future::join_all(attempts).await;

        let mut outcomes: HashMap<String, usize> = HashMap::new();
        let mut winner = None;
        for (name, body) in &results {
            match body["errors"][0]["extensions"]["code"].as_str() {
                None => {
                    assert_eq!(body["data"]["updateTherapy"]["version"], version + 1);
                    winner = Some(name.clone());
                    *outcomes.entry("won".into()).or_default() += 1;
                }
                Some(code) => *outcomes.entry(code.to_owned()).or_default() += 1,
            }
        }
        assert_eq!(
            outcomes,
            HashMap::from([("won".to_owned(), 1), ("CONFLICT".to_owned(), RACERS - 1)])
        );
        let draft = app
            .data(
                As::Editor,
                "{ therapy(slug: \"prolotherapy\", stage: DRAFT) { name version } }",
                json!({}),
            )
            .await;
        assert_eq!(
            draft["therapy"],
            json!({ "name": winner.unwrap(), "version": version + 1 })
        );
    }
    assert_eq!(therapy_version(&app, &id).await, 1 + ROUNDS);
}

#[tokio::test]
async fn every_document_type_guards_its_updates_with_a_version() {
    let app = TestApp::new().await;
    let ids = app
        .data(
            As::Editor,
            "{ therapy(slug: \"prolotherapy\", stage: DRAFT) { benefits { id } faqs { id } sections { id } conditions { id } } condition(slug: \"arthritis\", stage: DRAFT) { id } practitioner(slug: \"dr-heather\", stage: DRAFT) { id } }",
            json!({}),
        )
        .await;
    let t = &ids["therapy"];
    let cases = [
        (
            "mutation($id: ID!) { updateBenefit(id: $id, expectedVersion: 7, input: { title: \"x\" }) { id } }",
            &t["benefits"][0]["id"],
        ),
        (
            "mutation($id: ID!) { updateFaq(id: $id, expectedVersion: 7, input: { answer: \"x\" }) { id } }",
            &t["faqs"][0]["id"],
        ),
        (
            "mutation($id: ID!) { updateTherapySection(id: $id, expectedVersion: 7, input: { body: \"x\" }) { id } }",
            &t["sections"][0]["id"],
        ),
        (
            "mutation($id: ID!) { updateTherapyCondition(id: $id, expectedVersion: 7, input: { note: \"x\" }) { id } }",
            &t["conditions"][0]["id"],
        ),
        (
            "mutation($id: ID!) { updateCondition(id: $id, expectedVersion: 7, input: { name: \"x\" }) { id } }",
            &ids["condition"]["id"],
        ),
        (
            "mutation($id: ID!) { updatePractitioner(id: $id, expectedVersion: 7, input: { name: \"x\" }) { id } }",
            &ids["practitioner"]["id"],
        ),
    ];
    for (mutation, id) in cases {
        let response = app.call(As::Editor, mutation, json!({ "id": id })).await;
        assert_eq!(error_code(&response), "CONFLICT", "{mutation}");
        assert_eq!(
            response["errors"][0]["extensions"]["currentVersion"], 1,
            "{mutation}"
        );
    }
}

#[tokio::test]
async fn concurrent_edits_and_publishes_never_fail_internally() {
    let app = TestApp::spawn().await;
    let therapy = prolotherapy_id(&app).await;
    let sections = app
        .data(
            As::Editor,
            "{ therapy(slug: \"prolotherapy\", stage: DRAFT) { sections { id } } }",
            json!({}),
        )
        .await;
    let editor = app.header(As::Editor);
    let edit = "mutation($id: ID!, $body: String!) { updateTherapySection(id: $id, expectedVersion: 1, input: { body: $body }) { id } }";
    let publish = "mutation($id: ID!) { publishTherapy(id: $id, withChildren: true) { id } }";

    // Section edits lock rows then record events; publishing records events then
    // rewrites rows. Done at once, they must neither deadlock nor fail.
    let mut calls = Vec::new();
    for (i, section) in sections["therapy"]["sections"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
    {
        calls.push((
            edit,
            json!({ "id": section["id"], "body": format!("Edited {i}") }),
        ));
        calls.push((publish, json!({ "id": therapy })));
    }
    let results = futures_util::future::join_all(
        calls
            .iter()
            .map(|(query, vars)| app.post(editor.as_deref(), query, vars.clone())),
    )
    .await;

    for (status, body) in results {
        assert_eq!(status, 200);
        assert!(body.get("errors").is_none(), "{body}");
    }
}
