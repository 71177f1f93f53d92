//! A property test of the whole public surface over HTTP: arbitrary strings (NUL,
//! huge, unicode, control characters), numbers (`i32::MIN`/`MAX`, negatives), ids
//! (real, random, malformed) and cursors (real, forged, garbage) for every argument
//! of every root query and mutation. No answer may carry `INTERNAL` or be a 5xx.
//!
//! Arguments are generated from the served schema (introspection), so a field or
//! argument added later is covered the day it is added; a scalar the generator does
//! not know fails the test, and a meta-check asserts that every root field of the
//! schema ran with every one of its arguments.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use clinic_content_api::server::HttpSettings;

use crate::helpers::{As, TestApp, prolotherapy_id};

/// Cases per root field: enough to reach every argument many times, few enough
/// that one run stays well under a minute on either database.
const CASES_PER_FIELD: u32 = 24;

const INTROSPECTION: &str = r#"{ __schema {
    queryType { name } mutationType { name }
    types { kind name
      fields { name args { name type { ...Ref } } type { ...Ref } }
      inputFields { name type { ...Ref } }
      enumValues { name } } }
  }
  fragment Ref on __Type { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } }"#;

/// A GraphQL type reference.
#[derive(Debug, Clone)]
enum Ty {
    NonNull(Box<Ty>),
    List(Box<Ty>),
    Named(String),
}

impl Ty {
    fn parse(value: &Value) -> Self {
        match value["kind"].as_str() {
            Some("NON_NULL") => Self::NonNull(Box::new(Self::parse(&value["ofType"]))),
            Some("LIST") => Self::List(Box::new(Self::parse(&value["ofType"]))),
            _ => Self::Named(value["name"].as_str().expect("a named type").to_owned()),
        }
    }

    fn sdl(&self) -> String {
        match self {
            Self::NonNull(inner) => format!("{}!", inner.sdl()),
            Self::List(inner) => format!("[{}]", inner.sdl()),
            Self::Named(name) => name.clone(),
        }
    }

    fn named(&self) -> &str {
        match self {
            Self::NonNull(inner) | Self::List(inner) => inner.named(),
            Self::Named(name) => name,
        }
    }
}

/// One root field: its name, its arguments and what it returns.
#[derive(Debug, Clone)]
struct RootField {
    operation: &'static str,
    name: String,
    args: Vec<(String, Ty)>,
    returns: Ty,
}

/// The introspected schema: types by name, and the root fields.
struct Schema {
    types: BTreeMap<String, Value>,
    roots: Vec<RootField>,
}

impl Schema {
    async fn of(app: &TestApp) -> Self {
        let (_, body) = app
            .post(app.header(As::Admin).as_deref(), INTROSPECTION, json!({}))
            .await;
        let schema = &body["data"]["__schema"];
        let types: BTreeMap<String, Value> = schema["types"]
            .as_array()
            .expect("types")
            .iter()
            .map(|t| (t["name"].as_str().unwrap_or_default().to_owned(), t.clone()))
            .collect();
        let mut roots = Vec::new();
        for (operation, root) in [("query", "queryType"), ("mutation", "mutationType")] {
            let name = schema[root]["name"].as_str().expect("root type");
            for field in types[name]["fields"].as_array().expect("root fields") {
                roots.push(RootField {
                    operation,
                    name: field["name"].as_str().unwrap_or_default().to_owned(),
                    args: field["args"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .map(|a| {
                            (
                                a["name"].as_str().unwrap_or_default().to_owned(),
                                Ty::parse(&a["type"]),
                            )
                        })
                        .collect(),
                    returns: Ty::parse(&field["type"]),
                });
            }
        }
        Self { types, roots }
    }

    fn kind(&self, name: &str) -> &str {
        self.types
            .get(name)
            .and_then(|t| t["kind"].as_str())
            .unwrap_or_default()
    }
}

/// Real values of the seeded database, mixed into the arbitrary ones so that
/// generated calls also get past "not found" into the code behind it.
struct Pools {
    /// Every real id (documents, links, tokens, webhooks, revisions).
    ids: Vec<String>,
    /// Real ids by the argument names they fit (`therapyId`, `practitionerIds`…).
    ids_for: BTreeMap<&'static str, Vec<String>>,
    cursors: Vec<String>,
    words: Vec<String>,
}

impl Pools {
    async fn of(app: &TestApp) -> Self {
        let therapy = prolotherapy_id(app).await;
        let admin = app.header(As::Admin);
        let (_, webhook) = app
            .post(
                admin.as_deref(),
                "mutation { createWebhook(input: { url: \"http://127.0.0.1:9/hook\" }) { webhook { id } } }",
                json!({}),
            )
            .await;
        // Inactive, so the generated writes queue no deliveries to it.
        app.post(
            admin.as_deref(),
            "mutation($id: ID!) { updateWebhook(id: $id, input: { active: false }) { id } }",
            json!({ "id": webhook["data"]["createWebhook"]["webhook"]["id"] }),
        )
        .await;
        let (_, data) = app
            .post(
                admin.as_deref(),
                r#"query($t: ID!) {
                  conditions(stage: DRAFT, first: 100) { edges { cursor node { id } } }
                  byUpdate: conditions(stage: DRAFT, orderBy: { field: UPDATED_AT }) { edges { cursor } }
                  byCreation: therapies(stage: DRAFT, orderBy: { field: CREATED_AT, direction: DESC }) { edges { cursor } }
                  practitioners(stage: DRAFT) { edges { cursor node { id } } }
                  therapySections(stage: DRAFT) { edges { cursor node { id } } }
                  benefits(stage: DRAFT, orderBy: { field: NAME }) { edges { cursor node { id } } }
                  faqs(stage: DRAFT, first: 100) { edges { cursor node { id } } }
                  therapy(id: $t, stage: DRAFT) { conditions { id } }
                  apiTokens { id name }
                  history(id: $t) { edges { cursor node { id } } }
                  changes(first: 3) { cursor }
                }"#,
                json!({ "t": therapy }),
            )
            .await;
        let data = &data["data"];
        let strings = |values: Vec<&Value>| -> Vec<String> {
            values
                .into_iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        };
        let edges = |list: &str, key: &str| -> Vec<String> {
            strings(
                data[list]["edges"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|edge| {
                        if key == "cursor" {
                            &edge["cursor"]
                        } else {
                            &edge["node"]["id"]
                        }
                    })
                    .collect(),
            )
        };
        let lists = [
            "conditions",
            "practitioners",
            "therapySections",
            "benefits",
            "faqs",
            "history",
        ];
        let mut cursors: Vec<String> = ["byUpdate", "byCreation"]
            .iter()
            .chain(&lists)
            .flat_map(|list| edges(list, "cursor"))
            .collect();
        cursors.extend(strings(vec![&data["changes"]["cursor"]]));
        let links = strings(
            data["therapy"]["conditions"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|link| &link["id"])
                .collect(),
        );
        // Never the admin token the test calls with: revoking it would end the test's reach.
        let tokens = strings(
            data["apiTokens"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|token| token["name"] != "test admin")
                .map(|token| &token["id"])
                .collect(),
        );
        let webhooks = strings(vec![&webhook["data"]["createWebhook"]["webhook"]["id"]]);
        // By argument name, and by the kind a field's `id`/`ids` names (see `id_hint`).
        let ids_for = BTreeMap::from([
            ("therapyId", vec![therapy.clone()]),
            ("conditionId", edges("conditions", "id")),
            ("practitionerId", edges("practitioners", "id")),
            ("practitionerIds", edges("practitioners", "id")),
            ("webhookId", webhooks.clone()),
            ("revisionId", edges("history", "id")),
            ("actorId", tokens.clone()),
            ("therapy", vec![therapy.clone()]),
            ("condition", edges("conditions", "id")),
            ("practitioner", edges("practitioners", "id")),
            ("therapysection", edges("therapySections", "id")),
            ("benefit", edges("benefits", "id")),
            ("faq", edges("faqs", "id")),
            ("therapycondition", links),
            ("apitoken", tokens),
            ("webhook", webhooks),
        ]);
        let mut ids: Vec<String> = ids_for.values().flatten().cloned().collect();
        ids.sort();
        ids.dedup();
        assert!(ids.len() > 20 && cursors.len() > 20, "pools too small: {data:#}");
        let words = [
            "prolotherapy",
            "knee-pain",
            "Prolotherapy",
            "Knee pain",
            "pain",
            "Lower back",
            "http://127.0.0.1:9/hook",
            "https://example.invalid/h?q=%00",
            "",
            " ",
        ]
        .map(str::to_owned)
        .to_vec();
        Self {
            ids,
            ids_for,
            cursors,
            words,
        }
    }
}

fn text(pools: &Pools, small: bool) -> BoxedStrategy<String> {
    let known = select(pools.words.clone());
    let odd = prop_oneof![
        Just('\0'),
        Just('\u{1}'),
        Just('\n'),
        Just('\r'),
        Just('\t'),
        Just('\u{7f}'),
        Just('\u{200b}'),
        Just('\u{feff}'),
        Just('é'),
        Just('𝄞'),
        Just('a'),
        Just('-'),
        Just('%'),
        Just('_'),
        Just('\\'),
        Just('\''),
        Just('"'),
    ];
    let with_nul = (known.clone(), any::<prop::sample::Index>()).prop_map(|(word, at)| {
        let chars: Vec<char> = word.chars().collect();
        let at = at.index(chars.len() + 1);
        chars[..at]
            .iter()
            .chain(['\0'].iter())
            .chain(chars[at..].iter())
            .collect()
    });
    let mut choices: Vec<(u32, BoxedStrategy<String>)> = vec![
        (3, known.boxed()),
        (3, vec(any::<char>(), 0..24).prop_map(String::from_iter).boxed()),
        (2, vec(odd, 0..16).prop_map(String::from_iter).boxed()),
        (2, with_nul.boxed()),
    ];
    if !small {
        // Around every limit of the limits table and the cursor cap, in one- and two-byte letters.
        let lengths = select(vec![
            119, 120, 121, 200, 201, 299, 300, 301, 499, 500, 501, 1_999, 2_000, 2_001, 8_193, 12_000,
        ]);
        let long = (lengths, select(vec!["x", "é", "\0"])).prop_map(|(n, unit)| unit.repeat(n));
        choices.push((1, long.boxed()));
    }
    proptest::strategy::Union::new_weighted(choices).boxed()
}

fn int() -> BoxedStrategy<i64> {
    prop_oneof![
        2 => select(vec![
            i32::MIN, -1, 0, 1, 2, 3, 20, 99, 100, 101, 499, 500, 501, 1_000, 1_001, 10_000, 10_001,
            1_000_000, 1_000_001, i32::MAX - 1, i32::MAX,
        ]),
        1 => any::<i32>(),
        1 => 0..5i32,
    ]
    .prop_map(i64::from)
    .boxed()
}

fn id(pools: &Pools, name: &str) -> BoxedStrategy<String> {
    let fitting = pools.ids_for.get(name).filter(|ids| !ids.is_empty());
    let real = match fitting {
        // An argument that names a kind mostly gets one of that kind, so calls go deep.
        Some(fitting) => prop_oneof![3 => select(fitting.clone()), 1 => select(pools.ids.clone())].boxed(),
        None => select(pools.ids.clone()).boxed(),
    };
    prop_oneof![
        4 => real,
        1 => any::<u128>().prop_map(|n| Uuid::from_u128(n).to_string()),
        1 => select(vec![
            Uuid::nil().to_string(),
            "-1".to_owned(),
            "0".to_owned(),
            "1".to_owned(),
            i64::MAX.to_string(),
            "99999999999999999999".to_owned(),
            "01900000-0000-7000-8000-00000000000\u{0}".to_owned(),
        ]),
        1 => text(pools, true),
    ]
    .boxed()
}

fn cursor(pools: &Pools) -> BoxedStrategy<String> {
    let key = prop_oneof![
        text(pools, true).prop_map(|s| json!({ "Text": s })),
        any::<i64>().prop_map(|n| json!({ "Int": n })),
        select(vec![
            "2020-01-01T00:00:00Z",
            "+200000-01-01T00:00:00Z",
            "-0001-01-01T00:00:00Z",
            "x"
        ])
        .prop_map(|t| json!({ "Time": t })),
        Just(Value::Null),
    ];
    let ordering = select(vec!["NAME", "POSITION", "UPDATED_AT", "CREATED_AT", "x"]);
    let forged = (ordering, key, any::<u128>()).prop_map(|(by, key, id)| {
        URL_SAFE_NO_PAD.encode(json!({ "by": by, "key": key, "id": Uuid::from_u128(id) }).to_string())
    });
    let seq = (select(vec!["event", "feed", "x"]), any::<i64>())
        .prop_map(|(tag, n)| URL_SAFE_NO_PAD.encode(format!("{tag}:{n}")));
    prop_oneof![
        3 => select(pools.cursors.clone()),
        2 => forged,
        1 => seq,
        1 => vec(any::<u8>(), 0..64).prop_map(|bytes| URL_SAFE_NO_PAD.encode(bytes)),
        1 => text(pools, false),
    ]
    .boxed()
}

fn date_time(pools: &Pools) -> BoxedStrategy<String> {
    prop_oneof![
        3 => select(vec![
            "2020-01-01T00:00:00Z",
            "0000-01-01T00:00:00Z",
            "9999-12-31T23:59:59.999999Z",
            "1970-01-01T00:00:00+14:00",
            "2100-02-29T00:00:00Z",
        ])
        .prop_map(str::to_owned),
        1 => text(pools, true),
    ]
    .boxed()
}

fn date(pools: &Pools) -> BoxedStrategy<String> {
    prop_oneof![
        3 => select(vec!["2026-01-01", "0000-01-01", "9999-12-31", "2100-02-29", "+262142-12-31", "2026-13-01"])
            .prop_map(str::to_owned),
        1 => text(pools, true),
    ]
    .boxed()
}

/// Values of `ty`; `None` leaves a nullable argument or field out.
fn value(schema: &Schema, pools: &Pools, ty: &Ty, name: &str, small: bool) -> BoxedStrategy<Option<Value>> {
    match ty {
        Ty::NonNull(inner) => present(schema, pools, inner, name, small).prop_map(Some).boxed(),
        // Left out half the time: calls with fewer arguments get further before a refusal.
        nullable => prop_oneof![
            1 => Just(None),
            1 => present(schema, pools, nullable, name, small).prop_map(Some),
        ]
        .boxed(),
    }
}

/// A value of `ty`, never left out (a nullable element may still be `null`).
fn present(schema: &Schema, pools: &Pools, ty: &Ty, name: &str, small: bool) -> BoxedStrategy<Value> {
    match ty {
        Ty::NonNull(inner) => present(schema, pools, inner, name, small),
        Ty::List(inner) => {
            let element = value(schema, pools, inner, name, true)
                .prop_map(|v| v.unwrap_or(Value::Null))
                .boxed();
            // Short lists, lists around the cap of 100, and one past the reorder cap.
            prop_oneof![
                8 => vec(element.clone(), 0..4),
                2 => vec(element.clone(), 95..=105),
                1 => vec(element, 1_001..=1_001),
            ]
            .prop_map(Value::Array)
            .boxed()
        }
        Ty::Named(type_name) => named(schema, pools, type_name, name, small),
    }
}

fn named(schema: &Schema, pools: &Pools, type_name: &str, name: &str, small: bool) -> BoxedStrategy<Value> {
    match (schema.kind(type_name), type_name) {
        (_, "String") if matches!(name, "after" | "before" | "since") => {
            cursor(pools).prop_map(Value::from).boxed()
        }
        (_, "String") => text(pools, small).prop_map(Value::from).boxed(),
        (_, "ID") => id(pools, name).prop_map(Value::from).boxed(),
        // Versions of seeded documents are small: some calls get past the version check.
        (_, "Int") if name == "expectedVersion" => prop_oneof![1 => int(), 1 => 1..4i64]
            .prop_map(Value::from)
            .boxed(),
        (_, "Int") => int().prop_map(Value::from).boxed(),
        (_, "Boolean") => any::<bool>().prop_map(Value::from).boxed(),
        (_, "DateTime") => date_time(pools).prop_map(Value::from).boxed(),
        (_, "NaiveDate") => date(pools).prop_map(Value::from).boxed(),
        ("ENUM", _) => {
            let values: Vec<Value> = schema.types[type_name]["enumValues"]
                .as_array()
                .expect("enum values")
                .iter()
                .map(|v| v["name"].clone())
                .collect();
            select(values).boxed()
        }
        ("INPUT_OBJECT", _) => {
            let fields: Vec<(String, Ty)> = schema.types[type_name]["inputFields"]
                .as_array()
                .expect("input fields")
                .iter()
                .map(|f| {
                    (
                        f["name"].as_str().unwrap_or_default().to_owned(),
                        Ty::parse(&f["type"]),
                    )
                })
                .collect();
            let strategies: Vec<BoxedStrategy<Option<Value>>> = fields
                .iter()
                .map(|(field, ty)| value(schema, pools, ty, field, small))
                .collect();
            let names: Vec<String> = fields.into_iter().map(|(field, _)| field).collect();
            strategies
                .prop_map(move |values| {
                    let object: Map<String, Value> = names
                        .iter()
                        .zip(values)
                        .filter_map(|(name, value)| Some((name.clone(), value?)))
                        .collect();
                    Value::Object(object)
                })
                .boxed()
        }
        (kind, _) => panic!(
            "the hostile-input generator has no values for {kind} {type_name} (argument {name}): add a strategy"
        ),
    }
}

/// The name the generator knows an argument by: `id` and `ids` take the kind their
/// field names (`publishTherapySection(id:)` → `therapysection`), others their own name.
fn id_hint<'a>(pools: &Pools, field: &str, arg: &'a str) -> std::borrow::Cow<'a, str> {
    if !matches!(arg, "id" | "ids") {
        return arg.into();
    }
    let field = field.to_lowercase();
    pools
        .ids_for
        .keys()
        .filter(|kind| kind.chars().all(|c| c.is_ascii_lowercase()) && field.contains(*kind))
        .max_by_key(|kind| kind.len())
        .map_or(arg.into(), |kind| (*kind).into())
}

/// The document sent for a root field: every argument a variable, the least selection.
fn document(schema: &Schema, field: &RootField) -> String {
    let declarations: Vec<String> = field
        .args
        .iter()
        .map(|(name, ty)| format!("${name}: {}", ty.sdl()))
        .collect();
    let uses: Vec<String> = field
        .args
        .iter()
        .map(|(name, _)| format!("{name}: ${name}"))
        .collect();
    let selection = match schema.kind(field.returns.named()) {
        "OBJECT" | "INTERFACE" | "UNION" => " { __typename }",
        _ => "",
    };
    let (declarations, uses) = if field.args.is_empty() {
        (String::new(), String::new())
    } else {
        (
            format!("({})", declarations.join(", ")),
            format!("({})", uses.join(", ")),
        )
    };
    format!(
        "{} Hostile{declarations} {{ {}{uses}{selection} }}",
        field.operation, field.name
    )
}

/// Mutations that take content away run last, so that the others still find it.
fn destructive(field: &RootField) -> bool {
    ["delete", "purge", "revoke", "unlink", "unpublish"]
        .iter()
        .any(|verb| field.name.starts_with(verb))
}

fn shorten(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() > 2_000 {
        let head: String = text.chars().take(2_000).collect();
        format!("{head}… ({} bytes)", text.len())
    } else {
        text
    }
}

/// Fails unless the answer is below 500 and no error in it is `INTERNAL`.
async fn answer_is_not_internal(app: &TestApp, who: As, query: &str, variables: Value) -> Result<(), String> {
    let (status, body) = app
        .post(app.header(who).as_deref(), query, variables.clone())
        .await;
    let internal = body["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|e| e["extensions"]["code"] == "INTERNAL");
    if status >= 500 || internal {
        return Err(format!(
            "{query}\nas {who:?} with {}\nanswered {status}: {}",
            shorten(&variables),
            shorten(&body)
        ));
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_input_to_any_root_field_is_answered_internal_or_5xx() {
    // The production body limit: every generated request fits, so each one reaches the API.
    let app = TestApp::spawn_with(HttpSettings::default()).await;
    let schema = Schema::of(&app).await;
    let pools = Pools::of(&app).await;
    let mut fields = schema.roots.clone();
    // Deleting the therapy takes its sections, benefits and FAQ with it: that goes last.
    fields.sort_by_key(|f| {
        (
            f.operation == "mutation",
            destructive(f),
            f.name == "deleteTherapy",
        )
    });
    let exercised: Arc<Mutex<BTreeMap<String, BTreeSet<String>>>> = Arc::default();
    let handle = tokio::runtime::Handle::current();

    for field in &fields {
        let query = document(&schema, field);
        let args: Vec<BoxedStrategy<Option<Value>>> = field
            .args
            .iter()
            .map(|(name, ty)| value(&schema, &pools, ty, &id_hint(&pools, &field.name, name), false))
            .collect();
        let callers = if field.operation == "query" {
            vec![As::Public, As::Admin]
        } else {
            vec![As::Admin]
        };
        let cases = (args, select(callers));
        let config = Config {
            cases: CASES_PER_FIELD,
            failure_persistence: None,
            ..Config::default()
        };
        let mut runner = TestRunner::new(config);
        let result = tokio::task::block_in_place(|| {
            runner.run(&cases, |(values, who)| {
                let mut variables = Map::new();
                for ((name, _), value) in field.args.iter().zip(values) {
                    if let Some(value) = value {
                        if !value.is_null() {
                            exercised
                                .lock()
                                .unwrap()
                                .entry(field.name.clone())
                                .or_default()
                                .insert(name.clone());
                        }
                        variables.insert(name.clone(), value);
                    }
                }
                exercised.lock().unwrap().entry(field.name.clone()).or_default();
                handle
                    .block_on(answer_is_not_internal(
                        &app,
                        who,
                        &query,
                        Value::Object(variables),
                    ))
                    .map_err(TestCaseError::fail)
            })
        });
        if let Err(failure) = result {
            panic!("{}: {failure}", field.name);
        }
    }

    // Every root field of the schema ran, with each of its arguments given at least once.
    let exercised = exercised.lock().unwrap().clone();
    let expected: BTreeMap<String, BTreeSet<String>> = schema
        .roots
        .iter()
        .map(|f| {
            (
                f.name.clone(),
                f.args.iter().map(|(name, _)| name.clone()).collect(),
            )
        })
        .collect();
    assert_eq!(exercised, expected);
}
