//! [`MailQueue`] for both SQL stores, on the notification store: a
//! notification row is its own mail's work item (columns `mail_*`), and
//! `mail_digests` holds one row per recipient and digest time. The
//! statements are written once, with the dialect's placeholders and its
//! [`Dialect::SKIP_LOCKED`].
//!
//! A claim is one `UPDATE … WHERE id IN (SELECT … LIMIT n [FOR UPDATE SKIP
//! LOCKED]) RETURNING …`: in SQLite the single writer runs it alone; in
//! PostgreSQL rows another claim is locking are skipped, and a row another
//! claim leased since this statement's snapshot is re-checked on locking,
//! sees its lease, and drops out. Either way no two claims get one row.

use async_trait::async_trait;
use chrono::{DateTime, TimeDelta, Utc};
use sinmungo_core::domain::mail::{DigestKey, EmailPreference};
use sinmungo_core::domain::notification::{Notification, NotificationId};
use sinmungo_core::domain::user::UserId;
use sinmungo_core::ports::{MailQueue, QueuedDigest, QueuedMail, StoreError};
use sqlx::{Executor, Pool};

use crate::dialect::Dialect;
use crate::fetch::Fetch as _;
use crate::notification::{SqlNotificationStore, NOTIFICATION_COLUMNS};
use crate::row::{FromSqlRow, RowReader};
use crate::value::SqlValue;

/// Still to be mailed: wanted, neither sent nor given up.
const PENDING: &str = "mail_due_at IS NOT NULL AND mailed_at IS NULL AND mail_failed_at IS NULL";

/// A digest neither sent nor given up.
const UNFINISHED: &str = "mailed_at IS NULL AND failed_at IS NULL";

/// The statements' text in the dialect's placeholders.
#[derive(Debug)]
pub(crate) struct MailStatements {
    claim: String,
    mark: String,
    retry: String,
    give_up: String,
    pending: String,
    open_digests: String,
    claim_digests: String,
    digest_listing: String,
    mark_listed: String,
    mark_digest: String,
    retry_digest: String,
    give_up_listed: String,
    give_up_digest: String,
}

impl MailStatements {
    pub(crate) fn new<D: Dialect>() -> Self {
        let p = D::placeholder;
        let skip = D::SKIP_LOCKED;
        Self {
            claim: format!(
                "UPDATE notifications SET mail_claimed_until = {}, mail_attempts = mail_attempts + 1 \
                 WHERE id IN (SELECT id FROM notifications \
                     WHERE {PENDING} AND NOT mail_digest AND mail_due_at <= {} \
                       AND (mail_claimed_until IS NULL OR mail_claimed_until <= {}) \
                     ORDER BY mail_due_at, id LIMIT {}{skip}) \
                 RETURNING {NOTIFICATION_COLUMNS}, mail_attempts",
                p(1),
                p(2),
                p(3),
                p(4)
            ),
            mark: format!(
                "UPDATE notifications SET mailed_at = {}, mail_claimed_until = NULL \
                 WHERE id = {} AND mail_due_at IS NOT NULL AND mailed_at IS NULL",
                p(1),
                p(2)
            ),
            retry: format!(
                "UPDATE notifications SET mail_claimed_until = NULL, mail_due_at = {}, mail_error = {} \
                 WHERE id = {} AND {PENDING}",
                p(1),
                p(2),
                p(3)
            ),
            give_up: format!(
                "UPDATE notifications SET mail_claimed_until = NULL, mail_failed_at = {}, mail_error = {} \
                 WHERE id = {} AND {PENDING}",
                p(1),
                p(2),
                p(3)
            ),
            pending: format!(
                "SELECT count(*) AS pending FROM notifications WHERE {PENDING} AND NOT mail_digest"
            ),
            // Unique (recipient, slot): opened once, however many ask.
            open_digests: format!(
                "INSERT INTO mail_digests (recipient, slot, due_at) \
                 SELECT DISTINCT n.recipient, {}, {} FROM notifications AS n \
                 WHERE n.mail_digest AND n.mail_due_at IS NOT NULL AND n.mailed_at IS NULL \
                   AND n.mail_failed_at IS NULL AND n.created_at <= {} \
                   AND NOT EXISTS (SELECT 1 FROM mail_digests AS d \
                       WHERE d.recipient = n.recipient AND d.mailed_at IS NULL AND d.failed_at IS NULL) \
                 ON CONFLICT (recipient, slot) DO NOTHING",
                p(1),
                p(2),
                p(3)
            ),
            // A recipient's digests go out in slot order: a later one waits
            // while an earlier one is unfinished, so none lists a
            // notification another is listing.
            claim_digests: format!(
                "UPDATE mail_digests SET claimed_until = {}, attempts = attempts + 1 \
                 WHERE (recipient, slot) IN (SELECT d.recipient, d.slot FROM mail_digests AS d \
                     WHERE d.mailed_at IS NULL AND d.failed_at IS NULL AND d.due_at <= {} \
                       AND (d.claimed_until IS NULL OR d.claimed_until <= {}) \
                       AND NOT EXISTS (SELECT 1 FROM mail_digests AS e \
                           WHERE e.recipient = d.recipient AND e.slot < d.slot \
                             AND e.mailed_at IS NULL AND e.failed_at IS NULL) \
                     ORDER BY d.due_at LIMIT {}{skip}) \
                 RETURNING recipient, slot, attempts",
                p(1),
                p(2),
                p(3),
                p(4)
            ),
            digest_listing: format!(
                "SELECT {NOTIFICATION_COLUMNS} FROM notifications \
                 WHERE recipient = {} AND mail_digest AND {PENDING} AND created_at <= {} \
                 ORDER BY created_at, id",
                p(1),
                p(2)
            ),
            mark_listed: format!(
                "UPDATE notifications SET mailed_at = {} WHERE id = {} AND mailed_at IS NULL",
                p(1),
                p(2)
            ),
            mark_digest: format!(
                "UPDATE mail_digests SET mailed_at = {}, claimed_until = NULL \
                 WHERE recipient = {} AND slot = {} AND mailed_at IS NULL",
                p(1),
                p(2),
                p(3)
            ),
            retry_digest: format!(
                "UPDATE mail_digests SET claimed_until = NULL, due_at = {}, error = {} \
                 WHERE recipient = {} AND slot = {} AND {UNFINISHED}",
                p(1),
                p(2),
                p(3),
                p(4)
            ),
            give_up_listed: format!(
                "UPDATE notifications SET mail_failed_at = {}, mail_error = {} \
                 WHERE recipient = {} AND mail_digest AND {PENDING} AND created_at <= {}",
                p(1),
                p(2),
                p(3),
                p(4)
            ),
            give_up_digest: format!(
                "UPDATE mail_digests SET claimed_until = NULL, failed_at = {}, error = {} \
                 WHERE recipient = {} AND slot = {} AND {UNFINISHED}",
                p(1),
                p(2),
                p(3),
                p(4)
            ),
        }
    }
}

/// A row of a mail claim: the notification and its attempts.
struct ClaimedRow(QueuedMail);

impl<D: Dialect> FromSqlRow<D> for ClaimedRow {
    fn from_row(row: &D::Row) -> Result<Self, StoreError> {
        let r = RowReader::<D>::new(row, "notifications");
        Ok(Self(QueuedMail {
            notification: D::parse::<Notification>(row)?,
            attempts: r.count("mail_attempts")?,
        }))
    }
}

/// A row of a digest claim.
struct DigestRow {
    key: DigestKey,
    attempts: u32,
}

impl<D: Dialect> FromSqlRow<D> for DigestRow {
    fn from_row(row: &D::Row) -> Result<Self, StoreError> {
        let r = RowReader::<D>::new(row, "mail_digests");
        Ok(Self {
            key: DigestKey {
                recipient: UserId(r.uuid("recipient")?),
                slot: r.time("slot")?,
            },
            attempts: r.count("attempts")?,
        })
    }
}

/// A count in the column `pending`.
struct Pending(u64);

impl<D: Dialect> FromSqlRow<D> for Pending {
    fn from_row(row: &D::Row) -> Result<Self, StoreError> {
        let r = RowReader::<D>::new(row, "notifications");
        let count: i64 = r.get("pending")?;
        Ok(Self(u64::try_from(count).unwrap_or(0)))
    }
}

fn key_values(key: &DigestKey) -> [SqlValue; 2] {
    [
        SqlValue::Uuid(Some(key.recipient.0)),
        SqlValue::Time(Some(key.slot)),
    ]
}

#[async_trait]
impl<D: Dialect> MailQueue for SqlNotificationStore<D>
where
    for<'c> &'c Pool<D::Database>: Executor<'c, Database = D::Database>,
    for<'q> D::Arguments<'q>: Send,
{
    #[tracing::instrument(skip_all, fields(limit))]
    async fn claim_mail(
        &self,
        now: DateTime<Utc>,
        lease: TimeDelta,
        limit: u32,
    ) -> Result<Vec<QueuedMail>, StoreError> {
        let values = [
            SqlValue::Time(Some(now + lease)),
            SqlValue::Time(Some(now)),
            SqlValue::Time(Some(now)),
            SqlValue::Integer(Some(i64::from(limit))),
        ];
        let rows: Vec<ClaimedRow> =
            D::fetch_all(D::statement(&self.mail.claim, values), &self.writer).await?;
        // RETURNING gives no order: oldest due first, as claimed.
        let mut claimed: Vec<QueuedMail> = rows.into_iter().map(|row| row.0).collect();
        claimed.sort_by_key(|mail| (mail.notification.created_at, mail.notification.id));
        Ok(claimed)
    }

    #[tracing::instrument(skip_all, fields(notification = %id))]
    async fn mark_mailed(&self, id: NotificationId, at: DateTime<Utc>) -> Result<bool, StoreError> {
        let values = [SqlValue::Time(Some(at)), SqlValue::Uuid(Some(id.0))];
        let changed = D::rows_changed(D::statement(&self.mail.mark, values), &self.writer).await?;
        Ok(changed > 0)
    }

    #[tracing::instrument(skip_all, fields(notification = %id))]
    async fn retry_mail(
        &self,
        id: NotificationId,
        error: &str,
        next: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let values = [
            SqlValue::Time(Some(next)),
            SqlValue::text(error),
            SqlValue::Uuid(Some(id.0)),
        ];
        D::execute(D::statement(&self.mail.retry, values), &self.writer).await
    }

    #[tracing::instrument(skip_all, fields(notification = %id))]
    async fn give_up_mail(
        &self,
        id: NotificationId,
        error: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let values = [
            SqlValue::Time(Some(at)),
            SqlValue::text(error),
            SqlValue::Uuid(Some(id.0)),
        ];
        D::execute(D::statement(&self.mail.give_up, values), &self.writer).await
    }

    #[tracing::instrument(skip_all, fields(limit))]
    async fn claim_digests(
        &self,
        slot: DateTime<Utc>,
        now: DateTime<Utc>,
        lease: TimeDelta,
        limit: u32,
    ) -> Result<Vec<QueuedDigest>, StoreError> {
        let open = [
            SqlValue::Time(Some(slot)),
            SqlValue::Time(Some(slot)),
            SqlValue::Time(Some(slot)),
        ];
        D::execute(D::statement(&self.mail.open_digests, open), &self.writer).await?;
        let claim = [
            SqlValue::Time(Some(now + lease)),
            SqlValue::Time(Some(now)),
            SqlValue::Time(Some(now)),
            SqlValue::Integer(Some(i64::from(limit))),
        ];
        let mut rows: Vec<DigestRow> =
            D::fetch_all(D::statement(&self.mail.claim_digests, claim), &self.writer).await?;
        rows.sort_by_key(|row| (row.key.slot, row.key.recipient));
        let mut claimed = Vec::with_capacity(rows.len());
        for row in rows {
            let notifications = D::fetch_all(
                D::statement(&self.mail.digest_listing, key_values(&row.key)),
                &self.writer,
            )
            .await?;
            claimed.push(QueuedDigest {
                key: row.key,
                attempts: row.attempts,
                notifications,
            });
        }
        Ok(claimed)
    }

    #[tracing::instrument(skip_all, fields(recipient = %key.recipient, listed = listed.len()))]
    async fn mark_digest_mailed(
        &self,
        key: &DigestKey,
        listed: &[NotificationId],
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        // The notifications first: if the store fails between the two, the
        // digest is claimed again, finds nothing left to list, and closes.
        for id in listed {
            let values = [SqlValue::Time(Some(at)), SqlValue::Uuid(Some(id.0))];
            D::execute(D::statement(&self.mail.mark_listed, values), &self.writer).await?;
        }
        let [recipient, slot] = key_values(key);
        let values = [SqlValue::Time(Some(at)), recipient, slot];
        D::execute(D::statement(&self.mail.mark_digest, values), &self.writer).await
    }

    #[tracing::instrument(skip_all, fields(recipient = %key.recipient))]
    async fn retry_digest(
        &self,
        key: &DigestKey,
        error: &str,
        next: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let [recipient, slot] = key_values(key);
        let values = [
            SqlValue::Time(Some(next)),
            SqlValue::text(error),
            recipient,
            slot,
        ];
        D::execute(D::statement(&self.mail.retry_digest, values), &self.writer).await
    }

    #[tracing::instrument(skip_all, fields(recipient = %key.recipient))]
    async fn give_up_digest(
        &self,
        key: &DigestKey,
        error: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let values = || {
            let [recipient, slot] = key_values(key);
            [
                SqlValue::Time(Some(at)),
                SqlValue::text(error),
                recipient,
                slot,
            ]
        };
        D::execute(
            D::statement(&self.mail.give_up_listed, values()),
            &self.writer,
        )
        .await?;
        D::execute(
            D::statement(&self.mail.give_up_digest, values()),
            &self.writer,
        )
        .await
    }

    #[tracing::instrument(skip_all)]
    async fn mail_pending(&self) -> Result<u64, StoreError> {
        let count: Pending =
            D::fetch_one(D::statement(&self.mail.pending, []), &self.writer).await?;
        Ok(count.0)
    }
}

/// `users.email_preference` of `id` on `pool` (`None`: unset, or no such user).
pub async fn email_preference<D: Dialect>(
    pool: &Pool<D::Database>,
    id: UserId,
) -> Result<Option<EmailPreference>, StoreError>
where
    for<'c> &'c Pool<D::Database>: Executor<'c, Database = D::Database>,
    for<'q> D::Arguments<'q>: Send,
{
    let sql = format!(
        "SELECT email_preference FROM users WHERE id = {}",
        D::placeholder(1)
    );
    let row: Option<PreferenceRow> =
        D::fetch_optional(D::statement(&sql, [SqlValue::Uuid(Some(id.0))]), pool).await?;
    Ok(row.and_then(|row| row.0))
}

/// Sets `users.email_preference` of `id` on `pool`; `NotFound` if there is no such user.
pub async fn set_email_preference<D: Dialect>(
    pool: &Pool<D::Database>,
    id: UserId,
    preference: Option<EmailPreference>,
) -> Result<(), StoreError>
where
    for<'c> &'c Pool<D::Database>: Executor<'c, Database = D::Database>,
    for<'q> D::Arguments<'q>: Send,
{
    let sql = format!(
        "UPDATE users SET email_preference = {} WHERE id = {}",
        D::placeholder(1),
        D::placeholder(2)
    );
    let values = [
        SqlValue::Text(preference.map(|p| p.as_str().to_owned())),
        SqlValue::Uuid(Some(id.0)),
    ];
    match D::rows_changed(D::statement(&sql, values), pool).await? {
        0 => Err(StoreError::NotFound),
        _ => Ok(()),
    }
}

/// A row of `users.email_preference`.
struct PreferenceRow(Option<EmailPreference>);

impl<D: Dialect> FromSqlRow<D> for PreferenceRow {
    fn from_row(row: &D::Row) -> Result<Self, StoreError> {
        let r = RowReader::<D>::new(row, "users");
        Ok(Self(r.parse_optional(
            "email_preference",
            EmailPreference::parse,
        )?))
    }
}
