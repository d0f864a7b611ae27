//! Notifications in memory.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Mutex, PoisonError};

use async_trait::async_trait;
use chrono::TimeDelta;
use chrono::{DateTime, Utc};
use sinmungo_core::domain::mail::{DigestKey, EmailDelivery};
use sinmungo_core::domain::notification::{Notification, NotificationId};
use sinmungo_core::domain::user::UserId;
use sinmungo_core::ports::{
    MailQueue, NotificationPage, NotificationQuery, NotificationStore, QueuedDigest, QueuedMail,
    StoreError, MAX_PAGE_SIZE,
};

use crate::faults::Faults;
use crate::time::stored;

/// A [`NotificationStore`] in memory.
#[derive(Debug, Default)]
pub struct MemoryNotificationStore {
    notifications: Mutex<BTreeMap<NotificationId, Notification>>,
    /// Mail state; locked after `notifications` when both are.
    mail: Mutex<MailTables>,
    faults: Faults,
}

impl MemoryNotificationStore {
    /// An empty store that fails when `faults` says so.
    pub fn new(faults: Faults) -> Self {
        Self {
            notifications: Mutex::default(),
            mail: Mutex::default(),
            faults,
        }
    }

    /// Every notification stored, oldest first (for assertions).
    pub fn all(&self) -> Vec<Notification> {
        self.lock().values().cloned().collect()
    }

    fn lock_mail(&self) -> std::sync::MutexGuard<'_, MailTables> {
        self.mail.lock().unwrap_or_else(PoisonError::into_inner)
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
            if notification.email != EmailDelivery::None {
                self.lock_mail().mails.insert(
                    notification.id,
                    MailState {
                        due_at: notification.created_at,
                        digest: notification.email == EmailDelivery::Digest,
                        ..MailState::default()
                    },
                );
            }
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
        self.lock_mail()
            .mails
            .retain(|id, _| table.contains_key(id));
        Ok(u64::try_from(count - table.len()).unwrap_or(u64::MAX))
    }
}

/// The mail state of a notification that is mailed.
#[derive(Debug, Default, Clone)]
struct MailState {
    /// When its next try is due (for a digest's: when it became due).
    due_at: DateTime<Utc>,
    digest: bool,
    mailed_at: Option<DateTime<Utc>>,
    attempts: u32,
    claimed_until: Option<DateTime<Utc>>,
    error: Option<String>,
    failed_at: Option<DateTime<Utc>>,
}

impl MailState {
    fn pending(&self) -> bool {
        self.mailed_at.is_none() && self.failed_at.is_none()
    }

    fn free_at(&self, now: DateTime<Utc>) -> bool {
        self.claimed_until.is_none_or(|until| until <= now)
    }
}

/// A digest opened for one recipient and digest time.
#[derive(Debug, Default, Clone)]
struct DigestState {
    due_at: DateTime<Utc>,
    mailed_at: Option<DateTime<Utc>>,
    attempts: u32,
    claimed_until: Option<DateTime<Utc>>,
    error: Option<String>,
    failed_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Default)]
struct MailTables {
    mails: BTreeMap<NotificationId, MailState>,
    digests: BTreeMap<(UserId, DateTime<Utc>), DigestState>,
}

impl MemoryNotificationStore {
    /// The pending digest notifications of `recipient` made up to `slot`, oldest first.
    fn digest_listing(
        table: &BTreeMap<NotificationId, Notification>,
        mail: &MailTables,
        recipient: UserId,
        slot: DateTime<Utc>,
    ) -> Vec<NotificationId> {
        mail.mails
            .iter()
            .filter(|(_, m)| m.digest && m.pending())
            .filter_map(|(id, _)| table.get(id))
            .filter(|n| n.recipient == recipient && n.created_at <= slot)
            .map(|n| n.id)
            .collect()
    }
}

#[async_trait]
impl MailQueue for MemoryNotificationStore {
    async fn claim_mail(
        &self,
        now: DateTime<Utc>,
        lease: TimeDelta,
        limit: u32,
    ) -> Result<Vec<QueuedMail>, StoreError> {
        self.faults.check()?;
        let table = self.lock();
        let mut mail = self.lock_mail();
        let mut due: Vec<(DateTime<Utc>, NotificationId)> = mail
            .mails
            .iter()
            .filter(|(_, m)| !m.digest && m.pending() && m.due_at <= now && m.free_at(now))
            .map(|(id, m)| (m.due_at, *id))
            .collect();
        due.sort();
        due.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        let mut claimed = Vec::with_capacity(due.len());
        for (_, id) in due {
            let (Some(state), Some(notification)) = (mail.mails.get_mut(&id), table.get(&id))
            else {
                continue;
            };
            state.claimed_until = Some(stored(now + lease));
            state.attempts += 1;
            claimed.push(QueuedMail {
                notification: notification.clone(),
                attempts: state.attempts,
            });
        }
        Ok(claimed)
    }

    async fn mark_mailed(&self, id: NotificationId, at: DateTime<Utc>) -> Result<bool, StoreError> {
        self.faults.check()?;
        let mut mail = self.lock_mail();
        Ok(match mail.mails.get_mut(&id) {
            Some(state) if state.mailed_at.is_none() => {
                state.mailed_at = Some(stored(at));
                state.claimed_until = None;
                true
            }
            _ => false,
        })
    }

    async fn retry_mail(
        &self,
        id: NotificationId,
        error: &str,
        next: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.faults.check()?;
        if let Some(state) = self.lock_mail().mails.get_mut(&id).filter(|m| m.pending()) {
            state.claimed_until = None;
            state.due_at = stored(next);
            state.error = Some(error.to_owned());
        }
        Ok(())
    }

    async fn give_up_mail(
        &self,
        id: NotificationId,
        error: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.faults.check()?;
        if let Some(state) = self.lock_mail().mails.get_mut(&id).filter(|m| m.pending()) {
            state.claimed_until = None;
            state.failed_at = Some(stored(at));
            state.error = Some(error.to_owned());
        }
        Ok(())
    }

    async fn claim_digests(
        &self,
        slot: DateTime<Utc>,
        now: DateTime<Utc>,
        lease: TimeDelta,
        limit: u32,
    ) -> Result<Vec<QueuedDigest>, StoreError> {
        self.faults.check()?;
        let slot = stored(slot);
        let table = self.lock();
        let mut mail = self.lock_mail();
        // Open this slot's digest for whoever has something to read in it
        // and no earlier digest still under way.
        let waiting: BTreeSet<UserId> = mail
            .mails
            .iter()
            .filter(|(_, m)| m.digest && m.pending())
            .filter_map(|(id, _)| table.get(id))
            .filter(|n| n.created_at <= slot)
            .map(|n| n.recipient)
            .collect();
        for recipient in waiting {
            let unfinished = mail.digests.iter().any(|((who, _), d)| {
                *who == recipient && d.mailed_at.is_none() && d.failed_at.is_none()
            });
            if !unfinished {
                mail.digests
                    .entry((recipient, slot))
                    .or_insert_with(|| DigestState {
                        due_at: slot,
                        ..DigestState::default()
                    });
            }
        }
        let mut due: Vec<(DateTime<Utc>, (UserId, DateTime<Utc>))> = mail
            .digests
            .iter()
            .filter(|(_, d)| {
                d.mailed_at.is_none()
                    && d.failed_at.is_none()
                    && d.due_at <= now
                    && d.claimed_until.is_none_or(|until| until <= now)
            })
            .map(|(key, d)| (d.due_at, *key))
            .collect();
        due.sort();
        due.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        let mut claimed = Vec::with_capacity(due.len());
        for (_, (recipient, at)) in due {
            let listing = Self::digest_listing(&table, &mail, recipient, at);
            let Some(state) = mail.digests.get_mut(&(recipient, at)) else {
                continue;
            };
            state.claimed_until = Some(stored(now + lease));
            state.attempts += 1;
            claimed.push(QueuedDigest {
                key: DigestKey {
                    recipient,
                    slot: at,
                },
                attempts: state.attempts,
                notifications: listing
                    .iter()
                    .filter_map(|id| table.get(id).cloned())
                    .collect(),
            });
        }
        Ok(claimed)
    }

    async fn mark_digest_mailed(
        &self,
        key: &DigestKey,
        listed: &[NotificationId],
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.faults.check()?;
        let mut mail = self.lock_mail();
        for id in listed {
            if let Some(state) = mail.mails.get_mut(id) {
                state.mailed_at.get_or_insert(stored(at));
            }
        }
        if let Some(digest) = mail.digests.get_mut(&(key.recipient, stored(key.slot))) {
            digest.mailed_at.get_or_insert(stored(at));
            digest.claimed_until = None;
        }
        Ok(())
    }

    async fn retry_digest(
        &self,
        key: &DigestKey,
        error: &str,
        next: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.faults.check()?;
        let mut mail = self.lock_mail();
        if let Some(digest) = mail
            .digests
            .get_mut(&(key.recipient, stored(key.slot)))
            .filter(|d| d.mailed_at.is_none() && d.failed_at.is_none())
        {
            digest.claimed_until = None;
            digest.due_at = stored(next);
            digest.error = Some(error.to_owned());
        }
        Ok(())
    }

    async fn give_up_digest(
        &self,
        key: &DigestKey,
        error: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.faults.check()?;
        let table = self.lock();
        let mut mail = self.lock_mail();
        let slot = stored(key.slot);
        let Some(digest) = mail
            .digests
            .get_mut(&(key.recipient, slot))
            .filter(|d| d.mailed_at.is_none() && d.failed_at.is_none())
        else {
            return Ok(());
        };
        digest.claimed_until = None;
        digest.failed_at = Some(stored(at));
        digest.error = Some(error.to_owned());
        for id in Self::digest_listing(&table, &mail, key.recipient, slot) {
            if let Some(state) = mail.mails.get_mut(&id) {
                state.failed_at = Some(stored(at));
                state.error = Some(error.to_owned());
            }
        }
        Ok(())
    }

    async fn mail_pending(&self) -> Result<u64, StoreError> {
        self.faults.check()?;
        let count = self
            .lock_mail()
            .mails
            .values()
            .filter(|m| !m.digest && m.pending())
            .count();
        Ok(u64::try_from(count).unwrap_or(u64::MAX))
    }
}
