//! Live updates for connected clients, across every server instance.
//!
//! Whatever one instance publishes, every instance (itself included) hands
//! to its subscribers — the WebSocket connections it holds. Pushes are best
//! effort: one lost while the fan-out is down is not sent again, which is
//! why notifications are stored first and pushed second (a client that
//! reconnects re-reads them).

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::domain::identity::SessionId;
use crate::domain::notification::Notification;
use crate::domain::report::ReportId;
use crate::domain::user::UserId;

/// One live update. A report change names the report rather than carrying
/// it, so each instance reads the current state and shows each client only
/// what that client may see; a notification, meant for one person, travels whole.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "push", rename_all = "snake_case")]
pub enum Push {
    /// A notification was stored (for its recipient alone).
    Notification(Notification),
    /// A report changed (the event `event_type` happened to it).
    ReportChanged {
        /// Which.
        report_id: ReportId,
        /// `report.status_changed`, …
        event_type: String,
    },
    /// One sign-in ended (signed out, or its refresh token reused): the
    /// connections opened with it close.
    SessionEnded {
        /// Which.
        session: SessionId,
    },
    /// Every sign-in of a person ended (password or role changed): all
    /// their connections close.
    SignedOutEverywhere {
        /// Whose.
        user: UserId,
    },
}

/// Receives pushes. Called on the publishing task (in process) or the
/// fan-out's listener: it must not block — queue and return.
pub trait PushSink: Send + Sync {
    /// Takes one push.
    fn deliver(&self, push: &Push);
}

/// Sends pushes to every instance.
#[cfg_attr(any(test, feature = "mock"), mockall::automock)]
#[async_trait]
pub trait Fanout: Send + Sync {
    /// Sends `push` to the subscribers of every instance. Best effort: a
    /// fan-out that cannot reach its transport logs it and drops the push.
    async fn publish(&self, push: Push);
}
