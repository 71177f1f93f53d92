//! The `clinic-content-api` binary: parse the command line, run the command.

use std::process::ExitCode;

use clap::Parser;
use clinic_content_api::{commands, config::Cli, telemetry};

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    telemetry::init(cli.log_format);
    match commands::run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}
