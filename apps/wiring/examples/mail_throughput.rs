//! E-mails per second through the mail queue: COUNT notifications stored
//! for mail at once in a fresh SQLite store, then delivered by the server's
//! own delivery (claim with a lease → SMTP → mark mailed) to the SMTP server
//! at `SINMUNGO_BENCH_SMTP_URL` (default: aiosmtpd on 127.0.0.1:2525).
//! Fails if any mail is not accepted.
//!
//! `cargo run --release -p sinmungo-wiring --example mail_throughput -- 2000`

#![expect(clippy::print_stdout, reason = "a benchmark prints its figure")]

use std::time::Instant;

use anyhow::{bail, Context as _};
use chrono::Utc;
use sinmungo_core::domain::mail::EmailDelivery;
use sinmungo_core::domain::notification::{Notification, NotificationId, NotificationKind};
use sinmungo_core::domain::report::ReportId;
use sinmungo_core::domain::text::DisplayName;
use sinmungo_core::domain::user::{Email, Role, User, UserId};
use sinmungo_wiring::{mail_delivery, open_stores, ConnectionUrl, MailConfig, StoreConfig};
use uuid::Uuid;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let count: usize = std::env::args()
        .nth(1)
        .map(|n| n.parse())
        .transpose()
        .context("COUNT must be a number")?
        .unwrap_or(2000);
    let smtp = std::env::var("SINMUNGO_BENCH_SMTP_URL")
        .unwrap_or_else(|_| "smtp://127.0.0.1:2525?tls=none".to_owned());
    let dir = tempfile::tempdir()?;
    let stores = open_stores(&StoreConfig {
        database_url: ConnectionUrl::new(format!("sqlite://{}/bench.db", dir.path().display())),
        ..StoreConfig::embedded_defaults()
    })
    .await?;
    let citizen = User {
        id: UserId(Uuid::now_v7()),
        email: Email::new("bench@example.kr").map_err(|e| anyhow::anyhow!(e.message))?,
        display_name: DisplayName::new("김시민").map_err(|e| anyhow::anyhow!(e.message))?,
        role: Role::Citizen,
        department: None,
        password_hash: None,
        created_at: Utc::now(),
    };
    stores.users.create(&citizen).await?;
    let report = ReportId(Uuid::now_v7());
    let notifications: Vec<Notification> = (0..count)
        .map(|n| Notification {
            id: NotificationId(Uuid::now_v7()),
            recipient: citizen.id,
            kind: NotificationKind::StatusChanged,
            report_id: report,
            title: format!("신고 2026-{n:06}의 처리 상태가 '처리완료'(으)로 바뀌었습니다"),
            body: "집 앞 도로 파손\n처리 내용: 아스팔트 보수를 마쳤습니다".to_owned(),
            dedupe_key: format!("bench:{n}"),
            created_at: Utc::now(),
            read_at: None,
            email: EmailDelivery::Immediate,
        })
        .collect();
    for chunk in notifications.chunks(500) {
        stores.notifications.insert(chunk).await?;
    }
    let config = MailConfig {
        smtp_url: Some(ConnectionUrl::new(smtp)),
        public_url: Some("https://sinmungo.jeonbuk.go.kr".to_owned()),
        mail_batch: 100,
        ..MailConfig::off()
    };
    let mail = mail_delivery(&config, &stores)?.context("mail is configured")?;
    let started = Instant::now();
    let mut sent = 0;
    loop {
        let round = mail.delivery.deliver_due(mail.batch).await?;
        if round.retried > 0 || round.given_up > 0 || round.unreachable {
            bail!("a send failed: {round:?}");
        }
        sent += round.sent;
        if round.claimed == 0 {
            break;
        }
    }
    let elapsed = started.elapsed();
    if sent != count || stores.mail.mail_pending().await? != 0 {
        bail!("sent {sent} of {count}");
    }
    println!(
        "{sent} mails in {:.2} s: {:.0} mails/s",
        elapsed.as_secs_f64(),
        f64::from(u32::try_from(sent).unwrap_or(u32::MAX)) / elapsed.as_secs_f64()
    );
    stores.close().await;
    Ok(())
}
