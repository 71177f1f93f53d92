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

    /// Log line format.
    #[arg(long, env = "LOG_FORMAT", value_enum, default_value_t = LogFormat::Pretty, global = true)]
    pub log_format: LogFormat,

    #[command(subcommand)]
    pub command: Option<Command>,

    /// Settings of `serve`, which runs when no command is given.
    #[command(flatten)]
    pub serve: ServeArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Pretty,
    Json,
}

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
    /// Print the GraphQL schema (SDL), as committed in schema.graphql.
    Schema,
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create a token and print its secret (shown this once).
    Create {
        /// Who or what the token is for, e.g. "website build".
        #[arg(long)]
        name: String,
        /// preview, editor or admin.
        #[arg(long, value_enum)]
        role: RoleArg,
    },
    /// List tokens (never their secrets).
    List,
    /// Revoke a token by id.
    Revoke { id: uuid::Uuid },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RoleArg {
    Preview,
    Editor,
    Admin,
}

impl From<RoleArg> for entity::Role {
    fn from(role: RoleArg) -> Self {
        match role {
            RoleArg::Preview => Self::Preview,
            RoleArg::Editor => Self::Editor,
            RoleArg::Admin => Self::Admin,
        }
    }
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "LISTEN_ADDR", default_value = "127.0.0.1:8000")]
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

impl ServeArgs {
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
