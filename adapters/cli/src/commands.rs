//! The command tree. Names are the contract staff and scripts rely on.

use std::path::PathBuf;

use chrono::NaiveDate;
use clap::{Args, Subcommand, ValueEnum};

use crate::output::OutputFormat;

/// Options every command takes.
#[derive(Debug, Clone, Args)]
pub struct GlobalArgs {
    /// The operator: the e-mail of a manager or administrator account. The
    /// password comes from SINMUNGO_PASSWORD, or a prompt on a terminal.
    #[arg(long = "as", value_name = "EMAIL", env = "SINMUNGO_AS", global = true)]
    pub operator: Option<String>,
}

/// How a command prints its results. (`reports export` writes reports
/// instead: its `--output` names a file.)
#[derive(Debug, Clone, Copy, Default, Args)]
pub struct OutputArgs {
    /// How results are printed: a table for people, json or csv for scripts.
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub output: OutputFormat,
}

/// What to do.
#[derive(Debug, Clone, Subcommand)]
pub enum Command {
    /// Accounts: list, create, change roles, disable (관리자 계정 관리).
    #[command(subcommand)]
    Users(UsersCommand),
    /// Departments (부서).
    #[command(subcommand)]
    Departments(DepartmentsCommand),
    /// Report categories (신고 유형).
    #[command(subcommand)]
    Categories(CategoriesCommand),
    /// Bulk work on reports: export, import, reassign, close, anonymise.
    #[command(subcommand)]
    Reports(ReportsCommand),
    /// Classification rules: check a rule file, measure rules on labelled reports.
    #[command(subcommand)]
    Rules(RulesCommand),
    /// Counts by status, category and department (통계).
    Stats(StatsArgs),
    /// Write an online, checked copy of the database (and its photos) to FILE:
    /// SQLite's VACUUM INTO, or PostgreSQL's pg_dump restored into a scratch database.
    Backup(BackupArgs),
    /// Replace the SQLite database (and photos) with a backup; stop every server first.
    Restore(RestoreArgs),
}

/// `sinmungo backup`
#[derive(Debug, Clone, Args)]
pub struct BackupArgs {
    /// The new backup file (photos go to FILE.media/).
    pub file: PathBuf,
    /// Only check an existing backup FILE (PostgreSQL: by restoring it into
    /// a scratch database, dropped afterwards; needs pg_restore and CREATEDB).
    #[arg(long)]
    pub check: bool,
    /// Printing.
    #[command(flatten)]
    pub out: OutputArgs,
}

/// `sinmungo restore`
#[derive(Debug, Clone, Args)]
pub struct RestoreArgs {
    /// The backup file.
    pub file: PathBuf,
    /// Restore (without it: check the backup only).
    #[arg(long)]
    pub commit: bool,
    /// Printing.
    #[command(flatten)]
    pub out: OutputArgs,
}

/// `sinmungo users …`
#[derive(Debug, Clone, Subcommand)]
pub enum UsersCommand {
    /// List accounts, with their role, department and whether they are disabled.
    List {
        /// Printing.
        #[command(flatten)]
        out: OutputArgs,
    },
    /// Create an account; its password is read from SINMUNGO_NEW_USER_PASSWORD.
    Create {
        /// Sign-in e-mail address.
        #[arg(long)]
        email: String,
        /// Name shown to colleagues.
        #[arg(long)]
        display_name: String,
        /// citizen, staff, manager or admin.
        #[arg(long, default_value = "staff")]
        role: String,
        /// Department code (staff and managers).
        #[arg(long)]
        department: Option<String>,
        /// Make the change (without it: a dry run).
        #[arg(long)]
        commit: bool,
        /// Printing.
        #[command(flatten)]
        out: OutputArgs,
    },
    /// Change an account's role (and department); its sessions end.
    SetRole {
        /// The account's e-mail.
        email: String,
        /// citizen, staff, manager or admin.
        role: String,
        /// Department code (staff and managers).
        #[arg(long)]
        department: Option<String>,
        /// Make the change (without it: a dry run).
        #[arg(long)]
        commit: bool,
        /// Printing.
        #[command(flatten)]
        out: OutputArgs,
    },
    /// Disable an account: it cannot sign in, and its sessions end.
    Disable {
        /// The account's e-mail.
        email: String,
        /// Enable a disabled account again instead.
        #[arg(long)]
        enable: bool,
        /// Make the change (without it: a dry run).
        #[arg(long)]
        commit: bool,
        /// Printing.
        #[command(flatten)]
        out: OutputArgs,
    },
}

/// `sinmungo departments …`
#[derive(Debug, Clone, Subcommand)]
pub enum DepartmentsCommand {
    /// List departments with their city or county and categories.
    List {
        /// Printing.
        #[command(flatten)]
        out: OutputArgs,
    },
    /// Create a department of a city or county (or the province) that
    /// handles some categories: reports of those categories made there from
    /// now on are routed to it.
    Create(DepartmentArgs),
    /// Replace a department's name, city or county, and categories (reports
    /// already routed stay where they are).
    Update(DepartmentArgs),
}

/// A department as `departments create|update` set it.
#[derive(Debug, Clone, Args)]
pub struct DepartmentArgs {
    /// The department's code (`gunsan_roads`).
    pub code: String,
    /// Korean name (`군산시 도로과`).
    #[arg(long)]
    pub name: String,
    /// English name (default: the Korean name, or the one it has).
    #[arg(long)]
    pub name_en: Option<String>,
    /// The city or county code it serves (`35020` for 군산시); without it, the whole province.
    #[arg(long)]
    pub jurisdiction: Option<String>,
    /// A category it handles (repeat the option for each).
    #[arg(long = "category")]
    pub categories: Vec<String>,
    /// Make the change (without it: a dry run).
    #[arg(long)]
    pub commit: bool,
    /// Printing.
    #[command(flatten)]
    pub out: OutputArgs,
}

/// `sinmungo categories …`
#[derive(Debug, Clone, Subcommand)]
pub enum CategoriesCommand {
    /// List categories with their department, default priority, duplicate
    /// radius and SLA hours per priority (`*`: set by an administrator).
    List {
        /// Printing.
        #[command(flatten)]
        out: OutputArgs,
    },
    /// Set a category's SLA at one priority (or restore the product's default).
    SetSla(SlaArgs),
}

/// `categories set-sla CODE PRIORITY …`
#[derive(Debug, Clone, Args)]
pub struct SlaArgs {
    /// The category's code (`road_damage`).
    pub code: String,
    /// urgent, high, normal or low.
    pub priority: String,
    /// Hours until the first response.
    #[arg(long)]
    pub first_response_hours: Option<u32>,
    /// Hours until resolution.
    #[arg(long)]
    pub resolution_hours: Option<u32>,
    /// Restore the product's default at this priority instead.
    #[arg(long, conflicts_with_all = ["first_response_hours", "resolution_hours"])]
    pub default: bool,
    /// Make the change (without it: a dry run).
    #[arg(long)]
    pub commit: bool,
    /// Printing.
    #[command(flatten)]
    pub out: OutputArgs,
}

/// `sinmungo reports …`
#[derive(Debug, Clone, Subcommand)]
pub enum ReportsCommand {
    /// Export reports page by page (constant memory), masked for the public
    /// unless --include-personal-data.
    Export(ExportArgs),
    /// Import reports from a legacy system: every row is checked first; a
    /// re-run skips rows whose external_id is already imported.
    Import(ImportArgs),
    /// Move open reports of one department to another.
    Reassign(ReassignArgs),
    /// Close reports that stayed in a status longer than a given age.
    Close(CloseArgs),
    /// Anonymise closed reports: reporter unlinked, personal data removed from their text.
    Anonymise(AnonymiseArgs),
}

/// Filters shared by the bulk report commands.
#[derive(Debug, Clone, Default, Args)]
pub struct ReportFilter {
    /// Only this status (received, assigned, in_progress, resolved, rejected, closed, duplicate).
    #[arg(long)]
    pub status: Option<String>,
    /// Only this category code.
    #[arg(long)]
    pub category: Option<String>,
    /// Only this department code.
    #[arg(long)]
    pub department: Option<String>,
    /// Only reports created on or after this day (YYYY-MM-DD, UTC).
    #[arg(long, value_name = "DATE")]
    pub since: Option<NaiveDate>,
    /// Only reports created before this day (YYYY-MM-DD, UTC).
    #[arg(long, value_name = "DATE")]
    pub until: Option<NaiveDate>,
}

/// The formats reports are exported in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// CSV with a UTF-8 byte-order mark, so Excel shows Korean correctly.
    Csv,
    /// A GeoJSON FeatureCollection of points.
    Geojson,
    /// One JSON object per line.
    Ndjson,
}

/// `sinmungo reports export`
#[derive(Debug, Clone, Args)]
pub struct ExportArgs {
    /// File format.
    #[arg(long, value_enum, default_value_t = ExportFormat::Csv)]
    pub format: ExportFormat,
    /// Which reports.
    #[command(flatten)]
    pub filter: ReportFilter,
    /// Write to this file instead of standard output.
    #[arg(long = "output", short = 'o', value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// Export text unmasked, with the reporter's id (audited).
    #[arg(long)]
    pub include_personal_data: bool,
}

/// The formats reports are imported from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ImportFormat {
    /// CSV with a header row: title, description, lat, lng; optional
    /// external_id (or id), category, address, visibility, created_at, status.
    Csv,
    /// A GeoJSON FeatureCollection of points with the same properties.
    Geojson,
}

/// `sinmungo reports import`
#[derive(Debug, Clone, Args)]
pub struct ImportArgs {
    /// The file to import.
    pub file: PathBuf,
    /// File format (default: from the file's extension).
    #[arg(long, value_enum)]
    pub format: Option<ImportFormat>,
    /// Import (without it: check every row and say what would be imported).
    #[arg(long)]
    pub commit: bool,
    /// Rows written per transaction (1–10000); a failed batch leaves nothing
    /// of itself, and a re-run resumes after the batches before it.
    #[arg(long, default_value_t = 500, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub batch_size: u32,
    /// Printing.
    #[command(flatten)]
    pub out: OutputArgs,
}

/// `sinmungo reports reassign`
#[derive(Debug, Clone, Args)]
pub struct ReassignArgs {
    /// The department the reports are in now.
    #[arg(long)]
    pub from_department: String,
    /// The department they move to.
    #[arg(long)]
    pub to_department: String,
    /// Only this status (default: every open report).
    #[arg(long)]
    pub status: Option<String>,
    /// Only this category code.
    #[arg(long)]
    pub category: Option<String>,
    /// Make the change (without it: a dry run).
    #[arg(long)]
    pub commit: bool,
    /// Printing.
    #[command(flatten)]
    pub out: OutputArgs,
}

/// `sinmungo reports close`
#[derive(Debug, Clone, Args)]
pub struct CloseArgs {
    /// The status the reports are in (resolved → closed; received,
    /// assigned, in_progress → rejected with a note).
    #[arg(long, default_value = "resolved")]
    pub status: String,
    /// How long they have been in it: 30d, 12h, 2w.
    #[arg(long, value_name = "AGE")]
    pub older_than: String,
    /// The note recorded on each report's timeline.
    #[arg(long, default_value = "일괄 종결 (closed in bulk by an administrator)")]
    pub note: String,
    /// Make the change (without it: a dry run).
    #[arg(long)]
    pub commit: bool,
    /// Printing.
    #[command(flatten)]
    pub out: OutputArgs,
}

/// `sinmungo reports anonymise`
#[derive(Debug, Clone, Args)]
pub struct AnonymiseArgs {
    /// Closed reports whose status last changed before this day (YYYY-MM-DD, UTC).
    #[arg(long, value_name = "DATE")]
    pub closed_before: NaiveDate,
    /// Make the change (without it: a dry run).
    #[arg(long)]
    pub commit: bool,
    /// Printing.
    #[command(flatten)]
    pub out: OutputArgs,
}

/// `sinmungo rules …`
#[derive(Debug, Clone, Subcommand)]
pub enum RulesCommand {
    /// Parse a rule file and explain its errors, with line numbers.
    Check {
        /// The TOML rule file.
        file: PathBuf,
        /// Printing.
        #[command(flatten)]
        out: OutputArgs,
    },
    /// How many open reports a new rule file would classify differently
    /// from the rules in force, by change, with examples (changes nothing).
    Diff {
        /// The new TOML rule file.
        file: PathBuf,
        /// The rules in force (default: SINMUNGO_RULES, else the built-in Korean rules).
        #[arg(long, env = "SINMUNGO_RULES", value_name = "FILE")]
        against: Option<PathBuf>,
        /// Example reports listed per change.
        #[arg(long, default_value_t = 3, value_name = "N")]
        examples: usize,
        /// Printing.
        #[command(flatten)]
        out: OutputArgs,
    },
    /// Measure rules on labelled reports (CSV columns
    /// id,title,description,category,also_acceptable, or text,category):
    /// strict and acceptable accuracy overall, without `other` and per
    /// category, precision, and the confusion matrix.
    Eval {
        /// The labelled CSV file.
        labelled: PathBuf,
        /// The rule file (default: the built-in Korean keyword rules).
        #[arg(long)]
        rules: Option<PathBuf>,
        /// List the examples classified wrongly (not even acceptably) instead.
        #[arg(long)]
        misses: bool,
        /// Printing.
        #[command(flatten)]
        out: OutputArgs,
    },
}

/// `sinmungo stats`
#[derive(Debug, Clone, Args)]
pub struct StatsArgs {
    /// Only reports created on or after this day (YYYY-MM-DD, UTC).
    #[arg(long, value_name = "DATE")]
    pub since: Option<NaiveDate>,
    /// Printing.
    #[command(flatten)]
    pub out: OutputArgs,
}
