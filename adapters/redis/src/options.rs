//! Where Redis is and how long to wait for it.

use std::time::Duration;

/// The key prefix when none is configured.
pub const DEFAULT_KEY_PREFIX: &str = "sinmungo:";

/// How to reach Redis.
///
/// `Debug` shows the URL with its password replaced by `***`, so options can
/// be logged as they are.
#[derive(Clone, PartialEq, Eq)]
pub struct RedisOptions {
    /// `redis://[user[:password]@]host[:port][/db]` (or `redis+unix:///path`).
    pub url: String,
    /// Put in front of every key this crate writes, so several deployments
    /// (or test runs) can share one Redis; [`DEFAULT_KEY_PREFIX`] by default.
    pub key_prefix: String,
    /// How long one connection attempt may take.
    pub connect_timeout: Duration,
    /// How long one command may wait for its answer.
    pub response_timeout: Duration,
}

impl RedisOptions {
    /// Options for `url` with the default prefix and timeouts (1 s to
    /// connect, 1 s per answer).
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            key_prefix: DEFAULT_KEY_PREFIX.to_owned(),
            connect_timeout: Duration::from_secs(1),
            response_timeout: Duration::from_secs(1),
        }
    }

    /// Replaces the key prefix.
    #[must_use]
    pub fn with_key_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.key_prefix = prefix.into();
        self
    }

    /// Replaces both timeouts.
    #[must_use]
    pub fn with_timeouts(mut self, connect: Duration, response: Duration) -> Self {
        self.connect_timeout = connect;
        self.response_timeout = response;
        self
    }

    /// The URL with any password replaced by `***`, fit for logs.
    pub fn redacted_url(&self) -> String {
        redact_url(&self.url)
    }
}

impl std::fmt::Debug for RedisOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisOptions")
            .field("url", &self.redacted_url())
            .field("key_prefix", &self.key_prefix)
            .field("connect_timeout", &self.connect_timeout)
            .field("response_timeout", &self.response_timeout)
            .finish()
    }
}

/// `url` without secrets: the password of the user information and the value
/// of a `pass` or `password` query parameter (how `redis+unix` URLs carry one)
/// become `***`. Something that is not a URL at all is hidden entirely, and so
/// is everything after the scheme when an `@` shows up past the host (where a
/// password with an unescaped `/` would leave part of itself).
pub(crate) fn redact_url(url: &str) -> String {
    const HIDDEN: &str = "***";
    let Some((scheme, rest)) = url.split_once("://") else {
        return "<not a URL>".to_owned();
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    if tail.contains('@') {
        return format!("{scheme}://{HIDDEN}");
    }
    let authority = match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _password)) => format!("{user}:{HIDDEN}@{host}"),
            None => format!("{userinfo}@{host}"),
        },
        None => authority.to_owned(),
    };
    let tail = match tail.split_once('?') {
        Some((path, query)) => {
            let (query, fragment) = match query.split_once('#') {
                Some((query, fragment)) => (query, Some(fragment)),
                None => (query, None),
            };
            let query = query
                .split('&')
                .map(|pair| match pair.split_once('=') {
                    Some((name, _)) if is_secret_parameter(name) => format!("{name}={HIDDEN}"),
                    _ => pair.to_owned(),
                })
                .collect::<Vec<_>>()
                .join("&");
            match fragment {
                Some(fragment) => format!("{path}?{query}#{fragment}"),
                None => format!("{path}?{query}"),
            }
        }
        None => tail.to_owned(),
    };
    format!("{scheme}://{authority}{tail}")
}

fn is_secret_parameter(name: &str) -> bool {
    name.eq_ignore_ascii_case("pass") || name.eq_ignore_ascii_case("password")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_hidden() {
        for (url, shown) in [
            ("redis://127.0.0.1:6379", "redis://127.0.0.1:6379"),
            ("redis://127.0.0.1:6379/2", "redis://127.0.0.1:6379/2"),
            (
                "redis://:s3cret@cache.internal:6379/0",
                "redis://:***@cache.internal:6379/0",
            ),
            (
                "redis://app:p@ss:w0rd@cache.internal",
                "redis://app:***@cache.internal",
            ),
            ("redis://app@cache.internal", "redis://app@cache.internal"),
            (
                "redis+unix:///run/redis.sock?db=1&pass=s3cret",
                "redis+unix:///run/redis.sock?db=1&pass=***",
            ),
            (
                "redis://cache/0?password=s3cret#frag",
                "redis://cache/0?password=***#frag",
            ),
            ("redis://:pa/ss@cache.internal", "redis://***"),
            ("redis+unix:///run/redis.sock?pass=a@b", "redis+unix://***"),
            ("s3cret", "<not a URL>"),
        ] {
            assert_eq!(redact_url(url), shown, "{url}");
        }
    }

    #[test]
    fn debug_shows_no_password() {
        let options = RedisOptions::new("redis://user:hunter2@cache:6379/0");
        let debug = format!("{options:?}");
        assert!(!debug.contains("hunter2"), "{debug}");
        assert!(debug.contains("redis://user:***@cache:6379/0"), "{debug}");
        assert!(debug.contains("sinmungo:"), "{debug}");
    }
}
