//! sqlx errors in the ports' words: the only place that inspects driver errors.
//!
//! "Not now" (the connection, the server starting or stopping, too many
//! clients) is `Unavailable`, so callers answer 503 and try again later; a
//! broken rule is `AlreadyExists` or `NotFound`; anything else is `Unknown`
//! with its context.

use anyhow::anyhow;
use sinmungo_core::ports::{StoreError, Uniqueness};
use sqlx::error::DatabaseError;
use sqlx::migrate::MigrateError;

/// SQLSTATE `unique_violation`.
const UNIQUE_VIOLATION: &str = "23505";
/// SQLSTATE `foreign_key_violation`.
const FOREIGN_KEY_VIOLATION: &str = "23503";

/// The unique constraints that are not about identity (see the migration).
const EMAIL_CONSTRAINT: &str = "users_email_unique";
const SUPPORTER_CONSTRAINT: &str = "supporters_once_per_user";

/// Maps a sqlx error to the port error.
pub(crate) fn store_error(error: sqlx::Error) -> StoreError {
    match error {
        sqlx::Error::Database(database) => database_error(database.as_ref())
            .unwrap_or_else(|| StoreError::Unknown(anyhow!(sqlx::Error::Database(database)))),
        sqlx::Error::PoolTimedOut => StoreError::Unavailable(
            "timed out waiting for a database connection (is PostgreSQL up?)".to_owned(),
        ),
        sqlx::Error::PoolClosed => {
            StoreError::Unavailable("the database connection pool is closed".to_owned())
        }
        sqlx::Error::WorkerCrashed => {
            StoreError::Unavailable("the database connection worker stopped".to_owned())
        }
        sqlx::Error::Io(io) => StoreError::Unavailable(format!("database I/O failed: {io}")),
        sqlx::Error::Tls(tls) => {
            StoreError::Unavailable(format!("the database TLS session failed: {tls}"))
        }
        other => StoreError::Unknown(anyhow!(other)),
    }
}

/// Maps a migration failure.
pub(crate) fn migrate_error(error: MigrateError) -> StoreError {
    match error {
        MigrateError::Execute(error) => match store_error(error) {
            StoreError::Unknown(error) => {
                StoreError::Unknown(error.context("migrating the PostgreSQL schema"))
            }
            other => other,
        },
        other => StoreError::Unknown(anyhow!(other).context("migrating the PostgreSQL schema")),
    }
}

/// The port error of a database error, or `None` when it is a bug (`Unknown`).
fn database_error(error: &dyn DatabaseError) -> Option<StoreError> {
    let code = error.code()?;
    classify(&code, error.constraint(), error.message())
}

/// The port error of an SQLSTATE (with the constraint it names, if any).
fn classify(code: &str, constraint: Option<&str>, message: &str) -> Option<StoreError> {
    match code {
        UNIQUE_VIOLATION => Some(StoreError::AlreadyExists(uniqueness(constraint))),
        FOREIGN_KEY_VIOLATION => Some(StoreError::NotFound),
        // Class 08: connection exceptions; 57P01–57P03: the server is shutting
        // down, crashed or starting; 53300: too many connections.
        _ if code.starts_with("08") || matches!(code, "57P01" | "57P02" | "57P03" | "53300") => {
            Some(StoreError::Unavailable(format!(
                "the database is unavailable ({code}): {message}"
            )))
        }
        _ => None,
    }
}

/// Which rule a unique violation broke, from the constraint's name.
fn uniqueness(constraint: Option<&str>) -> Uniqueness {
    match constraint {
        Some(EMAIL_CONSTRAINT) => Uniqueness::Email,
        Some(SUPPORTER_CONSTRAINT) => Uniqueness::Supporter,
        // Primary keys, receipt numbers, entry and event ids.
        _ => Uniqueness::Identity,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unique_violations_name_the_rule_by_constraint() {
        let rule = |constraint| match classify("23505", constraint, "duplicate key") {
            Some(StoreError::AlreadyExists(rule)) => rule,
            other => panic!("{other:?}"),
        };
        assert_eq!(rule(Some("users_email_unique")), Uniqueness::Email);
        assert_eq!(
            rule(Some("supporters_once_per_user")),
            Uniqueness::Supporter
        );
        assert_eq!(rule(Some("reports_number_unique")), Uniqueness::Identity);
        assert_eq!(rule(Some("reports_pkey")), Uniqueness::Identity);
        assert_eq!(rule(Some("api_keys_key_hash_unique")), Uniqueness::Identity);
        assert_eq!(rule(Some("user_identities_pkey")), Uniqueness::Identity);
        assert_eq!(rule(None), Uniqueness::Identity);
    }

    #[test]
    fn connection_failures_are_unavailable_and_bugs_unknown() {
        for code in [
            "08000", "08006", "08P01", "57P01", "57P02", "57P03", "53300",
        ] {
            assert!(
                matches!(classify(code, None, "x"), Some(StoreError::Unavailable(_))),
                "{code}"
            );
        }
        assert!(matches!(
            classify("23503", Some("timeline_report_id_fkey"), "x"),
            Some(StoreError::NotFound)
        ));
        // Syntax error, undefined table, check violation: bugs.
        for code in ["42601", "42P01", "23514", "57014"] {
            assert!(classify(code, None, "x").is_none(), "{code}");
        }
        assert!(matches!(
            store_error(sqlx::Error::PoolTimedOut),
            StoreError::Unavailable(_)
        ));
        assert!(matches!(
            store_error(sqlx::Error::Io(std::io::ErrorKind::ConnectionReset.into())),
            StoreError::Unavailable(_)
        ));
        assert!(matches!(
            store_error(sqlx::Error::RowNotFound),
            StoreError::Unknown(_)
        ));
    }
}
