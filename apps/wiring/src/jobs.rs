//! The scheduled jobs' settings and their loop: every instance ticks, and
//! each job runs on whichever instance takes its lease (see
//! `sinmungo_core::app::Jobs`).

use std::time::Duration;

use clap::{ArgAction, Args};
use sinmungo_core::app::{tick_interval, Jobs, Schedule};
use tokio::sync::watch;

/// When the scheduled jobs run.
#[derive(Debug, Clone, Args)]
pub struct JobsConfig {
    /// Run the scheduled jobs from this process (auto-close, SLA breaches, purges); each runs on one instance at a time whatever the number of instances.
    #[arg(long = "jobs", env = "SINMUNGO_JOBS", default_value_t = true, action = ArgAction::Set)]
    pub run_jobs: bool,

    /// Seconds between checks of the SLA clocks.
    #[arg(long, env = "SINMUNGO_SLA_CHECK_SECS", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..))]
    pub sla_check_secs: u64,

    /// Seconds between looks for reports resolved 7 days ago (to close them).
    #[arg(long, env = "SINMUNGO_AUTO_CLOSE_CHECK_SECS", default_value_t = 3600, value_parser = clap::value_parser!(u64).range(1..))]
    pub auto_close_check_secs: u64,

    /// Seconds between purges of old notifications and expired sessions.
    #[arg(long, env = "SINMUNGO_PURGE_SECS", default_value_t = 86_400, value_parser = clap::value_parser!(u64).range(1..))]
    pub purge_secs: u64,

    /// Days notifications are kept.
    #[arg(long, env = "SINMUNGO_NOTIFICATION_RETENTION_DAYS", default_value_t = 180, value_parser = clap::value_parser!(u32).range(1..))]
    pub notification_retention_days: u32,
}

impl Default for JobsConfig {
    /// As with no flags: every job on, the default intervals.
    fn default() -> Self {
        Self {
            run_jobs: true,
            sla_check_secs: 60,
            auto_close_check_secs: 3600,
            purge_secs: 86_400,
            notification_retention_days: 180,
        }
    }
}

impl JobsConfig {
    /// The schedule these settings describe.
    pub fn schedule(&self) -> Schedule {
        let seconds = |s: u64| chrono::TimeDelta::seconds(i64::try_from(s).unwrap_or(i64::MAX));
        Schedule {
            close_every: seconds(self.auto_close_check_secs),
            sla_every: seconds(self.sla_check_secs),
            purge_every: seconds(self.purge_secs),
            keep_notifications: chrono::TimeDelta::days(i64::from(
                self.notification_retention_days,
            )),
        }
    }
}

/// Ticks `jobs` until `stopped` turns true; a job under way is finished first.
pub async fn run_jobs(jobs: Jobs, mut stopped: watch::Receiver<bool>) {
    let every = tick_interval(&jobs.schedule())
        .to_std()
        .unwrap_or(Duration::from_secs(60));
    let mut ticks = tokio::time::interval(every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = ticks.tick() => match jobs.tick().await {
                Ok(outcome) => {
                    if outcome.closed.is_some_and(|n| n > 0) {
                        tracing::info!(closed = outcome.closed, "closed reports resolved 7 days ago");
                    }
                    if outcome.breaches.is_some_and(|n| n > 0) {
                        tracing::info!(breaches = outcome.breaches, "flagged missed SLA clocks");
                    }
                    if let Some((notifications, sessions)) = outcome.purged {
                        tracing::info!(notifications, sessions, "purged old notifications and expired sessions");
                    }
                }
                Err(error) => tracing::warn!(%error, "a scheduled job failed; it runs again next time"),
            },
            _ = stopped.changed() => {
                if *stopped.borrow() {
                    return;
                }
            }
        }
    }
}
