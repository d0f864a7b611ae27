//! Connection URLs that may carry a password (`postgres://user:PASSWORD@host/db`,
//! `redis://:PASSWORD@host`): kept whole for the adapter that connects, shown
//! with the password hidden everywhere else.

use std::convert::Infallible;
use std::fmt;
use std::str::FromStr;

/// A database or Redis URL. `Debug` and `Display` replace its password (in
/// the credentials or a `password=` query parameter) with `***`, so neither
/// a log line nor a `{:?}` of a whole configuration can print it; only
/// [`ConnectionUrl::expose`] gives the URL itself, to hand to an adapter.
#[derive(Clone, PartialEq, Eq)]
pub struct ConnectionUrl(String);

impl ConnectionUrl {
    /// `url`, taken as it is (the adapter that connects checks it).
    pub fn new(url: impl Into<String>) -> Self {
        Self(url.into())
    }

    /// The URL with its password, for the adapter that connects.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Its scheme (`sqlite`, `postgres`, `redis`), or `""` when it has none.
    pub fn scheme(&self) -> &str {
        self.0.split_once(':').map_or("", |(scheme, _)| scheme)
    }
}

impl FromStr for ConnectionUrl {
    type Err = Infallible;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Self::new(s))
    }
}

impl From<String> for ConnectionUrl {
    fn from(url: String) -> Self {
        Self(url)
    }
}

impl From<&str> for ConnectionUrl {
    fn from(url: &str) -> Self {
        Self::new(url)
    }
}

impl fmt::Display for ConnectionUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&redact(&self.0))
    }
}

impl fmt::Debug for ConnectionUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ConnectionUrl")
            .field(&redact(&self.0))
            .finish()
    }
}

/// `scheme://user:password@host/…?password=…` → `scheme://user:***@host/…?password=***`.
fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let (location, query) = rest.split_at(rest.find(['?', '#']).unwrap_or(rest.len()));
    // The credentials end at the last `@` before the query, so a password
    // holding an unescaped `/` or `@` stays hidden too.
    let location = match location.rsplit_once('@') {
        Some((credentials, host)) => {
            let user = credentials
                .split_once(':')
                .map_or(credentials, |(user, _)| user);
            format!("{user}:***@{host}")
        }
        None => location.to_owned(),
    };
    format!("{scheme}://{location}{}", redact_query(query))
}

/// `?a=1&password=x#f` → `?a=1&password=***#f`.
fn redact_query(query: &str) -> String {
    let Some(query) = query.strip_prefix('?') else {
        return query.to_owned();
    };
    let (pairs, fragment) = query.split_at(query.find('#').unwrap_or(query.len()));
    let pairs: Vec<String> = pairs
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((key, _)) if key.eq_ignore_ascii_case("password") => format!("{key}=***"),
            _ => pair.to_owned(),
        })
        .collect();
    format!("?{}{fragment}", pairs.join("&"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_reach_the_logs() {
        assert_eq!(
            redact("postgres://sinmungo:s3cr%40t@db.internal:5432/sinmungo?sslmode=require"),
            "postgres://sinmungo:***@db.internal:5432/sinmungo?sslmode=require"
        );
        assert_eq!(
            redact("sqlite://./data/sinmungo.db"),
            "sqlite://./data/sinmungo.db"
        );
        assert_eq!(redact("postgres://localhost/db"), "postgres://localhost/db");
    }

    #[test]
    fn neither_debug_nor_display_shows_a_password() {
        for (url, shown) in [
            (
                "postgres://sinmungo:hunter2@db.internal:5432/sinmungo",
                "postgres://sinmungo:***@db.internal:5432/sinmungo",
            ),
            ("redis://:hunter2@cache:6379/0", "redis://:***@cache:6379/0"),
            (
                "postgres://db/sinmungo?user=app&password=hunter2&sslmode=require",
                "postgres://db/sinmungo?user=app&password=***&sslmode=require",
            ),
            (
                "postgres://app:hun/ter@2@db/sinmungo",
                "postgres://app:***@db/sinmungo",
            ),
        ] {
            let url: ConnectionUrl = url.parse().unwrap();
            assert_eq!(url.to_string(), shown);
            let debug = format!("{url:?}");
            assert!(
                !debug.contains("hunter2") && !debug.contains("hun/ter"),
                "{debug}"
            );
            assert!(debug.contains(shown), "{debug}");
        }
        let url = ConnectionUrl::new("redis://:hunter2@cache:6379");
        assert_eq!(url.expose(), "redis://:hunter2@cache:6379");
        assert_eq!(url.scheme(), "redis");
    }
}
