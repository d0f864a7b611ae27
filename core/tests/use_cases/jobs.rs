//! The scheduled jobs, with time moved by hand: resolved reports close after
//! 7 days, missed SLA clocks are flagged once and told to managers, old
//! notifications go, and each job runs on one instance per interval.

use chrono::TimeDelta;
use sinmungo_core::app::{Jobs, Schedule, AUTO_CLOSE_NOTE};
use sinmungo_core::domain::access::Actor;
use sinmungo_core::domain::notification::NotificationKind;
use sinmungo_core::domain::report::Report;
use sinmungo_core::domain::status::ReportStatus;
use sinmungo_core::domain::timeline::TimelineKind;
use sinmungo_core::ports::ReportStore;

use crate::world::{to, to_with_note, World, POTHOLE};

struct Cast {
    w: World,
    reporter: Actor,
    manager: Actor,
    officer: Actor,
}

async fn cast() -> anyhow::Result<Cast> {
    let w = World::new().await?;
    Ok(Cast {
        reporter: w.citizen("minji").await?,
        manager: w.official("manager", "manager", "road_management").await?,
        officer: w.official("officer", "staff", "road_management").await?,
        w,
    })
}

impl Cast {
    fn jobs(&self) -> Jobs {
        self.w.uc.jobs(Schedule::default())
    }

    fn later(&self, by: TimeDelta) {
        self.w.handles.clock.advance(by);
    }

    async fn notify_all(&self) -> anyhow::Result<()> {
        for event in self.w.handles.reports.outbox() {
            self.w.uc.notify.notify(&event).await?;
        }
        Ok(())
    }

    fn told(&self, who: &Actor, kind: NotificationKind) -> Vec<String> {
        self.w
            .handles
            .notifications
            .all()
            .into_iter()
            .filter(|n| Some(n.recipient) == who.user_id() && n.kind == kind)
            .map(|n| n.title)
            .collect()
    }

    async fn resolved(&self) -> anyhow::Result<Report> {
        let report = self.w.submit(&self.reporter, "포트홀", POTHOLE).await?;
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
                to_with_note("resolved", "보수 완료"),
            )
            .await?;
        self.w.stored(&report).await
    }
}

#[tokio::test]
async fn a_report_resolved_for_seven_days_is_closed_by_the_system() -> anyhow::Result<()> {
    let c = cast().await?;
    let report = c.resolved().await?;
    let jobs = c.jobs();

    c.later(TimeDelta::days(7) - TimeDelta::seconds(1));
    assert_eq!(jobs.close_resolved().await?, 0, "not yet");
    c.later(TimeDelta::seconds(2));
    assert_eq!(jobs.close_resolved().await?, 1);
    assert_eq!(jobs.close_resolved().await?, 0, "once");

    let closed = c.w.stored(&report).await?;
    assert_eq!(closed.status, ReportStatus::Closed);
    assert_eq!(closed.version, report.version + 1);
    let timeline = c.w.handles.reports.timeline(report.id).await?;
    let last = timeline.last().ok_or_else(|| anyhow::anyhow!("an entry"))?;
    assert_eq!(
        last.kind,
        TimelineKind::StatusChanged {
            from: ReportStatus::Resolved,
            to: ReportStatus::Closed,
            note: Some(AUTO_CLOSE_NOTE.to_owned()),
        }
    );
    assert_eq!(last.actor, None, "the system closed it");

    c.notify_all().await?;
    let news = c.told(&c.reporter, NotificationKind::StatusChanged);
    assert_eq!(
        news.last().map(String::as_str),
        Some(
            format!(
                "신고 {}의 처리 상태가 '종결'(으)로 바뀌었습니다",
                report.number
            )
            .as_str()
        ),
        "{news:?}"
    );
    Ok(())
}

#[tokio::test]
async fn a_reopened_report_is_not_closed_behind_the_reporters_back() -> anyhow::Result<()> {
    let c = cast().await?;
    let report = c.resolved().await?;
    c.later(TimeDelta::days(3));
    c.w.uc
        .transition
        .execute(
            &c.reporter,
            report.id,
            to_with_note("in_progress", "아직 그대로예요"),
        )
        .await?;
    c.later(TimeDelta::days(5));
    assert_eq!(c.jobs().close_resolved().await?, 0);
    assert_eq!(c.w.stored(&report).await?.status, ReportStatus::InProgress);
    Ok(())
}

#[tokio::test]
async fn missed_sla_clocks_are_flagged_once_and_told_to_managers() -> anyhow::Result<()> {
    let c = cast().await?;
    let report = c.w.submit(&c.reporter, "포트홀", POTHOLE).await?;
    let jobs = c.jobs();
    // Normal priority: first response within 24 h, resolution within 7 days.
    c.later(TimeDelta::hours(24));
    assert_eq!(jobs.flag_breaches().await?, 0, "due now, not missed");
    c.later(TimeDelta::minutes(1));
    assert_eq!(jobs.flag_breaches().await?, 1, "no first response");
    assert_eq!(jobs.flag_breaches().await?, 0, "flagged once");
    let flagged = c.w.stored(&report).await?;
    assert!(flagged.response_breached_at.is_some());
    assert!(flagged.resolution_breached_at.is_none());

    c.w.uc
        .transition
        .execute(&c.officer, report.id, to("in_progress"))
        .await?;
    c.later(TimeDelta::days(6));
    assert_eq!(jobs.flag_breaches().await?, 1, "now the resolution clock");
    assert!(c.w.stored(&report).await?.resolution_breached_at.is_some());

    c.notify_all().await?;
    let manager = c.told(&c.manager, NotificationKind::SlaBreached);
    assert_eq!(
        manager,
        vec![format!("처리 기한 초과: 신고 {}", report.number); 2],
        "one per clock"
    );
    assert!(c.told(&c.officer, NotificationKind::SlaBreached).is_empty());
    assert!(c
        .told(&c.reporter, NotificationKind::SlaBreached)
        .is_empty());
    Ok(())
}

#[tokio::test]
async fn each_job_runs_on_one_instance_once_per_interval() -> anyhow::Result<()> {
    let c = cast().await?;
    c.resolved().await?;
    c.later(TimeDelta::days(8));
    let (a, b) = (c.jobs(), c.jobs());
    let first = a.tick().await?;
    assert_eq!(first.closed, Some(1));
    assert_eq!(first.breaches, Some(0));
    assert_eq!(first.purged, Some((0, 0)));
    let second = b.tick().await?;
    assert_eq!(
        (second.closed, second.breaches, second.purged),
        (None, None, None),
        "another instance, the same interval: nothing runs twice"
    );
    assert_eq!(a.tick().await?.closed, None, "nor on the first one");

    c.later(TimeDelta::minutes(1));
    let later = b.tick().await?;
    assert_eq!(later.breaches, Some(0), "the SLA check, every minute");
    assert_eq!(later.closed, None, "closing waits for its hour");
    c.later(TimeDelta::hours(1));
    assert_eq!(b.tick().await?.closed, Some(0));
    Ok(())
}

#[tokio::test]
async fn notifications_older_than_the_retention_period_are_purged() -> anyhow::Result<()> {
    let c = cast().await?;
    c.w.submit(&c.reporter, "포트홀", POTHOLE).await?;
    c.notify_all().await?;
    let stored = c.w.handles.notifications.all().len();
    assert!(stored > 0);
    c.later(TimeDelta::days(180));
    assert_eq!(c.jobs().purge().await?.0, 0, "180 days exactly: kept");
    c.later(TimeDelta::seconds(1));
    assert_eq!(
        c.jobs().purge().await?.0,
        u64::try_from(stored)?,
        "older: purged"
    );
    assert!(c.w.handles.notifications.all().is_empty());
    Ok(())
}
