//! Settings from flags and environment variables: one `clap` struct.

use std::net::SocketAddr;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// A GraphQL content API for clinics: therapies, conditions, practitioners and FAQ,
/// with drafts, publishing and role-based tokens.
#[derive(Debug, Parser)]
#[command(name = "clinic-content-api", version, args_conflicts_with_subcommands = true)]
pub struct Cli {
    /// Database URL: `sqlite://FILE?mode=rwc` (created if missing) or `postgres://…`.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite://clinic-content.db?mode=rwc",
        global = true
    )]
    pub database_url: String,

    /// Most database connections the pool opens.
    #[arg(long, env = "DATABASE_MAX_CONNECTIONS", default_value_t = 10, global = true)]
    pub database_max_connections: u32,

    /// Seconds a request waits for a database connection before it fails as unavailable.
    #[arg(long, env = "DATABASE_ACQUIRE_TIMEOUT_SECS", default_value_t = 3, global = true, value_parser = clap::value_parser!(u64).range(1..=300))]
    pub database_acquire_timeout_secs: u64,

    /// Log line format.
    #[arg(long, env = "LOG_FORMAT", value_enum, default_value_t = LogFormat::Pretty, global = true)]
    pub log_format: LogFormat,

    #[command(subcommand)]
    pub command: Option<Command>,

    /// Settings of `serve`, which runs when no command is given.
    #[command(flatten)]
    pub serve: ServeArgs,
}

/// Where `serve` listens unless told otherwise.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8000";

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Pretty,
    Json,
}

// Parsed once at start: the size of the `serve` variant costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP server (the default): migrate, seed an empty database, serve.
    Serve(ServeArgs),
    /// Bring the database schema up to date and exit.
    Migrate,
    /// Load the default clinic content (the prolotherapy page) and publish it.
    /// Refuses if any therapy already exists.
    Seed,
    /// Manage API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Invite someone to the web editor: prints the link that sets their
    /// password (shown this once; it works for seven days).
    Invite {
        #[arg(long)]
        email: String,
        /// How history and the editor name them.
        #[arg(long)]
        name: String,
        /// preview, editor, reviewer or admin.
        #[arg(long)]
        role: entity::Role,
        /// The server's address as the person's browser reaches it (by default
        /// `http://` and `LISTEN_ADDR`, as `serve` listens).
        #[arg(long, env = "PUBLIC_BASE_URL")]
        base_url: Option<String>,
        /// Where the editor is served (as `EDITOR_PATH` for `serve`).
        #[arg(long, env = "EDITOR_PATH", default_value = "/editor")]
        editor_path: String,
        /// For someone already invited or signed up (a forgotten password): a new
        /// link; their password and sessions end.
        #[arg(long)]
        again: bool,
    },
    /// Print the GraphQL schema (SDL), as committed in schema.graphql.
    Schema,
    /// Write all content (both stages, ids, versions) and its whole history to
    /// one JSON file; API tokens and webhooks are left out.
    Export {
        /// The file to write (replaced if it exists); standard output without one.
        #[arg(long, short)]
        output: Option<std::path::PathBuf>,
    },
    /// Load a file written by `export` into an empty database, in one transaction.
    Import {
        /// The export file.
        file: std::path::PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create a token and print its secret (shown this once).
    Create {
        /// Who or what the token is for, e.g. "website build".
        #[arg(long)]
        name: String,
        /// preview, editor or admin.
        #[arg(long)]
        role: entity::Role,
    },
    /// List tokens (never their secrets).
    List,
    /// Revoke a token by id.
    Revoke { id: uuid::Uuid },
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "LISTEN_ADDR", default_value = DEFAULT_LISTEN)]
    pub listen: SocketAddr,

    /// Largest request body accepted, in bytes.
    #[arg(long, env = "BODY_LIMIT_BYTES", default_value_t = 1024 * 1024)]
    pub body_limit_bytes: usize,

    /// Seconds a request may take before it is answered 408.
    #[arg(long, env = "REQUEST_TIMEOUT_SECS", default_value_t = 30)]
    pub request_timeout_secs: u64,

    /// Origins browsers may call from (comma-separated), or `*` for any.
    #[arg(
        long,
        env = "CORS_ALLOWED_ORIGINS",
        default_value = "*",
        value_delimiter = ','
    )]
    pub cors_allowed_origins: Vec<String>,

    /// Production mode: turns off introspection, field suggestions and GraphiQL.
    #[arg(long, env = "PRODUCTION")]
    pub production: bool,

    /// Seconds that requests and sockets in flight get after SIGTERM before the process exits.
    #[arg(long, env = "SHUTDOWN_TIMEOUT_SECS", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub shutdown_timeout_secs: u64,

    /// Seconds browsers and CDNs may keep a public answer (`Cache-Control: max-age`).
    #[arg(long, env = "CACHE_MAX_AGE_SECS", default_value_t = 30)]
    pub cache_max_age_secs: u64,

    /// Seconds a stale public answer may still be served while it is refetched.
    #[arg(long, env = "CACHE_STALE_WHILE_REVALIDATE_SECS", default_value_t = 60)]
    pub cache_stale_while_revalidate_secs: u64,

    /// Persisted-query documents each instance keeps (0 turns persisted queries off).
    #[arg(long, env = "PERSISTED_QUERIES", default_value_t = 1_000)]
    pub persisted_queries: usize,

    /// A persisted-query manifest (Apollo's format): operations registered ahead of time, by hash.
    #[arg(long, env = "PERSISTED_QUERY_MANIFEST")]
    pub persisted_query_manifest: Option<std::path::PathBuf>,

    /// Allow-list mode: requests without a token may run the manifest's operations only.
    #[arg(
        long,
        env = "REGISTERED_OPERATIONS_ONLY",
        requires = "persisted_query_manifest"
    )]
    pub registered_operations_only: bool,

    /// Days before its next-review date that a therapy or condition counts as due.
    #[arg(long, env = "REVIEW_DUE_WINDOW_DAYS", default_value_t = 30)]
    pub review_due_window_days: u32,

    /// Refuse to publish a therapy whose review is overdue or whose benefits and
    /// condition links cite no source (the error names each).
    #[arg(long, env = "REQUIRE_REVIEW_FOR_PUBLISHING", default_value_t = false)]
    pub require_review_for_publishing: bool,

    /// How often each instance checks for reviews that have fallen due, in seconds.
    #[arg(long, env = "REVIEW_CHECK_SECS", default_value_t = 3600)]
    pub review_check_secs: u64,

    /// Where the web editor is served; `off` turns it off.
    #[arg(long, env = "EDITOR_PATH", default_value = "/editor")]
    pub editor_path: String,

    /// Hours an editor's sign-in session lasts.
    #[arg(long, env = "SESSION_HOURS", default_value_t = 12, value_parser = clap::value_parser!(u64).range(1..=720))]
    pub session_hours: u64,

    /// Mark the session cookie `Secure` on every answer, not only on those to
    /// requests a proxy forwarded over HTTPS (`X-Forwarded-Proto: https`).
    #[arg(long, env = "SESSION_COOKIE_SECURE", default_value_t = false)]
    pub session_cookie_secure: bool,

    /// Bytes of whole public answers each instance keeps in memory (0 turns the response cache off).
    #[arg(long, env = "RESPONSE_CACHE_BYTES", default_value_t = 16 * 1024 * 1024)]
    pub response_cache_bytes: usize,

    /// Most public answers each instance keeps.
    #[arg(long, env = "RESPONSE_CACHE_ENTRIES", default_value_t = 10_000)]
    pub response_cache_entries: usize,

    /// Bytes of published rows and child lists each instance keeps under the loaders (0 turns the object cache off).
    #[arg(long, env = "OBJECT_CACHE_BYTES", default_value_t = 16 * 1024 * 1024)]
    pub object_cache_bytes: usize,

    /// Most rows and lists each instance keeps.
    #[arg(long, env = "OBJECT_CACHE_ENTRIES", default_value_t = 50_000)]
    pub object_cache_entries: usize,

    #[command(flatten)]
    pub limits: LimitArgs,

    #[command(flatten)]
    pub websocket: WebSocketArgs,

    /// Do not load the default content into an empty database.
    #[arg(long, env = "NO_SEED")]
    pub no_seed: bool,

    /// Seconds before a failed webhook delivery is first retried (doubling each time).
    #[arg(long, env = "WEBHOOK_RETRY_BASE_SECS", default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub webhook_retry_base_secs: u64,

    /// Longest wait between two webhook delivery attempts, in seconds.
    #[arg(long, env = "WEBHOOK_RETRY_MAX_SECS", default_value_t = 3600, value_parser = clap::value_parser!(u64).range(1..=604_800))]
    pub webhook_retry_max_secs: u64,

    /// Attempts before a webhook delivery is marked failed.
    #[arg(long, env = "WEBHOOK_MAX_ATTEMPTS", default_value_t = 12, value_parser = clap::value_parser!(i32).range(1..=100))]
    pub webhook_max_attempts: i32,

    /// Seconds one webhook delivery attempt may take.
    #[arg(long, env = "WEBHOOK_TIMEOUT_SECS", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=300))]
    pub webhook_timeout_secs: u64,

    /// Webhook destinations allowed although internal (comma-separated): host names,
    /// addresses or ranges such as `hooks.internal,10.1.0.0/16,fd00::/8`. Without them,
    /// webhooks reach only public addresses.
    #[arg(long, env = "WEBHOOK_ALLOWED_HOSTS", value_parser = crate::events::webhooks::AllowList::parse)]
    pub webhook_allowed_hosts: Option<crate::events::webhooks::AllowList>,
}

/// What one GraphQL document may cost (see the README's "Query limits").
#[derive(Debug, Clone, Args)]
pub struct LimitArgs {
    /// Longest GraphQL document, in bytes.
    #[arg(long, env = "MAX_QUERY_BYTES", default_value_t = 32 * 1024)]
    pub max_query_bytes: usize,
    /// Most tokens in a document.
    #[arg(long, env = "MAX_QUERY_TOKENS", default_value_t = 4_000)]
    pub max_query_tokens: usize,
    /// Deepest field nesting, through fragments.
    #[arg(long, env = "MAX_QUERY_DEPTH", default_value_t = 15)]
    pub max_query_depth: usize,
    /// Most aliases, counted as the document expands.
    #[arg(long, env = "MAX_QUERY_ALIASES", default_value_t = 50)]
    pub max_query_aliases: u64,
    /// Most fields at the root of an operation.
    #[arg(long, env = "MAX_QUERY_ROOT_FIELDS", default_value_t = 20)]
    pub max_query_root_fields: u64,
    /// Most directives, counted as the document expands.
    #[arg(long, env = "MAX_QUERY_DIRECTIVES", default_value_t = 50)]
    pub max_query_directives: u64,
    /// Most fragment spreads, counted as the document expands.
    #[arg(long, env = "MAX_QUERY_FRAGMENT_SPREADS", default_value_t = 500)]
    pub max_query_fragment_spreads: u64,
    /// Highest cost (each field 1; a list multiplies what it selects by its page size).
    #[arg(long, env = "MAX_QUERY_COST", default_value_t = 25_000)]
    pub max_query_cost: u64,
    /// Highest cost for a request with a token.
    #[arg(long, env = "MAX_QUERY_COST_WITH_TOKEN", default_value_t = 250_000)]
    pub max_query_cost_with_token: u64,
    /// The size a list without `first`/`last` is priced at.
    #[arg(long, env = "QUERY_LIST_SIZE", default_value_t = 25)]
    pub query_list_size: u64,
    /// Largest answer, in bytes.
    #[arg(long, env = "MAX_RESPONSE_BYTES", default_value_t = 4 * 1024 * 1024)]
    pub max_response_bytes: usize,
    /// Seconds a query or mutation may run.
    #[arg(long, env = "OPERATION_TIMEOUT_SECS", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub operation_timeout_secs: u64,
}

impl LimitArgs {
    pub fn limits(&self) -> crate::graphql::limits::QueryLimits {
        crate::graphql::limits::QueryLimits {
            max_query_bytes: self.max_query_bytes,
            max_tokens: self.max_query_tokens,
            max_depth: self.max_query_depth,
            max_aliases: self.max_query_aliases,
            max_root_fields: self.max_query_root_fields,
            max_directives: self.max_query_directives,
            max_fragment_spreads: self.max_query_fragment_spreads,
            max_cost: self.max_query_cost,
            max_cost_with_token: self.max_query_cost_with_token,
            child_list_size: self.query_list_size,
            max_response_bytes: self.max_response_bytes,
            operation_timeout: std::time::Duration::from_secs(self.operation_timeout_secs),
        }
    }
}

/// Limits of the WebSocket endpoint.
#[derive(Debug, Clone, Args)]
pub struct WebSocketArgs {
    /// Largest WebSocket message a client may send, in bytes.
    #[arg(long, env = "WS_MAX_MESSAGE_BYTES", default_value_t = 64 * 1024)]
    pub ws_max_message_bytes: usize,
    /// Most open WebSockets per instance.
    #[arg(long, env = "WS_MAX_CONNECTIONS", default_value_t = 20_000)]
    pub ws_max_connections: usize,
    /// Most subscriptions at once on one WebSocket.
    #[arg(long, env = "WS_MAX_SUBSCRIPTIONS", default_value_t = 20)]
    pub ws_max_subscriptions: usize,
    /// Seconds a client has to send `connection_init`.
    #[arg(long, env = "WS_INIT_TIMEOUT_SECS", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub ws_init_timeout_secs: u64,
    /// Seconds between keepalive pings on a WebSocket.
    #[arg(long, env = "WS_KEEPALIVE_SECS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub ws_keepalive_secs: u64,
}

impl WebSocketArgs {
    pub fn settings(&self) -> crate::server::WebSocketSettings {
        use std::time::Duration;
        crate::server::WebSocketSettings {
            max_message_bytes: self.ws_max_message_bytes,
            max_connections: self.ws_max_connections,
            max_subscriptions_per_socket: self.ws_max_subscriptions,
            connection_init_timeout: Duration::from_secs(self.ws_init_timeout_secs),
            keepalive_interval: Duration::from_secs(self.ws_keepalive_secs),
        }
    }
}

impl ServeArgs {
    /// `EDITOR_PATH` as a route: `/editor`, `/staff/editor`; `off` is none.
    fn editor_path(&self) -> Result<Option<String>, String> {
        let path = self.editor_path.trim().trim_end_matches('/');
        if path.eq_ignore_ascii_case("off") {
            return Ok(None);
        }
        let plain = path.starts_with('/')
            && path.len() > 1
            && path
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"/-_".contains(&b))
            && !path.contains("//");
        let taken = [
            "/graphql",
            "/graphiql",
            "/auth",
            "/healthz",
            "/readyz",
            "/metrics",
        ]
        .iter()
        .any(|p| path == *p || path.starts_with(&format!("{p}/")));
        if !plain || taken {
            return Err(format!(
                "EDITOR_PATH {path:?} must be a path like /editor (letters, digits, -, _ and /), not one the API uses"
            ));
        }
        Ok(Some(path.to_owned()))
    }

    /// The HTTP server's settings; fails when the manifest cannot be read or is malformed.
    pub fn http_settings(&self) -> Result<crate::server::HttpSettings, String> {
        use std::time::Duration;
        let persisted_manifest = match &self.persisted_query_manifest {
            None => crate::server::Manifest::default(),
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| format!("cannot read PERSISTED_QUERY_MANIFEST {}: {e}", path.display()))?;
                crate::server::Manifest::parse(&text)
                    .map_err(|e| format!("PERSISTED_QUERY_MANIFEST {}: {e}", path.display()))?
            }
        };
        Ok(crate::server::HttpSettings {
            persisted_manifest,
            registered_operations_only: self.registered_operations_only,
            review_rules: crate::content::review::ReviewRules {
                due_window_days: self.review_due_window_days,
                require_for_publishing: self.require_review_for_publishing,
            },
            review_check: Duration::from_secs(self.review_check_secs.max(1)),
            staff: crate::server::StaffSettings {
                session_lasts: chrono::Duration::hours(self.session_hours as i64),
                always_secure_cookie: self.session_cookie_secure,
                ..crate::server::StaffSettings::default()
            },
            editor_path: self.editor_path()?,
            body_limit_bytes: self.body_limit_bytes,
            request_timeout: Duration::from_secs(self.request_timeout_secs),
            cors_allowed_origins: self.cors_allowed_origins.clone(),
            limits: self.limits.limits(),
            websocket: self.websocket.settings(),
            production: self.production,
            shutdown_timeout: Duration::from_secs(self.shutdown_timeout_secs),
            webhook_allow_list: self.webhook_allow_list(),
            persisted_queries: self.persisted_queries,
            caches: crate::cache::CacheBudgets {
                responses: crate::cache::Budget {
                    max_bytes: self.response_cache_bytes,
                    max_entries: self.response_cache_entries,
                },
                objects: crate::cache::Budget {
                    max_bytes: self.object_cache_bytes,
                    max_entries: self.object_cache_entries,
                },
            },
            cache: crate::server::CacheSettings::new(
                Duration::from_secs(self.cache_max_age_secs),
                Duration::from_secs(self.cache_stale_while_revalidate_secs),
            ),
        })
    }

    pub fn webhook_settings(&self) -> crate::events::webhooks::WebhookSettings {
        use std::time::Duration;
        crate::events::webhooks::WebhookSettings {
            retry_base: Duration::from_secs(self.webhook_retry_base_secs),
            retry_max: Duration::from_secs(self.webhook_retry_max_secs),
            max_attempts: self.webhook_max_attempts.max(1),
            timeout: Duration::from_secs(self.webhook_timeout_secs),
        }
    }

    pub fn webhook_allow_list(&self) -> crate::events::webhooks::AllowList {
        self.webhook_allowed_hosts.clone().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::Cli;

    fn allow_list_of(value: &str) -> Result<crate::events::webhooks::AllowList, clap::Error> {
        let cli = Cli::try_parse_from(["clinic-content-api", "--webhook-allowed-hosts", value])?;
        Ok(cli.serve.webhook_allow_list())
    }

    #[test]
    fn the_webhook_allow_list_is_read_from_a_comma_separated_setting() {
        let list = allow_list_of("hooks.internal, 10.1.0.0/16,[::1],").unwrap();
        assert!(list.allows_name("hooks.internal"));
        assert!(list.allows_ip([10, 1, 2, 3].into()));
        assert!(list.allows_ip(std::net::Ipv6Addr::LOCALHOST.into()));
        assert!(!list.allows_ip([127, 0, 0, 1].into()));
        // An empty setting (as `WEBHOOK_ALLOWED_HOSTS=` gives) allows nothing extra.
        assert!(!allow_list_of("").unwrap().allows_ip([127, 0, 0, 1].into()));
        let default = Cli::try_parse_from(["clinic-content-api"]).unwrap();
        assert!(!default.serve.webhook_allow_list().allows_ip([10, 0, 0, 1].into()));
        for bad in ["10.0.0.0/33", "not a host", "10.0.0.0/8,host/8"] {
            assert!(allow_list_of(bad).is_err(), "{bad}");
        }
    }
}
