//! Notifications: who is told what when something happens to a report, once
//! however often the event comes, pushed live, and read by its recipient alone.

use std::sync::{Arc, Mutex, PoisonError};

use chrono::TimeDelta;

use sinmungo_core::app::{
    AssignRequest, CommentRequest, NotificationError, NotificationListRequest, TransitionRequest,
};
use sinmungo_core::domain::access::Actor;
use sinmungo_core::domain::notification::{Notification, NotificationKind};
use sinmungo_core::domain::report::Report;
use sinmungo_core::domain::user::UserId;
use sinmungo_core::ports::{Push, PushSink};

use crate::world::{to, to_with_note, World, POTHOLE};

/// Who is who: a reporter, a neighbour who says "me too", the road
/// department's manager and two officers, a parks officer and an admin.
struct Cast {
    w: World,
    reporter: Actor,
    neighbour: Actor,
    manager: Actor,
    officer: Actor,
    colleague: Actor,
    parks: Actor,
    admin: Actor,
}

async fn cast() -> anyhow::Result<Cast> {
    let w = World::new().await?;
    Ok(Cast {
        reporter: w.citizen("minji").await?,
        neighbour: w.citizen("neighbour").await?,
        manager: w.official("manager", "manager", "road_management").await?,
        officer: w.official("officer", "staff", "road_management").await?,
        colleague: w.official("colleague", "staff", "road_management").await?,
        parks: w.official("parks", "staff", "parks").await?,
        admin: w.official("admin", "admin", "road_management").await?,
        w,
    })
}

fn id(actor: &Actor) -> UserId {
    actor.user_id().unwrap_or(UserId(uuid::Uuid::nil()))
}

impl Cast {
    /// Hands every event of the outbox to the notifier, as the bus would
    /// (again and again: delivery is at least once); returns the
    /// notifications stored by this round.
    async fn deliver(&self) -> anyhow::Result<Vec<Notification>> {
        let mut stored = Vec::new();
        for event in self.w.handles.reports.outbox() {
            stored.extend(self.w.uc.notify.notify(&event).await?);
        }
        Ok(stored)
    }

    /// Time passes, as it does between people's acts.
    fn later(&self) {
        self.w.handles.clock.advance(TimeDelta::minutes(5));
    }

    /// What `who` has been told, oldest first: (kind, title).
    fn told(&self, who: &Actor) -> Vec<(NotificationKind, String)> {
        self.w
            .handles
            .notifications
            .all()
            .into_iter()
            .filter(|n| n.recipient == id(who))
            .map(|n| (n.kind, n.title))
            .collect()
    }

    async fn report(&self) -> anyhow::Result<Report> {
        self.w.submit(&self.reporter, "집 앞 포트홀", POTHOLE).await
    }
}

#[tokio::test]
async fn a_new_report_is_new_work_for_its_departments_officials_once() -> anyhow::Result<()> {
    let c = cast().await?;
    let report = c.report().await?;
    let stored = c.deliver().await?;

    let routed = |who: &Actor| c.told(who);
    let expected = vec![(
        NotificationKind::ReportRouted,
        format!("새 신고 {} — 집 앞 포트홀", report.number),
    )];
    assert_eq!(routed(&c.manager), expected, "the manager");
    assert_eq!(routed(&c.officer), expected, "an officer");
    assert_eq!(routed(&c.colleague), expected, "another officer");
    assert!(routed(&c.admin).is_empty(), "admins are not the queue");
    assert!(routed(&c.parks).is_empty(), "another department");
    assert!(routed(&c.reporter).is_empty(), "the reporter made it");
    assert_eq!(stored.len(), 3);
    let body = &c.w.handles.notifications.all()[0].body;
    assert!(
        body.contains("도로 파손") && body.contains("도로관리과") && body.contains("전주시완산구"),
        "the body says what, where and to whom: {body}"
    );

    assert!(
        c.deliver().await?.is_empty(),
        "the same events again tell no one again"
    );
    assert_eq!(c.w.handles.notifications.all().len(), 3);
    Ok(())
}

#[tokio::test]
async fn an_assignment_tells_the_assignee_but_not_who_assigned_themselves() -> anyhow::Result<()> {
    let c = cast().await?;
    let report = c.report().await?;
    c.deliver().await?;
    c.w.uc
        .assign
        .execute(
            &c.manager,
            report.id,
            AssignRequest {
                department: None,
                assignee: Some(id(&c.officer).0),
            },
        )
        .await?;
    c.deliver().await?;
    let assigned = |who: &Actor| {
        c.told(who)
            .into_iter()
            .filter(|(kind, _)| *kind == NotificationKind::ReportAssigned)
            .count()
    };
    assert_eq!(assigned(&c.officer), 1);
    assert_eq!(assigned(&c.manager), 0);
    assert_eq!(assigned(&c.colleague), 0);

    let second = c.report().await?;
    c.w.uc
        .assign
        .execute(
            &c.manager,
            second.id,
            AssignRequest {
                department: None,
                assignee: Some(id(&c.manager).0),
            },
        )
        .await?;
    c.deliver().await?;
    assert_eq!(assigned(&c.manager), 0, "no news to oneself");
    Ok(())
}

#[tokio::test]
async fn progress_reaches_the_reporter_and_supporters_with_the_note() -> anyhow::Result<()> {
    let c = cast().await?;
    let report = c.report().await?;
    c.w.uc.support.execute(&c.neighbour, report.id).await?;
    c.w.uc
        .transition
        .execute(&c.officer, report.id, to("in_progress"))
        .await?;
    c.w.uc
        .transition
        .execute(
            &c.officer,
            report.id,
            to_with_note("resolved", "아스팔트 보수를 마쳤습니다"),
        )
        .await?;
    c.deliver().await?;

    let changes = |who: &Actor| -> Vec<String> {
        c.told(who)
            .into_iter()
            .filter(|(kind, _)| *kind == NotificationKind::StatusChanged)
            .map(|(_, title)| title)
            .collect()
    };
    let expected = vec![
        format!(
            "신고 {}의 처리 상태가 '처리중'(으)로 바뀌었습니다",
            report.number
        ),
        format!(
            "신고 {}의 처리 상태가 '처리완료'(으)로 바뀌었습니다",
            report.number
        ),
    ];
    assert_eq!(changes(&c.reporter), expected, "the reporter");
    assert_eq!(changes(&c.neighbour), expected, "who said me too");
    assert!(changes(&c.officer).is_empty(), "not who made the change");
    let resolved =
        c.w.handles
            .notifications
            .all()
            .into_iter()
            .find(|n| n.recipient == id(&c.reporter) && n.title.contains("처리완료"))
            .ok_or_else(|| anyhow::anyhow!("the reporter was told of the resolution"))?;
    assert!(
        resolved
            .body
            .contains("처리 내용: 아스팔트 보수를 마쳤습니다"),
        "{}",
        resolved.body
    );
    Ok(())
}

#[tokio::test]
async fn a_reopening_by_the_reporter_goes_to_the_officer_handling_it() -> anyhow::Result<()> {
    let c = cast().await?;
    let report = c.report().await?;
    c.deliver().await?;
    c.w.uc
        .assign
        .execute(
            &c.manager,
            report.id,
            AssignRequest {
                department: None,
                assignee: Some(id(&c.officer).0),
            },
        )
        .await?;
    c.later();
    c.w.uc
        .transition
        .execute(&c.officer, report.id, to("in_progress"))
        .await?;
    c.later();
    c.w.uc
        .transition
        .execute(&c.officer, report.id, to_with_note("resolved", "보수 완료"))
        .await?;
    c.deliver().await?;
    let before = c.told(&c.reporter).len();
    let officer_before = c.told(&c.officer).len();
    c.later();
    c.w.uc
        .transition
        .execute(
            &c.reporter,
            report.id,
            to_with_note("in_progress", "아직 파여 있어요"),
        )
        .await?;
    c.deliver().await?;
    assert_eq!(c.told(&c.reporter).len(), before, "no news to the reporter");
    let officer = c.told(&c.officer);
    assert_eq!(
        officer[officer_before..],
        [(
            NotificationKind::StatusChanged,
            format!(
                "신고 {}의 처리 상태가 '처리중'(으)로 바뀌었습니다",
                report.number
            )
        )],
        "the assignee hears of the reopening, once"
    );
    assert!(
        !c.told(&c.colleague)
            .iter()
            .any(|(kind, _)| *kind == NotificationKind::StatusChanged),
        "only the assignee"
    );
    Ok(())
}

#[tokio::test]
async fn public_answers_reach_followers_internal_notes_reach_no_one() -> anyhow::Result<()> {
    let c = cast().await?;
    let report = c.report().await?;
    c.deliver().await?;
    let comment = |body: &str, internal: bool| CommentRequest {
        body: body.to_owned(),
        internal,
    };
    c.w.uc
        .comment
        .execute(
            &c.officer,
            report.id,
            comment("현장 확인 예정입니다", false),
        )
        .await?;
    c.w.uc
        .comment
        .execute(&c.officer, report.id, comment("예산 부족", true))
        .await?;
    c.deliver().await?;
    let answers: Vec<Notification> =
        c.w.handles
            .notifications
            .all()
            .into_iter()
            .filter(|n| n.kind == NotificationKind::Commented)
            .collect();
    assert_eq!(answers.len(), 1, "{answers:?}");
    assert_eq!(answers[0].recipient, id(&c.reporter));
    assert_eq!(answers[0].body, "현장 확인 예정입니다");

    // The reporter's reply goes to the department handling it.
    c.w.uc
        .comment
        .execute(&c.reporter, report.id, comment("감사합니다", false))
        .await?;
    c.deliver().await?;
    assert!(c.told(&c.officer).contains(&(
        NotificationKind::Commented,
        format!("신고 {}에 담당자 답변이 등록되었습니다", report.number)
    )));
    Ok(())
}

#[tokio::test]
async fn a_duplicates_reporter_is_told_once_and_then_follows_the_original() -> anyhow::Result<()> {
    let c = cast().await?;
    let original = c.report().await?;
    let duplicate = c.w.submit(&c.neighbour, "같은 포트홀", POTHOLE).await?;
    c.w.uc
        .transition
        .execute(
            &c.officer,
            duplicate.id,
            TransitionRequest {
                duplicate_of: Some(original.id.0),
                ..to("duplicate")
            },
        )
        .await?;
    c.deliver().await?;
    assert_eq!(
        c.told(&c.neighbour),
        vec![(
            NotificationKind::MarkedDuplicate,
            format!("신고 {}이(가) 중복 신고로 처리되었습니다", duplicate.number)
        )],
        "one notification, not also a status change"
    );

    c.w.uc
        .transition
        .execute(
            &c.officer,
            original.id,
            to_with_note("rejected", "사유지입니다"),
        )
        .await?;
    c.deliver().await?;
    let last = c.told(&c.neighbour).pop();
    assert_eq!(
        last,
        Some((
            NotificationKind::StatusChanged,
            format!(
                "신고 {}의 처리 상태가 '반려'(으)로 바뀌었습니다",
                original.number
            )
        ))
    );
    Ok(())
}

/// Records every push.
#[derive(Default)]
struct Recorder(Mutex<Vec<Push>>);

impl PushSink for Recorder {
    fn deliver(&self, push: &Push) {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(push.clone());
    }
}

#[tokio::test]
async fn new_notifications_and_report_changes_are_pushed_live() -> anyhow::Result<()> {
    let c = cast().await?;
    let recorder = Arc::new(Recorder::default());
    c.w.handles.fanout.subscribe(recorder.clone());
    let report = c.report().await?;
    let stored = c.deliver().await?;
    c.deliver().await?;

    let pushes = recorder
        .0
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone();
    let notified: Vec<&Notification> = pushes
        .iter()
        .filter_map(|p| match p {
            Push::Notification(n) => Some(n),
            _ => None,
        })
        .collect();
    assert_eq!(
        notified,
        stored.iter().collect::<Vec<_>>(),
        "each stored notification pushed once, even when the event came twice"
    );
    assert!(pushes.contains(&Push::ReportChanged {
        report_id: report.id,
        event_type: "report.submitted".to_owned(),
    }));
    Ok(())
}

#[tokio::test]
async fn people_read_only_their_own_notifications() -> anyhow::Result<()> {
    let c = cast().await?;
    c.report().await?;
    c.report().await?;
    c.deliver().await?;
    let notifications = &c.w.uc.notifications;

    let list = notifications
        .list(&c.officer, NotificationListRequest::default())
        .await?;
    assert_eq!(list.page.items.len(), 2);
    assert_eq!(list.unread_count, 2);
    assert!(list
        .page
        .items
        .iter()
        .all(|n| n.recipient == id(&c.officer)));
    let newest = list.page.items[0].clone();

    let theirs = notifications.mark_read(&c.colleague, newest.id).await;
    assert!(
        matches!(theirs, Err(NotificationError::NotFound)),
        "another person's is not found: {theirs:?}"
    );
    let read = notifications.mark_read(&c.officer, newest.id).await?;
    assert!(read.read_at.is_some());
    let unread = notifications
        .list(
            &c.officer,
            NotificationListRequest {
                unread_only: true,
                ..NotificationListRequest::default()
            },
        )
        .await?;
    assert_eq!(unread.page.items.len(), 1);
    assert_eq!(unread.unread_count, 1);
    assert_eq!(notifications.mark_all_read(&c.officer).await?, 1);
    assert_eq!(notifications.unread_count(&c.officer).await?, 0);
    assert_eq!(
        notifications.unread_count(&c.colleague).await?,
        2,
        "a colleague's stay unread"
    );

    let anonymous = notifications
        .list(&Actor::Anonymous, NotificationListRequest::default())
        .await;
    assert!(matches!(anonymous, Err(NotificationError::SignInRequired)));
    let bad = notifications
        .list(
            &c.officer,
            NotificationListRequest {
                cursor: Some("not-a-cursor".to_owned()),
                limit: Some(0),
                ..NotificationListRequest::default()
            },
        )
        .await;
    let Err(NotificationError::Invalid(invalid)) = bad else {
        panic!("a bad cursor and limit are invalid: {bad:?}");
    };
    let fields: Vec<&str> = invalid.0.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["cursor", "limit"]);
    Ok(())
}

#[tokio::test]
async fn other_followers_are_told_with_personal_data_masked_the_reporter_and_officials_not(
) -> anyhow::Result<()> {
    let c = cast().await?;
    // However the phone number is typed, it reaches only those entitled to it.
    let report =
        c.w.submit(&c.reporter, "포트홀 공일공ㅡ1234ㅡ5678", POTHOLE)
            .await?;
    c.w.uc.support.execute(&c.neighbour, report.id).await?;
    c.w.uc
        .comment
        .execute(
            &c.officer,
            report.id,
            CommentRequest {
                body: "신고인 010-2222-3333 통화 후 현장 확인 예정입니다".to_owned(),
                internal: false,
            },
        )
        .await?;
    c.deliver().await?;

    let texts = |who: &Actor| -> Vec<String> {
        c.w.handles
            .notifications
            .all()
            .into_iter()
            .filter(|n| n.recipient == id(who))
            .map(|n| format!("{} / {}", n.title, n.body))
            .collect()
    };
    let neighbour = texts(&c.neighbour);
    assert!(!neighbour.is_empty(), "the neighbour is told");
    for text in &neighbour {
        assert!(
            !text.contains("1234") && !text.contains("5678") && !text.contains("2222-3333"),
            "{text}"
        );
    }
    assert!(
        neighbour.iter().any(|t| t.contains("[전화번호 비공개]")),
        "{neighbour:?}"
    );
    for who in [&c.reporter, &c.officer] {
        let told = texts(who);
        assert!(
            told.iter()
                .any(|t| t.contains("공일공ㅡ1234ㅡ5678") || t.contains("010-2222-3333")),
            "{told:?}"
        );
    }
    Ok(())
}
