//! `ReportStore::apply`: optimistic concurrency, all or nothing, and the
//! rules a change must keep (existing reports, one support per person).

use sinmungo_core::domain::event::ReportEvent;
use sinmungo_core::domain::report::Report;
use sinmungo_core::domain::status::ReportStatus;
use sinmungo_core::domain::text::ReportTitle;
use sinmungo_core::domain::timeline::{TimelineEntry, TimelineKind};
use sinmungo_core::domain::user::UserId;
use sinmungo_core::ports::{
    AuditQuery, ReportChange, ReportQuery, ReportWrite, Scope, StoreError, Supporter, Uniqueness,
};
use tokio::task::JoinSet;

use crate::contract::fixtures::{
    self, audit_entry, creation, new_id, parsed, report_id, status_event, t, timeline_entry,
    update, World, YEAR,
};
use crate::contract::{CheckResult, Stores};

/// Everything a refused change could have left behind.
#[derive(Debug, PartialEq)]
struct Trace {
    reports: Vec<Option<Report>>,
    timelines: Vec<usize>,
    outbox: usize,
    audit: usize,
}

async fn trace(
    w: &World<'_>,
    ids: &[sinmungo_core::domain::report::ReportId],
) -> anyhow::Result<Trace> {
    let mut reports = Vec::new();
    let mut timelines = Vec::new();
    for &id in ids {
        reports.push(w.reports().get(id).await?);
        timelines.push(w.reports().timeline(id).await?.len());
    }
    let audit = w
        .stores
        .audit
        .list(&AuditQuery {
            target: None,
            limit: 1000,
        })
        .await?
        .len();
    Ok(Trace {
        reports,
        timelines,
        outbox: w.stores.appended.outbox().await?.len(),
        audit,
    })
}

/// `report` with one more support by `user`, as the support use case writes it.
fn support(report: &Report, user: UserId) -> (Report, ReportChange) {
    let mut next = report.clone();
    next.support_count += 1;
    next.version += 1;
    let mut change = update(&next, report.version);
    change.supporters = vec![Supporter {
        report_id: report.id,
        user_id: user,
        at: t(30),
    }];
    (next, change)
}

/// An update from an old or a future version is a conflict and changes nothing.
pub async fn stale_update_is_a_version_conflict(stores: &Stores) -> CheckResult {
    let w = World::new(stores).await?;
    let created = w.create(1, |_| {}).await?;
    let mut second = created.clone();
    second.status = ReportStatus::InProgress;
    second.version = 2;
    w.reports().apply(update(&second, 1)).await?;

    for expected_version in [1, 3, 0] {
        let mut stale = second.clone();
        stale.status = ReportStatus::Rejected;
        stale.version = expected_version + 1;
        let result = w.reports().apply(update(&stale, expected_version)).await;
        assert!(
            matches!(result, Err(StoreError::VersionConflict)),
            "expected_version {expected_version} against version 2 is a conflict, got {result:?}"
        );
    }
    assert_eq!(
        w.get(created.id).await?,
        second,
        "version 2 is still stored"
    );
    Ok(())
}

/// A change refused for any reason writes none of its parts: not the good
/// writes before the bad one, nor its timeline, events, supporters or audit.
pub async fn refused_change_writes_nothing(stores: &Stores) -> CheckResult {
    let w = World::new(stores).await?;
    let original = w.create(1, |_| {}).await?;
    let (current, change) = support(&original, w.bob.id);
    w.reports().apply(change).await?;
    let fresh_id = report_id(2);
    let ids = [original.id, fresh_id];
    let before = trace(&w, &ids).await?;

    // A good creation, then a stale update.
    let number = w.reports().next_receipt_number(YEAR).await?;
    let fresh = fixtures::report(fresh_id, number, w.bob.id)?;
    let mut stale = current.clone();
    stale.status = ReportStatus::InProgress;
    stale.version = 2;
    let mut change = creation(&fresh);
    change.writes.push(ReportWrite::Update {
        report: stale,
        expected_version: 1,
    });
    change
        .timeline
        .push(timeline_entry(original.id, t(40), TimelineKind::Submitted));
    change
        .events
        .push(status_event(original.id, t(40), ReportStatus::InProgress));
    change.supporters.push(Supporter {
        report_id: original.id,
        user_id: w.officer.id,
        at: t(40),
    });
    change.audit.push(audit_entry(
        &format!("report:{}", original.id),
        t(40),
        "report.transition",
    ));
    let result = w.reports().apply(change).await;
    assert!(
        matches!(result, Err(StoreError::VersionConflict)),
        "got {result:?}"
    );
    assert_eq!(
        trace(&w, &ids).await?,
        before,
        "a version conflict left no trace"
    );

    // A good update, then a repeated support.
    let mut good = current.clone();
    good.status = ReportStatus::InProgress;
    good.version = current.version + 1;
    let mut change = update(&good, current.version);
    change.supporters = vec![Supporter {
        report_id: original.id,
        user_id: w.bob.id,
        at: t(50),
    }];
    change
        .events
        .push(status_event(original.id, t(50), ReportStatus::InProgress));
    change.audit.push(audit_entry(
        &format!("report:{}", original.id),
        t(50),
        "report.support",
    ));
    let result = w.reports().apply(change).await;
    assert!(
        matches!(
            result,
            Err(StoreError::AlreadyExists(Uniqueness::Supporter))
        ),
        "got {result:?}"
    );
    assert_eq!(
        trace(&w, &ids).await?,
        before,
        "a repeated support left no trace"
    );

    // A good creation, then an entry for a report that does not exist.
    let mut change = creation(&fresh);
    change.timeline.push(timeline_entry(
        report_id(404),
        t(60),
        TimelineKind::Submitted,
    ));
    change.audit.push(audit_entry(
        &format!("report:{fresh_id}"),
        t(60),
        "report.create",
    ));
    let result = w.reports().apply(change).await;
    assert!(
        matches!(result, Err(StoreError::NotFound)),
        "got {result:?}"
    );
    assert_eq!(
        trace(&w, &ids).await?,
        before,
        "a missing report left no trace"
    );

    // The same creation alone is accepted: nothing of the refused ones was kept.
    w.reports().apply(creation(&fresh)).await?;
    assert_eq!(w.get(fresh_id).await?, fresh);
    Ok(())
}

/// Of several changes computed from the same version, exactly one is applied.
pub async fn concurrent_updates_from_one_version_let_one_win(stores: &Stores) -> CheckResult {
    const WRITERS: usize = 4;
    let w = World::new(stores).await?;
    let created = w.create(1, |_| {}).await?;
    let mut tasks = JoinSet::new();
    for writer in 0..WRITERS {
        let mut next = created.clone();
        next.title = parsed(ReportTitle::new(&format!("writer {writer}")))?;
        next.version = 2;
        let mut change = update(&next, 1);
        change.events = vec![status_event(created.id, t(10), ReportStatus::InProgress)];
        let reports = stores.reports.clone();
        tasks.spawn(async move { (next, reports.apply(change).await) });
    }
    let mut winners = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        match joined? {
            (next, Ok(())) => winners.push(next),
            (_, Err(StoreError::VersionConflict)) => {}
            (_, Err(other)) => {
                anyhow::bail!("a losing writer must see VersionConflict, got {other:?}")
            }
        }
    }
    assert_eq!(winners.len(), 1, "exactly one writer wins");
    assert_eq!(
        Some(w.get(created.id).await?),
        winners.pop(),
        "the winner's report is stored"
    );
    assert_eq!(
        stores.appended.outbox().await?.len(),
        2,
        "only the winner's event joined the submission"
    );
    Ok(())
}

/// One change may create a report and update others; all of it is applied.
pub async fn one_change_may_write_several_reports(stores: &Stores) -> CheckResult {
    let w = World::new(stores).await?;
    let original = w.create(1, |_| {}).await?;
    let duplicate = w.create(2, |_| {}).await?;

    let mut merged = duplicate.clone();
    merged.status = ReportStatus::Duplicate;
    merged.duplicate_of = Some(original.id);
    merged.version = 2;
    let mut supported = original.clone();
    supported.support_count = 1;
    supported.version = 2;
    let number = w.reports().next_receipt_number(YEAR).await?;
    let third = fixtures::report(report_id(3), number, w.bob.id)?;

    let mut change = creation(&third);
    change.writes.push(ReportWrite::Update {
        report: supported.clone(),
        expected_version: 1,
    });
    change.writes.push(ReportWrite::Update {
        report: merged.clone(),
        expected_version: 1,
    });
    change.timeline.push(timeline_entry(
        original.id,
        t(10),
        TimelineKind::DuplicateMerged {
            duplicate: duplicate.id,
        },
    ));
    change.timeline.push(timeline_entry(
        duplicate.id,
        t(10),
        TimelineKind::MarkedDuplicate {
            original: original.id,
        },
    ));
    change
        .events
        .push(ReportEvent::Merged { into: original.id }.into_envelope(
            new_id(),
            duplicate.id,
            t(10),
        ));
    w.reports().apply(change).await?;

    assert_eq!(w.get(original.id).await?, supported);
    assert_eq!(w.get(duplicate.id).await?, merged);
    assert_eq!(w.get(third.id).await?, third);
    assert_eq!(w.reports().timeline(original.id).await?.len(), 2);
    assert_eq!(w.reports().timeline(duplicate.id).await?.len(), 2);
    let types: Vec<String> = stores
        .appended
        .outbox()
        .await?
        .into_iter()
        .map(|e| e.event_type)
        .collect();
    assert_eq!(
        types,
        [
            "report.submitted",
            "report.submitted",
            "report.submitted",
            "report.merged"
        ]
    );
    Ok(())
}

/// A change creating hundreds of reports, each with its timeline entry,
/// event and audit entry (an import batch: more values than one statement
/// binds), is written whole or not at all: when its last report takes a
/// receipt number already used, nothing of it is there; without that one,
/// all of it is.
pub async fn a_change_creating_hundreds_of_reports_is_all_or_nothing(
    stores: &Stores,
) -> CheckResult {
    const REPORTS: u32 = 600;
    let w = World::new(stores).await?;
    let first = w.create(1, |_| {}).await?;
    let numbers = w.reports().next_receipt_numbers(YEAR, REPORTS - 1).await?;
    let mut reports = Vec::new();
    // The last one reuses the first report's number.
    for (n, number) in (2..).zip(numbers.into_iter().chain([first.number])) {
        reports.push(fixtures::report(report_id(n), number, w.alice.id)?);
    }
    let batch = |reports: &[Report]| {
        let mut change = ReportChange::default();
        for report in reports {
            let one = creation(report);
            change.writes.extend(one.writes);
            change.timeline.extend(one.timeline);
            change.events.extend(one.events);
            change.audit.push(audit_entry(
                &format!("import:legacy-{}", report.number),
                t(5),
                "report.import",
            ));
        }
        change
    };
    let sample = [reports[0].id, reports[299].id, reports[598].id];
    let before = trace(&w, &sample).await?;

    let result = w.reports().apply(batch(&reports)).await;
    assert!(
        matches!(result, Err(StoreError::AlreadyExists(Uniqueness::Identity))),
        "got {result:?}"
    );
    assert_eq!(
        trace(&w, &sample).await?,
        before,
        "a refused batch left no trace"
    );

    let good = &reports[..reports.len() - 1];
    w.reports().apply(batch(good)).await?;
    let after = trace(&w, &sample).await?;
    assert!(after.reports.iter().all(Option::is_some), "{after:?}");
    assert_eq!(after.outbox, before.outbox + good.len());
    assert_eq!(after.audit, before.audit + good.len());
    let counts = w
        .reports()
        .count_by_status(&ReportQuery::new(Scope::All))
        .await?;
    assert_eq!(counts, [(ReportStatus::Received, 600)]);
    Ok(())
}

/// Updating a report that was never created is `NotFound`, and creates nothing.
pub async fn update_of_missing_report_is_not_found(stores: &Stores) -> CheckResult {
    let w = World::new(stores).await?;
    let number = w.reports().next_receipt_number(YEAR).await?;
    let ghost = fixtures::report(report_id(9), number, w.alice.id)?;
    let result = w.reports().apply(update(&ghost, 1)).await;
    assert!(
        matches!(result, Err(StoreError::NotFound)),
        "got {result:?}"
    );
    assert_eq!(
        w.reports().get(ghost.id).await?,
        None,
        "an update does not create"
    );
    Ok(())
}

/// A timeline entry, supporter or event for a report that neither exists nor
/// is created by the same change is `NotFound`.
pub async fn entries_for_a_missing_report_are_not_found(stores: &Stores) -> CheckResult {
    let w = World::new(stores).await?;
    let existing = w.create(1, |_| {}).await?;
    let missing = report_id(404);
    let outbox_before = stores.appended.outbox().await?;
    let changes = [
        (
            "timeline entry",
            ReportChange {
                timeline: vec![timeline_entry(missing, t(10), TimelineKind::Submitted)],
                ..ReportChange::default()
            },
        ),
        (
            "supporter",
            ReportChange {
                supporters: vec![Supporter {
                    report_id: missing,
                    user_id: w.bob.id,
                    at: t(10),
                }],
                ..ReportChange::default()
            },
        ),
        (
            "event",
            ReportChange {
                events: vec![
                    status_event(existing.id, t(10), ReportStatus::InProgress),
                    status_event(missing, t(10), ReportStatus::InProgress),
                ],
                ..ReportChange::default()
            },
        ),
    ];
    for (what, change) in changes {
        let result = w.reports().apply(change).await;
        assert!(
            matches!(result, Err(StoreError::NotFound)),
            "a {what} for a missing report: got {result:?}"
        );
    }
    assert_eq!(
        stores.appended.outbox().await?,
        outbox_before,
        "no event was appended"
    );
    assert_eq!(
        w.reports().timeline(missing).await?,
        [],
        "no entry was appended"
    );
    // The supporter was not recorded either: Bob may support the existing report.
    w.reports().apply(support(&existing, w.bob.id).1).await?;
    Ok(())
}

/// A rewritten timeline entry keeps its id, time, author and place and
/// shows its new text; rewriting an entry that is not there (or not of
/// that report) is `NotFound` and the whole change is refused.
pub async fn rewriting_a_timeline_entry_replaces_it_in_place(stores: &Stores) -> CheckResult {
    let w = World::new(stores).await?;
    let report = w.create(1, |_| {}).await?;
    let other = w.create(2, |_| {}).await?;
    let comment = |body: &str| TimelineKind::Comment {
        body: body.to_owned(),
        internal: true,
    };
    let mut contact = timeline_entry(report.id, t(10), comment("전화 010-1234-5678"));
    contact.actor = Some(w.officer.id);
    contact.actor_role = Some(w.officer.role);
    let later = timeline_entry(report.id, t(20), comment("현장 확인 예정"));
    w.reports()
        .apply(ReportChange {
            timeline: vec![contact.clone(), later.clone()],
            ..ReportChange::default()
        })
        .await?;
    let before = w.reports().timeline(report.id).await?;

    let rewritten = TimelineEntry {
        kind: comment("[삭제됨]"),
        ..contact.clone()
    };
    w.reports()
        .apply(ReportChange {
            rewritten_timeline: vec![rewritten.clone()],
            ..ReportChange::default()
        })
        .await?;
    let after = w.reports().timeline(report.id).await?;
    let expected: Vec<TimelineEntry> = before
        .iter()
        .map(|e| {
            if e.id == contact.id {
                TimelineEntry {
                    kind: rewritten.kind.clone(),
                    ..e.clone()
                }
            } else {
                e.clone()
            }
        })
        .collect();
    assert_eq!(after, expected, "only the rewritten entry's text changed");

    let missing = TimelineEntry {
        id: new_id(),
        ..rewritten.clone()
    };
    let elsewhere = TimelineEntry {
        report_id: other.id,
        ..rewritten
    };
    for (what, entry) in [
        ("an unknown entry", missing),
        ("another report's", elsewhere),
    ] {
        let result = w
            .reports()
            .apply(ReportChange {
                timeline: vec![timeline_entry(report.id, t(30), comment("남으면 안 됨"))],
                rewritten_timeline: vec![entry],
                ..ReportChange::default()
            })
            .await;
        assert!(
            matches!(result, Err(StoreError::NotFound)),
            "rewriting {what}: got {result:?}"
        );
    }
    assert_eq!(
        w.reports().timeline(report.id).await?,
        after,
        "a refused rewrite appends nothing"
    );
    assert_eq!(w.reports().timeline(other.id).await?.len(), 1);
    Ok(())
}

/// A person supports a report once; other people and other reports are independent.
pub async fn supporter_is_recorded_once_per_user_and_report(stores: &Stores) -> CheckResult {
    let w = World::new(stores).await?;
    let first = w.create(1, |_| {}).await?;
    let second = w.create(2, |_| {}).await?;
    let third = w.create(3, |_| {}).await?;

    let (first, change) = support(&first, w.bob.id);
    w.reports().apply(change).await?;
    let (_, again) = support(&first, w.bob.id);
    let result = w.reports().apply(again).await;
    assert!(
        matches!(
            result,
            Err(StoreError::AlreadyExists(Uniqueness::Supporter))
        ),
        "a second support by the same person: got {result:?}"
    );
    assert_eq!(w.get(first.id).await?, first, "the count did not move");

    let (first, change) = support(&first, w.officer.id);
    w.reports()
        .apply(change)
        .await
        .map_err(|e| anyhow::anyhow!("another person may support: {e:?}"))?;
    let (_, change) = support(&second, w.bob.id);
    w.reports()
        .apply(change)
        .await
        .map_err(|e| anyhow::anyhow!("the same person may support another report: {e:?}"))?;
    assert_eq!(w.get(first.id).await?.support_count, 2);

    // Twice in one change is a repeat too, and the change leaves nothing.
    let (_, mut twice) = support(&third, w.bob.id);
    twice.supporters.extend(twice.supporters.clone());
    let result = w.reports().apply(twice).await;
    assert!(
        matches!(
            result,
            Err(StoreError::AlreadyExists(Uniqueness::Supporter))
        ),
        "two supports by one person in one change: got {result:?}"
    );
    let (third_supported, change) = support(&third, w.bob.id);
    w.reports().apply(change).await?;
    assert_eq!(w.get(third.id).await?, third_supported);

    assert_eq!(
        w.reports().supporters(first.id).await?,
        [w.bob.id, w.officer.id],
        "the supporters of the first report, one instant's by user id"
    );
    assert_eq!(w.reports().supporters(second.id).await?, [w.bob.id]);
    assert_eq!(
        w.reports().supporters(report_id(99)).await?,
        [],
        "a report no one supported (or that does not exist)"
    );
    Ok(())
}
