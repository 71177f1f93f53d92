//! Load tool for `bench/run`: opens many idle public subscriptions, reports what
//! they cost the server in resident memory, then publishes one change and times
//! how long it takes to reach every subscriber.
//!
//! ```sh
//! cargo run --release --example ws_subscribers -- \
//!     --url http://127.0.0.1:8000 --pid <server pid> --token <admin token> --subscribers 10000
//! ```
//!
//! Both ends are on one machine: the figures include the client's share of the
//! CPU, as a real fan-out to a proxy or a second host would not.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use clap::Parser;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::sync::{OnceCell, Semaphore};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

#[derive(Parser)]
struct Args {
    /// The server's base URL (loopback only: this opens thousands of sockets).
    #[arg(long, default_value = "http://127.0.0.1:8000")]
    url: String,
    /// The server's process id, to read its resident memory from `/proc`.
    #[arg(long)]
    pid: u32,
    /// An editor or admin token, to publish the change that is fanned out.
    #[arg(long, env = "BENCH_TOKEN")]
    token: String,
    /// How many sockets to open, each with one public subscription.
    #[arg(long, default_value_t = 10_000)]
    subscribers: usize,
    /// How many sockets are being opened at once.
    #[arg(long, default_value_t = 200)]
    connect_concurrency: usize,
    /// How long the subscribers stay idle before memory is read; lets the
    /// server's allocator and the sockets' first keepalive settle.
    #[arg(long, default_value_t = 3)]
    idle_secs: u64,
    /// Only open and initialise the sockets, with no subscription, and stop after
    /// reading memory: separates what a socket costs from what its subscription does.
    #[arg(long)]
    sockets_only: bool,
}

const SUBSCRIPTION: &str = "subscription { contentChanged(types: [FAQ]) { documentId action } }";

/// When the publish was sent; every subscriber measures from it.
static PUBLISHED_AT: OnceCell<Instant> = OnceCell::const_new();

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let http = reqwest::Client::new();
    let base = args.url.trim_end_matches('/').to_owned();

    let baseline_subscriptions = metric(&http, &base, "clinic_subscriptions").await?;
    let rss_before = rss_kib(args.pid)?;
    println!("server RSS before: {} MiB", rss_before / 1024);

    let subscribed = Arc::new(AtomicUsize::new(0));
    let (latency_tx, mut latency_rx) = tokio::sync::mpsc::unbounded_channel::<Duration>();
    let connecting = Arc::new(Semaphore::new(args.connect_concurrency));
    let opening = Instant::now();
    let mut subscribers = Vec::with_capacity(args.subscribers);
    for _ in 0..args.subscribers {
        let (base, subscribed, latency_tx) = (base.clone(), subscribed.clone(), latency_tx.clone());
        let permit = connecting.clone().acquire_owned().await?;
        let sockets_only = args.sockets_only;
        subscribers.push(tokio::spawn(async move {
            let socket = open(&base, sockets_only).await;
            drop(permit);
            subscribed.fetch_add(1, Ordering::Relaxed);
            let mut socket = socket?;
            let received = wait_for_event(&mut socket).await?;
            let _ = latency_tx.send(received);
            // Stay open until every subscriber has its event, so none of the
            // fan-out runs on a server that is already shedding sockets.
            std::future::pending::<()>().await;
            Ok::<_, String>(())
        }));
    }
    drop(latency_tx);
    while subscribed.load(Ordering::Relaxed) < args.subscribers {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // The server counts a subscription once it has started its stream: the
    // condition that a publish now reaches all of them.
    let expected = baseline_subscriptions
        + if args.sockets_only {
            0
        } else {
            args.subscribers as i64
        };
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let running = metric(&http, &base, "clinic_subscriptions").await?;
        if running >= expected {
            break;
        }
        if Instant::now() > deadline {
            return Err(format!("only {running} of {expected} subscriptions started within 60 s").into());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    println!(
        "{} subscriptions running after {:.1} s",
        args.subscribers,
        opening.elapsed().as_secs_f64()
    );
    tokio::time::sleep(Duration::from_secs(args.idle_secs)).await;
    let rss_idle = rss_kib(args.pid)?;
    let per_subscriber = (rss_idle.saturating_sub(rss_before)) as f64 / args.subscribers as f64;
    println!(
        "server RSS with {} idle subscribers: {} MiB, {:.1} KiB each",
        args.subscribers,
        rss_idle / 1024,
        per_subscriber
    );
    if args.sockets_only {
        println!(
            "SUMMARY sockets={} rss_before_mib={} rss_idle_mib={} kib_per_socket={per_subscriber:.1}",
            args.subscribers,
            rss_before / 1024,
            rss_idle / 1024
        );
        return Ok(());
    }

    let faq = draft_faq(&http, &base, &args.token).await?;
    graphql(
        &http,
        &base,
        &args.token,
        "mutation($id: ID!, $version: Int!, $answer: String!) {
           updateFaq(id: $id, expectedVersion: $version, input: { answer: $answer }) { version }
         }",
        json!({ "id": faq.0, "version": faq.1, "answer": format!("Benchmarked at {:?}.", std::time::SystemTime::now()) }),
    )
    .await?;
    let started = *PUBLISHED_AT.get_or_init(|| async { Instant::now() }).await;
    graphql(
        &http,
        &base,
        &args.token,
        "mutation($id: ID!) { publishFaq(id: $id) { version } }",
        json!({ "id": faq.0 }),
    )
    .await?;
    let publish_answered = started.elapsed();

    let mut latencies = Vec::with_capacity(args.subscribers);
    let all_in = tokio::time::timeout(Duration::from_secs(30), async {
        while latencies.len() < args.subscribers {
            match latency_rx.recv().await {
                Some(latency) => latencies.push(latency),
                None => break,
            }
        }
    })
    .await;
    if all_in.is_err() || latencies.len() < args.subscribers {
        let failed = subscribers.iter().filter(|s| s.is_finished()).count();
        return Err(format!(
            "{} of {} subscribers received the event within 30 s ({failed} sockets failed)",
            latencies.len(),
            args.subscribers
        )
        .into());
    }
    latencies.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let quantile = |q: f64| ms(latencies[((latencies.len() as f64 * q).ceil() as usize).saturating_sub(1)]);
    println!(
        "publish answered in {:.0} ms; all {} subscribers had the event after {:.0} ms (p50 {:.0} ms, p99 {:.0} ms)",
        ms(publish_answered),
        args.subscribers,
        ms(*latencies.last().expect("at least one subscriber")),
        quantile(0.50),
        quantile(0.99)
    );
    let rss_after = rss_kib(args.pid)?;
    // One line for `bench/run` to read.
    println!(
        "SUMMARY subscribers={} rss_before_mib={} rss_idle_mib={} rss_after_publish_mib={} kib_per_subscriber={:.1} fanout_p50_ms={:.0} fanout_p99_ms={:.0} fanout_max_ms={:.0}",
        args.subscribers,
        rss_before / 1024,
        rss_idle / 1024,
        rss_after / 1024,
        per_subscriber,
        quantile(0.50),
        quantile(0.99),
        ms(*latencies.last().expect("at least one subscriber")),
    );
    Ok(())
}

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Opens a socket, completes `connection_init` and (unless `sockets_only`) starts the subscription.
async fn open(base: &str, sockets_only: bool) -> Result<Socket, String> {
    let url = format!("{}/graphql", base.replacen("http://", "ws://", 1));
    let mut request = url.into_client_request().map_err(|e| e.to_string())?;
    request.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        "graphql-transport-ws".parse().expect("header value"),
    );
    // The client's own buffers are kept small too: 10,000 sockets with the
    // default 128 KiB each would cost this process more than the server.
    let config = WebSocketConfig::default()
        .read_buffer_size(4 * 1024)
        .write_buffer_size(0);
    let (mut socket, _) = tokio_tungstenite::connect_async_with_config(request, Some(config), true)
        .await
        .map_err(|e| format!("connect: {e}"))?;
    send(&mut socket, json!({ "type": "connection_init", "payload": {} })).await?;
    let ack = next_json(&mut socket).await?;
    if ack["type"] != "connection_ack" {
        return Err(format!("expected connection_ack, got {ack}"));
    }
    if sockets_only {
        return Ok(socket);
    }
    send(
        &mut socket,
        json!({ "id": "1", "type": "subscribe", "payload": { "query": SUBSCRIPTION } }),
    )
    .await?;
    Ok(socket)
}

/// Waits for the subscription's first event; how long after the publish it came.
async fn wait_for_event(socket: &mut Socket) -> Result<Duration, String> {
    let message = next_json(socket).await?;
    let received = Instant::now();
    if message["type"] != "next" {
        return Err(format!("expected an event, got {message}"));
    }
    let published = PUBLISHED_AT.get().ok_or("an event arrived before the publish")?;
    Ok(received.duration_since(*published))
}

async fn send(socket: &mut Socket, message: Value) -> Result<(), String> {
    socket
        .send(Message::Text(message.to_string().into()))
        .await
        .map_err(|e| format!("send: {e}"))
}

/// The next JSON message, answering nothing itself: tungstenite answers pings.
async fn next_json(socket: &mut Socket) -> Result<Value, String> {
    loop {
        match socket.next().await {
            Some(Ok(Message::Text(text))) => return serde_json::from_str(&text).map_err(|e| e.to_string()),
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
            other => return Err(format!("socket ended: {other:?}")),
        }
    }
}

/// One FAQ entry's id and draft version.
async fn draft_faq(http: &reqwest::Client, base: &str, token: &str) -> Result<(String, i64), String> {
    let data = graphql(
        http,
        base,
        token,
        "{ faqs(first: 1, stage: DRAFT) { edges { node { id version } } } }",
        json!({}),
    )
    .await?;
    let node = &data["faqs"]["edges"][0]["node"];
    match (node["id"].as_str(), node["version"].as_i64()) {
        (Some(id), Some(version)) => Ok((id.to_owned(), version)),
        _ => Err(format!("no FAQ entry to publish: {data}")),
    }
}

async fn graphql(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    query: &str,
    variables: Value,
) -> Result<Value, String> {
    let answer: Value = http
        .post(format!("{base}/graphql"))
        .bearer_auth(token)
        .json(&json!({ "query": query, "variables": variables }))
        .send()
        .await
        .map_err(|e| e.to_string())?
        .json()
        .await
        .map_err(|e| e.to_string())?;
    if answer.get("errors").is_some() {
        return Err(format!("{query}: {answer}"));
    }
    Ok(answer["data"].clone())
}

/// A gauge from `/metrics`.
async fn metric(http: &reqwest::Client, base: &str, name: &str) -> Result<i64, String> {
    let text = http
        .get(format!("{base}/metrics"))
        .send()
        .await
        .map_err(|e| e.to_string())?
        .text()
        .await
        .map_err(|e| e.to_string())?;
    text.lines()
        .find_map(|line| {
            line.strip_prefix(name)?
                .strip_prefix(' ')?
                .trim()
                .parse::<f64>()
                .ok()
        })
        .map(|value| value as i64)
        .ok_or_else(|| format!("{name} is not in /metrics"))
}

/// Resident memory of a process, in KiB.
fn rss_kib(pid: u32) -> Result<u64, String> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).map_err(|e| e.to_string())?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .ok_or_else(|| "no VmRSS in /proc/<pid>/status".to_owned())
}
