//! One reconnecting, multiplexed connection shared by every store of the
//! process.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{ErrorKind, ServerErrorKind};

use crate::options::{redact_url, RedisOptions};

/// Why Redis could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum RedisError {
    /// The options cannot work (a malformed URL, no Tokio runtime).
    #[error("invalid Redis configuration: {0}")]
    Config(String),
    /// Redis cannot be reached or cannot serve now (refused, timed out,
    /// loading, read-only after a failover); trying again later may work.
    #[error("Redis unavailable: {0}")]
    Unavailable(String),
    /// Redis answered with something this crate did not expect (a bug, or
    /// keys under our prefix written by someone else).
    #[error("Redis error: {0}")]
    Unexpected(String),
}

/// A connection to Redis, cheap to clone; clones share one multiplexed TCP
/// connection.
///
/// Created without touching the network, so a server can start while Redis is
/// down: commands then fail with [`RedisError::Unavailable`] (or the ports'
/// own unavailable errors) within the configured timeouts, and the connection
/// is re-established on a later command once Redis is back.
#[derive(Clone)]
pub struct RedisConnection {
    manager: ConnectionManager,
    /// For connections of their own (pub/sub).
    client: redis::Client,
    prefix: Arc<str>,
    /// The longest any one operation may take, whatever the client does.
    deadline: Duration,
    redacted_url: Arc<str>,
}

impl std::fmt::Debug for RedisConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisConnection")
            .field("url", &self.redacted_url)
            .field("key_prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

impl RedisConnection {
    /// A connection to `options.url`, established lazily by the first command.
    ///
    /// Fails only when the options cannot work: a URL that does not parse (the
    /// error shows it without its password), or no Tokio runtime to run the
    /// connection on (call it from within one).
    pub fn connect(options: &RedisOptions) -> Result<Self, RedisError> {
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(RedisError::Config(
                "RedisConnection::connect must be called within a Tokio runtime".to_owned(),
            ));
        }
        let client = redis::Client::open(options.url.as_str()).map_err(|error| {
            let url = redact_url(&options.url);
            RedisError::Config(format!("the Redis URL {url} cannot be used: {error}"))
        })?;
        // No retries inside the client: a request fails as soon as one
        // connection attempt fails, and the next request tries again. A
        // request handler should hear "unavailable" quickly, not wait out a
        // backoff.
        let config = ConnectionManagerConfig::new()
            .set_number_of_retries(0)
            .set_connection_timeout(Some(options.connect_timeout))
            .set_response_timeout(Some(options.response_timeout));
        let manager = ConnectionManager::new_lazy_with_config(client.clone(), config)
            .map_err(|error| RedisError::Config(error.to_string()))?;
        Ok(Self {
            manager,
            client,
            prefix: options.key_prefix.as_str().into(),
            // One connection attempt, and up to three round trips (a script
            // the server does not know yet: EVALSHA, SCRIPT LOAD, EVALSHA).
            deadline: options
                .connect_timeout
                .saturating_add(options.response_timeout.saturating_mul(3)),
            redacted_url: redact_url(&options.url).into(),
        })
    }

    /// Whether Redis answers (for a readiness probe).
    pub async fn ping(&self) -> Result<(), RedisError> {
        let pong: String =
            self.run(|mut connection| async move {
                redis::cmd("PING").query_async(&mut connection).await
            })
            .await?;
        if pong == "PONG" {
            Ok(())
        } else {
            Err(RedisError::Unexpected(format!(
                "PING answered {pong:?}, not PONG"
            )))
        }
    }

    /// The prefix of every key.
    pub fn key_prefix(&self) -> &str {
        &self.prefix
    }

    /// The client, for connections that cannot be shared (pub/sub).
    pub(crate) fn client(&self) -> redis::Client {
        self.client.clone()
    }

    /// `{prefix}{suffix}`.
    pub(crate) fn key(&self, suffix: &str) -> String {
        format!("{}{suffix}", self.prefix)
    }

    /// Runs one operation on a clone of the shared connection, within the
    /// deadline, mapping the client's errors.
    ///
    /// A refused connection is tried once more: the command was never sent,
    /// and the client has just started a fresh connection attempt, which
    /// succeeds if Redis came back since the last failure (otherwise the
    /// first request after an outage would fail on the stale attempt).
    pub(crate) async fn run<T, F, Fut>(&self, mut operation: F) -> Result<T, RedisError>
    where
        F: FnMut(ConnectionManager) -> Fut,
        Fut: Future<Output = redis::RedisResult<T>>,
    {
        let attempts = async {
            match operation(self.manager.clone()).await {
                Err(error) if error.is_connection_refusal() => {
                    operation(self.manager.clone()).await
                }
                outcome => outcome,
            }
        };
        match tokio::time::timeout(self.deadline, attempts).await {
            Ok(outcome) => outcome.map_err(|error| classify(&error)),
            Err(_) => Err(RedisError::Unavailable(format!(
                "no answer within {} ms",
                self.deadline.as_millis()
            ))),
        }
    }
}

/// Sorts the client's errors into "try again later" and "something is wrong".
fn classify(error: &redis::RedisError) -> RedisError {
    let unavailable = match error.kind() {
        ErrorKind::Io | ErrorKind::AuthenticationFailed => true,
        ErrorKind::Server(kind) => matches!(
            kind,
            ServerErrorKind::BusyLoading
                | ServerErrorKind::TryAgain
                | ServerErrorKind::ClusterDown
                | ServerErrorKind::MasterDown
                | ServerErrorKind::ReadOnly
        ),
        // Codes the client does not name: out of memory (maxmemory reached),
        // busy running a slow script.
        ErrorKind::Extension => matches!(error.code(), Some("OOM" | "BUSY")),
        _ => false,
    };
    if unavailable {
        RedisError::Unavailable(error.to_string())
    } else {
        RedisError::Unexpected(error.to_string())
    }
}
