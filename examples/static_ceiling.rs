//! The ceiling for `bench/read-path`: a tiny axum server that answers every request
//! with the page query's answer, bytes and headers captured from the real server,
//! from memory. What the API serves per second is read against what axum, hyper and
//! wrk manage on this machine with no GraphQL and no database at all.
//!
//! ```sh
//! cargo run --release --example static_ceiling -- --body answer.json --headers headers.txt
//! ```

use std::path::PathBuf;

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderName, HeaderValue};
use clap::Parser;
use tokio::net::TcpListener;

#[derive(Parser)]
struct Args {
    /// The answer's body.
    #[arg(long)]
    body: PathBuf,
    /// The answer's headers as `curl -D` writes them; the status line and the
    /// headers hyper sets itself (date, content-length, connection) are skipped.
    #[arg(long)]
    headers: PathBuf,
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: std::net::SocketAddr,
}

type Error = Box<dyn std::error::Error + Send + Sync>;

#[tokio::main]
async fn main() -> Result<(), Error> {
    let args = Args::parse();
    let body = Bytes::from(std::fs::read(&args.body)?);
    let headers = parse_headers(&std::fs::read_to_string(&args.headers)?)?;
    // The request body is read, as the GraphQL server reads it, then dropped.
    let app = Router::new().fallback(move |_request_body: Bytes| {
        let (headers, body) = (headers.clone(), body.clone());
        async move { (headers, body) }
    });
    let listener = TcpListener::bind(args.listen).await?;
    // The line bench/read-path waits for, worded like the server's.
    eprintln!("static answer at http://{}/graphql", listener.local_addr()?);
    axum::serve(listener, app).await?;
    Ok(())
}

fn parse_headers(text: &str) -> Result<HeaderMap, Error> {
    let mut headers = HeaderMap::new();
    for line in text.lines().skip(1) {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let name = HeaderName::from_bytes(name.trim().as_bytes())?;
        if ["date", "content-length", "connection", "transfer-encoding"].contains(&name.as_str()) {
            continue;
        }
        headers.append(name, HeaderValue::from_str(value.trim())?);
    }
    Ok(headers)
}
