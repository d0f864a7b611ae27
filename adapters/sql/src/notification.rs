//! `NotificationStore` for both SQL stores: rows of `notifications`, and
//! the statements, written once with the dialect's placeholders.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sinmungo_core::domain::mail::EmailDelivery;
use sinmungo_core::domain::notification::{Notification, NotificationId, NotificationKind};
use sinmungo_core::domain::report::ReportId;
use sinmungo_core::domain::user::UserId;
use sinmungo_core::ports::{
    NotificationPage, NotificationQuery, NotificationStore, StoreError, MAX_PAGE_SIZE,
};
use sqlx::{Executor, Pool};

use crate::dialect::Dialect;
use crate::fetch::Fetch as _;
use crate::row::{FromSqlRow, RowReader};
use crate::value::{SqlValue, SqlWriter};

/// The columns a [`Notification`] is written to and read from, in the
/// order of [`notification_values`].
pub const NOTIFICATION_COLUMNS: &str = "id, recipient, kind, report_id, title, body, dedupe_key, \
     created_at, read_at, mail_due_at, mail_digest";

/// Parses a row of [`NOTIFICATION_COLUMNS`].
impl<D: Dialect> FromSqlRow<D> for Notification {
    fn from_row(row: &D::Row) -> Result<Self, StoreError> {
        let r = RowReader::<D>::new(row, "notifications");
        Ok(Notification {
            id: NotificationId(r.uuid("id")?),
            recipient: UserId(r.uuid("recipient")?),
            kind: r.parse("kind", |raw| {
                NotificationKind::parse(raw).ok_or("an unknown notification kind")
            })?,
            report_id: ReportId(r.uuid("report_id")?),
            title: r.get("title")?,
            body: r.get("body")?,
            dedupe_key: r.get("dedupe_key")?,
            created_at: r.time("created_at")?,
            read_at: r.time_optional("read_at")?,
            email: match (
                r.time_optional("mail_due_at")?,
                r.get::<bool>("mail_digest")?,
            ) {
                (None, _) => EmailDelivery::None,
                (Some(_), false) => EmailDelivery::Immediate,
                (Some(_), true) => EmailDelivery::Digest,
            },
        })
    }
}

/// How many of a person's notifications are unread: the column `unread`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnreadCount(pub u64);

impl<D: Dialect> FromSqlRow<D> for UnreadCount {
    fn from_row(row: &D::Row) -> Result<Self, StoreError> {
        let r = RowReader::<D>::new(row, "notifications");
        let count: i64 = r.get("unread")?;
        Ok(Self(u64::try_from(count).unwrap_or(0)))
    }
}

/// A notification's values for [`NOTIFICATION_COLUMNS`], in that order.
/// A notification to be mailed is due when it is made.
pub fn notification_values(notification: &Notification) -> [SqlValue; 11] {
    [
        SqlValue::Uuid(Some(notification.id.0)),
        SqlValue::Uuid(Some(notification.recipient.0)),
        SqlValue::text(notification.kind.as_str()),
        SqlValue::Uuid(Some(notification.report_id.0)),
        SqlValue::text(notification.title.as_str()),
        SqlValue::text(notification.body.as_str()),
        SqlValue::text(notification.dedupe_key.as_str()),
        SqlValue::Time(Some(notification.created_at)),
        SqlValue::Time(notification.read_at),
        SqlValue::Time(
            (notification.email != EmailDelivery::None).then_some(notification.created_at),
        ),
        SqlValue::Bool(Some(notification.email == EmailDelivery::Digest)),
    ]
}

/// The page size a list reads, clamped to 1–[`MAX_PAGE_SIZE`].
pub fn page_size(query: &NotificationQuery) -> u32 {
    query.limit.clamp(1, MAX_PAGE_SIZE)
}

/// Writes the list query after its `FROM notifications`: the recipient,
/// unread only, below the cursor, newest first, one row more than the page
/// (to tell whether there is a next page).
pub fn write_notification_list(query: &NotificationQuery, sql: &mut impl SqlWriter) {
    sql.push(" WHERE recipient = ");
    sql.bind(SqlValue::Uuid(Some(query.recipient.0)));
    if query.unread_only {
        sql.push(" AND read_at IS NULL");
    }
    if let Some(before) = query.before {
        sql.push(" AND id < ");
        sql.bind(SqlValue::Uuid(Some(before.0)));
    }
    sql.push(" ORDER BY id DESC LIMIT ");
    sql.bind(SqlValue::Integer(Some(i64::from(page_size(query)) + 1)));
}

/// The page of `rows` read by [`write_notification_list`] (one more than
/// the page size when there is a next page).
pub fn notification_page(
    query: &NotificationQuery,
    mut rows: Vec<Notification>,
) -> NotificationPage {
    let size = usize::try_from(page_size(query)).unwrap_or(usize::MAX);
    let next = if rows.len() > size {
        rows.truncate(size);
        rows.last().map(|n| n.id)
    } else {
        None
    };
    NotificationPage { items: rows, next }
}

/// The [`NotificationStore`] of a SQL database of dialect `D`: reads on
/// `reader` (a replica's pool, or the primary's again), writes on `writer`.
pub struct SqlNotificationStore<D: Dialect> {
    reader: Pool<D::Database>,
    pub(crate) writer: Pool<D::Database>,
    statements: Statements,
    pub(crate) mail: crate::mail::MailStatements,
}

impl<D: Dialect> std::fmt::Debug for SqlNotificationStore<D> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqlNotificationStore")
            .finish_non_exhaustive()
    }
}

/// The statements' text in the dialect's placeholders.
struct Statements {
    insert: String,
    mark_read: String,
    unread_count: String,
    mark_all_read: String,
    purge: String,
}

impl<D: Dialect> SqlNotificationStore<D> {
    /// The store over `reader` and `writer`.
    pub fn new(reader: Pool<D::Database>, writer: Pool<D::Database>) -> Self {
        let p = D::placeholder;
        let values: Vec<String> = (1..=11).map(p).collect();
        let statements = Statements {
            insert: format!(
                "INSERT INTO notifications ({NOTIFICATION_COLUMNS}) VALUES ({}) \
                 ON CONFLICT (recipient, dedupe_key) DO NOTHING RETURNING {NOTIFICATION_COLUMNS}",
                values.join(", ")
            ),
            // One read before keeps its first time.
            mark_read: format!(
                "UPDATE notifications SET read_at = coalesce(read_at, {}) \
                 WHERE id = {} AND recipient = {} RETURNING {NOTIFICATION_COLUMNS}",
                p(1),
                p(2),
                p(3)
            ),
            unread_count: format!(
                "SELECT count(*) AS unread FROM notifications \
                 WHERE recipient = {} AND read_at IS NULL",
                p(1)
            ),
            mark_all_read: format!(
                "UPDATE notifications SET read_at = {} WHERE recipient = {} AND read_at IS NULL",
                p(1),
                p(2)
            ),
            purge: format!("DELETE FROM notifications WHERE created_at < {}", p(1)),
        };
        Self {
            reader,
            writer,
            statements,
            mail: crate::mail::MailStatements::new::<D>(),
        }
    }
}

#[async_trait]
impl<D: Dialect> NotificationStore for SqlNotificationStore<D>
where
    for<'c> &'c Pool<D::Database>: Executor<'c, Database = D::Database>,
    for<'q> D::Arguments<'q>: Send,
{
    #[tracing::instrument(skip_all, fields(count = notifications.len()))]
    async fn insert(
        &self,
        notifications: &[Notification],
    ) -> Result<Vec<Notification>, StoreError> {
        let mut stored = Vec::with_capacity(notifications.len());
        for notification in notifications {
            let statement =
                D::statement(&self.statements.insert, notification_values(notification));
            stored.extend(D::fetch_optional(statement, &self.writer).await?);
        }
        Ok(stored)
    }

    #[tracing::instrument(skip_all, fields(recipient = %query.recipient))]
    async fn list(&self, query: &NotificationQuery) -> Result<NotificationPage, StoreError> {
        let mut sql =
            Numbered::<D>::new(format!("SELECT {NOTIFICATION_COLUMNS} FROM notifications"));
        write_notification_list(query, &mut sql);
        let rows = D::fetch_all(D::statement(&sql.text, sql.values), &self.reader).await?;
        Ok(notification_page(query, rows))
    }

    #[tracing::instrument(skip_all, fields(recipient = %recipient))]
    async fn unread_count(&self, recipient: UserId) -> Result<u64, StoreError> {
        let statement = D::statement(
            &self.statements.unread_count,
            [SqlValue::Uuid(Some(recipient.0))],
        );
        let count: UnreadCount = D::fetch_one(statement, &self.reader).await?;
        Ok(count.0)
    }

    #[tracing::instrument(skip_all, fields(recipient = %recipient, notification = %id))]
    async fn mark_read(
        &self,
        recipient: UserId,
        id: NotificationId,
        at: DateTime<Utc>,
    ) -> Result<Option<Notification>, StoreError> {
        let values = [
            SqlValue::Time(Some(at)),
            SqlValue::Uuid(Some(id.0)),
            SqlValue::Uuid(Some(recipient.0)),
        ];
        D::fetch_optional(
            D::statement(&self.statements.mark_read, values),
            &self.writer,
        )
        .await
    }

    #[tracing::instrument(skip_all, fields(recipient = %recipient))]
    async fn mark_all_read(&self, recipient: UserId, at: DateTime<Utc>) -> Result<u64, StoreError> {
        let values = [SqlValue::Time(Some(at)), SqlValue::Uuid(Some(recipient.0))];
        D::rows_changed(
            D::statement(&self.statements.mark_all_read, values),
            &self.writer,
        )
        .await
    }

    #[tracing::instrument(skip_all)]
    async fn purge_created_before(&self, before: DateTime<Utc>) -> Result<u64, StoreError> {
        let values = [SqlValue::Time(Some(before))];
        D::rows_changed(D::statement(&self.statements.purge, values), &self.writer).await
    }
}

/// SQL text with numbered placeholders in the dialect's words, and the
/// values bound to them, in order.
struct Numbered<D: Dialect> {
    text: String,
    values: Vec<SqlValue>,
    dialect: std::marker::PhantomData<fn() -> D>,
}

impl<D: Dialect> Numbered<D> {
    fn new(text: String) -> Self {
        Self {
            text,
            values: Vec::new(),
            dialect: std::marker::PhantomData,
        }
    }
}

impl<D: Dialect> SqlWriter for Numbered<D> {
    fn push(&mut self, sql: &str) {
        self.text.push_str(sql);
    }

    fn bind(&mut self, value: SqlValue) {
        self.values.push(value);
        self.text.push_str(&D::placeholder(self.values.len()));
    }
}
