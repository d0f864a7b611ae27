//! Reading one's own notifications and marking them read. Everyone sees
//! only their own: another person's notification is "not found".

use std::sync::Arc;

use crate::app::paging;
use crate::app::Ports;
use crate::domain::access::Actor;
use crate::domain::notification::{Notification, NotificationId};
use crate::domain::user::UserId;
use crate::domain::validation::{Collector, Invalid};
use crate::ports::{Clock, NotificationPage, NotificationQuery, NotificationStore, StoreError};

/// A list request as the client sent it (query-string values).
#[derive(Debug, Clone, Default)]
pub struct NotificationListRequest {
    /// `unread=true`: only unread ones.
    pub unread_only: bool,
    /// `cursor`: a `next_cursor` of an earlier page.
    pub cursor: Option<String>,
    /// `limit`: 1–[`MAX_PAGE_SIZE`].
    pub limit: Option<u32>,
}

/// A page of one's notifications, and how many are unread in all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotificationList {
    /// The page, newest first.
    pub page: NotificationPage,
    /// Unread notifications, on every page.
    pub unread_count: u64,
}

/// Why a notification request failed.
#[derive(Debug, thiserror::Error)]
pub enum NotificationError {
    /// Notifications are a signed-in person's.
    #[error("sign in required")]
    SignInRequired,
    /// No such notification of the caller's.
    #[error("notification not found")]
    NotFound,
    /// A query parameter is invalid.
    #[error(transparent)]
    Invalid(#[from] Invalid),
    /// The store is down.
    #[error("service unavailable: {0}")]
    Unavailable(String),
    /// A bug.
    #[error(transparent)]
    Unknown(anyhow::Error),
}

impl From<StoreError> for NotificationError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Unavailable(reason) => Self::Unavailable(reason),
            other => Self::Unknown(other.into()),
        }
    }
}

/// One's notifications.
#[derive(Clone)]
pub struct Notifications {
    store: Arc<dyn NotificationStore>,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for Notifications {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Notifications").finish_non_exhaustive()
    }
}

impl Notifications {
    pub(crate) fn new(ports: &Ports) -> Self {
        Self {
            store: ports.notifications.clone(),
            clock: ports.clock.clone(),
        }
    }

    /// A page of the caller's notifications, newest first.
    pub async fn list(
        &self,
        actor: &Actor,
        request: NotificationListRequest,
    ) -> Result<NotificationList, NotificationError> {
        let recipient = signed_in(actor)?;
        let mut query = NotificationQuery::new(recipient);
        query.unread_only = request.unread_only;
        let mut fields = Collector::default();
        if let Some(raw) = request.cursor.as_deref().filter(|c| !c.trim().is_empty()) {
            query.before = fields.take(paging::cursor(raw)).map(NotificationId);
        }
        if let Some(limit) = request.limit {
            query.limit = fields.take(paging::limit(limit)).unwrap_or(query.limit);
        }
        fields.finish()?;
        let page = self.store.list(&query).await?;
        let unread_count = self.store.unread_count(recipient).await?;
        Ok(NotificationList { page, unread_count })
    }

    /// How many of the caller's notifications are unread.
    pub async fn unread_count(&self, actor: &Actor) -> Result<u64, NotificationError> {
        Ok(self.store.unread_count(signed_in(actor)?).await?)
    }

    /// Marks one of the caller's notifications read (reading it again keeps
    /// the first time).
    pub async fn mark_read(
        &self,
        actor: &Actor,
        id: NotificationId,
    ) -> Result<Notification, NotificationError> {
        let recipient = signed_in(actor)?;
        self.store
            .mark_read(recipient, id, self.clock.now())
            .await?
            .ok_or(NotificationError::NotFound)
    }

    /// Marks all of the caller's notifications read; returns how many were unread.
    pub async fn mark_all_read(&self, actor: &Actor) -> Result<u64, NotificationError> {
        let recipient = signed_in(actor)?;
        Ok(self
            .store
            .mark_all_read(recipient, self.clock.now())
            .await?)
    }
}

fn signed_in(actor: &Actor) -> Result<UserId, NotificationError> {
    actor.user_id().ok_or(NotificationError::SignInRequired)
}
