//! Sinmungo's Redis adapter: the state server instances must share.
//!
//! - [`RedisSessionStore`] implements the core's `SessionStore`: refresh
//!   tokens, their families and users, with the atomic use-once `consume`
//!   that reuse detection relies on.
//! - [`RedisRateLimiter`] implements `RateLimiter` with fixed windows, so a
//!   limit holds across every instance behind a load balancer instead of per
//!   process (core's `InProcessRateLimiter` is the default without Redis).
//!
//! - [`RedisFanout`] implements `Fanout`: live pushes published on a
//!   pub/sub channel and handed to every instance's WebSocket hub.
//!
//! All run on a [`RedisConnection`]: one multiplexed connection per process
//! (redis-rs's `ConnectionManager`), created lazily so a server starts while
//! Redis is down, reconnecting on a later command, with every operation
//! bounded by the connect and response timeouts of [`RedisOptions`]. A lost
//! or refused connection, a timeout, or a Redis that is loading or read-only
//! becomes the port's "unavailable" error (`StoreError::Unavailable`,
//! `RateLimitError`); nothing of redis-rs crosses a port. Operations that
//! read and write are Lua scripts (sent by hash, loaded on first use), which
//! Redis runs atomically. Every key starts with the configured prefix
//! (`sinmungo:` by default); see each module for its keys.
//!
//! A single Redis server is assumed (replicas and Sentinel are fine): the
//! scripts touch keys they compute, which Redis Cluster forbids.

#![warn(missing_docs)]

mod connection;
mod fanout;
mod options;
mod rate_limiter;
mod session_store;

pub use connection::{RedisConnection, RedisError};
pub use fanout::RedisFanout;
pub use options::{RedisOptions, DEFAULT_KEY_PREFIX};
pub use rate_limiter::RedisRateLimiter;
pub use session_store::RedisSessionStore;
