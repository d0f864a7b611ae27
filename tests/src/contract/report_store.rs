//! `ReportStore`: what is written is what is read back; receipt numbers,
//! timelines, the outbox and the audit trail of changes.

use std::collections::BTreeSet;

use anyhow::Context;
use chrono::{DateTime, TimeDelta, Utc};
use sinmungo_core::domain::event::ReportEvent;
use sinmungo_core::domain::geo::Jurisdiction;
use sinmungo_core::domain::photo::PhotoKind;
use sinmungo_core::domain::priority::Priority;
use sinmungo_core::domain::receipt::ReceiptNumber;
use sinmungo_core::domain::report::{
    Analysis, DecidedBy, Privacy, PrivacyDecision, PrivacyReview, Visibility,
};
use sinmungo_core::domain::routing::RoutingRule;
use sinmungo_core::domain::status::ReportStatus;
use sinmungo_core::domain::text::{Address, Description, ReportTitle};
use sinmungo_core::domain::timeline::{TimelineEntry, TimelineKind};
use sinmungo_core::domain::user::Role;
use sinmungo_core::ports::{AuditQuery, ReportChange, StoreError, Uniqueness};
use tokio::task::JoinSet;

use crate::contract::fixtures::{
    self, audit_entry, category, creation, department, new_id, parsed, point, report_id, t, t0,
    timeline_entry, update, World, YEAR,
};
use crate::contract::{CheckResult, Stores};

/// A time with nanoseconds that rounding and truncation tell apart.
fn with_nanos(at: DateTime<Utc>) -> DateTime<Utc> {
    at + TimeDelta::nanoseconds(123_456_789)
}

/// `with_nanos(at)` as every store must give it back.
fn truncated(at: DateTime<Utc>) -> DateTime<Utc> {
    at + TimeDelta::microseconds(123_456)
}

/// A report with every optional field empty, and one with every field set to
/// awkward values, read back exactly as written.
pub async fn report_round_trip_keeps_every_field(stores: &Stores) -> CheckResult {
    let w = World::new(stores).await?;
    let plain = w.create(1, |_| {}).await?;
    assert_eq!(
        w.get(plain.id).await?,
        plain,
        "a plain report reads back as written"
    );

    let officer = w.officer.id;
    let bob = w.bob.id;
    let title = parsed(ReportTitle::new("🚧 \"큰\" 구멍 100% _위험_ \\ 'O''Brien'"))?;
    let description = parsed(Description::new(
        "첫 줄: 포트홀\n둘째 줄: 지름 30cm; DROP TABLE reports; --\n\t셋째 줄 ✓",
    ))?;
    let address = parsed(Address::new("전북특별자치도 군산시 조촌로 1 (조촌동)"))?;
    let safety = category("safety_hazard")?;
    // Coordinates with every digit a double holds.
    let gunsan = point(35.967_612_345_678_91, 126.736_698_765_432_1)?;
    let rich = w
        .create(2, |r| {
            r.title = title;
            r.description = description;
            r.category = safety.clone();
            r.priority = Priority::High;
            r.status = ReportStatus::Resolved;
            r.location = gunsan;
            r.address = Some(address);
            r.jurisdiction = Jurisdiction {
                code: "35020".to_owned(),
                name: "군산시".to_owned(),
            };
            r.department = None;
            r.assignee = Some(officer);
            r.reporter = bob;
            r.visibility = Visibility::Private;
            r.support_count = 7;
            r.duplicate_of = Some(plain.id);
            r.analysis = Some(Analysis {
                category: safety,
                priority: Priority::Urgent,
                // 0.1 + 0.2 is not 0.3 in binary: a store must keep every bit.
                confidence: 0.1 + 0.2,
                decided_by: DecidedBy::Ai,
                rule: Some("sinkhole".to_owned()),
                matched: vec![
                    "싱크홀".to_owned(),
                    "label:pothole".to_owned(),
                    "-\"설치\" 요청".to_owned(),
                ],
                needs_review: true,
                decided_at: t(5),
                models: vec![
                    "roboflow:pothole-detection/3".to_owned(),
                    "openrouter:google/gemini-2.0-flash-001".to_owned(),
                ],
                latency_ms: 1_234,
                note: Some("LLM이 응답하지 않아 규칙으로 결정했습니다 \"quoted\"".to_owned()),
                trigger: Some(new_id()),
                routing: Some(RoutingRule::Jurisdiction),
                privacy: Privacy {
                    personal_data: Some(true),
                    spans: vec!["김철수 \"씨\"".to_owned(), "효자동 101동 202호".to_owned()],
                    review: Some(PrivacyReview {
                        decision: PrivacyDecision::KeepHidden,
                        by: officer,
                        at: t(30),
                    }),
                },
            });
            r.photos = vec![
                fixtures::photo(1, PhotoKind::Report, bob, t(1)),
                fixtures::photo(2, PhotoKind::Resolution, officer, t(20)),
            ];
            r.due_at = t(86_400);
            r.respond_by = t(7_200);
            r.response_breached_at = Some(t(7_300));
            r.resolution_breached_at = Some(t(86_500));
            r.responded_at = Some(t(20));
            r.reopened_at = Some(t(40));
            r.updated_at = t(60);
            r.resolved_at = Some(t(30));
            r.status_changed_at = t(30);
            r.version = 3;
        })
        .await?;
    assert_eq!(
        w.get(rich.id).await?,
        rich,
        "every field reads back as written"
    );

    for (decided_by, rule) in [(DecidedBy::Rules, None), (DecidedBy::Human, Some("x"))] {
        let mut r = w.get(rich.id).await?;
        let version = r.version;
        if let Some(analysis) = &mut r.analysis {
            analysis.decided_by = decided_by;
            analysis.rule = rule.map(str::to_owned);
            analysis.needs_review = false;
        }
        r.version += 1;
        w.reports().apply(update(&r, version)).await?;
        assert_eq!(
            w.get(r.id).await?,
            r,
            "decided_by {decided_by:?} reads back"
        );
    }
    Ok(())
}

/// Every stored time comes back truncated to whole microseconds.
pub async fn report_times_are_kept_to_the_microsecond(stores: &Stores) -> CheckResult {
    let w = World::new(stores).await?;
    let number = w.reports().next_receipt_number(YEAR).await?;
    let mut report = fixtures::report(report_id(1), number, w.alice.id)?;
    report.created_at = with_nanos(t0());
    report.updated_at = with_nanos(t(1));
    report.status_changed_at = with_nanos(t(2));
    report.due_at = with_nanos(t(3));
    report.respond_by = with_nanos(t(10));
    report.response_breached_at = Some(with_nanos(t(11)));
    report.resolution_breached_at = Some(with_nanos(t(12)));
    report.responded_at = Some(with_nanos(t(13)));
    report.reopened_at = Some(with_nanos(t(14)));
    report.resolved_at = Some(with_nanos(t(4)));
    report.analysis = Some(Analysis {
        category: report.category.clone(),
        priority: report.priority,
        confidence: 0.85,
        decided_by: DecidedBy::Rules,
        rule: Some("road_pothole".to_owned()),
        matched: vec!["포트홀".to_owned()],
        needs_review: false,
        decided_at: with_nanos(t(5)),
        models: Vec::new(),
        latency_ms: 0,
        note: None,
        trigger: None,
        routing: Some(RoutingRule::ProvinceWide),
        privacy: Privacy::default(),
    });
    report.photos = vec![fixtures::photo(
        1,
        PhotoKind::Report,
        w.alice.id,
        with_nanos(t(9)),
    )];
    let mut change = creation(&report);
    change.timeline = vec![timeline_entry(
        report.id,
        with_nanos(t(6)),
        TimelineKind::Submitted,
    )];
    change.events =
        vec![ReportEvent::submitted(&report).into_envelope(new_id(), report.id, with_nanos(t(7)))];
    let target = format!("report:{}", report.id);
    change.audit = vec![audit_entry(&target, with_nanos(t(8)), "report.create")];
    w.reports().apply(change.clone()).await?;

    let mut expected = report.clone();
    expected.created_at = truncated(t0());
    expected.updated_at = truncated(t(1));
    expected.status_changed_at = truncated(t(2));
    expected.due_at = truncated(t(3));
    expected.respond_by = truncated(t(10));
    expected.response_breached_at = Some(truncated(t(11)));
    expected.resolution_breached_at = Some(truncated(t(12)));
    expected.responded_at = Some(truncated(t(13)));
    expected.reopened_at = Some(truncated(t(14)));
    expected.resolved_at = Some(truncated(t(4)));
    if let Some(analysis) = &mut expected.analysis {
        analysis.decided_at = truncated(t(5));
    }
    for photo in &mut expected.photos {
        photo.uploaded_at = truncated(t(9));
    }
    assert_eq!(
        w.get(report.id).await?,
        expected,
        "report times are truncated to microseconds"
    );

    let timeline = w.reports().timeline(report.id).await?;
    assert_eq!(
        timeline.iter().map(|e| e.at).collect::<Vec<_>>(),
        [truncated(t(6))]
    );
    let outbox = stores.appended.outbox().await?;
    assert_eq!(
        outbox.iter().map(|e| e.occurred_at).collect::<Vec<_>>(),
        [truncated(t(7))]
    );
    let audit = stores
        .audit
        .list(&AuditQuery {
            target: Some(target),
            limit: 10,
        })
        .await?;
    assert_eq!(
        audit.iter().map(|e| e.at).collect::<Vec<_>>(),
        [truncated(t(8))]
    );
    Ok(())
}

/// `get` of an id never written is `None`, not an error.
pub async fn unknown_report_is_none(stores: &Stores) -> CheckResult {
    assert_eq!(
        stores.reports.get(report_id(404)).await?,
        None,
        "empty store"
    );
    let w = World::new(stores).await?;
    w.create(1, |_| {}).await?;
    assert_eq!(
        w.reports().get(report_id(404)).await?,
        None,
        "populated store"
    );
    Ok(())
}

/// An update replaces the whole report, including clearing optional fields.
pub async fn update_replaces_the_stored_report(stores: &Stores) -> CheckResult {
    let w = World::new(stores).await?;
    let address = parsed(Address::new("전주시 완산구 효자로 225"))?;
    let created = w
        .create(1, |r| {
            r.address = Some(address);
            r.analysis = Some(Analysis {
                category: r.category.clone(),
                priority: r.priority,
                confidence: 0.85,
                decided_by: DecidedBy::Rules,
                rule: Some("road_pothole".to_owned()),
                matched: Vec::new(),
                needs_review: false,
                decided_at: t0(),
                models: vec!["model".to_owned()],
                latency_ms: 10,
                note: Some("note".to_owned()),
                trigger: None,
                routing: None,
                privacy: Privacy::default(),
            });
            r.photos = vec![fixtures::photo(1, PhotoKind::Report, r.reporter, t0())];
            r.assignee = None;
        })
        .await?;

    let mut second = created.clone();
    second.status = ReportStatus::InProgress;
    second.assignee = Some(w.officer.id);
    second.department = Some(department("parks")?);
    second.address = None;
    second.analysis = None;
    second.photos = Vec::new();
    second.priority = Priority::High;
    second.support_count = 2;
    second.status_changed_at = t(60);
    second.updated_at = t(60);
    second.version = 2;
    w.reports().apply(update(&second, 1)).await?;
    assert_eq!(
        w.get(created.id).await?,
        second,
        "the update replaced every field"
    );

    let mut third = second.clone();
    third.assignee = None;
    third.department = None;
    third.visibility = Visibility::Private;
    third.version = 3;
    w.reports().apply(update(&third, 2)).await?;
    assert_eq!(
        w.get(created.id).await?,
        third,
        "options are cleared by an update"
    );
    Ok(())
}

/// Receipt numbers start at 1 in every year and count up independently.
pub async fn receipt_numbers_count_up_per_year(stores: &Stores) -> CheckResult {
    let reports = stores.reports.as_ref();
    let mut drawn = Vec::new();
    for year in [2026, 2026, 2026, 2027, 2026, 2025, 2027] {
        drawn.push(reports.next_receipt_number(year).await?.to_string());
    }
    assert_eq!(
        drawn,
        [
            "JB-2026-000001",
            "JB-2026-000002",
            "JB-2026-000003",
            "JB-2027-000001",
            "JB-2026-000004",
            "JB-2025-000001",
            "JB-2027-000002",
        ]
    );
    Ok(())
}

/// Receipt numbers drawn at the same moment are all different, with no gap.
pub async fn receipt_numbers_are_distinct_under_concurrency(stores: &Stores) -> CheckResult {
    const DRAWS: u32 = 16;
    let mut tasks = JoinSet::new();
    for _ in 0..DRAWS {
        let reports = stores.reports.clone();
        tasks.spawn(async move { reports.next_receipt_number(YEAR).await });
    }
    let mut sequences = BTreeSet::new();
    while let Some(drawn) = tasks.join_next().await {
        sequences.insert(drawn??.sequence());
    }
    assert_eq!(
        sequences,
        (1..=DRAWS).collect::<BTreeSet<_>>(),
        "16 distinct numbers 1–16"
    );
    Ok(())
}

/// Receipt numbers drawn together are new: they follow those drawn before,
/// in ascending order, count per year like single ones, and the next draw
/// follows them (none is handed out twice).
pub async fn receipt_numbers_drawn_together_are_new_and_ascending(stores: &Stores) -> CheckResult {
    let reports = stores.reports.as_ref();
    let sequences = |numbers: Vec<ReceiptNumber>| -> Vec<(i32, u32)> {
        numbers
            .into_iter()
            .map(|n| (n.year(), n.sequence()))
            .collect()
    };
    assert_eq!(reports.next_receipt_number(YEAR).await?.sequence(), 1);
    assert_eq!(
        sequences(reports.next_receipt_numbers(YEAR, 5).await?),
        (2..=6).map(|s| (YEAR, s)).collect::<Vec<_>>(),
        "five at once, after the first"
    );
    assert_eq!(
        sequences(reports.next_receipt_numbers(YEAR + 1, 2).await?),
        [(YEAR + 1, 1), (YEAR + 1, 2)],
        "another year counts on its own"
    );
    assert_eq!(
        reports.next_receipt_numbers(YEAR, 0).await?,
        [],
        "none asked, none drawn"
    );
    assert_eq!(
        sequences(reports.next_receipt_numbers(YEAR, 1).await?),
        [(YEAR, 7)]
    );
    assert_eq!(
        reports.next_receipt_number(YEAR).await?.sequence(),
        8,
        "a single draw follows the batches"
    );
    Ok(())
}

/// Batches of receipt numbers drawn at the same moment as single ones
/// share none, and leave no gap.
pub async fn receipt_numbers_drawn_together_are_distinct_under_concurrency(
    stores: &Stores,
) -> CheckResult {
    const BATCHES: u32 = 6;
    const EACH: u32 = 5;
    let mut tasks = JoinSet::new();
    for _ in 0..BATCHES {
        let reports = stores.reports.clone();
        tasks.spawn(async move { reports.next_receipt_numbers(YEAR, EACH).await });
        let reports = stores.reports.clone();
        tasks.spawn(async move { Ok(vec![reports.next_receipt_number(YEAR).await?]) });
    }
    let mut sequences = Vec::new();
    while let Some(drawn) = tasks.join_next().await {
        sequences.extend(drawn??.into_iter().map(ReceiptNumber::sequence));
    }
    sequences.sort_unstable();
    assert_eq!(
        sequences,
        (1..=BATCHES * (EACH + 1)).collect::<Vec<_>>(),
        "36 distinct numbers 1–36"
    );
    Ok(())
}

/// A second report with a taken id or receipt number is refused and not written.
pub async fn create_refuses_a_taken_id_or_receipt_number(stores: &Stores) -> CheckResult {
    let w = World::new(stores).await?;
    let first = w.create(1, |_| {}).await?;

    let mut same_id = first.clone();
    same_id.number = w.reports().next_receipt_number(YEAR).await?;
    same_id.title = parsed(ReportTitle::new("덮어쓰기 시도"))?;
    let result = w.reports().apply(creation(&same_id)).await;
    assert!(
        matches!(result, Err(StoreError::AlreadyExists(Uniqueness::Identity))),
        "a taken id is AlreadyExists(Identity), got {result:?}"
    );
    assert_eq!(
        w.get(first.id).await?,
        first,
        "the first report is untouched"
    );

    let mut same_number = fixtures::report(report_id(2), first.number, w.bob.id)?;
    same_number.title = parsed(ReportTitle::new("같은 접수번호"))?;
    let result = w.reports().apply(creation(&same_number)).await;
    assert!(
        matches!(result, Err(StoreError::AlreadyExists(Uniqueness::Identity))),
        "a taken receipt number is AlreadyExists(Identity), got {result:?}"
    );
    assert_eq!(
        w.reports().get(same_number.id).await?,
        None,
        "the refused report is absent"
    );
    assert_eq!(
        w.reports().timeline(first.id).await?.len(),
        1,
        "refused creations added nothing to the first report's timeline"
    );
    Ok(())
}

/// A timeline lists its own report's entries, oldest first; entries of one
/// instant keep the order they were appended in; every kind reads back.
pub async fn timeline_is_oldest_first_and_per_report(stores: &Stores) -> CheckResult {
    let w = World::new(stores).await?;
    let first = w.create(1, |_| {}).await?;
    let other = w.create(2, |_| {}).await?;
    let mut expected = w.reports().timeline(first.id).await?;
    assert_eq!(expected.len(), 1, "the creation's own entry");

    let same_instant = vec![
        timeline_entry(
            first.id,
            t(10),
            TimelineKind::Classified {
                category: "road_damage".to_owned(),
                priority: "normal".to_owned(),
                decided_by: DecidedBy::Rules,
                rule: Some("road_pothole".to_owned()),
            },
        ),
        timeline_entry(
            first.id,
            t(10),
            TimelineKind::Assigned {
                department: Some("road_management".to_owned()),
                assignee: Some(w.officer.id),
            },
        ),
        timeline_entry(
            first.id,
            t(10),
            TimelineKind::Assigned {
                department: None,
                assignee: None,
            },
        ),
    ];
    let comment = TimelineEntry {
        actor: Some(w.officer.id),
        actor_role: Some(Role::Staff),
        ..timeline_entry(
            first.id,
            t(20),
            TimelineKind::Comment {
                body: "현장 확인 예정\n'내부' 메모 %_".to_owned(),
                internal: true,
            },
        )
    };
    let later = vec![
        comment,
        timeline_entry(
            first.id,
            t(20),
            TimelineKind::StatusChanged {
                from: ReportStatus::Received,
                to: ReportStatus::Duplicate,
                note: Some("중복 신고".to_owned()),
            },
        ),
        timeline_entry(
            first.id,
            t(20),
            TimelineKind::StatusChanged {
                from: ReportStatus::Resolved,
                to: ReportStatus::InProgress,
                note: None,
            },
        ),
        timeline_entry(
            first.id,
            t(20),
            TimelineKind::MarkedDuplicate { original: other.id },
        ),
        timeline_entry(
            first.id,
            t(20),
            TimelineKind::DuplicateMerged {
                duplicate: other.id,
            },
        ),
    ];
    let for_other = timeline_entry(other.id, t(15), TimelineKind::Submitted);

    for entries in [same_instant.clone(), vec![for_other.clone()], later.clone()] {
        let change = ReportChange {
            timeline: entries,
            ..ReportChange::default()
        };
        w.reports().apply(change).await?;
    }
    // A separate change at the same instant as the last: appended after it.
    let last = timeline_entry(
        first.id,
        t(20),
        TimelineKind::Comment {
            body: "같은 시각의 다음 댓글".to_owned(),
            internal: false,
        },
    );
    w.reports()
        .apply(ReportChange {
            timeline: vec![last.clone()],
            ..ReportChange::default()
        })
        .await?;

    expected.extend(same_instant);
    expected.extend(later);
    expected.push(last);
    assert_eq!(
        w.reports().timeline(first.id).await?,
        expected,
        "the first report's timeline"
    );
    let other_timeline = w.reports().timeline(other.id).await?;
    assert_eq!(
        other_timeline.len(),
        2,
        "the other report has its own two entries"
    );
    assert_eq!(other_timeline.get(1), Some(&for_other));
    Ok(())
}

/// The outbox holds every event of every applied change, in order, as written.
pub async fn outbox_keeps_events_in_order(stores: &Stores) -> CheckResult {
    let w = World::new(stores).await?;
    let first = w.create(1, |_| {}).await?;
    let second = w.create(2, |r| r.visibility = Visibility::Private).await?;
    let mut expected = stores.appended.outbox().await?;
    assert_eq!(
        expected
            .iter()
            .map(|e| (e.event_type.as_str(), e.report_id))
            .collect::<Vec<_>>(),
        [
            ("report.submitted", first.id),
            ("report.submitted", second.id)
        ],
        "one submission event per creation"
    );

    let mut assigned = first.clone();
    assigned.status = ReportStatus::Assigned;
    assigned.assignee = Some(w.officer.id);
    assigned.version = 2;
    let events = vec![
        ReportEvent::Assigned {
            department: assigned.department.clone(),
            assignee: assigned.assignee,
        }
        .into_envelope(new_id(), first.id, t(10)),
        fixtures::status_event(first.id, t(10), ReportStatus::Assigned),
        ReportEvent::Merged { into: second.id }.into_envelope(new_id(), first.id, t(10)),
    ];
    let mut change = update(&assigned, 1);
    change.events = events.clone();
    w.reports().apply(change).await?;
    let comment = ReportEvent::Commented {
        comment_id: new_id(),
        internal: true,
    }
    .into_envelope(new_id(), second.id, t(20));
    w.reports()
        .apply(ReportChange {
            events: vec![comment.clone()],
            ..ReportChange::default()
        })
        .await?;

    expected.extend(events);
    expected.push(comment);
    assert_eq!(
        stores.appended.outbox().await?,
        expected,
        "events in append order, payloads intact"
    );
    Ok(())
}

/// Audit entries of a change are read back by the same backend's audit log.
pub async fn change_audit_reaches_the_audit_log(stores: &Stores) -> CheckResult {
    let w = World::new(stores).await?;
    let report = w.create(1, |_| {}).await?;
    let target = format!("report:{}", report.id);
    let mut first = audit_entry(&target, t(10), "report.assign");
    first.actor = Some(w.officer.id);
    first.actor_role = Some(Role::Manager);
    let second = audit_entry(&target, t(20), "report.transition");

    let mut current = report;
    for entry in [&first, &second] {
        let expected_version = current.version;
        current.version += 1;
        let mut change = update(&current, expected_version);
        change.audit = vec![entry.clone()];
        w.reports().apply(change).await?;
    }
    let listed = stores
        .audit
        .list(&AuditQuery {
            target: Some(target),
            limit: 10,
        })
        .await
        .context("listing the audit log")?;
    assert_eq!(
        listed,
        [second, first],
        "the change's audit entries, newest first"
    );
    Ok(())
}

/// A working store answers `ping`.
pub async fn ping_answers(stores: &Stores) -> CheckResult {
    stores.reports.ping().await?;
    Ok(())
}
