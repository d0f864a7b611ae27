//! The ports written once for both SQL stores, handed out together.

use std::sync::Arc;

use sinmungo_core::ports::{JobLease, MailQueue, NotificationStore};
use sqlx::{Executor, Pool};

use crate::dialect::Dialect;
use crate::job_lease::SqlJobLease;
use crate::notification::SqlNotificationStore;

/// The ports a SQL store implements through this layer alone: its
/// notifications (and their mail work) and the scheduled jobs' leases.
#[derive(Clone)]
pub struct SqlPorts {
    /// Notifications.
    pub notifications: Arc<dyn NotificationStore>,
    /// The mail work of the same notifications.
    pub mail: Arc<dyn MailQueue>,
    /// Scheduled jobs' leases (on the writer).
    pub leases: Arc<dyn JobLease>,
}

impl std::fmt::Debug for SqlPorts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqlPorts").finish_non_exhaustive()
    }
}

impl SqlPorts {
    /// The ports of a database of dialect `D`: reads on `reader`, writes on `writer`.
    pub fn new<D: Dialect>(reader: Pool<D::Database>, writer: Pool<D::Database>) -> Self
    where
        for<'c> &'c Pool<D::Database>: Executor<'c, Database = D::Database>,
        for<'q> D::Arguments<'q>: Send,
    {
        let notifications = Arc::new(SqlNotificationStore::<D>::new(reader, writer.clone()));
        Self {
            notifications: notifications.clone(),
            mail: notifications,
            leases: Arc::new(SqlJobLease::<D>::new(writer)),
        }
    }
}
