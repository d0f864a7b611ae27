//! `backup FILE` and `restore FILE`. A backup is an online, consistent copy
//! of the database — SQLite: `VACUUM INTO`, checked with
//! `PRAGMA integrity_check`; PostgreSQL: `pg_dump`, checked by restoring it
//! into a scratch database — with the photos of a `file://` media store
//! copied to `FILE.media/`. Restoring (SQLite) replaces the database file and
//! the photos with a backup's, after checking it: stop every server first.
//! PostgreSQL is restored with `pg_restore` (see the README).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::json;
use sinmungo_core::app::UseCases;
use sinmungo_core::domain::access::Actor;
use sinmungo_core::domain::user::Role;
use sinmungo_core::ports::DatabaseBackup;

use crate::commands::{BackupArgs, RestoreArgs};
use crate::error::CliError;
use crate::output::{notice, summary};
use crate::VIA;

/// What backups and restores reach below the use cases: the database's
/// backup port and files.
#[derive(Clone, Default)]
pub struct Storage {
    /// The store's backups.
    pub backup: Option<Arc<dyn DatabaseBackup>>,
    /// The SQLite database file (`None` on PostgreSQL).
    pub database_file: Option<PathBuf>,
    /// The directory of a `file://` media store.
    pub media_dir: Option<PathBuf>,
}

impl std::fmt::Debug for Storage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Storage")
            .field("database_file", &self.database_file)
            .field("media_dir", &self.media_dir)
            .finish_non_exhaustive()
    }
}

const NO_BACKUPS: &str = "this store takes no backups (백업할 수 없는 저장소입니다)";
const POSTGRES_RESTORE: &str = "this database is PostgreSQL: check the dump with `sinmungo backup --check FILE`, then restore it with pg_restore (see the README) (PostgreSQL 은 pg_restore 로 복원합니다)";

fn admin_only(actor: &Actor) -> Result<(), CliError> {
    if actor.role() == Some(Role::Admin) {
        Ok(())
    } else {
        Err(CliError::Refused(
            "backups and restores are for administrators (관리자만 할 수 있습니다)".to_owned(),
        ))
    }
}

/// The photos' copy beside a backup file: `FILE.media`.
pub fn media_copy(file: &Path) -> PathBuf {
    let mut name = file.as_os_str().to_owned();
    name.push(".media");
    PathBuf::from(name)
}

pub(crate) async fn backup(
    use_cases: &UseCases,
    actor: &Actor,
    storage: &Storage,
    args: BackupArgs,
) -> Result<(), CliError> {
    admin_only(actor)?;
    let port = storage
        .backup
        .as_ref()
        .ok_or_else(|| CliError::Refused(NO_BACKUPS.to_owned()))?;
    let report = if args.check {
        port.check_backup(&args.file).await
    } else {
        port.backup_to(&args.file).await
    }
    .map_err(CliError::refused)?;
    if report.integrity != "ok" {
        return Err(CliError::Refused(format!(
            "{} failed the integrity check: {} (무결성 검사 실패)",
            args.file.display(),
            report.integrity
        )));
    }
    let mut photos = 0_u64;
    if !args.check {
        if let Some(media) = &storage.media_dir {
            if media.exists() {
                photos = copy_tree(media, &media_copy(&args.file))?;
            }
        }
        use_cases
            .audit
            .record_job(
                actor,
                "database.backup",
                "database",
                json!({"file": args.file.display().to_string(), "bytes": report.bytes, "photos": photos, "via": VIA}),
            )
            .await
            .map_err(CliError::refused)?;
    }
    summary(
        args.out.output,
        &[
            ("file", args.file.display().to_string()),
            ("bytes", report.bytes.to_string()),
            ("integrity_check", report.integrity),
            ("reports", report.reports.to_string()),
            ("photo_files", photos.to_string()),
        ],
    )
}

/// Checks a backup for `restore`, as the administrator `actor`; the binary
/// closes the store, then calls [`restore_files`].
pub(crate) async fn check_restore(
    actor: &Actor,
    storage: &Storage,
    args: &RestoreArgs,
) -> Result<(), CliError> {
    admin_only(actor)?;
    if storage.database_file.is_none() {
        return Err(CliError::Refused(POSTGRES_RESTORE.to_owned()));
    }
    let port = storage
        .backup
        .as_ref()
        .ok_or_else(|| CliError::Refused(NO_BACKUPS.to_owned()))?;
    let report = port
        .check_backup(&args.file)
        .await
        .map_err(CliError::refused)?;
    if report.integrity != "ok" {
        return Err(CliError::Refused(format!(
            "{} failed the integrity check: {}; nothing restored",
            args.file.display(),
            report.integrity
        )));
    }
    if !args.commit {
        notice("dry run: the backup is sound; nothing restored — stop every server, then add --commit (모의 실행: 서버를 모두 멈춘 뒤 --commit 을 붙이세요)");
    }
    Ok(())
}

/// Replaces the database file (and its WAL files) and the photos with the backup's.
pub fn restore_files(storage: &Storage, args: &RestoreArgs) -> Result<(), CliError> {
    let database = storage
        .database_file
        .as_ref()
        .ok_or_else(|| CliError::Refused(POSTGRES_RESTORE.to_owned()))?;
    for suffix in ["-wal", "-shm"] {
        let mut name = database.as_os_str().to_owned();
        name.push(suffix);
        match std::fs::remove_file(PathBuf::from(name)) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(CliError::io("removing the old WAL file")(e)),
        }
    }
    std::fs::copy(&args.file, database).map_err(CliError::io(format!(
        "copying {} to {}",
        args.file.display(),
        database.display()
    )))?;
    let photos = media_copy(&args.file);
    let mut copied = 0;
    if let (Some(media), true) = (&storage.media_dir, photos.exists()) {
        copied = copy_tree(&photos, media)?;
    }
    summary(
        args.out.output,
        &[
            ("restored", database.display().to_string()),
            ("photo_files", copied.to_string()),
        ],
    )
}

/// Copies every file under `from` to the same place under `to`; returns how many.
fn copy_tree(from: &Path, to: &Path) -> Result<u64, CliError> {
    let mut copied = 0;
    std::fs::create_dir_all(to).map_err(CliError::io(format!("creating {}", to.display())))?;
    let entries =
        std::fs::read_dir(from).map_err(CliError::io(format!("reading {}", from.display())))?;
    for entry in entries {
        let entry = entry.map_err(CliError::io(format!("reading {}", from.display())))?;
        let path = entry.path();
        let target = to.join(entry.file_name());
        if path.is_dir() {
            copied += copy_tree(&path, &target)?;
        } else {
            std::fs::copy(&path, &target)
                .map_err(CliError::io(format!("copying {}", path.display())))?;
            copied += 1;
        }
    }
    Ok(copied)
}
