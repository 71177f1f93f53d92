//! Each limit at its edge: a document just under it passes the guard, one just
//! over it is refused with the limit's code. The schema here has no database, so
//! a document that passes fails later in a resolver; only the guard's verdict counts.

use std::time::{Duration, Instant};

use async_graphql::Schema;

use super::attacks::{fragment_bomb, nested_aliases, nested_aliases_two_hops};
use super::{LONG_DOCUMENT_BYTES, ParseLane, QueryGuard, QueryLimits};
use crate::auth::{Identity, Role};
use crate::graphql::samples::THERAPY_PAGE as PAGE;
use crate::graphql::{AppSchema, mutation, query, subscription};
use crate::observe::Metrics;

fn schema() -> AppSchema {
    Schema::build(
        query::QueryRoot::default(),
        mutation::MutationRoot::default(),
        subscription::SubscriptionRoot,
    )
    .extension(QueryGuard::new(QueryLimits::default(), Metrics::new()))
    .finish()
}

/// The limit code the guard refused `query` with, or `None` if it let it through.
async fn refusal_as(identity: Identity, query: &str) -> Option<(String, u64)> {
    let response = schema()
        .execute(async_graphql::Request::new(query).data(identity))
        .await;
    response.errors.iter().find_map(|error| {
        let extensions = error.extensions.as_ref()?;
        let code = match extensions.get("code")? {
            async_graphql::Value::String(code) => code.clone(),
            _ => return None,
        };
        let measured = match extensions.get("measured") {
            Some(async_graphql::Value::Number(n)) => n.as_u64().unwrap_or(0),
            _ => 0,
        };
        super::LIMIT_CODES
            .contains(&code.as_str())
            .then_some((code, measured))
    })
}

async fn refusal(query: &str) -> Option<(String, u64)> {
    refusal_as(Identity::Public, query).await
}

async fn assert_edge(under: &str, over: &str, code: &str) {
    assert_eq!(
        refusal(under).await,
        None,
        "just under the {code} limit: {under:.200}"
    );
    let refused = refusal(over).await.map(|(c, _)| c);
    assert_eq!(
        refused.as_deref(),
        Some(code),
        "just over the {code} limit: {over:.200}"
    );
}

#[tokio::test]
async fn the_reported_attacks_are_refused_in_microseconds() {
    for query in [
        nested_aliases(200),
        nested_aliases(600),
        fragment_bomb(10),
        fragment_bomb(30),
    ] {
        let started = Instant::now();
        let refused = refusal(&query).await;
        assert!(refused.is_some(), "not refused: {query:.300}");
        // Generous for a shared machine; the guard itself takes microseconds.
        assert!(
            started.elapsed() < Duration::from_millis(500),
            "{:?}",
            started.elapsed()
        );
    }
    // Refused at depth here (17 levels by this count); with one hop fewer it
    // fits the depth and its price refuses it.
    assert_eq!(refusal(&nested_aliases(200)).await.unwrap().0, "QUERY_TOO_DEEP");
    assert_eq!(
        refusal(&nested_aliases_two_hops(200)).await.unwrap().0,
        "QUERY_TOO_COMPLEX"
    );
    // 10 + 100 + … + 10^9 spreads, counted without expanding them.
    assert_eq!(
        refusal(&fragment_bomb(10)).await,
        Some(("QUERY_TOO_MANY_FRAGMENTS".to_owned(), 1_111_111_111))
    );
}

#[tokio::test]
async fn the_page_query_and_graphiql_introspection_pass() {
    assert_eq!(refusal(PAGE).await, None);
    assert_eq!(refusal(INTROSPECTION).await, None);
}

#[tokio::test]
async fn deep_introspection_of_types_inside_types_is_refused() {
    let query = "{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }";
    assert_eq!(
        refusal(query).await.map(|r| r.0).as_deref(),
        Some("QUERY_TOO_DEEP")
    );
}

#[tokio::test]
async fn depth_counts_fields_through_fragments() {
    // `__type` > `ofType` > … > `name`: `levels` fields deep, half of them
    // inside a fragment, with no list to make it costly.
    let nested = |levels: usize| {
        let inner = levels - 2;
        let chain = format!("{}name{}", "ofType { ".repeat(inner / 2), " }".repeat(inner / 2));
        let rest = inner - inner / 2;
        format!(
            "{{ __type(name: \"Therapy\") {{ ...F }} }} fragment F on __Type {{ {} {chain} {} }}",
            "ofType { ".repeat(rest),
            " }".repeat(rest)
        )
    };
    assert_edge(&nested(15), &nested(16), "QUERY_TOO_DEEP").await;
}

#[tokio::test]
async fn aliases_root_fields_and_directives_have_edges() {
    let aliases = |n: usize| {
        format!(
            "{{ therapy(slug: \"x\") {{ {} }} }}",
            (0..n).map(|i| format!("a{i}: slug ")).collect::<String>()
        )
    };
    assert_edge(&aliases(50), &aliases(51), "QUERY_TOO_MANY_ALIASES").await;

    let roots = |n: usize| format!("{{ {} }}", "__typename ".repeat(n));
    assert_edge(&roots(20), &roots(21), "QUERY_TOO_MANY_ROOT_FIELDS").await;

    let directives = |n: usize| {
        format!(
            "{{ therapy(slug: \"x\") {{ slug {} }} }}",
            "@include(if: true) ".repeat(n)
        )
    };
    assert_edge(&directives(50), &directives(51), "QUERY_TOO_MANY_DIRECTIVES").await;
}

#[tokio::test]
async fn fragment_spreads_have_an_edge() {
    // One fragment spread `n` times over two levels: 1 + n spreads.
    let spreads = |n: usize| {
        format!(
            "{{ therapy(slug: \"x\") {{ ...A }} }} fragment A on Therapy {{ {} }} fragment B on Therapy {{ slug }}",
            "...B ".repeat(n)
        )
    };
    assert_edge(&spreads(499), &spreads(500), "QUERY_TOO_MANY_FRAGMENTS").await;
}

#[tokio::test]
async fn cost_has_an_edge_and_tokens_may_spend_more() {
    // 5 × (1 + 500 × 9) + 2 × (1 + 500 × 2) + (1 + 246 × 2) = 25,000.
    let wide = "nodes { id slug name version createdAt updatedAt publishedAt stage }";
    let mut query = String::from("{ ");
    for i in 0..5 {
        query.push_str(&format!("w{i}: therapies(first: 500) {{ {wide} }} "));
    }
    for i in 0..2 {
        query.push_str(&format!("n{i}: therapies(first: 500) {{ nodes {{ id }} }} "));
    }
    query.push_str("last: therapies(first: 246) { nodes { id } } ");
    let under = format!("{query}}}");
    let over = format!("{query}__typename }}");
    assert_edge(&under, &over, "QUERY_TOO_COMPLEX").await;

    let editor = Identity::Token {
        id: uuid::Uuid::nil(),
        name: "editor".to_owned(),
        role: Role::Editor,
    };
    assert_eq!(
        refusal_as(editor, &over).await,
        None,
        "a token's budget is larger"
    );
}

#[tokio::test]
async fn text_length_tokens_and_bracket_nesting_have_edges() {
    // `{ a a … a }`: two brackets and n names.
    let tokens = |n: usize| format!("{{ {} }}", "a ".repeat(n));
    // Root fields would refuse first; measure tokens on text the parser rejects.
    let under = refusal(&tokens(3_998)).await.map(|r| r.0);
    assert_ne!(under.as_deref(), Some("QUERY_TOO_MANY_TOKENS"));
    assert_eq!(
        refusal(&tokens(3_999)).await.map(|r| r.0).as_deref(),
        Some("QUERY_TOO_MANY_TOKENS")
    );

    let padded = |bytes: usize| {
        let body = "{ __typename }";
        format!("{body}{}", " ".repeat(bytes - body.len()))
    };
    assert_edge(&padded(32 * 1024), &padded(32 * 1024 + 1), "QUERY_TOO_LONG").await;

    let brackets = "{".repeat(1_000);
    assert_eq!(
        refusal(&brackets).await.map(|r| r.0).as_deref(),
        Some("QUERY_TOO_DEEP")
    );
}

/// GraphiQL's introspection query (graphql-js `getIntrospectionQuery` with every option on).
const INTROSPECTION: &str = r#"query IntrospectionQuery {
  __schema {
    description
    queryType { name kind }
    mutationType { name kind }
    subscriptionType { name kind }
    types { ...FullType }
    directives { name description isRepeatable locations args(includeDeprecated: true) { ...InputValue } }
  }
}
fragment FullType on __Type {
  kind name description specifiedByURL isOneOf
  fields(includeDeprecated: true) {
    name description
    args(includeDeprecated: true) { ...InputValue }
    type { ...TypeRef }
    isDeprecated deprecationReason
  }
  inputFields(includeDeprecated: true) { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue {
  name description type { ...TypeRef } defaultValue isDeprecated deprecationReason
}
fragment TypeRef on __Type {
  kind name
  ofType { kind name ofType { kind name ofType { kind name ofType { kind name
    ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } } }
}"#;

/// The cost the guard measures for `query`, read from a refusal under a limit of 1.
async fn cost_of(query: &str) -> u64 {
    let schema = Schema::build(
        query::QueryRoot::default(),
        mutation::MutationRoot::default(),
        subscription::SubscriptionRoot,
    )
    .extension(QueryGuard::new(
        QueryLimits {
            max_cost: 1,
            ..QueryLimits::default()
        },
        Metrics::new(),
    ))
    .finish();
    let response = schema.execute(async_graphql::Request::new(query)).await;
    let extensions = response.errors[0].extensions.as_ref().unwrap();
    match extensions.get("measured") {
        Some(async_graphql::Value::Number(n)) => n.as_u64().unwrap(),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn the_readme_quotes_the_page_and_list_costs() {
    assert_eq!(cost_of(PAGE).await, 504);
    let list = "{ therapies(first: 100) { nodes { name summary { plainText } } } }";
    assert_eq!(cost_of(list).await, 401);
}

/// While one long document is being parsed, the next long one waits its turn and a
/// short one goes straight through: a flood of long documents holds one core.
#[tokio::test]
async fn long_documents_take_turns_to_be_parsed_and_short_ones_never_wait() {
    use futures_util::FutureExt;

    let lane = ParseLane::default();
    let schema = Schema::build(
        query::QueryRoot::default(),
        mutation::MutationRoot::default(),
        subscription::SubscriptionRoot,
    )
    .extension(QueryGuard::new(QueryLimits::default(), Metrics::new()).with_parse_lane(lane.clone()))
    .finish();
    // Long by a comment, so every other limit is far off.
    let long = format!("# {}\n{{ __typename }}", "x".repeat(LONG_DOCUMENT_BYTES));

    let parsing = lane.enter(&long).await.expect("a long document takes the lane");
    let waiting = schema
        .execute(async_graphql::Request::new(long.as_str()))
        .now_or_never();
    let short = tokio::time::timeout(Duration::from_secs(5), schema.execute("{ __typename }")).await;
    drop(parsing);
    let after = schema.execute(async_graphql::Request::new(long.as_str())).await;

    assert!(
        waiting.is_none(),
        "a long document was parsed while the lane was taken"
    );
    let short = short.expect("a short document does not wait for the lane");
    assert_eq!(short.data.to_string(), r#"{__typename: "QueryRoot"}"#);
    assert_eq!(after.data.to_string(), r#"{__typename: "QueryRoot"}"#);
}
