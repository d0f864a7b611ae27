//! `JobLease` for both SQL stores: one row of `job_leases` per job, taken
//! by an upsert that only overwrites an expired lease (or the holder's own).

use async_trait::async_trait;
use chrono::{DateTime, TimeDelta, Utc};
use sinmungo_core::ports::{JobLease, StoreError};
use sqlx::{Executor, Pool};
use uuid::Uuid;

use crate::dialect::Dialect;
use crate::fetch::Fetch as _;
use crate::value::SqlValue;

/// The [`JobLease`] of a SQL database of dialect `D`, on its primary.
pub struct SqlJobLease<D: Dialect> {
    pool: Pool<D::Database>,
    acquire: String,
}

impl<D: Dialect> std::fmt::Debug for SqlJobLease<D> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqlJobLease").finish_non_exhaustive()
    }
}

impl<D: Dialect> SqlJobLease<D> {
    /// The leases kept in `pool`'s database.
    pub fn new(pool: Pool<D::Database>) -> Self {
        let p = D::placeholder;
        // The row is written only when the lease has ended; a row changed
        // means the caller holds it now. (Both dialects run an INSERT … ON
        // CONFLICT as one atomic statement.)
        let acquire = format!(
            "INSERT INTO job_leases (job, holder, until) VALUES ({}, {}, {}) \
             ON CONFLICT (job) DO UPDATE SET holder = excluded.holder, until = excluded.until \
             WHERE job_leases.until <= {}",
            p(1),
            p(2),
            p(3),
            p(4)
        );
        Self { pool, acquire }
    }
}

#[async_trait]
impl<D: Dialect> JobLease for SqlJobLease<D>
where
    for<'c> &'c Pool<D::Database>: Executor<'c, Database = D::Database>,
    for<'q> D::Arguments<'q>: Send,
{
    #[tracing::instrument(skip_all, fields(job))]
    async fn acquire(
        &self,
        job: &str,
        holder: Uuid,
        now: DateTime<Utc>,
        ttl: TimeDelta,
    ) -> Result<bool, StoreError> {
        let values = [
            SqlValue::text(job),
            SqlValue::Uuid(Some(holder)),
            SqlValue::Time(Some(now + ttl)),
            SqlValue::Time(Some(now)),
        ];
        let changed = D::rows_changed(D::statement(&self.acquire, values), &self.pool).await?;
        Ok(changed > 0)
    }
}
