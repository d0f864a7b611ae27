//! The staff CLI `sinmungo`, as a library: the clap command tree, the
//! operator's sign-in, and each command over the core's use cases. The
//! binary (`apps/cli`) flattens the shared configuration into its command
//! line, builds the use cases with `sinmungo-wiring` and hands them here, so
//! every change the CLI makes passes the same rules, routing, masking, audit
//! and outbox as the server's.
//!
//! Conventions every command keeps:
//! - it acts as the operator named by `--as` (a manager or administrator),
//!   through the use cases, so the audit log names that person;
//! - a command that changes data is a dry run unless given `--commit`: it
//!   prints what it would do and changes nothing;
//! - people get tables, scripts `--output json` or `--output csv`; progress
//!   bars are drawn on standard error, and only on a terminal;
//! - exit codes: 0 done, 1 failed, 2 usage (clap's own).

mod backup;
mod commands;
mod directory;
mod error;
mod export;
mod import;
mod operator;
mod output;
mod progress;
mod reports;
mod rules;
mod stats;
mod users;

pub use backup::{media_copy, restore_files, Storage};
pub use commands::{
    AnonymiseArgs, BackupArgs, CategoriesCommand, CloseArgs, Command, DepartmentArgs,
    DepartmentsCommand, ExportArgs, ExportFormat, GlobalArgs, ImportArgs, ImportFormat, OutputArgs,
    ReassignArgs, ReportFilter, ReportsCommand, RestoreArgs, RulesCommand, SlaArgs, StatsArgs,
    UsersCommand,
};
pub use error::CliError;
pub use operator::{read_password, PASSWORD_VAR};
pub use output::OutputFormat;

use sinmungo_core::app::UseCases;

/// What `via` says in the audit entries the CLI writes.
pub const VIA: &str = "cli";

/// Runs a command that needs no store (`rules check`, `rules eval`);
/// `None` when `command` needs the store.
pub fn run_offline(command: &Command) -> Option<Result<(), CliError>> {
    match command {
        // `rules diff` reads the open reports: it signs in like the others.
        Command::Rules(RulesCommand::Diff { .. }) => None,
        Command::Rules(rules) => Some(rules::run(rules)),
        _ => None,
    }
}

/// Runs `command` over `use_cases`, as the operator `global` names.
/// `restore` only checks the backup: the caller closes the store and then
/// calls [`restore_files`] if `--commit` was given.
pub async fn run(
    use_cases: &UseCases,
    storage: &Storage,
    global: &GlobalArgs,
    command: Command,
) -> Result<(), CliError> {
    if let Some(done) = run_offline(&command) {
        return done;
    }
    let actor = operator::sign_in(use_cases, global).await?;
    match command {
        Command::Users(users) => users::run(use_cases, &actor, users).await,
        Command::Departments(command) => directory::departments(use_cases, &actor, command).await,
        Command::Categories(command) => directory::categories(use_cases, &actor, command).await,
        Command::Reports(reports) => reports::run(use_cases, &actor, reports).await,
        Command::Stats(args) => stats::run(use_cases, &actor, &args).await,
        Command::Backup(args) => backup::backup(use_cases, &actor, storage, args).await,
        Command::Restore(args) => backup::check_restore(&actor, storage, &args).await,
        Command::Rules(RulesCommand::Diff {
            file,
            against,
            examples,
            out,
        }) => {
            rules::diff(
                use_cases,
                &actor,
                &file,
                against.as_deref(),
                examples,
                out.output,
            )
            .await
        }
        Command::Rules(_) => Ok(()),
    }
}
