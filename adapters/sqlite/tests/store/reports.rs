//! Writing reports: the change is all or nothing, and reads give back what was written.

use std::collections::BTreeSet;

use chrono::TimeDelta;
use sinmungo_core::domain::category::CategoryCode;
use sinmungo_core::domain::department::DepartmentCode;
use sinmungo_core::domain::priority::Priority;
use sinmungo_core::domain::report::{Analysis, DecidedBy, Privacy, Visibility};
use sinmungo_core::domain::routing::RoutingRule;
use sinmungo_core::domain::status::ReportStatus;
use sinmungo_core::domain::text::Address;
use sinmungo_core::domain::timeline::TimelineKind;
use sinmungo_core::ports::{
    AuditLog, AuditQuery, ReportChange, ReportStore, ReportWrite, StoreError, Supporter, Uniqueness,
};

use crate::fixtures::{at, audit, citizen, entry, fresh, report, report_id, submission, url_in};

#[tokio::test]
async fn a_full_report_its_timeline_events_and_audit_round_trip() {
    let (_dir, store) = fresh().await;
    let mut full = report(7);
    full.priority = Priority::Urgent;
    full.status = ReportStatus::Resolved;
    full.address = Some(Address::new("전주시 완산구 효자동 1가 100").unwrap());
    full.assignee = Some(citizen(99));
    full.visibility = Visibility::Private;
    full.support_count = 3;
    full.duplicate_of = Some(report_id(2));
    full.analysis = Some(Analysis {
        category: CategoryCode::new("safety_hazard").unwrap(),
        priority: Priority::Urgent,
        confidence: 0.875,
        decided_by: DecidedBy::Ai,
        rule: Some("sinkhole".to_owned()),
        matched: vec!["싱크홀".to_owned()],
        needs_review: true,
        decided_at: at(8),
        models: vec!["roboflow:potholes/2".to_owned()],
        latency_ms: 210,
        note: None,
        trigger: None,
        routing: Some(RoutingRule::CategoryDefault),
        privacy: Privacy {
            personal_data: Some(false),
            spans: Vec::new(),
            review: None,
        },
    });
    full.resolved_at = Some(at(30));
    full.status_changed_at = at(30);
    full.updated_at = at(31);
    full.version = 5;
    let mut change = submission(full.clone());
    change.timeline.push(entry(
        full.id,
        1,
        TimelineKind::Classified {
            category: "safety_hazard".to_owned(),
            priority: "urgent".to_owned(),
            decided_by: DecidedBy::Ai,
            rule: Some("sinkhole".to_owned()),
        },
    ));
    change.timeline.push(entry(
        full.id,
        2,
        TimelineKind::Comment {
            body: "현장 확인 중입니다 — 50% 완료".to_owned(),
            internal: true,
        },
    ));
    store.apply(change.clone()).await.unwrap();

    assert_eq!(store.get(full.id).await.unwrap(), Some(full.clone()));
    assert_eq!(store.timeline(full.id).await.unwrap(), change.timeline);
    assert_eq!(store.outbox_events().await.unwrap(), change.events);
    let audit = AuditLog::list(
        &store,
        &AuditQuery {
            target: Some(format!("report:{}", full.id)),
            limit: 10,
        },
    )
    .await
    .unwrap();
    assert_eq!(audit, change.audit);
    assert_eq!(store.get(report_id(8)).await.unwrap(), None);
}

#[tokio::test]
async fn times_are_kept_to_the_microsecond() {
    let (_dir, store) = fresh().await;
    let mut precise = report(1);
    precise.created_at += TimeDelta::nanoseconds(999);
    store.apply(submission(precise.clone())).await.unwrap();
    let stored = store.get(precise.id).await.unwrap().unwrap();
    assert_eq!(
        stored.created_at,
        precise.created_at - TimeDelta::nanoseconds(999)
    );
}

#[tokio::test]
async fn an_update_replaces_the_report_when_the_version_matches() {
    let (_dir, store) = fresh().await;
    let original = report(1);
    store.apply(submission(original.clone())).await.unwrap();
    let mut updated = original.clone();
    updated.status = ReportStatus::Assigned;
    updated.department = Some(DepartmentCode::new("safety_management").unwrap());
    updated.location = sinmungo_core::domain::geo::GeoPoint::new(35.9676, 126.7366).unwrap();
    updated.version = 2;
    store
        .apply(ReportChange {
            writes: vec![ReportWrite::Update {
                report: updated.clone(),
                expected_version: 1,
            }],
            ..ReportChange::default()
        })
        .await
        .unwrap();
    assert_eq!(store.get(original.id).await.unwrap(), Some(updated));
}

#[tokio::test]
async fn a_version_conflict_writes_nothing_of_the_change() {
    let (_dir, store) = fresh().await;
    let original = report(1);
    let other = report(2);
    store.apply(submission(original.clone())).await.unwrap();
    let events_before = store.outbox_events().await.unwrap();
    let timeline_before = store.timeline(original.id).await.unwrap();

    let mut stale = original.clone();
    stale.status = ReportStatus::InProgress;
    stale.version = 3;
    let mut change = submission(other.clone());
    change.writes.push(ReportWrite::Update {
        report: stale,
        expected_version: 2,
    });
    change.timeline.push(entry(
        original.id,
        5,
        TimelineKind::StatusChanged {
            from: ReportStatus::Received,
            to: ReportStatus::InProgress,
            note: None,
        },
    ));
    change.supporters.push(Supporter {
        report_id: original.id,
        user_id: citizen(2),
        at: at(5),
    });
    change
        .audit
        .push(audit(original.id, 5, "report.transition"));
    assert!(matches!(
        store.apply(change).await,
        Err(StoreError::VersionConflict)
    ));

    assert_eq!(
        store.get(original.id).await.unwrap(),
        Some(original.clone())
    );
    assert_eq!(
        store.get(other.id).await.unwrap(),
        None,
        "the create is rolled back"
    );
    assert_eq!(store.timeline(original.id).await.unwrap(), timeline_before);
    assert_eq!(store.timeline(other.id).await.unwrap(), Vec::new());
    assert_eq!(store.outbox_events().await.unwrap(), events_before);
    let audit = AuditLog::list(
        &store,
        &AuditQuery {
            target: None,
            limit: 100,
        },
    )
    .await
    .unwrap();
    assert_eq!(audit.len(), 1, "only the first submission's entry");
    // The supporter was rolled back too, so it can be added now.
    store
        .apply(ReportChange {
            supporters: vec![Supporter {
                report_id: original.id,
                user_id: citizen(2),
                at: at(6),
            }],
            ..ReportChange::default()
        })
        .await
        .unwrap();
}

#[tokio::test]
async fn updating_a_report_that_does_not_exist_is_not_found() {
    let (_dir, store) = fresh().await;
    let ghost = report(1);
    let result = store
        .apply(ReportChange {
            writes: vec![ReportWrite::Update {
                report: ghost,
                expected_version: 0,
            }],
            ..ReportChange::default()
        })
        .await;
    assert!(matches!(result, Err(StoreError::NotFound)), "{result:?}");
}

#[tokio::test]
async fn a_taken_id_or_receipt_number_is_an_identity_conflict() {
    let (_dir, store) = fresh().await;
    store.apply(submission(report(1))).await.unwrap();

    let mut same_id = report(2);
    same_id.id = report_id(1);
    let mut same_number = report(3);
    same_number.number = report(1).number;
    for taken in [same_id, same_number] {
        let result = store.apply(submission(taken)).await;
        assert!(
            matches!(result, Err(StoreError::AlreadyExists(Uniqueness::Identity))),
            "{result:?}"
        );
    }
    assert_eq!(store.outbox_events().await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_timeline_entry_supporter_or_event_of_an_unknown_report_is_not_found() {
    let (_dir, store) = fresh().await;
    let timeline_only = ReportChange {
        timeline: vec![entry(report_id(1), 0, TimelineKind::Submitted)],
        ..ReportChange::default()
    };
    let supporter_only = ReportChange {
        supporters: vec![Supporter {
            report_id: report_id(1),
            user_id: citizen(2),
            at: at(0),
        }],
        ..ReportChange::default()
    };
    let event_only =
        ReportChange {
            events: vec![
                sinmungo_core::domain::event::ReportEvent::Merged { into: report_id(2) }
                    .into_envelope(uuid::Uuid::now_v7(), report_id(1), at(0)),
            ],
            ..ReportChange::default()
        };
    for change in [timeline_only, supporter_only, event_only] {
        let result = store.apply(change).await;
        assert!(matches!(result, Err(StoreError::NotFound)), "{result:?}");
    }
}

#[tokio::test]
async fn a_user_supports_a_report_once() {
    let (_dir, store) = fresh().await;
    let original = report(1);
    store.apply(submission(original.clone())).await.unwrap();
    let support = |user, version| {
        let mut supported = original.clone();
        supported.support_count = u32::try_from(version).unwrap();
        supported.version = version + 1;
        ReportChange {
            writes: vec![ReportWrite::Update {
                report: supported,
                expected_version: version,
            }],
            supporters: vec![Supporter {
                report_id: original.id,
                user_id: user,
                at: at(3),
            }],
            ..ReportChange::default()
        }
    };
    store.apply(support(citizen(2), 1)).await.unwrap();
    store.apply(support(citizen(3), 2)).await.unwrap();
    let again = store.apply(support(citizen(2), 3)).await;
    assert!(
        matches!(again, Err(StoreError::AlreadyExists(Uniqueness::Supporter))),
        "{again:?}"
    );
    let stored = store.get(original.id).await.unwrap().unwrap();
    assert_eq!((stored.support_count, stored.version), (2, 3));
}

#[tokio::test]
async fn the_timeline_is_oldest_first_and_events_keep_their_order() {
    let (_dir, store) = fresh().await;
    let first = report(1);
    let second = report(2);
    store.apply(submission(first.clone())).await.unwrap();
    store.apply(submission(second.clone())).await.unwrap();
    let comments: Vec<_> = (0..5)
        .map(|i| {
            entry(
                first.id,
                10,
                TimelineKind::Comment {
                    body: format!("댓글 {i}"),
                    internal: false,
                },
            )
        })
        .collect();
    let events: Vec<_> = (0..5)
        .map(|i| {
            sinmungo_core::domain::event::ReportEvent::Commented {
                comment_id: comments[i].id,
                internal: false,
            }
            .into_envelope(uuid::Uuid::now_v7(), first.id, at(10))
        })
        .collect();
    store
        .apply(ReportChange {
            timeline: comments.clone(),
            events: events.clone(),
            ..ReportChange::default()
        })
        .await
        .unwrap();

    let timeline = store.timeline(first.id).await.unwrap();
    assert_eq!(timeline.len(), 6);
    assert_eq!(timeline[0].kind, TimelineKind::Submitted);
    assert_eq!(&timeline[1..], &comments[..], "same time: insertion order");
    let outbox = store.outbox_events().await.unwrap();
    let types: Vec<_> = outbox.iter().map(|e| e.event_type.as_str()).collect();
    assert_eq!(
        types,
        [
            "report.submitted",
            "report.submitted",
            "report.commented",
            "report.commented",
            "report.commented",
            "report.commented",
            "report.commented"
        ]
    );
    assert_eq!(&outbox[2..], &events[..]);
    assert_eq!(outbox[1].report_id, second.id);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn receipt_numbers_are_unique_and_gapless_under_concurrency() {
    let (_dir, store) = fresh().await;
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move {
                let mut numbers = Vec::new();
                for _ in 0..50 {
                    numbers.push(store.next_receipt_number(2026).await.unwrap());
                }
                numbers
            })
        })
        .collect();
    let mut sequences = BTreeSet::new();
    for task in tasks {
        for number in task.await.unwrap() {
            assert_eq!(number.year(), 2026);
            assert!(sequences.insert(number.sequence()), "{number} twice");
        }
    }
    assert_eq!(sequences, (1..=400).collect::<BTreeSet<u32>>());
    let next_year = store.next_receipt_number(2027).await.unwrap();
    assert_eq!(next_year.to_string(), "JB-2027-000001");
}

#[tokio::test]
async fn a_corrupt_row_is_an_error_naming_its_column() {
    let (dir, store) = fresh().await;
    store.apply(submission(report(1))).await.unwrap();
    let raw = sqlx::SqlitePool::connect(&url_in(&dir)).await.unwrap();
    sqlx::query("UPDATE reports SET priority = 'whenever'")
        .execute(&raw)
        .await
        .unwrap();
    sqlx::query("UPDATE timeline SET actor_role = 'king'")
        .execute(&raw)
        .await
        .unwrap();
    raw.close().await;

    match store.get(report_id(1)).await {
        Err(StoreError::Unknown(error)) => {
            assert!(error.to_string().contains("reports.priority"), "{error}");
        }
        other => panic!("expected Unknown, got {other:?}"),
    }
    match store.timeline(report_id(1)).await {
        Err(StoreError::Unknown(error)) => {
            assert!(error.to_string().contains("timeline.actor_role"), "{error}");
        }
        other => panic!("expected Unknown, got {other:?}"),
    }
}
