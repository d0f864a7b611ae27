//! How busy a store's connection pools are, for the operators' metrics.

/// One connection pool's connections at a moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolUsage {
    /// Which pool (`read`, `write`, `primary`, `replica`).
    pub pool: &'static str,
    /// Connections open, in use or idle.
    pub open: u32,
    /// Open connections waiting for work.
    pub idle: u32,
}

impl PoolUsage {
    /// The usage of `pool`, named `name`, now.
    pub fn of<DB: sqlx::Database>(name: &'static str, pool: &sqlx::Pool<DB>) -> Self {
        Self {
            pool: name,
            open: pool.size(),
            idle: u32::try_from(pool.num_idle()).unwrap_or(u32::MAX),
        }
    }

    /// Connections in use now.
    pub fn in_use(&self) -> u32 {
        self.open.saturating_sub(self.idle)
    }
}
