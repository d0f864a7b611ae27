//! One WebSocket connection: says hello, answers the client's messages,
//! writes what the hub queues for it, pings, and closes when the client
//! goes, stops answering, falls behind, or its sign-in ends.

use std::sync::Arc;

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket};
use futures::{SinkExt as _, StreamExt as _};
use sinmungo_core::app::ViewError;
use tokio::sync::mpsc;

use crate::live::hub::{Connection, Ending, Hub};
use crate::live::protocol::{ClientMessage, HelloUser, ServerMessage, Topic, PROTOCOL};

/// Close codes of the protocol (4000–4999 are the application's).
const GOING_AWAY: u16 = 1001;
const POLICY: u16 = 1008;
const SESSION_ENDED: u16 = 4001;
const FELL_BEHIND: u16 = 4002;
const NO_PONG: u16 = 4003;

/// Runs the connection `id` until it closes, then forgets it.
pub(crate) async fn run(
    socket: WebSocket,
    hub: Hub,
    id: u64,
    connection: Arc<Connection>,
    queue: mpsc::Receiver<ServerMessage>,
) {
    let closed = serve(socket, &hub, &connection, queue).await;
    hub.remove(id);
    tracing::debug!(connection = id, closed, "live connection closed");
}

async fn serve(
    socket: WebSocket,
    hub: &Hub,
    connection: &Connection,
    mut queue: mpsc::Receiver<ServerMessage>,
) -> &'static str {
    let (mut sink, mut stream) = socket.split();
    let hello = ServerMessage::Hello {
        protocol: PROTOCOL,
        user: HelloUser::of(&connection.actor),
    };
    if sink.send(text(&hello)).await.is_err() {
        return "gone before hello";
    }
    let mut ping = tokio::time::interval(hub.config().ping_interval);
    ping.tick().await;
    let mut awaiting_pong = false;
    loop {
        tokio::select! {
            biased;
            () = connection.ended.cancelled() => {
                let (last, code, reason) = match connection.ending() {
                    Some(Ending::FellBehind) => (Some(ServerMessage::Resync), FELL_BEHIND, "fell behind: resync"),
                    Some(Ending::SessionEnded) => (Some(ServerMessage::SessionEnded), SESSION_ENDED, "session ended"),
                    Some(Ending::ShuttingDown) | None => (None, GOING_AWAY, "server stopping"),
                };
                if let Some(last) = last {
                    let _ = sink.send(text(&last)).await;
                }
                let _ = sink.send(close(code, reason)).await;
                return reason;
            }
            message = queue.recv() => {
                let Some(message) = message else { return "queue closed" };
                if sink.send(text(&message)).await.is_err() {
                    return "client gone";
                }
            }
            frame = stream.next() => {
                let Some(Ok(frame)) = frame else { return "client gone" };
                match frame {
                    Message::Text(body) => {
                        let answer = answer(hub, connection, body.as_str()).await;
                        if sink.send(text(&answer)).await.is_err() {
                            return "client gone";
                        }
                    }
                    Message::Binary(_) => {
                        let _ = sink.send(close(POLICY, "text messages only")).await;
                        return "binary message";
                    }
                    Message::Pong(_) => awaiting_pong = false,
                    Message::Ping(_) => {} // axum answers pings itself
                    Message::Close(_) => return "client closed",
                }
            }
            _ = ping.tick() => {
                if awaiting_pong {
                    let _ = sink.send(close(NO_PONG, "no pong")).await;
                    return "no pong";
                }
                if !session_live(hub, connection).await {
                    connection.end(Ending::SessionEnded);
                    continue;
                }
                if sink.send(Message::Ping(Default::default())).await.is_err() {
                    return "client gone";
                }
                awaiting_pong = true;
            }
        }
    }
}

/// Whether the connection's sign-in is still live (anonymous and API-key
/// connections have none to lose; a store that cannot answer keeps it).
async fn session_live(hub: &Hub, connection: &Connection) -> bool {
    match connection.session {
        None => true,
        Some(session) => hub
            .use_cases()
            .sessions
            .is_active(session)
            .await
            .unwrap_or(true),
    }
}

/// The answer to one client message.
async fn answer(hub: &Hub, connection: &Connection, body: &str) -> ServerMessage {
    let message = match serde_json::from_str::<ClientMessage>(body) {
        Ok(message) => message,
        Err(_) => {
            return error(
                "invalid_message",
                "expected {\"type\":\"subscribe\"|\"unsubscribe\",\"topic\":…} or {\"type\":\"ping\"} (메시지 형식을 확인해 주세요)",
                None,
            )
        }
    };
    match message {
        ClientMessage::Ping => ServerMessage::Pong,
        ClientMessage::Unsubscribe { topic } => {
            connection.unsubscribe(&topic);
            ServerMessage::Unsubscribed { topic }
        }
        ClientMessage::Subscribe { topic: raw } => {
            let topic = match Topic::parse(&raw) {
                Ok(topic) => topic,
                Err(reason) => return error("invalid_topic", reason, Some(raw)),
            };
            if let Err(reason) = topic.allowed_for(&connection.actor) {
                return error("forbidden", reason.to_owned(), Some(raw));
            }
            if let Topic::Report(id) = &topic {
                match hub.use_cases().read.get(&connection.actor, *id).await {
                    Ok(_) => {}
                    Err(ViewError::NotFound) => {
                        return error(
                            "not_found",
                            "no such report (신고를 찾을 수 없습니다)",
                            Some(raw),
                        )
                    }
                    Err(_) => {
                        return error(
                            "unavailable",
                            "the report cannot be read now; try again (잠시 후 다시 시도해 주세요)",
                            Some(raw),
                        )
                    }
                }
            }
            if !connection.subscribe(&raw, topic, hub.config().max_subscriptions) {
                return error(
                    "too_many_subscriptions",
                    format!(
                        "follow at most {} topics on one connection (구독은 {}개까지 가능합니다)",
                        hub.config().max_subscriptions,
                        hub.config().max_subscriptions
                    ),
                    Some(raw),
                );
            }
            ServerMessage::Subscribed { topic: raw }
        }
    }
}

fn error(code: &'static str, message: impl Into<String>, topic: Option<String>) -> ServerMessage {
    ServerMessage::Error {
        code,
        message: message.into(),
        topic,
    }
}

fn text(message: &ServerMessage) -> Message {
    // Plain data to JSON cannot fail.
    Message::Text(Utf8Bytes::from(
        serde_json::to_string(message).unwrap_or_default(),
    ))
}

fn close(code: u16, reason: &'static str) -> Message {
    Message::Close(Some(CloseFrame {
        code,
        reason: Utf8Bytes::from_static(reason),
    }))
}
