//! Measures how long another instance may still serve a cached answer after a
//! publish is acknowledged: two instances on one database, each with its caches;
//! a front-end keeps reading the page from the second one while an editor
//! publishes on the first; the time from the acknowledgement to the second
//! instance's first fresh answer is the stale window. Run by `bench/stale-window`.
//!
//! ```sh
//! cargo run --release --example stale_window -- --database-url 'sqlite:///tmp/w.db?mode=rwc' --publishes 50
//! ```

use std::time::{Duration, Instant};

use clap::Parser;
use clinic_content_api::auth::{self, Role};
use clinic_content_api::db::Database;
use clinic_content_api::events::webhooks::WebhookSettings;
use clinic_content_api::seed;
use clinic_content_api::server::{self, AppState, HttpSettings};
use serde_json::{Value, json};

#[derive(Parser)]
struct Args {
    /// An empty database (it is migrated and seeded here).
    #[arg(long)]
    database_url: String,
    /// How many publishes to time.
    #[arg(long, default_value_t = 50)]
    publishes: usize,
}

const PAGE: &str = r#"{ therapy(slug: "prolotherapy") { id name version } }"#;

/// One instance serving on a free loopback port; returns its GraphQL URL.
async fn instance(url: &str) -> String {
    let db = Database::connect(url, 8).await.expect("connects");
    let state = AppState::with_settings(db, &HttpSettings::default());
    state
        .start_background(WebhookSettings::default())
        .await
        .expect("tails the event log");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("binds");
    let address = format!("http://{}/graphql", listener.local_addr().expect("bound"));
    let app = server::app(state, &HttpSettings::default());
    tokio::spawn(server::serve(listener, app, std::future::pending()));
    address
}

async fn post(
    client: &reqwest::Client,
    url: &str,
    token: Option<&str>,
    query: &str,
    variables: Value,
) -> Value {
    let mut request = client
        .post(url)
        .json(&json!({ "query": query, "variables": variables }));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let answer: Value = request.send().await.expect("answers").json().await.expect("JSON");
    assert!(answer.get("errors").is_none(), "{answer:#}");
    answer["data"].clone()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index]
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let db = Database::connect_and_migrate(&args.database_url, 4)
        .await
        .expect("migrates");
    if seed::is_empty(db.conn()).await.expect("reads") {
        seed::load_default(&db).await.expect("seeds");
    }
    let (_, token) = auth::create_token(db.conn(), "stale-window", Role::Editor)
        .await
        .expect("token");
    let (writer, reader) = (
        instance(&args.database_url).await,
        instance(&args.database_url).await,
    );
    let client = reqwest::Client::new();
    let read = |name: String| {
        let (client, reader) = (client.clone(), reader.clone());
        async move {
            let answer: Value = client
                .get(&reader)
                .query(&[("query", PAGE)])
                .send()
                .await
                .expect("answers")
                .json()
                .await
                .expect("JSON");
            answer["data"]["therapy"]["name"] == name.as_str()
        }
    };

    let mut windows = Vec::with_capacity(args.publishes);
    let mut stale_reads = 0usize;
    for n in 0..args.publishes {
        let page = post(&client, &writer, Some(&token), PAGE, json!({})).await;
        let therapy = &page["therapy"];
        // The reader holds the current page in its cache.
        let current = therapy["name"].as_str().unwrap_or_default().to_owned();
        while !read(current.clone()).await {}
        let name = format!("Prolotherapy {n}");
        let draft = post(
            &client,
            &writer,
            Some(&token),
            "query($id: ID!) { therapy(id: $id, stage: DRAFT) { version } }",
            json!({ "id": therapy["id"] }),
        )
        .await;
        post(
            &client,
            &writer,
            Some(&token),
            "mutation($id: ID!, $v: Int!, $n: String!) { updateTherapy(id: $id, expectedVersion: $v, input: { name: $n }) { id } }",
            json!({ "id": therapy["id"], "v": draft["therapy"]["version"], "n": name }),
        )
        .await;
        post(
            &client,
            &writer,
            Some(&token),
            "mutation($id: ID!) { publishTherapy(id: $id) { id } }",
            json!({ "id": therapy["id"] }),
        )
        .await;
        let acknowledged = Instant::now();
        while !read(name.clone()).await {
            stale_reads += 1;
        }
        windows.push(acknowledged.elapsed());
    }
    windows.sort();
    println!(
        "stale window after an acknowledged publish, {} publishes: p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms ({} stale reads in all)",
        windows.len(),
        percentile(&windows, 0.5).as_secs_f64() * 1000.0,
        percentile(&windows, 0.95).as_secs_f64() * 1000.0,
        windows.last().copied().unwrap_or_default().as_secs_f64() * 1000.0,
        stale_reads,
    );
}
