//! Backups of PostgreSQL with its own tools, for the staff CLI.
//!
//! [`backup_to`](DatabaseBackup::backup_to) runs `pg_dump --format=custom`
//! of the store's schema and the pg_trgm extension its indexes use: one
//! consistent snapshot, taken while servers keep writing. Then, like
//! [`check_backup`](DatabaseBackup::check_backup) on any dump, it proves the
//! file restores: a scratch database is created on the same server, the dump
//! restored into it with `pg_restore --exit-on-error`, every migration it
//! records checked as applied and its reports counted; the scratch database
//! is dropped whatever happened.
//!
//! Both need PostgreSQL's client programs (`pg_dump`, `pg_restore`; Debian's
//! `postgresql-client`) on the `PATH`, of the server's major version or
//! newer; the check needs the `CREATEDB` privilege. The password reaches
//! them through `PGPASSWORD`, never their argument list.

use std::path::Path;
use std::process::{Command, Output};

use anyhow::anyhow;
use async_trait::async_trait;
use sinmungo_core::ports::{BackupReport, DatabaseBackup, StoreError};
use sqlx::{ConnectOptions as _, Connection as _, Row as _};

use crate::error::store_error;
use crate::PostgresStore;

/// The extension the store's trigram indexes need; dumped with the schema.
const EXTENSION: &str = "pg_trgm";

/// Backs up and checks backups of the database at one URL.
#[derive(Clone)]
pub struct PostgresBackup {
    store: PostgresStore,
    url: url::Url,
}

impl std::fmt::Debug for PostgresBackup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may hold a password.
        f.debug_struct("PostgresBackup")
            .field("host", &self.url.host_str())
            .field("database", &self.url.path())
            .finish_non_exhaustive()
    }
}

impl PostgresBackup {
    /// The backups of `store`, whose primary is at `url`.
    pub fn new(store: PostgresStore, url: &str) -> Result<Self, StoreError> {
        let url = url::Url::parse(url)
            .map_err(|e| StoreError::Unknown(anyhow!("the database URL: {e}")))?;
        Ok(Self { store, url })
    }

    /// The database at `url` with another database name (`None`: the same).
    fn url_of(&self, database: Option<&str>) -> url::Url {
        let mut url = self.url.clone();
        if let Some(database) = database {
            url.set_path(&format!("/{database}"));
        }
        // Handed to the child in PGPASSWORD instead.
        let _ = url.set_password(None);
        url
    }

    /// Runs a client program against `database` with `args`; its output, or
    /// why it could not be started.
    async fn run(
        &self,
        program: &'static str,
        database: Option<&str>,
        args: Vec<String>,
    ) -> Result<Output, StoreError> {
        let dbname = format!("--dbname={}", self.url_of(database));
        let password = self.url.password().map(|p| {
            percent_encoding::percent_decode_str(p)
                .decode_utf8_lossy()
                .into_owned()
        });
        tokio::task::spawn_blocking(move || {
            let mut command = Command::new(program);
            command.args(&args).arg(dbname);
            if let Some(password) = password {
                command.env("PGPASSWORD", password);
            }
            command.output().map_err(|e| {
                StoreError::Unknown(anyhow!(
                    "{program} could not be started ({e}): install PostgreSQL's client programs (Debian: postgresql-client) and put them on the PATH"
                ))
            })
        })
        .await
        .map_err(|e| StoreError::Unknown(anyhow!("{program}: {e}")))?
    }

    /// Restores `file` into the empty database `scratch` and reads it back:
    /// `ok`, or what went wrong with the dump, and the reports it holds.
    async fn restore_and_read(
        &self,
        file: &Path,
        scratch: &str,
    ) -> Result<(String, u64), StoreError> {
        let options = self.store.primary.connect_options().as_ref().clone();
        let mut conn = options
            .database(scratch)
            .connect()
            .await
            .map_err(store_error)?;
        // A schema-only dump holds the indexes that need it, not the extension.
        sqlx::query(&format!("CREATE EXTENSION IF NOT EXISTS {EXTENSION}"))
            .execute(&mut conn)
            .await
            .map_err(store_error)?;
        let restored = self
            .run(
                "pg_restore",
                Some(scratch),
                vec![
                    "--no-owner".to_owned(),
                    "--no-privileges".to_owned(),
                    "--exit-on-error".to_owned(),
                    file.display().to_string(),
                ],
            )
            .await?;
        if !restored.status.success() {
            conn.close().await.map_err(store_error)?;
            return Ok((failure("pg_restore", &restored), 0));
        }
        let verdict = read_back(&mut conn).await;
        conn.close().await.map_err(store_error)?;
        verdict
    }
}

/// What a failed client program said, on one line.
fn failure(program: &str, output: &Output) -> String {
    let said = String::from_utf8_lossy(&output.stderr);
    let said: Vec<&str> = said
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    if said.is_empty() {
        format!("{program} failed ({})", output.status)
    } else {
        said.join("; ")
    }
}

/// Checks a restored database: the one schema with the store's tables, every
/// migration it records applied, its reports readable. `ok` and the count,
/// or what is wrong.
async fn read_back(conn: &mut sqlx::PgConnection) -> Result<(String, u64), StoreError> {
    let schemas: Vec<String> = sqlx::query_scalar(
        "SELECT table_schema::text FROM information_schema.tables \
         WHERE table_name = '_sqlx_migrations' ORDER BY 1",
    )
    .fetch_all(&mut *conn)
    .await
    .map_err(store_error)?;
    let schema = match schemas.as_slice() {
        [schema] => schema,
        [] => {
            return Ok((
                "the dump holds no Sinmungo database (no _sqlx_migrations table)".to_owned(),
                0,
            ))
        }
        _ => {
            return Ok((
                format!(
                    "the dump holds {} Sinmungo schemas ({}); dump one with --schema",
                    schemas.len(),
                    schemas.join(", ")
                ),
                0,
            ))
        }
    };
    // The name came from the catalogue; quoted all the same.
    let schema = format!("\"{}\"", schema.replace('"', "\"\""));
    let row = sqlx::query(&format!(
        "SELECT count(*) FILTER (WHERE NOT success) AS failed, count(*) AS applied \
         FROM {schema}._sqlx_migrations"
    ))
    .fetch_one(&mut *conn)
    .await
    .map_err(store_error)?;
    let failed: i64 = row.try_get("failed").map_err(store_error)?;
    let applied: i64 = row.try_get("applied").map_err(store_error)?;
    if applied == 0 || failed > 0 {
        return Ok((
            format!("{failed} of {applied} migrations recorded as failed or none applied"),
            0,
        ));
    }
    let reports: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM {schema}.reports"))
        .fetch_one(&mut *conn)
        .await
        .map_err(store_error)?;
    Ok(("ok".to_owned(), u64::try_from(reports).unwrap_or(0)))
}

#[async_trait]
impl DatabaseBackup for PostgresBackup {
    #[tracing::instrument(skip_all, fields(file = %target.display()))]
    async fn backup_to(&self, target: &Path) -> Result<BackupReport, StoreError> {
        if target.exists() {
            return Err(StoreError::Unknown(anyhow!(
                "{} exists already; a backup never overwrites a file",
                target.display()
            )));
        }
        let schema: String = sqlx::query_scalar("SELECT current_schema()::text")
            .fetch_one(&self.store.primary)
            .await
            .map_err(store_error)?;
        let dumped = self
            .run(
                "pg_dump",
                None,
                vec![
                    "--format=custom".to_owned(),
                    format!("--schema={schema}"),
                    format!("--extension={EXTENSION}"),
                    format!("--file={}", target.display()),
                ],
            )
            .await?;
        if !dumped.status.success() {
            return Err(StoreError::Unknown(anyhow!(
                "{}",
                failure("pg_dump", &dumped)
            )));
        }
        self.check_backup(target).await
    }

    #[tracing::instrument(skip_all, fields(file = %file.display()))]
    async fn check_backup(&self, file: &Path) -> Result<BackupReport, StoreError> {
        let bytes = std::fs::metadata(file)
            .map_err(|e| StoreError::Unknown(anyhow!("reading {}: {e}", file.display())))?
            .len();
        let scratch = format!("sinmungo_check_{}", uuid::Uuid::now_v7().simple());
        sqlx::query(&format!("CREATE DATABASE {scratch}"))
            .execute(&self.store.primary)
            .await
            .map_err(|e| {
                StoreError::Unknown(anyhow!(
                    "creating the scratch database {scratch} to restore into (the account needs CREATEDB): {e}"
                ))
            })?;
        let verdict = self.restore_and_read(file, &scratch).await;
        let dropped = sqlx::query(&format!("DROP DATABASE IF EXISTS {scratch} WITH (FORCE)"))
            .execute(&self.store.primary)
            .await;
        let (integrity, reports) = verdict?;
        dropped.map_err(|e| {
            StoreError::Unknown(anyhow!("dropping the scratch database {scratch}: {e}"))
        })?;
        Ok(BackupReport {
            bytes,
            integrity,
            reports,
        })
    }
}
