//! Test harness: fresh databases, the app in-process or over real HTTP, tokens for
//! every role, and GraphQL calls that return JSON.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use clinic_content_api::auth::{self, Role};
use clinic_content_api::db::Database;
use clinic_content_api::events::webhooks::{AllowList, WebhookSettings};
use clinic_content_api::observe::Metrics;
use clinic_content_api::seed;
use clinic_content_api::server::{self, AppState, HttpSettings};
use serde_json::{Value, json};
use uuid::Uuid;

/// Set to a PostgreSQL URL (e.g. `postgres://postgres@127.0.0.1:5432/test`) to run
/// every test on PostgreSQL, each in a database of its own.
pub const POSTGRES_URL_VAR: &str = "TEST_DATABASE_URL";

/// A database that exists for one test and is removed afterwards.
pub struct TestDatabase {
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    SqliteFile(std::path::PathBuf),
    Postgres { admin_url: String, name: String },
}

impl TestDatabase {
    pub async fn new() -> Self {
        init_logging();
        match std::env::var(POSTGRES_URL_VAR).ok().filter(|u| !u.is_empty()) {
            Some(admin_url) => {
                let name = format!("cca_test_{}", Uuid::new_v4().simple());
                let admin = Database::connect(&admin_url, 1)
                    .await
                    .expect("connect to TEST_DATABASE_URL");
                sea_orm::ConnectionTrait::execute_unprepared(
                    admin.conn(),
                    &format!("CREATE DATABASE \"{name}\""),
                )
                .await
                .expect("create test database");
                let url = with_database_name(&admin_url, &name);
                Self {
                    url,
                    cleanup: Cleanup::Postgres { admin_url, name },
                }
            }
            None => Self::sqlite(),
        }
    }

    /// A temporary SQLite database, whatever `TEST_DATABASE_URL` says (the
    /// embedded default a clinic moves its content from).
    pub fn sqlite() -> Self {
        init_logging();
        let path = std::env::temp_dir().join(format!("cca-test-{}.db", Uuid::new_v4().simple()));
        let url = format!("sqlite://{}?mode=rwc", path.display());
        Self {
            url,
            cleanup: Cleanup::SqliteFile(path),
        }
    }

    pub async fn connect(&self) -> Database {
        Database::connect_and_migrate(&self.url, 8)
            .await
            .expect("connect to test database")
    }
}

fn with_database_name(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let root = match base.rfind('/') {
        Some(i) if i > base.find("//").map_or(0, |j| j + 1) => &base[..i],
        _ => base,
    };
    match query {
        Some(q) => format!("{root}/{name}?{q}"),
        None => format!("{root}/{name}"),
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::SqliteFile(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
            Cleanup::Postgres { admin_url, name } => {
                let (admin_url, name) = (admin_url.clone(), name.clone());
                // Drop runs outside async; a short-lived runtime on its own thread does the drop.
                let _ = std::thread::spawn(move || {
                    let runtime = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .ok()?;
                    runtime.block_on(async {
                        let admin = Database::connect(&admin_url, 1).await.ok()?;
                        let sql = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
                        sea_orm::ConnectionTrait::execute_unprepared(admin.conn(), &sql)
                            .await
                            .ok()
                    })
                })
                .join();
            }
        }
    }
}

fn init_logging() {
    if std::env::var_os("TEST_LOG").is_some() {
        clinic_content_api::telemetry::init(clinic_content_api::config::LogFormat::Pretty);
    }
}

/// Secrets of one token per role.
pub struct Tokens {
    pub preview: String,
    pub editor: String,
    pub admin: String,
}

/// The application on a fresh database, seeded with the default content.
pub struct TestApp {
    pub state: AppState,
    pub tokens: Tokens,
    /// SQL statements run so far (see [`TestApp::count_statements`]).
    statements: Arc<AtomicUsize>,
    /// Base URL when served over HTTP (`spawn`).
    pub address: Option<String>,
    /// Held so that the database lives exactly as long as the test.
    _database: TestDatabase,
}

/// Who makes a call.
#[derive(Clone, Copy, Debug)]
pub enum As {
    Public,
    Preview,
    Editor,
    Admin,
}

impl TestApp {
    /// Seeded app, called in-process (fast).
    pub async fn new() -> Self {
        Self::build(true, test_webhook_allow_list()).await
    }

    /// An app with an empty database (no seed content).
    pub async fn empty() -> Self {
        Self::build(false, test_webhook_allow_list()).await
    }

    /// Seeded app, called in-process, whose webhooks may reach public addresses and `allowed`.
    pub async fn with_webhook_allow_list(allowed: AllowList) -> Self {
        Self::build(true, allowed).await
    }

    /// Seeded app whose database `prepare` changes first (to stand in for one an
    /// older version of the server left behind, say).
    pub async fn seeded_then(prepare: impl AsyncFnOnce(&Database)) -> Self {
        Self::build_with(true, test_webhook_allow_list(), prepare).await
    }

    /// Seeded app, called in-process, on a temporary SQLite database whatever
    /// `TEST_DATABASE_URL` says.
    pub async fn seeded_on_sqlite() -> Self {
        let noop = async |_: &Database| {};
        Self::build_on(TestDatabase::sqlite(), true, test_webhook_allow_list(), noop).await
    }

    async fn build(seeded: bool, webhook_allow_list: AllowList) -> Self {
        Self::build_with(seeded, webhook_allow_list, async |_: &Database| {}).await
    }

    async fn build_with(
        seeded: bool,
        webhook_allow_list: AllowList,
        prepare: impl AsyncFnOnce(&Database),
    ) -> Self {
        Self::build_on(TestDatabase::new().await, seeded, webhook_allow_list, prepare).await
    }

    async fn build_on(
        database: TestDatabase,
        seeded: bool,
        webhook_allow_list: AllowList,
        prepare: impl AsyncFnOnce(&Database),
    ) -> Self {
        let mut db = database.connect().await;
        let statements = Arc::new(AtomicUsize::new(0));
        let counter = statements.clone();
        db.set_metric_callback(move |info| {
            // What the instance's own background work reads and writes (the event
            // tailer, the webhook consumer and worker) is not a request's doing.
            let sql = &info.statement.sql;
            if !sql.contains("content_event") && !sql.contains("webhook") && !sql.contains("event_checkpoint")
            {
                counter.fetch_add(1, Ordering::SeqCst);
            }
        });
        if seeded {
            seed::load_default(&db).await.expect("seed loads");
        }
        prepare(&db).await;
        let conn = db.conn();
        let tokens = Tokens {
            preview: auth::create_token(conn, "test preview", Role::Preview)
                .await
                .unwrap()
                .1,
            editor: auth::create_token(conn, "test editor", Role::Editor)
                .await
                .unwrap()
                .1,
            admin: auth::create_token(conn, "test admin", Role::Admin)
                .await
                .unwrap()
                .1,
        };
        Self {
            state: AppState::with_webhook_allow_list(db, webhook_allow_list),
            tokens,
            statements,
            address: None,
            _database: database,
        }
    }

    /// Seeded app served over real HTTP on a free loopback port.
    pub async fn spawn() -> Self {
        Self::spawn_with_webhook_allow_list(test_webhook_allow_list()).await
    }

    /// Seeded app served over real HTTP, whose webhooks may reach public addresses and `allowed`.
    pub async fn spawn_with_webhook_allow_list(allowed: AllowList) -> Self {
        Self::spawn_with(HttpSettings {
            body_limit_bytes: 64 * 1024,
            webhook_allow_list: allowed,
            ..HttpSettings::default()
        })
        .await
    }

    /// Like `spawn`, with the server's settings given (limits, WebSocket, production mode).
    pub async fn spawn_with(settings: HttpSettings) -> Self {
        let mut app = Self::new().await;
        app.state = AppState::with_settings(app.state.db.clone(), &settings);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let address = format!("http://{}", listener.local_addr().unwrap());
        app.state
            .start_background(fast_webhooks())
            .await
            .expect("background tasks start");
        let router = server::app(app.state.clone(), &settings);
        tokio::spawn(server::serve(listener, router, std::future::pending()));
        app.address = Some(address);
        app
    }

    /// Serves a second, independent instance of the app on the same database (its
    /// own pool, event bus and workers), as a load balancer would; returns its base
    /// URL and its metrics (to wait on its subscriptions).
    pub async fn spawn_another_instance(&self) -> (String, Metrics) {
        let (address, state) = self.spawn_another_instance_with_state().await;
        (address, state.metrics)
    }

    /// Like `spawn_another_instance`, returning the instance's whole state (its
    /// event bus, caches and metrics).
    pub async fn spawn_another_instance_with_state(&self) -> (String, AppState) {
        let db = Database::connect(&self._database.url, 8)
            .await
            .expect("second instance connects");
        let state = AppState::with_webhook_allow_list(db, self.state.webhook_allow_list.clone());
        state
            .start_background(fast_webhooks())
            .await
            .expect("background tasks start");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let address = format!("http://{}", listener.local_addr().unwrap());
        let router = server::app(state.clone(), &HttpSettings::default());
        tokio::spawn(server::serve(listener, router, std::future::pending()));
        (address, state)
    }

    pub fn db(&self) -> &Database {
        &self.state.db
    }

    /// The URL of this test's own database.
    pub fn database_url(&self) -> &str {
        &self._database.url
    }

    pub fn header(&self, who: As) -> Option<String> {
        match who {
            As::Public => None,
            As::Preview => Some(format!("Bearer {}", self.tokens.preview)),
            As::Editor => Some(format!("Bearer {}", self.tokens.editor)),
            As::Admin => Some(format!("Bearer {}", self.tokens.admin)),
        }
    }

    /// Runs a query in-process and returns the whole response as JSON
    /// (`{"data": …, "errors": […]}`).
    pub async fn call(&self, who: As, query: &str, variables: Value) -> Value {
        let header = self.header(who);
        self.call_with_header(header.as_deref(), query, variables).await
    }

    pub async fn call_with_header(&self, header: Option<&str>, query: &str, variables: Value) -> Value {
        let request =
            async_graphql::Request::new(query).variables(async_graphql::Variables::from_json(variables));
        match self.state.execute(header, request).await {
            Ok(response) => serde_json::to_value(&response).expect("response serialises"),
            Err(err) => err.to_response_body(),
        }
    }

    /// Runs a query that must succeed and returns its `data`.
    pub async fn data(&self, who: As, query: &str, variables: Value) -> Value {
        let response = self.call(who, query, variables).await;
        assert!(
            response
                .get("errors")
                .is_none_or(|e| e.as_array().is_none_or(Vec::is_empty)),
            "{response:#}"
        );
        response["data"].clone()
    }

    /// Posts a query over HTTP (the app must be `spawn`ed); returns status and body.
    pub async fn post(&self, header: Option<&str>, query: &str, variables: Value) -> (u16, Value) {
        let url = format!("{}/graphql", self.address.as_ref().expect("spawned app"));
        let mut request = reqwest::Client::new()
            .post(url)
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(h) = header {
            request = request.header("Authorization", h);
        }
        let response = request.send().await.expect("HTTP request");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// Runs `f` and returns how many SQL statements it issued (besides the event
    /// tailer's and the webhook worker's, which run on their own).
    pub async fn count_statements<F: Future>(&self, f: F) -> (usize, F::Output) {
        let before = self.statements.load(Ordering::SeqCst);
        let out = f.await;
        (self.statements.load(Ordering::SeqCst) - before, out)
    }
}

/// Webhook retries fast enough for tests.
pub fn fast_webhooks() -> WebhookSettings {
    use std::time::Duration;
    WebhookSettings {
        retry_base: Duration::from_millis(50),
        retry_max: Duration::from_millis(400),
        max_attempts: 6,
        timeout: Duration::from_secs(2),
    }
}

/// What the test apps allow their webhooks besides public addresses: 127.0.0.1, where
/// the tests' receivers listen (webhooks to internal addresses are refused otherwise).
pub fn test_webhook_allow_list() -> AllowList {
    AllowList::parse("127.0.0.1").expect("a valid allow-list")
}

/// The `extensions.code` of the first error of a response.
pub fn error_code(response: &Value) -> &str {
    response["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("no error code in {response:#}"))
}

/// The id of the seeded prolotherapy therapy.
pub async fn prolotherapy_id(app: &TestApp) -> String {
    let data = app
        .data(
            As::Public,
            r#"{ therapy(slug: "prolotherapy") { id } }"#,
            json!({}),
        )
        .await;
    data["therapy"]["id"].as_str().unwrap().to_owned()
}

/// The current draft version of a therapy.
pub async fn therapy_version(app: &TestApp, id: &str) -> i64 {
    let data = app
        .data(
            As::Editor,
            "query($id: ID!) { therapy(id: $id, stage: DRAFT) { version } }",
            json!({ "id": id }),
        )
        .await;
    data["therapy"]["version"].as_i64().unwrap()
}

/// The server binary (`serve`) on a test database, as an operator runs it; killed
/// when dropped unless stopped with SIGTERM first.
pub struct ServerProcess {
    child: std::process::Child,
    /// What it printed to stderr until it listened.
    pub printed: String,
    /// Its base URL, `http://127.0.0.1:PORT`; empty if it never listened.
    address: String,
}

impl ServerProcess {
    /// Starts `serve` on a free port and waits until it listens (at most a minute).
    pub fn start(database: &TestDatabase) -> Self {
        use std::io::{BufRead, BufReader};
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_clinic-content-api"))
            .args(["serve", "--listen", "127.0.0.1:0"])
            .env("DATABASE_URL", &database.url)
            .env("RUST_LOG", "info")
            .env("NO_COLOR", "1")
            .stderr(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("start the server binary");
        let mut reader = BufReader::new(child.stderr.take().expect("piped stderr"));
        let started = std::time::Instant::now();
        let (mut printed, mut address) = (String::new(), String::new());
        while started.elapsed() < std::time::Duration::from_secs(60) {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                break;
            }
            printed.push_str(&line);
            if let Some(rest) = line.split("GraphQL at ").nth(1) {
                let url = rest.split_whitespace().next().unwrap_or_default();
                address = url.trim_end_matches("/graphql").to_owned();
                break;
            }
        }
        // Keep draining its log so it never blocks on a full pipe.
        std::thread::spawn(move || for _ in reader.lines() {});
        Self {
            child,
            printed,
            address,
        }
    }

    pub fn base(&self) -> String {
        assert!(
            self.address.starts_with("http://"),
            "the server did not start:\n{}",
            self.printed
        );
        self.address.clone()
    }

    /// Resident memory in KiB, from /proc.
    pub fn rss_kib(&self) -> u64 {
        let status =
            std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).expect("/proc status");
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.split_whitespace().next()?.parse().ok())
            .expect("VmRSS")
    }

    /// Sends SIGTERM and waits for the process to exit.
    pub fn terminate(mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        let _ = std::process::Command::new("kill").args(["-TERM", &pid]).status();
        self.child.wait().expect("wait for the server")
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Waits (at most 15 s) until the metrics of an instance satisfy `condition`.
pub async fn wait_for_metrics(metrics: &Metrics, what: &str, condition: impl Fn(&Metrics) -> bool) {
    tokio::time::timeout(std::time::Duration::from_secs(15), metrics.wait_until(condition))
        .await
        .unwrap_or_else(|_| panic!("never saw {what}"));
}

/// Takes the schema back to just before migration `name`, undoing it and every
/// later one (their `down`s run, content and all).
pub async fn migrate_down_to_before(conn: &sea_orm::DatabaseConnection, name: &str) {
    use migration::MigratorTrait;
    let applied = migration::Migrator::get_applied_migrations(conn).await.unwrap();
    let from = applied
        .iter()
        .position(|m| m.name() == name)
        .unwrap_or_else(|| panic!("migration {name} has not run"));
    let undo = u32::try_from(applied.len() - from).unwrap();
    migration::Migrator::down(conn, Some(undo)).await.unwrap();
    let pending = migration::Migrator::get_pending_migrations(conn).await.unwrap();
    assert_eq!(
        pending.first().map(|m| m.name().to_owned()),
        Some(name.to_owned())
    );
}
