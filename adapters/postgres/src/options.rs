//! How to reach the database: URLs, pool size, timeouts, schema.

use std::fmt;
use std::time::Duration;

/// Where and how [`crate::PostgresStore`] connects.
///
/// `Debug` hides the passwords in the URLs.
#[derive(Clone, PartialEq, Eq)]
pub struct PostgresOptions {
    /// The primary, e.g. `postgres://sinmungo:secret@db:5432/sinmungo`:
    /// every write, and every read inside a write, goes here.
    pub url: String,
    /// A read replica for lists, single reports, timelines, the audit list
    /// and user lookups (`None`: the primary serves them). A replica lags
    /// its primary a little, so those reads may miss the latest writes.
    pub read_url: Option<String>,
    /// The most connections each pool (primary, replica) opens. Default 16.
    pub max_connections: u32,
    /// How long a caller waits for a connection before the store answers
    /// `Unavailable`; also bounds connecting while the database is down.
    /// Default 3 s, so an outage answers quickly.
    pub acquire_timeout: Duration,
    /// The schema the tables live in (`None`: the server's default search
    /// path, normally `public`). Set on every connection as
    /// `search_path = <schema>, public` (`public` for extensions such as
    /// pg_trgm). Lowercase ASCII letters, digits and `_`, at most 63 bytes.
    pub schema: Option<String>,
}

impl PostgresOptions {
    /// The default most connections per pool.
    pub const DEFAULT_MAX_CONNECTIONS: u32 = 16;
    /// The default wait for a connection.
    pub const DEFAULT_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(3);

    /// The defaults for a primary at `url`: no replica, 16 connections, 3 s, no schema.
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            read_url: None,
            max_connections: Self::DEFAULT_MAX_CONNECTIONS,
            acquire_timeout: Self::DEFAULT_ACQUIRE_TIMEOUT,
            schema: None,
        }
    }
}

impl fmt::Debug for PostgresOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PostgresOptions")
            .field("url", &redacted(&self.url))
            .field("read_url", &self.read_url.as_deref().map(redacted))
            .field("max_connections", &self.max_connections)
            .field("acquire_timeout", &self.acquire_timeout)
            .field("schema", &self.schema)
            .finish()
    }
}

/// `url` with the password of its user info replaced by `***`.
pub(crate) fn redacted(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((user_info, host)) => {
            let user = user_info
                .split_once(':')
                .map_or(user_info, |(user, _)| user);
            let hidden = if user_info.contains(':') { ":***" } else { "" };
            format!("{scheme}://{user}{hidden}@{host}{path}")
        }
        None => url.to_owned(),
    }
}

/// Whether `schema` is a plain identifier that needs no quoting.
pub(crate) fn is_plain_identifier(schema: &str) -> bool {
    (1..=63).contains(&schema.len())
        && schema.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
        && schema
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_passwords() {
        let options = PostgresOptions {
            read_url: Some("postgres://reader:p%40ss@replica/db?sslmode=disable".to_owned()),
            ..PostgresOptions::new("postgres://app:s3cret@db:5432/sinmungo")
        };
        let shown = format!("{options:?}");
        assert!(
            !shown.contains("s3cret") && !shown.contains("p%40ss"),
            "{shown}"
        );
        assert!(
            shown.contains("postgres://app:***@db:5432/sinmungo"),
            "{shown}"
        );
        assert!(
            shown.contains("postgres://reader:***@replica/db?sslmode=disable"),
            "{shown}"
        );
        assert_eq!(redacted("postgres://db/x"), "postgres://db/x");
        assert_eq!(redacted("postgres://app@db/x"), "postgres://app@db/x");
    }

    #[test]
    fn schemas_are_plain_identifiers() {
        for good in ["sinmungo", "_t1", "t_0192abcd"] {
            assert!(is_plain_identifier(good), "{good}");
        }
        for bad in ["", "1abc", "Upper", "a-b", "a;drop", "a b", &"a".repeat(64)] {
            assert!(!is_plain_identifier(bad), "{bad}");
        }
    }

    #[test]
    fn defaults() {
        let options = PostgresOptions::new("postgres://db/x");
        assert_eq!(options.max_connections, 16);
        assert_eq!(options.acquire_timeout, Duration::from_secs(3));
        assert_eq!((options.read_url, options.schema), (None, None));
    }
}
