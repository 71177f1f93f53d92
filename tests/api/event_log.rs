//! The event log: every mutation the API has leaves exactly the events it should,
//! named after the token that made it, and a write that fails leaves none.

use std::collections::BTreeSet;

use entity::content_event::{self, Column};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseBackend, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{As, TestApp, error_code, prolotherapy_id};

/// One event as the tests compare them: (documentType, documentId, action, stage, version).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Ev {
    document_type: String,
    document_id: String,
    action: String,
    stage: String,
    version: i32,
}

fn ev(document_type: &str, document_id: &str, action: &str, stage: &str, version: i32) -> Ev {
    Ev {
        document_type: document_type.to_owned(),
        document_id: document_id.to_owned(),
        action: action.to_owned(),
        stage: stage.to_owned(),
        version,
    }
}

/// An enum as the API (and the log's JSON) spells it, e.g. `THERAPY_SECTION`.
fn code<T: serde::Serialize>(value: T) -> String {
    serde_json::to_value(value).unwrap().as_str().unwrap().to_owned()
}

impl Ev {
    fn of(event: &content_event::Model) -> Self {
        Self {
            document_type: code(event.document_type),
            document_id: event.document_id.to_string(),
            action: code(event.action),
            stage: code(event.stage),
            version: event.version,
        }
    }
}

/// A token as the log names it.
#[derive(Debug, Clone)]
struct Actor {
    id: Uuid,
    name: String,
}

/// The ids of the test tokens, by name.
async fn actor(app: &TestApp, name: &str) -> Actor {
    let tokens = app.data(As::Admin, "{ apiTokens { id name } }", json!({})).await;
    let token = tokens["apiTokens"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == name)
        .unwrap_or_else(|| panic!("no token named {name}: {tokens}"));
    Actor {
        id: Uuid::parse_str(token["id"].as_str().unwrap()).unwrap(),
        name: name.to_owned(),
    }
}

async fn event_count(app: &TestApp) -> u64 {
    content_event::Entity::find()
        .count(app.db().conn())
        .await
        .unwrap()
}

async fn last_seq(app: &TestApp) -> i64 {
    content_event::Entity::find()
        .order_by_desc(Column::Seq)
        .one(app.db().conn())
        .await
        .unwrap()
        .map_or(0, |e| e.seq)
}

/// The name of the root field a mutation calls (`updateTherapy` …).
fn root_field(query: &str) -> String {
    let body = &query[query.find('{').expect("a selection set") + 1..];
    body.trim_start()
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect()
}

/// Runs mutations and reads, after each, the events it left.
struct Run<'a> {
    app: &'a TestApp,
    editor: Actor,
    admin: Actor,
    last: i64,
    ran: BTreeSet<String>,
}

impl<'a> Run<'a> {
    async fn new(app: &'a TestApp) -> Self {
        Self {
            app,
            editor: actor(app, "test editor").await,
            admin: actor(app, "test admin").await,
            last: last_seq(app).await,
            ran: BTreeSet::new(),
        }
    }

    /// Runs a mutation that must succeed; returns its data.
    async fn mutate(&mut self, who: As, query: &str, variables: Value) -> Value {
        self.ran.insert(root_field(query));
        self.app.data(who, query, variables).await
    }

    /// The events appended since the last look, oldest first; their sequence
    /// numbers strictly increase and follow every earlier one.
    async fn new_events(&mut self) -> Vec<content_event::Model> {
        let events = content_event::Entity::find()
            .filter(Column::Seq.gt(self.last))
            .order_by_asc(Column::Seq)
            .all(self.app.db().conn())
            .await
            .unwrap();
        for event in &events {
            assert!(event.seq > self.last, "sequence numbers strictly increase");
            self.last = event.seq;
        }
        events
    }

    /// Asserts the new events are exactly `expected`, made by `who`'s token.
    /// Within one write the order follows the rows the database hands back (for
    /// deletes of several rows it is not defined), so both sides are compared sorted.
    async fn expect(&mut self, who: As, step: &str, mut expected: Vec<Ev>) -> Vec<content_event::Model> {
        let events = self.new_events().await;
        let actor = match who {
            As::Editor => &self.editor,
            As::Admin => &self.admin,
            other => panic!("{other:?} makes no changes"),
        };
        for event in &events {
            assert_eq!(event.actor_id, Some(actor.id), "{step}: actor id of {event:?}");
            assert_eq!(event.actor_name, actor.name, "{step}: actor name of {event:?}");
        }
        let mut got: Vec<Ev> = events.iter().map(Ev::of).collect();
        got.sort();
        expected.sort();
        assert_eq!(got, expected, "{step}");
        events
    }

    /// Runs a mutation and asserts the events it left; returns its data and the events.
    async fn step(
        &mut self,
        who: As,
        query: &str,
        variables: Value,
        expected: impl FnOnce(&Value) -> Vec<Ev>,
    ) -> (Value, Vec<content_event::Model>) {
        let data = self.mutate(who, query, variables).await;
        let expected = expected(&data);
        let events = self.expect(who, &root_field(query), expected).await;
        (data, events)
    }
}

fn id_at(data: &Value, pointer: &str) -> String {
    data.pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("no id at {pointer} in {data}"))
        .to_owned()
}

/// The one event of a kind among `events` (for ids the API does not return).
fn only<'e>(
    events: &'e [content_event::Model],
    document_type: &str,
    action: &str,
) -> &'e content_event::Model {
    let found: Vec<_> = events
        .iter()
        .filter(|e| code(e.document_type) == document_type && code(e.action) == action)
        .collect();
    assert_eq!(found.len(), 1, "one {document_type} {action} in {events:?}");
    found[0]
}

/// Sections, benefits and FAQ entries: the mutations of one kind, with the
/// API's names for it.
struct OwnedKind {
    /// As in `createTherapySection`.
    name: &'static str,
    /// As events name it.
    document_type: &'static str,
    title: &'static str,
    body: &'static str,
}

const OWNED_KINDS: [OwnedKind; 3] = [
    OwnedKind {
        name: "TherapySection",
        document_type: "THERAPY_SECTION",
        title: "heading",
        body: "body",
    },
    OwnedKind {
        name: "Benefit",
        document_type: "BENEFIT",
        title: "title",
        body: "body",
    },
    OwnedKind {
        name: "Faq",
        document_type: "FAQ",
        title: "question",
        body: "answer",
    },
];

impl OwnedKind {
    fn query(&self, template: &str) -> String {
        template
            .replace("KIND", self.name)
            .replace("TITLE", self.title)
            .replace("BODY", self.body)
    }

    /// Every mutation of this kind on a therapy's draft; returns the id of the
    /// item left standing (at version 3, position 1, unpublished).
    async fn exercise(&self, run: &mut Run<'_>, therapy: &str) -> String {
        let t = self.document_type;
        let create = self.query(
            "mutation($t: ID!, $title: String!) { createKIND(input: { therapyId: $t, TITLE: $title, BODY: \"Some text.\" }) { id position version } }",
        );
        let (data, _) = run
            .step(
                As::Editor,
                &create,
                json!({ "t": therapy, "title": "First" }),
                |d| {
                    vec![ev(
                        t,
                        &id_at(d, &format!("/create{}/id", self.name)),
                        "CREATED",
                        "DRAFT",
                        1,
                    )]
                },
            )
            .await;
        let first = id_at(&data, &format!("/create{}/id", self.name));
        let (data, _) = run
            .step(
                As::Editor,
                &create,
                json!({ "t": therapy, "title": "Second" }),
                |d| {
                    vec![ev(
                        t,
                        &id_at(d, &format!("/create{}/id", self.name)),
                        "CREATED",
                        "DRAFT",
                        1,
                    )]
                },
            )
            .await;
        let second = id_at(&data, &format!("/create{}/id", self.name));

        run.step(
            As::Editor,
            &self.query(
                "mutation($id: ID!) { updateKIND(id: $id, expectedVersion: 1, input: { TITLE: \"First, edited\" }) { version } }",
            ),
            json!({ "id": first }),
            |_| vec![ev(t, &first, "UPDATED", "DRAFT", 2)],
        )
        .await;
        run.step(
            As::Editor,
            &self.query("mutation($id: ID!) { publishKIND(id: $id, expectedVersion: 2) { stage } }"),
            json!({ "id": first }),
            |_| vec![ev(t, &first, "PUBLISHED", "PUBLISHED", 2)],
        )
        .await;
        run.step(
            As::Editor,
            &self.query("mutation($id: ID!) { unpublishKIND(id: $id) { stage } }"),
            json!({ "id": first }),
            |_| vec![ev(t, &first, "UNPUBLISHED", "PUBLISHED", 2)],
        )
        .await;
        // Both items move, so both get a new version.
        run.step(
            As::Editor,
            &self.query("mutation($t: ID!, $ids: [ID!]!) { reorderKINDs(therapyId: $t, ids: $ids) { id } }"),
            json!({ "t": therapy, "ids": [second, first] }),
            |_| {
                vec![
                    ev(t, &second, "REORDERED", "DRAFT", 2),
                    ev(t, &first, "REORDERED", "DRAFT", 3),
                ]
            },
        )
        .await;
        // The same order again moves nothing and records nothing.
        run.step(
            As::Editor,
            &self.query("mutation($t: ID!, $ids: [ID!]!) { reorderKINDs(therapyId: $t, ids: $ids) { id } }"),
            json!({ "t": therapy, "ids": [second, first] }),
            |_| vec![],
        )
        .await;
        run.step(
            As::Editor,
            &self.query("mutation($id: ID!) { publishKIND(id: $id) { stage } }"),
            json!({ "id": second }),
            |_| vec![ev(t, &second, "PUBLISHED", "PUBLISHED", 2)],
        )
        .await;
        // Deleting removes both stages, and says so for each.
        run.step(
            As::Editor,
            &self.query("mutation($id: ID!) { deleteKIND(id: $id) }"),
            json!({ "id": second }),
            |_| {
                vec![
                    ev(t, &second, "DELETED", "DRAFT", 2),
                    ev(t, &second, "DELETED", "PUBLISHED", 2),
                ]
            },
        )
        .await;
        first
    }
}

#[tokio::test]
async fn every_mutation_leaves_exactly_its_events_named_after_its_token() {
    let app = TestApp::new().await;
    let mut run = Run::new(&app).await;
    let prolotherapy = prolotherapy_id(&app).await;

    // Therapies.
    let (data, events) = run
        .step(
            As::Editor,
            "mutation { createTherapy(input: { slug: \"event-log\", name: \"Event log\" }) { id } }",
            json!({}),
            |d| {
                vec![ev(
                    "THERAPY",
                    &id_at(d, "/createTherapy/id"),
                    "CREATED",
                    "DRAFT",
                    1,
                )]
            },
        )
        .await;
    let therapy = id_at(&data, "/createTherapy/id");
    let therapy_created = events[0].seq;
    run.step(
        As::Editor,
        "mutation($id: ID!) { updateTherapy(id: $id, expectedVersion: 1, input: { name: \"Event log, renamed\" }) { version } }",
        json!({ "id": therapy }),
        |_| vec![ev("THERAPY", &therapy, "UPDATED", "DRAFT", 2)],
    )
    .await;

    // Conditions.
    let (data, _) = run
        .step(
            As::Editor,
            "mutation { createCondition(input: { slug: \"event-log-condition\", name: \"Event log condition\" }) { id } }",
            json!({}),
            |d| vec![ev("CONDITION", &id_at(d, "/createCondition/id"), "CREATED", "DRAFT", 1)],
        )
        .await;
    let condition = id_at(&data, "/createCondition/id");
    run.step(
        As::Editor,
        "mutation($id: ID!) { updateCondition(id: $id, expectedVersion: 1, input: { bodyRegion: \"knee\" }) { version } }",
        json!({ "id": condition }),
        |_| vec![ev("CONDITION", &condition, "UPDATED", "DRAFT", 2)],
    )
    .await;
    run.step(
        As::Editor,
        "mutation($id: ID!) { publishCondition(id: $id, expectedVersion: 2) { stage } }",
        json!({ "id": condition }),
        |_| vec![ev("CONDITION", &condition, "PUBLISHED", "PUBLISHED", 2)],
    )
    .await;
    run.step(
        As::Editor,
        "mutation($id: ID!) { unpublishCondition(id: $id) { stage } }",
        json!({ "id": condition }),
        |_| vec![ev("CONDITION", &condition, "UNPUBLISHED", "PUBLISHED", 2)],
    )
    .await;
    // Unpublishing what is not published changes nothing and records nothing.
    run.step(
        As::Editor,
        "mutation($id: ID!) { unpublishCondition(id: $id) { stage } }",
        json!({ "id": condition }),
        |_| vec![],
    )
    .await;
    let (data, _) = run
        .step(
            As::Editor,
            "mutation { createCondition(input: { slug: \"event-log-other\", name: \"Event log other\" }) { id } }",
            json!({}),
            |d| vec![ev("CONDITION", &id_at(d, "/createCondition/id"), "CREATED", "DRAFT", 1)],
        )
        .await;
    let other_condition = id_at(&data, "/createCondition/id");

    // Practitioners.
    let create_practitioner = "mutation($slug: String!) { createPractitioner(input: { slug: $slug, name: \"Dr. Events\" }) { id } }";
    let (data, _) = run
        .step(
            As::Editor,
            create_practitioner,
            json!({ "slug": "dr-events" }),
            |d| {
                vec![ev(
                    "PRACTITIONER",
                    &id_at(d, "/createPractitioner/id"),
                    "CREATED",
                    "DRAFT",
                    1,
                )]
            },
        )
        .await;
    let practitioner = id_at(&data, "/createPractitioner/id");
    run.step(
        As::Editor,
        "mutation($id: ID!) { updatePractitioner(id: $id, expectedVersion: 1, input: { techniques: [\"Logging\"] }) { version } }",
        json!({ "id": practitioner }),
        |_| vec![ev("PRACTITIONER", &practitioner, "UPDATED", "DRAFT", 2)],
    )
    .await;
    run.step(
        As::Editor,
        "mutation($id: ID!) { publishPractitioner(id: $id) { stage } }",
        json!({ "id": practitioner }),
        |_| vec![ev("PRACTITIONER", &practitioner, "PUBLISHED", "PUBLISHED", 2)],
    )
    .await;
    run.step(
        As::Editor,
        "mutation($id: ID!) { unpublishPractitioner(id: $id) { stage } }",
        json!({ "id": practitioner }),
        |_| vec![ev("PRACTITIONER", &practitioner, "UNPUBLISHED", "PUBLISHED", 2)],
    )
    .await;
    let (data, _) = run
        .step(
            As::Editor,
            create_practitioner,
            json!({ "slug": "dr-events-two" }),
            |d| {
                vec![ev(
                    "PRACTITIONER",
                    &id_at(d, "/createPractitioner/id"),
                    "CREATED",
                    "DRAFT",
                    1,
                )]
            },
        )
        .await;
    let other_practitioner = id_at(&data, "/createPractitioner/id");

    // Sections, benefits and FAQ entries of the new therapy.
    let mut items = Vec::new();
    for kind in &OWNED_KINDS {
        items.push((kind.document_type, kind.exercise(&mut run, &therapy).await));
    }
    // A clinic-wide FAQ entry, reordered in its own (one-entry) list: nothing moves.
    let (data, _) = run
        .step(
            As::Editor,
            "mutation { createFaq(input: { question: \"Clinic-wide?\", answer: \"Yes.\" }) { id } }",
            json!({}),
            |d| vec![ev("FAQ", &id_at(d, "/createFaq/id"), "CREATED", "DRAFT", 1)],
        )
        .await;
    let clinic_faq = id_at(&data, "/createFaq/id");
    run.step(
        As::Editor,
        "mutation($ids: [ID!]!) { reorderFaqs(therapyId: null, ids: $ids) { id } }",
        json!({ "ids": [clinic_faq] }),
        |_| vec![],
    )
    .await;

    // Condition links.
    let link = "mutation($t: ID!, $c: ID!, $s: Suitability!) { linkCondition(input: { therapyId: $t, conditionId: $c, suitability: $s }) { id } }";
    let (data, _) = run
        .step(
            As::Editor,
            link,
            json!({ "t": therapy, "c": condition, "s": "RESPONDS_WELL" }),
            |d| {
                vec![ev(
                    "THERAPY_CONDITION",
                    &id_at(d, "/linkCondition/id"),
                    "LINKED",
                    "DRAFT",
                    1,
                )]
            },
        )
        .await;
    let link_one = id_at(&data, "/linkCondition/id");
    run.step(
        As::Editor,
        "mutation($id: ID!) { updateTherapyCondition(id: $id, expectedVersion: 1, input: { note: \"Partial tears only\" }) { version } }",
        json!({ "id": link_one }),
        |_| vec![ev("THERAPY_CONDITION", &link_one, "UPDATED", "DRAFT", 2)],
    )
    .await;
    let (data, _) = run
        .step(
            As::Editor,
            link,
            json!({ "t": therapy, "c": other_condition, "s": "RESPONDS_POORLY" }),
            |d| {
                vec![ev(
                    "THERAPY_CONDITION",
                    &id_at(d, "/linkCondition/id"),
                    "LINKED",
                    "DRAFT",
                    1,
                )]
            },
        )
        .await;
    let link_two = id_at(&data, "/linkCondition/id");
    run.step(
        As::Editor,
        "mutation($t: ID!, $ids: [ID!]!) { reorderTherapyConditions(therapyId: $t, ids: $ids) { id } }",
        json!({ "t": therapy, "ids": [link_two, link_one] }),
        |_| {
            vec![
                ev("THERAPY_CONDITION", &link_two, "REORDERED", "DRAFT", 2),
                ev("THERAPY_CONDITION", &link_one, "REORDERED", "DRAFT", 3),
            ]
        },
    )
    .await;

    // Practitioner links (their ids are the log's own: read from the LINKED event).
    let link_practitioner =
        "mutation($t: ID!, $p: ID!) { linkPractitioner(therapyId: $t, practitionerId: $p) { id } }";
    run.mutate(
        As::Editor,
        link_practitioner,
        json!({ "t": therapy, "p": practitioner }),
    )
    .await;
    let events = run.new_events().await;
    assert_eq!(events.len(), 1, "{events:?}");
    let staff_one = only(&events, "THERAPY_PRACTITIONER", "LINKED");
    assert_eq!(
        (code(staff_one.stage), staff_one.version),
        ("DRAFT".to_owned(), 1)
    );
    assert_eq!(staff_one.actor_id, Some(run.editor.id));
    let snapshot = staff_one.snapshot.clone().unwrap();
    assert_eq!(
        (&snapshot["therapyId"], &snapshot["practitionerId"]),
        (&json!(therapy), &json!(practitioner))
    );
    let staff_one = staff_one.document_id.to_string();
    // Linking twice is harmless: no change, no event.
    run.step(
        As::Editor,
        link_practitioner,
        json!({ "t": therapy, "p": practitioner }),
        |_| vec![],
    )
    .await;
    run.mutate(
        As::Editor,
        link_practitioner,
        json!({ "t": therapy, "p": other_practitioner }),
    )
    .await;
    let events = run.new_events().await;
    assert_eq!(events.len(), 1, "{events:?}");
    let staff_two = only(&events, "THERAPY_PRACTITIONER", "LINKED");
    assert_eq!(staff_two.actor_id, Some(run.editor.id));
    assert_ne!(staff_two.document_id.to_string(), staff_one);
    let staff_two = staff_two.document_id.to_string();
    run.step(
        As::Editor,
        "mutation($t: ID!, $ids: [ID!]!) { reorderTherapyPractitioners(therapyId: $t, practitionerIds: $ids) { id } }",
        json!({ "t": therapy, "ids": [other_practitioner, practitioner] }),
        |_| {
            vec![
                ev("THERAPY_PRACTITIONER", &staff_two, "REORDERED", "DRAFT", 2),
                ev("THERAPY_PRACTITIONER", &staff_one, "REORDERED", "DRAFT", 2),
            ]
        },
    )
    .await;

    // Publishing with children: the therapy, its links and its items.
    let [(_, section), (_, benefit), (_, faq)] = <[_; 3]>::try_from(items).unwrap();
    run.step(
        As::Editor,
        "mutation($id: ID!) { publishTherapy(id: $id, withChildren: true) { stage } }",
        json!({ "id": therapy }),
        |_| {
            vec![
                ev("THERAPY", &therapy, "PUBLISHED", "PUBLISHED", 2),
                ev("THERAPY_CONDITION", &link_one, "PUBLISHED", "PUBLISHED", 3),
                ev("THERAPY_CONDITION", &link_two, "PUBLISHED", "PUBLISHED", 2),
                ev("THERAPY_PRACTITIONER", &staff_one, "PUBLISHED", "PUBLISHED", 2),
                ev("THERAPY_PRACTITIONER", &staff_two, "PUBLISHED", "PUBLISHED", 2),
                ev("THERAPY_SECTION", &section, "PUBLISHED", "PUBLISHED", 3),
                ev("BENEFIT", &benefit, "PUBLISHED", "PUBLISHED", 3),
                ev("FAQ", &faq, "PUBLISHED", "PUBLISHED", 3),
            ]
        },
    )
    .await;

    // Unlinking touches only the draft.
    run.step(
        As::Editor,
        "mutation($id: ID!) { unlinkCondition(id: $id) { id } }",
        json!({ "id": link_two }),
        |_| vec![ev("THERAPY_CONDITION", &link_two, "UNLINKED", "DRAFT", 2)],
    )
    .await;
    run.step(
        As::Editor,
        "mutation($t: ID!, $p: ID!) { unlinkPractitioner(therapyId: $t, practitionerId: $p) { id } }",
        json!({ "t": therapy, "p": other_practitioner }),
        |_| vec![ev("THERAPY_PRACTITIONER", &staff_two, "UNLINKED", "DRAFT", 2)],
    )
    .await;
    // Publishing again takes the unlinked ones off the published page; the links
    // that did not change are left alone and make no event.
    run.step(
        As::Editor,
        "mutation($id: ID!) { publishTherapy(id: $id) { stage } }",
        json!({ "id": therapy }),
        |_| {
            vec![
                ev("THERAPY", &therapy, "PUBLISHED", "PUBLISHED", 2),
                ev("THERAPY_CONDITION", &link_two, "UNPUBLISHED", "PUBLISHED", 2),
                ev("THERAPY_PRACTITIONER", &staff_two, "UNPUBLISHED", "PUBLISHED", 2),
            ]
        },
    )
    .await;
    run.step(
        As::Editor,
        "mutation($id: ID!) { unpublishTherapy(id: $id, withChildren: true) { stage } }",
        json!({ "id": therapy }),
        |_| {
            vec![
                ev("THERAPY", &therapy, "UNPUBLISHED", "PUBLISHED", 2),
                ev("THERAPY_CONDITION", &link_one, "UNPUBLISHED", "PUBLISHED", 3),
                ev("THERAPY_PRACTITIONER", &staff_one, "UNPUBLISHED", "PUBLISHED", 2),
                ev("THERAPY_SECTION", &section, "UNPUBLISHED", "PUBLISHED", 3),
                ev("BENEFIT", &benefit, "UNPUBLISHED", "PUBLISHED", 3),
                ev("FAQ", &faq, "UNPUBLISHED", "PUBLISHED", 3),
            ]
        },
    )
    .await;

    // Restoring a revision: a new draft version.
    let (data, _) = run
        .step(
            As::Editor,
            "mutation($rev: ID!) { restoreRevision(revisionId: $rev, expectedVersion: 2) { documentId action stage version } }",
            json!({ "rev": therapy_created.to_string() }),
            |_| vec![ev("THERAPY", &therapy, "RESTORED", "DRAFT", 3)],
        )
        .await;
    assert_eq!(
        data["restoreRevision"],
        json!({ "documentId": therapy, "action": "RESTORED", "stage": "DRAFT", "version": 3 })
    );

    // Deleting a condition deletes both stages and every link to it.
    run.step(
        As::Editor,
        "mutation($id: ID!) { publishCondition(id: $id) { stage } }",
        json!({ "id": condition }),
        |_| vec![ev("CONDITION", &condition, "PUBLISHED", "PUBLISHED", 2)],
    )
    .await;
    let (_, events) = run
        .step(
            As::Editor,
            "mutation($id: ID!) { deleteCondition(id: $id) }",
            json!({ "id": condition }),
            |_| {
                vec![
                    ev("CONDITION", &condition, "DELETED", "DRAFT", 2),
                    ev("CONDITION", &condition, "DELETED", "PUBLISHED", 2),
                    ev("THERAPY_CONDITION", &link_one, "DELETED", "DRAFT", 3),
                ]
            },
        )
        .await;
    let condition_deleted = events
        .iter()
        .find(|e| code(e.document_type) == "CONDITION" && code(e.stage) == "DRAFT")
        .unwrap()
        .seq;
    // Back from the trash, as version last + 1.
    run.step(
        As::Editor,
        "mutation($rev: ID!) { restoreRevision(revisionId: $rev) { version } }",
        json!({ "rev": condition_deleted.to_string() }),
        |_| vec![ev("CONDITION", &condition, "RESTORED", "DRAFT", 3)],
    )
    .await;
    // Deleting a practitioner deletes their links.
    run.step(
        As::Editor,
        "mutation($id: ID!) { deletePractitioner(id: $id) }",
        json!({ "id": practitioner }),
        |_| {
            vec![
                ev("PRACTITIONER", &practitioner, "DELETED", "DRAFT", 2),
                ev("THERAPY_PRACTITIONER", &staff_one, "DELETED", "DRAFT", 2),
            ]
        },
    )
    .await;

    // Deleting a therapy deletes everything it owns and its links.
    let (data, _) = run
        .step(
            As::Editor,
            link,
            json!({ "t": therapy, "c": other_condition, "s": "RESPONDS_WELL" }),
            |d| {
                vec![ev(
                    "THERAPY_CONDITION",
                    &id_at(d, "/linkCondition/id"),
                    "LINKED",
                    "DRAFT",
                    1,
                )]
            },
        )
        .await;
    let link_three = id_at(&data, "/linkCondition/id");
    // Linking again makes a new link, with an id of its own.
    run.mutate(
        As::Editor,
        link_practitioner,
        json!({ "t": therapy, "p": other_practitioner }),
    )
    .await;
    let events = run.new_events().await;
    assert_eq!(events.len(), 1, "{events:?}");
    let staff_three = only(&events, "THERAPY_PRACTITIONER", "LINKED");
    assert_eq!(staff_three.version, 1);
    assert_ne!(staff_three.document_id.to_string(), staff_two);
    let staff_three = staff_three.document_id.to_string();
    run.step(
        As::Editor,
        "mutation($id: ID!) { deleteTherapy(id: $id) }",
        json!({ "id": therapy }),
        |_| {
            vec![
                ev("THERAPY", &therapy, "DELETED", "DRAFT", 3),
                ev("THERAPY_SECTION", &section, "DELETED", "DRAFT", 3),
                ev("BENEFIT", &benefit, "DELETED", "DRAFT", 3),
                ev("FAQ", &faq, "DELETED", "DRAFT", 3),
                ev("THERAPY_CONDITION", &link_three, "DELETED", "DRAFT", 1),
                ev("THERAPY_PRACTITIONER", &staff_three, "DELETED", "DRAFT", 1),
            ]
        },
    )
    .await;
    run.step(
        As::Editor,
        "mutation($id: ID!) { deleteFaq(id: $id) }",
        json!({ "id": clinic_faq }),
        |_| vec![ev("FAQ", &clinic_faq, "DELETED", "DRAFT", 1)],
    )
    .await;

    // Purging (admin): one PURGED event, and every snapshot of the document erased.
    run.step(
        As::Admin,
        "mutation($id: ID!) { purgeDocument(id: $id) { action } }",
        json!({ "id": therapy }),
        |_| vec![ev("THERAPY", &therapy, "PURGED", "DRAFT", 3)],
    )
    .await;
    let therapy_events = content_event::Entity::find()
        .filter(Column::DocumentId.eq(Uuid::parse_str(&therapy).unwrap()))
        .all(app.db().conn())
        .await
        .unwrap();
    assert!(therapy_events.len() > 5);
    assert!(therapy_events.iter().all(|e| e.snapshot.is_none()));

    // An admin's content change is named after the admin's token.
    run.step(
        As::Admin,
        "mutation($id: ID!) { updateCondition(id: $id, expectedVersion: 1, input: { name: \"By the admin\" }) { version } }",
        json!({ "id": other_condition }),
        |_| vec![ev("CONDITION", &other_condition, "UPDATED", "DRAFT", 2)],
    )
    .await;

    // Tokens and webhooks are not content: they change no document and record no
    // content event (webhook deliveries live in their own outbox table).
    let (data, _) = run
        .step(
            As::Admin,
            "mutation { createApiToken(name: \"event log\", role: EDITOR) { token { id } } }",
            json!({}),
            |_| vec![],
        )
        .await;
    let token = id_at(&data, "/createApiToken/token/id");
    run.step(
        As::Admin,
        "mutation($id: ID!) { revokeApiToken(id: $id) { id } }",
        json!({ "id": token }),
        |_| vec![],
    )
    .await;
    // People (staff who sign in to the editor) are not content either.
    let (data, _) = run
        .step(
            As::Admin,
            "mutation { invitePerson(input: { email: \"log@clinic.example\", name: \"Log\", role: EDITOR }) { person { id } } }",
            json!({}),
            |_| vec![],
        )
        .await;
    let person = id_at(&data, "/invitePerson/person/id");
    for mutation in [
        "mutation($id: ID!) { updatePerson(id: $id, input: { role: PREVIEW }) { id } }",
        "mutation($id: ID!) { reinvitePerson(id: $id) { code } }",
        "mutation($id: ID!) { disablePerson(id: $id) { id } }",
        "mutation($id: ID!) { enablePerson(id: $id) { id } }",
    ] {
        run.step(As::Admin, mutation, json!({ "id": person }), |_| vec![])
            .await;
    }
    let (data, _) = run
        .step(
            As::Admin,
            "mutation { createWebhook(input: { url: \"http://127.0.0.1:9/hook\" }) { webhook { id } } }",
            json!({}),
            |_| vec![],
        )
        .await;
    let webhook = id_at(&data, "/createWebhook/webhook/id");
    run.step(
        As::Admin,
        "mutation($id: ID!) { updateWebhook(id: $id, input: { actions: [UPDATED] }) { id } }",
        json!({ "id": webhook }),
        |_| vec![],
    )
    .await;
    // A change for the webhook, queued by the webhook consumer (driven by hand: no
    // background work runs here), and its delivery given up on.
    run.step(
        As::Editor,
        "mutation($id: ID!) { updateCondition(id: $id, expectedVersion: 2, input: { name: \"For the hook\" }) { version } }",
        json!({ "id": other_condition }),
        |_| vec![ev("CONDITION", &other_condition, "UPDATED", "DRAFT", 3)],
    )
    .await;
    clinic_content_api::log::consumer::catch_up(
        app.db(),
        &clinic_content_api::events::webhooks::WebhookConsumer,
    )
    .await
    .unwrap();
    let deliveries = app
        .data(
            As::Admin,
            "query($id: ID!) { webhookDeliveries(webhookId: $id) { id } }",
            json!({ "id": webhook }),
        )
        .await;
    let delivery = id_at(&deliveries, "/webhookDeliveries/0/id");
    entity::webhook_delivery::Entity::update_many()
        .col_expr(
            entity::webhook_delivery::Column::Status,
            Expr::value(code(entity::DeliveryStatus::Failed)),
        )
        .filter(entity::webhook_delivery::Column::Id.eq(Uuid::parse_str(&delivery).unwrap()))
        .exec(app.db().conn())
        .await
        .unwrap();
    run.step(
        As::Admin,
        "mutation($id: ID!) { retryWebhookDelivery(id: $id) { status } }",
        json!({ "id": delivery }),
        |_| vec![],
    )
    .await;
    run.step(
        As::Admin,
        "mutation($id: ID!) { deleteWebhook(id: $id) { id } }",
        json!({ "id": webhook }),
        |_| vec![],
    )
    .await;

    // Citations: a source, a clinic-wide FAQ answer citing it twice, publishing
    // the answer with its citations, and deleting the source with its citations.
    let (data, _) = run
        .step(
            As::Editor,
            "mutation { createCitation(input: { title: \"Trial\", authors: [\"Rabago D\"], publisher: \"Ann Fam Med\", doi: \"10.1370/afm.1504\" }) { id } }",
            json!({}),
            |d| vec![ev("CITATION", &id_at(d, "/createCitation/id"), "CREATED", "DRAFT", 1)],
        )
        .await;
    let source = id_at(&data, "/createCitation/id");
    run.step(
        As::Editor,
        "mutation($id: ID!) { updateCitation(id: $id, expectedVersion: 1, input: { year: 2013 }) { id } }",
        json!({ "id": source }),
        |_| vec![ev("CITATION", &source, "UPDATED", "DRAFT", 2)],
    )
    .await;
    run.step(
        As::Editor,
        "mutation($id: ID!) { publishCitation(id: $id) { id } }",
        json!({ "id": source }),
        |_| vec![ev("CITATION", &source, "PUBLISHED", "PUBLISHED", 2)],
    )
    .await;
    let (data, _) = run
        .step(
            As::Editor,
            "mutation { createFaq(input: { question: \"Cited?\", answer: \"Yes.\" }) { id } }",
            json!({}),
            |d| vec![ev("FAQ", &id_at(d, "/createFaq/id"), "CREATED", "DRAFT", 1)],
        )
        .await;
    let answer = id_at(&data, "/createFaq/id");
    let cite = "mutation($faq: ID!, $c: ID!) { cite(input: { claimType: FAQ, claimId: $faq, citationId: $c }) { id } }";
    let mut cited = Vec::new();
    for _ in 0..2 {
        let (data, _) = run
            .step(As::Editor, cite, json!({ "faq": answer, "c": source }), |d| {
                vec![ev("CLAIM_CITATION", &id_at(d, "/cite/id"), "LINKED", "DRAFT", 1)]
            })
            .await;
        cited.push(id_at(&data, "/cite/id"));
    }
    let [first, second] = <[String; 2]>::try_from(cited).unwrap();
    run.step(
        As::Editor,
        "mutation($id: ID!) { updateClaimCitation(id: $id, expectedVersion: 1, locator: \"p. 4\") { id } }",
        json!({ "id": first }),
        |_| vec![ev("CLAIM_CITATION", &first, "UPDATED", "DRAFT", 2)],
    )
    .await;
    run.step(
        As::Editor,
        "mutation($faq: ID!, $ids: [ID!]!) { reorderClaimCitations(claimId: $faq, ids: $ids) }",
        json!({ "faq": answer, "ids": [second, first] }),
        |_| {
            vec![
                ev("CLAIM_CITATION", &second, "REORDERED", "DRAFT", 2),
                ev("CLAIM_CITATION", &first, "REORDERED", "DRAFT", 3),
            ]
        },
    )
    .await;
    run.step(
        As::Editor,
        "mutation($id: ID!) { publishFaq(id: $id) { id } }",
        json!({ "id": answer }),
        |_| {
            vec![
                ev("FAQ", &answer, "PUBLISHED", "PUBLISHED", 1),
                ev("CLAIM_CITATION", &second, "PUBLISHED", "PUBLISHED", 2),
                ev("CLAIM_CITATION", &first, "PUBLISHED", "PUBLISHED", 3),
            ]
        },
    )
    .await;
    run.step(
        As::Editor,
        "mutation($id: ID!) { unpublishCitation(id: $id) { id } }",
        json!({ "id": source }),
        |_| vec![ev("CITATION", &source, "UNPUBLISHED", "PUBLISHED", 2)],
    )
    .await;
    run.step(
        As::Editor,
        "mutation($id: ID!) { uncite(id: $id) }",
        json!({ "id": second }),
        |_| vec![ev("CLAIM_CITATION", &second, "UNLINKED", "DRAFT", 2)],
    )
    .await;
    run.step(
        As::Editor,
        "mutation($id: ID!) { deleteCitation(id: $id) }",
        json!({ "id": source }),
        |_| {
            vec![
                ev("CITATION", &source, "DELETED", "DRAFT", 2),
                ev("CLAIM_CITATION", &first, "DELETED", "DRAFT", 3),
                ev("CLAIM_CITATION", &first, "DELETED", "PUBLISHED", 3),
                ev("CLAIM_CITATION", &second, "DELETED", "PUBLISHED", 2),
            ]
        },
    )
    .await;

    // A clinical review (reviewer tokens and admins): a document of its own.
    run.step(
        As::Admin,
        "mutation($c: ID!, $p: ID!) { recordReview(input: { subjectType: CONDITION, subjectId: $c, reviewerId: $p, reviewedOn: \"2026-01-15\" }) { id } }",
        json!({ "c": other_condition, "p": other_practitioner }),
        |d| vec![ev("REVIEW", &id_at(d, "/recordReview/id"), "CREATED", "DRAFT", 1)],
    )
    .await;

    // The seeded page was never touched.
    assert_eq!(
        app.data(
            As::Public,
            "query($id: ID!) { therapy(id: $id) { version } }",
            json!({ "id": prolotherapy }),
        )
        .await["therapy"]["version"],
        1
    );

    // Every mutation of the schema was run above.
    let schema = app
        .data(
            As::Admin,
            "{ __schema { mutationType { fields { name } } } }",
            json!({}),
        )
        .await;
    let all: BTreeSet<String> = schema["__schema"]["mutationType"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap().to_owned())
        .collect();
    let missed: Vec<_> = all.difference(&run.ran).collect();
    assert!(missed.is_empty(), "mutations not exercised: {missed:?}");
}

/// Runs a mutation that must fail with `code`, and asserts that the log did not change.
async fn fails_leaving_no_event(
    app: &TestApp,
    who: As,
    query: &str,
    variables: Value,
    expected_code: &str,
) -> Value {
    let (count, last) = (event_count(app).await, last_seq(app).await);
    let response = app.call(who, query, variables).await;
    assert_eq!(error_code(&response), expected_code, "{response:#}");
    assert_eq!(event_count(app).await, count, "{query}: the log grew");
    assert_eq!(last_seq(app).await, last, "{query}: the log grew");
    response
}

#[tokio::test]
async fn a_write_that_fails_leaves_no_event() {
    let app = TestApp::new().await;
    let therapy = prolotherapy_id(&app).await;
    let drafts = app
        .data(
            As::Editor,
            "{ knee: condition(slug: \"knee-pain\", stage: DRAFT) { id } fractures: condition(slug: \"fractures\", stage: DRAFT) { id } }",
            json!({}),
        )
        .await;
    let knee = drafts["knee"]["id"].clone();

    // A stale version.
    let response = fails_leaving_no_event(
        &app,
        As::Editor,
        "mutation($id: ID!) { updateTherapy(id: $id, expectedVersion: 7, input: { name: \"Lost\" }) { version } }",
        json!({ "id": therapy }),
        "CONFLICT",
    )
    .await;
    assert_eq!(response["errors"][0]["extensions"]["currentVersion"], 1);
    let latest = app
        .data(
            As::Editor,
            "query($id: ID!) { history(id: $id, first: 1) { nodes { id } } }",
            json!({ "id": therapy }),
        )
        .await;
    fails_leaving_no_event(
        &app,
        As::Editor,
        "mutation($id: ID!) { restoreRevision(revisionId: $id, expectedVersion: 7) { id } }",
        json!({ "id": latest["history"]["nodes"][0]["id"] }),
        "CONFLICT",
    )
    .await;

    // Bad input.
    fails_leaving_no_event(
        &app,
        As::Editor,
        "mutation { createCondition(input: { slug: \"Not A Slug!\", name: \"Bad\" }) { id } }",
        json!({}),
        "BAD_USER_INPUT",
    )
    .await;
    fails_leaving_no_event(
        &app,
        As::Editor,
        "mutation($id: ID!) { updateTherapy(id: $id, expectedVersion: 1, input: { slug: \"no spaces\" }) { version } }",
        json!({ "id": therapy }),
        "BAD_USER_INPUT",
    )
    .await;
    // A slug another condition's draft already has: refused by the database.
    fails_leaving_no_event(
        &app,
        As::Editor,
        "mutation($id: ID!) { updateCondition(id: $id, expectedVersion: 1, input: { slug: \"fractures\" }) { version } }",
        json!({ "id": knee }),
        "BAD_USER_INPUT",
    )
    .await;

    // Nothing there.
    let nobody = Uuid::now_v7().to_string();
    fails_leaving_no_event(
        &app,
        As::Editor,
        "mutation($id: ID!) { updateCondition(id: $id, expectedVersion: 1, input: { name: \"Ghost\" }) { version } }",
        json!({ "id": nobody }),
        "NOT_FOUND",
    )
    .await;
    fails_leaving_no_event(
        &app,
        As::Editor,
        "mutation($id: ID!) { deleteTherapy(id: $id) }",
        json!({ "id": nobody }),
        "NOT_FOUND",
    )
    .await;

    // Too weak a token, or none.
    fails_leaving_no_event(
        &app,
        As::Preview,
        "mutation { createCondition(input: { slug: \"from-preview\", name: \"From preview\" }) { id } }",
        json!({}),
        "FORBIDDEN",
    )
    .await;
    fails_leaving_no_event(
        &app,
        As::Editor,
        "mutation($id: ID!) { purgeDocument(id: $id) { id } }",
        json!({ "id": therapy }),
        "FORBIDDEN",
    )
    .await;
    fails_leaving_no_event(
        &app,
        As::Public,
        "mutation($id: ID!) { deleteTherapy(id: $id) }",
        json!({ "id": therapy }),
        "UNAUTHENTICATED",
    )
    .await;

    // A database error after rows were written: the draft takes a slug that another
    // condition's published copy still uses, so publishing fails after the old
    // published copy was taken away (see errors.rs).
    app.data(
        As::Editor,
        "mutation($id: ID!) { updateCondition(id: $id, expectedVersion: 1, input: { slug: \"broken-bones\" }) { slug } }",
        json!({ "id": drafts["fractures"]["id"] }),
    )
    .await;
    app.data(
        As::Editor,
        "mutation($id: ID!) { updateCondition(id: $id, expectedVersion: 1, input: { slug: \"fractures\", name: \"Renamed\" }) { slug } }",
        json!({ "id": knee }),
    )
    .await;
    fails_leaving_no_event(
        &app,
        As::Editor,
        "mutation($id: ID!) { publishCondition(id: $id) { id } }",
        json!({ "id": knee }),
        "BAD_USER_INPUT",
    )
    .await;
}

/// Makes every insert of a published section fail, as a database error would.
async fn refuse_published_sections(app: &TestApp) {
    let conn = app.db().conn();
    match conn.get_database_backend() {
        DatabaseBackend::Postgres => {
            conn.execute_unprepared(
                "CREATE FUNCTION refuse_published_section() RETURNS trigger LANGUAGE plpgsql AS $$ \
                 BEGIN IF NEW.stage = 'PUBLISHED' THEN RAISE EXCEPTION 'refused by the test'; END IF; RETURN NEW; END $$",
            )
            .await
            .unwrap();
            conn.execute_unprepared(
                "CREATE TRIGGER refuse_published_section BEFORE INSERT ON therapy_section \
                 FOR EACH ROW EXECUTE FUNCTION refuse_published_section()",
            )
            .await
            .unwrap();
        }
        _ => {
            conn.execute_unprepared(
                "CREATE TRIGGER refuse_published_section BEFORE INSERT ON therapy_section \
                 WHEN NEW.stage = 'PUBLISHED' BEGIN SELECT RAISE(ABORT, 'refused by the test'); END",
            )
            .await
            .unwrap();
        }
    }
}

async fn allow_published_sections(app: &TestApp) {
    let conn = app.db().conn();
    let sql = match conn.get_database_backend() {
        DatabaseBackend::Postgres => "DROP TRIGGER refuse_published_section ON therapy_section",
        _ => "DROP TRIGGER refuse_published_section",
    };
    conn.execute_unprepared(sql).await.unwrap();
}

#[tokio::test]
async fn a_write_that_fails_after_recording_events_takes_them_back() {
    let app = TestApp::new().await;
    let therapy = prolotherapy_id(&app).await;
    app.data(
        As::Editor,
        "mutation($id: ID!) { updateTherapy(id: $id, expectedVersion: 1, input: { name: \"Prolotherapy, edited\" }) { version } }",
        json!({ "id": therapy }),
    )
    .await;
    // A changed section, so that publishing must write a published section.
    let sections = app
        .data(
            As::Editor,
            "{ therapy(slug: \"prolotherapy\", stage: DRAFT) { sections { id } } }",
            json!({}),
        )
        .await;
    app.data(
        As::Editor,
        "mutation($id: ID!) { updateTherapySection(id: $id, expectedVersion: 1, input: { body: \"Edited.\" }) { version } }",
        json!({ "id": sections["therapy"]["sections"][0]["id"] }),
    )
    .await;
    refuse_published_sections(&app).await;

    // The therapy and its links are published (and recorded) before the sections
    // fail: the whole write, events included, is rolled back.
    let response = fails_leaving_no_event(
        &app,
        As::Editor,
        "mutation($id: ID!) { publishTherapy(id: $id, withChildren: true) { id } }",
        json!({ "id": therapy }),
        "INTERNAL",
    )
    .await;
    assert_eq!(response["data"], Value::Null);
    let public = app
        .data(
            As::Public,
            "{ therapy(slug: \"prolotherapy\") { name version } }",
            json!({}),
        )
        .await;
    assert_eq!(public["therapy"], json!({ "name": "Prolotherapy", "version": 1 }));

    // Once the database lets it, the same write records its events, after every
    // earlier one.
    allow_published_sections(&app).await;
    let last = last_seq(&app).await;
    app.data(
        As::Editor,
        "mutation($id: ID!) { publishTherapy(id: $id, withChildren: true) { id } }",
        json!({ "id": therapy }),
    )
    .await;
    let events = content_event::Entity::find()
        .filter(Column::Seq.gt(last))
        .order_by_asc(Column::Seq)
        .all(app.db().conn())
        .await
        .unwrap();
    assert!(
        events
            .iter()
            .any(|e| code(e.document_type) == "THERAPY_SECTION" && code(e.action) == "PUBLISHED")
    );
    assert!(events.windows(2).all(|w| w[0].seq < w[1].seq));
}
