//! Live pushes across server instances over Redis pub/sub.
//!
//! # Channel
//!
//! `{prefix}pushes`: every instance publishes each push there as JSON, and
//! every instance (the publisher included) listens on its own pub/sub
//! connection and hands what arrives to its local subscribers — its
//! WebSocket hub — so a person connected to instance B hears of a change
//! made on instance A.
//!
//! # Delivery
//!
//! Best effort, as the `Fanout` port says: a push published while Redis is
//! down is logged and dropped, and one sent while an instance's listener is
//! reconnecting does not reach that instance. Notifications are stored
//! before they are pushed, so a client loses nothing it cannot re-read.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use futures::StreamExt as _;
use sinmungo_core::ports::{Fanout, Push, PushSink};
use tokio::task::JoinHandle;

use crate::connection::RedisConnection;

/// The first and the longest wait before the listener reconnects.
const RECONNECT: (Duration, Duration) = (Duration::from_millis(100), Duration::from_secs(5));

/// A [`Fanout`] over Redis pub/sub.
pub struct RedisFanout {
    connection: RedisConnection,
    channel: String,
    listener: JoinHandle<()>,
}

impl std::fmt::Debug for RedisFanout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisFanout")
            .field("channel", &self.channel)
            .finish_non_exhaustive()
    }
}

impl RedisFanout {
    /// Publishes on `connection`'s channel and hands every push that
    /// arrives there to `local` (this instance's subscribers), listening on
    /// a pub/sub connection of its own that reconnects after an outage.
    /// Call within a Tokio runtime.
    pub fn start(connection: RedisConnection, local: Arc<dyn PushSink>) -> Self {
        let channel = connection.key("pushes");
        let listener = tokio::spawn(listen(connection.client(), channel.clone(), local));
        Self {
            connection,
            channel,
            listener,
        }
    }
}

impl Drop for RedisFanout {
    fn drop(&mut self) {
        self.listener.abort();
    }
}

#[async_trait]
impl Fanout for RedisFanout {
    async fn publish(&self, push: Push) {
        let message = match serde_json::to_string(&push) {
            Ok(message) => message,
            Err(error) => {
                tracing::error!(%error, "a push could not be encoded; dropped");
                return;
            }
        };
        let channel = self.channel.clone();
        let published: Result<i64, _> = self
            .connection
            .run(|mut connection| {
                let mut publish = redis::cmd("PUBLISH");
                publish.arg(&channel).arg(&message);
                async move { publish.query_async(&mut connection).await }
            })
            .await;
        if let Err(error) = published {
            tracing::warn!(%error, "a live push could not be sent through Redis; dropped (clients re-read over REST)");
        }
    }
}

/// Listens on `channel` for as long as the task lives, reconnecting with
/// backoff, and hands each push to `local`.
async fn listen(client: redis::Client, channel: String, local: Arc<dyn PushSink>) {
    let mut wait = RECONNECT.0;
    loop {
        match client.get_async_pubsub().await {
            Ok(mut pubsub) => match pubsub.subscribe(&channel).await {
                Ok(()) => {
                    tracing::info!(%channel, "listening for live pushes from every instance");
                    wait = RECONNECT.0;
                    let mut messages = pubsub.on_message();
                    while let Some(message) = messages.next().await {
                        let push = message
                            .get_payload::<String>()
                            .ok()
                            .and_then(|text| serde_json::from_str::<Push>(&text).ok());
                        match push {
                            Some(push) => local.deliver(&push),
                            None => tracing::warn!(%channel, "an unreadable push was ignored"),
                        }
                    }
                    tracing::warn!(%channel, "the Redis pub/sub connection closed; reconnecting");
                }
                Err(error) => tracing::warn!(%error, "subscribing to live pushes failed"),
            },
            Err(error) => {
                tracing::warn!(%error, retry_in_ms = wait.as_millis(), "Redis is unreachable for live pushes");
            }
        }
        tokio::time::sleep(wait).await;
        wait = (wait * 2).min(RECONNECT.1);
    }
}
