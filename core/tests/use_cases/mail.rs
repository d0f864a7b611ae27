//! E-mail of notifications: who gets mail by default and how they change
//! it, one mail per notification however often its event comes, a digest a
//! day for those who want one, and mail that waits out an SMTP outage.

use std::sync::{Arc, Mutex, PoisonError};

use async_trait::async_trait;
use chrono::{DateTime, TimeDelta, Utc};
use sinmungo_core::app::{MailDelivery, MailDeliveryConfig, NotificationError};
use sinmungo_core::domain::access::Actor;
use sinmungo_core::domain::mail::{EmailPreference, PublicUrl};
use sinmungo_core::ports::{MailError, Mailer, OutgoingMail};

use crate::world::{to, to_with_note, World, POTHOLE};

/// A mail server that keeps what it accepts, or fails as told.
#[derive(Default)]
struct Outbox {
    sent: Mutex<Vec<OutgoingMail>>,
    failure: Mutex<Option<MailError>>,
}

impl Outbox {
    fn sent(&self) -> Vec<OutgoingMail> {
        self.sent
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn fail_with(&self, failure: Option<MailError>) {
        *self.failure.lock().unwrap_or_else(PoisonError::into_inner) = failure;
    }
}

#[async_trait]
impl Mailer for Outbox {
    async fn send(&self, mail: &OutgoingMail) -> Result<(), MailError> {
        if let Some(failure) = self
            .failure
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
        {
            return Err(failure);
        }
        self.sent
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(mail.clone());
        Ok(())
    }
}

struct Post {
    w: World,
    server: Arc<Outbox>,
    delivery: MailDelivery,
    reporter: Actor,
    officer: Actor,
}

/// 2026-03-10 10:00 KST.
fn morning() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-03-10T01:00:00Z")
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_default()
}

async fn post() -> anyhow::Result<Post> {
    let w = World::new().await?;
    w.handles.clock.set(morning());
    let server = Arc::new(Outbox::default());
    let delivery = MailDelivery::new(
        w.handles.notifications.clone(),
        w.handles.users.clone(),
        server.clone(),
        w.handles.clock.clone(),
        MailDeliveryConfig::new(
            PublicUrl::new("https://sinmungo.jeonbuk.go.kr")
                .map_err(|e| anyhow::anyhow!(e.message))?,
        ),
    );
    Ok(Post {
        reporter: w.citizen("minji").await?,
        officer: w.official("officer", "staff", "road_management").await?,
        w,
        server,
        delivery,
    })
}

impl Post {
    /// Every event of the outbox to the notifier, `times` times over.
    async fn deliver_events(&self, times: usize) -> anyhow::Result<()> {
        for _ in 0..times {
            for event in self.w.handles.reports.outbox() {
                self.w.uc.notify.notify(&event).await?;
            }
        }
        Ok(())
    }

    /// The reporter's pothole, taken up and resolved by the officer.
    async fn resolved_pothole(&self) -> anyhow::Result<sinmungo_core::domain::report::Report> {
        let report = self
            .w
            .submit(&self.reporter, "집 앞 포트홀", POTHOLE)
            .await?;
        self.w
            .uc
            .transition
            .execute(&self.officer, report.id, to("in_progress"))
            .await?;
        self.w
            .uc
            .transition
            .execute(
                &self.officer,
                report.id,
                to_with_note("resolved", "아스팔트 보수를 마쳤습니다"),
            )
            .await?;
        Ok(report)
    }

    fn mails_to(&self, who: &str) -> Vec<OutgoingMail> {
        self.server
            .sent()
            .into_iter()
            .filter(|m| m.to.as_str() == format!("{who}@example.kr"))
            .collect()
    }
}

#[tokio::test]
async fn preferences_default_by_role_and_each_person_changes_their_own() -> anyhow::Result<()> {
    let p = post().await?;
    let settings = &p.w.uc.notification_settings;
    let citizen = settings.get(&p.reporter).await?;
    assert_eq!(
        (citizen.email, citizen.default),
        (EmailPreference::Immediate, true)
    );
    let officer = settings.get(&p.officer).await?;
    assert_eq!(
        (officer.email, officer.default),
        (EmailPreference::Daily, true)
    );

    let changed = settings.set(&p.reporter, Some("none")).await?;
    assert_eq!(
        (changed.email, changed.default),
        (EmailPreference::None, false)
    );
    assert_eq!(
        settings.get(&p.reporter).await?.email,
        EmailPreference::None
    );
    assert_eq!(
        settings.get(&p.officer).await?.email,
        EmailPreference::Daily,
        "nobody else's changes"
    );
    let reset = settings.set(&p.reporter, None).await?;
    assert_eq!(
        (reset.email, reset.default),
        (EmailPreference::Immediate, true)
    );

    assert!(matches!(
        settings.set(&p.reporter, Some("weekly")).await,
        Err(NotificationError::Invalid(_))
    ));
    assert!(matches!(
        settings.get(&Actor::Anonymous).await,
        Err(NotificationError::SignInRequired)
    ));
    Ok(())
}

#[tokio::test]
async fn a_citizen_gets_one_mail_per_notification_however_often_the_events_come(
) -> anyhow::Result<()> {
    let p = post().await?;
    let report = p.resolved_pothole().await?;
    p.deliver_events(3).await?;
    let round = p.delivery.deliver_due(50).await?;
    assert_eq!(round.sent, 2, "in progress, then resolved: {round:?}");
    assert_eq!(
        p.delivery.deliver_due(50).await?.claimed,
        0,
        "nothing twice"
    );

    let mails = p.mails_to("minji");
    assert_eq!(mails.len(), 2);
    assert!(mails
        .iter()
        .all(|m| m.subject.starts_with("[전북 신문고] 신고 ")));
    assert!(
        mails
            .iter()
            .any(|m| m.body.contains("아스팔트 보수를 마쳤습니다")),
        "the resolution note reaches the reporter"
    );
    let link = format!("https://sinmungo.jeonbuk.go.kr/reports/{}", report.id.0);
    assert!(mails.iter().all(|m| m.body.contains(&link)));
    assert_ne!(mails[0].message_key, mails[1].message_key);
    assert!(
        p.mails_to("officer").is_empty(),
        "officials wait for their daily digest"
    );
    Ok(())
}

#[tokio::test]
async fn none_means_no_mail_and_daily_means_one_digest_at_eight() -> anyhow::Result<()> {
    let p = post().await?;
    p.w.uc
        .notification_settings
        .set(&p.reporter, Some("none"))
        .await?;
    // New work for the officer (the resolved one is no longer news to them).
    p.w.submit(&p.reporter, "두 번째 포트홀", POTHOLE).await?;
    p.resolved_pothole().await?;
    p.deliver_events(2).await?;
    assert_eq!(p.delivery.deliver_due(50).await?.sent, 0);
    assert_eq!(
        p.delivery.deliver_digests(50).await?.sent,
        0,
        "the day's digest is not due before 08:00 tomorrow"
    );

    // 08:00 KST the next morning.
    p.w.handles.clock.set(morning() + TimeDelta::hours(22));
    let round = p.delivery.deliver_digests(50).await?;
    assert_eq!(round.sent, 1, "{round:?}");
    assert_eq!(
        p.delivery.deliver_digests(50).await?.claimed,
        0,
        "once a day"
    );
    let digest = p.mails_to("officer");
    assert_eq!(digest.len(), 1);
    assert!(
        digest[0].subject.contains("오늘의 알림 1건"),
        "{}",
        digest[0].subject
    );
    assert!(p.mails_to("minji").is_empty(), "none is none");
    Ok(())
}

#[tokio::test]
async fn an_smtp_outage_delays_mail_and_loses_none() -> anyhow::Result<()> {
    let p = post().await?;
    p.resolved_pothole().await?;
    p.deliver_events(1).await?;
    p.server
        .fail_with(Some(MailError::Unreachable("connection refused".into())));
    let round = p.delivery.deliver_due(50).await?;
    assert!(round.unreachable);
    assert_eq!((round.sent, round.retried), (0, 2));

    p.server.fail_with(None);
    assert_eq!(
        p.delivery.deliver_due(50).await?.claimed,
        0,
        "a failed mail waits its backoff"
    );
    p.w.handles.clock.advance(TimeDelta::minutes(1));
    assert_eq!(p.delivery.deliver_due(50).await?.sent, 2);
    p.w.handles.clock.advance(TimeDelta::hours(1));
    assert_eq!(p.delivery.deliver_due(50).await?.claimed, 0);
    assert_eq!(p.mails_to("minji").len(), 2, "each exactly once");
    Ok(())
}

#[tokio::test]
async fn a_permanent_refusal_is_given_up_and_never_retried() -> anyhow::Result<()> {
    let p = post().await?;
    p.resolved_pothole().await?;
    p.deliver_events(1).await?;
    p.server
        .fail_with(Some(MailError::Permanent("550 5.1.1 no such user".into())));
    assert_eq!(p.delivery.deliver_due(50).await?.given_up, 2);
    p.server.fail_with(None);
    p.w.handles.clock.advance(TimeDelta::days(1));
    assert_eq!(p.delivery.deliver_due(50).await?.claimed, 0);
    assert!(p.server.sent().is_empty());
    Ok(())
}

#[tokio::test]
async fn a_neighbours_mail_has_the_reporters_phone_number_masked() -> anyhow::Result<()> {
    let p = post().await?;
    let neighbour = p.w.citizen("neighbour").await?;
    let report =
        p.w.submit(&p.reporter, "포트홀 (연락 010 1234 5678)", POTHOLE)
            .await?;
    p.w.uc.support.execute(&neighbour, report.id).await?;
    p.w.uc
        .transition
        .execute(&p.officer, report.id, to("in_progress"))
        .await?;
    p.deliver_events(1).await?;
    p.delivery.deliver_due(50).await?;

    let to_neighbour = p.mails_to("neighbour");
    assert_eq!(to_neighbour.len(), 1, "told of the progress");
    let mail = format!("{}\n{}", to_neighbour[0].subject, to_neighbour[0].body);
    assert!(!mail.contains("1234 5678"), "{mail}");
    assert!(mail.contains("[전화번호 비공개]"), "{mail}");
    let to_reporter = p.mails_to("minji");
    assert!(
        to_reporter.iter().any(|m| m.body.contains("010 1234 5678")),
        "the reporter reads their own: {to_reporter:?}"
    );
    Ok(())
}
