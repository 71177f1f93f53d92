//! The command line: migrate, seed, token management, schema, and the first start.

use std::process::Command;

use clinic_content_api::auth::{self, Identity, Role};
use serde_json::json;

use crate::helpers::{ServerProcess, TestDatabase};

fn cli(database: &TestDatabase, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_clinic-content-api"))
        .args(args)
        .env("DATABASE_URL", &database.url)
        .env("RUST_LOG", "warn")
        // The defaults the tests expect, whatever the developer's shell sets.
        .env_remove("LISTEN_ADDR")
        .env_remove("PUBLIC_BASE_URL")
        .env_remove("EDITOR_PATH")
        .output()
        .expect("run the binary")
}

fn stdout(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

#[test]
fn the_schema_command_prints_the_committed_sdl() {
    let output = Command::new(env!("CARGO_BIN_EXE_clinic-content-api"))
        .arg("schema")
        .output()
        .unwrap();
    assert!(output.status.success());
    assert_eq!(
        String::from_utf8(output.stdout).unwrap(),
        clinic_content_api::graphql::sdl()
    );
}

#[tokio::test]
async fn token_create_prints_a_secret_that_authenticates_with_its_role_and_revoke_ends_it() {
    let database = TestDatabase::new().await;
    let created = cli(
        &database,
        &["token", "create", "--name", "website", "--role", "preview"],
    );
    assert!(created.status.success(), "{created:?}");
    let secret = stdout(&created);

    let db = database.connect().await;
    let identity = auth::authenticate(db.conn(), Some(&format!("Bearer {secret}")))
        .await
        .unwrap();
    let Identity::Token { id, name, role } = identity else {
        panic!("not a token identity")
    };
    assert_eq!((name.as_str(), role), ("website", Role::Preview));

    let listed = cli(&database, &["token", "list"]);
    assert!(stdout(&listed).contains(&id.to_string()));
    assert!(!stdout(&listed).contains(&secret), "list must never show secrets");

    let revoked = cli(&database, &["token", "revoke", &id.to_string()]);
    assert!(revoked.status.success(), "{revoked:?}");
    assert!(
        auth::authenticate(db.conn(), Some(&format!("Bearer {secret}")))
            .await
            .is_err()
    );
}

#[tokio::test]
async fn migrate_then_seed_loads_the_page_once() {
    let database = TestDatabase::new().await;
    assert!(cli(&database, &["migrate"]).status.success());

    let seeded = cli(&database, &["seed"]);
    assert!(seeded.status.success(), "{seeded:?}");
    assert_eq!(
        stdout(&seeded),
        "loaded and published 1 therapies, 20 conditions, 1 practitioners"
    );

    let again = cli(&database, &["seed"]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already holds therapies"));
}

/// Starts `serve` on a free port, waits until it listens, and returns what it
/// printed to stderr by then and its address; the server is stopped with SIGTERM.
fn first_lines_of_serve(database: &TestDatabase) -> (String, String) {
    let server = ServerProcess::start(database);
    let (printed, address) = (server.printed.clone(), server.base());
    let status = server.terminate();
    assert!(
        status.success(),
        "serve did not shut down cleanly on SIGTERM: {status:?}\n{printed}"
    );
    (printed, format!("{address}/graphql"))
}

#[tokio::test]
async fn the_first_start_seeds_and_prints_one_admin_token_once() {
    let database = TestDatabase::new().await;

    let (first, address) = first_lines_of_serve(&database);
    assert!(address.starts_with("http://127.0.0.1:"), "{first}");
    let secret = first
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("cca_"))
        .unwrap_or_else(|| panic!("no admin token printed:\n{first}"))
        .to_owned();
    let db = database.connect().await;
    let identity = auth::authenticate(db.conn(), Some(&format!("Bearer {secret}")))
        .await
        .unwrap();
    assert_eq!(identity.role(), Some(Role::Admin));

    let (second, _) = first_lines_of_serve(&database);
    assert!(
        !second.contains("cca_"),
        "a second start printed a token:\n{second}"
    );

    let app = clinic_content_api::server::AppState::new(db);
    let request = async_graphql::Request::new("{ therapy(slug: \"prolotherapy\") { name } }");
    let response = app.execute(None, request).await.unwrap();
    assert_eq!(
        serde_json::to_value(&response.data).unwrap(),
        json!({ "therapy": { "name": "Prolotherapy" } })
    );
}

#[tokio::test]
async fn invite_prints_a_one_time_link_that_sets_the_persons_password() {
    let database = TestDatabase::new().await;
    let invited = cli(
        &database,
        &[
            "invite",
            "--email",
            "Ann@Clinic.example",
            "--name",
            "Ann Editor",
            "--role",
            "admin",
            "--base-url",
            "https://cms.clinic.example/",
        ],
    );
    assert!(invited.status.success(), "{invited:?}");
    let link = stdout(&invited);
    let code = link
        .strip_prefix("https://cms.clinic.example/editor/#/invite/")
        .unwrap_or_else(|| panic!("unexpected link {link}"));

    let db = database.connect().await;
    let person = clinic_content_api::people::accept_invite(db.conn(), code, "a long enough passphrase")
        .await
        .expect("the link's code sets the password");
    assert_eq!(
        (person.email.as_str(), person.role),
        ("ann@clinic.example", Role::Admin)
    );
    assert!(
        clinic_content_api::people::accept_invite(db.conn(), code, "a long enough passphrase")
            .await
            .is_err(),
        "the code works once"
    );

    // The same email again is refused; `--again` gives a new link instead.
    let twice = cli(
        &database,
        &[
            "invite",
            "--email",
            "ann@clinic.example",
            "--name",
            "A",
            "--role",
            "editor",
        ],
    );
    assert!(!twice.status.success());
    let again = cli(
        &database,
        &[
            "invite",
            "--email",
            "ann@clinic.example",
            "--name",
            "A",
            "--role",
            "admin",
            "--again",
        ],
    );
    assert!(again.status.success(), "{again:?}");
    assert!(stdout(&again).starts_with("http://127.0.0.1:8000/editor/#/invite/"));
}
