//! `sinmungo-server`: the API server binary.

use std::io::Read as _;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::Parser as _;
use sinmungo_server::{Cli, Command, CreateUserArgs, Server, ServerConfig};

/// mimalloc rather than glibc's malloc: glibc raises its mmap threshold to the
/// largest block freed so far (argon2's 19 MiB per password, a photo's decode
/// buffer) and then keeps such blocks in per-thread arenas for good — 50
/// sign-ups left the server holding 218 MiB; with mimalloc, 38 MiB
/// (docs/benchmarks.md, "Memory").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    let mut cli = Cli::parse();
    cli.config = cli.config.in_data_dir();
    sinmungo_wiring::init_tracing(&cli.config.log, cli.config.log_format);
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(error = format!("{error:#}"), "sinmungo-server failed");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(&cli.config).await,
        Command::Migrate => {
            sinmungo_server::migrate(&cli.config).await?;
            tracing::info!(database = %cli.config.store.database_url, "database migrated and seeded");
            Ok(())
        }
        Command::CreateUser(args) => create_user(&cli.config, args).await,
    }
}

async fn serve(config: &ServerConfig) -> anyhow::Result<()> {
    let server = Server::bind(config).await?;
    let addr = server.local_addr()?;
    tracing::info!(
        url = format!("http://{addr}"),
        database = %config.store.database_url,
        photos = %config.media.storage_url,
        data_dir = %config.data_dir.display(),
        "Sinmungo is listening"
    );
    server.run(shutdown_signal()).await?;
    tracing::info!("stopped");
    Ok(())
}

async fn create_user(config: &ServerConfig, args: CreateUserArgs) -> anyhow::Result<()> {
    let password = match std::env::var("SINMUNGO_NEW_USER_PASSWORD") {
        Ok(password) => password,
        Err(_) => {
            let mut input = String::new();
            std::io::stdin()
                .read_to_string(&mut input)
                .context("reading the password from standard input")?;
            input.lines().next().unwrap_or_default().to_owned()
        }
    };
    let user = sinmungo_server::create_user(config, args, password).await?;
    tracing::info!(id = %user.id, email = user.email.as_str(), role = %user.role, "account created");
    Ok(())
}

/// Completes on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => tracing::info!("Ctrl-C received, shutting down"),
        () = terminate => tracing::info!("SIGTERM received, shutting down"),
    }
}
