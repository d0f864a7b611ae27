//! Valid reports and the changes that submit them, and the check that
//! cancelled writes leave a store clean, for the SQL stores' own tests.
//!
//! Behind the `fixtures` feature; test code only, so a failure panics.
#![allow(
    clippy::unwrap_used,
    clippy::panic,
    reason = "test fixtures: a fixture that cannot be built must fail the test loudly"
)]

use std::time::Duration;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use sinmungo_core::domain::audit::AuditEntry;
use sinmungo_core::domain::category::CategoryCode;
use sinmungo_core::domain::department::DepartmentCode;
use sinmungo_core::domain::event::{EventEnvelope, ReportEvent};
use sinmungo_core::domain::geo::{GeoPoint, Jurisdiction};
use sinmungo_core::domain::priority::Priority;
use sinmungo_core::domain::receipt::ReceiptNumber;
use sinmungo_core::domain::report::{Report, ReportId, Visibility};
use sinmungo_core::domain::status::ReportStatus;
use sinmungo_core::domain::text::{Description, ReportTitle};
use sinmungo_core::domain::timeline::{TimelineEntry, TimelineKind};
use sinmungo_core::domain::user::{Role, UserId};
use sinmungo_core::ports::{ReportChange, ReportStore, ReportWrite};
use uuid::Uuid;

/// A time with whole microseconds (what the store keeps), `minutes` after a fixed instant.
pub fn at(minutes: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 5, 1, 9, 30, 0).unwrap()
        + TimeDelta::microseconds(123_456)
        + TimeDelta::minutes(minutes)
}

/// Ids whose order is their number's order.
pub fn report_id(n: u32) -> ReportId {
    ReportId(Uuid::from_u128(
        0x0196_8a00_0000_7000_8000_0000_0000_0000 + u128::from(n),
    ))
}

/// A citizen; `citizen(1)` is the reporter of `report(n)` unless changed.
pub fn citizen(n: u128) -> UserId {
    UserId(Uuid::from_u128(
        0x0196_0000_0000_7000_9000_0000_0000_0000 + n,
    ))
}

/// A valid, public, received road-damage report in Jeonju; `n` ≥ 1.
pub fn report(n: u32) -> Report {
    let created = at(i64::from(n));
    Report {
        id: report_id(n),
        number: ReceiptNumber::new(2026, n),
        title: ReportTitle::new("도로에 포트홀").unwrap(),
        description: Description::new("차가 지나갈 때마다 덜컹거립니다").unwrap(),
        category: CategoryCode::new("road_damage").unwrap(),
        priority: Priority::Normal,
        status: ReportStatus::Received,
        location: GeoPoint::new(35.8242, 127.1480).unwrap(),
        address: None,
        jurisdiction: Jurisdiction {
            code: "35011".to_owned(),
            name: "전주시완산구".to_owned(),
        },
        department: Some(DepartmentCode::new("road_management").unwrap()),
        assignee: None,
        reporter: citizen(1),
        visibility: Visibility::Public,
        support_count: 0,
        duplicate_of: None,
        analysis: None,
        photos: Vec::new(),
        respond_by: created + Priority::Normal.default_sla().first_response,
        due_at: created + Priority::Normal.default_sla().resolution,
        response_breached_at: None,
        resolution_breached_at: None,
        responded_at: None,
        reopened_at: None,
        created_at: created,
        updated_at: created,
        resolved_at: None,
        status_changed_at: created,
        version: 1,
    }
}

/// A timeline entry of `kind` about `report`.
pub fn entry(report: ReportId, minutes: i64, kind: TimelineKind) -> TimelineEntry {
    TimelineEntry {
        id: Uuid::now_v7(),
        report_id: report,
        at: at(minutes),
        actor: Some(citizen(1)),
        actor_role: Some(Role::Citizen),
        kind,
    }
}

/// An audit entry about `report`.
pub fn audit(report: ReportId, minutes: i64, action: &str) -> AuditEntry {
    AuditEntry {
        id: Uuid::now_v7(),
        at: at(minutes),
        actor: Some(citizen(1)),
        actor_role: Some(Role::Citizen),
        action: action.to_owned(),
        target: format!("report:{report}"),
        before: serde_json::Value::Null,
        after: serde_json::json!({ "status": "received", "메모": "접수" }),
    }
}

/// What submitting `report` writes: the report, a timeline entry, an event and an audit entry.
pub fn submission(report: Report) -> ReportChange {
    let id = report.id;
    let event =
        ReportEvent::submitted(&report).into_envelope(Uuid::now_v7(), id, report.created_at);
    ReportChange {
        timeline: vec![entry(id, 0, TimelineKind::Submitted)],
        events: vec![event],
        audit: vec![audit(id, 0, "report.submit")],
        writes: vec![ReportWrite::Create(report)],
        supporters: Vec::new(),
        rewritten_timeline: Vec::new(),
        corrections: Vec::new(),
    }
}

/// A status event about `report`.
pub fn status_event(report: ReportId, minutes: i64) -> EventEnvelope {
    ReportEvent::StatusChanged {
        from: ReportStatus::Received,
        to: ReportStatus::InProgress,
    }
    .into_envelope(Uuid::now_v7(), report, at(minutes))
}

/// Stores the reports as submitted.
pub async fn submit_all(store: &impl ReportStore, reports: impl IntoIterator<Item = Report>) {
    for report in reports {
        store.apply(submission(report)).await.unwrap();
    }
}

/// Rounds of submissions cancelled at any point (see [`cancel_submissions`]).
#[derive(Debug, Clone, Copy)]
pub struct Cancellations {
    /// How many rounds.
    pub rounds: u32,
    /// Submissions cancelled in each round; the i-th (from 1) after `i × step`.
    pub per_round: u32,
    /// The step between two submissions' deadlines.
    pub step: Duration,
    /// Submissions that must succeed after each round.
    pub after_each_round: u32,
    /// How long each of those may take.
    pub timeout: Duration,
}

impl Cancellations {
    /// The numbers of the reports whose submissions were cancelled.
    pub fn cancelled(self) -> impl Iterator<Item = u32> {
        (0..self.rounds).flat_map(move |round| (1..=self.per_round).map(move |i| round * 1000 + i))
    }
}

/// A client that hangs up mid-request drops the request's future, possibly
/// inside a write transaction. Runs rounds of submissions, each cancelled
/// after its deadline: some before, some inside, some after their
/// transaction. After each round every write must succeed on whichever
/// pooled connection it gets.
pub async fn cancel_submissions<S>(store: &S, plan: Cancellations)
where
    S: ReportStore + Clone + 'static,
{
    for round in 0..plan.rounds {
        let mut cancelled = Vec::new();
        for i in 1..=plan.per_round {
            let store = store.clone();
            let n = round * 1000 + i;
            cancelled.push(tokio::spawn(async move {
                let deadline = plan.step * i;
                tokio::time::timeout(deadline, store.apply(submission(report(n))))
                    .await
                    .is_ok()
            }));
        }
        for task in cancelled {
            task.await.unwrap();
        }
        for i in 501..501 + plan.after_each_round {
            let n = round * 1000 + i;
            tokio::time::timeout(plan.timeout, store.apply(submission(report(n))))
                .await
                .unwrap_or_else(|_| panic!("round {round}: a write hung after cancellations"))
                .unwrap_or_else(|e| {
                    panic!("round {round}: a write failed after cancellations: {e}")
                });
        }
    }
}

/// Each cancelled submission of `plan` is all there or not at all: its
/// report and its event (among `outbox`, every event appended) together.
pub async fn assert_all_or_nothing(
    store: &impl ReportStore,
    outbox: &[EventEnvelope],
    plan: Cancellations,
) {
    for n in plan.cancelled() {
        let id = report(n).id;
        let stored = store.get(id).await.unwrap().is_some();
        let evented = outbox.iter().any(|event| event.report_id == id);
        assert_eq!(
            stored, evented,
            "report {n}: stored {stored}, event {evented}"
        );
    }
}
