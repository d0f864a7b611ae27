//! Refresh sessions in Redis.
//!
//! # Keys
//!
//! - `{prefix}session:{token_hash}` — a hash per token: `user`, `family`,
//!   `expires_at` (microseconds since the Unix epoch: times are kept to the
//!   microsecond, truncated, as every store keeps them) and `used` (`0` or
//!   `1`). It expires when the token does (`PEXPIREAT`, rounded up to the
//!   millisecond), so Redis itself forgets expired tokens.
//! - `{prefix}family:{session id}` and `{prefix}session-user:{user id}` — indexes of
//!   a family's and a user's token hashes, for `revoke_family` and
//!   `revoke_all`. They are *sorted* sets scored by each token's expiry:
//!   `is_active(family, now)` is one `ZCOUNT` of scores after `now`, and
//!   `purge_expired` finds expired tokens by score. Each index expires with
//!   its longest-lived token, so nothing outlives the sessions it lists even
//!   if `purge_expired` never runs.
//!
//! # Atomicity
//!
//! Every operation that reads and writes is one Lua script, which Redis runs
//! with nothing in between: `insert` (refuses a taken hash, writes the token
//! and both indexes), `consume` (reads the token and marks it used — of
//! concurrent callers exactly one sees it unused), the revocations (remove
//! each token and its entry in the other index) and each purge step. The
//! scripts build the keys of tokens and indexes they find from the prefix,
//! which a single Redis server (with or without replicas and Sentinel)
//! allows; Redis Cluster does not, and is not supported.
//!
//! # Expiry
//!
//! A token whose expiry has passed by the Redis server's clock is gone, as if
//! purged: `consume` says [`Consumed::Unknown`] and revocations do not count
//! it. Sessions must not be evicted under memory pressure: run Redis with
//! `maxmemory-policy noeviction` (the default), or at least not a `volatile-*`
//! or `allkeys-*` policy that could drop a token while its index still lists
//! it.
//!
//! `purge_expired(now)` removes tokens that expired by `now` but that Redis
//! still holds (when `now` is ahead of the Redis server's clock) and returns
//! how many it removed; tokens Redis already expired are not counted, so in
//! normal operation it returns 0. It also drops expired entries from the
//! indexes (uncounted: they name tokens that are gone already). It walks the
//! keyspace with `SCAN`, so it is a maintenance job, not a request path.

use async_trait::async_trait;
use chrono::{DateTime, SubsecRound, Utc};
use redis::Script;
use sinmungo_core::domain::identity::SessionId;
use sinmungo_core::domain::user::UserId;
use sinmungo_core::ports::{Consumed, RefreshSession, SessionStore, StoreError, Uniqueness};
use uuid::Uuid;

use crate::connection::{RedisConnection, RedisError};

/// KEYS: the token, its family index, its user index. ARGV: token hash, user
/// id, family id, expiry (µs), expiry (ms, rounded up). Returns 0 when the
/// hash is taken, 1 when stored.
const INSERT: &str = r"
if redis.call('EXISTS', KEYS[1]) == 1 then
  return 0
end
redis.call('HSET', KEYS[1], 'user', ARGV[2], 'family', ARGV[3], 'expires_at', ARGV[4], 'used', '0')
redis.call('PEXPIREAT', KEYS[1], ARGV[5])
for i = 2, 3 do
  redis.call('ZADD', KEYS[i], ARGV[4], ARGV[1])
  local last = redis.call('ZRANGE', KEYS[i], -1, -1, 'WITHSCORES')
  local until_ms = math.ceil(tonumber(last[2]) / 1000)
  redis.call('PEXPIREAT', KEYS[i], string.format('%.0f', until_ms))
end
return 1
";

/// KEYS: the token. Returns nil for an unknown token, else `{user, family,
/// expires_at, used}` as they were before the call; the token is used after.
const CONSUME: &str = r"
local fields = redis.call('HMGET', KEYS[1], 'user', 'family', 'expires_at', 'used')
if not fields[1] then
  return false
end
if fields[4] ~= '1' then
  redis.call('HSET', KEYS[1], 'used', '1')
end
return fields
";

/// KEYS: the index to revoke. ARGV: the prefix of token keys, the token
/// field naming the other index, the prefix of the other index's keys.
/// Deletes the index, every token it lists and their entries in the other
/// index; returns how many tokens it deleted.
const REVOKE: &str = r"
local removed = 0
for _, token in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local session = ARGV[1] .. token
  local other = redis.call('HGET', session, ARGV[2])
  if other then
    redis.call('ZREM', ARGV[3] .. other, token)
    removed = removed + redis.call('DEL', session)
  end
end
redis.call('DEL', KEYS[1])
return removed
";

/// KEYS: indexes (others are skipped). ARGV: `now` (µs), the prefix of token
/// keys. Deletes the tokens the indexes list as expired by `now` and those
/// entries; returns how many tokens it deleted.
const PURGE: &str = r"
local removed = 0
for _, index in ipairs(KEYS) do
  if redis.call('TYPE', index).ok == 'zset' then
    for _, token in ipairs(redis.call('ZRANGEBYSCORE', index, '-inf', ARGV[1])) do
      removed = removed + redis.call('DEL', ARGV[2] .. token)
    end
    redis.call('ZREMRANGEBYSCORE', index, '-inf', ARGV[1])
  end
end
return removed
";

/// Keys asked of `SCAN` per step.
const SCAN_BATCH: usize = 500;

/// A [`SessionStore`] over Redis.
pub struct RedisSessionStore {
    connection: RedisConnection,
    insert: Script,
    consume: Script,
    revoke: Script,
    purge: Script,
}

impl std::fmt::Debug for RedisSessionStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisSessionStore")
            .field("connection", &self.connection)
            .finish_non_exhaustive()
    }
}

impl RedisSessionStore {
    /// A store keeping its keys under the connection's prefix.
    pub fn new(connection: RedisConnection) -> Self {
        Self {
            connection,
            insert: Script::new(INSERT),
            consume: Script::new(CONSUME),
            revoke: Script::new(REVOKE),
            purge: Script::new(PURGE),
        }
    }

    fn session_prefix(&self) -> String {
        self.connection.key("session:")
    }

    fn family_prefix(&self) -> String {
        self.connection.key("family:")
    }

    fn user_prefix(&self) -> String {
        self.connection.key("session-user:")
    }

    fn session_key(&self, token_hash: &str) -> String {
        self.connection.key(&format!("session:{token_hash}"))
    }

    fn family_key(&self, family: SessionId) -> String {
        self.connection.key(&format!("family:{family}"))
    }

    fn user_key(&self, user_id: UserId) -> String {
        self.connection.key(&format!("session-user:{user_id}"))
    }

    /// Runs `script` with `keys` and `args`.
    async fn invoke<T>(
        &self,
        script: &Script,
        keys: &[&str],
        args: &[&str],
    ) -> Result<T, StoreError>
    where
        T: redis::FromRedisValue,
    {
        self.connection
            .run(|mut connection| {
                let mut invocation = script.prepare_invoke();
                for key in keys {
                    invocation.key(*key);
                }
                for arg in args {
                    invocation.arg(*arg);
                }
                async move { invocation.invoke_async(&mut connection).await }
            })
            .await
            .map_err(store_error)
    }

    /// Every key matching `{prefix}{kind}*`, a batch at a time, handed to
    /// the purge script; returns how many tokens it deleted.
    async fn purge_indexes(&self, index_prefix: &str, now_micros: &str) -> Result<u64, StoreError> {
        let pattern = format!("{}*", glob_escape(index_prefix));
        let session_prefix = self.session_prefix();
        let mut cursor: u64 = 0;
        let mut removed = 0;
        loop {
            let (next, keys): (u64, Vec<String>) = self
                .connection
                .run(|mut connection| {
                    let mut scan = redis::cmd("SCAN");
                    scan.arg(cursor)
                        .arg("MATCH")
                        .arg(&pattern)
                        .arg("COUNT")
                        .arg(SCAN_BATCH);
                    async move { scan.query_async(&mut connection).await }
                })
                .await
                .map_err(store_error)?;
            if !keys.is_empty() {
                let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
                let deleted: u64 = self
                    .invoke(&self.purge, &keys, &[now_micros, &session_prefix])
                    .await?;
                removed += deleted;
            }
            if next == 0 {
                return Ok(removed);
            }
            cursor = next;
        }
    }
}

fn store_error(error: RedisError) -> StoreError {
    match error {
        RedisError::Unavailable(reason) => StoreError::Unavailable(reason),
        other => StoreError::Unknown(other.into()),
    }
}

fn corrupt(what: &str) -> StoreError {
    StoreError::Unknown(anyhow::anyhow!("corrupt session record in Redis: {what}"))
}

/// Microseconds since the epoch, truncated (not rounded), as stored.
fn micros(at: DateTime<Utc>) -> i64 {
    at.trunc_subsecs(6).timestamp_micros()
}

/// The millisecond a key for something expiring at `micros` must live until:
/// rounded up, so the key never goes before the token does.
fn expiry_ms(micros: i64) -> i64 {
    micros.div_euclid(1_000) + i64::from(micros.rem_euclid(1_000) != 0)
}

/// `text` with `SCAN MATCH`'s special characters escaped.
fn glob_escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

fn parse_session(
    token_hash: &str,
    fields: &[Option<String>],
) -> Result<(RefreshSession, bool), StoreError> {
    let [Some(user), Some(family), Some(expires_at), Some(used)] = fields else {
        return Err(corrupt("missing fields"));
    };
    let user = Uuid::parse_str(user).map_err(|_| corrupt("user"))?;
    let family = Uuid::parse_str(family).map_err(|_| corrupt("family"))?;
    let expires_at = expires_at
        .parse::<i64>()
        .ok()
        .and_then(DateTime::from_timestamp_micros)
        .ok_or_else(|| corrupt("expires_at"))?;
    let session = RefreshSession {
        token_hash: token_hash.to_owned(),
        family: SessionId(family),
        user_id: UserId(user),
        expires_at,
    };
    Ok((session, used == "1"))
}

#[async_trait]
impl SessionStore for RedisSessionStore {
    async fn insert(&self, session: &RefreshSession) -> Result<(), StoreError> {
        let expires_micros = micros(session.expires_at);
        let stored: i64 = self
            .invoke(
                &self.insert,
                &[
                    &self.session_key(&session.token_hash),
                    &self.family_key(session.family),
                    &self.user_key(session.user_id),
                ],
                &[
                    &session.token_hash,
                    &session.user_id.to_string(),
                    &session.family.to_string(),
                    &expires_micros.to_string(),
                    &expiry_ms(expires_micros).to_string(),
                ],
            )
            .await?;
        if stored == 1 {
            Ok(())
        } else {
            // A token hash is the session's identity, as a primary key would make it.
            Err(StoreError::AlreadyExists(Uniqueness::Identity))
        }
    }

    async fn consume(&self, token_hash: &str) -> Result<Consumed, StoreError> {
        let fields: Option<Vec<Option<String>>> = self
            .invoke(&self.consume, &[&self.session_key(token_hash)], &[])
            .await?;
        let Some(fields) = fields else {
            return Ok(Consumed::Unknown);
        };
        Ok(match parse_session(token_hash, &fields)? {
            (session, true) => Consumed::Reused(session),
            (session, false) => Consumed::Fresh(session),
        })
    }

    async fn is_active(&self, family: SessionId, now: DateTime<Utc>) -> Result<bool, StoreError> {
        let key = self.family_key(family);
        // Scores are whole microseconds: "after `now`" is after `now`
        // truncated to the microsecond.
        let after = format!("({}", micros(now));
        let live: u64 = self
            .connection
            .run(|mut connection| {
                let mut count = redis::cmd("ZCOUNT");
                count.arg(&key).arg(&after).arg("+inf");
                async move { count.query_async(&mut connection).await }
            })
            .await
            .map_err(store_error)?;
        Ok(live > 0)
    }

    async fn revoke_family(&self, family: SessionId) -> Result<u64, StoreError> {
        self.invoke(
            &self.revoke,
            &[&self.family_key(family)],
            &[&self.session_prefix(), "user", &self.user_prefix()],
        )
        .await
    }

    async fn revoke_all(&self, user_id: UserId) -> Result<u64, StoreError> {
        self.invoke(
            &self.revoke,
            &[&self.user_key(user_id)],
            &[&self.session_prefix(), "family", &self.family_prefix()],
        )
        .await
    }

    async fn purge_expired(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
        let now = micros(now).to_string();
        let by_family = self.purge_indexes(&self.family_prefix(), &now).await?;
        let by_user = self.purge_indexes(&self.user_prefix(), &now).await?;
        Ok(by_family + by_user)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiry_rounds_up_to_the_millisecond() {
        assert_eq!(expiry_ms(1_000), 1);
        assert_eq!(expiry_ms(1_001), 2);
        assert_eq!(expiry_ms(1_999), 2);
        assert_eq!(expiry_ms(0), 0);
        assert_eq!(expiry_ms(-1), 0);
        assert_eq!(expiry_ms(-1_000), -1);
    }

    #[test]
    fn times_are_truncated_to_microseconds() {
        let at = DateTime::from_timestamp(1_800_000_000, 123_456_789).unwrap();
        assert_eq!(micros(at), 1_800_000_000_123_456);
    }

    #[test]
    fn glob_characters_are_escaped() {
        assert_eq!(glob_escape("sinmungo:family:"), "sinmungo:family:");
        assert_eq!(glob_escape("a*b?c[d]e\\f"), "a\\*b\\?c\\[d\\]e\\\\f");
    }
}
