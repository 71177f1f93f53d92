//! What each CLI command does.

use std::error::Error;

use tokio::net::TcpListener;

use crate::config::{Cli, Command, ServeArgs, TokenCommand};
use crate::db::Database;
use crate::server::{self, AppState};
use crate::{auth, content, graphql, people, seed, transfer};

pub type CommandResult = Result<(), Box<dyn Error + Send + Sync>>;

pub async fn run(cli: Cli) -> CommandResult {
    let command = cli.command.unwrap_or(Command::Serve(cli.serve));
    if let Command::Schema = command {
        print!("{}", graphql::sdl());
        return Ok(());
    }
    let db = Database::connect_and_migrate_with(
        &cli.database_url,
        cli.database_max_connections,
        std::time::Duration::from_secs(cli.database_acquire_timeout_secs),
    )
    .await?;
    // Rows written before rich text was rendered at write time get their renderings now.
    content::rich_text::backfill(&db).await?;
    match command {
        Command::Serve(args) => serve(db, args).await,
        Command::Migrate => {
            tracing::info!("database schema is up to date");
            Ok(())
        }
        Command::Seed => {
            let report = seed::load_default(&db).await?;
            println!(
                "loaded and published {} therapies, {} conditions, {} practitioners",
                report.therapies, report.conditions, report.practitioners
            );
            Ok(())
        }
        Command::Token(TokenCommand::Create { name, role }) => {
            let (token, secret) = auth::create_token(db.conn(), &name, role).await?;
            eprintln!(
                "created {:?} token {} ({name}); its secret, shown only now:",
                token.role, token.id
            );
            println!("{secret}");
            Ok(())
        }
        Command::Invite {
            email,
            name,
            role,
            base_url,
            editor_path,
            again,
        } => {
            let made = if again {
                let email = people::normalize_email(&email)?;
                let known = people::list(db.conn())
                    .await?
                    .into_iter()
                    .find(|p| p.email == email);
                let Some(person) = known else {
                    return Err(format!("nobody with the email {email} is invited or signed up").into());
                };
                people::reinvite(db.conn(), person.id).await?
            } else {
                people::invite(db.conn(), &email, &name, role).await?
            };
            eprintln!(
                "invited {} <{}> as {:?}; the link works once, until {} (shown only now):",
                made.person.name,
                made.person.email,
                made.person.role,
                made.person
                    .invite_expires_at
                    .map(|at| at.to_rfc3339())
                    .unwrap_or_default(),
            );
            let base_url = base_url.unwrap_or_else(|| {
                let listen =
                    std::env::var("LISTEN_ADDR").unwrap_or_else(|_| crate::config::DEFAULT_LISTEN.to_owned());
                format!("http://{listen}")
            });
            println!(
                "{}{}/#/invite/{}",
                base_url.trim_end_matches('/'),
                editor_path.trim_end_matches('/'),
                made.code
            );
            Ok(())
        }
        Command::Token(TokenCommand::List) => {
            for token in auth::list_tokens(db.conn()).await? {
                let state = match token.revoked_at {
                    Some(at) => format!("revoked {at}"),
                    None => "active".to_owned(),
                };
                println!(
                    "{}  {:<8} {:<10} {}  {}",
                    token.id,
                    format!("{:?}", token.role),
                    state,
                    token.created_at,
                    token.name
                );
            }
            Ok(())
        }
        Command::Token(TokenCommand::Revoke { id }) => {
            let token = auth::revoke_token(db.conn(), id).await?;
            println!("revoked {} ({})", token.id, token.name);
            Ok(())
        }
        Command::Export { output } => {
            let report = transfer::export_to(&db, output.as_deref()).await?;
            eprintln!(
                "exported {} document rows and {} events",
                report.rows, report.events
            );
            Ok(())
        }
        Command::Import { file } => {
            let report = transfer::import_file(&db, &file).await?;
            println!(
                "imported {} document rows and {} events",
                report.rows, report.events
            );
            Ok(())
        }
        Command::Schema => Ok(()),
    }
}

async fn serve(db: Database, args: ServeArgs) -> CommandResult {
    // Settings first: a bad manifest stops the start before anything is written.
    let settings = args.http_settings()?;
    if !args.no_seed && seed::is_empty(db.conn()).await? {
        match seed::load_default(&db).await {
            Ok(report) => tracing::info!(
                therapies = report.therapies,
                conditions = report.conditions,
                "empty database: loaded the default content"
            ),
            // Another instance starting at the same time seeded it first.
            Err(seed::SeedError::NotEmpty) => {}
            Err(err) => return Err(err.into()),
        }
    }
    // Bound before anything is said, so what is said names the real address.
    let listener = TcpListener::bind(args.listen).await?;
    let address = listener.local_addr()?;
    // Ordered like content writes, so instances starting together make one token.
    let txn = db.begin_content_write().await?;
    let first_token = auth::first_admin_token(&*txn).await?;
    let nobody_invited = people::list(&*txn).await?.is_empty();
    txn.commit().await?;
    if let Some(secret) = first_token {
        eprintln!(
            "\nFirst start: created an admin token. It is shown only this once; keep it safe:\n\n    {secret}\n\n\
             Send it as `Authorization: Bearer {secret}`. Create more with\n    \
             cargo run --release -- token create --name NAME --role preview|editor|reviewer|admin\n"
        );
    }
    if let Some(path) = &settings.editor_path
        && nobody_invited
    {
        // The invite command prints a link to this server: name it when it is not the default.
        let base_url = format!("http://{address}");
        let base_url_flag = if address.to_string() == crate::config::DEFAULT_LISTEN {
            String::new()
        } else {
            format!(" --base-url {base_url}")
        };
        let path_flag = if path == server::editor::DEFAULT_PATH {
            String::new()
        } else {
            format!(" --editor-path {path}")
        };
        eprintln!(
            "The web editor is at {base_url}{path}/ — nobody is invited yet. Invite yourself\n\
             (from another terminal, in this folder; it prints a link that sets your password):\n    \
             cargo run --release -- invite --email you@clinic.example --name \"Your Name\" --role admin{base_url_flag}{path_flag}\n"
        );
    }
    let signal = server::shutdown_signal();
    let state = AppState::with_settings(db, &settings);
    state.start_background(args.webhook_settings()).await?;
    tracing::info!("GraphQL at http://{address}/graphql (GraphiQL on GET)");
    if let Some(path) = &settings.editor_path {
        tracing::info!("the web editor at http://{address}{path}/");
    }
    let app = server::app(state.clone(), &settings);
    server::serve_until_stopped(listener, app, &state, signal, settings.shutdown_timeout).await?;
    Ok(())
}
