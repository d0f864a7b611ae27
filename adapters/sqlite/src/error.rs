//! sqlx errors in the ports' words: the only place that inspects driver errors.

use anyhow::anyhow;
use sinmungo_core::ports::{StoreError, Uniqueness};
use sqlx::error::{DatabaseError, ErrorKind};
use sqlx::migrate::MigrateError;

/// SQLite's primary result codes that mean "not now" rather than "never".
const SQLITE_BUSY: i32 = 5;
const SQLITE_LOCKED: i32 = 6;
const SQLITE_IOERR: i32 = 10;
const SQLITE_FULL: i32 = 13;
const SQLITE_CANTOPEN: i32 = 14;

/// Maps a sqlx error to the port error.
pub(crate) fn store_error(error: sqlx::Error) -> StoreError {
    match error {
        sqlx::Error::Database(database) => database_error(database.as_ref())
            .unwrap_or_else(|| StoreError::Unknown(anyhow!(sqlx::Error::Database(database)))),
        sqlx::Error::PoolTimedOut => {
            StoreError::Unavailable("timed out waiting for a database connection".to_owned())
        }
        sqlx::Error::PoolClosed => {
            StoreError::Unavailable("the database connection pool is closed".to_owned())
        }
        sqlx::Error::WorkerCrashed => {
            StoreError::Unavailable("the database connection worker stopped".to_owned())
        }
        sqlx::Error::Io(io) => StoreError::Unavailable(format!("database I/O failed: {io}")),
        other => StoreError::Unknown(anyhow!(other)),
    }
}

/// Maps a migration failure.
pub(crate) fn migrate_error(error: MigrateError) -> StoreError {
    match error {
        MigrateError::Execute(error) => store_error(error),
        other => StoreError::Unknown(anyhow!(other).context("migrating the SQLite schema")),
    }
}

/// The port error of a database error, or `None` when it is a bug (`Unknown`).
fn database_error(error: &dyn DatabaseError) -> Option<StoreError> {
    match error.kind() {
        ErrorKind::UniqueViolation => Some(StoreError::AlreadyExists(uniqueness(error.message()))),
        ErrorKind::ForeignKeyViolation => Some(StoreError::NotFound),
        _ => {
            let code = error
                .code()
                .and_then(|code| code.parse::<i32>().ok())
                .map(|extended| extended & 0xff);
            match code {
                Some(SQLITE_BUSY | SQLITE_LOCKED) => Some(StoreError::Unavailable(
                    "the database is busy; try again".to_owned(),
                )),
                Some(SQLITE_IOERR | SQLITE_FULL | SQLITE_CANTOPEN) => {
                    Some(StoreError::Unavailable(format!(
                        "the database file failed: {}",
                        error.message()
                    )))
                }
                _ => None,
            }
        }
    }
}

/// Which rule a unique violation broke, from SQLite's message
/// (`UNIQUE constraint failed: users.email`).
fn uniqueness(message: &str) -> Uniqueness {
    let columns = message
        .split_once("constraint failed:")
        .map_or(message, |(_, columns)| columns)
        .trim();
    if columns.starts_with("supporters.") {
        Uniqueness::Supporter
    } else if columns == "users.email" {
        Uniqueness::Email
    } else {
        Uniqueness::Identity
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unique_violations_name_the_rule_by_table_and_column() {
        assert_eq!(
            uniqueness("UNIQUE constraint failed: users.email"),
            Uniqueness::Email
        );
        assert_eq!(
            uniqueness("UNIQUE constraint failed: supporters.report_id, supporters.user_id"),
            Uniqueness::Supporter
        );
        assert_eq!(
            uniqueness("UNIQUE constraint failed: reports.number"),
            Uniqueness::Identity
        );
        assert_eq!(
            uniqueness("UNIQUE constraint failed: users.id"),
            Uniqueness::Identity
        );
        assert_eq!(
            uniqueness("UNIQUE constraint failed: api_keys.key_hash"),
            Uniqueness::Identity
        );
        assert_eq!(
            uniqueness(
                "UNIQUE constraint failed: user_identities.provider, user_identities.subject"
            ),
            Uniqueness::Identity
        );
    }
}
