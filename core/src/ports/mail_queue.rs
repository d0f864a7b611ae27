//! Notifications waiting to be e-mailed. There is no separate mail outbox:
//! a notification stored with [`EmailDelivery::Immediate`] *is* its mail's
//! work item, and one with [`EmailDelivery::Digest`] waits for its
//! recipient's daily digest. Delivery claims work with a lease, like the
//! event outbox, so several server instances never take the same mail.
//!
//! [`EmailDelivery::Immediate`]: crate::domain::mail::EmailDelivery::Immediate
//! [`EmailDelivery::Digest`]: crate::domain::mail::EmailDelivery::Digest

use async_trait::async_trait;
use chrono::{DateTime, TimeDelta, Utc};

use crate::domain::mail::DigestKey;
use crate::domain::notification::{Notification, NotificationId};
use crate::ports::StoreError;

/// A notification claimed for its own mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedMail {
    /// What to say, and to whom.
    pub notification: Notification,
    /// Tries so far, this one included.
    pub attempts: u32,
}

/// A recipient's digest claimed for sending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedDigest {
    /// Whose, and of which digest time.
    pub key: DigestKey,
    /// Tries so far, this one included.
    pub attempts: u32,
    /// The notifications it lists: the recipient's digest notifications
    /// made up to the digest time and not mailed yet, oldest first.
    pub notifications: Vec<Notification>,
}

/// The mail work of stored notifications.
///
/// A claim holds what it returns until `now + lease`: no other claim gets
/// it before then unless it is released. Times are kept to whole microseconds.
#[cfg_attr(any(test, feature = "mock"), mockall::automock)]
#[async_trait]
pub trait MailQueue: Send + Sync {
    /// Claims at most `limit` notifications whose own mail is due at `now`
    /// (not mailed, not given up, next try due, not held), oldest due first,
    /// and counts the attempt.
    async fn claim_mail(
        &self,
        now: DateTime<Utc>,
        lease: TimeDelta,
        limit: u32,
    ) -> Result<Vec<QueuedMail>, StoreError>;

    /// Records the notification's mail as sent at `at`; `false` when it was
    /// recorded before (the first time is kept).
    async fn mark_mailed(&self, id: NotificationId, at: DateTime<Utc>) -> Result<bool, StoreError>;

    /// Releases a claimed mail that failed with `error`, to be tried again at `next`.
    async fn retry_mail(
        &self,
        id: NotificationId,
        error: &str,
        next: DateTime<Utc>,
    ) -> Result<(), StoreError>;

    /// Gives up a mail at `at` for `error` (a permanent failure, or too
    /// many tries): it is never tried again.
    async fn give_up_mail(
        &self,
        id: NotificationId,
        error: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError>;

    /// Opens the digest of time `slot` for every recipient with digest
    /// notifications made up to it and not mailed (unless that recipient
    /// has an earlier digest still unfinished), then claims at most `limit`
    /// digests due at `now`, counting the attempt. One recipient has at
    /// most one digest per slot, whoever asks and however often.
    async fn claim_digests(
        &self,
        slot: DateTime<Utc>,
        now: DateTime<Utc>,
        lease: TimeDelta,
        limit: u32,
    ) -> Result<Vec<QueuedDigest>, StoreError>;

    /// Records a digest as sent at `at`, with the notifications it listed.
    async fn mark_digest_mailed(
        &self,
        key: &DigestKey,
        listed: &[NotificationId],
        at: DateTime<Utc>,
    ) -> Result<(), StoreError>;

    /// Releases a claimed digest that failed with `error`, to be tried again at `next`.
    async fn retry_digest(
        &self,
        key: &DigestKey,
        error: &str,
        next: DateTime<Utc>,
    ) -> Result<(), StoreError>;

    /// Gives a digest up at `at` for `error`; its notifications are given
    /// up with it (they will not be listed again).
    async fn give_up_digest(
        &self,
        key: &DigestKey,
        error: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError>;

    /// How many notifications wait for their own mail (claimed or not).
    async fn mail_pending(&self) -> Result<u64, StoreError>;
}
