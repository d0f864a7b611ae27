//! The live hub: every WebSocket connection of this instance, and the sink
//! the fan-out hands pushes to.
//!
//! A push never waits for a client. Each connection has a bounded queue;
//! the hub only ever *tries* to queue a message, and a connection whose
//! queue is full is told to resync and dropped, so a client that stops
//! reading neither slows the others nor grows the server's memory.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::Duration;

use sinmungo_core::app::UseCases;
use sinmungo_core::domain::identity::SessionId;
use sinmungo_core::domain::report::{Report, ReportId};
use sinmungo_core::domain::Actor;
use sinmungo_core::ports::{Push, PushSink};
use tokio::sync::{mpsc, Semaphore};
use tokio_util::sync::CancellationToken;

use crate::dto::NotificationDto;
use crate::live::protocol::{ServerMessage, Topic};

/// Settings of live connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LiveConfig {
    /// How often the server pings; a connection that has not answered the
    /// previous ping by the next one is closed (and its session rechecked).
    pub ping_interval: Duration,
    /// Messages queued for one client before it counts as fallen behind.
    pub queue: usize,
    /// Topics one connection may follow.
    pub max_subscriptions: usize,
    /// The largest message a client may send, in bytes.
    pub max_message_bytes: usize,
}

impl Default for LiveConfig {
    /// A ping every 30 s, 256 queued messages, 50 topics, 4 KiB messages.
    fn default() -> Self {
        Self {
            ping_interval: Duration::from_secs(30),
            queue: 256,
            max_subscriptions: 50,
            max_message_bytes: 4096,
        }
    }
}

/// Report reads in flight for pushes at once (one per changed report).
const LOADS: usize = 16;

/// Why a connection ends from the server's side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ending {
    /// Its queue overflowed: it must resync.
    FellBehind,
    /// Its sign-in ended.
    SessionEnded,
    /// The server is stopping.
    ShuttingDown,
}

/// One WebSocket connection, as the hub sees it.
#[derive(Debug)]
pub(crate) struct Connection {
    /// Who is connected.
    pub actor: Actor,
    /// The sign-in it was opened with (none for anonymous clients and API keys).
    pub session: Option<SessionId>,
    queue: mpsc::Sender<ServerMessage>,
    topics: Mutex<Vec<(String, Topic)>>,
    /// Reports pushed through a department topic: pushed again when they
    /// leave the department, so the queue can drop them.
    seen: Mutex<HashSet<ReportId>>,
    ending: Mutex<Option<Ending>>,
    /// Cancelled when the server ends the connection.
    pub ended: CancellationToken,
}

/// The most reports a connection remembers having been shown by department.
const SEEN: usize = 10_000;

impl Connection {
    /// Queues `message`, or ends the connection if its queue is full.
    pub fn send(&self, message: ServerMessage) {
        match self.queue.try_send(message) {
            Ok(()) | Err(mpsc::error::TrySendError::Closed(_)) => {}
            Err(mpsc::error::TrySendError::Full(_)) => self.end(Ending::FellBehind),
        }
    }

    /// Ends the connection for `why` (the first reason stays).
    pub fn end(&self, why: Ending) {
        self.ending
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get_or_insert(why);
        self.ended.cancel();
    }

    /// Why the server ended it.
    pub fn ending(&self) -> Option<Ending> {
        *self.ending.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Follows `topic` (written `raw`); false when it follows too many already.
    pub fn subscribe(&self, raw: &str, topic: Topic, max: usize) -> bool {
        let mut topics = self.topics.lock().unwrap_or_else(PoisonError::into_inner);
        if topics.iter().any(|(t, _)| t == raw) {
            return true;
        }
        if topics.len() >= max {
            return false;
        }
        topics.push((raw.to_owned(), topic));
        true
    }

    /// Stops following the topic written `raw`.
    pub fn unsubscribe(&self, raw: &str) {
        self.topics
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .retain(|(t, _)| t != raw);
    }

    fn follows_anything(&self) -> bool {
        !self
            .topics
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .is_empty()
    }

    /// The topics `report` falls under for this connection.
    fn topics_of(&self, report: &Report) -> Vec<String> {
        let topics = self.topics.lock().unwrap_or_else(PoisonError::into_inner);
        let mut seen = self.seen.lock().unwrap_or_else(PoisonError::into_inner);
        let mut matched = Vec::new();
        for (raw, topic) in topics.iter() {
            let covers = topic.covers(report);
            let left = matches!(topic, Topic::Department(_)) && seen.contains(&report.id);
            if covers || left {
                matched.push(raw.clone());
            }
            if covers && matches!(topic, Topic::Department(_)) {
                if seen.len() >= SEEN {
                    seen.clear();
                }
                seen.insert(report.id);
            }
        }
        matched
    }
}

/// Every live connection of this instance.
#[derive(Clone)]
pub struct Hub {
    inner: Arc<Inner>,
}

struct Inner {
    use_cases: UseCases,
    config: LiveConfig,
    connections: RwLock<HashMap<u64, Arc<Connection>>>,
    next_id: AtomicU64,
    loads: Arc<Semaphore>,
    stopping: CancellationToken,
}

impl std::fmt::Debug for Hub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hub")
            .field("connections", &self.connections())
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

impl Hub {
    /// A hub reading reports through `use_cases`.
    pub fn new(use_cases: UseCases, config: LiveConfig) -> Self {
        Self {
            inner: Arc::new(Inner {
                use_cases,
                config,
                connections: RwLock::default(),
                next_id: AtomicU64::new(1),
                loads: Arc::new(Semaphore::new(LOADS)),
                stopping: CancellationToken::new(),
            }),
        }
    }

    /// The settings.
    pub fn config(&self) -> LiveConfig {
        self.inner.config
    }

    /// The use cases connections read through.
    pub(crate) fn use_cases(&self) -> &UseCases {
        &self.inner.use_cases
    }

    /// How many connections are open.
    pub fn connections(&self) -> usize {
        self.read().len()
    }

    /// Registers a connection of `actor`; returns it with its id and the
    /// receiving end of its queue. `None` when the server is stopping.
    pub(crate) fn register(
        &self,
        actor: Actor,
        session: Option<SessionId>,
    ) -> Option<(u64, Arc<Connection>, mpsc::Receiver<ServerMessage>)> {
        if self.inner.stopping.is_cancelled() {
            return None;
        }
        let (queue, receiver) = mpsc::channel(self.inner.config.queue.max(1));
        let connection = Arc::new(Connection {
            actor,
            session,
            queue,
            topics: Mutex::default(),
            seen: Mutex::default(),
            ending: Mutex::default(),
            ended: self.inner.stopping.child_token(),
        });
        let id = self.inner.next_id.fetch_add(1, Ordering::Relaxed);
        self.inner
            .connections
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(id, connection.clone());
        metrics::gauge!(crate::metrics::WEBSOCKET_CONNECTIONS).increment(1);
        Some((id, connection, receiver))
    }

    /// Forgets a connection that has closed.
    pub(crate) fn remove(&self, id: u64) {
        let removed = self
            .inner
            .connections
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&id);
        if removed.is_some() {
            metrics::gauge!(crate::metrics::WEBSOCKET_CONNECTIONS).decrement(1);
        }
    }

    /// Ends every connection (the server is stopping) and refuses new ones.
    pub fn shut_down(&self) {
        for connection in self.read().values() {
            connection.end(Ending::ShuttingDown);
        }
        self.inner.stopping.cancel();
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, HashMap<u64, Arc<Connection>>> {
        self.inner
            .connections
            .read()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn each(&self, mut f: impl FnMut(&Arc<Connection>)) {
        for connection in self.read().values() {
            f(connection);
        }
    }

    /// Pushes a changed report to the connections following it, each shown
    /// the report as it may see it. Reads the report once, in a task of its
    /// own (the sink must not wait).
    fn report_changed(&self, id: ReportId, event: &str) {
        let followers: Vec<Arc<Connection>> = self
            .read()
            .values()
            .filter(|c| c.follows_anything())
            .cloned()
            .collect();
        if followers.is_empty() {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let hub = self.clone();
        let event = event.to_owned();
        runtime.spawn(async move {
            let Ok(_permit) = hub.inner.loads.clone().acquire_owned().await else {
                return;
            };
            let read = &hub.inner.use_cases.read;
            let report = match read.load(id).await {
                Ok(Some(report)) => report,
                Ok(None) => return,
                Err(error) => {
                    tracing::warn!(%error, report_id = %id.0, "a changed report could not be read for live pushes");
                    return;
                }
            };
            for connection in followers {
                let topics = connection.topics_of(&report);
                if topics.is_empty() {
                    continue;
                }
                if let Some(view) = read.view_for(&connection.actor, &report) {
                    connection.send(ServerMessage::Report {
                        event: event.clone(),
                        topics,
                        report: Box::new(view.into()),
                    });
                }
            }
        });
    }
}

impl PushSink for Hub {
    fn deliver(&self, push: &Push) {
        match push {
            Push::Notification(notification) => {
                let recipient = notification.recipient;
                let dto = NotificationDto::from(notification.clone());
                self.each(|c| {
                    if c.actor.user_id() == Some(recipient) {
                        c.send(ServerMessage::Notification {
                            notification: dto.clone(),
                        });
                    }
                });
            }
            Push::ReportChanged {
                report_id,
                event_type,
            } => self.report_changed(*report_id, event_type),
            Push::SessionEnded { session } => self.each(|c| {
                if c.session == Some(*session) {
                    c.end(Ending::SessionEnded);
                }
            }),
            Push::SignedOutEverywhere { user } => self.each(|c| {
                if c.session.is_some() && c.actor.user_id() == Some(*user) {
                    c.end(Ending::SessionEnded);
                }
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use sinmungo_core::app::{Policy, UseCases};
    use sinmungo_core::domain::notification::{Notification, NotificationId, NotificationKind};
    use sinmungo_core::domain::user::{Role, UserId};
    use sinmungo_core::domain::Principal;
    use uuid::Uuid;

    use super::*;

    fn hub(queue: usize) -> Hub {
        let (ports, _) = sinmungo_memory::memory_ports();
        Hub::new(
            UseCases::new(ports, &Policy::default()),
            LiveConfig {
                queue,
                ..LiveConfig::default()
            },
        )
    }

    fn person(id: UserId) -> Actor {
        Actor::User(Principal {
            id,
            role: Role::Citizen,
            department: None,
        })
    }

    fn note(recipient: UserId, n: u128) -> Push {
        Push::Notification(Notification {
            id: NotificationId(Uuid::from_u128(n)),
            recipient,
            kind: NotificationKind::StatusChanged,
            report_id: ReportId(Uuid::nil()),
            title: format!("#{n}"),
            body: String::new(),
            dedupe_key: format!("event:{n}"),
            created_at: Utc::now(),
            read_at: None,
            email: Default::default(),
        })
    }

    #[test]
    fn a_connection_that_falls_behind_is_ended_and_the_others_keep_everything() {
        let hub = hub(4);
        let minji = UserId(Uuid::from_u128(1));
        let (_, stalled, _stalled_queue) = hub.register(person(minji), None).expect("open");
        let (_, reading, mut reading_queue) = hub.register(person(minji), None).expect("open");
        let (_, other, mut other_queue) = hub
            .register(person(UserId(Uuid::from_u128(2))), None)
            .expect("open");

        let mut received = 0;
        for n in 0..10 {
            hub.deliver(&note(minji, n));
            while reading_queue.try_recv().is_ok() {
                received += 1;
            }
        }
        assert_eq!(
            received, 10,
            "the reading connection got every notification"
        );
        assert_eq!(stalled.ending(), Some(Ending::FellBehind));
        assert!(
            stalled.ended.is_cancelled(),
            "the stalled one is being closed"
        );
        assert_eq!(reading.ending(), None);
        assert_eq!(other.ending(), None);
        assert!(
            other_queue.try_recv().is_err(),
            "another person got nothing"
        );
    }

    #[test]
    fn ended_sign_ins_end_their_connections_only() {
        let hub = hub(4);
        let minji = UserId(Uuid::from_u128(1));
        let phone = SessionId(Uuid::from_u128(10));
        let laptop = SessionId(Uuid::from_u128(11));
        let (_, on_phone, _q1) = hub.register(person(minji), Some(phone)).expect("open");
        let (_, on_laptop, _q2) = hub.register(person(minji), Some(laptop)).expect("open");
        let (_, by_key, _q3) = hub.register(person(minji), None).expect("open");

        hub.deliver(&Push::SessionEnded { session: phone });
        assert_eq!(on_phone.ending(), Some(Ending::SessionEnded));
        assert_eq!(on_laptop.ending(), None);

        hub.deliver(&Push::SignedOutEverywhere { user: minji });
        assert_eq!(on_laptop.ending(), Some(Ending::SessionEnded));
        assert_eq!(by_key.ending(), None, "an API key has no sign-in to end");

        hub.shut_down();
        assert_eq!(by_key.ending(), Some(Ending::ShuttingDown));
        assert!(hub.register(person(minji), None).is_none(), "no new ones");
    }
}
