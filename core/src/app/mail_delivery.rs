//! E-mailing notifications: each due notification of someone who wants
//! mail at once, and each day's digest of those who want one a day.
//!
//! Delivery is at least once and, short of a crash between the server
//! accepting a mail and the store recording it, exactly once: a claimed mail
//! is held by one delivery until its lease ends; a failed one waits with
//! exponential backoff (capped), and is given up and recorded after a while.
//! A mail sent again after such a crash carries the same `Message-ID`.

use std::sync::Arc;

use chrono::{DateTime, TimeDelta, Utc};

use crate::domain::mail::{
    retry_delay, DigestKey, DigestSchedule, EmailPreference, MailContent, PublicUrl,
};
use crate::domain::notification::NotificationId;
use crate::domain::user::{Email, UserId};
use crate::ports::{Clock, MailError, MailQueue, Mailer, OutgoingMail, StoreError, UserStore};

/// How mail is delivered.
#[derive(Debug, Clone)]
pub struct MailDeliveryConfig {
    /// The public site, for the link to the report.
    pub site: PublicUrl,
    /// How long a claim holds its mails; far longer than sending a batch takes.
    pub lease: TimeDelta,
    /// The wait after a first failure; it doubles with each one.
    pub retry_first: TimeDelta,
    /// The longest wait between tries.
    pub retry_max: TimeDelta,
    /// How long after it was due a mail is given up.
    pub give_up_after: TimeDelta,
    /// When daily digests go out.
    pub digest: DigestSchedule,
}

impl MailDeliveryConfig {
    /// Links to `site`; a 5-minute lease; retries after 1 minute, doubling
    /// up to an hour; given up after 2 days; digests at 08:00 KST.
    pub fn new(site: PublicUrl) -> Self {
        Self {
            site,
            lease: TimeDelta::minutes(5),
            retry_first: TimeDelta::minutes(1),
            retry_max: TimeDelta::hours(1),
            give_up_after: TimeDelta::days(2),
            digest: DigestSchedule::default(),
        }
    }
}

/// What one round of delivery did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MailRound {
    /// Mails claimed.
    pub claimed: usize,
    /// Mails the server accepted.
    pub sent: usize,
    /// Mails to try again later.
    pub retried: usize,
    /// Mails given up (refused for good, too old, or nobody to send to).
    pub given_up: usize,
    /// Whether the mail server could not be reached: the caller waits
    /// before the next round.
    pub unreachable: bool,
}

/// Why a mail is not sent to someone at all.
enum Recipient {
    /// Their address and name.
    Reachable(Email, String),
    /// Nobody to send to, and why.
    Gone(&'static str),
}

/// Delivers notification mail.
#[derive(Clone)]
pub struct MailDelivery {
    queue: Arc<dyn MailQueue>,
    users: Arc<dyn UserStore>,
    mailer: Arc<dyn Mailer>,
    clock: Arc<dyn Clock>,
    config: MailDeliveryConfig,
}

impl std::fmt::Debug for MailDelivery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailDelivery")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl MailDelivery {
    /// Delivery of `queue`'s mail through `mailer`, to the addresses of `users`.
    pub fn new(
        queue: Arc<dyn MailQueue>,
        users: Arc<dyn UserStore>,
        mailer: Arc<dyn Mailer>,
        clock: Arc<dyn Clock>,
        config: MailDeliveryConfig,
    ) -> Self {
        Self {
            queue,
            users,
            mailer,
            clock,
            config,
        }
    }

    /// Sends at most `limit` due mails of single notifications.
    pub async fn deliver_due(&self, limit: u32) -> Result<MailRound, StoreError> {
        let now = self.clock.now();
        let claimed = self.queue.claim_mail(now, self.config.lease, limit).await?;
        let mut round = MailRound {
            claimed: claimed.len(),
            ..MailRound::default()
        };
        let mut unreachable: Option<String> = None;
        for item in claimed {
            let notification = &item.notification;
            let id = notification.id;
            let due_since = notification.created_at;
            if let Some(reason) = &unreachable {
                // The server is down: the rest of the batch waits untried.
                self.mail_failed(id, item.attempts, due_since, reason, &mut round)
                    .await?;
                continue;
            }
            let (to, to_name) = match self.recipient(notification.recipient).await? {
                Recipient::Reachable(to, name) => (to, name),
                Recipient::Gone(reason) => {
                    self.queue
                        .give_up_mail(id, reason, self.clock.now())
                        .await?;
                    round.given_up += 1;
                    continue;
                }
            };
            let content = MailContent::of(notification, &self.config.site);
            let mail = OutgoingMail {
                to,
                to_name,
                subject: content.subject,
                body: content.body,
                message_key: content.message_key,
            };
            match self.mailer.send(&mail).await {
                Ok(()) => {
                    self.queue.mark_mailed(id, self.clock.now()).await?;
                    round.sent += 1;
                }
                Err(MailError::Permanent(reason)) => {
                    self.queue
                        .give_up_mail(id, &reason, self.clock.now())
                        .await?;
                    round.given_up += 1;
                }
                Err(MailError::Temporary(reason)) => {
                    self.mail_failed(id, item.attempts, due_since, &reason, &mut round)
                        .await?;
                }
                Err(MailError::Unreachable(reason)) => {
                    self.mail_failed(id, item.attempts, due_since, &reason, &mut round)
                        .await?;
                    round.unreachable = true;
                    unreachable = Some(reason);
                }
            }
        }
        Ok(round)
    }

    /// Sends at most `limit` digests of the latest digest time.
    pub async fn deliver_digests(&self, limit: u32) -> Result<MailRound, StoreError> {
        let now = self.clock.now();
        let slot = self.config.digest.latest(now);
        let claimed = self
            .queue
            .claim_digests(slot, now, self.config.lease, limit)
            .await?;
        let mut round = MailRound {
            claimed: claimed.len(),
            ..MailRound::default()
        };
        let mut unreachable: Option<String> = None;
        for digest in claimed {
            let key = digest.key;
            let listed: Vec<NotificationId> = digest.notifications.iter().map(|n| n.id).collect();
            if listed.is_empty() {
                // Everything it would list was mailed or given up since it opened.
                self.queue.mark_digest_mailed(&key, &[], now).await?;
                continue;
            }
            if let Some(reason) = &unreachable {
                self.digest_failed(&key, digest.attempts, reason, &mut round)
                    .await?;
                continue;
            }
            let (to, to_name) = match self.recipient(key.recipient).await? {
                Recipient::Reachable(to, name) => (to, name),
                Recipient::Gone(reason) => {
                    self.queue
                        .give_up_digest(&key, reason, self.clock.now())
                        .await?;
                    round.given_up += 1;
                    continue;
                }
            };
            let content = MailContent::digest(&key, &digest.notifications, &self.config.site);
            let mail = OutgoingMail {
                to,
                to_name,
                subject: content.subject,
                body: content.body,
                message_key: content.message_key,
            };
            match self.mailer.send(&mail).await {
                Ok(()) => {
                    self.queue
                        .mark_digest_mailed(&key, &listed, self.clock.now())
                        .await?;
                    round.sent += 1;
                }
                Err(MailError::Permanent(reason)) => {
                    self.queue
                        .give_up_digest(&key, &reason, self.clock.now())
                        .await?;
                    round.given_up += 1;
                }
                Err(MailError::Temporary(reason)) => {
                    self.digest_failed(&key, digest.attempts, &reason, &mut round)
                        .await?;
                }
                Err(MailError::Unreachable(reason)) => {
                    self.digest_failed(&key, digest.attempts, &reason, &mut round)
                        .await?;
                    round.unreachable = true;
                    unreachable = Some(reason);
                }
            }
        }
        Ok(round)
    }

    /// Whom a mail to `id` reaches, if anyone: not someone gone, disabled,
    /// anonymised, or who no longer wants mail.
    async fn recipient(&self, id: UserId) -> Result<Recipient, StoreError> {
        let Some(user) = self.users.get(id).await? else {
            return Ok(Recipient::Gone("the recipient no longer exists"));
        };
        if self.users.disabled_at(id).await?.is_some() {
            return Ok(Recipient::Gone("the recipient's account is disabled"));
        }
        // Anonymised and test addresses (RFC 2606) never reach anyone.
        if user.email.as_str().ends_with(".invalid") {
            return Ok(Recipient::Gone("the recipient has no deliverable address"));
        }
        let chosen = self.users.email_preference(id).await?;
        if EmailPreference::effective(chosen, user.role) == EmailPreference::None {
            return Ok(Recipient::Gone("the recipient turned e-mail off"));
        }
        Ok(Recipient::Reachable(
            user.email,
            user.display_name.as_str().to_owned(),
        ))
    }

    async fn mail_failed(
        &self,
        id: NotificationId,
        attempts: u32,
        due_since: DateTime<Utc>,
        reason: &str,
        round: &mut MailRound,
    ) -> Result<(), StoreError> {
        let now = self.clock.now();
        if now - due_since >= self.config.give_up_after {
            let reason = format!("given up after {attempts} attempts: {reason}");
            self.queue.give_up_mail(id, &reason, now).await?;
            round.given_up += 1;
        } else {
            let next = now + retry_delay(attempts, self.config.retry_first, self.config.retry_max);
            self.queue.retry_mail(id, reason, next).await?;
            round.retried += 1;
        }
        Ok(())
    }

    async fn digest_failed(
        &self,
        key: &DigestKey,
        attempts: u32,
        reason: &str,
        round: &mut MailRound,
    ) -> Result<(), StoreError> {
        let now = self.clock.now();
        if now - key.slot >= self.config.give_up_after {
            let reason = format!("given up after {attempts} attempts: {reason}");
            self.queue.give_up_digest(key, &reason, now).await?;
            round.given_up += 1;
        } else {
            let next = now + retry_delay(attempts, self.config.retry_first, self.config.retry_max);
            self.queue.retry_digest(key, reason, next).await?;
            round.retried += 1;
        }
        Ok(())
    }
}
