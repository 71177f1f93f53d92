//! The committed `schema.graphql` is the schema the code serves.

#[test]
fn committed_schema_matches_the_code() {
    let committed = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql"))
        .expect("schema.graphql at the project root");
    let generated = clinic_content_api::graphql::sdl();
    assert!(
        committed == generated,
        "schema.graphql is stale: regenerate it with\n\n    cargo run -- schema > schema.graphql\n"
    );
}
