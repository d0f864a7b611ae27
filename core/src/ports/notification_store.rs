//! Stored notifications: each person's, read or unread.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::domain::notification::{Notification, NotificationId};
use crate::domain::user::UserId;
use crate::ports::StoreError;

/// Which of one person's notifications to read, newest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotificationQuery {
    /// Whose.
    pub recipient: UserId,
    /// Only those not read yet.
    pub unread_only: bool,
    /// Only those with ids below this one (the cursor).
    pub before: Option<NotificationId>,
    /// Page size, 1–[`MAX_PAGE_SIZE`](crate::ports::MAX_PAGE_SIZE); stores clamp values outside that range.
    pub limit: u32,
}

impl NotificationQuery {
    /// The newest page of `recipient`'s notifications.
    pub fn new(recipient: UserId) -> Self {
        Self {
            recipient,
            unread_only: false,
            before: None,
            limit: 20,
        }
    }
}

/// One page of notifications, newest (highest id) first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotificationPage {
    /// The items.
    pub items: Vec<Notification>,
    /// The cursor for the next page, if there is one.
    pub next: Option<NotificationId>,
}

/// Stores notifications.
///
/// Times are kept to whole microseconds (finer digits are truncated).
#[cfg_attr(any(test, feature = "mock"), mockall::automock)]
#[async_trait]
pub trait NotificationStore: Send + Sync {
    /// Stores each notification whose recipient has none with its dedupe key
    /// yet, and returns those it stored, in the order given (the others were
    /// made before, by an earlier delivery of the same event). Concurrent
    /// calls with the same recipient and key store it once.
    async fn insert(&self, notifications: &[Notification])
        -> Result<Vec<Notification>, StoreError>;

    /// A page of one person's notifications, newest (highest id) first.
    async fn list(&self, query: &NotificationQuery) -> Result<NotificationPage, StoreError>;

    /// How many of one person's notifications are unread.
    async fn unread_count(&self, recipient: UserId) -> Result<u64, StoreError>;

    /// Marks one of `recipient`'s notifications read at `at` (one read
    /// before keeps its first time) and returns it; `None` when `recipient`
    /// has no notification `id` (someone else's is not theirs to read).
    async fn mark_read(
        &self,
        recipient: UserId,
        id: NotificationId,
        at: DateTime<Utc>,
    ) -> Result<Option<Notification>, StoreError>;

    /// Marks every unread notification of `recipient` read at `at`; returns how many.
    async fn mark_all_read(&self, recipient: UserId, at: DateTime<Utc>) -> Result<u64, StoreError>;

    /// Removes notifications made before `before`, read or not; returns how many.
    async fn purge_created_before(&self, before: DateTime<Utc>) -> Result<u64, StoreError>;
}
