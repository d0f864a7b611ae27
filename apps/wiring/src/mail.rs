//! E-mail of notifications: the settings, the SMTP mailer and the delivery
//! over the store's mail queue, and the loop a server runs: deliver what is
//! due, wait a little when there is nothing, back off while the SMTP server
//! or the store is down. Off unless `SINMUNGO_SMTP_URL` is set.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use chrono::TimeDelta;
use clap::Args;
use sinmungo_core::app::{MailDelivery, MailDeliveryConfig, MailRound};
use sinmungo_core::domain::mail::{DigestSchedule, PublicUrl};
use sinmungo_core::ports::{Clock, SystemClock};
use sinmungo_mail::{SmtpMailer, SmtpSettings};
use tokio::sync::watch;

use crate::stores::OpenedStores;
use crate::url::ConnectionUrl;

/// E-mail settings.
#[derive(Debug, Clone, Args)]
pub struct MailConfig {
    /// The SMTP server that sends notification mail: smtp://USER:PASSWORD@HOST:587 (STARTTLS, required), smtps://USER:PASSWORD@HOST:465 (implicit TLS), or smtp://127.0.0.1:25?tls=none (plain text, loopback only). Unset: no mail.
    #[arg(long, env = "SINMUNGO_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<ConnectionUrl>,

    /// The sender of notification mail.
    #[arg(
        long,
        env = "SINMUNGO_MAIL_FROM",
        default_value = "신문고 <no-reply@jeonbuk.go.kr>"
    )]
    pub mail_from: String,

    /// The public site's base URL, for the link to the report in each mail (needed with SINMUNGO_SMTP_URL) and absolute URLs in Open311 answers.
    #[arg(long, env = "SINMUNGO_PUBLIC_URL")]
    pub public_url: Option<String>,

    /// Mails claimed per round of delivery.
    #[arg(long, env = "SINMUNGO_MAIL_BATCH", default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub mail_batch: u32,

    /// Milliseconds an idle delivery waits before looking for due mail again.
    #[arg(long, env = "SINMUNGO_MAIL_POLL_MS", default_value_t = 1000, value_parser = clap::value_parser!(u64).range(10..))]
    pub mail_poll_ms: u64,

    /// Seconds before a failed mail is tried again; doubled on each failure up to SINMUNGO_MAIL_RETRY_MAX_SECS.
    #[arg(long, env = "SINMUNGO_MAIL_RETRY_SECS", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..))]
    pub mail_retry_secs: u64,

    /// The longest wait between tries of a mail, in seconds.
    #[arg(long, env = "SINMUNGO_MAIL_RETRY_MAX_SECS", default_value_t = 3600, value_parser = clap::value_parser!(u64).range(1..))]
    pub mail_retry_max_secs: u64,

    /// Hours after which a mail that keeps failing is given up (and recorded as such).
    #[arg(long, env = "SINMUNGO_MAIL_GIVE_UP_HOURS", default_value_t = 48, value_parser = clap::value_parser!(u64).range(1..))]
    pub mail_give_up_hours: u64,

    /// The hour (0-23, Korean time) the daily digest goes out.
    #[arg(long, env = "SINMUNGO_MAIL_DIGEST_HOUR", default_value_t = 8, value_parser = clap::value_parser!(u32).range(0..=23))]
    pub mail_digest_hour: u32,

    /// Seconds between digests (86400: daily). Shorter only for tests.
    #[arg(long, env = "SINMUNGO_MAIL_DIGEST_PERIOD_SECS", default_value_t = 86_400, value_parser = clap::value_parser!(u64).range(1..), hide = true)]
    pub mail_digest_period_secs: u64,
}

impl MailConfig {
    /// No mail (the defaults without `SINMUNGO_SMTP_URL`).
    pub fn off() -> Self {
        Self {
            smtp_url: None,
            mail_from: "신문고 <no-reply@jeonbuk.go.kr>".to_owned(),
            public_url: None,
            mail_batch: 50,
            mail_poll_ms: 1000,
            mail_retry_secs: 60,
            mail_retry_max_secs: 3600,
            mail_give_up_hours: 48,
            mail_digest_hour: 8,
            mail_digest_period_secs: 86_400,
        }
    }
}

/// Mail delivery and how its loop runs.
#[derive(Debug, Clone)]
pub struct MailLoop {
    /// The delivery.
    pub delivery: MailDelivery,
    /// Mails (and digests) per round.
    pub batch: u32,
    /// The wait of an idle loop.
    pub idle: Duration,
}

fn seconds(secs: u64) -> TimeDelta {
    TimeDelta::seconds(i64::try_from(secs).unwrap_or(i64::MAX / 1000))
}

/// Mail delivery over `stores` as `config` sets it, or `None` when no SMTP
/// server is configured. Call it on a tokio runtime.
pub fn mail_delivery(
    config: &MailConfig,
    stores: &OpenedStores,
) -> anyhow::Result<Option<MailLoop>> {
    mail_delivery_with_clock(config, stores, Arc::new(SystemClock))
}

/// [`mail_delivery`] on `clock`.
pub fn mail_delivery_with_clock(
    config: &MailConfig,
    stores: &OpenedStores,
    clock: Arc<dyn Clock>,
) -> anyhow::Result<Option<MailLoop>> {
    let Some(url) = &config.smtp_url else {
        return Ok(None);
    };
    let settings =
        SmtpSettings::parse(url.expose()).with_context(|| format!("SINMUNGO_SMTP_URL {url}"))?;
    let mailer = SmtpMailer::new(settings, &config.mail_from).context("SINMUNGO_MAIL_FROM")?;
    let public_url = config
        .public_url
        .as_deref()
        .context("SINMUNGO_PUBLIC_URL is needed with SINMUNGO_SMTP_URL: mails link to the report on the public site")?;
    let site = PublicUrl::new(public_url)
        .map_err(|e| anyhow::anyhow!("SINMUNGO_PUBLIC_URL {public_url:?}: {}", e.message))?;
    let delivery_config = MailDeliveryConfig {
        retry_first: seconds(config.mail_retry_secs),
        retry_max: seconds(config.mail_retry_max_secs.max(config.mail_retry_secs)),
        give_up_after: TimeDelta::hours(i64::try_from(config.mail_give_up_hours).unwrap_or(48)),
        digest: DigestSchedule::every(
            config.mail_digest_hour,
            seconds(config.mail_digest_period_secs),
        ),
        ..MailDeliveryConfig::new(site)
    };
    tracing::info!(smtp = %url, from = %config.mail_from, "e-mail of notifications is on");
    Ok(Some(MailLoop {
        delivery: MailDelivery::new(
            stores.mail.clone(),
            stores.users.clone(),
            Arc::new(mailer),
            clock,
            delivery_config,
        ),
        batch: config.mail_batch,
        idle: Duration::from_millis(config.mail_poll_ms),
    }))
}

/// The first and the longest wait while the SMTP server or the store is down.
const BACKOFF: (Duration, Duration) = (Duration::from_secs(1), Duration::from_secs(60));

/// Delivers until `stopped` turns true; a round under way is finished first.
pub async fn run_mail_delivery(mail: MailLoop, mut stopped: watch::Receiver<bool>) {
    let full = usize::try_from(mail.batch).unwrap_or(usize::MAX);
    let mut backoff = BACKOFF.0;
    loop {
        if *stopped.borrow() {
            return;
        }
        let rounds = async {
            let due = mail.delivery.deliver_due(mail.batch).await?;
            let digests = mail.delivery.deliver_digests(mail.batch).await?;
            Ok::<_, sinmungo_core::ports::StoreError>((due, digests))
        };
        let wait = match rounds.await {
            Ok((due, digests)) => {
                log_round("mail", due);
                log_round("digest", digests);
                if due.unreachable || digests.unreachable {
                    tracing::warn!(
                        retry_in_ms = backoff.as_millis(),
                        "the SMTP server is unreachable; mail waits in the store"
                    );
                    let wait = backoff;
                    backoff = (backoff * 2).min(BACKOFF.1);
                    wait
                } else {
                    backoff = BACKOFF.0;
                    if due.claimed == full || digests.claimed == full {
                        continue;
                    }
                    mail.idle
                }
            }
            Err(error) => {
                tracing::warn!(%error, retry_in_ms = backoff.as_millis(), "delivering mail failed; it stays in the store");
                let wait = backoff;
                backoff = (backoff * 2).min(BACKOFF.1);
                wait
            }
        };
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            _ = stopped.changed() => {}
        }
    }
}

fn log_round(what: &str, round: MailRound) {
    if round.claimed > 0 {
        tracing::info!(
            what,
            sent = round.sent,
            retried = round.retried,
            given_up = round.given_up,
            "delivered notification mail"
        );
    }
}
