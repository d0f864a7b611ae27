//! Notifications in memory.

use std::collections::BTreeMap;
use std::sync::{Mutex, PoisonError};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sinmungo_core::domain::notification::{Notification, NotificationId};
use sinmungo_core::domain::user::UserId;
use sinmungo_core::ports::{
    NotificationPage, NotificationQuery, NotificationStore, StoreError, MAX_PAGE_SIZE,
};

use crate::faults::Faults;
use crate::time::stored;

/// A [`NotificationStore`] in memory.
#[derive(Debug, Default)]
pub struct MemoryNotificationStore {
    notifications: Mutex<BTreeMap<NotificationId, Notification>>,
    faults: Faults,
}

impl MemoryNotificationStore {
    /// An empty store that fails when `faults` says so.
    pub fn new(faults: Faults) -> Self {
        Self {
            notifications: Mutex::default(),
            faults,
        }
    }

    /// Every notification stored, oldest first (for assertions).
    pub fn all(&self) -> Vec<Notification> {
        self.lock().values().cloned().collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<NotificationId, Notification>> {
        self.notifications
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

#[async_trait]
impl NotificationStore for MemoryNotificationStore {
    async fn insert(
        &self,
        notifications: &[Notification],
    ) -> Result<Vec<Notification>, StoreError> {
        self.faults.check()?;
        let mut table = self.lock();
        let mut stored_now = Vec::new();
        for notification in notifications {
            let taken = table.values().any(|n| {
                n.recipient == notification.recipient && n.dedupe_key == notification.dedupe_key
            });
            if taken || table.contains_key(&notification.id) {
                continue;
            }
            let mut notification = notification.clone();
            notification.created_at = stored(notification.created_at);
            notification.read_at = notification.read_at.map(stored);
            table.insert(notification.id, notification.clone());
            stored_now.push(notification);
        }
        Ok(stored_now)
    }

    async fn list(&self, query: &NotificationQuery) -> Result<NotificationPage, StoreError> {
        self.faults.check()?;
        let size = usize::try_from(query.limit.clamp(1, MAX_PAGE_SIZE)).unwrap_or(usize::MAX);
        let mut items: Vec<Notification> = self
            .lock()
            .values()
            .rev()
            .filter(|n| n.recipient == query.recipient)
            .filter(|n| !query.unread_only || n.read_at.is_none())
            .filter(|n| query.before.is_none_or(|before| n.id < before))
            .take(size + 1)
            .cloned()
            .collect();
        let next = if items.len() > size {
            items.truncate(size);
            items.last().map(|n| n.id)
        } else {
            None
        };
        Ok(NotificationPage { items, next })
    }

    async fn unread_count(&self, recipient: UserId) -> Result<u64, StoreError> {
        self.faults.check()?;
        let count = self
            .lock()
            .values()
            .filter(|n| n.recipient == recipient && n.read_at.is_none())
            .count();
        Ok(u64::try_from(count).unwrap_or(u64::MAX))
    }

    async fn mark_read(
        &self,
        recipient: UserId,
        id: NotificationId,
        at: DateTime<Utc>,
    ) -> Result<Option<Notification>, StoreError> {
        self.faults.check()?;
        let mut table = self.lock();
        Ok(table
            .get_mut(&id)
            .filter(|n| n.recipient == recipient)
            .map(|n| {
                n.read_at.get_or_insert(stored(at));
                n.clone()
            }))
    }

    async fn mark_all_read(&self, recipient: UserId, at: DateTime<Utc>) -> Result<u64, StoreError> {
        self.faults.check()?;
        let mut marked = 0;
        for n in self.lock().values_mut() {
            if n.recipient == recipient && n.read_at.is_none() {
                n.read_at = Some(stored(at));
                marked += 1;
            }
        }
        Ok(marked)
    }

    async fn purge_created_before(&self, before: DateTime<Utc>) -> Result<u64, StoreError> {
        self.faults.check()?;
        let mut table = self.lock();
        let count = table.len();
        table.retain(|_, n| n.created_at >= before);
        Ok(u64::try_from(count - table.len()).unwrap_or(u64::MAX))
    }
}
