//! Valid reports and the changes that submit them.

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
use sinmungo_core::ports::{ReportChange, ReportWrite};
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

/// The reporter of `report(n)`.
pub fn citizen() -> UserId {
    UserId(Uuid::from_u128(0x0196_0000_0000_7000_9000_0000_0000_0001))
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
        reporter: citizen(),
        visibility: Visibility::Public,
        support_count: 0,
        duplicate_of: None,
        analysis: None,
        photos: Vec::new(),
        due_at: Report::due_for(created, Priority::Normal),
        created_at: created,
        updated_at: created,
        resolved_at: None,
        status_changed_at: created,
        version: 1,
    }
}

/// What submitting `report` writes: the report, a timeline entry, an event and an audit entry.
pub fn submission(report: Report) -> ReportChange {
    let id = report.id;
    let event =
        ReportEvent::submitted(&report).into_envelope(Uuid::now_v7(), id, report.created_at);
    ReportChange {
        timeline: vec![TimelineEntry {
            id: Uuid::now_v7(),
            report_id: id,
            at: report.created_at,
            actor: Some(citizen()),
            actor_role: Some(Role::Citizen),
            kind: TimelineKind::Submitted,
        }],
        events: vec![event],
        audit: vec![AuditEntry {
            id: Uuid::now_v7(),
            at: report.created_at,
            actor: Some(citizen()),
            actor_role: Some(Role::Citizen),
            action: "report.submit".to_owned(),
            target: format!("report:{id}"),
            before: serde_json::Value::Null,
            after: serde_json::json!({ "status": "received" }),
        }],
        writes: vec![ReportWrite::Create(report)],
        supporters: Vec::new(),
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
