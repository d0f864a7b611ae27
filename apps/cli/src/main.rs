//! `sinmungo`: the staff CLI binary.

use std::process::ExitCode;

use clap::Parser as _;
use sinmungo::Cli;
use sinmungo_wiring::LogFormat;
use tracing_subscriber::EnvFilter;

/// mimalloc, as the server: glibc's malloc keeps large freed blocks in its
/// per-thread arenas (see `apps/server/src/main.rs`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    // Usage errors exit with 2 (clap's convention), before anything opens.
    let mut cli = Cli::parse();
    cli.config = cli.config.in_data_dir();
    init_tracing(&cli.config.log, cli.config.log_format);
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            report(&error);
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    if let Some(done) = sinmungo_cli::run_offline(&cli.command) {
        return Ok(done?);
    }
    let app = sinmungo_wiring::build_application(&cli.config.application()).await?;
    let storage = sinmungo_cli::Storage {
        backup: app.stores.backup.clone(),
        database_file: cli.config.database_file(),
        media_dir: cli.config.media_dir(),
    };
    let restore = match &cli.command {
        sinmungo_cli::Command::Restore(args) if args.commit => Some(args.clone()),
        _ => None,
    };
    let done = sinmungo_cli::run(&app.use_cases, &storage, &cli.global, cli.command).await;
    app.stores.close().await;
    done?;
    // The store is closed: the backup may replace its files now.
    if let Some(args) = restore {
        sinmungo_cli::restore_files(&storage, &args)?;
    }
    Ok(())
}

#[expect(
    clippy::print_stderr,
    reason = "the failure is the operator's answer, on standard error"
)]
fn report(error: &anyhow::Error) {
    eprintln!("error: {error:#}");
}

/// Logs on standard error (standard output is the command's result).
fn init_tracing(filter: &str, format: LogFormat) {
    let filter = EnvFilter::try_new(filter).unwrap_or_else(|_| EnvFilter::new("warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Json => builder.json().init(),
        LogFormat::Text => builder.init(),
    }
}
